// Package app assembles the whole Pylon-Go service from a validated
// configuration: the logger and metrics registry it is given, and the parts
// built from the configuration: the chain client (main node, and the archive
// node dialled on first use), the subtensor reads with archive routing, the
// read service with its cache and head-driven prefetch, the identities'
// hotkeys, the weights job store and runner, the certificate writer, and the
// HTTP server with every route.
//
// The pylon binary (cmd/pylon serve) and the in-process test server
// (pylontest.NewServer) both build the service through New, so what tests
// run is what operators run.
//
// Lifecycle: New builds and connects everything that must exist before the
// first request; Serve answers requests (and runs background work) until its
// context is cancelled, then shuts down gracefully; Close releases what New
// acquired. Close is safe to call whether or not Serve ran.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/singleflight"

	"github.com/pylon-go/pylon/internal/api"
	"github.com/pylon-go/pylon/internal/chain"
	"github.com/pylon-go/pylon/internal/chain/extrinsic"
	"github.com/pylon-go/pylon/internal/config"
	"github.com/pylon-go/pylon/internal/keys"
	"github.com/pylon-go/pylon/internal/service"
	"github.com/pylon-go/pylon/internal/store"
	"github.com/pylon-go/pylon/internal/subtensor"
	"github.com/pylon-go/pylon/internal/weights/jobs"
)

// Options are what the caller supplies besides the configuration.
type Options struct {
	// Logger receives every component's log; nil discards.
	Logger *slog.Logger
	// Registry is where every component registers its metrics and what
	// /metrics serves; nil means a fresh api.NewRegistry().
	Registry *prometheus.Registry
	// Version is the build's version, shown in the OpenAPI document.
	Version string
	// Routes, if set, registers extra operations on the HTTP server before it
	// serves. Tests use it to stand in an endpoint whose real implementation
	// does not exist yet; production wiring registers its routes in New.
	Routes func(*api.Server)
}

// App is one assembled service.
type App struct {
	cfg      *config.Config
	log      *slog.Logger
	registry *prometheus.Registry
	http     *api.Server
	reads    *service.Reads
	store    store.Store
	weights  *jobs.Service
	certs    *service.Certificates
	// reconnect: New could not reach the chain; Serve keeps trying.
	reconnect bool

	mu     sync.Mutex
	chain  *chain.Client // nil without a chain (yet)
	closed bool
	// submitterMetrics: the submitter's metrics are registered.
	submitterMetrics bool

	// closers release what New acquired, in reverse order of acquisition.
	closers   []func() error
	closeOnce sync.Once
	closeErr  error
}

