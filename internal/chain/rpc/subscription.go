package rpc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
)

// OverflowPolicy says what happens when a subscription's consumer falls behind and its buffer is full.
// The reader goroutine never waits for a consumer: one slow consumer must not stall every call and every
// other subscription on the connection.
type OverflowPolicy int

const (
	// EndOnOverflow ends the subscription with ErrSubscriptionOverflow: nothing is lost silently, and the
	// consumer can subscribe again and re-sync. The default, right for streams where every item matters
	// (extrinsic status, storage changes).
	EndOnOverflow OverflowPolicy = iota
	// DropOldest discards the oldest buffered notification to make room, counting it in Dropped and in the
	// dropped-notifications metric. Right for "latest value" streams such as heads or the runtime version,
	// where the newest item supersedes older ones.
	DropOldest
)

// SubscribeRequest describes a subscription.
type SubscribeRequest struct {
	// Method subscribes, e.g. "chain_subscribeNewHeads".
	Method string
	// Unsubscribe cancels it, called with the subscription id, e.g. "chain_unsubscribeNewHeads".
	Unsubscribe string
	// Params are the subscribe method's positional parameters.
	Params []any
	// Resumable subscriptions are subscribed again, with the same Method and Params, on the new connection
	// after a reconnect, and the consumer receives a Notification with Resumed set. Leave it false for
	// subscriptions whose request has effects, such as author_submitAndWatchExtrinsic: those end with
	// ErrConnectionLost when the connection breaks and are never re-sent.
	Resumable bool
	// Overflow is what happens when the buffer is full.
	Overflow OverflowPolicy
	// Buffer is the channel capacity; zero uses Options.SubscriptionBuffer.
	Buffer int
}

// Notification is one item of a subscription's channel.
type Notification struct {
	// Result is the notification's params.result as sent by the node. Nil for a pure Resumed marker.
	Result json.RawMessage
	// Resumed reports that the subscription was re-established on a new connection before this item:
	// notifications may have been missed in between, so the consumer should re-read the state it follows
	// (e.g. the current head). A Resumed item with a nil Result carries no data.
	Resumed bool
}

// subscription states.
const (
	subSubscribing int32 = iota // a subscribe request is in flight
	subActive                   // registered on a live session
	subDetached                 // resumable, connection lost, waiting to be subscribed again
	subEnded
)

// Subscription is a live JSON-RPC subscription. Read Notifications until the channel closes, then Err says
// why it ended. The subscription follows the client across reconnects when it is resumable.
type Subscription struct {
	client   *Client
	req      SubscribeRequest
	ch       chan Notification
	internal bool // the client's own (stall watch): not counted in Stats, never resumed
	dropped  atomic.Uint64

	mu       sync.Mutex
	stop     func() bool // stops the context watcher
	state    int32
	sess     *wsSession
	key      string
	serverID json.RawMessage
	err      error
}

func newSubscription(c *Client, req SubscribeRequest) *Subscription {
	n := req.Buffer
	if n <= 0 {
		n = c.opts.SubscriptionBuffer
	}
	return &Subscription{client: c, req: req, ch: make(chan Notification, n), state: subSubscribing}
}

// Notifications delivers the subscription's items in order. It is closed when the subscription ends.
func (s *Subscription) Notifications() <-chan Notification { return s.ch }

// Err is why the subscription ended: nil after Unsubscribe, the context's error after the context passed to
// Subscribe ended, ErrConnectionLost for a non-resumable subscription whose connection broke,
// ErrSubscriptionOverflow, ErrSubscriptionClosed, ErrClientClosed, or the node's *Error if subscribing
// again after a reconnect failed. Nil while the subscription is live.
func (s *Subscription) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Method is the subscribe method.
func (s *Subscription) Method() string { return s.req.Method }

// Dropped is how many notifications were discarded because the consumer fell behind (DropOldest).
func (s *Subscription) Dropped() uint64 { return s.dropped.Load() }

// Unsubscribe ends the subscription: the channel is closed at once, then the node is told with the
// Unsubscribe method (bounded by ctx). The returned error is that call's; the subscription is over either way.
func (s *Subscription) Unsubscribe(ctx context.Context) error {
	sess, serverID := s.end(nil)
	if sess == nil {
		return nil
	}
	_, err := s.client.invoke(ctx, callSpec{method: s.req.Unsubscribe, params: []any{serverID}, session: sess, internal: s.internal})
	return err
}

// deliver hands one item to the consumer without ever blocking. Called from the reader goroutine.
func (s *Subscription) deliver(n Notification) {
	s.mu.Lock()
	if s.state == subEnded {
		s.mu.Unlock()
		return
	}
	for {
		select {
		case s.ch <- n:
			s.mu.Unlock()
			return
		default:
		}
		if s.req.Overflow != DropOldest {
			s.mu.Unlock()
			s.client.metrics.dropped(s.req.Method, dropSlowConsumer, 1)
			s.endAndUnsubscribe(ErrSubscriptionOverflow)
			return
		}
		select {
		case old := <-s.ch:
			s.dropped.Add(1)
			s.client.metrics.dropped(s.req.Method, dropSlowConsumer, 1)
			// Never lose the resume signal: it travels on with the newest item.
			n.Resumed = n.Resumed || old.Resumed
		default: // the consumer just made room
		}
	}
}

// attach records the session and id the node gave the subscription; false if it ended meanwhile.
// Called with the session's mutex held (lock order: session, then subscription).
func (s *Subscription) attach(sess *wsSession, key string, serverID json.RawMessage) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state == subEnded {
		return false
	}
	s.state, s.sess, s.key, s.serverID = subActive, sess, key, serverID
	return true
}

