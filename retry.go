package pylon

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"
)

// Retry says whether and when a failed call is tried again, in the manner of
// tenacity's Retrying that Pylon's Python client is configured with. A Retry
// is a value: With returns a modified copy and never changes the receiver, so
// DefaultRetry can be tailored without affecting other clients.
//
// Only calls that are safe to repeat are retried whatever the policy says:
// reads, and PUT weights (the latest request wins, so a repeat replaces
// itself). Generating a certificate key pair (POST) is tried once.
//
// Between attempts the client waits for the policy's delay, or for the
// Retry-After the service sent if that is longer; it does not start a wait
// that would outlast the context's deadline, and it stops waiting when the
// context ends.
type Retry struct {
	attempts int
	wait     func(attempt int) time.Duration
	retryIf  func(error) bool
}

// RetryOption modifies a Retry (see Retry.With).
type RetryOption func(*Retry)

// DefaultRetry is Pylon's default: three attempts, waiting 0.1 s·2^(n−1)
// plus up to 0.2 s of random jitter after the nth failure (tenacity's
// wait_exponential_jitter(initial=0.1, jitter=0.2), capped at 60 s), retrying
// request errors and timeouts, including the service's 504 (IsTransient).
var DefaultRetry = Retry{
	attempts: 3,
	wait:     exponentialJitter(100*time.Millisecond, 200*time.Millisecond, time.Minute),
	retryIf:  IsTransient,
}

// NoRetry makes every call a single attempt.
var NoRetry = Retry{attempts: 1, wait: func(int) time.Duration { return 0 }, retryIf: func(error) bool { return false }}

// With returns a copy of r with the options applied.
func (r Retry) With(opts ...RetryOption) Retry {
	r = r.orDefault()
	for _, o := range opts {
		o(&r)
	}
	return r
}

// StopAfterAttempt stops after n attempts in all (n ≥ 1; smaller values
// mean 1).
func StopAfterAttempt(n int) RetryOption {
	return func(r *Retry) { r.attempts = max(n, 1) }
}

// WaitFixed waits d between attempts.
func WaitFixed(d time.Duration) RetryOption {
	return func(r *Retry) { r.wait = func(int) time.Duration { return d } }
}

// WaitRandom waits a uniformly random time in [low, high] between attempts.
func WaitRandom(low, high time.Duration) RetryOption {
	if high < low {
		low, high = high, low
	}
	return func(r *Retry) {
		r.wait = func(int) time.Duration { return low + randDuration(high-low) }
	}
}

// WaitExponentialJitter waits initial·2^(n−1) plus a random time in
// [0, jitter] after the nth failed attempt, at most maxWait (tenacity's
// wait_exponential_jitter).
func WaitExponentialJitter(initial, jitter, maxWait time.Duration) RetryOption {
	return func(r *Retry) { r.wait = exponentialJitter(initial, jitter, maxWait) }
}

// RetryIf replaces the test of which errors are retried. The default is
// IsTransient; to add to it, call it from f.
func RetryIf(f func(error) bool) RetryOption {
	return func(r *Retry) { r.retryIf = f }
}

// Attempts is the most attempts a call makes under r.
func (r Retry) Attempts() int { return r.orDefault().attempts }

// Delay is how long r waits after the nth failed attempt (n from 1), before
// any Retry-After is taken into account. With jitter it differs per call.
func (r Retry) Delay(n int) time.Duration { return max(r.orDefault().wait(n), 0) }

// ShouldRetry reports whether r retries after err (attempts allowing).
func (r Retry) ShouldRetry(err error) bool { return err != nil && r.orDefault().retryIf(err) }

// orDefault makes the zero Retry (an unset Config.Retry) mean DefaultRetry,
// and fills in what a hand-made value lacks.
func (r Retry) orDefault() Retry {
	if r.attempts == 0 && r.wait == nil && r.retryIf == nil {
		return DefaultRetry
	}
	if r.attempts < 1 {
		r.attempts = 1
	}
	if r.wait == nil {
		r.wait = DefaultRetry.wait
	}
	if r.retryIf == nil {
		r.retryIf = IsTransient
	}
	return r
}

// IsTransient reports whether err is worth retrying: the service could not be
// reached or the attempt timed out (*RequestError, ErrTimeout), or the
// service answered 504. Cancellation by the caller is not transient.
func IsTransient(err error) bool {
	if errors.Is(err, context.Canceled) {
		return false
	}
	if errors.Is(err, ErrTimeout) {
		return true
	}
	var re *RequestError
	return errors.As(err, &re)
}

func exponentialJitter(initial, jitter, maxWait time.Duration) func(int) time.Duration {
	return func(n int) time.Duration {
		d := initial
		for i := 1; i < n && d < maxWait; i++ {
			d *= 2
		}
		return min(d+randDuration(jitter), maxWait)
	}
}

// randDuration is uniform in [0, d].
func randDuration(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return time.Duration(rand.Int64N(int64(d) + 1)) //nolint:gosec // Retry jitter spreads load; it protects no secret.
}
