package pylon

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of Config, as in Pylon's client (PylonTimeout: connect 5 s, read
// 60 s).
const (
	DefaultTimeout        = 60 * time.Second
	DefaultConnectTimeout = 5 * time.Second
)

// timeoutBuffer is how much earlier than the client the service is asked to
// give up (X-Pylon-Timeout), so that its 504 arrives before the client's own
// deadline cuts the connection. Pylon's client uses 0.5 s.
const timeoutBuffer = 500 * time.Millisecond

// maxBody bounds a response body. The largest answers (neurons of a full
// subnet) are a few hundred kilobytes.
const maxBody = 64 << 20

// Config configures a Client. Address is required; the tokens decide which
// routes the client can call:
//
//   - open-access routes (subnet and block reads, identities) use
//     OpenAccessToken, or IdentityToken when no open-access token is set;
//   - identity routes (weights, own certificate) use IdentityName and
//     IdentityToken, which go together.
type Config struct {
	// Address is the service's base URL, e.g. http://127.0.0.1:8000. A path
	// (for a service behind a reverse proxy) is kept as a prefix.
	Address string
	// OpenAccessToken is PYLON_OPEN_ACCESS_TOKEN of the service.
	OpenAccessToken string
	// IdentityName names the identity (PYLON_IDENTITIES) the client acts
	// as; IdentityToken is its PYLON_ID_<NAME>_TOKEN.
	IdentityName  string
	IdentityToken string
	// Retry is the retry policy; the zero value means DefaultRetry.
	Retry Retry
	// Timeout bounds each attempt (Pylon's read timeout); 0 means
	// DefaultTimeout, a negative value no bound but the context's. The
	// context's deadline, when earlier, wins. The remaining time, minus a
	// small buffer, is sent as X-Pylon-Timeout.
	Timeout time.Duration
	// ConnectTimeout bounds establishing a connection; 0 means
	// DefaultConnectTimeout. It applies only when HTTPClient is nil.
	ConnectTimeout time.Duration
	// HTTPClient, if set, sends the requests (for TLS settings, proxies,
	// instrumentation). The client never follows redirects: a 308 from an
	// identity route means the identity's netuid changed, and is handled by
	// re-reading /api/v1/identities.
	HTTPClient *http.Client
}

// ConfigFromEnv reads a Config from the PYLON_CLIENT_* variables Pylon's
// Python client reads:
//
//	PYLON_CLIENT_ADDRESS
//	PYLON_CLIENT_OPEN_ACCESS_TOKEN
//	PYLON_CLIENT_IDENTITY_NAME, PYLON_CLIENT_IDENTITY_TOKEN
//	PYLON_CLIENT_TIMEOUT__READ     seconds → Timeout
//	PYLON_CLIENT_TIMEOUT__CONNECT  seconds → ConnectTimeout
//
// PYLON_CLIENT_TIMEOUT__WRITE and __POOL are accepted and have no effect
// (Go's transport has no such limits). Unset variables leave the field at
// its zero value; NewClient checks the result. A value that does not parse is
// an error matching ErrMisconfigured.
func ConfigFromEnv() (Config, error) {
	cfg := Config{
		Address:         strings.TrimSpace(os.Getenv("PYLON_CLIENT_ADDRESS")),
		OpenAccessToken: os.Getenv("PYLON_CLIENT_OPEN_ACCESS_TOKEN"),
		IdentityName:    strings.TrimSpace(os.Getenv("PYLON_CLIENT_IDENTITY_NAME")),
		IdentityToken:   os.Getenv("PYLON_CLIENT_IDENTITY_TOKEN"),
	}
	var problems []string
	seconds := func(key string) time.Duration {
		raw := strings.TrimSpace(os.Getenv(key))
		if raw == "" {
			return 0
		}
		f, err := strconv.ParseFloat(raw, 64)
		if err != nil || f <= 0 || f > 1e6 {
			problems = append(problems, fmt.Sprintf("%s must be a positive number of seconds, got %q", key, raw))
			return 0
		}
		return time.Duration(f * float64(time.Second))
	}
	cfg.Timeout = seconds("PYLON_CLIENT_TIMEOUT__READ")
	cfg.ConnectTimeout = seconds("PYLON_CLIENT_TIMEOUT__CONNECT")
	if len(problems) > 0 {
		return cfg, misconfigured(problems...)
	}
	return cfg, nil
}

