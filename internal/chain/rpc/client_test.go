package rpc_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/pylon-go/pylon/internal/chain/rpc"
	"github.com/pylon-go/pylon/internal/chain/rpc/rpctest"
)

// echoAfterJitter answers with the first param after a random pause, so replies come back out of order.
func echoAfterJitter(c *rpctest.Conn, req rpctest.Request) {
	var params []json.RawMessage
	_ = json.Unmarshal(req.Params, &params)
	time.Sleep(time.Duration(rand.IntN(3000)) * time.Microsecond)
	c.Reply(req.ID, params[0])
}

// neverReply swallows the request.
func neverReply(*rpctest.Conn, rpctest.Request) {}

func TestConcurrentCallsAreMatchedToTheirReplies(t *testing.T) {
	srv := newServer(t)
	srv.Handle("test_echo", echoAfterJitter)
	c := dial(t, []string{srv.URL()}, fastOptions())
	ctx := testContext(t)

	const callers = 1000
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	for i := range callers {
		wg.Go(func() {
			want := fmt.Sprintf("caller-%d", i)
			var got string
			if err := c.Call(ctx, "test_echo", &got, want); err != nil {
				errs <- err
				return
			}
			if got != want {
				errs <- fmt.Errorf("caller %d got %q", i, got)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := srv.Requests("test_echo"); n != callers {
		t.Errorf("server saw %d requests, want %d", n, callers)
	}
	if n := c.CallCount("test_echo"); n != callers {
		t.Errorf("CallCount = %d, want %d", n, callers)
	}
	if got := c.Stats().Methods["test_echo"]; got.OK != callers {
		t.Errorf("stats = %+v, want %d ok", got, callers)
	}
}

func TestCallIsBoundedByItsContext(t *testing.T) {
	srv := newServer(t)
	srv.Handle("test_never", neverReply)
	c := dial(t, []string{srv.URL()}, fastOptions())

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := c.Call(ctx, "test_never", nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want DeadlineExceeded", err)
	}
	if isConnectionLost(err) {
		t.Errorf("a call timeout must not be reported as a lost connection: %v", err)
	}
	// The connection is still fine for others.
	var v any
	if err := c.Call(testContext(t), "chain_getHeader", &v); err != nil {
		t.Fatalf("call after a timeout: %v", err)
	}
	if got := c.Stats().Methods["test_never"]; got.Timeouts != 1 {
		t.Errorf("stats = %+v, want 1 timeout", got)
	}
}

func TestCallTimeoutAppliesWithoutContextDeadline(t *testing.T) {
	srv := newServer(t)
	srv.Handle("test_never", neverReply)
	opts := fastOptions()
	opts.CallTimeout = 50 * time.Millisecond
	c := dial(t, []string{srv.URL()}, opts)

	err := c.Call(context.Background(), "test_never", nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want DeadlineExceeded from CallTimeout", err)
	}
}

func TestNodeErrorsAreTyped(t *testing.T) {
	srv := newServer(t)
	srv.HandleFunc("author_submitExtrinsic", func(json.RawMessage) (any, *rpctest.Error) {
		return nil, &rpctest.Error{Code: 1010, Message: "Invalid Transaction", Data: "Custom error: 6"}
	})
	for _, url := range []string{srv.URL(), srv.HTTPURL()} {
		t.Run(strings.SplitN(url, ":", 2)[0], func(t *testing.T) {
			c := dial(t, []string{url}, fastOptions())
			err := c.Call(testContext(t), "author_submitExtrinsic", nil, "0x00")
			var rpcErr *rpc.Error
			if !errors.As(err, &rpcErr) {
				t.Fatalf("err = %v (%T), want *rpc.Error", err, err)
			}
			want := &rpc.Error{
				Code: 1010, Message: "Invalid Transaction", Data: json.RawMessage(`"Custom error: 6"`),
				Method: "author_submitExtrinsic", Endpoint: c.Endpoint(),
			}
			if diff := cmp.Diff(want, rpcErr); diff != "" {
				t.Errorf("error mismatch (-want +got):\n%s", diff)
			}
			if !strings.Contains(err.Error(), "Custom error: 6") {
				t.Errorf("message %q does not carry the data", err)
			}
			if got := c.Stats().Methods["author_submitExtrinsic"]; got.RPCErrors != 1 {
				t.Errorf("stats = %+v, want 1 rpc error", got)
			}
		})
	}
}

func TestUnknownMethodIsAnRPCError(t *testing.T) {
	srv := newServer(t)
	c := dial(t, []string{srv.URL()}, fastOptions())
	var rpcErr *rpc.Error
	if err := c.Call(testContext(t), "no_such_method", nil); !errors.As(err, &rpcErr) || rpcErr.Code != -32601 {
		t.Fatalf("err = %v, want code -32601", err)
	}
}

func TestResultDecoding(t *testing.T) {
	srv := newServer(t)
	srv.HandleFunc("test_null", func(json.RawMessage) (any, *rpctest.Error) { return nil, nil })
	c := dial(t, []string{srv.URL()}, fastOptions())
	ctx := testContext(t)

	var raw json.RawMessage
	if err := c.Call(ctx, "chain_getHeader", &raw); err != nil {
		t.Fatal(err)
	}
	if got := headNumber(t, raw); got != 1 {
		t.Errorf("raw header number = %d, want 1", got)
	}
	var typed struct {
		Number string `json:"number"`
	}
	if err := c.Call(ctx, "chain_getHeader", &typed); err != nil || typed.Number != "0x1" {
		t.Errorf("typed = %+v, %v", typed, err)
	}
	var null *struct{}
	if err := c.Call(ctx, "test_null", &null); err != nil || null != nil {
		t.Errorf("null result: %v, %v", null, err)
	}
	if err := c.Call(ctx, "test_null", nil); err != nil {
		t.Errorf("discarded result: %v", err)
	}
	var wrongType int
	if err := c.Call(ctx, "chain_getHeader", &wrongType); err == nil {
		t.Error("decoding an object into an int succeeded")
	}
}

func TestLargeMessagesBothWays(t *testing.T) {
	srv := newServer(t)
	srv.Handle("test_echo", echoAfterJitter)
	c := dial(t, []string{srv.URL()}, fastOptions())

	// Far above the WebSocket library's 32 KiB default read limit: metadata is over 1 MB, a runtime
	// upgrade extrinsic about 1.7 MB.
	big := "0x" + strings.Repeat("ab", 1<<20)
	var got string
	if err := c.Call(testContext(t), "test_echo", &got, big); err != nil {
		t.Fatal(err)
	}
	if got != big {
		t.Fatalf("echo of %d bytes came back as %d bytes", len(big), len(got))
	}
}

func TestHTTPTransport(t *testing.T) {
	srv := newServer(t)
	srv.Handle("test_echo", echoAfterJitter)
	c := dial(t, []string{srv.HTTPURL()}, fastOptions())
	ctx := testContext(t)

	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			var got int
			if err := c.Call(ctx, "test_echo", &got, i); err != nil || got != i {
				t.Errorf("call %d: got %d, %v", i, got, err)
			}
		})
	}
	wg.Wait()
	if c.Endpoint() != srv.HTTPURL() {
		t.Errorf("Endpoint = %q, want %q", c.Endpoint(), srv.HTTPURL())
	}
	if _, err := c.SubscribeNewHeads(ctx); !errors.Is(err, rpc.ErrSubscriptionsUnsupported) {
		t.Fatalf("Subscribe over HTTP: %v, want ErrSubscriptionsUnsupported", err)
	}
	if srv.Conns() != 0 {
		t.Errorf("HTTP transport opened %d WebSocket connections", srv.Conns())
	}
}

func TestDialErrors(t *testing.T) {
	ctx := testContext(t)
	if _, err := rpc.Dial(ctx, nil, rpc.Options{}); !errors.Is(err, rpc.ErrNoEndpoints) {
		t.Errorf("no endpoints: %v", err)
	}
	if _, err := rpc.Dial(ctx, []string{"ftp://example"}, rpc.Options{}); err == nil {
		t.Error("ftp scheme accepted")
	}
	// Nothing listens there: the error names the endpoint but never its credentials.
	srv := rpctest.New()
	addr := srv.Addr()
	srv.Close()
	secretURL := "ws://user:hunter2@" + addr + "/api-key-s3cret?token=t0ps3cret"
	_, err := rpc.Dial(ctx, []string{secretURL}, fastOptions())
	if !errors.Is(err, rpc.ErrNotConnected) {
		t.Fatalf("dial to a closed port: %v, want ErrNotConnected", err)
	}
	for _, secret := range []string{"hunter2", "s3cret", "t0ps3cret"} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error leaks a credential: %v", err)
		}
	}
	if !strings.Contains(err.Error(), "ws://"+addr) {
		t.Errorf("error %q does not name the endpoint", err)
	}
}

