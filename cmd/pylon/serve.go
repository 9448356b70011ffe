package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pylon-go/pylon/internal/api"
	"github.com/pylon-go/pylon/internal/app"
	"github.com/pylon-go/pylon/internal/config"
)

func serve(ctx context.Context, args, env []string, _, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: pylon serve\n\n"+
			"Runs the service until SIGINT or SIGTERM. Settings come from PYLON_* environment variables and the\n"+
			".env file named by PYLON_ENV_FILE (default ./.env); see deploy/env.template. An invalid configuration\n"+
			"exits with status 2 listing every problem.")
	}
	if err := fs.Parse(args); err != nil {
		return flagExit(err)
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return exitUsage
	}

	cfg, err := config.Load(env)
	if err != nil {
		// Printed plainly, before any logger exists: this is the message an
		// operator reads when the container does not come up.
		fmt.Fprintf(stderr, "pylon: %v\n", err)
		return exitUsage
	}
	logOut := newLogWriter(stderr, 100*time.Millisecond)
	defer logOut.Close()
	log := newLogger(cfg, logOut)
	build := currentBuild()
	log.Info("starting pylon",
		slog.String("version", build.Version), slog.String("commit", build.Commit), slog.String("built", build.Date))
	log.Info("configuration", slog.Any("settings", cfg))
	for _, w := range cfg.Warnings {
		log.Warn(w)
	}
	if len(cfg.Ignored) > 0 {
		log.Info("these settings are accepted for compatibility with Pylon and have no effect", slog.Any("variables", cfg.Ignored))
	}

	reg := api.NewRegistry()
	reg.MustRegister(buildInfoMetric(build))
	svc, err := app.New(ctx, cfg, app.Options{Logger: log, Registry: reg, Version: build.Version})
	if errors.Is(err, config.ErrInvalid) {
		// Settings that name something unusable (a hotkey file that is
		// missing or cannot be decrypted): the operator's fix, as for invalid
		// settings.
		fmt.Fprintf(stderr, "pylon: %v\n", err)
		return exitUsage
	}
	if err != nil {
		log.Error("cannot build the service", slog.Any("error", err))
		return exitFailure
	}
	defer func() {
		if err := svc.Close(); err != nil {
			log.Error("cannot release the service's resources", slog.Any("error", err))
		}
	}()

	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", cfg.HTTP.ListenAddress)
	if err != nil {
		log.Error("cannot listen", slog.String("address", cfg.HTTP.ListenAddress), slog.Any("error", err))
		return exitFailure
	}
	if err := svc.Serve(ctx, ln); err != nil {
		log.Error("server failed", slog.Any("error", err))
		return exitFailure
	}
	return exitOK
}

// newLogger builds the process logger from the log settings. Every line
// carries the service name and the deployment environment.
func newLogger(cfg *config.Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.Log.Level}
	var h slog.Handler
	if cfg.Log.Format == "json" {
		h = slog.NewJSONHandler(w, opts)
	} else {
		h = slog.NewTextHandler(w, opts)
	}
	return slog.New(h).With(slog.String("service", "pylon"), slog.String("environment", cfg.Environment))
}

// buildInfoMetric exports the build as pylon_build_info{version,commit} 1, so
// dashboards can tell deployments apart.
func buildInfoMetric(b buildInfo) prometheus.Collector {
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "pylon_build_info",
		Help:        "The running build: always 1, labelled with version, commit and Go version.",
		ConstLabels: prometheus.Labels{"version": b.Version, "commit": b.Commit, "goversion": b.Go},
	})
	g.Set(1)
	return g
}

// flagExit maps a flag parsing error to an exit code: -h is not a failure.
func flagExit(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	return exitUsage
}