// Client calls a Pylon-Go (or Pylon) service. It is safe for concurrent use.
// Methods return the decoded body, a *Response describing the exchange, and
// an error: *RequestError when the service could not be reached,
// *ResponseError when it answered with an error status (match them with
// errors.Is against ErrNotFound, ErrForbidden, …).
type Client struct {
	base          *url.URL
	cfg           Config
	retry         Retry
	timeout       time.Duration
	hc            *http.Client
	ownsTransport *http.Transport
	closed        atomic.Bool

	// The identity's netuid, discovered lazily and re-read after a 308.
	// discovering is a one-slot semaphore, so one caller asks the service
	// while the others wait (or give up when their context ends).
	netuidMu    sync.Mutex
	netuid      uint16
	netuidKnown bool
	discovering chan struct{}
}

// Client implements API.
var _ API = (*Client)(nil)

// NewClient checks cfg and builds a client. It does not contact the service.
// A configuration that cannot work (no address, an address that is not an
// http(s) URL, an identity name without its token or the reverse) is
// reported as a *MisconfiguredError (errors.Is(err, ErrMisconfigured)).
func NewClient(cfg Config) (*Client, error) {
	var problems []string
	base, err := url.Parse(strings.TrimSpace(cfg.Address))
	switch {
	case strings.TrimSpace(cfg.Address) == "":
		problems = append(problems, "Address is required (e.g. http://127.0.0.1:8000)")
	case err != nil:
		problems = append(problems, fmt.Sprintf("Address %q is not a URL: %v", cfg.Address, errors.Unwrap(err)))
	case base.Scheme != "http" && base.Scheme != "https":
		problems = append(problems, fmt.Sprintf("Address %q must start with http:// or https://", cfg.Address))
	case base.Host == "":
		problems = append(problems, fmt.Sprintf("Address %q has no host", cfg.Address))
	case base.RawQuery != "" || base.Fragment != "":
		problems = append(problems, fmt.Sprintf("Address %q must not have a query or fragment", base.Redacted()))
	}
	if (cfg.IdentityName == "") != (cfg.IdentityToken == "") {
		problems = append(problems, "IdentityName and IdentityToken must be given together")
	}
	if strings.ContainsAny(cfg.IdentityName, "/?#") {
		problems = append(problems, fmt.Sprintf("IdentityName %q must not contain '/', '?' or '#'", cfg.IdentityName))
	}
	if cfg.ConnectTimeout < 0 {
		problems = append(problems, "ConnectTimeout must not be negative")
	}
	if len(problems) > 0 {
		return nil, misconfigured(problems...)
	}
	base.Path = strings.TrimRight(base.Path, "/")
	base.RawPath = ""

	c := &Client{base: base, cfg: cfg, retry: cfg.Retry.orDefault(), discovering: make(chan struct{}, 1)}
	switch {
	case cfg.Timeout == 0:
		c.timeout = DefaultTimeout
	case cfg.Timeout > 0:
		c.timeout = cfg.Timeout
	}
	if cfg.HTTPClient != nil {
		hc := *cfg.HTTPClient
		c.hc = &hc
	} else {
		connect := cfg.ConnectTimeout
		if connect == 0 {
			connect = DefaultConnectTimeout
		}
		tr, ok := http.DefaultTransport.(*http.Transport)
		if ok {
			tr = tr.Clone()
		} else {
			tr = &http.Transport{Proxy: http.ProxyFromEnvironment}
		}
		tr.DialContext = (&net.Dialer{Timeout: connect, KeepAlive: 30 * time.Second}).DialContext
		tr.TLSHandshakeTimeout = connect
		c.ownsTransport = tr
		c.hc = &http.Client{Transport: tr}
	}
	c.hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return c, nil
}

// Close marks the client closed and releases its idle connections. Calls
// made afterwards fail with ErrClosed; calls in flight finish. Close is
// idempotent.
func (c *Client) Close() error {
	if c.closed.Swap(true) {
		return nil
	}
	if c.ownsTransport != nil {
		c.ownsTransport.CloseIdleConnections()
	}
	return nil
}

