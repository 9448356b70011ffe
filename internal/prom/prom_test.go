package prom_test

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pylon-go/pylon/internal/prom"
)

func TestRegisterSharesAnEqualCollector(t *testing.T) {
	reg := prometheus.NewRegistry()
	opts := prometheus.CounterOpts{Name: "pylon_test_total", Help: "A test counter."}
	var errs []error
	first := prom.Register(reg, prometheus.NewCounter(opts), &errs)
	second := prom.Register(reg, prometheus.NewCounter(opts), &errs)
	if len(errs) != 0 {
		t.Fatalf("errors: %v", errs)
	}
	if second != first {
		t.Error("registering an equal collector again returned the new one, want the registered one (shared)")
	}
}

func TestRegisterReportsAConflict(t *testing.T) {
	reg := prometheus.NewRegistry()
	var errs []error
	prom.Register(reg, prometheus.NewCounter(prometheus.CounterOpts{Name: "pylon_test", Help: "A counter."}), &errs)
	// The same name as a gauge with other help: not the same collector, so registration fails.
	prom.Register(reg, prometheus.NewGauge(prometheus.GaugeOpts{Name: "pylon_test", Help: "A gauge."}), &errs)
	if len(errs) != 1 {
		t.Fatalf("errors: %v, want one", errs)
	}
}
