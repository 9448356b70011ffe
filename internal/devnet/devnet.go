package devnet

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/pylon-go/pylon/internal/sharedtest"
)

// Environment variables that point at the chain specs (DEVNET.md §2).
const (
	EnvChainSpec    = "DEVNET_CHAIN_SPEC"
	EnvChainSpec204 = "DEVNET_CHAIN_SPEC_204"
	// EnvKeep keeps the devnet's working directory (logs, wallets) after Stop when set to 1.
	EnvKeep = "DEVNET_KEEP"
)

// Errors of a missing tool; Start wraps them with the fix.
var (
	ErrNodeMissing        = errors.New("devnet: node (Node.js ≥ 20) is not on PATH")
	ErrNodeModulesMissing = errors.New("devnet: devnet/node_modules is missing")
	ErrStopped            = errors.New("devnet: stopped")
)

// BlockMode is Chopsticks' build-block-mode.
type BlockMode string

// Block modes.
const (
	// Manual builds blocks only on dev_newBlock (NewBlocks, ProduceBlocks).
	Manual BlockMode = "Manual"
	// Instant builds a block for every submitted extrinsic.
	Instant BlockMode = "Instant"
)

// Runtime selects the genesis chain spec.
type Runtime int

// Runtimes available as genesis.
const (
	// Spec218 is raonet.json, the default.
	Spec218 Runtime = iota
	// Spec204 is raonet-spec204.json, the starting point of the runtime-upgrade test.
	Spec204
)

// Config configures Start. The zero value starts spec 218 in Manual mode on a free port.
type Config struct {
	Runtime   Runtime
	ChainSpec string    // explicit genesis chain spec path; overrides Runtime
	BlockMode BlockMode // "" = Manual
	Port      int       // 0 = a free loopback port

	// UpgradeSpec is the chain spec whose runtime UpgradeRuntime installs ("" = the spec-218 file).
	UpgradeSpec string

	// RepoRoot is the project root holding devnet/ ("" = found from the working directory).
	RepoRoot string

	// Preload names extra scripts Node loads into Chopsticks before it starts (node --require), after
	// devnet/genesis-guard.cjs: test hooks that make Chopsticks misbehave on purpose. Relative paths
	// are taken from the test's working directory.
	Preload []string

	StartTimeout time.Duration // system_health wait, default 60 s
	Logger       *slog.Logger  // nil = discard
}

// Devnet is one running chain, its oracle, and the world bootstrapped on it.
type Devnet struct {
	// URL is the WebSocket endpoint (ws://127.0.0.1:port); HTTPURL the same port over HTTP.
	URL     string
	HTTPURL string
	Port    int
	// Dir is the working directory: chain spec copy, config, logs, wallets.
	Dir       string
	Mode      BlockMode
	ChainSpec string

	cfg       Config
	devnetDir string
	log       *slog.Logger
	cmd       *exec.Cmd
	exited    chan struct{} // closed when the Chopsticks process has exited
	exitErr   error
	oracle    *Oracle
	http      *http.Client
	rpcID     atomic.Int64
	world     *World
	worldMu   sync.Mutex
	stopOnce  sync.Once
	stopErr   error
	producers sync.WaitGroup
}

