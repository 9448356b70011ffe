package rpc

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
)

// httpSession speaks JSON-RPC over HTTP POST, one request per call. It has no notifications, so
// subscriptions fail with ErrSubscriptionsUnsupported. It "closes" when a transport error shows the endpoint
// is unreachable, which makes the client probe the endpoints again and fail over.
type httpSession struct {
	client *Client
	ep     endpoint
	nextID atomic.Uint64

	closing     atomic.Bool // set first when closing starts
	closed      atomic.Bool // set once the client has withdrawn the session, so a retry finds another one
	doneCh      chan struct{}
	mu          sync.Mutex
	closeCause  error
	closeReason string
}

func newHTTPSession(c *Client, ep endpoint) *httpSession {
	return &httpSession{client: c, ep: ep, doneCh: make(chan struct{})}
}

func (s *httpSession) endpoint() endpoint    { return s.ep }
func (s *httpSession) done() <-chan struct{} { return s.doneCh }
func (s *httpSession) isClosed() bool        { return s.closing.Load() }

func (s *httpSession) cause() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closeCause
}

func (s *httpSession) reason() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closeReason
}

func (s *httpSession) close(cause error, reason string) {
	if !s.closing.CompareAndSwap(false, true) {
		return
	}
	s.client.sessionClosing(s)
	s.closed.Store(true)
	s.mu.Lock()
	s.closeCause, s.closeReason = cause, reason
	s.mu.Unlock()
	close(s.doneCh)
}

// maxErrorBody caps how much of a non-200 HTTP body is read into an error message.
const maxErrorBody = 512

func (s *httpSession) call(ctx context.Context, method string, params []any, hook replyHook) (json.RawMessage, error) {
	if hook != nil {
		return nil, fmt.Errorf("%w (%s)", ErrSubscriptionsUnsupported, s.ep.name)
	}
	if s.closed.Load() {
		return nil, errNotSent
	}
	id := s.nextID.Add(1)
	body, err := encodeRequest(id, method, params)
	if err != nil {
		return nil, fmt.Errorf("rpc: %s: encoding params: %w", method, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.ep.url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("rpc: %s: building request: %w", method, redactURLError(s.ep, err))
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.client.opts.HTTPClient.Do(req)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, ctxErr
		}
		lost := fmt.Errorf("%w: %w", ErrConnectionLost, redactURLError(s.ep, err))
		s.close(lost, reasonHTTPError)
		return nil, lost
	}
	defer func() { _ = resp.Body.Close() }()

	if resp.StatusCode != http.StatusOK {
		snippet, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		err := fmt.Errorf("%s: HTTP %d: %s", s.ep.name, resp.StatusCode, bytes.TrimSpace(snippet))
		if resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests {
			// The node or a proxy in front of it is failing: let the client try another endpoint.
			lost := fmt.Errorf("%w: %w", ErrConnectionLost, err)
			s.close(lost, reasonHTTPError)
			return nil, lost
		}
		return nil, fmt.Errorf("%w: %w", ErrInvalidResponse, err)
	}

	data, err := io.ReadAll(io.LimitReader(resp.Body, s.client.opts.ReadLimit+1))
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, ctxErr
		}
		return nil, fmt.Errorf("%w: %s: reading reply: %w", ErrConnectionLost, s.ep.name, err)
	}
	if int64(len(data)) > s.client.opts.ReadLimit {
		return nil, fmt.Errorf("%w: %s: reply exceeds the %d-byte read limit", ErrInvalidResponse, method, s.client.opts.ReadLimit)
	}
	var msg inMessage
	if err := json.Unmarshal(data, &msg); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrInvalidResponse, method, err)
	}
	if got, err := strconv.ParseUint(string(bytes.TrimSpace(msg.ID)), 10, 64); err != nil || got != id {
		if msg.Error != nil {
			return nil, msg.Error.toError(method, s.ep.name)
		}
		return nil, fmt.Errorf("%w: %s: reply id %s does not match request id %d", ErrInvalidResponse, method, truncate(msg.ID, 40), id)
	}
	switch {
	case msg.Error != nil:
		return nil, msg.Error.toError(method, s.ep.name)
	case msg.Result == nil:
		return nil, fmt.Errorf("%w: %s: reply has neither result nor error", ErrInvalidResponse, method)
	}
	return msg.Result, nil
}
