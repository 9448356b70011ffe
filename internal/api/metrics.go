package api

import (
	"fmt"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// unmatchedRoute labels requests that matched no route, so that scanners
// probing random paths cannot blow up the label cardinality.
const unmatchedRoute = "unmatched"

// httpMetrics are the HTTP metrics Pylon exports, labelled by route template
// (never the raw path), method and, once known, status.
type httpMetrics struct {
	requests   *prometheus.CounterVec
	duration   *prometheus.HistogramVec
	inProgress *prometheus.GaugeVec
}

func newHTTPMetrics(reg prometheus.Registerer) (*httpMetrics, error) {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pylon_requests_total",
			Help: "HTTP requests answered, by route template, method and status.",
		}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "pylon_request_duration_seconds",
			Help:    "Time to answer HTTP requests, by route template, method and status.",
			Buckets: []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300},
		}, []string{"route", "method", "status"}),
		inProgress: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "pylon_requests_in_progress",
			Help: "HTTP requests being answered, by route template and method.",
		}, []string{"route", "method"}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.duration, m.inProgress} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("api: register HTTP metrics: %w", err)
		}
	}
	return m, nil
}

// NewRegistry returns a registry holding the Go runtime and process
// collectors, for the application to register its own metrics in and serve
// at /metrics. The global default registry is not used, so nothing a
// dependency registers behind our back is exported.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return reg
}

// methodLabel keeps the method label to the standard methods.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return m
	default:
		return "other"
	}
}
