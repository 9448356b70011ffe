package pylontest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/pylon-go/pylon"
	"github.com/pylon-go/pylon/internal/app"
	"github.com/pylon-go/pylon/internal/config"
)

// Identity is one identity of a test server.
type Identity struct {
	Name   string
	Netuid uint16
	Token  string
}

// Server is a Pylon-Go service running in the test process (see NewServer
// and StartServer).
type Server struct {
	// URL is the service's base URL, http://127.0.0.1:<port>.
	URL string
	// OpenAccessToken and MetricsToken are the service's tokens.
	OpenAccessToken string
	MetricsToken    string
	// Identities are the configured identities, in the order given.
	Identities []Identity
	// Client is a client of the service with the open-access token and, when
	// the server has identities, the first one's name and token. It uses
	// pylon.NoRetry, so a test sees each failure as it happens.
	Client *pylon.Client

	stop      context.CancelFunc
	served    chan error
	app       *app.App
	dir       string
	mu        sync.Mutex
	clients   []*pylon.Client
	closeOnce sync.Once
	closeErr  error
}

// Option configures NewServer and StartServer.
type Option func(*serverOptions)

type serverOptions struct {
	identities []Identity
	open       *string
	metrics    *string
	env        [][2]string
	logger     *slog.Logger
}

// WithIdentity adds an identity serving netuid, with a random token (see
// Server.Identities).
func WithIdentity(name string, netuid uint16) Option {
	return WithIdentityToken(name, netuid, "")
}

// WithIdentityToken adds an identity with the given token ("" means random).
func WithIdentityToken(name string, netuid uint16, token string) Option {
	return func(o *serverOptions) {
		o.identities = append(o.identities, Identity{Name: name, Netuid: netuid, Token: token})
	}
}

// WithOpenAccessToken sets the open-access token ("" means none: open-access
// routes then take only identity tokens). By default it is random.
func WithOpenAccessToken(token string) Option { return func(o *serverOptions) { o.open = &token } }

// WithMetricsToken sets the metrics token ("" disables /metrics). By default
// it is random.
func WithMetricsToken(token string) Option { return func(o *serverOptions) { o.metrics = &token } }

// WithChainEndpoint points the service at a chain node, e.g. the devnet's
// ws://127.0.0.1:<port> URL, for both the main and the archive network (one
// connection serves both). The service connects when it starts and fails to
// start if the node does not answer. With a chain it also loads every
// identity's hotkey to sign with, so point the identities at real keyfiles:
// WithSetting("PYLON_BITTENSOR_WALLET_PATH", dir) and the identity's
// PYLON_ID_{NAME}_WALLET_NAME / _HOTKEY_NAME. Weights jobs go to a SQLite
// file in the server's temporary directory. Without this option (or a
// PYLON_BITTENSOR_NETWORK setting) the service runs without a chain: every
// route exists, reads and writes answer 503 and /ready says why.
func WithChainEndpoint(url string) Option {
	return func(o *serverOptions) {
		WithSetting("PYLON_BITTENSOR_NETWORK", url)(o)
		WithSetting("PYLON_BITTENSOR_ARCHIVE_NETWORK", url)(o)
	}
}

// WithSetting sets any PYLON_* variable, as an operator would in the
// environment; it is validated like every other setting.
func WithSetting(key, value string) Option {
	return func(o *serverOptions) { o.env = append(o.env, [2]string{key, value}) }
}

// WithLogger sends the service's log to l (by default it is discarded).
func WithLogger(l *slog.Logger) Option { return func(o *serverOptions) { o.logger = l } }

// NewServer starts a Pylon-Go service on a loopback port, built from
// PYLON_* settings by the same code as the pylon binary (internal/app), and
// stops it when the test ends. Like httptest.NewServer it is ready when it
// returns. A configuration the service rejects fails the test, listing every
// problem.
//
// Settings the options do not give get test-friendly defaults: random
// tokens, a wallet path and database inside a temporary directory, a 5 s
// shutdown grace period, no .env file, and no chain connection unless
// WithChainEndpoint (or WithSetting of PYLON_BITTENSOR_NETWORK) names one.
func NewServer(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	s, err := StartServer(opts...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("pylontest: %v", err)
		}
	})
	return s
}

// StartServer is NewServer for code without a testing.TB (examples,
// programs): the caller stops the service with Close.
func StartServer(opts ...Option) (*Server, error) {
	o := serverOptions{}
	for _, f := range opts {
		f(&o)
	}
	dir, err := os.MkdirTemp("", "pylontest-")
	if err != nil {
		return nil, fmt.Errorf("pylontest: %w", err)
	}
	s := &Server{dir: dir, served: make(chan error, 1)}
	if err := s.start(o); err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	return s, nil
}

