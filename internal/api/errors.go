package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/pylon-go/pylon"
)

// problemContentType is RFC 9457's media type for problem details.
const problemContentType = "application/problem+json"

// problemError is the error value huma writes for every failed operation: the
// shared wire model plus what huma needs (status, content type).
type problemError struct {
	pylon.Problem
	cause error // behind a 5xx: logged, never sent
}

func (p *problemError) Error() string  { return p.Detail }
func (p *problemError) GetStatus() int { return p.Status }

// ContentType makes huma send application/problem+json.
func (p *problemError) ContentType(ct string) string {
	if ct == "application/json" {
		return problemContentType
	}
	return ct
}

// The error constructors are package-level variables in huma; replacing them
// is the documented way to choose the error model. It happens once, before
// any API exists, and applies to every huma API in the process (there is one).
func init() {
	huma.NewError = func(status int, msg string, errs ...error) huma.StatusError {
		return newProblem(context.Background(), status, msg, errs...)
	}
	huma.NewErrorWithContext = func(hctx huma.Context, status int, msg string, errs ...error) huma.StatusError {
		ctx := context.Background()
		if hctx != nil {
			ctx = hctx.Context()
		}
		return newProblem(ctx, status, msg, errs...)
	}
}

// newProblem builds the problem for an error response:
//
//   - huma's validation status 422 becomes 400, as in Pylon (Litestar);
//   - an error wrapping context.DeadlineExceeded becomes 504, one wrapping
//     context.Canceled 503, instead of a 500;
//   - for any 5xx the wrapped errors are kept out of the body (they may carry
//     internals) and recorded for the request's log line instead;
//   - the detail always says something specific, because Pylon clients show
//     it to people.
func newProblem(ctx context.Context, status int, msg string, errs ...error) *problemError {
	if status == http.StatusUnprocessableEntity {
		status = http.StatusBadRequest
	}
	if status == http.StatusInternalServerError {
		for _, err := range errs {
			switch {
			case errors.Is(err, context.DeadlineExceeded):
				status, msg = http.StatusGatewayTimeout, deadlineDetail(ctx)
			case errors.Is(err, context.Canceled):
				status, msg = http.StatusServiceUnavailable, "the request was cancelled before it finished"
			}
		}
	}

	p := &problemError{Problem: pylon.Problem{
		Title:     http.StatusText(status),
		Status:    status,
		Detail:    msg,
		RequestID: RequestID(ctx),
	}}
	if status >= http.StatusInternalServerError {
		p.cause = errors.Join(errs...)
		noteError(ctx, p.cause)
		if p.Detail == "" || p.Detail == "unexpected error occurred" {
			p.Detail = "internal server error; the server log has the details under this request_id"
		}
		return p
	}
	for _, err := range errs {
		if err == nil {
			continue
		}
		p.Errors = append(p.Errors, problemItem(err))
	}
	p.Detail = detailWithItems(p.Detail, p.Errors)
	return p
}

// completeProblem is a huma transformer: errors built without the request
// (huma.Error404NotFound(...) in a handler) get the request id, and the
// cause of a 5xx reaches the request log.
func completeProblem(hctx huma.Context, _ string, v any) (any, error) {
	if p, ok := v.(*problemError); ok {
		ctx := hctx.Context()
		if p.RequestID == "" {
			p.RequestID = RequestID(ctx)
		}
		if p.cause != nil {
			noteError(ctx, p.cause)
		}
	}
	return v, nil
}

// problemItem converts one of huma's error details. The value is echoed only
// when short and scalar: a whole request body (which huma attaches to body
// parse errors) is not sent back.
func problemItem(err error) pylon.ProblemItem {
	var d huma.ErrorDetailer
	if !errors.As(err, &d) {
		return pylon.ProblemItem{Message: err.Error()}
	}
	ed := d.ErrorDetail()
	item := pylon.ProblemItem{Message: ed.Message, Location: ed.Location}
	switch v := ed.Value.(type) {
	case string:
		if len(v) <= 64 && ed.Location != "body" {
			item.Value = v
		}
	case bool, int, int64, float64, json.Number:
		item.Value = v
	}
	return item
}

// detailWithItems makes "validation failed" say what failed, since Pylon
// clients only show detail.
func detailWithItems(detail string, items []pylon.ProblemItem) string {
	if len(items) == 0 {
		return detail
	}
	parts := make([]string, 0, len(items))
	for i, it := range items {
		if i == 3 {
			parts = append(parts, fmt.Sprintf("and %d more", len(items)-3))
			break
		}
		if it.Location != "" {
			parts = append(parts, it.Location+": "+it.Message)
		} else {
			parts = append(parts, it.Message)
		}
	}
	if detail == "" {
		return strings.Join(parts, "; ")
	}
	return detail + ": " + strings.Join(parts, "; ")
}

// writeProblem answers a request outside huma (unknown route, bad timeout
// header, deadline, panic) with the same problem+json body huma's errors
// have. detail must already say what is wrong; items add the locations.
func writeProblem(w http.ResponseWriter, r *http.Request, status int, detail string, items ...pylon.ProblemItem) {
	p := pylon.Problem{
		Title:     http.StatusText(status),
		Status:    status,
		Detail:    detail,
		RequestID: RequestID(r.Context()),
		Errors:    items,
	}
	body, err := json.Marshal(p)
	if err != nil {
		// A struct of strings and ints always marshals.
		panic(fmt.Sprintf("api: marshal problem: %v", err))
	}
	h := w.Header()
	h.Set("Content-Type", problemContentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
