package faultproxy_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pylon-go/pylon/internal/chain/rpc/faultproxy"
)

// patience bounds waits; it only prevents hangs.
const patience = 20 * time.Second

// quiet is how long a test listens to conclude that nothing gets through. A late byte would make the test
// fail (a real defect), never pass wrongly.
const quiet = 100 * time.Millisecond

// echoServer echoes every line back, prefixed with "echo: ".
func echoServer(t *testing.T) string {
	t.Helper()
	ln, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		_ = ln.Close()
		mu.Lock()
		for _, c := range conns {
			_ = c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Go(func() {
				defer func() { _ = c.Close() }()
				r := bufio.NewReader(c)
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					if _, err := io.WriteString(c, "echo: "+line); err != nil {
						return
					}
				}
			})
		}
	})
	return ln.Addr().String()
}

func newProxy(t *testing.T, target string) *faultproxy.Proxy {
	t.Helper()
	p, err := faultproxy.New(target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

type client struct {
	conn net.Conn
	r    *bufio.Reader
}

func connect(t *testing.T, addr string) *client {
	t.Helper()
	c, err := (&net.Dialer{Timeout: patience}).DialContext(context.Background(), "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return &client{conn: c, r: bufio.NewReader(c)}
}

func (c *client) send(t *testing.T, line string) {
	t.Helper()
	_ = c.conn.SetWriteDeadline(time.Now().Add(patience))
	if _, err := io.WriteString(c.conn, line+"\n"); err != nil {
		t.Fatalf("write: %v", err)
	}
}

func (c *client) readLine(wait time.Duration) (string, error) {
	_ = c.conn.SetReadDeadline(time.Now().Add(wait))
	line, err := c.r.ReadString('\n')
	return strings.TrimSuffix(line, "\n"), err
}

func (c *client) expect(t *testing.T, want string) {
	t.Helper()
	got, err := c.readLine(patience)
	if err != nil || got != want {
		t.Fatalf("read %q, %v; want %q", got, err, want)
	}
}

func (c *client) expectSilence(t *testing.T) {
	t.Helper()
	got, err := c.readLine(quiet)
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("expected nothing, read %q, %v", got, err)
	}
}

func (c *client) expectClosed(t *testing.T) {
	t.Helper()
	got, err := c.readLine(patience)
	if err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("expected the connection to be closed, read %q, %v", got, err)
	}
}

// expectReset connects to a proxy that accepts and resets at once: the reset shows when dialling or on
// the first read, depending on how fast it arrives.
func expectReset(t *testing.T, addr string) {
	t.Helper()
	c, err := (&net.Dialer{Timeout: patience}).DialContext(context.Background(), "tcp", addr)
	if err != nil {
		return
	}
	defer func() { _ = c.Close() }()
	(&client{conn: c, r: bufio.NewReader(c)}).expectClosed(t)
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(patience)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for: %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestForwards(t *testing.T) {
	p := newProxy(t, echoServer(t))
	c := connect(t, p.Addr())
	c.send(t, "hello")
	c.expect(t, "echo: hello")
	if p.Conns() != 1 || p.Accepted() != 1 {
		t.Errorf("Conns=%d Accepted=%d, want 1 and 1", p.Conns(), p.Accepted())
	}
}

func TestPauseHoldsBytesAndKeepsSocketsOpen(t *testing.T) {
	p := newProxy(t, echoServer(t))
	c := connect(t, p.Addr())
	c.send(t, "before")
	c.expect(t, "echo: before")

	p.Pause()
	if !p.Paused() {
		t.Fatal("Paused() = false after Pause")
	}
	c.send(t, "during") // the write succeeds: the socket is open, only silent
	c.expectSilence(t)
	if p.Conns() != 1 {
		t.Fatalf("Conns = %d while paused, want 1", p.Conns())
	}

	p.Resume()
	c.expect(t, "echo: during") // held bytes are delivered, nothing lost
	c.send(t, "after")
	c.expect(t, "echo: after")
}

func TestPauseAppliesToNewConnections(t *testing.T) {
	p := newProxy(t, echoServer(t))
	p.Pause()
	p.Pause() // idempotent
	c := connect(t, p.Addr())
	c.send(t, "x")
	c.expectSilence(t)
	p.Resume()
	p.Resume() // idempotent
	c.expect(t, "echo: x")
}

func TestDropAll(t *testing.T) {
	p := newProxy(t, echoServer(t))
	c1, c2 := connect(t, p.Addr()), connect(t, p.Addr())
	c1.send(t, "a")
	c1.expect(t, "echo: a")
	c2.send(t, "b")
	c2.expect(t, "echo: b")

	p.DropAll()
	c1.expectClosed(t)
	c2.expectClosed(t)
	eventually(t, "no open connections", func() bool { return p.Conns() == 0 })

	// New connections still work.
	c3 := connect(t, p.Addr())
	c3.send(t, "c")
	c3.expect(t, "echo: c")
}

func TestDropAllWhilePaused(t *testing.T) {
	p := newProxy(t, echoServer(t))
	c := connect(t, p.Addr())
	c.send(t, "a")
	c.expect(t, "echo: a")
	p.Pause()
	c.send(t, "held")
	p.DropAll()
	c.expectClosed(t)
	eventually(t, "no open connections", func() bool { return p.Conns() == 0 })
}

func TestRefuse(t *testing.T) {
	p := newProxy(t, echoServer(t))
	old := connect(t, p.Addr())
	old.send(t, "a")
	old.expect(t, "echo: a")

	p.Refuse(true)
	expectReset(t, p.Addr())
	eventually(t, "the refusal is counted", func() bool { return p.Refused() == 1 })
	if p.Refused() != 1 {
		t.Errorf("Refused = %d, want 1", p.Refused())
	}
	old.send(t, "b") // existing connections are untouched
	old.expect(t, "echo: b")

	p.Refuse(false)
	c := connect(t, p.Addr())
	c.send(t, "c")
	c.expect(t, "echo: c")
}

func TestTargetDown(t *testing.T) {
	ln, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	_ = ln.Close()
	p := newProxy(t, dead)
	expectReset(t, p.Addr())

	p.SetTarget(echoServer(t))
	c2 := connect(t, p.Addr())
	c2.send(t, "up")
	c2.expect(t, "echo: up")
}

func TestDelayStillDelivers(t *testing.T) {
	p := newProxy(t, echoServer(t))
	p.SetDelay(5 * time.Millisecond)
	c := connect(t, p.Addr())
	for _, s := range []string{"one", "two", "three"} {
		c.send(t, s)
		c.expect(t, "echo: "+s)
	}
	p.SetDelay(0)
	c.send(t, "four")
	c.expect(t, "echo: four")
}

func TestCloseEndsEverything(t *testing.T) {
	p, err := faultproxy.New(echoServer(t))
	if err != nil {
		t.Fatal(err)
	}
	c := connect(t, p.Addr())
	c.send(t, "a")
	c.expect(t, "echo: a")
	p.Pause()
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	c.expectClosed(t)
	if err := p.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}