func TestEndpointNameHidesCredentials(t *testing.T) {
	srv := newServer(t)
	c := dial(t, []string{"ws://user:hunter2@" + srv.Addr() + "/api-key-s3cret?token=t0ps3cret"}, fastOptions())
	if got, want := c.Endpoint(), srv.URL(); got != want {
		t.Errorf("Endpoint = %q, want %q", got, want)
	}
}

func TestMetrics(t *testing.T) {
	srv := newServer(t)
	srv.Handle("test_never", neverReply)
	srv.HandleFunc("test_fail", func(json.RawMessage) (any, *rpctest.Error) {
		return nil, &rpctest.Error{Code: 4003, Message: "UnknownBlock"}
	})
	reg := prometheus.NewRegistry()
	opts := fastOptions()
	opts.Registerer = reg
	c := dial(t, []string{srv.URL()}, opts)
	ctx := testContext(t)

	for range 3 {
		if err := c.Call(ctx, "chain_getHeader", nil); err != nil {
			t.Fatal(err)
		}
	}
	_ = c.Call(ctx, "test_fail", nil)
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	_ = c.Call(short, "test_never", nil)
	cancel()

	calls := func(method, outcome string) float64 {
		return metricValue(t, reg, "pylon_chain_rpc_calls_total", map[string]string{"method": method, "outcome": outcome})
	}
	if got := calls("chain_getHeader", "ok"); got != 3 {
		t.Errorf("ok calls = %v, want 3 (health probes must not count)", got)
	}
	if got := calls("test_fail", "rpc_error"); got != 1 {
		t.Errorf("rpc_error calls = %v, want 1", got)
	}
	if got := calls("test_never", "timeout"); got != 1 {
		t.Errorf("timeout calls = %v, want 1", got)
	}
	if got := metricValue(t, reg, "pylon_chain_rpc_call_duration_seconds", map[string]string{"method": "chain_getHeader"}); got != 3 {
		t.Errorf("latency samples = %v, want 3", got)
	}
	if got := metricValue(t, reg, "pylon_chain_rpc_endpoint_current", map[string]string{"endpoint": srv.URL()}); got != 1 {
		t.Errorf("current endpoint gauge = %v, want 1", got)
	}
	if got := metricValue(t, reg, "pylon_chain_rpc_endpoint_probes_total", map[string]string{"endpoint": srv.URL(), "outcome": "ok"}); got < 1 {
		t.Errorf("probes = %v, want ≥ 1", got)
	}

	// A second client on the same registry shares the collectors instead of failing.
	c2 := dial(t, []string{srv.URL()}, opts)
	if err := c2.Call(ctx, "chain_getHeader", nil); err != nil {
		t.Fatal(err)
	}
	if got := calls("chain_getHeader", "ok"); got != 4 {
		t.Errorf("ok calls after a second client = %v, want 4", got)
	}
}

