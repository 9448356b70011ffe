package subtensor

import (
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pylon-go/pylon/internal/prom"
)

// metrics are Pylon's chain-operation metrics. The label sets are Pylon's
// minus the per-netuid and per-hotkey labels, which would multiply series by
// the number of subnets and neurons.
type metrics struct {
	duration *prometheus.HistogramVec
	fallback *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "pylon_bittensor_operation_duration_seconds",
			Help:    "Time of chain reads, by operation and status (success, error, unknown_block, cancelled).",
			Buckets: []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"operation", "status"}),
		fallback: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pylon_bittensor_fallback_total",
			Help: "Reads sent to the archive node, by reason (stale_block: older than the cutoff; unknown_block: the main node no longer holds the state) and operation.",
		}, []string{"reason", "operation"}),
	}
	if reg == nil {
		return m, nil
	}
	var errs []error
	m.duration = prom.Register(reg, m.duration, &errs)
	m.fallback = prom.Register(reg, m.fallback, &errs)
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("subtensor: registering metrics: %w", err)
	}
	return m, nil
}

func (m *metrics) observe(op string, err error, d time.Duration) {
	m.duration.WithLabelValues(op, status(err)).Observe(d.Seconds())
}

func (m *metrics) fellBack(reason, op string) { m.fallback.WithLabelValues(reason, op).Inc() }