// IdentityNetuid returns the netuid of the configured identity, asking
// GET /api/v1/identities the first time and remembering the answer. An
// identity the service does not list is an error matching ErrNotFound.
func (c *Client) IdentityNetuid(ctx context.Context) (uint16, error) {
	if err := c.usable(); err != nil {
		return 0, err
	}
	if c.cfg.IdentityName == "" {
		return 0, misconfigured("identity routes need IdentityName and IdentityToken")
	}
	c.netuidMu.Lock()
	n, ok := c.netuid, c.netuidKnown
	c.netuidMu.Unlock()
	if ok {
		return n, nil
	}
	return c.discoverNetuid(ctx, 0, false)
}

// discoverNetuid reads the identity's netuid from the service. With stale
// set, a cached netuid other than stale is taken as already refreshed by
// someone else (Pylon's client does the same under its lock).
func (c *Client) discoverNetuid(ctx context.Context, stale uint16, isStale bool) (uint16, error) {
	select {
	case c.discovering <- struct{}{}:
		defer func() { <-c.discovering }()
	case <-ctx.Done():
		return 0, &RequestError{Method: http.MethodGet, Path: c.path(identitiesPath), Err: ctx.Err()}
	}
	c.netuidMu.Lock()
	n, ok := c.netuid, c.netuidKnown
	c.netuidMu.Unlock()
	if ok && (!isStale || n != stale) {
		return n, nil
	}

	var ids IdentitiesResponse
	if _, err := c.exchange(ctx, request{method: http.MethodGet, path: identitiesPath, repeatable: true}, c.cfg.IdentityToken, &ids); err != nil {
		return 0, err
	}
	n, ok = ids.Identities[c.cfg.IdentityName]
	c.netuidMu.Lock()
	c.netuid, c.netuidKnown = n, ok
	c.netuidMu.Unlock()
	if !ok {
		return 0, fmt.Errorf("pylon: identity %q is not among the service's identities (GET %s): %w",
			c.cfg.IdentityName, c.path(identitiesPath), ErrNotFound)
	}
	return n, nil
}

// access says which token a route takes and how its path is built.
type access int

const (
	// accessOpen: open-access token (or the identity's); path is absolute
	// under the base URL.
	accessOpen access = iota + 1
	// accessIdentity: the identity's token; path is relative to
	// /api/v1/identity/{name}/subnet/{netuid}.
	accessIdentity
)

// request describes one call to an endpoint.
type request struct {
	method string
	path   string
	access access
	query  url.Values
	body   any
	// repeatable: safe to send again (reads; PUT weights, latest wins). Only
	// repeatable requests are retried.
	repeatable bool
}

const identitiesPath = "/api/v1/identities"

// send makes the call: picks the token, resolves the identity's netuid for
// identity routes, and re-reads it once when the service answers 308.
func (c *Client) send(ctx context.Context, r request, out any) (*Response, error) {
	if err := c.usable(); err != nil {
		return nil, err
	}
	if r.access != accessIdentity {
		token := c.cfg.OpenAccessToken
		if token == "" {
			token = c.cfg.IdentityToken
		}
		if token == "" {
			return nil, misconfigured("open-access routes need OpenAccessToken (or IdentityName and IdentityToken)")
		}
		return c.exchange(ctx, r, token, out)
	}

	netuid, err := c.IdentityNetuid(ctx)
	if err != nil {
		return nil, err
	}
	suffix := r.path
	r.path = c.identityPrefix(netuid) + suffix
	resp, err := c.exchange(ctx, r, c.cfg.IdentityToken, out)
	var re *ResponseError
	if !errors.As(err, &re) || re.StatusCode != http.StatusPermanentRedirect {
		return resp, err
	}
	// The identity serves another subnet now (the service was reconfigured):
	// the guard refused the request before any handler ran, so sending it
	// again at the new netuid is safe even for a POST.
	fresh, derr := c.discoverNetuid(ctx, netuid, true)
	if derr != nil {
		return resp, derr
	}
	r.path = c.identityPrefix(fresh) + suffix
	again, err := c.exchange(ctx, r, c.cfg.IdentityToken, out)
	if again != nil && resp != nil {
		again.Attempts += resp.Attempts
	}
	return again, err
}

func (c *Client) identityPrefix(netuid uint16) string {
	return "/api/v1/identity/" + url.PathEscape(c.cfg.IdentityName) + "/subnet/" + strconv.Itoa(int(netuid))
}

