// Package faultproxy is a TCP proxy for tests that injects network faults between a client and a server:
// half-dead connections (bytes stop flowing while both sockets stay open), dropped connections, refused
// connections and added latency.
//
// It forwards raw bytes and knows nothing about the protocol on top, so it works for WebSocket, HTTP or any
// other TCP traffic. Typical use in a test:
//
//	p, err := faultproxy.New("127.0.0.1:9944") // the real server
//	...
//	defer p.Close()
//	client := dial("ws://" + p.Addr())        // the client under test talks to the proxy
//	p.Pause()                                 // half-dead socket: nothing gets through, nothing is closed
//	p.Resume()
//	p.DropAll()                               // close every proxied connection (the client sees EOF)
//	p.Refuse(true)                            // new connections are reset right after accept
//
// Every control takes effect at once for existing and new connections and may be called from any goroutine.
//
// What each fault looks like to the client: Pause → writes succeed, nothing comes back, no error until the
// client's own deadline or keepalive gives up; DropAll → EOF on the next read; Refuse → the connection is
// reset during or right after the handshake; SetDelay → every chunk arrives late, in order. The proxy reads
// and writes raw TCP and never looks inside, so TLS endpoints work only if the client dials the proxy with
// the server's name (tests use plain ws:// and http:// on loopback).
package faultproxy

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// chunkSize bounds how many bytes one read moves, so Pause and Delay act at a fine grain.
const chunkSize = 32 << 10

// Proxy forwards TCP connections from a loopback listener to a target address and injects faults on demand.
// The zero value is not usable; create one with New.
type Proxy struct {
	listener net.Listener

	mu      sync.Mutex
	target  string
	paused  chan struct{} // closed while traffic flows; a fresh open channel while paused
	refuse  bool
	delay   time.Duration
	conns   map[*link]struct{}
	closed  bool
	wg      sync.WaitGroup
	closeCh chan struct{}
	ctx     context.Context // ends on Close; bounds dials to the target
	cancel  context.CancelFunc

	accepted atomic.Int64
	refused  atomic.Int64
}

// link is one proxied connection: the accepted client side and the dialled server side.
type link struct {
	client net.Conn
	done   chan struct{}

	mu     sync.Mutex
	server net.Conn
	closed bool
}

func (l *link) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return
	}
	l.closed = true
	close(l.done)
	_ = l.client.Close()
	if l.server != nil {
		_ = l.server.Close()
	}
}

// attach records the dialled server side; it reports false (and closes server) if the link was dropped
// while dialling.
func (l *link) attach(server net.Conn) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		_ = server.Close()
		return false
	}
	l.server = server
	return true
}

// New starts a proxy listening on 127.0.0.1 at a free port and forwarding to target ("host:port").
// The target is dialled per accepted connection, so it need not be up yet.
func New(target string) (*Proxy, error) {
	ctx, cancel := context.WithCancel(context.Background())
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		cancel()
		return nil, fmt.Errorf("faultproxy: listen: %w", err)
	}
	flowing := make(chan struct{})
	close(flowing)
	p := &Proxy{
		listener: ln,
		target:   target,
		paused:   flowing,
		conns:    make(map[*link]struct{}),
		closeCh:  make(chan struct{}),
		ctx:      ctx,
		cancel:   cancel,
	}
	p.wg.Add(1)
	go p.acceptLoop()
	return p, nil
}

// Addr is the proxy's listening address ("127.0.0.1:port"); point the client under test at it.
func (p *Proxy) Addr() string { return p.listener.Addr().String() }

// SetTarget changes where new connections are forwarded (e.g. after the server restarted on another port).
// Existing connections keep their server.
func (p *Proxy) SetTarget(target string) {
	p.mu.Lock()
	p.target = target
	p.mu.Unlock()
}

// Pause stops forwarding bytes in both directions on every connection, existing and new, while keeping all
// sockets open: to both peers the connection looks alive but silent, which is the half-dead case. Bytes
// already read are held and delivered after Resume; the kernel buffers fill and then apply back-pressure.
func (p *Proxy) Pause() {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.paused:
		p.paused = make(chan struct{})
	default: // already paused
	}
}

// Resume lets bytes flow again after Pause.
func (p *Proxy) Resume() {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.paused:
	default:
		close(p.paused)
	}
}

// Paused reports whether forwarding is paused.
func (p *Proxy) Paused() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.paused:
		return false
	default:
		return true
	}
}