// Start starts a devnet in a fresh temporary directory and waits until it answers system_health,
// then starts its oracle.
func Start(ctx context.Context, cfg Config) (*Devnet, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.BlockMode == "" {
		cfg.BlockMode = Manual
	}
	if cfg.BlockMode != Manual && cfg.BlockMode != Instant {
		return nil, fmt.Errorf("devnet: unknown block mode %q", cfg.BlockMode)
	}
	if cfg.StartTimeout == 0 {
		cfg.StartTimeout = 60 * time.Second
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("%w: install Node.js 20 or later: %w", ErrNodeMissing, err)
	}
	root := cfg.RepoRoot
	if root == "" {
		if root, err = sharedtest.RepoRoot(); err != nil {
			return nil, fmt.Errorf("devnet: %w", err)
		}
	}
	devnetDir := filepath.Join(root, "devnet")
	chopsticks := filepath.Join(devnetDir, "node_modules", "@acala-network", "chopsticks", "chopsticks.cjs")
	if _, err := os.Stat(chopsticks); err != nil {
		return nil, fmt.Errorf("%w: run `npm ci --ignore-scripts --no-audit --no-fund` in %s (or `make devnet-deps`)", ErrNodeModulesMissing, devnetDir)
	}
	spec, err := chainSpecPath(cfg)
	if err != nil {
		return nil, err
	}

	dir, err := os.MkdirTemp("", "pylon-devnet-")
	if err != nil {
		return nil, fmt.Errorf("devnet: working directory: %w", err)
	}
	// Chopsticks rejects a symlinked genesis (DEVNET.md §9.8): copy it.
	for src, dst := range map[string]string{
		spec: "genesis.json",
		filepath.Join(devnetDir, "chopsticks.yml"):  "chopsticks.yml",
		filepath.Join(devnetDir, "dev-storage.yml"): "dev-storage.yml",
	} {
		if err := copyFile(src, filepath.Join(dir, dst)); err != nil {
			_ = os.RemoveAll(dir)
			return nil, fmt.Errorf("devnet: %w", err)
		}
	}

	d := &Devnet{
		Dir:       dir,
		Mode:      cfg.BlockMode,
		ChainSpec: spec,
		cfg:       cfg,
		devnetDir: devnetDir,
		log:       log,
		http:      &http.Client{Timeout: 5 * time.Minute},
	}
	start := time.Now()
	const attempts = 5
	for attempt := 1; ; attempt++ {
		port := cfg.Port
		if port == 0 {
			if port, err = freePort(ctx); err != nil {
				_ = os.RemoveAll(dir)
				return nil, err
			}
		}
		err = d.launch(ctx, node, chopsticks, port)
		if err == nil {
			break
		}
		// Another process may take the port between our probe and Chopsticks' listen: retry.
		if cfg.Port == 0 && attempt < attempts && strings.Contains(err.Error(), "EADDRINUSE") {
			log.Info("devnet port taken, retrying", "port", port)
			continue
		}
		_ = os.RemoveAll(dir)
		return nil, err
	}
	log.Info("devnet started", "url", d.URL, "pid", d.cmd.Process.Pid, "dir", dir, "elapsed", time.Since(start))

	o, err := startOracle(ctx, node, d)
	if err != nil {
		_ = d.Stop()
		return nil, err
	}
	d.oracle = o
	return d, nil
}

// StartT starts a devnet for one test and stops it in t.Cleanup; it fails the test on error.
func StartT(tb testing.TB, cfg Config) *Devnet {
	tb.Helper()
	d, err := Start(context.Background(), cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := d.Stop(); err != nil {
			tb.Errorf("devnet stop: %v", err)
		}
	})
	return d
}

// RunTests is the body of a TestMain: it starts a devnet, runs setup (e.g. Bootstrap), runs the
// tests and stops the devnet, also when setup panics. It returns the exit code for os.Exit.
func RunTests(m *testing.M, cfg Config, setup func(ctx context.Context, d *Devnet) error) int {
	return Main(cfg, setup, m.Run)
}

// Main is RunTests for a TestMain that wraps m.Run in something of its own (e.g. pgtest.Main): run
// runs the tests and returns their exit code.
func Main(cfg Config, setup func(ctx context.Context, d *Devnet) error, run func() int) (code int) {
	ctx := context.Background()
	d, err := Start(ctx, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() {
		if err := d.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}()
	if setup != nil {
		if err := setup(ctx, d); err != nil {
			fmt.Fprintf(os.Stderr, "devnet setup: %v\n", err)
			return 1
		}
	}
	return run()
}

func chainSpecPath(cfg Config) (string, error) {
	spec := cfg.ChainSpec
	if spec == "" {
		env, name := EnvChainSpec, "raonet.json"
		if cfg.Runtime == Spec204 {
			env, name = EnvChainSpec204, "raonet-spec204.json"
		}
		spec = os.Getenv(env)
		if spec == "" {
			dir, err := sharedtest.Dir()
			if err != nil {
				return "", fmt.Errorf("devnet: %w", err)
			}
			spec = filepath.Join(dir, "devnet", name)
		}
	}
	if _, err := os.Stat(spec); err != nil { //nolint:gosec // G703: the spec path is the test configuration's choice
		return "", fmt.Errorf("devnet: chain spec %s (set %s / %s): %w", spec, EnvChainSpec, EnvChainSpec204, err)
	}
	return spec, nil
}

func (d *Devnet) launch(ctx context.Context, node, chopsticks string, port int) error {
	logPath := filepath.Join(d.Dir, "chopsticks.log")
	logFile, err := os.Create(logPath) //nolint:gosec // G304: inside our own working directory
	if err != nil {
		return fmt.Errorf("devnet: %w", err)
	}
	defer logFile.Close() // the child holds its own descriptor
	// The guard keeps unknown block hashes unknown (devnet/genesis-guard.cjs explains why).
	args := []string{"--require", filepath.Join(d.devnetDir, "genesis-guard.cjs")}
	for _, p := range d.cfg.Preload {
		abs, err := filepath.Abs(p)
		if err != nil {
			return fmt.Errorf("devnet: preload %s: %w", p, err)
		}
		args = append(args, "--require", abs)
	}
	args = append(args,
		chopsticks,
		"-c", "chopsticks.yml",
		"--genesis", "genesis.json",
		"--port", strconv.Itoa(port),
		"--build-block-mode", string(d.Mode),
	)
	// The chain outlives the start context: Stop ends it.
	cmd := exec.CommandContext(context.WithoutCancel(ctx), node, args...) //nolint:gosec // G204: node with paths this package built
	cmd.Dir = d.Dir
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.SysProcAttr = childAttr()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("devnet: start chopsticks: %w", err)
	}
	exited := make(chan struct{})
	d.cmd, d.exited = cmd, exited
	go func() {
		d.exitErr = cmd.Wait()
		close(exited)
	}()
	d.setPort(port)

	ctx, cancel := context.WithTimeout(ctx, d.cfg.StartTimeout)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	listening := false
	for {
		select {
		case <-exited:
			return fmt.Errorf("devnet: chopsticks exited during start-up (%s); log %s:\n%s", exitStatus(d.exitErr), logPath, tail(logPath, 30))
		case <-ctx.Done():
			d.terminate()
			return fmt.Errorf("devnet: no system_health answer within %s: %w; log %s:\n%s", d.cfg.StartTimeout, ctx.Err(), logPath, tail(logPath, 30))
		case <-tick.C:
			if !listening {
				// Chopsticks silently moves to port+1…port+9 when the port is taken: read where it listens.
				actual, ok := listeningPort(logPath)
				if !ok {
					continue
				}
				listening = true
				if actual != port {
					if d.cfg.Port != 0 {
						d.terminate()
						return fmt.Errorf("devnet: port %d is in use (EADDRINUSE; Chopsticks moved to %d)", port, actual)
					}
					d.setPort(actual)
				}
			}
			pctx, pcancel := context.WithTimeout(ctx, time.Second)
			var health json.RawMessage
			err := d.RPC(pctx, "system_health", nil, &health)
			pcancel()
			if err == nil {
				return nil
			}
		}
	}
}

