package chain

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/pylon-go/pylon/internal/chain/rpc"
)

// headKind selects the best or the finalised head.
type headKind int

const (
	kindBest headKind = iota
	kindFinalized
)

func (k headKind) String() string {
	if k == kindFinalized {
		return "finalised"
	}
	return "best"
}

// tracker holds the latest best and finalised heads and fans them out to in-process subscribers.
//
// Subscribers get a channel of capacity one that always holds the newest head they have not read yet
// (latest wins): a slow consumer skips heads instead of holding up the others or the tracker. Heads only
// move forward, except right after a reconnect, when the node's own view wins (a failover may land on a
// node one block behind; reads must then use blocks that node knows).
type tracker struct {
	c *Client

	mu      sync.Mutex
	heads   [2]Head
	changed [2]chan struct{} // closed and replaced whenever the head of that kind changes
	subs    [2]map[*headSub]struct{}
	closed  bool
	runtime RuntimeVersion // the latest runtime the node announced
}

type headSub struct {
	ch   chan Head
	stop func() bool
}

func newTracker(c *Client) *tracker {
	t := &tracker{c: c}
	for k := range t.changed {
		t.changed[k] = make(chan struct{})
		t.subs[k] = make(map[*headSub]struct{})
	}
	return t
}

// update installs h as the head of kind unless it is older than the current one (or the same block); reset
// accepts any head (after a reconnect). It reports whether the head changed.
func (t *tracker) update(kind headKind, h Header, reset bool) bool {
	hash := h.Hash()
	t.c.headers.cache.add(hash, h)
	t.mu.Lock()
	defer t.mu.Unlock()
	cur := t.heads[kind]
	if t.closed || (cur.Hash == hash) || (!reset && !cur.Seen.IsZero() && h.Number < cur.Number) {
		return false
	}
	head := Head{Number: h.Number, Hash: hash, Header: h, Seen: time.Now()}
	t.heads[kind] = head
	close(t.changed[kind])
	t.changed[kind] = make(chan struct{})
	for s := range t.subs[kind] {
		offer(s.ch, head)
	}
	t.c.m.setHead(kind, head)
	return true
}

// offer puts h into a capacity-one channel, replacing an unread older head. Only the tracker sends, under
// its lock, so the second send cannot block.
func offer(ch chan Head, h Head) {
	select {
	case ch <- h:
		return
	default:
	}
	select {
	case <-ch:
	default:
	}
	ch <- h
}

func (t *tracker) get(kind headKind) Head {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.heads[kind]
}

func (t *tracker) subscribe(ctx context.Context, kind headKind) <-chan Head {
	s := &headSub{ch: make(chan Head, 1)}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		close(s.ch)
		return s.ch
	}
	if h := t.heads[kind]; !h.Seen.IsZero() {
		s.ch <- h
	}
	t.subs[kind][s] = struct{}{}
	s.stop = context.AfterFunc(ctx, func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		if _, ok := t.subs[kind][s]; ok {
			delete(t.subs[kind], s)
			close(s.ch)
		}
	})
	return s.ch
}

func (t *tracker) setRuntime(v RuntimeVersion) (previous RuntimeVersion) {
	t.mu.Lock()
	defer t.mu.Unlock()
	previous = t.runtime
	t.runtime = v
	return previous
}

func (t *tracker) close() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return
	}
	t.closed = true
	for k := range t.subs {
		for s := range t.subs[k] {
			s.stop()
			close(s.ch)
		}
		t.subs[k] = nil
		close(t.changed[k])
	}
}

// Head returns the latest best head: the block "latest" reads should be pinned to. After Dial there always
// is one. The best head is not final: on a real network it can be replaced by a fork (see FinalizedHead).
func (c *Client) Head() Head { return c.heads.get(kindBest) }

// FinalizedHead returns the latest finalised head (zero until the node reported one).
func (c *Client) FinalizedHead() Head { return c.heads.get(kindFinalized) }

// SubscribeHeads delivers best heads: the current one at once, then each new one. The channel holds at
// most one unread head and always the newest, so a slow consumer skips heads rather than delaying anyone.
// It is closed when ctx ends or the client is closed.
func (c *Client) SubscribeHeads(ctx context.Context) <-chan Head {
	return c.heads.subscribe(ctx, kindBest)
}

// SubscribeFinalizedHeads is SubscribeHeads for finalised heads.
func (c *Client) SubscribeFinalizedHeads(ctx context.Context) <-chan Head {
	return c.heads.subscribe(ctx, kindFinalized)
}

