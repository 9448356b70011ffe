package api

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pylon-go/pylon"
)

// Header names.
const (
	headerRequestID = "X-Request-ID"
	headerTimeout   = "X-Pylon-Timeout"
)

// saneRequestID limits echoed request ids to what is safe in a header and a
// log line.
var saneRequestID = regexp.MustCompile(`^[A-Za-z0-9._:@/+=-]{1,128}$`)

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}

// observe is the outermost layer: it gives the request an id, finds its route
// template, keeps the in-progress gauge, recovers panics, and on the way out
// records the metrics and writes the log line.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get(headerRequestID)
		if !saneRequestID.MatchString(id) {
			id = newRequestID()
		}
		st := &requestState{id: id, route: unmatchedRoute}
		if _, pattern := s.mux.Handler(r); s.routes[pattern] != "" {
			st.route, st.matched = s.routes[pattern], true
		}
		st.logger = s.log.With(slog.String("request_id", id))
		w.Header().Set(headerRequestID, id)
		// Every response has an accurate Content-Type; browsers must not guess.
		w.Header().Set("X-Content-Type-Options", "nosniff")
		rec := &statusRecorder{ResponseWriter: w}
		r = r.WithContext(context.WithValue(r.Context(), stateKey, st))

		method := methodLabel(r.Method)
		inProgress := s.metrics.inProgress.WithLabelValues(st.route, method)
		inProgress.Inc()
		defer func() {
			inProgress.Dec()
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler { //nolint:errorlint // Sentinel panic value, compared as net/http does.
					panic(p)
				}
				stack := debug.Stack()
				var hp *panicError
				if errors.As(asError(p), &hp) {
					p, stack = hp.value, hp.stack
				}
				noteError(r.Context(), fmt.Errorf("panic: %v\n%s", p, stack))
				if !rec.wroteHeader {
					writeProblem(rec, r, http.StatusInternalServerError,
						"internal server error; the server log has the details under this request_id")
				}
			}
			status := rec.status
			if status == 0 {
				status = http.StatusOK
			}
			elapsed := time.Since(start)
			code := strconv.Itoa(status)
			s.metrics.requests.WithLabelValues(st.route, method, code).Inc()
			s.metrics.duration.WithLabelValues(st.route, method, code).Observe(elapsed.Seconds())
			s.logRequest(r, st, status, rec.bytes, elapsed)
		}()
		next.ServeHTTP(rec, r)
	})
}

// quietRoutes are polled by orchestrators and scrapers; their successes are
// logged at debug level only.
var quietRoutes = map[string]bool{"/health": true, "/ready": true, "/metrics": true}

func (s *Server) logRequest(r *http.Request, st *requestState, status int, n int64, elapsed time.Duration) {
	level := slog.LevelInfo
	switch {
	case st.route == "/ready" && status == http.StatusServiceUnavailable:
		// "Not ready yet" is an answer, not a failure; probes ask every few seconds.
		level = slog.LevelDebug
	case status >= http.StatusInternalServerError:
		level = slog.LevelError
	case status < http.StatusBadRequest && quietRoutes[st.route]:
		level = slog.LevelDebug
	}
	ctx := r.Context()
	if !st.logger.Enabled(ctx, level) {
		return
	}
	st.mu.Lock()
	identity, cause := st.identity, st.err
	st.mu.Unlock()
	attrs := []slog.Attr{
		slog.String("method", r.Method),
		slog.String("route", st.route),
		slog.String("path", r.URL.EscapedPath()),
		slog.Int("status", status),
		slog.Int64("bytes", n),
		slog.Duration("duration", elapsed),
		slog.String("remote", r.RemoteAddr),
	}
	if identity != "" {
		attrs = append(attrs, slog.String("identity", identity))
	}
	if cause != nil {
		attrs = append(attrs, slog.String("error", cause.Error()))
	}
	st.logger.LogAttrs(ctx, level, "request", attrs...)
}

