package rpc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Client is a JSON-RPC 2.0 client for Substrate nodes, safe for use by many goroutines. It holds one
// connection at a time to one of its endpoints and replaces it when it breaks, stalls or lags.
type Client struct {
	opts      Options
	log       *slog.Logger
	endpoints []endpoint
	metrics   *metrics

	ctx    context.Context // ends on Close; bounds probes
	cancel context.CancelFunc
	wg     sync.WaitGroup

	bestHead atomic.Uint64 // highest block number seen on any endpoint

	mu      sync.Mutex
	closed  bool
	closeCh chan struct{}
	cur     session
	ready   chan struct{} // closed while cur is set; replaced when cur is withdrawn
	subs    map[*Subscription]struct{}
}

// Dial connects to the first healthy endpoint of urls and returns a client that keeps a connection up from
// then on.
//
// urls is a preference order. ws:// and wss:// endpoints use WebSocket (calls and subscriptions); http://
// and https:// endpoints use HTTP POST (calls only). Every endpoint is probed concurrently (connect, then
// chain_getHeader); among those that answered and whose best block is within MaxLagBlocks of the best one
// seen, the first in the list is used. Dial fails, wrapping ErrNotConnected and each endpoint's error, if no
// endpoint answers within DialTimeout or before ctx ends. URLs may carry credentials; they never appear in
// logs, errors or metrics (see Endpoint).
func Dial(ctx context.Context, urls []string, opts Options) (*Client, error) {
	eps, err := parseEndpoints(urls)
	if err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	m, err := newMetrics(opts.Registerer)
	if err != nil {
		return nil, err
	}
	cctx, cancel := context.WithCancel(context.Background())
	c := &Client{
		opts:      opts,
		log:       opts.Logger,
		endpoints: eps,
		metrics:   m,
		ctx:       cctx,
		cancel:    cancel,
		closeCh:   make(chan struct{}),
		ready:     make(chan struct{}),
		subs:      make(map[*Subscription]struct{}),
	}
	for _, ep := range eps {
		m.current.WithLabelValues(ep.name).Set(0)
	}

	// The first round runs under the caller's context; later rounds under the client's.
	pctx, stop := context.WithCancel(cctx)
	unbind := context.AfterFunc(ctx, stop)
	res, err := c.choose(c.probeAll(pctx), "")
	unbind()
	stop()
	if err != nil {
		cancel()
		c.wg.Wait()
		return nil, err
	}
	// Published before Dial returns, so the client is usable (and Endpoint set) at once.
	c.publish(res.sess)
	c.wg.Add(1)
	go c.supervise(res.sess)
	return c, nil
}

// Call invokes method with positional params and decodes the reply's result into result: any value
// json.Unmarshal accepts, *json.RawMessage for the raw bytes (no re-parsing), or nil to discard it.
//
// The call is bounded by ctx, or by CallTimeout when ctx has no deadline. While the client is reconnecting
// the call waits for the new connection within that bound, and fails with ErrNotConnected (wrapping the
// context error) if none comes. A call whose connection breaks after its request left fails at once with
// ErrConnectionLost and is not repeated, since the node may have executed it; a request that had not left
// yet is sent on the next connection. A JSON-RPC error from the node is returned as *Error.
func (c *Client) Call(ctx context.Context, method string, result any, params ...any) error {
	raw, err := c.invoke(ctx, callSpec{method: method, params: params})
	if err != nil {
		return err
	}
	switch r := result.(type) {
	case nil:
		return nil
	case *json.RawMessage:
		*r = raw
		return nil
	}
	if err := json.Unmarshal(raw, result); err != nil {
		return fmt.Errorf("rpc: %s: decoding result: %w", method, err)
	}
	return nil
}

// callSpec is one request as the client sends it.
type callSpec struct {
	method string
	params []any
	hook   replyHook
	// retryOnLoss repeats the request on the next connection after ErrConnectionLost (resumable
	// subscriptions only: repeating them has no effect on the chain).
	retryOnLoss bool
	// internal traffic is not counted in Stats or call metrics.
	internal bool
	// session pins the request to one session (unsubscribe, resubscribe): no waiting, no retry elsewhere.
	session session
}

