package pylon

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"
)

// Sentinel errors, matched with errors.Is. They mirror the exceptions of
// Pylon's Python client:
//
//	PylonRequestException   *RequestError (could not reach the service)
//	PylonTimeoutException   ErrTimeout (a client-side timeout or a 504)
//	PylonResponseException  *ResponseError (the service answered with an error)
//	PylonUnauthorized       ErrUnauthorized (401)
//	PylonForbidden          ErrForbidden (403)
//	PylonNotFound           ErrNotFound (404)
//	PylonBadGateway         ErrBadGateway (502)
//	PylonClosed             ErrClosed
//	PylonMisconfigured      ErrMisconfigured (*MisconfiguredError)
var (
	// ErrUnauthorized: the request carried no usable Authorization header
	// (401). With this client it means no token was configured for the
	// route.
	ErrUnauthorized = errors.New("pylon: unauthorised")
	// ErrForbidden: the token is wrong for the route (403).
	ErrForbidden = errors.New("pylon: forbidden")
	// ErrNotFound: no such resource, identity or route (404), or the
	// identity is not among the service's identities.
	ErrNotFound = errors.New("pylon: not found")
	// ErrBadGateway: the service could not get an answer from the chain
	// (502).
	ErrBadGateway = errors.New("pylon: bad gateway")
	// ErrTimeout: the request timed out, either in the client (connecting,
	// waiting for the answer, the context's deadline) or in the service
	// (504). Both are retried, as in Pylon's client.
	ErrTimeout = errors.New("pylon: timeout")
	// ErrClosed: the client was closed.
	ErrClosed = errors.New("pylon: client is closed")
	// ErrMisconfigured: the client's configuration cannot work (see
	// *MisconfiguredError).
	ErrMisconfigured = errors.New("pylon: misconfigured")
)

// RequestError means the request did not get an HTTP answer: the service
// could not be reached, the connection broke, or a timeout or the context
// ended the attempt first. Request errors are retried by DefaultRetry.
type RequestError struct {
	// Method and Path say which call failed (the path has no host, query or
	// token).
	Method, Path string
	// Err is the cause, e.g. a *url.Error, context.DeadlineExceeded or
	// context.Canceled.
	Err error
}

// Error describes the failure.
func (e *RequestError) Error() string {
	what := "could not reach the service"
	if e.Timeout() {
		what = "timed out"
	}
	return fmt.Sprintf("pylon: %s%s: %v", callPrefix(e.Method, e.Path), what, e.Err)
}

// callPrefix renders "METHOD /path: " for messages, or nothing when unknown (a
// mock's errors).
func callPrefix(method, path string) string {
	if method == "" && path == "" {
		return ""
	}
	return strings.TrimSpace(method+" "+path) + ": "
}

// Unwrap returns the cause.
func (e *RequestError) Unwrap() error { return e.Err }

// Timeout reports whether the cause is a timeout (a deadline, or a network
// timeout).
func (e *RequestError) Timeout() bool {
	if errors.Is(e.Err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(e.Err, &ne) && ne.Timeout()
}

// Is makes errors.Is(err, ErrTimeout) true for a timeout.
func (e *RequestError) Is(target error) bool { return target == ErrTimeout && e.Timeout() }

// ResponseError means the service answered with an error status. Detail is
// the human message of its problem+json body (Pylon's "detail").
type ResponseError struct {
	// Method and Path say which call failed.
	Method, Path string
	// StatusCode is the HTTP status.
	StatusCode int
	// Detail is the body's "detail", or a short quote of a body that is not
	// a problem document.
	Detail string
	// Problem is the decoded error body; nil when it was not JSON.
	Problem *Problem
	// RequestID is the X-Request-ID of the answer, as in the server's log.
	RequestID string
	// RetryAfter is the Retry-After the service sent, or 0.
	RetryAfter time.Duration
}

// Error renders the status, the detail and the request id, e.g.
// "pylon: GET /api/v1/identities: 403 Forbidden: Invalid authorization token
// (request id 3f…)".
func (e *ResponseError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "pylon: %s%d %s", callPrefix(e.Method, e.Path), e.StatusCode, http.StatusText(e.StatusCode))
	if e.Detail != "" {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	}
	if e.RequestID != "" {
		b.WriteString(" (request id ")
		b.WriteString(e.RequestID)
		b.WriteString(")")
	}
	return b.String()
}

// Is matches the sentinel for the status: ErrUnauthorized (401),
// ErrForbidden (403), ErrNotFound (404), ErrBadGateway (502), ErrTimeout
// (504).
func (e *ResponseError) Is(target error) bool {
	switch e.StatusCode {
	case http.StatusUnauthorized:
		return target == ErrUnauthorized
	case http.StatusForbidden:
		return target == ErrForbidden
	case http.StatusNotFound:
		return target == ErrNotFound
	case http.StatusBadGateway:
		return target == ErrBadGateway
	case http.StatusGatewayTimeout:
		return target == ErrTimeout
	}
	return false
}

// MisconfiguredError lists what is wrong with a Config, or what a call needs
// that the Config lacks (a token, an identity).
type MisconfiguredError struct {
	Problems []string
}

// Error lists the problems.
func (e *MisconfiguredError) Error() string {
	return "pylon: misconfigured client: " + strings.Join(e.Problems, "; ")
}

// Is makes errors.Is(err, ErrMisconfigured) true.
func (e *MisconfiguredError) Is(target error) bool { return target == ErrMisconfigured }

func misconfigured(problems ...string) error { return &MisconfiguredError{Problems: problems} }