// New builds the service described by cfg. ctx bounds the start-up work
// (connecting to the chain, opening the job store); it is not retained.
//
// The parts, in order, each adding its Close to a.closers:
//
//   - the chain client, dialled from cfg.Chain.Endpoints, whose head freshness
//     backs /ready; the archive network gets its own client, dialled on its
//     first read, unless it is the same endpoint list. When no endpoint
//     answers, New does not fail: the service starts, reads answer 503 and
//     /ready says why, and Serve keeps trying to connect (a node that is down
//     for a while must not keep the service from starting, or crash it);
//   - the subtensor reads with archive routing, and the read service (cache,
//     prefetch of cfg.CachedNetuids, recent neurons) on top of them, whose
//     routes the HTTP server registers;
//   - every identity's hotkey, loaded (and decrypted with its password) when
//     there is a chain to sign for: a missing or unreadable keyfile is a
//     *config.Error naming the identity, its variable and the file, as for
//     invalid settings (the binary exits with status 2);
//   - the job store: PostgreSQL when cfg.Database.URL is set, else the SQLite
//     file cfg.Database.Path (a configuration built by hand without either
//     gets a file in a temporary directory, removed by Close);
//   - the weights jobs service (internal/weights/jobs), whose runner Serve
//     starts beside the HTTP server and stops with it, and the certificate
//     writer, both signing through the process's one extrinsic submitter;
//     while the chain is not reached yet they answer 503, and the runner
//     resumes the stored jobs once it is.
//
// A configuration without chain endpoints (built by hand, or by
// pylontest.NewServer without WithChainEndpoint) builds the service without
// a chain: every route exists, reads and writes answer 503 and /ready says
// why.
func New(ctx context.Context, cfg *config.Config, opts Options) (*App, error) {
	if cfg == nil {
		return nil, errors.New("app: configuration is required")
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("app: %w", err)
	}
	a := &App{cfg: cfg, log: opts.Logger, registry: opts.Registry}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if a.registry == nil {
		a.registry = api.NewRegistry()
	}

	var (
		st         *subtensor.Client
		connectErr error
		signers    map[string]*keys.Keypair
	)
	if len(cfg.Chain.Endpoints) > 0 {
		var err error
		if signers, err = loadHotkeys(ctx, cfg, a.log); err != nil {
			return nil, errors.Join(err, a.Close())
		}
		if st, connectErr = a.connect(ctx); connectErr != nil {
			a.log.Warn("cannot connect to the chain yet; serving without it and retrying", "err", connectErr)
		}
	}
	if err := a.openStore(ctx); err != nil {
		return nil, errors.Join(err, a.Close())
	}
	var ids []jobs.Identity
	for _, id := range cfg.Identities {
		if kp := signers[id.Name]; kp != nil {
			ids = append(ids, jobs.Identity{Name: id.Name, Netuid: id.Netuid, Hotkey: kp})
		}
	}
	ws, err := jobs.New(jobs.Options{
		Store: a.store, Chain: st, Identities: ids,
		RetryAttempts: cfg.Weights.Attempts, RetryDelay: cfg.Weights.Delay, MinVersionKey: cfg.Weights.MinVersionKey,
		BlockTime: cfg.Chain.BlockDuration, Logger: a.log, Registerer: a.registry,
	})
	if err != nil {
		return nil, errors.Join(fmt.Errorf("app: weights jobs: %w", err), a.Close())
	}
	a.weights = ws
	a.certs = service.NewCertificates(st, signers, a.log)
	if connectErr != nil {
		ws.Connecting(connectErr)
		a.certs.Connecting(connectErr)
	}
	reads, err := service.NewReads(st, service.Options{
		Netuids:         cfg.CachedNetuids(),
		SoftLimitBlocks: uint64(max(cfg.RecentObjects.SoftLimitBlocks, 0)),
		HardLimitBlocks: uint64(max(cfg.RecentObjects.HardLimitBlocks, 0)),
		Identities:      service.NewIdentities(cfg.Chain.WalletPath),
		Logger:          a.log,
		Registerer:      a.registry,
	})
	if err != nil {
		return nil, errors.Join(fmt.Errorf("app: read service: %w", err), a.Close())
	}
	a.reads = reads
	if connectErr != nil {
		reads.Connecting(connectErr)
		a.reconnect = true
	}

	srv, err := api.New(api.Options{Config: cfg, Logger: a.log, Registry: a.registry, Version: opts.Version, Readiness: reads})
	if err != nil {
		return nil, errors.Join(fmt.Errorf("app: HTTP server: %w", err), a.Close())
	}
	a.http = srv
	api.RegisterReads(srv, reads)
	api.RegisterWrites(srv, ws, a.certs)

	// The service's own routes are registered above this line. Routes runs
	// last, so a test's stand-in finds the real route when there is one and
	// can say so (instead of a duplicate-pattern panic).
	if opts.Routes != nil {
		opts.Routes(srv)
	}
	return a, nil
}

// connect dials the main chain client and builds the subtensor reads with
// archive routing.
func (a *App) connect(ctx context.Context) (*subtensor.Client, error) {
	cfg := a.cfg
	main, err := chain.Dial(ctx, nodeURLs(cfg.Chain.Endpoints), chain.Options{
		Logger: a.log.With("network", "main"), Registerer: a.registry, BlockTime: cfg.Chain.BlockDuration,
	})
	if err != nil {
		return nil, fmt.Errorf("connecting to the chain: %w", err)
	}
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		_ = main.Close()
		return nil, chain.ErrClosed
	}
	a.chain = main
	a.closers = append(a.closers, main.Close)
	a.mu.Unlock()

	var archive func(ctx context.Context) (*chain.Client, error)
	if len(cfg.Chain.ArchiveEndpoints) > 0 && !slices.Equal(cfg.Chain.ArchiveEndpoints, cfg.Chain.Endpoints) {
		d := &archiveDialer{urls: nodeURLs(cfg.Chain.ArchiveEndpoints), opts: chain.Options{
			// The archive client's metrics would collide with the main
			// client's series; the pylon_bittensor_* metrics cover its use.
			Logger: a.log.With("network", "archive"), BlockTime: cfg.Chain.BlockDuration,
		}}
		archive = d.get
		a.mu.Lock()
		a.closers = append(a.closers, d.close)
		a.mu.Unlock()
	}
	// One submitter for the process: it owns the signers' nonces.
	sub, err := a.submitterFor(main)
	if err != nil {
		return nil, err
	}
	st, err := subtensor.New(main, subtensor.Options{
		Archive:       archive,
		ArchiveCutoff: uint64(max(cfg.Chain.ArchiveBlocksCutoff, 0)),
		Logger:        a.log,
		Registerer:    a.registry,
		Submitter:     sub,
	})
	if err != nil {
		return nil, fmt.Errorf("app: %w", err)
	}
	return st, nil
}

