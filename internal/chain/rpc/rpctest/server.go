// Package rpctest is an in-process Substrate-style JSON-RPC 2.0 server for tests of JSON-RPC clients. It
// speaks WebSocket and HTTP POST on one loopback port, emulates the generic head and runtime-version
// subscriptions, and can be told to misbehave: answer late or never, send notifications before the
// subscribe reply (as Chopsticks does), drop connections, stop producing heads.
//
// It is the peer in unit tests, not a model of a real node: tests of chain behaviour run against the devnet.
package rpctest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// Request is one JSON-RPC request received by the server.
type Request struct {
	ID     json.RawMessage
	Method string
	Params json.RawMessage
}

// Handler answers a request. It runs in its own goroutine, so it may sleep, answer out of order or not
// answer at all; it answers with Conn.Reply or Conn.ReplyError.
type Handler func(c *Conn, req Request)

// Error is a JSON-RPC error object for ReplyError.
type Error struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Data    any    `json:"data,omitempty"`
}

// Server is the test server. Create it with New and stop it with Close.
type Server struct {
	srv *httptest.Server

	// headMu orders head notifications: a new subscriber gets its initial head and then every later one,
	// never a later one first.
	headMu sync.Mutex

	mu       sync.Mutex
	handlers map[string]Handler
	conns    map[*Conn]struct{}
	requests map[string]int
	head     uint64
	headSubs map[string]*Conn // subscription id → connection, for chain_subscribeNewHeads
	version  json.RawMessage
	closed   bool

	accepted atomic.Int64
	nextSub  atomic.Uint64
	wg       sync.WaitGroup
}

// New starts a server on a free loopback port. The best head starts at block 1. Built-in methods:
// chain_getHeader, chain_subscribeNewHeads / chain_unsubscribeNewHeads (the current head is sent right after
// the reply, as nodes do), state_subscribeRuntimeVersion / state_unsubscribeRuntimeVersion (the current
// version is sent BEFORE the reply, as Chopsticks does), state_getRuntimeVersion and system_health. Handle
// overrides or adds methods; unknown methods get error -32601.
func New() *Server {
	s := &Server{
		handlers: make(map[string]Handler),
		conns:    make(map[*Conn]struct{}),
		requests: make(map[string]int),
		head:     1,
		headSubs: make(map[string]*Conn),
		version:  json.RawMessage(`{"specName":"test","specVersion":100,"transactionVersion":1}`),
	}
	s.installBuiltins()
	s.srv = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	return s
}

// URL is the WebSocket URL (ws://127.0.0.1:port).
func (s *Server) URL() string { return "ws://" + s.Addr() }

// HTTPURL is the HTTP URL of the same server (JSON-RPC over POST).
func (s *Server) HTTPURL() string { return s.srv.URL }

// Addr is host:port, e.g. the target of a fault proxy.
func (s *Server) Addr() string { return strings.TrimPrefix(s.srv.URL, "http://") }

// Handle sets the handler of method, replacing any built-in one.
func (s *Server) Handle(method string, h Handler) {
	s.mu.Lock()
	s.handlers[method] = h
	s.mu.Unlock()
}

// HandleFunc sets a handler that answers at once with fn's result or error.
func (s *Server) HandleFunc(method string, fn func(params json.RawMessage) (any, *Error)) {
	s.Handle(method, func(c *Conn, req Request) {
		res, rerr := fn(req.Params)
		if rerr != nil {
			c.ReplyError(req.ID, *rerr)
			return
		}
		c.Reply(req.ID, res)
	})
}

// Requests is how many requests of method the server received (over both transports).
func (s *Server) Requests(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[method]
}

// Accepted is how many WebSocket connections the server accepted so far.
func (s *Server) Accepted() int64 { return s.accepted.Load() }