func (s *Server) start(o serverOptions) error {
	s.OpenAccessToken = valueOr(o.open, randomToken("open"))
	s.MetricsToken = valueOr(o.metrics, randomToken("metrics"))
	envFile := filepath.Join(s.dir, "pylontest.env")
	if err := os.WriteFile(envFile, nil, 0o600); err != nil {
		return fmt.Errorf("pylontest: %w", err)
	}
	env := []string{
		"HOME=" + s.dir,
		"PYLON_ENV_FILE=" + envFile,
		"PYLON_LISTEN_ADDRESS=127.0.0.1:0",
		"PYLON_BITTENSOR_WALLET_PATH=" + filepath.Join(s.dir, "wallets"),
		"PYLON_DATABASE_PATH=" + filepath.Join(s.dir, "pylon.db"),
		"PYLON_SHUTDOWN_GRACE_PERIOD_SECONDS=5",
		"PYLON_OPEN_ACCESS_TOKEN=" + s.OpenAccessToken,
		"PYLON_METRICS_TOKEN=" + s.MetricsToken,
	}
	names := make([]string, 0, len(o.identities))
	for _, id := range o.identities {
		if id.Token == "" {
			id.Token = randomToken(id.Name)
		}
		s.Identities = append(s.Identities, id)
		names = append(names, strconv.Quote(id.Name))
		p := "PYLON_ID_" + strings.ToUpper(id.Name) + "_"
		env = append(env,
			p+"WALLET_NAME=pylontest", p+"HOTKEY_NAME="+id.Name,
			p+"NETUID="+strconv.Itoa(int(id.Netuid)), p+"TOKEN="+id.Token)
	}
	env = append(env, "PYLON_IDENTITIES=["+strings.Join(names, ",")+"]")
	for _, kv := range o.env {
		env = append(env, kv[0]+"="+kv[1])
	}

	cfg, err := config.Load(env)
	if err != nil {
		return fmt.Errorf("pylontest: %w", err)
	}
	if !slices.ContainsFunc(o.env, func(kv [2]string) bool { return kv[0] == "PYLON_BITTENSOR_NETWORK" }) {
		// The network defaults to finney; a test server must not dial out
		// unless asked to.
		cfg.Chain.Endpoints, cfg.Chain.ArchiveEndpoints = nil, nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.New(ctx, cfg, app.Options{Logger: o.logger, Version: "pylontest"})
	if err != nil {
		cancel()
		return fmt.Errorf("pylontest: %w", err)
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", cfg.HTTP.ListenAddress)
	if err != nil {
		cancel()
		return errors.Join(fmt.Errorf("pylontest: %w", err), a.Close())
	}
	s.app, s.stop = a, cancel
	s.URL = "http://" + ln.Addr().String()
	go func() { s.served <- a.Serve(ctx, ln) }()

	cc := pylon.Config{Address: s.URL, OpenAccessToken: s.OpenAccessToken, Retry: pylon.NoRetry}
	if len(s.Identities) > 0 {
		cc.IdentityName, cc.IdentityToken = s.Identities[0].Name, s.Identities[0].Token
	}
	if s.Client, err = s.NewClient(cc); err != nil {
		return errors.Join(err, s.Close())
	}
	return nil
}

// NewClient returns a client of the server built from cfg, with Address set
// to the server's URL. The server closes it when it stops.
func (s *Server) NewClient(cfg pylon.Config) (*pylon.Client, error) {
	cfg.Address = s.URL
	c, err := pylon.NewClient(cfg)
	if err != nil {
		return nil, fmt.Errorf("pylontest: %w", err)
	}
	s.mu.Lock()
	s.clients = append(s.clients, c)
	s.mu.Unlock()
	return c, nil
}

// Identity returns the identity with the given name.
func (s *Server) Identity(name string) (Identity, bool) {
	for _, id := range s.Identities {
		if id.Name == name {
			return id, true
		}
	}
	return Identity{}, false
}

// Close closes the server's clients, shuts the service down (in-flight
// requests get the grace period) and removes its temporary files. It
// returns an error if the service failed; later calls return the same.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		clients := s.clients
		s.mu.Unlock()
		for _, c := range clients {
			_ = c.Close()
		}
		var errs []error
		if s.stop != nil {
			s.stop()
			if err := <-s.served; err != nil {
				errs = append(errs, fmt.Errorf("pylontest: the service failed: %w", err))
			}
			if err := s.app.Close(); err != nil {
				errs = append(errs, fmt.Errorf("pylontest: closing the service: %w", err))
			}
		}
		if err := os.RemoveAll(s.dir); err != nil {
			errs = append(errs, fmt.Errorf("pylontest: %w", err))
		}
		s.closeErr = errors.Join(errs...)
	})
	return s.closeErr
}

func valueOr(p *string, def string) string {
	if p != nil {
		return *p
	}
	return def
}

// randomToken returns a fresh token with a readable prefix, so a token seen
// in a failing test's output says what it is for.
func randomToken(prefix string) string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return fmt.Sprintf("%s-%s", prefix, hex.EncodeToString(b[:]))
}