// WaitForBlock waits until the best head is block n or later and returns that head.
func (c *Client) WaitForBlock(ctx context.Context, n uint64) (Head, error) {
	t := c.heads
	for {
		t.mu.Lock()
		h, ch, closed := t.heads[kindBest], t.changed[kindBest], t.closed
		t.mu.Unlock()
		switch {
		case closed:
			return Head{}, ErrClosed
		case h.Number >= n && !h.Seen.IsZero():
			return h, nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return Head{}, fmt.Errorf("chain: waiting for block #%d (best is #%d): %w", n, h.Number, context.Cause(ctx))
		}
	}
}

// Ready implements the service's readiness check: nil when the best head changed within
// ReadyBlocks × BlockTime, otherwise an error wrapping ErrNotReady that says why (safe to show to callers:
// it names no endpoint).
func (c *Client) Ready(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return c.readyAt(time.Now())
}

// readyAt is Ready evaluated at the moment now.
func (c *Client) readyAt(now time.Time) error {
	if c.ctx.Err() != nil {
		return ErrClosed
	}
	h := c.Head()
	if h.Seen.IsZero() {
		return fmt.Errorf("%w: no block seen yet", ErrNotReady)
	}
	if c.opts.ReadyBlocks > 0 {
		limit := time.Duration(c.opts.ReadyBlocks) * c.opts.BlockTime
		if age := now.Sub(h.Seen); age > limit {
			return fmt.Errorf("%w: the best block #%d was seen %s ago; a new block is expected every %s",
				ErrNotReady, h.Number, age.Round(time.Second), c.opts.BlockTime)
		}
	}
	return nil
}

// followHeads keeps the head of kind current for the client's lifetime: a resumable subscription while the
// endpoint speaks WebSocket, polling while it speaks HTTP, and a fresh read after every reconnect.
func (c *Client) followHeads(kind headKind) {
	retry := newRetry(c.opts.BlockTime)
	for c.ctx.Err() == nil {
		if c.isHTTP() {
			c.pollHeads(kind)
			continue
		}
		var sub *rpc.Subscription
		var err error
		if kind == kindBest {
			sub, err = c.rpc.SubscribeNewHeads(c.ctx)
		} else {
			sub, err = c.rpc.SubscribeFinalizedHeads(c.ctx)
		}
		if err != nil {
			if c.ctx.Err() == nil && !errors.Is(err, rpc.ErrSubscriptionsUnsupported) {
				c.log.Warn("chain: subscribing to heads", "kind", kind, "err", err)
			}
			if !c.sleep(retry.next()) {
				return
			}
			continue
		}
		retry.reset()
		for n := range sub.Notifications() {
			if n.Resumed {
				c.resyncHead(kind)
			}
			if n.Result == nil {
				continue
			}
			var h Header
			if err := json.Unmarshal(n.Result, &h); err != nil {
				c.log.Warn("chain: undecodable head notification", "kind", kind, "err", err)
				continue
			}
			c.heads.update(kind, h, false)
		}
		if c.ctx.Err() != nil {
			return
		}
		c.log.Warn("chain: head subscription ended; subscribing again", "kind", kind, "err", sub.Err())
		if !c.sleep(retry.next()) {
			return
		}
	}
}

// resyncHead reads the head of kind after a reconnect, when notifications may have been missed and the
// endpoint may have changed.
func (c *Client) resyncHead(kind headKind) {
	ctx, cancel := context.WithTimeout(c.ctx, c.opts.LoadTimeout)
	defer cancel()
	h, err := c.fetchHead(ctx, kind)
	if err != nil {
		if c.ctx.Err() == nil {
			c.log.Warn("chain: re-reading the head after a reconnect", "kind", kind, "err", err)
		}
		return
	}
	c.heads.update(kind, h, true)
}

func (c *Client) fetchHead(ctx context.Context, kind headKind) (Header, error) {
	if kind == kindBest {
		return c.fetchBestHeader(ctx)
	}
	return c.fetchFinalizedHeader(ctx)
}

// pollHeads reads the head every PollInterval while the endpoint in use cannot carry subscriptions.
func (c *Client) pollHeads(kind headKind) {
	for c.isHTTP() {
		ctx, cancel := context.WithTimeout(c.ctx, c.opts.LoadTimeout)
		h, err := c.fetchHead(ctx, kind)
		cancel()
		switch {
		case err == nil:
			c.heads.update(kind, h, false)
		case c.ctx.Err() == nil:
			c.log.Warn("chain: polling the head", "kind", kind, "err", err)
		}
		if !c.sleep(c.opts.PollInterval) {
			return
		}
	}
}

// retry spaces resubscription attempts: from 100 ms, doubling, capped at max.
type retry struct {
	cur, max time.Duration
}

func newRetry(limit time.Duration) *retry { return &retry{max: limit} }

func (r *retry) next() time.Duration {
	switch {
	case r.cur == 0:
		r.cur = 100 * time.Millisecond
	case r.cur < r.max:
		r.cur = min(2*r.cur, r.max)
	}
	return r.cur
}

func (r *retry) reset() { r.cur = 0 }