// invoke sends a request, waiting for a connection if needed, and records metrics.
func (c *Client) invoke(ctx context.Context, spec callSpec) (json.RawMessage, error) {
	if _, ok := ctx.Deadline(); !ok && c.opts.CallTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.opts.CallTimeout)
		defer cancel()
	}
	start := time.Now()
	raw, err := c.send(ctx, spec)
	if !spec.internal {
		c.metrics.observeCall(spec.method, classify(err), time.Since(start))
	}
	return raw, err
}

func (c *Client) send(ctx context.Context, spec callSpec) (json.RawMessage, error) {
	for {
		sess := spec.session
		if sess == nil {
			var err error
			if sess, err = c.waitSession(ctx); err != nil {
				return nil, fmt.Errorf("rpc: %s: %w", spec.method, err)
			}
		}
		raw, err := sess.call(ctx, spec.method, spec.params, spec.hook)
		if err == nil {
			return raw, nil
		}
		var rpcErr *Error
		switch {
		case errors.As(err, &rpcErr):
			return nil, err
		case spec.session != nil && errors.Is(err, errNotSent):
			return nil, fmt.Errorf("rpc: %s: %w: %s closed", spec.method, ErrConnectionLost, sess.endpoint().name)
		case errors.Is(err, errNotSent):
			continue // the request never left: safe to send on the next connection
		case spec.session == nil && spec.retryOnLoss && errors.Is(err, ErrConnectionLost) && ctx.Err() == nil:
			continue
		}
		return nil, fmt.Errorf("rpc: %s: %w", spec.method, err)
	}
}

// waitSession returns the current session, waiting for one while the client reconnects.
func (c *Client) waitSession(ctx context.Context) (session, error) {
	for {
		c.mu.Lock()
		if c.closed {
			c.mu.Unlock()
			return nil, ErrClientClosed
		}
		s, ready := c.cur, c.ready
		c.mu.Unlock()
		if s != nil {
			return s, nil
		}
		select {
		case <-ready:
		case <-ctx.Done():
			return nil, fmt.Errorf("%w: %w", ErrNotConnected, ctx.Err())
		case <-c.closeCh:
			return nil, ErrClientClosed
		}
	}
}

// Endpoint names the endpoint in use, as scheme://host[:port] without path, query or credentials (a "#n"
// suffix tells apart endpoints on the same host). It is "" while the client is reconnecting.
func (c *Client) Endpoint() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cur == nil {
		return ""
	}
	return c.cur.endpoint().name
}

// Stats returns a snapshot of the client's counters.
func (c *Client) Stats() Stats {
	return Stats{
		Endpoint:             c.Endpoint(),
		Methods:              c.metrics.stats.snapshot(),
		Reconnects:           c.metrics.stats.reconnects.Load(),
		DroppedNotifications: c.metrics.stats.dropped.Load(),
	}
}

// CallCount is how many calls of method were made through the client (see MethodStats.Calls).
func (c *Client) CallCount(method string) uint64 { return c.metrics.stats.calls(method) }

// Close ends every subscription with ErrClientClosed, fails in-flight calls, closes the connection and
// waits for the client's goroutines to finish. Further calls fail with ErrClientClosed.
func (c *Client) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	close(c.closeCh)
	c.cancel()
	cur := c.cur
	c.cur = nil
	subs := make([]*Subscription, 0, len(c.subs))
	for s := range c.subs {
		subs = append(subs, s)
	}
	c.mu.Unlock()

	for _, s := range subs {
		s.end(ErrClientClosed)
	}
	if cur != nil {
		cur.close(ErrClientClosed, reasonClosed)
	}
	c.wg.Wait()
	for _, ep := range c.endpoints {
		c.metrics.current.WithLabelValues(ep.name).Set(0)
	}
	return nil
}

// track adds a goroutine to the client's wait group unless the client is closed.
func (c *Client) track() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return false
	}
	c.wg.Add(1)
	return true
}

func (c *Client) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

func (c *Client) register(s *Subscription) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return false
	}
	c.subs[s] = struct{}{}
	return true
}

func (c *Client) forget(s *Subscription) {
	c.mu.Lock()
	delete(c.subs, s)
	c.mu.Unlock()
}

func (c *Client) subscriptions() []*Subscription {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]*Subscription, 0, len(c.subs))
	for s := range c.subs {
		out = append(out, s)
	}
	return out
}

