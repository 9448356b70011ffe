// Package api owns Pylon-Go's HTTP surface: the routes (huma on net/http),
// their authentication, the OpenAPI document and the embedded Swagger UI,
// per-request deadlines (X-Pylon-Timeout), problem+json errors, request ids,
// request logs and the HTTP metrics, and graceful shutdown.
//
// Endpoints are added with the registration helpers, which build Pylon's
// paths and declare who may call them:
//
//	RegisterSubnet   /api/v1/subnet/{netuid}/…  and  /api/v1/identity/{identity_name}/subnet/{netuid}/…
//	RegisterIdentity /api/v1/identity/{identity_name}/subnet/{netuid}/…
//	RegisterBlock    /api/v1/block/…
//	RegisterSeed     the seed-era paths, e.g. /api/v1/subnet/weights
//	Register         any other path, with an explicit Access
//
// The auth middleware enforces each operation's Access before the handler
// runs; the handler reads the identity with IdentityFrom, the subnet with
// NetuidFrom or its input, and the deadline from its context.
//
// RegisterReads adds every read route of Pylon's API over the service
// layer's cache: the answers arrive encoded and are sent as bytes (by
// reference, not copied), with ETag/304, gzip when accepted, and the
// X-Pylon-Block-* freshness headers. RegisterWrites adds the routes that
// change the chain: weights (accepted as durable jobs, their epoch status and
// job history) and certificate generation.
//
// The package knows nothing about SCALE or RPC: handlers call the service
// layer.
package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/swaggest/swgui"
	"github.com/swaggest/swgui/v5emb"

	"github.com/pylon-go/pylon"
	"github.com/pylon-go/pylon/internal/config"
)

// Readiness is implemented by whatever knows whether the service can answer
// from fresh chain data (the chain or service layer): Ready returns nil when
// the head is fresh, or an error saying why not. The error text is shown to
// callers of /ready, so it must not carry secrets.
type Readiness interface {
	Ready(ctx context.Context) error
}

// ErrNoReadiness is what /ready reports while no Readiness is wired in.
var ErrNoReadiness = errors.New("no chain connection is wired into this build yet, so freshness cannot be confirmed")

// Options configure a Server.
type Options struct {
	// Config supplies the identities, tokens, request timeouts and shutdown
	// grace period. Required.
	Config *config.Config
	// Logger receives the request log and server errors; nil discards.
	Logger *slog.Logger
	// Registry is where the HTTP metrics are registered and what /metrics
	// serves; nil means a fresh NewRegistry().
	Registry *prometheus.Registry
	// Readiness backs /ready; nil means /ready answers 503 (ErrNoReadiness).
	Readiness Readiness
	// Version is shown in the OpenAPI document.
	Version string
}

// Server is the HTTP surface. Register every route before serving.
type Server struct {
	api            huma.API
	mux            *http.ServeMux
	routes         map[string]string // mux pattern -> route template
	handler        http.Handler
	guard          *guard
	log            *slog.Logger
	metrics        *httpMetrics
	registry       *prometheus.Registry
	readiness      Readiness
	defaultTimeout time.Duration
	maxTimeout     time.Duration
	grace          time.Duration

	// onShutdown, if set, runs once the listener is closed (for tests).
	onShutdown func()
}