// keepConnecting retries the chain connection New could not make, with a
// capped exponential backoff, until it succeeds (and the read service gets
// its chain) or ctx ends.
func (a *App) keepConnecting(ctx context.Context) {
	wait := time.Second
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		st, err := a.connect(ctx)
		if err == nil {
			a.log.Info("connected to the chain")
			a.reads.Attach(st)
			a.weights.Attach(st)
			a.certs.Attach(st)
			return
		}
		if ctx.Err() != nil {
			return
		}
		a.reads.Connecting(err)
		a.weights.Connecting(err)
		a.certs.Connecting(err)
		a.log.Warn("cannot connect to the chain; retrying", "err", err, "in", wait)
		wait = min(2*wait, 30*time.Second)
	}
}

// submitterFor builds the process's extrinsic submitter over the main
// client, registering its metrics once (a reconnection builds another over
// the new client).
func (a *App) submitterFor(main *chain.Client) (*extrinsic.Submitter, error) {
	a.mu.Lock()
	reg := a.registry
	if a.submitterMetrics {
		reg = nil
	}
	a.submitterMetrics = true
	a.mu.Unlock()
	sub, err := extrinsic.NewSubmitter(main, extrinsic.Options{CustomErrorNames: subtensor.PoolErrorNames, Logger: a.log, Registerer: reg})
	if err != nil {
		return nil, fmt.Errorf("app: submitter: %w", err)
	}
	return sub, nil
}

// loadHotkeys loads every identity's hotkey: signing is local, so the
// service holds the keys of all its identities. Every identity is tried, and
// every failure is reported at once, naming the identity's variable and the
// file; passwords and keys never appear.
func loadHotkeys(ctx context.Context, cfg *config.Config, log *slog.Logger) (map[string]*keys.Keypair, error) {
	out := make(map[string]*keys.Keypair, len(cfg.Identities))
	var problems []config.Problem
	for _, id := range cfg.Identities {
		opts := keys.LoadOptions{Logger: log}
		if id.HotkeyPassword.IsSet() {
			opts.Password = keys.StaticPassword([]byte(id.HotkeyPassword.Value()))
		}
		kp, err := keys.LoadHotkey(ctx, cfg.Chain.WalletPath, id.WalletName, id.HotkeyName, opts)
		if err != nil {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("app: loading hotkeys: %w", ctx.Err())
			}
			msg := fmt.Sprintf("identity %s: cannot load its hotkey: %v", id.Name, err)
			if path, perr := keys.HotkeyPath(cfg.Chain.WalletPath, id.WalletName, id.HotkeyName); perr == nil && !strings.Contains(msg, path) {
				msg += " (file " + path + ")"
			}
			problems = append(problems, config.Problem{Variable: hotkeyVariable(cfg, id), Message: msg})
			continue
		}
		out[id.Name] = kp
		log.Info("hotkey loaded", slog.String("identity", id.Name), slog.String("hotkey", kp.SS58()))
	}
	if len(problems) > 0 {
		return nil, &config.Error{Problems: problems}
	}
	return out, nil
}

// hotkeyVariable names the setting that chose an identity's hotkey file.
func hotkeyVariable(cfg *config.Config, id config.Identity) string {
	if cfg.Mode == config.ModeSeed {
		return "BITTENSOR_WALLET_HOTKEY_NAME"
	}
	return "PYLON_ID_" + strings.ToUpper(id.Name) + "_HOTKEY_NAME"
}

// openStore opens the job store the configuration names.
func (a *App) openStore(ctx context.Context) error {
	target := a.cfg.Database.Path
	switch {
	case a.cfg.Database.URL.IsSet():
		target = a.cfg.Database.URL.Value()
	case target == "":
		dir, err := os.MkdirTemp("", "pylon-jobs-")
		if err != nil {
			return fmt.Errorf("app: job store: %w", err)
		}
		a.addCloser(func() error { return os.RemoveAll(dir) })
		target = filepath.Join(dir, "pylon.db")
	}
	st, err := store.Open(ctx, target, store.WithLogger(a.log))
	if err != nil {
		// The URL may carry a password: the store's error names the
		// database kind and the cause, not the URL.
		return fmt.Errorf("app: opening the job store: %w", err)
	}
	a.store = st
	a.addCloser(st.Close)
	return nil
}