func (d *Devnet) setPort(port int) {
	d.Port = port
	d.URL = fmt.Sprintf("ws://127.0.0.1:%d", port)
	d.HTTPURL = fmt.Sprintf("http://127.0.0.1:%d", port)
}

var listeningRE = regexp.MustCompile(`RPC listening on http://127\.0\.0\.1:(\d+)`)

// listeningPort finds Chopsticks' "RPC listening on http://127.0.0.1:<port>" log line.
func listeningPort(logPath string) (int, bool) {
	b, err := os.ReadFile(logPath) //nolint:gosec // G304: our own log file
	if err != nil {
		return 0, false
	}
	m := listeningRE.FindSubmatch(b)
	if m == nil {
		return 0, false
	}
	port, err := strconv.Atoi(string(m[1]))
	return port, err == nil
}

// Stop stops the oracle and Chopsticks (SIGTERM, then SIGKILL after 10 s), waits for the exit so
// the port is free, and removes the working directory (kept when DEVNET_KEEP=1). Safe to call more
// than once.
func (d *Devnet) Stop() error {
	d.stopOnce.Do(func() {
		d.producers.Wait()
		if d.oracle != nil {
			if err := d.oracle.close(); err != nil {
				d.stopErr = err
			}
		}
		d.terminate()
		if os.Getenv(EnvKeep) != "1" {
			if err := os.RemoveAll(d.Dir); err != nil && d.stopErr == nil {
				d.stopErr = fmt.Errorf("devnet: %w", err)
			}
		}
		d.log.Info("devnet stopped", "url", d.URL)
	})
	return d.stopErr
}

func (d *Devnet) terminate() {
	if d.cmd == nil || d.cmd.Process == nil {
		return
	}
	select {
	case <-d.exited:
		return
	default:
	}
	_ = d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.exited:
	case <-time.After(10 * time.Second):
		_ = d.cmd.Process.Kill()
		<-d.exited
	}
}

// Alive reports whether the Chopsticks process is still running.
func (d *Devnet) Alive() bool {
	select {
	case <-d.exited:
		return false
	default:
		return true
	}
}

// PID is the Chopsticks process id.
func (d *Devnet) PID() int { return d.cmd.Process.Pid }

// Oracle is the devnet's polkadot-js reader.
func (d *Devnet) Oracle() *Oracle { return d.oracle }

// RPCError is a JSON-RPC error object (e.g. code 1010 with {"invalid":{"badProof":null}}).
type RPCError struct {
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data,omitempty"`
}

func (e *RPCError) Error() string {
	return fmt.Sprintf("json-rpc error %d: %s", e.Code, e.Message)
}