// New builds the server with its built-in routes: /health, /ready, /metrics,
// /api/v1/identities, /schema/openapi.json and /schema/swagger.
func New(opts Options) (*Server, error) {
	if opts.Config == nil {
		return nil, errors.New("api: Options.Config is required")
	}
	cfg := opts.Config
	s := &Server{
		mux:            http.NewServeMux(),
		routes:         map[string]string{},
		guard:          newGuard(cfg),
		log:            opts.Logger,
		registry:       opts.Registry,
		readiness:      opts.Readiness,
		defaultTimeout: cfg.HTTP.DefaultRequestTimeout,
		maxTimeout:     cfg.HTTP.MaxRequestTimeout,
		grace:          cfg.HTTP.ShutdownGracePeriod,
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.registry == nil {
		s.registry = NewRegistry()
	}
	if s.defaultTimeout <= 0 || s.maxTimeout < s.defaultTimeout {
		return nil, fmt.Errorf("api: request timeouts default %v, max %v are not usable", s.defaultTimeout, s.maxTimeout)
	}
	var err error
	if s.metrics, err = newHTTPMetrics(s.registry); err != nil {
		return nil, err
	}

	s.api = humago.New(&recordingMux{s}, s.humaConfig(opts.Version))
	s.api.UseMiddleware(s.authorize)
	s.registerBuiltins()

	swagger := v5emb.NewHandlerWithConfig(swgui.Config{
		Title:       "Pylon-Go",
		SwaggerJSON: "/schema/openapi.json",
		BasePath:    "/schema/swagger/",
		SettingsUI:  map[string]string{"persistAuthorization": "true"},
	})
	s.handle("GET /schema/swagger", swagger)
	s.handle("GET /schema/swagger/", swagger)

	s.handler = s.observe(s.deadline(http.HandlerFunc(s.dispatch)))
	return s, nil
}

// API returns the huma API, for registering operations with huma directly.
// Operations registered that way must set Metadata via Register; without an
// access kind they answer 500.
func (s *Server) API() huma.API { return s.api }

// Handler returns the server's root handler.
func (s *Server) Handler() http.Handler { return s.handler }

func (s *Server) humaConfig(version string) huma.Config {
	if version == "" {
		version = "dev"
	}
	c := huma.DefaultConfig("Pylon-Go", version)
	c.Info.Description = "A REST service that holds the Bittensor chain connection and validators' hotkeys, " +
		"serves subnet data from a cache and sets weights on the caller's behalf; compatible with Bittensor Pylon.\n\n" +
		"Every /api route needs `Authorization: Bearer <token>`. `X-Pylon-Timeout: <seconds>` bounds a request " +
		"(capped by the server; 504 when it passes). Errors are RFC 9457 problem details whose `detail` says what went wrong."
	// Pylon's models (pydantic) ignore unknown JSON fields, so a client newer
	// than the server still gets through; a struct can opt out with the
	// additionalProperties:"false" tag.
	c.AllowAdditionalPropertiesByDefault = true
	c.OpenAPIPath = "/schema/openapi"
	// The default docs page loads Stoplight Elements from a CDN; the embedded
	// Swagger UI replaces it so the docs work offline.
	c.DocsPath = ""
	c.SchemasPath = ""
	// Drop the $schema field and Link header huma adds to JSON bodies: Pylon's
	// bodies have neither.
	c.CreateHooks = nil
	c.Transformers = append(c.Transformers, completeProblem)
	c.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		schemeOpen: {Type: "http", Scheme: "bearer",
			Description: "PYLON_OPEN_ACCESS_TOKEN (any identity's token is accepted too). Seed format: AUTH_TOKEN."},
		schemeIdentity: {Type: "http", Scheme: "bearer",
			Description: "The identity's PYLON_ID_<NAME>_TOKEN. Seed format: AUTH_TOKEN."},
		schemeMetrics: {Type: "http", Scheme: "bearer",
			Description: "PYLON_METRICS_TOKEN. Seed format: AUTH_TOKEN."},
	}
	c.OnAddOperation = append(c.OnAddOperation, func(_ *huma.OpenAPI, op *huma.Operation) {
		if _, ok := op.Metadata[metaAccess].(Access); !ok {
			panic(fmt.Sprintf("api: operation %s %s has no access kind; register it with api.Register or a family helper", op.Method, op.Path))
		}
		// Validation failures are answered with 400 (see newProblem), so the
		// document should not promise 422.
		if r, ok := op.Responses["422"]; ok {
			delete(op.Responses, "422")
			if _, has := op.Responses["400"]; !has {
				op.Responses["400"] = r
			}
		}
	})
	return c
}

// recordingMux is the mux huma registers on; it records each pattern's route
// template for metrics and logs.
type recordingMux struct{ s *Server }

func (m *recordingMux) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	m.s.handle(pattern, http.HandlerFunc(h))
}

func (m *recordingMux) ServeHTTP(w http.ResponseWriter, r *http.Request) { m.s.mux.ServeHTTP(w, r) }

func (s *Server) handle(pattern string, h http.Handler) {
	route := pattern
	if _, path, ok := strings.Cut(pattern, " "); ok {
		route = path
	}
	s.routes[pattern] = route
	s.mux.Handle(pattern, h)
}