func TestCloseFailsCallsAndEndsSubscriptions(t *testing.T) {
	srv := newServer(t)
	srv.Handle("test_never", neverReply)
	c := dial(t, []string{srv.URL()}, fastOptions())
	ctx := testContext(t)

	sub, err := c.SubscribeNewHeads(ctx)
	if err != nil {
		t.Fatal(err)
	}
	callErr := make(chan error, 1)
	go func() { callErr <- c.Call(ctx, "test_never", nil) }()
	eventually(t, "the call reaches the server", func() bool { return srv.Requests("test_never") == 1 })

	if err := c.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := <-callErr; !errors.Is(err, rpc.ErrClientClosed) {
		t.Errorf("in-flight call: %v, want ErrClientClosed", err)
	}
	if err := waitEnded(t, sub); !errors.Is(err, rpc.ErrClientClosed) {
		t.Errorf("subscription: %v, want ErrClientClosed", err)
	}
	if err := c.Call(ctx, "chain_getHeader", nil); !errors.Is(err, rpc.ErrClientClosed) {
		t.Errorf("call after Close: %v, want ErrClientClosed", err)
	}
	if _, err := c.SubscribeNewHeads(ctx); !errors.Is(err, rpc.ErrClientClosed) {
		t.Errorf("subscribe after Close: %v, want ErrClientClosed", err)
	}
	if err := c.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestCloseLeavesNoGoroutines(t *testing.T) {
	srv := newServer(t)
	srv.Handle("test_echo", echoAfterJitter)
	opts := fastOptions()
	opts.PingInterval = 10 * time.Millisecond
	opts.StallBlocks = 1000
	c := dial(t, []string{srv.URL(), srv.HTTPURL()}, opts)
	ctx := testContext(t)

	sub, err := c.SubscribeNewHeads(ctx)
	if err != nil {
		t.Fatal(err)
	}
	next(t, sub)
	subCtx, cancelSub := context.WithCancel(ctx)
	sub2, err := c.SubscribeRuntimeVersion(subCtx)
	if err != nil {
		t.Fatal(err)
	}
	next(t, sub2)
	cancelSub()
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() { _ = c.Call(ctx, "test_echo", nil, i) })
	}
	srv.DropAll() // a reconnect in the middle of it all
	wg.Wait()
	if n := next(t, sub); !n.Resumed {
		t.Fatalf("first item after the drop: %+v, want Resumed", n)
	}
	_ = c.Close()
	eventually(t, "no goroutine of package rpc is left", func() bool { return len(ourGoroutines()) == 0 })
}

func BenchmarkParallelCalls(b *testing.B) {
	srv := rpctest.New()
	defer srv.Close()
	srv.HandleFunc("test_echo", func(p json.RawMessage) (any, *rpctest.Error) { return p, nil })
	ctx := context.Background()
	c, err := rpc.Dial(ctx, []string{srv.URL()}, rpc.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = c.Close() }()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		var out json.RawMessage
		for pb.Next() {
			if err := c.Call(ctx, "test_echo", &out, "0x00"); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