// sessionClosing withdraws s from use as soon as it starts closing.
func (c *Client) sessionClosing(s session) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cur == s {
		c.cur = nil
		c.ready = make(chan struct{})
		c.metrics.current.WithLabelValues(s.endpoint().name).Set(0)
	}
}

// publish makes s the current session. It fails if s already started closing (the caller reconnects) or
// the client is closed (s is closed then).
func (c *Client) publish(s session) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		c.mu.Unlock()
		s.close(ErrClientClosed, reasonClosed) // takes c.mu itself
		c.mu.Lock()
		return false
	}
	if c.cur == s {
		return true
	}
	if s.isClosed() {
		return false
	}
	c.cur = s
	close(c.ready)
	c.metrics.current.WithLabelValues(s.endpoint().name).Set(1)
	return true
}

func (c *Client) observeBest(n uint64) {
	for {
		cur := c.bestHead.Load()
		if n <= cur || c.bestHead.CompareAndSwap(cur, n) {
			return
		}
	}
}

// supervise keeps a session up: it publishes one, resumes subscriptions on it, watches it, and when it ends
// probes the endpoints again (with backoff while none answers).
func (c *Client) supervise(sess session) {
	defer c.wg.Done()
	failures := 0
	avoid := ""
	for {
		if sess != nil {
			name := sess.endpoint().name
			up := time.Now()
			if c.publish(sess) {
				c.log.Info("rpc: connected", "endpoint", name)
				c.startStallWatch(sess)
				c.resubscribeAll(sess)
				c.watch(sess)
			}
			if c.isClosed() {
				return
			}
			<-sess.done()
			reason := sess.reason()
			c.metrics.reconnect(name, reason)
			c.log.Warn("rpc: connection lost, reconnecting", "endpoint", name, "reason", reason, "error", sess.cause())
			avoid = ""
			if reason == reasonStall || reason == reasonLag {
				avoid = name
			}
			if time.Since(up) >= c.opts.Backoff.Max {
				failures = 0
			} else {
				failures++
			}
			sess = nil
		}
		if failures > 0 {
			t := time.NewTimer(c.opts.Backoff.delay(failures - 1))
			select {
			case <-c.closeCh:
				t.Stop()
				return
			case <-t.C:
			}
		}
		res, err := c.choose(c.probeAll(c.ctx), avoid)
		if err != nil {
			if c.isClosed() {
				return
			}
			failures++
			c.log.Warn("rpc: no endpoint available", "error", err)
			continue
		}
		sess = res.sess
	}
}

// watch returns when sess ends or the client closes, checking endpoint lag meanwhile.
func (c *Client) watch(sess session) {
	var tick <-chan time.Time
	if len(c.endpoints) > 1 && c.opts.LagCheckInterval > 0 && c.opts.MaxLagBlocks >= 0 {
		t := time.NewTicker(c.opts.LagCheckInterval)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-sess.done():
			return
		case <-c.closeCh:
			return
		case <-tick:
			c.checkLag(sess)
		}
	}
}

