package app_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/pylon-go/pylon"
	"github.com/pylon-go/pylon/internal/api"
	"github.com/pylon-go/pylon/internal/app"
	"github.com/pylon-go/pylon/internal/config"
)

func testConfig() *config.Config {
	return &config.Config{
		Identities:      []config.Identity{{Name: "sn1", WalletName: "w", HotkeyName: "h", Netuid: 1, Token: config.NewSecret("sn1-token")}},
		OpenAccessToken: config.NewSecret("open-token"),
		HTTP: config.HTTP{
			ListenAddress:         "127.0.0.1:0",
			DefaultRequestTimeout: time.Minute,
			MaxRequestTimeout:     5 * time.Minute,
			ShutdownGracePeriod:   5 * time.Second,
		},
	}
}

func TestNewRequiresConfig(t *testing.T) {
	if _, err := app.New(context.Background(), nil, app.Options{}); err == nil {
		t.Fatal("New(nil config) succeeded")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := app.New(ctx, testConfig(), app.Options{}); err == nil {
		t.Fatal("New with a cancelled context succeeded")
	}
}

// TestLifecycle builds the service, serves it on a loopback listener with an
// extra route, and shuts it down by cancelling Serve's context.
func TestLifecycle(t *testing.T) {
	type out struct{ Body pylon.HealthResponse }
	a, err := app.New(context.Background(), testConfig(), app.Options{
		Version: "test",
		Routes: func(s *api.Server) {
			api.RegisterBlock(s, api.V1, huma.Operation{
				OperationID: "extra", Summary: "extra", Method: http.MethodGet, Path: "/block/extra",
			}, func(context.Context, *struct{}) (*out, error) {
				return &out{Body: pylon.HealthResponse{Status: "extra"}}, nil
			})
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if a.Config().OpenAccessToken.Value() != "open-token" || a.Registry() == nil || a.Handler() == nil {
		t.Fatal("accessors do not return what the app was built with")
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- a.Serve(ctx, ln) }()

	base := "http://" + ln.Addr().String()
	for path, want := range map[string]string{"/health": `{"status":"ok"}`, "/api/v1/block/extra": `{"status":"extra"}`} {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, base+path, http.NoBody)
		req.Header.Set("Authorization", "Bearer open-token")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		_ = res.Body.Close()
		if res.StatusCode != http.StatusOK || strings.TrimSpace(string(body)) != want {
			t.Errorf("GET %s: %d %s, want %s", path, res.StatusCode, body, want)
		}
	}

	cancel()
	if err := <-served; err != nil {
		t.Errorf("Serve after cancel: %v", err)
	}
	if err := a.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := a.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}
