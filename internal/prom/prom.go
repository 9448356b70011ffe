// Package prom owns what the layers share about Prometheus collectors: registering one so that a
// second client on the same registry (two chain clients in one process, tests) shares the first's
// collector instead of failing.
package prom

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// Register registers c with reg and returns it. If an equal collector is already registered, that
// one is returned, so both users record into the same series. Any other failure is appended to errs
// (so a constructor can register all its collectors and report every problem at once) and c is
// returned unregistered.
func Register[T prometheus.Collector](reg prometheus.Registerer, c T, errs *[]error) T {
	err := reg.Register(c)
	if err == nil {
		return c
	}
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(T); ok {
			return existing
		}
	}
	*errs = append(*errs, err)
	return c
}
