package pylon

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// ServiceOptions configure StartService.
type ServiceOptions struct {
	// Binary is the pylon executable; "" means "pylon" from PATH.
	Binary string
	// Image, when set, runs the service with "docker run" of this image
	// instead of the binary, provided docker is available (Docker, or
	// "docker" on PATH). Without docker, Binary is used if it is set;
	// otherwise StartService fails.
	Image string
	// Docker is the docker executable; "" means "docker" from PATH.
	Docker string
	// Address is the host:port the service listens on; "" means 127.0.0.1
	// with a free port.
	Address string
	// EnvFile is a .env file with the service's PYLON_* settings, given to
	// it as PYLON_ENV_FILE (mounted read-only into the container). Without
	// one the service reads ./.env in Dir, if there is one.
	EnvFile string
	// Env holds extra KEY=VALUE settings; they win over EnvFile's (and, for
	// the binary, over the inherited environment).
	Env []string
	// Dir is the binary's working directory; "" means the current one.
	Dir string
	// Logs receives the service's standard output and error; nil discards
	// them. The last few kilobytes are kept either way, to explain a failed
	// start.
	Logs io.Writer
	// StartTimeout bounds the wait for GET /health to answer 200; 0 means
	// 30 s. The context given to StartService can end the wait sooner.
	StartTimeout time.Duration
	// StopTimeout is how long Close waits after SIGTERM before killing the
	// process; 0 means 10 s.
	StopTimeout time.Duration
}

// ServiceManager runs a Pylon-Go service as a child process, for scripts
// and tests: the pylon binary, or a container of a Pylon-Go image via
// "docker run" (Pylon's PylonDockerManager, generalised). StartService
// returns once /health answers; Close stops the process.
type ServiceManager struct {
	url       string
	cmd       *exec.Cmd
	container string // docker mode: the container's name
	docker    string
	stopAfter time.Duration
	tail      *tailBuffer

	exited  chan struct{}
	waitErr error

	closeOnce sync.Once
	closeErr  error
}

// StartService starts the service and waits until GET /health answers 200.
// If the process exits first, or the wait times out, the error carries the
// end of the service's output (which names any configuration problem) and
// the process is stopped.
func StartService(ctx context.Context, opts ServiceOptions) (*ServiceManager, error) {
	addr := opts.Address
	if addr == "" {
		var err error
		if addr, err = freeLoopbackAddress(ctx); err != nil {
			return nil, fmt.Errorf("pylon: service: %w", err)
		}
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, misconfigured(fmt.Sprintf("ServiceOptions.Address %q is not host:port", addr))
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}

	m := &ServiceManager{
		url:       "http://" + net.JoinHostPort(host, port),
		stopAfter: opts.StopTimeout,
		tail:      &tailBuffer{max: 16 << 10},
		exited:    make(chan struct{}),
	}
	if m.stopAfter <= 0 {
		m.stopAfter = 10 * time.Second
	}
	docker := ""
	if opts.Image != "" {
		docker = opts.Docker
		if docker == "" {
			docker = "docker"
		}
		if path, err := exec.LookPath(docker); err == nil {
			docker = path
		} else if opts.Binary == "" {
			return nil, fmt.Errorf("pylon: service: image %q given but docker is not available: %w", opts.Image, err)
		} else {
			docker = ""
		}
	}

	var name string
	var args, env []string
	if docker != "" {
		m.docker, m.container = docker, "pylon-go-"+randomHex(6)
		name, args, err = dockerCommand(opts, docker, m.container, addr)
	} else {
		name, args, env, err = binaryCommand(opts, addr)
	}
	if err != nil {
		return nil, err
	}
	// The child is not tied to ctx: ctx bounds the start, and the process
	// lives until Close.
	m.cmd = exec.Command(name, args...) //nolint:gosec,noctx // Runs the pylon binary or docker the caller chose; Close stops it.
	m.cmd.Env = env
	m.cmd.Dir = opts.Dir
	var out io.Writer = m.tail
	if opts.Logs != nil {
		out = io.MultiWriter(opts.Logs, m.tail)
	}
	m.cmd.Stdout, m.cmd.Stderr = out, out
	if err := m.cmd.Start(); err != nil {
		return nil, fmt.Errorf("pylon: service: start %s: %w", name, err)
	}
	go func() {
		m.waitErr = m.cmd.Wait()
		close(m.exited)
	}()

	if err := m.waitHealthy(ctx, opts.StartTimeout); err != nil {
		return nil, errors.Join(err, m.Close())
	}
	return m, nil
}

// URL is the service's base URL, e.g. http://127.0.0.1:8000.
func (m *ServiceManager) URL() string { return m.url }

// PID is the process id of the child (the binary, or "docker run").
func (m *ServiceManager) PID() int { return m.cmd.Process.Pid }

