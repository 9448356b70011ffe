package rpc_test

import (
	"context"
	"encoding/json"
	"errors"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/pylon-go/pylon/internal/chain/rpc"
	"github.com/pylon-go/pylon/internal/chain/rpc/rpctest"
)

// patience bounds every wait in these tests. It only prevents hangs; no test asserts how fast anything is.
const patience = 20 * time.Second

// fastOptions keep reconnection quick and keepalive off unless a test turns it on.
func fastOptions() rpc.Options {
	return rpc.Options{
		CallTimeout:  patience,
		DialTimeout:  2 * time.Second,
		PingInterval: -1,
		PingTimeout:  time.Second,
		Backoff:      rpc.Backoff{Initial: 5 * time.Millisecond, Max: 50 * time.Millisecond},
	}
}

func newServer(t *testing.T) *rpctest.Server {
	t.Helper()
	s := rpctest.New()
	t.Cleanup(s.Close)
	return s
}

func dial(t *testing.T, urls []string, opts rpc.Options) *rpc.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	c, err := rpc.Dial(ctx, urls, opts)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	t.Cleanup(cancel)
	return ctx
}

// eventually polls cond until it holds, failing the test after patience.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(patience)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for: %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// next reads one notification, failing on a closed channel or after patience.
func next(t *testing.T, sub *rpc.Subscription) rpc.Notification {
	t.Helper()
	select {
	case n, ok := <-sub.Notifications():
		if !ok {
			t.Fatalf("%s: subscription ended: %v", sub.Method(), sub.Err())
		}
		return n
	case <-time.After(patience):
		t.Fatalf("%s: no notification", sub.Method())
	}
	return rpc.Notification{}
}

// waitEnded waits for the subscription's channel to close and returns Err.
func waitEnded(t *testing.T, sub *rpc.Subscription) error {
	t.Helper()
	deadline := time.After(patience)
	for {
		select {
		case _, ok := <-sub.Notifications():
			if !ok {
				return sub.Err()
			}
		case <-deadline:
			t.Fatalf("%s: subscription did not end", sub.Method())
		}
	}
}

func headNumber(t *testing.T, raw json.RawMessage) uint64 {
	t.Helper()
	var h struct {
		Number string `json:"number"`
	}
	if err := json.Unmarshal(raw, &h); err != nil {
		t.Fatalf("decoding header %s: %v", raw, err)
	}
	n, err := strconv.ParseUint(strings.TrimPrefix(h.Number, "0x"), 16, 64)
	if err != nil {
		t.Fatalf("header number %q: %v", h.Number, err)
	}
	return n
}

// metricValue reads a counter or gauge from reg; labels must match exactly the given pairs.
func metricValue(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			if !labelsMatch(m, labels) {
				continue
			}
			switch {
			case m.GetCounter() != nil:
				return m.GetCounter().GetValue()
			case m.GetGauge() != nil:
				return m.GetGauge().GetValue()
			case m.GetHistogram() != nil:
				return float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	return 0
}

func labelsMatch(m *dto.Metric, want map[string]string) bool {
	got := make(map[string]string)
	for _, l := range m.GetLabel() {
		got[l.GetName()] = l.GetValue()
	}
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}

// ourGoroutines lists goroutines running code of package rpc (not its tests or helper packages).
func ourGoroutines() []string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "github.com/pylon-go/pylon/internal/chain/rpc.") {
			out = append(out, g)
		}
	}
	return out
}

func isConnectionLost(err error) bool { return errors.Is(err, rpc.ErrConnectionLost) }