// checkLag compares the current endpoint's head with the others' and abandons it if it lags.
func (c *Client) checkLag(sess session) {
	cur := sess.endpoint().name
	var (
		mu    sync.Mutex
		heads = make(map[string]uint64)
		wg    sync.WaitGroup
	)
	for _, ep := range c.endpoints {
		wg.Go(func() {
			var (
				n   uint64
				err error
			)
			if ep.name == cur {
				ctx, cancel := context.WithTimeout(c.ctx, c.opts.PingTimeout)
				n, err = c.probeHead(ctx, sess)
				cancel()
			} else {
				r := c.connect(c.ctx, ep)
				if r.sess != nil {
					r.sess.close(errNotChosen, reasonProbe)
				}
				n, err = r.head, r.err
			}
			if err == nil {
				mu.Lock()
				heads[ep.name] = n
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	curHead, ok := heads[cur]
	if !ok {
		return // the current endpoint did not answer: keepalive decides about it
	}
	var best uint64
	for _, n := range heads {
		best = max(best, n)
	}
	c.observeBest(best)
	for name, n := range heads {
		c.metrics.headLag.WithLabelValues(name).Set(float64(best - n))
	}
	if lag := best - curHead; c.opts.MaxLagBlocks >= 0 && lag > uint64(c.opts.MaxLagBlocks) {
		sess.close(fmt.Errorf("%w: %s: best block #%d lags %d blocks behind #%d", ErrConnectionLost, cur, curHead, lag, best), reasonLag)
	}
}

// resubscribeAll subscribes again, on sess, every resumable subscription whose connection was lost.
func (c *Client) resubscribeAll(sess session) {
	for _, sub := range c.subscriptions() {
		if !sub.takeDetached() {
			continue
		}
		if _, ok := sess.(*wsSession); !ok {
			sub.end(fmt.Errorf("rpc: resuming %s on %s: %w", sub.req.Method, sess.endpoint().name, ErrSubscriptionsUnsupported))
			continue
		}
		ctx, cancel := context.WithTimeout(c.ctx, c.resubscribeTimeout())
		err := c.subscribeOn(ctx, sub, sess)
		cancel()
		if err == nil {
			continue
		}
		var rpcErr *Error
		if errors.As(err, &rpcErr) {
			sub.end(err) // the node refuses it now: tell the consumer rather than retry forever
			continue
		}
		sub.setDetached()
		if sess.isClosed() || c.isClosed() {
			return // the next connection tries again
		}
		// The node did not answer a subscribe on a connection that looks alive: replace the connection.
		sess.close(fmt.Errorf("%w: %s: resubscribing %s: %w", ErrConnectionLost, sess.endpoint().name, sub.req.Method, err), reasonResubscribe)
		return
	}
}

func (c *Client) resubscribeTimeout() time.Duration {
	if c.opts.CallTimeout > 0 {
		return c.opts.CallTimeout
	}
	return DefaultCallTimeout
}

// subscribeOn sends sub's subscribe request on one session; the consumer gets a Resumed marker first.
func (c *Client) subscribeOn(ctx context.Context, sub *Subscription, sess session) error {
	hook := func(s *wsSession, result json.RawMessage) error {
		return s.attachSubscription(sub, result, true)
	}
	_, err := c.invoke(ctx, callSpec{method: sub.req.Method, params: sub.req.Params, hook: hook, session: sess, internal: sub.internal})
	return err
}

// startStallWatch follows new heads on sess with the client's own subscription and closes sess when the
// best block stops increasing for StallBlocks × BlockTime.
func (c *Client) startStallWatch(sess session) {
	ws, ok := sess.(*wsSession)
	if !ok || c.opts.StallBlocks <= 0 {
		return
	}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		c.stallWatch(ws)
	}()
}

func (c *Client) stallWatch(s *wsSession) {
	sub := newSubscription(c, SubscribeRequest{
		Method: "chain_subscribeNewHeads", Unsubscribe: "chain_unsubscribeNewHeads", Overflow: DropOldest, Buffer: 4,
	})
	sub.internal = true
	ctx, cancel := context.WithTimeout(s.ctx, c.opts.DialTimeout)
	_, err := c.invoke(ctx, callSpec{
		method: sub.req.Method, session: s, internal: true,
		hook: func(s *wsSession, result json.RawMessage) error { return s.attachSubscription(sub, result, false) },
	})
	cancel()
	if err != nil {
		sub.end(err)
		if !s.isClosed() {
			c.log.Warn("rpc: cannot watch heads for stalls", "endpoint", s.ep.name, "error", err)
		}
		return
	}
	defer sub.end(nil)

	limit := time.Duration(c.opts.StallBlocks) * c.opts.BlockTime
	timer := time.NewTimer(limit)
	defer timer.Stop()
	var last uint64
	for {
		select {
		case n, ok := <-sub.ch:
			if !ok {
				return
			}
			num, err := parseBlockNumber(n.Result)
			if err != nil {
				continue
			}
			c.observeBest(num)
			c.metrics.headLag.WithLabelValues(s.ep.name).Set(float64(c.bestHead.Load() - min(num, c.bestHead.Load())))
			if num > last {
				last = num
				timer.Reset(limit)
			}
		case <-timer.C:
			s.close(s.lost(fmt.Errorf("best block stuck at #%d for %s", last, limit)), reasonStall)
			return
		case <-s.ctx.Done():
			return
		}
	}
}