// connectionLost is called when sess closed while s was attached to it.
func (s *Subscription) connectionLost(sess *wsSession, cause error) {
	s.mu.Lock()
	if s.state != subActive || s.sess != sess {
		s.mu.Unlock()
		return
	}
	if s.req.Resumable && !s.internal {
		s.state, s.sess, s.key, s.serverID = subDetached, nil, "", nil
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()
	s.end(cause)
}

// end closes the channel with err as the reason and returns the session and id the subscription was live
// on (nil if none), so the caller can unsubscribe on the node. Only the first call has an effect.
func (s *Subscription) end(err error) (*wsSession, json.RawMessage) {
	s.mu.Lock()
	if s.state == subEnded {
		s.mu.Unlock()
		return nil, nil
	}
	sess, key, serverID := s.sess, s.key, s.serverID
	s.state, s.sess, s.err = subEnded, nil, err
	close(s.ch)
	stop := s.stop
	s.mu.Unlock()

	if stop != nil {
		stop()
	}
	s.client.forget(s)
	if sess == nil {
		return nil, nil
	}
	sess.forgetSubscription(key)
	return sess, serverID
}

// endAndUnsubscribe ends the subscription and cancels it on the node without waiting.
func (s *Subscription) endAndUnsubscribe(err error) {
	if sess, serverID := s.end(err); sess != nil {
		sess.unsubscribeAsync(s.req.Unsubscribe, serverID)
	}
}

// takeDetached moves a detached subscription to subscribing; false if it is not detached.
func (s *Subscription) takeDetached() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state != subDetached {
		return false
	}
	s.state = subSubscribing
	return true
}

// setDetached returns a subscription whose resubscription failed for connection reasons to the detached
// state, to be tried again on the next connection.
func (s *Subscription) setDetached() {
	s.mu.Lock()
	if s.state == subSubscribing {
		s.state = subDetached
	}
	s.mu.Unlock()
}

// Subscribe starts a subscription. The subscription lives until Unsubscribe, until ctx ends, or until the
// client is closed; ctx (with CallTimeout when ctx has no deadline) also bounds the subscribe request itself.
//
// The subscription is registered on the reader goroutine as its reply is read, and notifications that the
// node sends before that reply (Chopsticks does for state_subscribeRuntimeVersion) are buffered and
// delivered first, so none is lost.
func (c *Client) Subscribe(ctx context.Context, req SubscribeRequest) (*Subscription, error) {
	if req.Method == "" || req.Unsubscribe == "" {
		return nil, errors.New("rpc: SubscribeRequest needs Method and Unsubscribe")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	sub := newSubscription(c, req)
	if !c.register(sub) {
		return nil, ErrClientClosed
	}
	if err := c.subscribe(ctx, sub, false); err != nil {
		if sess, serverID := sub.end(err); sess != nil {
			sess.unsubscribeAsync(req.Unsubscribe, serverID)
		}
		return nil, err
	}
	sub.bindContext(ctx)
	return sub, nil
}

// bindContext ends the subscription (and cancels it on the node) when ctx ends.
func (s *Subscription) bindContext(ctx context.Context) {
	c := s.client
	stop := context.AfterFunc(ctx, func() {
		if !c.track() {
			return
		}
		defer c.wg.Done()
		sess, serverID := s.end(ctx.Err())
		if sess == nil {
			return
		}
		uctx, cancel := context.WithTimeout(context.Background(), c.opts.PingTimeout)
		defer cancel()
		_, _ = c.invoke(uctx, callSpec{method: s.req.Unsubscribe, params: []any{serverID}, session: sess})
	})
	s.mu.Lock()
	ended := s.state == subEnded
	if !ended {
		s.stop = stop
	}
	s.mu.Unlock()
	if ended {
		stop()
	}
}

// subscribe sends the subscribe request for sub on the current session (waiting for one if needed).
func (c *Client) subscribe(ctx context.Context, sub *Subscription, resumed bool) error {
	hook := func(s *wsSession, result json.RawMessage) error {
		return s.attachSubscription(sub, result, resumed)
	}
	_, err := c.invoke(ctx, callSpec{
		method:      sub.req.Method,
		params:      sub.req.Params,
		hook:        hook,
		retryOnLoss: sub.req.Resumable,
		internal:    sub.internal,
	})
	if err != nil {
		return fmt.Errorf("rpc: subscribing %s: %w", sub.req.Method, err)
	}
	return nil
}

// SubscribeNewHeads follows best-block headers (chain_subscribeNewHeads). Resumable; a slow consumer loses
// the oldest headers, never the newest.
func (c *Client) SubscribeNewHeads(ctx context.Context) (*Subscription, error) {
	return c.Subscribe(ctx, SubscribeRequest{
		Method: "chain_subscribeNewHeads", Unsubscribe: "chain_unsubscribeNewHeads",
		Resumable: true, Overflow: DropOldest,
	})
}

// SubscribeFinalizedHeads follows finalised headers (chain_subscribeFinalizedHeads). Resumable, DropOldest.
func (c *Client) SubscribeFinalizedHeads(ctx context.Context) (*Subscription, error) {
	return c.Subscribe(ctx, SubscribeRequest{
		Method: "chain_subscribeFinalizedHeads", Unsubscribe: "chain_unsubscribeFinalizedHeads",
		Resumable: true, Overflow: DropOldest,
	})
}

// SubscribeRuntimeVersion follows runtime upgrades (state_subscribeRuntimeVersion). Resumable, DropOldest:
// the newest version supersedes older ones. Nodes send the current version first.
func (c *Client) SubscribeRuntimeVersion(ctx context.Context) (*Subscription, error) {
	return c.Subscribe(ctx, SubscribeRequest{
		Method: "state_subscribeRuntimeVersion", Unsubscribe: "state_unsubscribeRuntimeVersion",
		Resumable: true, Overflow: DropOldest,
	})
}