// RPC calls a JSON-RPC method over HTTP (dev_* and anything else) and decodes the result into
// result (nil = ignore). params nil means [].
func (d *Devnet) RPC(ctx context.Context, method string, params, result any) error {
	if params == nil {
		params = []any{}
	}
	body, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": d.rpcID.Add(1), "method": method, "params": params})
	if err != nil {
		return fmt.Errorf("devnet: %s: %w", method, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.HTTPURL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("devnet: %s: %w", method, err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := d.http.Do(req)
	if err != nil {
		return fmt.Errorf("devnet: %s: %w", method, err)
	}
	defer resp.Body.Close()
	var out struct {
		Result json.RawMessage `json:"result"`
		Error  *RPCError       `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return fmt.Errorf("devnet: %s: HTTP %d: %w", method, resp.StatusCode, err)
	}
	if out.Error != nil {
		return fmt.Errorf("devnet: %s: %w", method, out.Error)
	}
	if result != nil {
		if err := json.Unmarshal(out.Result, result); err != nil {
			return fmt.Errorf("devnet: %s result: %w", method, err)
		}
	}
	return nil
}

// NewBlocks builds n blocks (dev_newBlock) and returns the new head hash.
func (d *Devnet) NewBlocks(ctx context.Context, n int) (string, error) {
	if n < 1 {
		return "", fmt.Errorf("devnet: NewBlocks(%d): want n ≥ 1", n)
	}
	var hash string
	err := d.RPC(ctx, "dev_newBlock", []any{map[string]int{"count": n}}, &hash)
	return hash, err
}

// NewBlock builds one block and returns its hash.
func (d *Devnet) NewBlock(ctx context.Context) (string, error) { return d.NewBlocks(ctx, 1) }

// Head returns the number and hash of the best block.
func (d *Devnet) Head(ctx context.Context) (uint64, string, error) {
	var hash string
	if err := d.RPC(ctx, "chain_getBlockHash", nil, &hash); err != nil {
		return 0, "", err
	}
	var header struct {
		Number string `json:"number"`
	}
	if err := d.RPC(ctx, "chain_getHeader", []any{hash}, &header); err != nil {
		return 0, "", err
	}
	n, err := strconv.ParseUint(strings.TrimPrefix(header.Number, "0x"), 16, 64)
	if err != nil {
		return 0, "", fmt.Errorf("devnet: header number %q: %w", header.Number, err)
	}
	return n, hash, nil
}

// BlockHash returns the hash of block n ("" when there is none).
func (d *Devnet) BlockHash(ctx context.Context, n uint64) (string, error) {
	var hash *string
	if err := d.RPC(ctx, "chain_getBlockHash", []any{n}, &hash); err != nil {
		return "", err
	}
	if hash == nil {
		return "", nil
	}
	return *hash, nil
}

// ProduceBlocks builds a block every interval (≥ 50 ms; 0 = 200 ms) until the returned stop
// function is called; stop waits for the producer to finish. Errors are logged, not fatal: a block
// can fail while the chain is stopping.
func (d *Devnet) ProduceBlocks(interval time.Duration) (stop func()) {
	if interval == 0 {
		interval = 200 * time.Millisecond
	}
	interval = max(interval, 50*time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	d.producers.Add(1)
	go func() {
		defer d.producers.Done()
		defer close(done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if _, err := d.NewBlock(ctx); err != nil && ctx.Err() == nil {
					d.log.Warn("devnet block producer", "err", err)
				}
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			cancel()
			<-done
		})
	}
}

func freePort(ctx context.Context) (int, error) {
	var lc net.ListenConfig
	l, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("devnet: free port: %w", err)
	}
	addr, ok := l.Addr().(*net.TCPAddr)
	if err := l.Close(); err != nil {
		return 0, fmt.Errorf("devnet: free port: %w", err)
	}
	if !ok {
		return 0, fmt.Errorf("devnet: free port: unexpected address %v", l.Addr())
	}
	return addr.Port, nil
}

// exitStatus renders a process's Wait error ("exit status 1", "signal: killed"); nil is "exited".
func exitStatus(err error) string {
	if err == nil {
		return "exited"
	}
	return err.Error()
}

func copyFile(src, dst string) error {
	in, err := os.Open(src) //nolint:gosec // G304: spec and config files chosen by the test configuration
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst) //nolint:gosec // G304: inside our own working directory
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		_ = out.Close()
		return fmt.Errorf("copy %s: %w", src, err)
	}
	return out.Close()
}

// tail returns the last n lines of a log file (for error messages).
func tail(path string, n int) string {
	b, err := os.ReadFile(path) //nolint:gosec // G304: our own log files
	if err != nil {
		return fmt.Sprintf("(%v)", err)
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
