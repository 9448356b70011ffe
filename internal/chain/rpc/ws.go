package rpc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// Limits of the buffer for notifications whose subscription id is not known yet. Chopsticks sends the first
// state_subscribeRuntimeVersion notification before the reply carrying the id; such notifications wait here
// until the reply arrives. They are kept only while subscribe requests are in flight, for at most one id
// per such request plus earlySpareIDs, and at most earlyTTL; the rest (e.g. late notifications of an
// ended subscription) is dropped and counted.
const (
	earlyTTL      = 10 * time.Second
	earlyPerID    = 16
	earlySpareIDs = 16
)

// writeQueueLen bounds requests waiting for the writer goroutine; callers block (honouring their context)
// when it is full.
const writeQueueLen = 256

type earlyNotifications struct {
	first   time.Time
	method  string
	results []json.RawMessage
}

// wsSession is one WebSocket connection. One reader goroutine routes replies and notifications, one writer
// goroutine sends requests in order, one keepalive goroutine pings.
//
// Writes go through a single writer goroutine rather than concurrent conn.Write calls (which coder/websocket
// allows) because that library closes the whole connection when a Write's context ends mid-frame: a caller's
// deadline must never kill the socket shared by every caller. The writer uses the session's own WriteTimeout
// instead, and a request whose caller gave up before the writer took it is never sent at all.
type wsSession struct {
	client *Client
	ep     endpoint
	conn   *websocket.Conn

	ctx    context.Context // ends when the session closes
	cancel context.CancelFunc
	writeQ chan *outgoing
	probe  chan struct{} // asks the keepalive goroutine to ping now
	nextID atomic.Uint64
	// inWrite is the number of the message the writer is writing (0 when idle). A ping cannot overtake a
	// message being written, so a ping that timed out behind one long write (a large extrinsic on a slow
	// link) says nothing about the peer; WriteTimeout bounds that write instead.
	inWrite  atomic.Uint64
	writeSeq uint64 // used by the writer goroutine only

	closing atomic.Bool
	doneCh  chan struct{}

	mu          sync.Mutex
	closed      bool
	closeCause  error
	closeReason string
	pending     map[uint64]*pendingCall
	subs        map[string]*Subscription
	early       map[string]*earlyNotifications
	// subscribing counts pending subscribe requests (calls with a hook): each may claim one early id.
	subscribing int
}

type outgoing struct {
	data []byte
	call *pendingCall
}

// dialWS opens a WebSocket to ep and starts the session's goroutines.
func dialWS(ctx context.Context, c *Client, ep endpoint) (*wsSession, error) {
	conn, resp, err := websocket.Dial(ctx, ep.url, &websocket.DialOptions{HTTPClient: c.opts.HTTPClient})
	if resp != nil && resp.Body != nil {
		_ = resp.Body.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("%w: dial: %w", ErrConnectionLost, redactURLError(ep, err))
	}
	conn.SetReadLimit(c.opts.ReadLimit)
	sctx, cancel := context.WithCancel(context.Background())
	s := &wsSession{
		client:  c,
		ep:      ep,
		conn:    conn,
		ctx:     sctx,
		cancel:  cancel,
		writeQ:  make(chan *outgoing, writeQueueLen),
		probe:   make(chan struct{}, 1),
		doneCh:  make(chan struct{}),
		pending: make(map[uint64]*pendingCall),
		subs:    make(map[string]*Subscription),
		early:   make(map[string]*earlyNotifications),
	}
	c.wg.Add(3)
	go func() { defer c.wg.Done(); s.readLoop() }()
	go func() { defer c.wg.Done(); s.writeLoop() }()
	go func() { defer c.wg.Done(); s.keepalive() }()
	return s, nil
}

func (s *wsSession) endpoint() endpoint    { return s.ep }
func (s *wsSession) done() <-chan struct{} { return s.doneCh }
func (s *wsSession) isClosed() bool        { return s.closing.Load() }

func (s *wsSession) cause() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closeCause
}

func (s *wsSession) reason() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closeReason
}

// lost builds the error that fails in-flight calls. The cause is only described, not wrapped: a ping's
// context deadline must not make a caller believe its own deadline expired.
func (s *wsSession) lost(cause error) error {
	return fmt.Errorf("%w: %s: %v", ErrConnectionLost, s.ep.name, cause) //nolint:errorlint // see above
}

// requestProbe asks the keepalive goroutine to ping now.
func (s *wsSession) requestProbe() { trySignal(s.probe) }

func (s *wsSession) forgetSubscription(key string) {
	s.mu.Lock()
	delete(s.subs, key)
	s.mu.Unlock()
}