// Conns is how many WebSocket connections are open.
func (s *Server) Conns() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// DropAll closes every WebSocket connection abruptly (no close handshake), like a crashing node.
func (s *Server) DropAll() {
	s.mu.Lock()
	conns := make([]*Conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
}

// Close drops every connection, stops the server and waits for running handlers (a handler that waits must
// also watch Conn.Done).
func (s *Server) Close() {
	s.mu.Lock()
	already := s.closed
	s.closed = true
	s.mu.Unlock()
	if already {
		return
	}
	s.DropAll()
	s.srv.CloseClientConnections()
	s.srv.Close()
	s.wg.Wait()
}

// Head is the current best block number.
func (s *Server) Head() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.head
}

// SetHead sets the best block number and notifies head subscribers if it changed.
func (s *Server) SetHead(n uint64) {
	s.headMu.Lock()
	defer s.headMu.Unlock()
	s.mu.Lock()
	changed := n != s.head
	s.head = n
	subs := make(map[string]*Conn, len(s.headSubs))
	for id, c := range s.headSubs {
		subs[id] = c
	}
	s.mu.Unlock()
	if !changed {
		return
	}
	for id, c := range subs {
		c.Notify("chain_newHead", id, Header(n))
	}
}

// AdvanceHead moves the best block forward by one and notifies head subscribers.
func (s *Server) AdvanceHead() { s.SetHead(s.Head() + 1) }

// HeadSubscribers is how many chain_subscribeNewHeads subscriptions are live.
func (s *Server) HeadSubscribers() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.headSubs)
}

// SetRuntimeVersion sets the object returned for the runtime version and notifies nobody (tests send
// notifications explicitly when they need them).
func (s *Server) SetRuntimeVersion(v json.RawMessage) {
	s.mu.Lock()
	s.version = v
	s.mu.Unlock()
}

// NewSubscriptionID returns a fresh id shaped like subtensor's: "0x" + 32 hex digits.
func (s *Server) NewSubscriptionID() string {
	return fmt.Sprintf("0x%032x", s.nextSub.Add(1))
}

// Header is a minimal Substrate header with the given number.
func Header(n uint64) map[string]any {
	return map[string]any{
		"parentHash":     fmt.Sprintf("0x%064x", n-1),
		"number":         "0x" + strconv.FormatUint(n, 16),
		"stateRoot":      fmt.Sprintf("0x%064x", 0),
		"extrinsicsRoot": fmt.Sprintf("0x%064x", 0),
		"digest":         map[string]any{"logs": []any{}},
	}
}