// Serve answers requests on ln until ctx is cancelled, then shuts down
// gracefully: it stops accepting connections, lets in-flight requests finish
// within the configured grace period, then closes what is left. It returns
// nil after a shutdown, whether or not the grace period ran out.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	// Requests must outlive ctx (the shutdown signal) during the grace
	// period; baseCtx is cancelled only when the grace period is over.
	baseCtx, cancelBase := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelBase()
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		BaseContext:       func(net.Listener) context.Context { return baseCtx },
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	if s.onShutdown != nil {
		srv.RegisterOnShutdown(s.onShutdown)
	}

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	s.log.Info("listening", slog.String("address", ln.Addr().String()))

	select {
	case err := <-served:
		return fmt.Errorf("api: serve: %w", err)
	case <-ctx.Done():
	}

	s.log.Info("shutting down: no new connections; waiting for in-flight requests", slog.Duration("grace_period", s.grace))
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.grace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		s.log.Warn("grace period over; cancelling and closing the remaining requests", slog.Any("error", err))
		cancelBase()
		_ = srv.Close()
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("api: serve: %w", err)
	}
	s.log.Info("stopped")
	return nil
}

// registerBuiltins adds the routes every deployment has.
func (s *Server) registerBuiltins() {
	Register(s, AccessPublic, huma.Operation{
		OperationID: "health", Method: http.MethodGet, Path: "/health", Tags: []string{"service"},
		Summary:     "Liveness",
		Description: "Answers 200 while the process serves HTTP. Used by container health checks; no token needed.",
	}, func(context.Context, *struct{}) (*healthOutput, error) {
		return &healthOutput{Body: pylon.HealthResponse{Status: "ok"}}, nil
	})

	Register(s, AccessPublic, huma.Operation{
		OperationID: "ready", Method: http.MethodGet, Path: "/ready", Tags: []string{"service"},
		Summary:     "Readiness",
		Description: "200 when the service can answer from fresh chain data; 503 with the reason otherwise. No token needed.",
		Errors:      []int{http.StatusServiceUnavailable},
	}, func(ctx context.Context, _ *struct{}) (*healthOutput, error) {
		err := ErrNoReadiness
		if s.readiness != nil {
			err = s.readiness.Ready(ctx)
		}
		if err != nil {
			return nil, huma.Error503ServiceUnavailable("not ready: " + err.Error())
		}
		return &healthOutput{Body: pylon.HealthResponse{Status: "ready"}}, nil
	})

	Register(s, AccessOpen, huma.Operation{
		OperationID: "identities", Method: http.MethodGet, Path: "/api/v1/identities", Tags: []string{"identities"},
		Summary:     "List identities",
		Description: "The configured identities and the netuid each serves. Clients read it to find their identity's netuid.",
	}, func(context.Context, *struct{}) (*identitiesOutput, error) {
		out := &identitiesOutput{Body: pylon.IdentitiesResponse{Identities: map[string]uint16{}}}
		for name, id := range s.guard.identities {
			out.Body.Identities[name] = id.Netuid
		}
		return out, nil
	})

	metrics := promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{
		ErrorLog:      slog.NewLogLogger(s.log.Handler(), slog.LevelError),
		ErrorHandling: promhttp.ContinueOnError,
	})
	Register(s, AccessMetrics, huma.Operation{
		OperationID: "metrics", Method: http.MethodGet, Path: "/metrics", Tags: []string{"service"},
		Summary:     "Prometheus metrics",
		Description: "Prometheus exposition format. Needs PYLON_METRICS_TOKEN; answers 403 when none is configured.",
		Responses: map[string]*huma.Response{"200": {
			Description: "Metrics in the Prometheus text format.",
			Content:     map[string]*huma.MediaType{"text/plain": {Schema: &huma.Schema{Type: huma.TypeString}}},
		}},
	}, func(context.Context, *struct{}) (*streamOutput, error) {
		return &streamOutput{Body: func(hctx huma.Context) {
			r, w := humago.Unwrap(hctx)
			metrics.ServeHTTP(w, r)
		}}, nil
	})
}

type healthOutput struct {
	Body pylon.HealthResponse
}

type identitiesOutput struct {
	Body pylon.IdentitiesResponse
}

type streamOutput struct {
	Body func(huma.Context)
}