// path is the escaped request path under the base URL (which may have a
// prefix).
func (c *Client) path(p string) string { return c.base.EscapedPath() + p }

func (c *Client) usable() error {
	if c.closed.Load() {
		return ErrClosed
	}
	return nil
}

// exchange sends r with token, retrying as the policy allows, and decodes a
// successful answer into out.
func (c *Client) exchange(ctx context.Context, r request, token string, out any) (*Response, error) {
	var body []byte
	if r.body != nil {
		var err error
		if body, err = json.Marshal(r.body); err != nil {
			return nil, fmt.Errorf("pylon: %s %s: encode the request body: %w", r.method, c.path(r.path), err)
		}
	}
	policy := c.retry
	if !r.repeatable {
		policy = NoRetry
	}
	for attempt := 1; ; attempt++ {
		resp, err := c.attempt(ctx, r, token, body, attempt, out)
		if err == nil || attempt >= policy.Attempts() || !policy.ShouldRetry(err) || ctx.Err() != nil {
			return resp, err
		}
		wait := policy.Delay(attempt)
		var re *ResponseError
		if errors.As(err, &re) && re.RetryAfter > wait {
			wait = re.RetryAfter
		}
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) <= wait {
			return resp, err // waiting would outlast the caller's deadline
		}
		if !sleep(ctx, wait) {
			return resp, err
		}
	}
}

// attempt makes one HTTP request.
func (c *Client) attempt(ctx context.Context, r request, token string, body []byte, n int, out any) (*Response, error) {
	path := c.path(r.path)
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	u := *c.base
	// path is already escaped (hotkeys and identity names are escaped when
	// the path is built); RawPath keeps it exactly as built.
	unescaped, err := url.PathUnescape(path)
	if err != nil {
		return nil, fmt.Errorf("pylon: %s %s: %w", r.method, path, err)
	}
	u.Path, u.RawPath = unescaped, path
	u.RawQuery = r.query.Encode()
	var rd io.Reader = http.NoBody
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u.String(), rd)
	if err != nil {
		return nil, fmt.Errorf("pylon: %s %s: %w", r.method, path, err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "pylon-go-client")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if deadline, ok := ctx.Deadline(); ok {
		req.Header.Set(HeaderTimeout, timeoutHeader(time.Until(deadline)))
	}

	res, err := c.hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the method and URL are in RequestError already
		}
		return nil, &RequestError{Method: r.method, Path: path, Err: err}
	}
	defer func() { _ = res.Body.Close() }()
	data, err := io.ReadAll(io.LimitReader(res.Body, maxBody+1))
	if err != nil {
		return nil, &RequestError{Method: r.method, Path: path, Err: fmt.Errorf("reading the answer: %w", err)}
	}
	resp := newResponse(res, n)
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return resp, newResponseError(r.method, path, res, data)
	}
	if len(data) > maxBody {
		return resp, fmt.Errorf("pylon: %s %s: the answer is larger than %d bytes", r.method, path, maxBody)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return resp, fmt.Errorf("pylon: %s %s: decode the %d answer: %w", r.method, path, res.StatusCode, err)
		}
	}
	return resp, nil
}

func newResponseError(method, path string, res *http.Response, data []byte) *ResponseError {
	e := &ResponseError{
		Method:     method,
		Path:       path,
		StatusCode: res.StatusCode,
		RequestID:  res.Header.Get(HeaderRequestID),
		RetryAfter: retryAfter(res.Header, time.Now()),
	}
	var p Problem
	if json.Unmarshal(data, &p) == nil && p.Detail != "" {
		e.Problem, e.Detail = &p, p.Detail
		if e.RequestID == "" {
			e.RequestID = p.RequestID
		}
		return e
	}
	// Not a problem document (a proxy's error page, say): quote its start.
	text := strings.Join(strings.Fields(string(data)), " ")
	if len(text) > 200 {
		text = text[:200] + "…"
	}
	e.Detail = text
	return e
}

// timeoutHeader renders the X-Pylon-Timeout for the remaining time: a
// little less, so the service gives up (504) before the client does.
func timeoutHeader(remaining time.Duration) string {
	d := remaining - min(timeoutBuffer, remaining/10)
	d = max(d, time.Millisecond)
	return strconv.FormatFloat(d.Seconds(), 'f', 3, 64)
}

// sleep waits d or until ctx ends; it reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