func (a *App) addCloser(f func() error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.closers = append(a.closers, f)
}

func nodeURLs(us []config.NodeURL) []string {
	out := make([]string, len(us))
	for i, u := range us {
		out[i] = u.Value()
	}
	return out
}

// archiveDialer connects to the archive network on its first use, so that a
// service whose reads never reach back that far never opens the connection,
// and an archive node that is down does not stop the service from starting.
// A failed dial is retried by the next read.
type archiveDialer struct {
	urls  []string
	opts  chain.Options
	group singleflight.Group

	mu     sync.Mutex
	client *chain.Client
	closed bool
}

func (d *archiveDialer) get(ctx context.Context) (*chain.Client, error) {
	d.mu.Lock()
	c, closed := d.client, d.closed
	d.mu.Unlock()
	switch {
	case closed:
		return nil, chain.ErrClosed
	case c != nil:
		return c, nil
	}
	ch := d.group.DoChan("dial", func() (any, error) {
		d.mu.Lock()
		if d.client != nil {
			defer d.mu.Unlock()
			return d.client, nil
		}
		d.mu.Unlock()
		// The dial outlives the read that started it: others may be waiting.
		c, err := chain.Dial(context.WithoutCancel(ctx), d.urls, d.opts)
		if err != nil {
			return nil, err
		}
		d.mu.Lock()
		defer d.mu.Unlock()
		if d.closed {
			_ = c.Close()
			return nil, chain.ErrClosed
		}
		d.client = c
		return c, nil
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return nil, r.Err
		}
		c, _ := r.Val.(*chain.Client)
		return c, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (d *archiveDialer) close() error {
	d.mu.Lock()
	c := d.client
	d.client, d.closed = nil, true
	d.mu.Unlock()
	if c != nil {
		return c.Close()
	}
	return nil
}

// Config returns the configuration the service was built from.
func (a *App) Config() *config.Config { return a.cfg }

// Registry returns the metrics registry /metrics serves.
func (a *App) Registry() *prometheus.Registry { return a.registry }

// Chain returns the main chain client, or nil when the service was built
// without a chain endpoint. Tests use it to count the chain calls a request
// caused (Chain().RPC().CallCount).
func (a *App) Chain() *chain.Client {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.chain
}

// Weights returns the weights jobs service.
func (a *App) Weights() *jobs.Service { return a.weights }

// Store returns the job store.
func (a *App) Store() store.Store { return a.store }

// Reads returns the read service (cache, prefetch, recent neurons).
func (a *App) Reads() *service.Reads { return a.reads }

// Handler returns the service's HTTP handler, for serving it some other way
// than Serve (httptest, a custom http.Server).
func (a *App) Handler() http.Handler { return a.http.Handler() }

// Serve answers requests on ln until ctx is cancelled, then shuts down
// gracefully (in-flight requests get the configured grace period) and
// returns nil. It returns an error if serving fails for another reason. The
// listener is closed when Serve returns.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	// Background work runs beside the HTTP server under the same ctx: the
	// read service follows the head and prefetches, the weights runner runs
	// the jobs. Serve waits for both before returning; a job cut short
	// resumes at the next start.
	bg, stopBG := context.WithCancel(ctx)
	var wg sync.WaitGroup
	if a.reconnect {
		wg.Go(func() { a.keepConnecting(bg) })
	}
	wg.Go(func() {
		if err := a.reads.Run(bg); err != nil {
			a.log.Error("read service stopped", "err", err)
		}
	})
	wg.Go(func() {
		if err := a.weights.Run(bg); err != nil {
			a.log.Error("weights runner stopped", "err", err)
		}
	})
	err := a.http.Serve(ctx, ln)
	stopBG()
	wg.Wait()
	if err != nil {
		return fmt.Errorf("app: %w", err)
	}
	return nil
}

// Close releases everything New acquired. It is idempotent and returns the
// first call's result on every call.
func (a *App) Close() error {
	a.closeOnce.Do(func() {
		a.mu.Lock()
		a.closed = true
		closers := a.closers
		a.mu.Unlock()
		var errs []error
		for i := len(closers) - 1; i >= 0; i-- {
			if err := closers[i](); err != nil {
				errs = append(errs, err)
			}
		}
		a.closeErr = errors.Join(errs...)
	})
	return a.closeErr
}
