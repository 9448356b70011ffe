package api

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/pylon-go/pylon/internal/config"
)

type ctxKey int

const (
	stateKey ctxKey = iota
	identityKey
	netuidKey
)

// requestState is what the layers of one request tell each other: set by the
// outer middleware, filled in by the inner ones, read back for the log line.
// The handler may still be running in its own goroutine when the deadline
// middleware answers 504, hence the mutex.
type requestState struct {
	id      string
	route   string // the route template, or unmatchedRoute
	matched bool
	logger  *slog.Logger

	mu       sync.Mutex
	timeout  time.Duration
	err      error  // the internal error behind a 5xx; logged, never sent
	identity string // the identity the request acted as, if any
}

func stateFrom(ctx context.Context) *requestState {
	st, _ := ctx.Value(stateKey).(*requestState)
	return st
}

// RequestID returns the request's id (the X-Request-ID header), or "" outside
// a request.
func RequestID(ctx context.Context) string {
	if st := stateFrom(ctx); st != nil {
		return st.id
	}
	return ""
}

// Logger returns the server's logger with the request id attached, for
// handlers that log. Outside a request it returns a logger that discards.
func Logger(ctx context.Context) *slog.Logger {
	if st := stateFrom(ctx); st != nil && st.logger != nil {
		return st.logger
	}
	return slog.New(slog.DiscardHandler)
}

// IdentityFrom returns the identity an identity or seed route acts for,
// resolved and authenticated by the auth middleware. It reports false on open
// access routes, where no identity is involved even if an identity's token
// was used.
func IdentityFrom(ctx context.Context) (config.Identity, bool) {
	id, ok := ctx.Value(identityKey).(config.Identity)
	return id, ok
}

// NetuidFrom returns the validated {netuid} path parameter of a subnet route
// (open access or identity). On an identity route it equals the identity's
// netuid.
func NetuidFrom(ctx context.Context) (uint16, bool) {
	n, ok := ctx.Value(netuidKey).(uint16)
	return n, ok
}

// noteError records the internal cause of a 5xx for the request's log line.
func noteError(ctx context.Context, err error) {
	if st := stateFrom(ctx); st != nil && err != nil {
		st.mu.Lock()
		st.err = err
		st.mu.Unlock()
	}
}

func noteIdentity(ctx context.Context, name string) {
	if st := stateFrom(ctx); st != nil {
		st.mu.Lock()
		st.identity = name
		st.mu.Unlock()
	}
}

func deadlineDetail(ctx context.Context) string {
	if st := stateFrom(ctx); st != nil {
		st.mu.Lock()
		d := st.timeout
		st.mu.Unlock()
		if d > 0 {
			return fmt.Sprintf("the request did not finish within its deadline of %v (X-Pylon-Timeout, capped at PYLON_MAX_REQUEST_TIMEOUT_SECONDS)", d)
		}
	}
	return "the request did not finish within its deadline"
}
