package chain_test

import (
	"context"
	"errors"
	"net/url"
	"testing"
	"time"

	"github.com/pylon-go/pylon/internal/chain"
	"github.com/pylon-go/pylon/internal/chain/rpc"
	"github.com/pylon-go/pylon/internal/chain/rpc/faultproxy"
	"github.com/pylon-go/pylon/internal/devnet"
)

// faultOptions detect a silent connection quickly (pings every 100 ms, 300 ms to answer) and give up
// waiting for a connection after 300 ms, so failures surface long before any caller's deadline.
func faultOptions() chain.Options {
	opts := devnetOptions()
	opts.ConnectWait = 300 * time.Millisecond
	opts.RPC.PingInterval = 100 * time.Millisecond
	opts.RPC.PingTimeout = 300 * time.Millisecond
	opts.RPC.DialTimeout = 2 * time.Second
	return opts
}

func proxyT(t *testing.T, d *devnet.Devnet) *faultproxy.Proxy {
	t.Helper()
	u, err := url.Parse(d.URL)
	if err != nil {
		t.Fatal(err)
	}
	p, err := faultproxy.New(u.Host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

// failsFast checks that a call made during an outage failed with a connection error of its own, not by
// reaching the caller's deadline.
func failsFast(ctx context.Context, t *testing.T, what string, err error) {
	t.Helper()
	switch {
	case err == nil:
		t.Fatalf("%s succeeded during the outage", what)
	case ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded):
		t.Fatalf("%s ran into its deadline: %v", what, err)
	case !errors.Is(err, chain.ErrUnavailable) && !errors.Is(err, rpc.ErrConnectionLost):
		t.Fatalf("%s: not a connection error: %v", what, err)
	}
	t.Logf("%s during the outage: %v", what, err)
}

// recovers checks that reads work again and that the head subscription resumed: a block built after the
// outage reaches the client.
func recovers(t *testing.T, d *devnet.Devnet, c *chain.Client) {
	t.Helper()
	ctx := ctxT(t)
	eventually(t, "the client reconnects", func() bool { return c.Endpoint() != "" })
	head := c.Head()
	if _, err := c.Header(ctx, head.Hash); err != nil {
		t.Fatalf("read after recovery: %v", err)
	}
	want, err := d.NewBlock(ctx)
	if err != nil {
		t.Fatal(err)
	}
	h, err := c.WaitForBlock(ctx, head.Number+1)
	if err != nil || h.Hash.String() != want {
		t.Fatalf("head after recovery: #%d %s, node %s, %v", h.Number, h.Hash, want, err)
	}
}

// A half-dead connection (the proxy stops forwarding, both sockets stay open) and then a dropped one: calls
// fail fast with a clear error, then the client recovers and follows heads again.
func TestDevnetConnectionCut(t *testing.T) {
	d, _ := shared(t)
	p := proxyT(t, d)
	c := dialT(t, []string{"ws://" + p.Addr()}, faultOptions())

	p.Pause()
	// A long deadline: the call must end on its own, because the connection is dead.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	_, err := c.BlockHash(ctx, 1)
	failsFast(ctx, t, "a call in flight", err)
	eventually(t, "the client gives the connection up", func() bool { return c.Endpoint() == "" })
	_, err = c.BlockHash(ctx, 2)
	failsFast(ctx, t, "a call while reconnecting", err)
	cancel()
	p.Resume()
	recovers(t, d, c)

	p.DropAll()
	ctx, cancel = context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// The drop is noticed at once; a call either fails with a connection error or already runs on the new
	// connection. Either way it never waits for its deadline.
	if _, err := c.BlockHash(ctx, 1); err != nil {
		failsFast(ctx, t, "a call right after the drop", err)
	}
	recovers(t, d, c)
	if c.RPC().Stats().Reconnects < 2 {
		t.Fatalf("%d reconnects, want at least 2", c.RPC().Stats().Reconnects)
	}
}

// Two endpoints in front of the same node; the first dies for good: the second takes over, reads and head
// tracking continue, and Endpoint names the second.
func TestDevnetFailoverToSecondEndpoint(t *testing.T) {
	d, w := shared(t)
	p1, p2 := proxyT(t, d), proxyT(t, d)
	c := dialT(t, []string{"ws://" + p1.Addr(), "ws://" + p2.Addr()}, faultOptions())
	first := c.Endpoint()
	if first != "ws://"+p1.Addr() {
		t.Fatalf("using %s, want the first endpoint %s", first, p1.Addr())
	}
	p1.Refuse(true)
	p1.DropAll()
	eventually(t, "the client moves to the second endpoint", func() bool { return c.Endpoint() == "ws://"+p2.Addr() })
	ctx := ctxT(t)
	var tempo uint16
	if found, err := c.Storage(ctx, c.Head().Hash, "SubtensorModule", "Tempo", &tempo, w.Subnets[0].Netuid); err != nil || !found || tempo != w.Subnets[0].Tempo {
		t.Fatalf("read on the second endpoint: %d %v %v", tempo, found, err)
	}
	recovers(t, d, c)
	if got := c.Endpoint(); got != "ws://"+p2.Addr() {
		t.Fatalf("endpoint %s", got)
	}
}

// eventually polls cond until it holds (the test cannot be told when a connection is noticed lost); it
// asserts nothing about how long that takes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