func trySignal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// close tears the session down. In-flight calls fail with ErrConnectionLost (or errNotSent when their bytes
// never left), subscriptions are handed to the client (resumed later or ended), goroutines stop.
func (s *wsSession) close(cause error, reason string) {
	if !s.closing.CompareAndSwap(false, true) {
		return
	}
	// Withdraw the session from the client first, so callers retrying a not-sent request wait for the
	// next connection instead of finding this one again.
	s.client.sessionClosing(s)

	s.mu.Lock()
	s.closed = true
	s.closeCause = cause
	s.closeReason = reason
	pending := s.pending
	s.pending = nil
	subs := s.subs
	s.subs = nil
	s.early = nil
	s.subscribing = 0
	s.mu.Unlock()

	s.cancel()
	_ = s.conn.CloseNow()

	for _, p := range pending {
		if p.state.CompareAndSwap(callQueued, callDropped) {
			p.reply <- callReply{err: errNotSent}
		} else {
			p.reply <- callReply{err: cause}
		}
	}
	for _, sub := range subs {
		sub.connectionLost(s, cause)
	}
	close(s.doneCh)
}

// call implements session.
func (s *wsSession) call(ctx context.Context, method string, params []any, hook replyHook) (json.RawMessage, error) {
	id := s.nextID.Add(1)
	data, err := encodeRequest(id, method, params)
	if err != nil {
		return nil, fmt.Errorf("rpc: %s: encoding params: %w", method, err)
	}
	p := &pendingCall{method: method, hook: hook, reply: make(chan callReply, 1)}

	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, errNotSent
	}
	s.pending[id] = p
	if hook != nil {
		s.subscribing++
	}
	s.mu.Unlock()

	select {
	case s.writeQ <- &outgoing{data: data, call: p}:
	case <-ctx.Done():
		s.abandon(id, p)
		return nil, ctx.Err()
	case <-s.ctx.Done():
		// close fails every pending call, this one included.
	}

	select {
	case r := <-p.reply:
		return r.result, r.err
	case <-ctx.Done():
		sent := s.abandon(id, p)
		if sent && errors.Is(ctx.Err(), context.DeadlineExceeded) {
			// A reply that does not come in time may mean a half-dead socket: check now rather than at the
			// next keepalive tick.
			s.requestProbe()
		}
		return nil, ctx.Err()
	}
}

// abandon withdraws a call whose caller gave up and reports whether its request may have been sent.
// A sent subscription request stays pending: when its reply arrives, the hook finds the subscription ended
// and unsubscribes, so the node does not keep an orphaned subscription.
func (s *wsSession) abandon(id uint64, p *pendingCall) (sent bool) {
	sent = !p.state.CompareAndSwap(callQueued, callDropped)
	if sent && p.hook != nil {
		return sent
	}
	s.mu.Lock()
	if _, ok := s.pending[id]; ok {
		delete(s.pending, id)
		if p.hook != nil {
			s.subscribing--
		}
	}
	s.mu.Unlock()
	return sent
}

func (s *wsSession) writeLoop() {
	for {
		select {
		case <-s.ctx.Done():
			return
		case m := <-s.writeQ:
			if !m.call.state.CompareAndSwap(callQueued, callSent) {
				continue // the caller gave up or the session closed first
			}
			wctx, cancel := context.WithTimeout(s.ctx, s.client.opts.WriteTimeout)
			s.writeSeq++
			s.inWrite.Store(s.writeSeq)
			err := s.conn.Write(wctx, websocket.MessageText, m.data)
			s.inWrite.Store(0)
			cancel()
			if err != nil {
				s.close(s.lost(fmt.Errorf("write: %w", err)), reasonWriteError)
				return
			}
		}
	}
}

func (s *wsSession) keepalive() {
	var tick <-chan time.Time
	if s.client.opts.PingInterval > 0 {
		t := time.NewTicker(s.client.opts.PingInterval)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-tick:
		case <-s.probe:
		}
		pctx, cancel := context.WithTimeout(s.ctx, s.client.opts.PingTimeout)
		writing := s.inWrite.Load()
		err := s.conn.Ping(pctx)
		cancel()
		if err != nil && writing != 0 && s.inWrite.Load() == writing && s.ctx.Err() == nil {
			continue // the same write occupied the socket for the whole ping
		}
		if err != nil {
			if s.ctx.Err() == nil {
				s.close(s.lost(fmt.Errorf("no pong within %s: %w", s.client.opts.PingTimeout, err)), reasonPingTimeout)
			}
			return
		}
	}
}

func (s *wsSession) readLoop() {
	for {
		_, data, err := s.conn.Read(s.ctx)
		if err != nil {
			if s.ctx.Err() == nil {
				s.close(s.lost(fmt.Errorf("read: %w", err)), reasonReadError)
			}
			return
		}
		s.handle(data)
	}
}