// DropAll closes every proxied connection on both sides. New connections are still accepted (see Refuse).
func (p *Proxy) DropAll() {
	p.mu.Lock()
	links := make([]*link, 0, len(p.conns))
	for l := range p.conns {
		links = append(links, l)
	}
	p.mu.Unlock()
	for _, l := range links {
		l.close()
	}
}

// Refuse makes the proxy reset new connections right after accepting them (true) or forward them again
// (false). The listening port stays bound, so no other process can take it meanwhile. Existing
// connections are not affected; combine with DropAll to cut everything.
func (p *Proxy) Refuse(refuse bool) {
	p.mu.Lock()
	p.refuse = refuse
	p.mu.Unlock()
}

// SetDelay adds latency: every chunk of bytes, in both directions, is held for d before it is forwarded.
// Chunks of one direction are delayed one after another, so the delay also limits throughput. Zero removes it.
func (p *Proxy) SetDelay(d time.Duration) {
	p.mu.Lock()
	p.delay = d
	p.mu.Unlock()
}

// Conns is the number of proxied connections currently open.
func (p *Proxy) Conns() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.conns)
}

// Accepted is the number of connections forwarded since New (refused ones are not counted).
func (p *Proxy) Accepted() int64 { return p.accepted.Load() }

// Refused is the number of connections reset because of Refuse.
func (p *Proxy) Refused() int64 { return p.refused.Load() }

// Close stops listening, closes every connection and waits for the proxy's goroutines to finish.
func (p *Proxy) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	close(p.closeCh)
	p.cancel()
	p.mu.Unlock()

	err := p.listener.Close()
	p.DropAll()
	p.wg.Wait()
	if err != nil {
		return fmt.Errorf("faultproxy: close listener: %w", err)
	}
	return nil
}

func (p *Proxy) acceptLoop() {
	defer p.wg.Done()
	for {
		c, err := p.listener.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			// Temporary accept errors (e.g. too many open files) must not end the proxy.
			select {
			case <-p.closeCh:
				return
			case <-time.After(10 * time.Millisecond):
			}
			continue
		}
		p.mu.Lock()
		refuse, closed, target := p.refuse, p.closed, p.target
		p.mu.Unlock()
		if closed || refuse {
			resetConn(c)
			if refuse {
				p.refused.Add(1)
			}
			continue
		}
		p.wg.Add(1)
		go p.serve(c, target)
	}
}

// resetConn closes c with an RST instead of a FIN, as a refusing or crashed server would.
func resetConn(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = c.Close()
}

func (p *Proxy) serve(client net.Conn, target string) {
	defer p.wg.Done()
	l := &link{client: client, done: make(chan struct{})}

	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		_ = client.Close()
		return
	}
	p.conns[l] = struct{}{}
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		delete(p.conns, l)
		p.mu.Unlock()
		l.close()
	}()

	d := net.Dialer{Timeout: 10 * time.Second}
	server, err := d.DialContext(p.ctx, "tcp", target)
	if err != nil {
		// The target is down: the client sees a reset, like a connection to a dead server.
		resetConn(client)
		return
	}
	if !l.attach(server) {
		return
	}
	p.accepted.Add(1)

	var pumps sync.WaitGroup
	pumps.Add(2)
	go func() { defer pumps.Done(); p.pump(l, server, client) }()
	go func() { defer pumps.Done(); p.pump(l, client, server) }()
	pumps.Wait()
}

// pump copies src to dst chunk by chunk, honouring Pause and Delay, until either side fails or the link is
// dropped. Any end of one direction ends the whole link: the protocols proxied here do not use half-close.
func (p *Proxy) pump(l *link, dst, src net.Conn) {
	defer l.close()
	buf := make([]byte, chunkSize)
	for {
		if !p.waitFlowing(l) {
			return
		}
		n, rerr := src.Read(buf)
		if n > 0 {
			if !p.waitFlowing(l) || !p.sleepDelay(l) {
				return
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if rerr != nil { // io.EOF included: the peer closed its side
			return
		}
	}
}

// waitFlowing blocks while the proxy is paused; it reports false when the link was dropped meanwhile.
func (p *Proxy) waitFlowing(l *link) bool {
	for {
		p.mu.Lock()
		gate := p.paused
		p.mu.Unlock()
		select {
		case <-l.done:
			return false
		case <-gate:
			// Pause may have been called again between reading the gate and it being closed.
			p.mu.Lock()
			still := gate == p.paused
			p.mu.Unlock()
			if still {
				return true
			}
		}
	}
}

func (p *Proxy) sleepDelay(l *link) bool {
	p.mu.Lock()
	d := p.delay
	p.mu.Unlock()
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-l.done:
		return false
	case <-t.C:
		return true
	}
}