// dispatch is the innermost layer: it serves matched routes from the mux and
// turns the mux's plain-text 404 and 405 answers into problem+json.
func (s *Server) dispatch(w http.ResponseWriter, r *http.Request) {
	if st := stateFrom(r.Context()); st == nil || st.matched {
		s.mux.ServeHTTP(w, r)
		return
	}
	h, _ := s.mux.Handler(r)
	rec := newBufferedWriter(nil)
	h.ServeHTTP(rec, r)
	switch rec.status {
	case http.StatusNotFound:
		writeProblem(w, r, http.StatusNotFound, fmt.Sprintf("no route %s %s; the API is described at /schema/swagger", r.Method, truncate(r.URL.Path, 200)))
	case http.StatusMethodNotAllowed:
		w.Header().Set("Allow", rec.Header().Get("Allow"))
		writeProblem(w, r, http.StatusMethodNotAllowed, fmt.Sprintf("%s is not allowed here; allowed: %s", r.Method, rec.Header().Get("Allow")))
	default:
		// Redirects to the cleaned path and the like.
		rec.flushTo(w)
	}
}

// requestTimeout reads X-Pylon-Timeout: seconds (fractions allowed), capped at
// the maximum; the default when absent.
func (s *Server) requestTimeout(values []string) (time.Duration, error) {
	switch len(values) {
	case 0:
		return s.defaultTimeout, nil
	case 1:
	default:
		return 0, errors.New("X-Pylon-Timeout must be sent at most once")
	}
	raw := strings.TrimSpace(values[0])
	f, err := strconv.ParseFloat(raw, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f <= 0 {
		return 0, fmt.Errorf("X-Pylon-Timeout must be a positive number of seconds, got %q", truncate(raw, 32))
	}
	if f >= s.maxTimeout.Seconds() {
		return s.maxTimeout, nil
	}
	return time.Duration(f * float64(time.Second)), nil
}

// panicError carries a panic out of the handler goroutine, with the stack
// where it happened.
type panicError struct {
	value any
	stack []byte
}

func (p *panicError) Error() string { return fmt.Sprint(p.value) }

func asError(v any) error {
	if err, ok := v.(error); ok {
		return err
	}
	return fmt.Errorf("%v", v)
}

// deadline puts the request's deadline (X-Pylon-Timeout or the default) in
// its context and answers 504 when it passes. The handler runs in its own
// goroutine writing to a buffer, so the 504 goes out on time even if the
// handler ignores its context; what the handler writes afterwards is dropped.
func (s *Server) deadline(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := stateFrom(r.Context())
		if st != nil && !st.matched {
			// An unknown route is a 404 whatever its headers say.
			next.ServeHTTP(w, r)
			return
		}
		d, err := s.requestTimeout(r.Header.Values(headerTimeout))
		if err != nil {
			writeProblem(w, r, http.StatusBadRequest, err.Error(),
				pylon.ProblemItem{Location: "header." + headerTimeout, Message: "must be a positive number of seconds"})
			return
		}
		if st != nil {
			st.mu.Lock()
			st.timeout = d
			st.mu.Unlock()
		}
		ctx, cancel := context.WithTimeout(r.Context(), d)
		defer cancel()

		buf := newBufferedWriter(w)
		done := make(chan struct{})
		panicked := make(chan *panicError, 1)
		go func() {
			defer func() {
				if p := recover(); p != nil {
					panicked <- &panicError{value: p, stack: debug.Stack()}
				}
				close(done)
			}()
			next.ServeHTTP(buf, r.WithContext(ctx))
		}()

		select {
		case <-done:
			select {
			case p := <-panicked:
				if p.value == http.ErrAbortHandler { //nolint:errorlint // Sentinel panic value, compared as net/http does.
					panic(p.value)
				}
				panic(p)
			default:
			}
			buf.flushTo(w)
		case <-ctx.Done():
			buf.abandon()
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				writeProblem(w, r, http.StatusGatewayTimeout, deadlineDetail(r.Context()))
			} else {
				// The client went away or the server is shutting down.
				writeProblem(w, r, http.StatusServiceUnavailable, "the request was cancelled before it finished")
			}
		}
	})
}

