package pylon_test

import (
	"context"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pylon-go/pylon/internal/api"
	"github.com/pylon-go/pylon/internal/app"
	"github.com/pylon-go/pylon/internal/config"
	"github.com/pylon-go/pylon/internal/devnet"
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

// chainConfig is a configuration served against the devnet at chain (the
// devnet's URL, or a proxy in front of it), with the bootstrapped world's
// wallets; ids are the identities, each acting for a world neuron.
func chainConfig(t *testing.T, chain string, ids ...chainIdentity) *config.Config {
	t.Helper()
	cfg := serviceConfig(-1, -1)
	urls, err := config.ResolveNetwork(chain)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Chain = config.Chain{Endpoints: urls, ArchiveEndpoints: urls, ArchiveBlocksCutoff: 300, WalletPath: world.WalletDir, BlockDuration: 12 * time.Second}
	cfg.RecentObjects = config.RecentObjects{SoftLimitBlocks: 100, HardLimitBlocks: 150, RefreshLeadBlocks: 10}
	for i := range ids {
		id := &ids[i]
		cfg.Identities = append(cfg.Identities, config.Identity{Name: id.name, WalletName: id.neuron.Wallet, HotkeyName: id.neuron.HotkeyName,
			Netuid: id.netuid, Token: config.NewSecret(id.token)})
	}
	return cfg
}

// chainIdentity is an identity acting for a neuron of the world.
type chainIdentity struct {
	name, token string
	netuid      uint16
	neuron      devnet.Neuron
}
