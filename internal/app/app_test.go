package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
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

// TestReadRoutesDocumented: the read routes are in the OpenAPI document with
// their JSON models, 304 and the freshness headers, even without a chain;
// the seed paths exist only in the seed format.
func TestReadRoutesDocumented(t *testing.T) {
	a, err := app.New(context.Background(), testConfig(), app.Options{Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	req := httptest.NewRequestWithContext(context.Background(), http.MethodGet, "/schema/openapi.json", http.NoBody)
	rec := httptest.NewRecorder()
	a.Handler().ServeHTTP(rec, req)
	var doc struct {
		Paths map[string]map[string]struct {
			Responses map[string]struct {
				Headers map[string]any `json:"headers"`
				Content map[string]struct {
					Schema struct {
						Ref string `json:"$ref"`
					} `json:"schema"`
				} `json:"content"`
			} `json:"responses"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatalf("%d: %v", rec.Code, err)
	}
	for path, model := range map[string]string{
		"/api/v1/block/latest":                                                            "BlockInfo",
		"/api/v1/block/{block_number}":                                                    "BlockInfo",
		"/api/v1/subnet/{netuid}/block/latest/neurons":                                    "SubnetNeurons",
		"/api/v1/subnet/{netuid}/block/{block_number}/neurons":                            "SubnetNeurons",
		"/api/v1/subnet/{netuid}/block/recent/neurons":                                    "SubnetNeurons",
		"/api/v1/identity/{identity_name}/subnet/{netuid}/block/latest/validators":        "SubnetValidators",
		"/api/v1/subnet/{netuid}/block/{block_number}/hyperparameters":                    "Hyperparameters",
		"/api/_unstable/openaccess/subnet/{netuid}/block/latest/certificates/{hotkey}":    "Certificate",
		"/api/v1/identity/{identity_name}/subnet/{netuid}/block/latest/certificates/self": "Certificate",
		"/api/v1/subnet/{netuid}/neurons/{block_number}":                                  "SubnetNeurons",
		"/api/v1/identity/{identity_name}/subnet/{netuid}/certificates/self":              "Certificate",
	} {
		op, ok := doc.Paths[path]["get"]
		if !ok {
			t.Errorf("GET %s is not documented", path)
			continue
		}
		ok200 := op.Responses["200"]
		if ref := ok200.Content["application/json"].Schema.Ref; !strings.HasSuffix(ref, "/"+model) {
			t.Errorf("GET %s: 200 schema %q, want %s", path, ref, model)
		}
		if _, ok := op.Responses["304"]; !ok || ok200.Headers["ETag"] == nil || ok200.Headers["X-Pylon-Block-Number"] == nil {
			t.Errorf("GET %s: 304 or the ETag and freshness headers are not documented", path)
		}
	}
	if _, ok := doc.Paths["/api/v1/certificates"]; ok {
		t.Error("a seed path is served outside the seed format")
	}
}
