package api_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/pylon-go/pylon/internal/api"
)

// TestGracefulShutdown starts a real server, holds a request in flight,
// signals shutdown, checks that new connections are refused, then lets the
// request finish: it completes with 200 and Serve returns nil.
func TestGracefulShutdown(t *testing.T) {
	s, _ := newServer(t, identitiesConfig())
	entered := make(chan struct{})
	release := make(chan struct{})
	api.RegisterBlock(s, api.V1, huma.Operation{OperationID: "slow", Summary: "slow", Method: http.MethodGet, Path: "/block/slow"},
		func(ctx context.Context, _ *struct{}) (*echoOutput, error) {
			close(entered)
			select {
			case <-release:
				return &echoOutput{Body: echoBody{Identity: "finished"}}, nil
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		})
	listenerClosed := make(chan struct{})
	api.SetOnShutdown(s, func() { close(listenerClosed) })

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln) }()

	// The in-flight request.
	type result struct {
		status int
		body   string
		err    error
	}
	inflight := make(chan result, 1)
	go func() {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, "http://"+addr+"/api/v1/block/slow", http.NoBody)
		req.Header.Set("Authorization", "Bearer "+openToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			inflight <- result{err: err}
			return
		}
		defer func() { _ = resp.Body.Close() }()
		b, err := io.ReadAll(resp.Body)
		inflight <- result{status: resp.StatusCode, body: string(b), err: err}
	}()
	<-entered

	stop() // as SIGTERM would
	<-listenerClosed

	// New connections are refused while the request is still running.
	var d net.Dialer
	if conn, err := d.DialContext(context.Background(), "tcp", addr); err == nil {
		_ = conn.Close()
		t.Errorf("a new connection was accepted during shutdown")
	}
	select {
	case err := <-served:
		t.Fatalf("Serve returned (%v) before the in-flight request finished", err)
	default:
	}

	close(release)
	res := <-inflight
	if res.err != nil || res.status != http.StatusOK || !strings.Contains(res.body, `"identity":"finished"`) {
		t.Errorf("in-flight request: %d %q %v", res.status, res.body, res.err)
	}
	if err := <-served; err != nil {
		t.Errorf("Serve: %v", err)
	}
}

// TestShutdownGraceExpires cancels a request that outlives the grace period
// and still returns cleanly.
func TestShutdownGraceExpires(t *testing.T) {
	cfg := identitiesConfig()
	cfg.HTTP.ShutdownGracePeriod = 0
	s, _ := newServer(t, cfg)
	entered := make(chan struct{})
	cancelled := make(chan error, 1)
	api.RegisterBlock(s, api.V1, huma.Operation{OperationID: "forever", Summary: "forever", Method: http.MethodGet, Path: "/block/forever"},
		func(ctx context.Context, _ *struct{}) (*echoOutput, error) {
			close(entered)
			<-ctx.Done()
			cancelled <- ctx.Err()
			return nil, ctx.Err()
		})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln) }()

	clientDone := make(chan struct{})
	go func() {
		defer close(clientDone)
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, "http://"+ln.Addr().String()+"/api/v1/block/forever", http.NoBody)
		req.Header.Set("Authorization", "Bearer "+openToken)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			_ = resp.Body.Close()
		}
	}()
	<-entered
	stop()
	if err := <-served; err != nil {
		t.Errorf("Serve: %v", err)
	}
	if err := <-cancelled; err == nil {
		t.Errorf("the handler's context was not cancelled after the grace period")
	}
	<-clientDone
}