func (s *Server) installBuiltins() {
	s.handlers["chain_getHeader"] = func(c *Conn, req Request) { c.Reply(req.ID, Header(s.Head())) }
	s.handlers["system_health"] = func(c *Conn, req Request) {
		c.Reply(req.ID, map[string]any{"peers": 0, "isSyncing": false, "shouldHavePeers": false})
	}
	s.handlers["state_getRuntimeVersion"] = func(c *Conn, req Request) {
		s.mu.Lock()
		v := s.version
		s.mu.Unlock()
		c.Reply(req.ID, v)
	}
	s.handlers["chain_subscribeNewHeads"] = func(c *Conn, req Request) {
		s.headMu.Lock()
		defer s.headMu.Unlock()
		id := s.NewSubscriptionID()
		s.mu.Lock()
		s.headSubs[id] = c
		head := s.head
		s.mu.Unlock()
		c.Reply(req.ID, id)
		c.Notify("chain_newHead", id, Header(head))
	}
	s.handlers["chain_unsubscribeNewHeads"] = func(c *Conn, req Request) {
		var ids []string
		_ = json.Unmarshal(req.Params, &ids)
		found := false
		s.mu.Lock()
		for _, id := range ids {
			if s.headSubs[id] == c {
				delete(s.headSubs, id)
				found = true
			}
		}
		s.mu.Unlock()
		c.Reply(req.ID, found)
	}
	s.handlers["state_subscribeRuntimeVersion"] = func(c *Conn, req Request) {
		id := s.NewSubscriptionID()
		s.mu.Lock()
		v := s.version
		s.mu.Unlock()
		c.Notify("state_runtimeVersion", id, v) // before the reply, as Chopsticks does
		c.Reply(req.ID, id)
	}
	s.handlers["state_unsubscribeRuntimeVersion"] = func(c *Conn, req Request) { c.Reply(req.ID, true) }
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		s.serveWS(w, r)
		return
	}
	if r.Method != http.MethodPost {
		http.Error(w, "POST or WebSocket only", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	c := &Conn{server: s, ctx: r.Context(), httpReply: make(chan []byte, 1)}
	s.dispatch(c, body)
	select {
	case reply := <-c.httpReply:
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(reply)
	case <-r.Context().Done():
	}
}

func (s *Server) serveWS(w http.ResponseWriter, r *http.Request) {
	ws, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	ws.SetReadLimit(64 << 20)
	ctx, cancel := context.WithCancel(context.Background())
	c := &Conn{server: s, ws: ws, ctx: ctx, cancel: cancel}
	s.mu.Lock()
	s.conns[c] = struct{}{}
	s.mu.Unlock()
	s.accepted.Add(1)
	defer c.Close()
	for {
		_, data, err := ws.Read(ctx)
		if err != nil {
			return
		}
		s.dispatch(c, data)
	}
}

func (s *Server) dispatch(c *Conn, data []byte) {
	var req struct {
		ID     json.RawMessage `json:"id"`
		Method string          `json:"method"`
		Params json.RawMessage `json:"params"`
	}
	if err := json.Unmarshal(data, &req); err != nil {
		c.ReplyError(json.RawMessage("null"), Error{Code: -32700, Message: "Parse error"})
		return
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.requests[req.Method]++
	h := s.handlers[req.Method]
	if h != nil {
		s.wg.Add(1)
	}
	s.mu.Unlock()
	if h == nil {
		c.ReplyError(req.ID, Error{Code: -32601, Message: "Method not found"})
		return
	}
	go func() {
		defer s.wg.Done()
		h(c, Request{ID: req.ID, Method: req.Method, Params: req.Params})
	}()
}

// Conn is one client connection (or one HTTP request) as seen by a Handler.
type Conn struct {
	server    *Server
	ws        *websocket.Conn
	ctx       context.Context
	cancel    context.CancelFunc
	httpReply chan []byte
	closeOnce sync.Once
}

// Reply sends a result for the request with id.
func (c *Conn) Reply(id json.RawMessage, result any) {
	c.send(map[string]any{"jsonrpc": "2.0", "id": id, "result": result})
}

// ReplyError sends an error for the request with id.
func (c *Conn) ReplyError(id json.RawMessage, e Error) {
	c.send(map[string]any{"jsonrpc": "2.0", "id": id, "error": e})
}

// Notify sends a subscription notification (ignored on HTTP).
func (c *Conn) Notify(method, subscription string, result any) {
	if c.ws == nil {
		return
	}
	c.send(map[string]any{"jsonrpc": "2.0", "method": method,
		"params": map[string]any{"subscription": subscription, "result": result}})
}

// SendRaw sends data as one text message (ignored on HTTP).
func (c *Conn) SendRaw(data []byte) {
	if c.ws == nil {
		return
	}
	ctx, cancel := context.WithTimeout(c.ctx, 10*time.Second)
	defer cancel()
	_ = c.ws.Write(ctx, websocket.MessageText, data)
}

// Done is closed when the connection closes (for HTTP: when the request ends).
func (c *Conn) Done() <-chan struct{} { return c.ctx.Done() }

// Close drops the connection abruptly.
func (c *Conn) Close() {
	if c.ws == nil {
		return
	}
	c.closeOnce.Do(func() {
		c.cancel()
		_ = c.ws.CloseNow()
		s := c.server
		s.mu.Lock()
		delete(s.conns, c)
		for id, hc := range s.headSubs {
			if hc == c {
				delete(s.headSubs, id)
			}
		}
		s.mu.Unlock()
	})
}

func (c *Conn) send(msg any) {
	data, err := json.Marshal(msg)
	if err != nil {
		panic(fmt.Sprintf("rpctest: cannot encode message: %v", err))
	}
	if c.httpReply != nil {
		select {
		case c.httpReply <- data:
		default:
		}
		return
	}
	c.SendRaw(data)
}
