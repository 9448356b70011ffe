package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/pylon-go/pylon"
	"github.com/pylon-go/pylon/internal/api"
	"github.com/pylon-go/pylon/internal/config"
)

const (
	openToken    = "open-token-1234"
	metricsToken = "metrics-token-1234"
	sn1Token     = "sn1-token-1234"
	sn2Token     = "sn2-token-1234"
	seedToken    = "seed-auth-token"
)

func identitiesConfig() *config.Config {
	return &config.Config{
		Mode: config.ModeIdentities,
		Identities: []config.Identity{
			{Name: "sn1", WalletName: "w1", HotkeyName: "h1", Netuid: 1, Token: config.NewSecret(sn1Token)},
			{Name: "sn2", WalletName: "w2", HotkeyName: "h2", Netuid: 2, Token: config.NewSecret(sn2Token)},
		},
		OpenAccessToken: config.NewSecret(openToken),
		MetricsToken:    config.NewSecret(metricsToken),
		HTTP: config.HTTP{
			ListenAddress:         "127.0.0.1:0",
			DefaultRequestTimeout: 60 * time.Second,
			MaxRequestTimeout:     300 * time.Second,
			ShutdownGracePeriod:   30 * time.Second,
		},
	}
}

func seedConfig() *config.Config {
	cfg := identitiesConfig()
	cfg.Mode = config.ModeSeed
	cfg.Identities = []config.Identity{{Name: config.SeedIdentityName, WalletName: "w", HotkeyName: "h", Netuid: 12, Token: config.NewSecret(seedToken)}}
	cfg.OpenAccessToken = config.NewSecret(seedToken)
	cfg.MetricsToken = config.NewSecret(seedToken)
	return cfg
}

// echoBody is what the test routes answer: what the handler saw.
type echoBody struct {
	Identity string    `json:"identity"`
	Netuid   int       `json:"netuid"`
	Deadline time.Time `json:"deadline"`
}

type echoOutput struct{ Body echoBody }

func echo(ctx context.Context, _ *struct{}) (*echoOutput, error) {
	var out echoOutput
	if id, ok := api.IdentityFrom(ctx); ok {
		out.Body.Identity = id.Name
		out.Body.Netuid = int(id.Netuid)
	} else if n, ok := api.NetuidFrom(ctx); ok {
		out.Body.Netuid = int(n)
	} else {
		out.Body.Netuid = -1
	}
	out.Body.Deadline, _ = ctx.Deadline()
	return &out, nil
}

// newServer builds a server on cfg with one test route per family. logs
// receives its JSON log.
func newServer(t *testing.T, cfg *config.Config, opts ...func(*api.Options)) (*api.Server, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	o := api.Options{Config: cfg, Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})), Version: "test"}
	for _, f := range opts {
		f(&o)
	}
	s, err := api.New(o)
	if err != nil {
		t.Fatal(err)
	}
	get := func(id, path string) huma.Operation {
		return huma.Operation{OperationID: id, Summary: id, Method: http.MethodGet, Path: path}
	}
	api.RegisterSubnet(s, api.V1, get("echo-subnet", "/echo"), echo)
	api.RegisterSubnet(s, api.Unstable, get("echo-subnet", "/echo"), echo)
	api.RegisterIdentity(s, api.V1, get("echo-identity-only", "/own"), echo)
	api.RegisterBlock(s, api.V1, get("echo-block", "/block/echo"), echo)
	api.RegisterBlock(s, api.Unstable, get("echo-block", "/block/echo"), echo)
	api.RegisterSeed(s, get("echo-seed", "/seed/echo"), echo)
	return s, logs
}

// syncBuffer collects log output from concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) problem(t *testing.T) pylon.Problem {
	t.Helper()
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type %q, want application/problem+json (body %s)", ct, r.body)
	}
	var p pylon.Problem
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatalf("problem body %s: %v", r.body, err)
	}
	if p.Status != r.status || p.Detail == "" || p.Title == "" || p.RequestID != r.header.Get("X-Request-ID") {
		t.Errorf("problem %+v does not match status %d / request id %q", p, r.status, r.header.Get("X-Request-ID"))
	}
	return p
}

// do serves one request synchronously (the request log is written when it
// returns), with an optional bearer token and header pairs.
func do(t *testing.T, s *api.Server, method, target, token string, headers ...string) response {
	t.Helper()
	req := httptest.NewRequestWithContext(context.Background(), method, target, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	res := rec.Result()
	defer func() { _ = res.Body.Close() }()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, body: body}
}

func decode[T any](t *testing.T, r response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
	return v
}
