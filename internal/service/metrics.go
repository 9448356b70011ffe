package service

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/maypok86/otter/v2"
	"github.com/prometheus/client_golang/prometheus"
)

// metrics of the answer cache.
type metrics struct {
	lookups *prometheus.CounterVec
	recent  *prometheus.GaugeVec
}

func newMetrics(reg prometheus.Registerer, cache *otter.Cache[key, *Entry]) (*metrics, error) {
	m := &metrics{
		lookups: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pylon_cache_lookups_total",
			Help: "Lookups of cached answers, by kind (block, neurons, validators, hyperparameters, certificates, certificate) and result (hit, miss).",
		}, []string{"kind", "result"}),
		recent: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "pylon_recent_neurons_block",
			Help: "Block number of the newest prefetched neurons, by subnet.",
		}, []string{"netuid"}),
	}
	weight := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "pylon_cache_weight_bytes",
		Help: "Approximate size of the cached answers.",
	}, func() float64 { return float64(cache.WeightedSize()) })
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.lookups, m.recent, weight} {
		if err := reg.Register(c); err != nil {
			var are prometheus.AlreadyRegisteredError
			if errors.As(err, &are) {
				// A second service on the same registry (tests) keeps the first's.
				continue
			}
			return nil, fmt.Errorf("service: register metrics: %w", err)
		}
	}
	return m, nil
}

func (m *metrics) lookup(k kind, hit bool) {
	result := "miss"
	if hit {
		result = "hit"
	}
	m.lookups.WithLabelValues(k.String(), result).Inc()
}

func (m *metrics) recentBlock(netuid uint16, n uint64) {
	m.recent.WithLabelValues(strconv.Itoa(int(netuid))).Set(float64(n))
}
