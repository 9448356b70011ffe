package rpc

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pylon-go/pylon/internal/prom"
)

// Call outcomes, the outcome label of pylon_chain_rpc_calls_total and the fields of MethodStats.
const (
	outcomeOK              = "ok"
	outcomeRPCError        = "rpc_error"
	outcomeTimeout         = "timeout"
	outcomeCanceled        = "canceled"
	outcomeConnectionError = "connection_error"
	outcomeOther           = "other_error"
)

// Reasons a notification is dropped, the reason label of pylon_chain_rpc_notifications_dropped_total.
const (
	dropSlowConsumer = "slow_consumer"
	dropUnknown      = "unknown_subscription"
)

func classify(err error) string {
	var rpcErr *Error
	switch {
	case err == nil:
		return outcomeOK
	case errors.As(err, &rpcErr):
		return outcomeRPCError
	case errors.Is(err, ErrConnectionLost), errors.Is(err, ErrNotConnected), errors.Is(err, ErrClientClosed):
		return outcomeConnectionError
	case errors.Is(err, context.DeadlineExceeded):
		return outcomeTimeout
	case errors.Is(err, context.Canceled):
		return outcomeCanceled
	default:
		return outcomeOther
	}
}

// metrics holds the Prometheus collectors. They always exist (recording is cheap); they are registered only
// when Options.Registerer is set.
type metrics struct {
	calls      *prometheus.CounterVec
	latency    *prometheus.HistogramVec
	reconnects *prometheus.CounterVec
	current    *prometheus.GaugeVec
	headLag    *prometheus.GaugeVec
	dropCount  *prometheus.CounterVec
	probes     *prometheus.CounterVec

	stats *stats
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pylon_chain_rpc_calls_total",
			Help: "JSON-RPC calls made through the client, by method and outcome (ok, rpc_error, timeout, canceled, connection_error, other_error).",
		}, []string{"method", "outcome"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "pylon_chain_rpc_call_duration_seconds",
			Help:    "Latency of JSON-RPC calls, including any wait for a connection, by method.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"method"}),
		reconnects: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pylon_chain_rpc_reconnects_total",
			Help: "Connections lost or abandoned and replaced, by endpoint and reason (read_error, write_error, ping_timeout, head_stall, head_lag, http_error, resubscribe_failed).",
		}, []string{"endpoint", "reason"}),
		current: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "pylon_chain_rpc_endpoint_current",
			Help: "1 for the endpoint the client currently uses, 0 for the others.",
		}, []string{"endpoint"}),
		headLag: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "pylon_chain_rpc_head_lag_blocks",
			Help: "How many blocks the endpoint's best head trailed the best head seen across endpoints at the last measurement.",
		}, []string{"endpoint"}),
		dropCount: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pylon_chain_rpc_notifications_dropped_total",
			Help: "Subscription notifications discarded, by subscribe method and reason (slow_consumer, unknown_subscription).",
		}, []string{"method", "reason"}),
		probes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pylon_chain_rpc_endpoint_probes_total",
			Help: "Endpoint health probes (connect and read the best header), by endpoint and outcome.",
		}, []string{"endpoint", "outcome"}),
		stats: &stats{},
	}
	if reg == nil {
		return m, nil
	}
	var errs []error
	m.calls = prom.Register(reg, m.calls, &errs)
	m.latency = prom.Register(reg, m.latency, &errs)
	m.reconnects = prom.Register(reg, m.reconnects, &errs)
	m.current = prom.Register(reg, m.current, &errs)
	m.headLag = prom.Register(reg, m.headLag, &errs)
	m.dropCount = prom.Register(reg, m.dropCount, &errs)
	m.probes = prom.Register(reg, m.probes, &errs)
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("rpc: registering metrics: %w", err)
	}
	return m, nil
}

func (m *metrics) observeCall(method, outcome string, d time.Duration) {
	m.calls.WithLabelValues(method, outcome).Inc()
	m.latency.WithLabelValues(method).Observe(d.Seconds())
	m.stats.record(method, outcome)
}

func (m *metrics) dropped(method, reason string, n int) {
	if n <= 0 {
		return
	}
	m.dropCount.WithLabelValues(method, reason).Add(float64(n))
	m.stats.dropped.Add(uint64(n))
}

func (m *metrics) reconnect(endpoint, reason string) {
	m.reconnects.WithLabelValues(endpoint, reason).Inc()
	m.stats.reconnects.Add(1)
}

func (m *metrics) probe(endpoint, outcome string) {
	m.probes.WithLabelValues(endpoint, outcome).Inc()
}

// MethodStats counts the calls of one method made through the client, by outcome. Calls is the sum of the
// others. Subscribe and unsubscribe requests of user subscriptions count as calls of their methods; the
// client's own traffic (health probes, its stall-watch subscription) does not.
type MethodStats struct {
	Calls            uint64
	OK               uint64
	RPCErrors        uint64
	Timeouts         uint64
	Canceled         uint64
	ConnectionErrors uint64
	OtherErrors      uint64
}

// Stats is a snapshot of the client's counters, readable without Prometheus.
type Stats struct {
	// Endpoint is the endpoint in use ("" while reconnecting).
	Endpoint string
	// Methods maps method names to their call counts.
	Methods map[string]MethodStats
	// Reconnects counts connections lost or abandoned and replaced.
	Reconnects uint64
	// DroppedNotifications counts notifications discarded (slow consumers, unknown subscription ids).
	DroppedNotifications uint64
}

type methodCounters struct {
	calls, ok, rpcErrors, timeouts, canceled, connErrors, other atomic.Uint64
}

type stats struct {
	methods    sync.Map // method → *methodCounters
	reconnects atomic.Uint64
	dropped    atomic.Uint64
}

func (s *stats) record(method, outcome string) {
	v, ok := s.methods.Load(method)
	if !ok {
		v, _ = s.methods.LoadOrStore(method, &methodCounters{})
	}
	mc, ok := v.(*methodCounters)
	if !ok {
		return // not reached: the map holds only *methodCounters
	}
	mc.calls.Add(1)
	switch outcome {
	case outcomeOK:
		mc.ok.Add(1)
	case outcomeRPCError:
		mc.rpcErrors.Add(1)
	case outcomeTimeout:
		mc.timeouts.Add(1)
	case outcomeCanceled:
		mc.canceled.Add(1)
	case outcomeConnectionError:
		mc.connErrors.Add(1)
	default:
		mc.other.Add(1)
	}
}

func (s *stats) snapshot() map[string]MethodStats {
	out := make(map[string]MethodStats)
	s.methods.Range(func(k, v any) bool {
		method, ok1 := k.(string)
		mc, ok2 := v.(*methodCounters)
		if !ok1 || !ok2 {
			return true // not reached: the map holds only method → *methodCounters
		}
		out[method] = MethodStats{
			Calls: mc.calls.Load(), OK: mc.ok.Load(), RPCErrors: mc.rpcErrors.Load(), Timeouts: mc.timeouts.Load(),
			Canceled: mc.canceled.Load(), ConnectionErrors: mc.connErrors.Load(), OtherErrors: mc.other.Load(),
		}
		return true
	})
	return out
}

func (s *stats) calls(method string) uint64 {
	v, ok := s.methods.Load(method)
	if !ok {
		return 0
	}
	mc, ok := v.(*methodCounters)
	if !ok {
		return 0 // not reached: the map holds only *methodCounters
	}
	return mc.calls.Load()
}
