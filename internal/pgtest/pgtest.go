// Package pgtest gives tests a real PostgreSQL without Docker: one throwaway
// cluster per test package, started from the machine's PostgreSQL server
// binaries, and a fresh database per test (DEPENDENCIES.md §5).
//
// Use it from the package's TestMain, so the cluster is stopped and removed when
// the tests end:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
//
//	func TestSomething(t *testing.T) {
//		url := pgtest.NewDatabase(t) // postgres://postgres@127.0.0.1:<port>/<db>?sslmode=disable
//		…
//	}
//
// The cluster starts on the first NewDatabase call, so packages whose selected
// tests need no database pay nothing. A test is skipped — never silently passed
// — only when initdb is not installed; every other failure fails it.
//
// If the test binary dies without reaching the end of Main (a panicking test, a
// -timeout, SIGKILL), a small watchdog process, which holds the read end of a
// pipe from the test process, sees the pipe close and stops and removes the
// cluster.
package pgtest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
)

// RequiredEnv names the environment variable that, when set to anything,
// turns the skip for a missing PostgreSQL installation into a failure: CI
// sets it.
const RequiredEnv = "PYLON_PGTEST_REQUIRED"

// errNotInstalled marks the one condition that skips instead of failing
// (unless RequiredEnv is set).
var errNotInstalled = errors.New("pgtest: initdb not found (install the PostgreSQL server binaries; DEPENDENCIES.md §5)")

var (
	mainActive atomic.Bool
	mu         sync.Mutex
	current    *Cluster
	errStart   error // from the one Start attempt
	dbCounter  atomic.Int64
)

// Main runs the tests, then stops and removes the cluster if one was started.
// It returns m.Run's exit code for os.Exit.
func Main(m *testing.M) (code int) {
	mainActive.Store(true)
	defer func() {
		mu.Lock()
		defer mu.Unlock()
		if current != nil {
			if err := current.Stop(); err != nil {
				fmt.Fprintln(os.Stderr, err)
				if code == 0 {
					code = 1
				}
			}
			current = nil
		}
	}()
	return m.Run()
}

// NewDatabase creates an empty database in the package's cluster, starting the
// cluster on first use, and returns its URL. The database is dropped when the
// test ends. It skips the test when initdb is not installed, or fails it when
// RequiredEnv is set.
func NewDatabase(tb testing.TB) string {
	tb.Helper()
	if !mainActive.Load() {
		tb.Fatal("pgtest: call pgtest.Main from TestMain, or the cluster would outlive the tests")
	}
	c, err := shared(tb)
	if errors.Is(err, errNotInstalled) {
		// CI installs the server, so a skip there would hide a whole suite.
		if os.Getenv(RequiredEnv) != "" {
			tb.Fatalf("%v (%s is set)", err, RequiredEnv)
		}
		tb.Skip(err)
	}
	if err != nil {
		tb.Fatal(err)
	}
	name := fmt.Sprintf("t%d_%s", dbCounter.Add(1), sanitise(tb.Name()))
	if len(name) > 63 {
		name = name[:63]
	}
	ctx := context.Background()
	if _, err := c.admin.ExecContext(ctx, "CREATE DATABASE "+quoteIdent(name)); err != nil {
		tb.Fatalf("pgtest: create database %s: %v", name, err)
	}
	tb.Cleanup(func() {
		// FORCE ends connections a test forgot to close.
		if _, err := c.admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+quoteIdent(name)+" WITH (FORCE)"); err != nil {
			tb.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	return c.URL(name)
}

func shared(tb testing.TB) (*Cluster, error) {
	mu.Lock()
	defer mu.Unlock()
	if current == nil && errStart == nil {
		t0 := time.Now()
		current, errStart = Start()
		if errStart == nil {
			tb.Logf("pgtest: cluster in %s on 127.0.0.1:%d started in %v", current.Dir, current.Port, time.Since(t0).Round(time.Millisecond))
		}
	}
	return current, errStart
}

// Cluster is a running throwaway PostgreSQL cluster.
type Cluster struct {
	// Dir holds the data directory, the Unix socket and the server log.
	Dir string
	// Port is the TCP port on 127.0.0.1.
	Port int

	pgctl    string
	asRoot   bool
	admin    *sql.DB
	watchdog *exec.Cmd
	wdPipe   *os.File
	stopOnce sync.Once
	stopErr  error
}

// Start initialises and starts a cluster (DEPENDENCIES.md §5): a short
// directory under /tmp (the Unix socket path is limited to 107 bytes), owned by
// the postgres user when running as root, a free loopback port, initdb with
// trust authentication, pg_ctl start. Stop it with Stop.
func Start() (*Cluster, error) {
	initdb, err := findBinary("initdb")
	if err != nil {
		return nil, errNotInstalled
	}
	pgctl, err := findBinary("pg_ctl")
	if err != nil {
		return nil, fmt.Errorf("pgtest: initdb found but not pg_ctl: %w", err)
	}
	dir, err := os.MkdirTemp("/tmp", "pg")
	if err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	c := &Cluster{Dir: dir, pgctl: pgctl, asRoot: os.Geteuid() == 0}
	fail := func(err error) (*Cluster, error) {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	if c.asRoot {
		// initdb refuses to run as root: run the server tools as postgres, in a
		// directory postgres owns (not t.TempDir(), whose parent is root's 0700).
		u, err := user.Lookup("postgres")
		if err != nil {
			return fail(fmt.Errorf("pgtest: running as root needs the postgres user: %w", err))
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			return fail(fmt.Errorf("pgtest: %w", err))
		}
	}
	data := filepath.Join(dir, "data")
	if out, err := c.command(initdb, "-D", data, "-A", "trust", "-U", "postgres").CombinedOutput(); err != nil {
		return fail(fmt.Errorf("pgtest: initdb: %w\n%s", err, out))
	}
	// A port picked this way can be taken by someone else before the server
	// binds it; try a few.
	var startOut []byte
	for range 3 {
		if c.Port, err = freePort(); err != nil {
			return fail(err)
		}
		opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1", c.Port, dir)
		startOut, err = c.command(pgctl, "-D", data, "-o", opts, "-l", filepath.Join(dir, "log"), "-w", "start").CombinedOutput()
		if err == nil {
			break
		}
	}
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "log")) //nolint:gosec // G304: the server log in the directory made above.
		return fail(fmt.Errorf("pgtest: pg_ctl start: %w\n%s\n%s", err, startOut, log))
	}
	if err := c.startWatchdog(); err != nil {
		_ = c.stopServer()
		return fail(err)
	}
	c.admin, err = sql.Open("pgx", c.URL("postgres"))
	if err == nil {
		err = c.admin.PingContext(context.Background())
	}
	if err != nil {
		_ = c.Stop()
		return nil, fmt.Errorf("pgtest: connect: %w", err)
	}
	return c, nil
}

