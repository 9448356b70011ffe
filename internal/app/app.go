// Package app assembles the whole Pylon-Go service from a validated
// configuration: the logger and metrics registry it is given, and the parts
// built from the configuration (today the HTTP server; the chain client, the
// service layer and the weights runner join here as they are built).
//
// The pylon binary (cmd/pylon serve) and the in-process test server
// (pylontest.NewServer) both build the service through New, so what tests
// run is what operators run.
//
// Lifecycle: New builds and connects everything that must exist before the
// first request; Serve answers requests (and runs background work) until its
// context is cancelled, then shuts down gracefully; Close releases what New
// acquired. Close is safe to call whether or not Serve ran.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pylon-go/pylon/internal/api"
	"github.com/pylon-go/pylon/internal/config"
)

// Options are what the caller supplies besides the configuration.
type Options struct {
	// Logger receives every component's log; nil discards.
	Logger *slog.Logger
	// Registry is where every component registers its metrics and what
	// /metrics serves; nil means a fresh api.NewRegistry().
	Registry *prometheus.Registry
	// Version is the build's version, shown in the OpenAPI document.
	Version string
	// Routes, if set, registers extra operations on the HTTP server before it
	// serves. Tests use it to stand in an endpoint whose real implementation
	// does not exist yet; production wiring registers its routes in New.
	Routes func(*api.Server)
}

// App is one assembled service.
type App struct {
	cfg      *config.Config
	log      *slog.Logger
	registry *prometheus.Registry
	http     *api.Server

	// closers release what New acquired, in reverse order of acquisition.
	closers   []func() error
	closeOnce sync.Once
	closeErr  error
}

// New builds the service described by cfg. ctx bounds the start-up work
// (connecting to the chain, opening the job store); it is not retained.
//
// Where the parts still to come plug in, in this order, each adding its
// Close to a.closers and its readiness or routes to the HTTP server:
//
//   - the chain client (internal/chain), dialled from cfg.Chain.Endpoints,
//     whose head freshness backs /ready (api.Options.Readiness);
//   - the service layer (internal/service) on top of it, whose use cases the
//     subnet and block routes call;
//   - the weights runner (internal/weights, internal/store), started by
//     Serve as background work and stopped with it.
func New(ctx context.Context, cfg *config.Config, opts Options) (*App, error) {
	if cfg == nil {
		return nil, errors.New("app: configuration is required")
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("app: %w", err)
	}
	a := &App{cfg: cfg, log: opts.Logger, registry: opts.Registry}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if a.registry == nil {
		a.registry = api.NewRegistry()
	}

	srv, err := api.New(api.Options{Config: cfg, Logger: a.log, Registry: a.registry, Version: opts.Version})
	if err != nil {
		return nil, errors.Join(fmt.Errorf("app: HTTP server: %w", err), a.Close())
	}
	a.http = srv

	// The service's own routes are registered above this line. Routes runs
	// last, so a test's stand-in finds the real route when there is one and
	// can say so (instead of a duplicate-pattern panic).
	if opts.Routes != nil {
		opts.Routes(srv)
	}
	return a, nil
}

// Config returns the configuration the service was built from.
func (a *App) Config() *config.Config { return a.cfg }

// Registry returns the metrics registry /metrics serves.
func (a *App) Registry() *prometheus.Registry { return a.registry }

// Handler returns the service's HTTP handler, for serving it some other way
// than Serve (httptest, a custom http.Server).
func (a *App) Handler() http.Handler { return a.http.Handler() }

// Serve answers requests on ln until ctx is cancelled, then shuts down
// gracefully (in-flight requests get the configured grace period) and
// returns nil. It returns an error if serving fails for another reason. The
// listener is closed when Serve returns.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	// Background work (the weights runner, the recent-neurons refresher)
	// will run here beside the HTTP server, under the same ctx, and Serve
	// will wait for it before returning.
	if err := a.http.Serve(ctx, ln); err != nil {
		return fmt.Errorf("app: %w", err)
	}
	return nil
}

// Close releases everything New acquired. It is idempotent and returns the
// first call's result on every call.
func (a *App) Close() error {
	a.closeOnce.Do(func() {
		var errs []error
		for i := len(a.closers) - 1; i >= 0; i-- {
			if err := a.closers[i](); err != nil {
				errs = append(errs, err)
			}
		}
		a.closeErr = errors.Join(errs...)
	})
	return a.closeErr
}
