package pylon_test

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pylon-go/pylon"
	"github.com/pylon-go/pylon/internal/chain/rpc/faultproxy"
	"github.com/pylon-go/pylon/internal/config"
)

const ms = time.Millisecond

func headerSeconds(t *testing.T, v string) time.Duration {
	t.Helper()
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		t.Fatalf("X-Pylon-Timeout %q: %v", v, err)
	}
	return time.Duration(f * float64(time.Second))
}

// TestTimeoutHeader checks the X-Pylon-Timeout the client sends against
// bounds measured around the call: the time left until the deadline, less
// the buffer (0.5 s, or a tenth of a short remaining time).
func TestTimeoutHeader(t *testing.T) {
	t.Run("from the context deadline", func(t *testing.T) {
		f := newFlaky(t, answer(http.StatusOK, identitiesBody))
		before := time.Now()
		deadline := before.Add(10 * time.Second)
		ctx, cancel := context.WithDeadline(context.Background(), deadline)
		defer cancel()
		if _, _, err := client(t, f.URL, pylon.NoRetry).Identities(ctx); err != nil {
			t.Fatal(err)
		}
		r := f.requests()[0]
		h := headerSeconds(t, r.timeout)
		if low, high := deadline.Sub(r.at)-500*ms-ms, deadline.Sub(before)-500*ms+ms; h < low || h > high {
			t.Errorf("X-Pylon-Timeout %v, want within [%v, %v]", h, low, high)
		}
	})

	t.Run("from Config.Timeout when it is sooner", func(t *testing.T) {
		f := newFlaky(t, answer(http.StatusOK, identitiesBody))
		c, err := pylon.NewClient(pylon.Config{Address: f.URL, OpenAccessToken: "open", Timeout: 2 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
		defer cancel()
		before := time.Now()
		if _, _, err := c.Identities(ctx); err != nil {
			t.Fatal(err)
		}
		r := f.requests()[0]
		h := headerSeconds(t, r.timeout)
		// 2 s from the attempt's start, less a tenth.
		if low, high := (2*time.Second-r.at.Sub(before))*9/10-ms, 1800*ms+ms; h < low || h > high {
			t.Errorf("X-Pylon-Timeout %v, want within [%v, %v]", h, low, high)
		}
	})

	t.Run("absent without any deadline", func(t *testing.T) {
		f := newFlaky(t, answer(http.StatusOK, identitiesBody))
		c, err := pylon.NewClient(pylon.Config{Address: f.URL, OpenAccessToken: "open", Timeout: -1})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, _, err := c.Identities(context.Background()); err != nil {
			t.Fatal(err)
		}
		if r := f.requests()[0]; r.timeout != "" {
			t.Errorf("X-Pylon-Timeout %q without a deadline", r.timeout)
		}
	})
}

// stalledChain serves cfg against the devnet through a fault proxy, and
// returns the service and the proxy: Pause makes every chain read hang (a
// node that stopped answering), so requests run into their deadlines.
func stalledChain(t *testing.T, cfg func(chain string) *config.Config) (*service, *faultproxy.Proxy) {
	t.Helper()
	p, err := faultproxy.New(strings.TrimPrefix(dn.URL, "ws://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() }) // runs last, after the service stopped
	svc := startService(t, cfg("ws://"+p.Addr()), "127.0.0.1:0")
	// Runs first: the service's chain client closes on a flowing connection.
	t.Cleanup(p.Resume)
	return svc, p
}

// unreadBlock is a block the service has not read: its hash must come from
// the chain.
func unreadBlock(t *testing.T) int64 {
	t.Helper()
	return int64(world.Block.Number) - 1
}

// TestDeadlineReachesTheService: the client's context deadline travels as
// X-Pylon-Timeout (less the buffer) and the service applies it: a read that
// hangs on the chain is answered with 504 at that deadline, naming it, before
// the client's own deadline.
func TestDeadlineReachesTheService(t *testing.T) {
	svc, proxy := stalledChain(t, func(chain string) *config.Config { return chainConfig(t, chain) })
	c, err := pylon.NewClient(pylon.Config{Address: svc.URL, OpenAccessToken: openToken, Retry: pylon.NoRetry})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	proxy.Pause()

	before := time.Now()
	deadline := before.Add(3 * time.Second)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	_, _, err = c.Block(ctx, unreadBlock(t))
	after := time.Now()
	var re *pylon.ResponseError
	if !errors.Is(err, pylon.ErrTimeout) || !errors.As(err, &re) || re.StatusCode != http.StatusGatewayTimeout {
		t.Fatalf("error %v, want the service's 504", err)
	}
	// "… within its deadline of 2.4998s (X-Pylon-Timeout, …)"
	_, rest, ok := strings.Cut(re.Detail, "deadline of ")
	raw, _, _ := strings.Cut(rest, " ")
	applied, perr := time.ParseDuration(raw)
	if !ok || perr != nil {
		t.Fatalf("detail %q names no deadline", re.Detail)
	}
	// The header is the time left when the request left, less a tenth (the
	// buffer for less than 5 s left), in whole milliseconds; the request left
	// after before, and the round trip took what the service did not spend
	// waiting.
	high := deadline.Sub(before)*9/10 + ms
	low := (deadline.Sub(before)-(after.Sub(before)-applied))*9/10 - ms
	if applied < low || applied > high {
		t.Errorf("the service applied %v, want within [%v, %v]", applied, low, high)
	}
	if !after.Before(deadline) {
		t.Errorf("the answer came at %v, after the client's deadline", after.Sub(before))
	}
}

// TestGatewayTimeoutFromTheService: the service's deadline passes while a
// chain read hangs; the service answers 504, and the client maps it to
// ErrTimeout and retries it, as Pylon's client does.
func TestGatewayTimeoutFromTheService(t *testing.T) {
	svc, proxy := stalledChain(t, func(chain string) *config.Config {
		cfg := chainConfig(t, chain)
		cfg.HTTP.DefaultRequestTimeout = 50 * ms // the client sends no X-Pylon-Timeout below
		return cfg
	})
	proxy.Pause()
	for _, retry := range []pylon.Retry{pylon.NoRetry, fastRetry} {
		// No deadline at all on the client side, so the answer is surely the
		// service's 504 and not a client-side timeout.
		c, err := pylon.NewClient(pylon.Config{Address: svc.URL, OpenAccessToken: openToken, Timeout: -1, Retry: retry})
		if err != nil {
			t.Fatal(err)
		}
		_, resp, err := c.Block(context.Background(), unreadBlock(t))
		_ = c.Close()
		var re *pylon.ResponseError
		if !errors.Is(err, pylon.ErrTimeout) || !errors.As(err, &re) || re.StatusCode != http.StatusGatewayTimeout {
			t.Fatalf("error %v, want the service's 504 as ErrTimeout", err)
		}
		if want := retry.Attempts(); resp.Attempts != want {
			t.Errorf("%d attempts, want %d", resp.Attempts, want)
		}
	}
}

// TestClientTimeout: the client's own per-attempt timeout is a
// *RequestError matching ErrTimeout and context.DeadlineExceeded.
func TestClientTimeout(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	f := newFlaky(t, func(_ http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	c, err := pylon.NewClient(pylon.Config{Address: f.URL, OpenAccessToken: "open", Timeout: 50 * ms, Retry: fastRetry})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, resp, err := c.Identities(context.Background())
	var re *pylon.RequestError
	if !errors.Is(err, pylon.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &re) || !re.Timeout() || resp != nil {
		t.Fatalf("error %v, want a request timeout", err)
	}
	if n := len(f.requests()); n != 3 {
		t.Errorf("%d requests, want 3 (timeouts are retried)", n)
	}
}

// TestNeuronsAndFreshness: the neurons of a subnet through the client, with
// the freshness headers in Response; a subnet that does not exist has no
// neurons (as in Pylon), a block that does not exist is ErrNotFound.
func TestNeuronsAndFreshness(t *testing.T) {
	sub := world.Subnets[0]
	svc := startService(t, chainConfig(t, dn.URL), "127.0.0.1:0")
	c, err := pylon.NewClient(pylon.Config{Address: svc.URL, OpenAccessToken: openToken})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()

	got, resp, err := c.LatestNeurons(ctx, sub.Netuid)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Neurons) != len(sub.Neurons) {
		t.Errorf("%d neurons, want %d", len(got.Neurons), len(sub.Neurons))
	}
	for _, n := range sub.Neurons {
		if g := got.Neurons[n.Hotkey]; g.UID != n.UID || g.Coldkey != n.Coldkey || g.Hotkey != n.Hotkey {
			t.Errorf("neuron %s: %+v, world uid %d coldkey %s", n.Hotkey, g, n.UID, n.Coldkey)
		}
	}
	if f := resp.Freshness; f == nil || f.Block != got.Block || f.Age < 0 || resp.Header.Get("ETag") == "" {
		t.Errorf("freshness %+v for block %+v", resp.Freshness, got.Block)
	}
	none, _, err := c.LatestNeurons(ctx, 999)
	if err != nil || len(none.Neurons) != 0 || none.Block != got.Block {
		t.Errorf("a subnet that does not exist: %+v, %v", none, err)
	}
	at, _, err := c.Neurons(ctx, sub.Netuid, got.Block.Number)
	if err != nil || at.Block != got.Block || len(at.Neurons) != len(got.Neurons) {
		t.Errorf("Neurons at the latest block's number: %+v, %v", at.Block, err)
	}
	if _, _, err := c.Neurons(ctx, sub.Netuid, got.Block.Number+1000); !errors.Is(err, pylon.ErrNotFound) {
		t.Errorf("a block that does not exist: %v", err)
	}
}