// URL is the connection URL of a database in the cluster.
func (c *Cluster) URL(database string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.Port, database)
}

// Stop stops the server and removes its directory. It is safe to call twice.
func (c *Cluster) Stop() error {
	c.stopOnce.Do(func() {
		if c.admin != nil {
			_ = c.admin.Close()
		}
		c.stopErr = c.stopServer()
		if err := os.RemoveAll(c.Dir); err != nil && c.stopErr == nil {
			c.stopErr = fmt.Errorf("pgtest: %w", err)
		}
		if c.wdPipe != nil {
			// Tell the watchdog that everything is cleaned up, then reap it.
			_, _ = c.wdPipe.WriteString("done\n")
			_ = c.wdPipe.Close()
			_ = c.watchdog.Wait()
		}
	})
	return c.stopErr
}

func (c *Cluster) stopArgs() []string {
	return []string{"-D", filepath.Join(c.Dir, "data"), "-m", "fast", "-w", "stop"}
}

func (c *Cluster) stopServer() error {
	if out, err := c.command(c.pgctl, c.stopArgs()...).CombinedOutput(); err != nil {
		return fmt.Errorf("pgtest: pg_ctl stop: %w\n%s", err, out)
	}
	return nil
}

// startWatchdog starts `sh` reading one line from a pipe whose write end only
// this process holds. A line means "cleaned up, exit"; end of file means the
// test process died, so the shell stops the server and removes the directory.
// It runs in its own process group, so a Ctrl-C aimed at the tests does not kill
// it before it has cleaned up.
func (c *Cluster) startWatchdog() error {
	stop := shellQuote(append(c.argv(c.pgctl), c.stopArgs()...))
	script := "read -r _ && exit 0; " + stop + " >/dev/null 2>&1; rm -rf " + shellQuote([]string{c.Dir})
	r, w, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("pgtest: watchdog: %w", err)
	}
	cmd := exec.Command("/bin/sh", "-c", script) //nolint:gosec,noctx // G204: our own script, its paths shell-quoted; it must outlive any context.
	cmd.Stdin = r
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		_ = r.Close()
		_ = w.Close()
		return fmt.Errorf("pgtest: watchdog: %w", err)
	}
	_ = r.Close()
	c.watchdog, c.wdPipe = cmd, w
	return nil
}

// argv is the command line for a server tool: as root through runuser, so the
// tools run as the postgres user.
func (c *Cluster) argv(path string) []string {
	if c.asRoot {
		return []string{runuser(), "-u", "postgres", "--", path}
	}
	return []string{path}
}

func (c *Cluster) command(path string, args ...string) *exec.Cmd {
	argv := append(c.argv(path), args...)
	cmd := exec.CommandContext(context.Background(), argv[0], argv[1:]...) //nolint:gosec // G204: the PostgreSQL server tools findBinary found.
	cmd.Dir = c.Dir                                                        // a directory the postgres user can enter
	return cmd
}

func runuser() string {
	if p, err := exec.LookPath("runuser"); err == nil {
		return p
	}
	for _, p := range []string{"/usr/sbin/runuser", "/sbin/runuser"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return "runuser"
}

// findBinary looks on PATH, then in `pg_config --bindir`.
func findBinary(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	out, err := exec.CommandContext(context.Background(), "pg_config", "--bindir").Output()
	if err != nil {
		return "", fmt.Errorf("pgtest: %s not on PATH and no pg_config: %w", name, err)
	}
	p := filepath.Join(strings.TrimSpace(string(out)), name)
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("pgtest: %w", err)
	}
	return p, nil
}

func freePort() (int, error) {
	var lc net.ListenConfig
	l, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pgtest: free port: %w", err)
	}
	defer func() { _ = l.Close() }()
	addr, ok := l.Addr().(*net.TCPAddr)
	if !ok {
		return 0, fmt.Errorf("pgtest: free port: %v is not a TCP address", l.Addr())
	}
	return addr.Port, nil
}

var unsafeChars = regexp.MustCompile(`[^a-z0-9_]+`)

func sanitise(s string) string { return unsafeChars.ReplaceAllString(strings.ToLower(s), "_") }

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func shellQuote(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return strings.Join(q, " ")
}
