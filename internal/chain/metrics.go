package chain

import (
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pylon-go/pylon/internal/prom"
)

// metrics holds the client's collectors. They always exist (recording is cheap) and are registered only when
// Options.Registerer is set. As in package rpc, a second client on the same registry shares the collectors
// already registered.
type metrics struct {
	headNumber      prometheus.Gauge
	finalizedNumber prometheus.Gauge
	headAge         *ageCollector
	specVersion     prometheus.Gauge
	upgrades        prometheus.Counter
	metadataLoads   *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		headNumber: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "pylon_chain_head_number",
			Help: "Number of the latest best block the client follows.",
		}),
		finalizedNumber: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "pylon_chain_finalised_number",
			Help: "Number of the latest finalised block the client follows.",
		}),
		headAge: newAgeCollector("pylon_chain_head_age_seconds",
			"Seconds since the latest best block was first seen (grows while no new block arrives)."),
		specVersion: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "pylon_chain_runtime_spec_version",
			Help: "Spec version of the latest runtime the node announced.",
		}),
		upgrades: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "pylon_chain_runtime_upgrades_total",
			Help: "Runtime upgrades (changes of the announced spec version) seen while running.",
		}),
		metadataLoads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pylon_chain_metadata_loads_total",
			Help: "Runtime metadata fetched from the node, by spec version and metadata format version (14 or 15).",
		}, []string{"spec_version", "metadata_version"}),
	}
	if reg == nil {
		return m, nil
	}
	var errs []error
	m.headNumber = prom.Register(reg, m.headNumber, &errs)
	m.finalizedNumber = prom.Register(reg, m.finalizedNumber, &errs)
	m.headAge = prom.Register(reg, m.headAge, &errs)
	m.specVersion = prom.Register(reg, m.specVersion, &errs)
	m.upgrades = prom.Register(reg, m.upgrades, &errs)
	m.metadataLoads = prom.Register(reg, m.metadataLoads, &errs)
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("chain: registering metrics: %w", err)
	}
	return m, nil
}

func (m *metrics) setHead(kind headKind, h Head) {
	if kind == kindBest {
		m.headNumber.Set(float64(h.Number))
		m.headAge.set(h.Seen)
	} else {
		m.finalizedNumber.Set(float64(h.Number))
	}
}

func (m *metrics) setSpec(spec uint32) { m.specVersion.Set(float64(spec)) }

func (m *metrics) metadataLoaded(spec uint32, version uint8) {
	m.metadataLoads.WithLabelValues(strconv.FormatUint(uint64(spec), 10), strconv.Itoa(int(version))).Inc()
}

// ageCollector is a gauge of the time since a moment, computed at scrape time so that it grows while nothing
// happens (a plain gauge would only change when a block arrives, which is exactly when it is not needed).
type ageCollector struct {
	desc *prometheus.Desc
	at   atomic.Int64 // UnixNano of the moment; 0 = never
}

func newAgeCollector(name, help string) *ageCollector {
	return &ageCollector{desc: prometheus.NewDesc(name, help, nil, nil)}
}

func (a *ageCollector) set(t time.Time) { a.at.Store(t.UnixNano()) }

// Describe implements prometheus.Collector.
func (a *ageCollector) Describe(ch chan<- *prometheus.Desc) { ch <- a.desc }

// Collect implements prometheus.Collector.
func (a *ageCollector) Collect(ch chan<- prometheus.Metric) {
	age := 0.0
	if at := a.at.Load(); at != 0 {
		age = time.Since(time.Unix(0, at)).Seconds()
	}
	ch <- prometheus.MustNewConstMetric(a.desc, prometheus.GaugeValue, age)
}
