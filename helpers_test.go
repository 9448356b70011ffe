package pylon_test

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/pylon-go/pylon"
	"github.com/pylon-go/pylon/internal/api"
	"github.com/pylon-go/pylon/internal/app"
	"github.com/pylon-go/pylon/internal/config"
)

// Tokens of the services the tests build by hand.
const (
	openToken = "open-token-0123"
	sn1Token  = "sn1-token-0123"
	sn2Token  = "sn2-token-0123"
)

// serviceConfig is a configuration with identities sn1 and sn2 on the given
// netuids (an identity with netuid < 0 is left out).
func serviceConfig(sn1, sn2 int) *config.Config {
	cfg := &config.Config{
		OpenAccessToken: config.NewSecret(openToken),
		HTTP: config.HTTP{
			ListenAddress:         "127.0.0.1:0",
			DefaultRequestTimeout: time.Minute,
			MaxRequestTimeout:     5 * time.Minute,
			ShutdownGracePeriod:   5 * time.Second,
		},
	}
	if sn1 >= 0 {
		cfg.Identities = append(cfg.Identities, config.Identity{Name: "sn1", WalletName: "w1", HotkeyName: "h1", Netuid: uint16(sn1), Token: config.NewSecret(sn1Token)})
	}
	if sn2 >= 0 {
		cfg.Identities = append(cfg.Identities, config.Identity{Name: "sn2", WalletName: "w2", HotkeyName: "h2", Netuid: uint16(sn2), Token: config.NewSecret(sn2Token)})
	}
	return cfg
}

// service is the real service (internal/app, as the binary builds it)
// serving on a loopback address, with stand-in routes for endpoints that
// are not built yet.
type service struct {
	URL  string
	addr string
	stop func()
}

// startService serves cfg on addr ("127.0.0.1:0" for any port) and stops it
// at the end of the test, or earlier with stop.
func startService(t *testing.T, cfg *config.Config, addr string, routes ...func(*api.Server)) *service {
	t.Helper()
	a, err := app.New(context.Background(), cfg, app.Options{Version: "test", Routes: func(s *api.Server) {
		for _, r := range routes {
			r(s)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(context.Background(), "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- a.Serve(ctx, ln) }()
	var stopped atomic.Bool
	svc := &service{URL: "http://" + ln.Addr().String(), addr: ln.Addr().String()}
	svc.stop = func() {
		if stopped.Swap(true) {
			return
		}
		cancel()
		if err := <-served; err != nil {
			t.Errorf("service: %v", err)
		}
		if err := a.Close(); err != nil {
			t.Errorf("service close: %v", err)
		}
	}
	t.Cleanup(svc.stop)
	return svc
}

// standIn registers a stand-in for a documented endpoint that the service
// does not offer yet, so that client behaviour which needs the endpoint to
// exist (308 re-discovery, 502 and 504 answers, freshness headers) is tested
// against the real HTTP surface. register is the api family helper call.
//
// When the real endpoint lands, the stand-in conflicts with it: the test
// then fails here, saying to test the client against the real endpoint
// instead.
func standIn(t *testing.T, path string, register func(*api.Server)) func(*api.Server) {
	t.Helper()
	return func(s *api.Server) {
		if s.API().OpenAPI().Paths[path] != nil {
			t.Fatalf("%s is served for real now: replace this stand-in with a test against the real endpoint", path)
		}
		register(s)
	}
}

func op(id, method, path string) huma.Operation {
	return huma.Operation{OperationID: id, Summary: id, Method: method, Path: path}
}

type certificateOutput struct{ Body pylon.Certificate }

// ownCertificateStandIn answers GET …/block/latest/certificates/self with a
// certificate whose public key is the netuid the request was routed to, and
// counts its calls.
func ownCertificateStandIn(t *testing.T, calls *atomic.Int32) func(*api.Server) {
	return standIn(t, "/api/v1/identity/{identity_name}/subnet/{netuid}/block/latest/certificates/self", func(s *api.Server) {
		api.RegisterIdentity(s, api.V1, op("stand-in-own-certificate", http.MethodGet, "/block/latest/certificates/self"),
			func(ctx context.Context, _ *struct{}) (*certificateOutput, error) {
				calls.Add(1)
				n, _ := api.NetuidFrom(ctx)
				id, _ := api.IdentityFrom(ctx)
				return &certificateOutput{Body: pylon.Certificate{Algorithm: pylon.CertificateAlgorithmEd25519, PublicKey: id.Name + "@" + strconv.Itoa(int(n))}}, nil
			})
	})
}
