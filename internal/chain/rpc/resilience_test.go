package rpc_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pylon-go/pylon/internal/chain/rpc"
	"github.com/pylon-go/pylon/internal/chain/rpc/faultproxy"
	"github.com/pylon-go/pylon/internal/chain/rpc/rpctest"
)

func newProxy(t *testing.T, target string) *faultproxy.Proxy {
	t.Helper()
	p, err := faultproxy.New(target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

// watchExtrinsic emulates author_submitAndWatchExtrinsic: a subscription whose request has an effect.
func watchExtrinsic(srv *rpctest.Server) rpctest.Handler {
	return func(c *rpctest.Conn, req rpctest.Request) {
		id := srv.NewSubscriptionID()
		c.Reply(req.ID, id)
		c.Notify("author_extrinsicUpdate", id, "ready")
	}
}

func TestReconnectResumesSubscriptionsAndEndsWatches(t *testing.T) {
	srv := newServer(t)
	srv.Handle("author_submitAndWatchExtrinsic", watchExtrinsic(srv))
	c := dial(t, []string{srv.URL()}, fastOptions())
	ctx := testContext(t)

	heads, err := c.SubscribeNewHeads(ctx)
	if err != nil {
		t.Fatal(err)
	}
	next(t, heads)
	versions, err := c.SubscribeRuntimeVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	next(t, versions)
	watch, err := c.Subscribe(ctx, rpc.SubscribeRequest{
		Method: "author_submitAndWatchExtrinsic", Unsubscribe: "author_unwatchExtrinsic", Params: []any{"0x00"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := next(t, watch); string(n.Result) != `"ready"` {
		t.Fatalf("watch got %s", n.Result)
	}

	srv.DropAll()

	if err := waitEnded(t, watch); !errors.Is(err, rpc.ErrConnectionLost) {
		t.Errorf("watch ended with %v, want ErrConnectionLost", err)
	}
	// Each resumable subscription first says it was resumed, then goes on with fresh data: heads send the
	// current head after the reply, the runtime version arrives before the reply (early path).
	for _, sub := range []*rpc.Subscription{heads, versions} {
		if n := next(t, sub); !n.Resumed || n.Result != nil {
			t.Fatalf("%s: first item after reconnect = %+v, want a Resumed marker", sub.Method(), n)
		}
		if n := next(t, sub); n.Resumed || n.Result == nil {
			t.Fatalf("%s: second item after reconnect = %+v, want data", sub.Method(), n)
		}
	}
	srv.AdvanceHead()
	if n := headNumber(t, next(t, heads).Result); n != 2 {
		t.Errorf("head after reconnect = %d, want 2", n)
	}
	if got := srv.Requests("author_submitAndWatchExtrinsic"); got != 1 {
		t.Errorf("the watched extrinsic was sent %d times, want exactly 1", got)
	}
	if got := srv.Requests("chain_subscribeNewHeads"); got != 2 {
		t.Errorf("head subscriptions sent = %d, want 2 (original + resume)", got)
	}
	if got := c.Stats().Reconnects; got != 1 {
		t.Errorf("Stats.Reconnects = %d, want 1", got)
	}
	if srv.Accepted() != 2 {
		t.Errorf("server accepted %d connections, want 2", srv.Accepted())
	}
}

func TestInFlightCallFailsAtOnceWhenConnectionDrops(t *testing.T) {
	srv := newServer(t)
	srv.Handle("test_never", neverReply)
	c := dial(t, []string{srv.URL()}, fastOptions())
	ctx := testContext(t)

	callErr := make(chan error, 1)
	go func() { callErr <- c.Call(ctx, "test_never", nil) }()
	eventually(t, "the call reaches the server", func() bool { return srv.Requests("test_never") == 1 })
	srv.DropAll()

	err := <-callErr
	if !errors.Is(err, rpc.ErrConnectionLost) || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("in-flight call: %v, want ErrConnectionLost before its deadline", err)
	}
	if got := c.Stats().Methods["test_never"]; got.ConnectionErrors != 1 {
		t.Errorf("stats = %+v, want 1 connection error", got)
	}
	// Not repeated on the new connection, which serves new calls.
	if err := c.Call(ctx, "chain_getHeader", nil); err != nil {
		t.Fatalf("call after reconnect: %v", err)
	}
	if got := srv.Requests("test_never"); got != 1 {
		t.Errorf("the lost call was sent %d times, want 1", got)
	}
}

func TestCallsWaitForReconnection(t *testing.T) {
	srv := newServer(t)
	srv.Handle("test_echo", echoAfterJitter)
	proxy := newProxy(t, srv.Addr())
	c := dial(t, []string{"ws://" + proxy.Addr()}, fastOptions())
	ctx := testContext(t)

	proxy.Refuse(true)
	proxy.DropAll()
	eventually(t, "the client notices the drop", func() bool { return c.Endpoint() == "" })

	short, cancel := context.WithTimeout(ctx, 30*time.Millisecond)
	err := c.Call(short, "test_echo", nil, 1)
	cancel()
	if !errors.Is(err, rpc.ErrNotConnected) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("call without connection: %v, want ErrNotConnected and DeadlineExceeded", err)
	}

	result := make(chan error, 1)
	go func() {
		var got int
		err := c.Call(ctx, "test_echo", &got, 42)
		if err == nil && got != 42 {
			err = errors.New("wrong echo")
		}
		result <- err
	}()
	eventually(t, "reconnection attempts are refused", func() bool { return proxy.Refused() > 2 })
	proxy.Refuse(false)
	if err := <-result; err != nil {
		t.Fatalf("waiting call: %v", err)
	}
	if got := srv.Requests("test_echo"); got != 1 {
		t.Errorf("server saw %d echo requests, want 1 (the timed-out call was never sent)", got)
	}
}

func TestHalfDeadConnectionIsDetectedByPings(t *testing.T) {
	srv := newServer(t)
	srv.Handle("test_never", neverReply)
	proxy := newProxy(t, srv.Addr())
	reg := prometheus.NewRegistry()
	opts := fastOptions()
	opts.Registerer = reg
	opts.PingInterval = 20 * time.Millisecond
	opts.PingTimeout = 100 * time.Millisecond
	opts.DialTimeout = 300 * time.Millisecond
	c := dial(t, []string{"ws://" + proxy.Addr()}, opts)
	ctx := testContext(t)

	heads, err := c.SubscribeNewHeads(ctx)
	if err != nil {
		t.Fatal(err)
	}
	next(t, heads)
	callErr := make(chan error, 1)
	go func() { callErr <- c.Call(ctx, "test_never", nil) }()
	eventually(t, "the call reaches the server", func() bool { return srv.Requests("test_never") == 1 })

	proxy.Pause() // both sockets stay open, nothing flows
	err = <-callErr
	if !errors.Is(err, rpc.ErrConnectionLost) || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("in-flight call on a half-dead socket: %v, want ErrConnectionLost before its deadline", err)
	}
	proxy.Resume()

	if n := next(t, heads); !n.Resumed {
		t.Fatalf("head subscription after the half-dead period: %+v, want Resumed", n)
	}
	if err := c.Call(ctx, "chain_getHeader", nil); err != nil {
		t.Fatalf("call after recovery: %v", err)
	}
	if got := metricValue(t, reg, "pylon_chain_rpc_reconnects_total", map[string]string{"reason": "ping_timeout"}); got < 1 {
		t.Errorf("ping_timeout reconnects = %v, want ≥ 1", got)
	}
}

// With keepalive pings off, a call that times out still makes the client check the socket at once.
func TestCallTimeoutTriggersAHealthCheck(t *testing.T) {
	srv := newServer(t)
	srv.Handle("test_never", neverReply)
	proxy := newProxy(t, srv.Addr())
	opts := fastOptions()
	opts.PingInterval = -1
	opts.PingTimeout = 100 * time.Millisecond
	c := dial(t, []string{"ws://" + proxy.Addr()}, opts)
	ctx := testContext(t)

	longErr := make(chan error, 1)
	go func() { longErr <- c.Call(ctx, "test_never", nil) }()
	eventually(t, "the call reaches the server", func() bool { return srv.Requests("test_never") == 1 })
	proxy.Pause()

	short, cancel := context.WithTimeout(ctx, 30*time.Millisecond)
	err := c.Call(short, "chain_getHeader", nil)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("short call: %v, want DeadlineExceeded", err)
	}
	if err := <-longErr; !errors.Is(err, rpc.ErrConnectionLost) {
		t.Fatalf("long call: %v, want ErrConnectionLost", err)
	}
	proxy.Resume()
	if err := c.Call(ctx, "chain_getHeader", nil); err != nil {
		t.Fatalf("call after recovery: %v", err)
	}
}

func TestHeadStallTriggersReconnect(t *testing.T) {
	srv := newServer(t)
	reg := prometheus.NewRegistry()
	opts := fastOptions()
	opts.Registerer = reg
	opts.BlockTime = 10 * time.Millisecond
	opts.StallBlocks = 3
	c := dial(t, []string{srv.URL()}, opts)

	// The server never produces a block.
	eventually(t, "a stall reconnect", func() bool {
		return metricValue(t, reg, "pylon_chain_rpc_reconnects_total", map[string]string{"endpoint": srv.URL(), "reason": "head_stall"}) >= 1
	})
	eventually(t, "a replacement connection", func() bool { return srv.Accepted() >= 2 })
	if c.Stats().Reconnects < 1 {
		t.Errorf("Stats.Reconnects = %d", c.Stats().Reconnects)
	}
	if err := c.Call(testContext(t), "chain_getHeader", nil); err != nil {
		t.Fatal(err)
	}
}

func TestFailoverToSecondEndpoint(t *testing.T) {
	a, b := rpctest.New(), newServer(t)
	t.Cleanup(a.Close)
	reg := prometheus.NewRegistry()
	opts := fastOptions()
	opts.Registerer = reg
	c := dial(t, []string{a.URL(), b.URL()}, opts)
	ctx := testContext(t)

	if c.Endpoint() != a.URL() {
		t.Fatalf("Endpoint = %q, want the first endpoint %q", c.Endpoint(), a.URL())
	}
	heads, err := c.SubscribeNewHeads(ctx)
	if err != nil {
		t.Fatal(err)
	}
	next(t, heads)
	current := func(ep string) float64 {
		return metricValue(t, reg, "pylon_chain_rpc_endpoint_current", map[string]string{"endpoint": ep})
	}
	if current(a.URL()) != 1 || current(b.URL()) != 0 {
		t.Errorf("current gauges: a=%v b=%v, want 1 and 0", current(a.URL()), current(b.URL()))
	}

	a.Close() // the first node dies and stays down

	eventually(t, "failover to the second endpoint", func() bool { return c.Endpoint() == b.URL() })
	if current(a.URL()) != 0 || current(b.URL()) != 1 {
		t.Errorf("current gauges: a=%v b=%v, want 0 and 1", current(a.URL()), current(b.URL()))
	}
	if n := next(t, heads); !n.Resumed {
		t.Fatalf("heads after failover: %+v, want Resumed", n)
	}
	if err := c.Call(ctx, "chain_getHeader", nil); err != nil {
		t.Fatal(err)
	}
	if b.HeadSubscribers() != 1 {
		t.Errorf("second endpoint has %d head subscribers, want 1", b.HeadSubscribers())
	}
}

func TestHTTPFailover(t *testing.T) {
	a, b := rpctest.New(), newServer(t)
	t.Cleanup(a.Close)
	c := dial(t, []string{a.HTTPURL(), b.HTTPURL()}, fastOptions())
	ctx := testContext(t)
	if c.Endpoint() != a.HTTPURL() {
		t.Fatalf("Endpoint = %q, want %q", c.Endpoint(), a.HTTPURL())
	}
	a.Close()
	// The first call after the node died may fail (it might have reached the node); the client then
	// moves to the other endpoint.
	eventually(t, "calls succeed on the second endpoint", func() bool {
		return c.Call(ctx, "chain_getHeader", nil) == nil && c.Endpoint() == b.HTTPURL()
	})
}

func TestLaggingEndpointIsAvoidedAtConnect(t *testing.T) {
	lagging, upToDate := newServer(t), newServer(t)
	lagging.SetHead(10)
	upToDate.SetHead(100)
	reg := prometheus.NewRegistry()
	opts := fastOptions()
	opts.Registerer = reg
	opts.MaxLagBlocks = 3
	c := dial(t, []string{lagging.URL(), upToDate.URL()}, opts)
	if c.Endpoint() != upToDate.URL() {
		t.Fatalf("Endpoint = %q, want the up-to-date %q", c.Endpoint(), upToDate.URL())
	}
	if got := metricValue(t, reg, "pylon_chain_rpc_head_lag_blocks", map[string]string{"endpoint": lagging.URL()}); got != 90 {
		t.Errorf("lag gauge of the lagging endpoint = %v, want 90", got)
	}
}

func TestLaggingCurrentEndpointIsReplaced(t *testing.T) {
	first, second := newServer(t), newServer(t)
	first.SetHead(100)
	second.SetHead(100)
	reg := prometheus.NewRegistry()
	opts := fastOptions()
	opts.Registerer = reg
	opts.MaxLagBlocks = 3
	opts.LagCheckInterval = 10 * time.Millisecond
	c := dial(t, []string{first.URL(), second.URL()}, opts)
	if c.Endpoint() != first.URL() {
		t.Fatalf("Endpoint = %q, want %q", c.Endpoint(), first.URL())
	}
	second.SetHead(200) // the first endpoint stops following the chain

	eventually(t, "switch to the endpoint that follows the chain", func() bool { return c.Endpoint() == second.URL() })
	if got := metricValue(t, reg, "pylon_chain_rpc_reconnects_total", map[string]string{"endpoint": first.URL(), "reason": "head_lag"}); got != 1 {
		t.Errorf("head_lag reconnects = %v, want 1", got)
	}
	var h json.RawMessage
	if err := c.Call(testContext(t), "chain_getHeader", &h); err != nil || headNumber(t, h) != 200 {
		t.Fatalf("head after switch: %s, %v", h, err)
	}
}

// With DropOldest, a slow consumer may lose the Resumed marker's slot, but never the signal: it moves onto
// a newer item.
func TestResumeSignalSurvivesDropOldest(t *testing.T) {
	srv := newServer(t)
	c := dial(t, []string{srv.URL()}, fastOptions())
	sub, err := c.Subscribe(testContext(t), rpc.SubscribeRequest{
		Method: "chain_subscribeNewHeads", Unsubscribe: "chain_unsubscribeNewHeads",
		Resumable: true, Overflow: rpc.DropOldest, Buffer: 2,
	})
	if err != nil {
		t.Fatal(err)
	}
	next(t, sub)
	srv.DropAll()
	// The consumer is not reading: after the reconnect the buffer holds [Resumed marker, head 1].
	eventually(t, "marker and head buffered", func() bool { return len(sub.Notifications()) == 2 })
	srv.AdvanceHead() // no room: the oldest item, the marker, is dropped
	eventually(t, "the marker is dropped", func() bool { return sub.Dropped() == 1 })

	first, second := next(t, sub), next(t, sub)
	if first.Resumed || headNumber(t, first.Result) != 1 {
		t.Errorf("first = %+v, want head 1 without Resumed", first)
	}
	if !second.Resumed || headNumber(t, second.Result) != 2 {
		t.Errorf("second = %+v, want head 2 carrying Resumed", second)
	}
	if sub.Dropped() != 1 {
		t.Errorf("Dropped = %d, want 1", sub.Dropped())
	}
}