// bufferedWriter holds a handler's response until the deadline middleware
// decides to send it. After abandon, writes fail with http.ErrHandlerTimeout.
//
// A body the handler guarantees never to change (a cached, pre-encoded
// answer) is held by reference (writeShared) instead of being copied: for
// the read routes, copying hundreds of kilobytes per request into a growing
// buffer cost more than everything else the request did.
type bufferedWriter struct {
	under http.ResponseWriter // for the read deadline only; may be nil

	mu        sync.Mutex
	header    http.Header
	body      bytes.Buffer
	shared    []byte // the whole body so far, not owned, when set by writeShared
	status    int
	abandoned bool
}

func newBufferedWriter(under http.ResponseWriter) *bufferedWriter {
	return &bufferedWriter{under: under, header: http.Header{}}
}

func (b *bufferedWriter) Header() http.Header { return b.header }

func (b *bufferedWriter) WriteHeader(code int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.abandoned || b.status != 0 || code < 200 {
		return
	}
	b.status = code
}

func (b *bufferedWriter) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.abandoned {
		return 0, http.ErrHandlerTimeout
	}
	if b.status == 0 {
		b.status = http.StatusOK
	}
	b.own()
	return b.body.Write(p)
}

// writeShared appends p, which the caller guarantees is never modified, to
// the body without copying it when it is the whole body.
func (b *bufferedWriter) writeShared(p []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.abandoned {
		return
	}
	if b.status == 0 {
		b.status = http.StatusOK
	}
	if b.body.Len() == 0 && b.shared == nil {
		b.shared = p
		return
	}
	b.own()
	b.body.Write(p)
}

// own moves a shared body into the buffer before anything is appended to it.
func (b *bufferedWriter) own() {
	if b.shared != nil {
		b.body.Write(b.shared)
		b.shared = nil
	}
}

// sharedWriter is the deadline middleware's buffer as handlers see it.
type sharedWriter interface{ writeShared(p []byte) }

// writeShared writes an immutable body: by reference when the response goes
// through the deadline middleware's buffer (always, for API routes), else
// normally.
func writeShared(w io.Writer, p []byte) {
	if sw, ok := w.(sharedWriter); ok {
		sw.writeShared(p)
		return
	}
	_, _ = w.Write(p)
}

// SetReadDeadline lets huma bound the time spent reading a request body.
func (b *bufferedWriter) SetReadDeadline(t time.Time) error {
	if b.under == nil {
		return http.ErrNotSupported
	}
	if err := http.NewResponseController(b.under).SetReadDeadline(t); err != nil {
		return fmt.Errorf("api: set read deadline: %w", err)
	}
	return nil
}

func (b *bufferedWriter) abandon() {
	b.mu.Lock()
	b.abandoned = true
	b.mu.Unlock()
}

func (b *bufferedWriter) flushTo(w http.ResponseWriter) {
	b.mu.Lock()
	defer b.mu.Unlock()
	dst := w.Header()
	for k, v := range b.header {
		dst[k] = v
	}
	status := b.status
	if status == 0 {
		status = http.StatusOK
	}
	body := b.body.Bytes()
	if b.shared != nil {
		body = b.shared
	}
	if status != http.StatusNoContent && status != http.StatusNotModified &&
		dst.Get("Content-Length") == "" && dst.Get("Transfer-Encoding") == "" {
		dst.Set("Content-Length", strconv.Itoa(len(body)))
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// statusRecorder remembers the status and size of a response.
type statusRecorder struct {
	http.ResponseWriter
	status      int
	bytes       int64
	wroteHeader bool
}

func (r *statusRecorder) WriteHeader(code int) {
	if !r.wroteHeader && code >= 200 {
		r.status, r.wroteHeader = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(p []byte) (int, error) {
	if !r.wroteHeader {
		r.status, r.wroteHeader = http.StatusOK, true
	}
	n, err := r.ResponseWriter.Write(p)
	r.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