// Logs returns the last few kilobytes of the service's output.
func (m *ServiceManager) Logs() string { return m.tail.String() }

// NewClient returns a client of the service built from cfg, with Address
// set to the service's URL.
func (m *ServiceManager) NewClient(cfg Config) (*Client, error) {
	cfg.Address = m.url
	return NewClient(cfg)
}

// Close stops the service: SIGTERM to the process (the service finishes
// in-flight requests and exits), then, if it has not exited within
// StopTimeout, SIGKILL (and "docker kill" of the container). It returns an
// error if the service exited with a failure or had to be killed. Close is
// idempotent.
func (m *ServiceManager) Close() error {
	m.closeOnce.Do(func() { m.closeErr = m.stop() })
	return m.closeErr
}

func (m *ServiceManager) stop() error {
	select {
	case <-m.exited:
		return m.exitError()
	default:
	}
	if err := m.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		_ = m.cmd.Process.Kill() // no SIGTERM on this platform
	}
	timer := time.NewTimer(m.stopAfter)
	defer timer.Stop()
	select {
	case <-m.exited:
		return m.exitError()
	case <-timer.C:
	}
	if m.container != "" {
		kill := exec.Command(m.docker, "kill", m.container) //nolint:gosec,noctx // The container this manager started, by the name it gave it.
		_ = kill.Run()
	}
	_ = m.cmd.Process.Kill()
	<-m.exited
	return fmt.Errorf("pylon: service did not stop within %v of SIGTERM and was killed", m.stopAfter)
}

func (m *ServiceManager) exitError() error {
	if m.waitErr == nil {
		return nil
	}
	return fmt.Errorf("pylon: service exited: %w\n%s", m.waitErr, m.tail.String())
}

// waitHealthy polls /health until it answers 200, the process exits, or the
// start timeout or ctx ends.
func (m *ServiceManager) waitHealthy(ctx context.Context, timeout time.Duration) error {
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	hc := &http.Client{Timeout: time.Second}
	delay := 20 * time.Millisecond
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.url+"/health", http.NoBody)
		if err != nil {
			return fmt.Errorf("pylon: service: %w", err)
		}
		if res, err := hc.Do(req); err == nil {
			_, _ = io.Copy(io.Discard, res.Body)
			_ = res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		t := time.NewTimer(delay)
		select {
		case <-m.exited:
			t.Stop()
			return fmt.Errorf("pylon: service exited before answering /health (%w):\n%s", m.waitErr, m.tail.String())
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("pylon: service did not answer %s/health within %v: %w\n%s", m.url, timeout, ctx.Err(), m.tail.String())
		case <-t.C:
		}
		delay = min(delay*2, 500*time.Millisecond)
	}
}

// binaryCommand is the command line and environment of the pylon binary.
func binaryCommand(opts ServiceOptions, addr string) (name string, args, env []string, err error) {
	name = opts.Binary
	if name == "" {
		name = "pylon"
	}
	if name, err = exec.LookPath(name); err != nil {
		return "", nil, nil, fmt.Errorf("pylon: service: the pylon binary: %w", err)
	}
	env = os.Environ()
	if opts.EnvFile != "" {
		env = append(env, "PYLON_ENV_FILE="+opts.EnvFile)
	}
	env = append(env, "PYLON_LISTEN_ADDRESS="+addr)
	env = append(env, opts.Env...)
	return name, []string{"serve"}, env, nil
}

// containerEnvFile is where the env file is mounted in the container.
const containerEnvFile = "/run/pylon/pylon.env"

// dockerCommand is the "docker run" command line: the service listens on
// port 8000 in the container, published on addr; the env file is mounted
// read-only and named by PYLON_ENV_FILE, so the service parses it exactly as
// the binary would.
func dockerCommand(opts ServiceOptions, docker, container, addr string) (name string, args []string, err error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", nil, misconfigured(fmt.Sprintf("ServiceOptions.Address %q is not host:port", addr))
	}
	args = []string{"run", "--rm", "--name", container, "-p", net.JoinHostPort(host, port) + ":8000",
		"-e", "PYLON_LISTEN_ADDRESS=0.0.0.0:8000"}
	if opts.EnvFile != "" {
		abs, err := filepath.Abs(opts.EnvFile)
		if err != nil {
			return "", nil, fmt.Errorf("pylon: service: %w", err)
		}
		args = append(args, "-v", abs+":"+containerEnvFile+":ro", "-e", "PYLON_ENV_FILE="+containerEnvFile)
	}
	for _, kv := range opts.Env {
		args = append(args, "-e", kv)
	}
	args = append(args, opts.Image, "serve")
	return docker, args, nil
}

func freeLoopbackAddress(ctx context.Context) (string, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	addr := ln.Addr().String()
	// The port is free again for the service to take; another process could
	// take it first, which the start then reports.
	if err := ln.Close(); err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	return addr, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}
