package jobs

import (
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pylon-go/pylon/internal/store"
)

// modeUnknown labels jobs that ended before an attempt chose a mode (e.g.
// superseded while pending).
const modeUnknown = "unknown"

// Attempt outcomes, the outcome label of pylon_weights_attempts_total.
const (
	attemptLanded       = "landed"         // the weights (or the reveal) are on chain
	attemptCommitted    = "committed"      // a commit is on chain, its reveal outstanding
	attemptDispatch     = "dispatch_error" // included, rejected by the runtime (error label: its name)
	attemptPoolRejected = "pool_rejected"  // refused by the node (error label: the custom error's name)
	attemptNotIncluded  = "not_included"   // certainly not in a block (dropped, invalid, usurped, era over)
	attemptNotSent      = "not_sent"       // superseded or cancelled at the last moment
	attemptError        = "error"          // reading the chain or building failed
	attemptWaiting      = "rate_limited"   // mode now: the rate limit forbids an immediate attempt
)

type metrics struct {
	jobDuration     *prometheus.HistogramVec
	attemptDuration *prometheus.HistogramVec
	jobs            *prometheus.CounterVec
	attempts        *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		jobDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "pylon_apply_weights_job_duration_seconds",
			Help:    "Time from accepting a weights job to its final status, by mode (set_weights, commit_reveal_v2, timelock, unknown) and outcome (landed, failed, expired, superseded, cancelled).",
			Buckets: []float64{1, 5, 15, 30, 60, 120, 300, 600, 1200, 2400, 4800, 9600},
		}, []string{"mode", "outcome"}),
		attemptDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "pylon_apply_weights_attempt_duration_seconds",
			Help:    "Time of one submission attempt of a weights job (reads, signing, inclusion), by mode and outcome.",
			Buckets: []float64{0.25, 0.5, 1, 2, 4, 8, 12, 18, 24, 36, 60, 120, 300},
		}, []string{"mode", "outcome"}),
		jobs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pylon_weights_jobs_total",
			Help: "Weights jobs that reached a final status, by mode and outcome (landed, failed, expired, superseded, cancelled).",
		}, []string{"mode", "outcome"}),
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pylon_weights_attempts_total",
			Help: "Submission attempts of weights jobs, by mode, outcome (landed, committed, dispatch_error, pool_rejected, not_included, not_sent, rate_limited, error) and error (the chain's error name, when there is one).",
		}, []string{"mode", "outcome", "error"}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.jobDuration, m.attemptDuration, m.jobs, m.attempts} {
			if err := reg.Register(c); err != nil {
				var are prometheus.AlreadyRegisteredError
				if errors.As(err, &are) {
					return nil, fmt.Errorf("jobs: metrics already registered: %w", err)
				}
				return nil, fmt.Errorf("jobs: metrics: %w", err)
			}
		}
	}
	return m, nil
}

// finished records a job's final status.
func (m *metrics) finished(mode string, status store.Status, d time.Duration) {
	if mode == "" {
		mode = modeUnknown
	}
	m.jobs.WithLabelValues(mode, string(status)).Inc()
	if d > 0 {
		m.jobDuration.WithLabelValues(mode, string(status)).Observe(d.Seconds())
	}
}

// attempted records one attempt.
func (m *metrics) attempted(mode, outcome, errName string, d time.Duration) {
	if mode == "" {
		mode = modeUnknown
	}
	m.attempts.WithLabelValues(mode, outcome, errName).Inc()
	m.attemptDuration.WithLabelValues(mode, outcome).Observe(d.Seconds())
}
