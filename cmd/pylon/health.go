package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/pylon-go/pylon/internal/config"
)

// health checks a running service's /health. The container image uses it as
// its HEALTHCHECK, since the image has no shell, curl or wget.
func health(ctx context.Context, args, env []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("health", flag.ContinueOnError)
	fs.SetOutput(stderr)
	url := fs.String("url", "", "the /health URL (default: derived from PYLON_LISTEN_ADDRESS)")
	timeout := fs.Duration("timeout", 5*time.Second, "how long to wait for the answer")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: pylon health [-url URL] [-timeout 5s]\n\nExits 0 when /health answers 200, 1 otherwise.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return flagExit(err)
	}
	target := *url
	if target == "" {
		target = "http://" + localAddress(env) + "/health"
	}

	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, http.NoBody)
	if err != nil {
		fmt.Fprintf(stderr, "pylon health: %v\n", err)
		return exitUsage
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintf(stderr, "pylon health: %v\n", err)
		return exitFailure
	}
	defer func() { _ = resp.Body.Close() }()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "pylon health: %s answered %s\n", target, resp.Status)
		return exitFailure
	}
	fmt.Fprintf(stdout, "ok: %s\n", target)
	return exitOK
}

// localAddress is where a service configured by env listens, as reachable
// from the same host: a wildcard host becomes the loopback address.
func localAddress(env []string) string {
	addr := "0.0.0.0:8000"
	if cfg, err := config.Load(env); err == nil {
		addr = cfg.HTTP.ListenAddress
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	return net.JoinHostPort(host, port)
}
