package extrinsic

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// Outcome is how a submission ended, as recorded in Result.Outcome and in the
// pylon_extrinsic_submissions_total metric.
type Outcome string

// Outcomes.
const (
	// OutcomeSuccess: included, no System.ExtrinsicFailed.
	OutcomeSuccess Outcome = "success"
	// OutcomeDispatchError: included, and the runtime rejected the call (*DispatchError).
	OutcomeDispatchError Outcome = "dispatch_error"
	// OutcomePoolRejected: refused at submission (*PoolError); nothing entered the pool.
	OutcomePoolRejected     Outcome = "pool_rejected"
	OutcomeDropped          Outcome = "dropped"
	OutcomeInvalid          Outcome = "invalid"
	OutcomeUsurped          Outcome = "usurped"
	OutcomeFutureTimeout    Outcome = "future_timeout"
	OutcomeEraExpired       Outcome = "era_expired"
	OutcomeFinality         Outcome = "finality_timeout"
	OutcomeUnknownExtension Outcome = "unknown_extension"
	// OutcomeNotSent: the BeforeSend callback declined; nothing was sent (ErrNotSent).
	OutcomeNotSent Outcome = "not_sent"
	// OutcomeError: anything else — building, transport, a cancelled context. If it happened after
	// submission, the extrinsic may still be included (before Result.EraEnd).
	OutcomeError Outcome = "error"
)

// OutcomeOf classifies an error returned by Submitter.Submit (nil is OutcomeSuccess).
func OutcomeOf(err error) Outcome {
	var de *DispatchError
	var pe *PoolError
	switch {
	case err == nil:
		return OutcomeSuccess
	case errors.As(err, &de):
		return OutcomeDispatchError
	case errors.As(err, &pe):
		return OutcomePoolRejected
	case errors.Is(err, ErrDropped):
		return OutcomeDropped
	case errors.Is(err, ErrInvalid):
		return OutcomeInvalid
	case errors.Is(err, ErrUsurped):
		return OutcomeUsurped
	case errors.Is(err, ErrFutureTimeout):
		return OutcomeFutureTimeout
	case errors.Is(err, ErrEraExpired):
		return OutcomeEraExpired
	case errors.Is(err, ErrFinalityTimeout):
		return OutcomeFinality
	case errors.Is(err, ErrUnknownExtension):
		return OutcomeUnknownExtension
	case errors.Is(err, ErrNotSent):
		return OutcomeNotSent
	}
	return OutcomeError
}

type metrics struct {
	submissions *prometheus.CounterVec
	inclusion   *prometheus.HistogramVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		submissions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pylon_extrinsic_submissions_total",
			Help: "Extrinsics submitted, by call (Pallet.call) and outcome (success, dispatch_error, pool_rejected, dropped, invalid, usurped, future_timeout, era_expired, finality_timeout, unknown_extension, not_sent, error).",
		}, []string{"call", "outcome"}),
		inclusion: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "pylon_extrinsic_inclusion_seconds",
			Help:    "Time from submission until the awaited status (in a block, or finalised when asked), by call.",
			Buckets: []float64{0.5, 1, 2, 4, 8, 12, 18, 24, 36, 48, 72, 120, 240, 600},
		}, []string{"call"}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.submissions, m.inclusion} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}