// handle routes one message. It runs on the reader goroutine and never blocks on a consumer.
func (s *wsSession) handle(data []byte) {
	var msg inMessage
	if err := json.Unmarshal(data, &msg); err != nil {
		s.client.log.Warn("rpc: undecodable message from node", "endpoint", s.ep.name, "error", err)
		return
	}
	if msg.Method != "" {
		// With an id it would be a request from the node, which Substrate nodes never send: ignore it
		// rather than mistake it for the reply to one of ours.
		if len(msg.ID) == 0 {
			s.handleNotification(msg.Method, msg.Params)
		}
		return
	}
	id, err := strconv.ParseUint(string(bytes.TrimSpace(msg.ID)), 10, 64)
	if err != nil {
		if msg.Error != nil {
			// A reply the node could not tie to a request (id null): nothing can be woken.
			s.client.log.Warn("rpc: node error without request id", "endpoint", s.ep.name, "code", msg.Error.Code, "message", msg.Error.Message)
		}
		return
	}
	s.mu.Lock()
	p := s.pending[id]
	delete(s.pending, id)
	if p != nil && p.hook != nil {
		s.subscribing--
	}
	s.mu.Unlock()
	if p == nil {
		return // the caller gave up; the late reply is dropped
	}
	switch {
	case msg.Error != nil:
		p.reply <- callReply{err: msg.Error.toError(p.method, s.ep.name)}
	case msg.Result == nil:
		p.reply <- callReply{err: fmt.Errorf("%w: %s: reply has neither result nor error", ErrInvalidResponse, p.method)}
	default:
		if p.hook != nil {
			if err := p.hook(s, msg.Result); err != nil {
				p.reply <- callReply{err: err}
				return
			}
		}
		p.reply <- callReply{result: msg.Result}
	}
}

func (s *wsSession) handleNotification(method string, rawParams json.RawMessage) {
	var params notificationParams
	if err := json.Unmarshal(rawParams, &params); err != nil {
		s.client.log.Warn("rpc: undecodable notification", "endpoint", s.ep.name, "method", method, "error", err)
		return
	}
	key, ok := subscriptionKey(params.Subscription)
	if !ok {
		s.client.log.Warn("rpc: notification without subscription id", "endpoint", s.ep.name, "method", method)
		return
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	sub := s.subs[key]
	if sub == nil {
		s.bufferEarlyLocked(key, method, params.Result)
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()
	if params.Result == nil && len(params.Error) > 0 {
		// The node ended the subscription (jsonrpsee sends an error in place of a result).
		sub.end(fmt.Errorf("%w: %s: %s", ErrSubscriptionClosed, method, truncate(params.Error, maxDataInMessage)))
		return
	}
	sub.deliver(Notification{Result: params.Result})
}

// bufferEarlyLocked keeps a notification for a subscription id not registered yet. s.mu is held.
func (s *wsSession) bufferEarlyLocked(key, method string, result json.RawMessage) {
	now := time.Now()
	for k, e := range s.early {
		if now.Sub(e.first) > earlyTTL {
			delete(s.early, k)
			s.client.metrics.dropped(e.method, dropUnknown, len(e.results))
		}
	}
	e := s.early[key]
	if e == nil {
		if len(s.early) >= s.subscribing+earlySpareIDs || s.subscribing == 0 {
			s.client.metrics.dropped(method, dropUnknown, 1)
			return
		}
		e = &earlyNotifications{first: now, method: method}
		s.early[key] = e
	}
	if len(e.results) >= earlyPerID {
		s.client.metrics.dropped(method, dropUnknown, 1)
		return
	}
	e.results = append(e.results, result)
}

// attachSubscription registers sub under the id the node gave it and hands over any notification that
// arrived before the reply. It runs on the reader goroutine, inside the subscribe call's hook, so no
// notification read after the reply can miss the registration.
func (s *wsSession) attachSubscription(sub *Subscription, result json.RawMessage, resumed bool) error {
	key, ok := subscriptionKey(result)
	if !ok {
		return fmt.Errorf("%w: %s: subscription id %s", ErrInvalidResponse, sub.req.Method, truncate(result, 80))
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return s.lost(errors.New("closed while subscribing"))
	}
	if !sub.attach(s, key, result) {
		s.mu.Unlock()
		// The subscriber gave up while the request was in flight: cancel it on the node too.
		s.unsubscribeAsync(sub.req.Unsubscribe, result)
		return errSubscriptionEnded
	}
	s.subs[key] = sub
	early := s.early[key]
	delete(s.early, key)
	s.mu.Unlock()

	if resumed {
		sub.deliver(Notification{Resumed: true})
	}
	if early != nil {
		for _, r := range early.results {
			sub.deliver(Notification{Result: r})
		}
	}
	return nil
}

// unsubscribeAsync cancels a subscription on the node without waiting (it may be called on the reader
// goroutine, which must not wait for its own replies). It is best effort: when the connection closes, the
// node drops its subscriptions anyway.
func (s *wsSession) unsubscribeAsync(method string, id json.RawMessage) {
	if method == "" {
		return
	}
	if !s.client.track() {
		return
	}
	go func() {
		defer s.client.wg.Done()
		ctx, cancel := context.WithTimeout(s.ctx, s.client.opts.PingTimeout)
		defer cancel()
		if _, err := s.call(ctx, method, []any{id}, nil); err != nil {
			s.client.log.Debug("rpc: unsubscribe failed", "endpoint", s.ep.name, "method", method, "error", err)
		}
	}()
}

var errSubscriptionEnded = errors.New("rpc: subscription ended while subscribing")

func truncate(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	return string(b[:n]) + "…"
}
