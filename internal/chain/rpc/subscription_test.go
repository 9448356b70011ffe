package rpc_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/pylon-go/pylon/internal/chain/rpc"
	"github.com/pylon-go/pylon/internal/chain/rpc/rpctest"
)

func TestHeadSubscription(t *testing.T) {
	srv := newServer(t)
	c := dial(t, []string{srv.URL()}, fastOptions())
	sub, err := c.SubscribeNewHeads(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	if n := headNumber(t, next(t, sub).Result); n != 1 {
		t.Fatalf("first head = %d, want the current head 1", n)
	}
	for want := uint64(2); want <= 5; want++ {
		srv.AdvanceHead()
		if n := headNumber(t, next(t, sub).Result); n != want {
			t.Fatalf("head = %d, want %d", n, want)
		}
	}
}

// Chopsticks sends the first state_subscribeRuntimeVersion notification before the reply that carries the
// subscription id; it must not be lost.
func TestNotificationBeforeSubscribeReplyIsDelivered(t *testing.T) {
	srv := newServer(t)
	srv.SetRuntimeVersion(json.RawMessage(`{"specName":"node","specVersion":218}`))
	c := dial(t, []string{srv.URL()}, fastOptions())
	for range 20 { // repeated: the early path must hold every time, not just by luck of scheduling
		sub, err := c.SubscribeRuntimeVersion(testContext(t))
		if err != nil {
			t.Fatal(err)
		}
		n := next(t, sub)
		var v struct{ SpecVersion int }
		if err := json.Unmarshal(n.Result, &v); err != nil || v.SpecVersion != 218 {
			t.Fatalf("first notification %s (%v), want specVersion 218", n.Result, err)
		}
		if err := sub.Unsubscribe(testContext(t)); err != nil {
			t.Fatal(err)
		}
	}
}

// A burst of notifications sent before the reply arrives in order, and later ones follow.
func TestManyEarlyNotificationsKeepTheirOrder(t *testing.T) {
	srv := newServer(t)
	srv.Handle("test_subscribe", func(c *rpctest.Conn, req rpctest.Request) {
		id := srv.NewSubscriptionID()
		for i := range 5 {
			c.Notify("test_item", id, i)
		}
		c.Reply(req.ID, id)
		for i := 5; i < 10; i++ {
			c.Notify("test_item", id, i)
		}
	})
	c := dial(t, []string{srv.URL()}, fastOptions())
	sub, err := c.Subscribe(testContext(t), rpc.SubscribeRequest{Method: "test_subscribe", Unsubscribe: "test_unsubscribe"})
	if err != nil {
		t.Fatal(err)
	}
	for want := range 10 {
		var got int
		if err := json.Unmarshal(next(t, sub).Result, &got); err != nil || got != want {
			t.Fatalf("item %d: got %d (%v)", want, got, err)
		}
	}
}

func TestUnsubscribe(t *testing.T) {
	srv := newServer(t)
	c := dial(t, []string{srv.URL()}, fastOptions())
	sub, err := c.SubscribeNewHeads(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	next(t, sub)
	if srv.HeadSubscribers() != 1 {
		t.Fatalf("server has %d head subscribers, want 1", srv.HeadSubscribers())
	}
	if err := sub.Unsubscribe(testContext(t)); err != nil {
		t.Fatalf("Unsubscribe: %v", err)
	}
	if err := waitEnded(t, sub); err != nil {
		t.Errorf("Err after Unsubscribe = %v, want nil", err)
	}
	if srv.HeadSubscribers() != 0 {
		t.Errorf("server still has %d head subscribers", srv.HeadSubscribers())
	}
	srv.AdvanceHead() // nobody listens; must not disturb anything
	if err := sub.Unsubscribe(testContext(t)); err != nil {
		t.Errorf("second Unsubscribe: %v", err)
	}
	if got := c.CallCount("chain_unsubscribeNewHeads"); got != 1 {
		t.Errorf("unsubscribe calls = %d, want 1", got)
	}
}

func TestSubscriptionEndsWithItsContext(t *testing.T) {
	srv := newServer(t)
	c := dial(t, []string{srv.URL()}, fastOptions())
	ctx, cancel := context.WithCancel(testContext(t))
	sub, err := c.SubscribeNewHeads(ctx)
	if err != nil {
		t.Fatal(err)
	}
	next(t, sub)
	cancel()
	if err := waitEnded(t, sub); !errors.Is(err, context.Canceled) {
		t.Errorf("Err = %v, want context.Canceled", err)
	}
	eventually(t, "the node is told to unsubscribe", func() bool { return srv.HeadSubscribers() == 0 })
}

func TestSlowConsumerDropOldest(t *testing.T) {
	srv := newServer(t)
	c := dial(t, []string{srv.URL()}, fastOptions())
	sub, err := c.Subscribe(testContext(t), rpc.SubscribeRequest{
		Method: "chain_subscribeNewHeads", Unsubscribe: "chain_unsubscribeNewHeads",
		Overflow: rpc.DropOldest, Buffer: 2,
	})
	if err != nil {
		t.Fatal(err)
	}
	next(t, sub) // head 1, sent by the server right after its reply
	// Nobody reads now: heads 2..10 arrive into a buffer of 2.
	for range 9 {
		srv.AdvanceHead()
	}
	eventually(t, "7 notifications dropped", func() bool { return sub.Dropped() == 7 })
	// The newest survive.
	if a, b := headNumber(t, next(t, sub).Result), headNumber(t, next(t, sub).Result); a != 9 || b != 10 {
		t.Errorf("kept heads %d and %d, want 9 and 10", a, b)
	}
	if got := c.Stats().DroppedNotifications; got != 7 {
		t.Errorf("Stats.DroppedNotifications = %d, want 7", got)
	}
	// The subscription goes on.
	srv.AdvanceHead()
	if n := headNumber(t, next(t, sub).Result); n != 11 {
		t.Errorf("head after drops = %d, want 11", n)
	}
}

func TestSlowConsumerEndOnOverflow(t *testing.T) {
	srv := newServer(t)
	c := dial(t, []string{srv.URL()}, fastOptions())
	sub, err := c.Subscribe(testContext(t), rpc.SubscribeRequest{
		Method: "chain_subscribeNewHeads", Unsubscribe: "chain_unsubscribeNewHeads", Buffer: 2,
	})
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		srv.AdvanceHead()
	}
	// Read nothing until the overflow: a reader would make room.
	eventually(t, "the subscription ends", func() bool { return sub.Err() != nil })
	if err := waitEnded(t, sub); !errors.Is(err, rpc.ErrSubscriptionOverflow) {
		t.Fatalf("Err = %v, want ErrSubscriptionOverflow", err)
	}
	eventually(t, "the node is told to unsubscribe", func() bool { return srv.HeadSubscribers() == 0 })
	// Calls are unaffected.
	if err := c.Call(testContext(t), "chain_getHeader", nil); err != nil {
		t.Fatal(err)
	}
}

// One consumer that never reads must not hold up calls or other subscriptions on the same connection.
func TestStuckConsumerDoesNotBlockTheConnection(t *testing.T) {
	srv := newServer(t)
	c := dial(t, []string{srv.URL()}, fastOptions())
	ctx := testContext(t)
	stuck, err := c.Subscribe(ctx, rpc.SubscribeRequest{
		Method: "chain_subscribeNewHeads", Unsubscribe: "chain_unsubscribeNewHeads", Overflow: rpc.DropOldest, Buffer: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	live, err := c.SubscribeNewHeads(ctx)
	if err != nil {
		t.Fatal(err)
	}
	next(t, live)
	for want := uint64(2); want <= 50; want++ {
		srv.AdvanceHead()
		if n := headNumber(t, next(t, live).Result); n != want {
			t.Fatalf("live subscriber got %d, want %d", n, want)
		}
	}
	if err := c.Call(ctx, "chain_getHeader", nil); err != nil {
		t.Fatal(err)
	}
	if stuck.Dropped() == 0 {
		t.Error("the stuck subscriber dropped nothing")
	}
}

func TestManyConcurrentSubscriptions(t *testing.T) {
	srv := newServer(t)
	c := dial(t, []string{srv.URL()}, fastOptions())
	ctx := testContext(t)
	var wg sync.WaitGroup
	for range 100 {
		wg.Go(func() {
			sub, err := c.SubscribeRuntimeVersion(ctx)
			if err != nil {
				t.Error(err)
				return
			}
			if n := next(t, sub); n.Result == nil {
				t.Error("empty first notification")
			}
			if err := sub.Unsubscribe(ctx); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
}

func TestSubscribeRequestValidation(t *testing.T) {
	srv := newServer(t)
	c := dial(t, []string{srv.URL()}, fastOptions())
	if _, err := c.Subscribe(testContext(t), rpc.SubscribeRequest{Method: "chain_subscribeNewHeads"}); err == nil {
		t.Error("a subscription without an unsubscribe method was accepted")
	}
	var rpcErr *rpc.Error
	_, err := c.Subscribe(testContext(t), rpc.SubscribeRequest{Method: "no_such_subscribe", Unsubscribe: "x"})
	if !errors.As(err, &rpcErr) {
		t.Errorf("subscribe to an unknown method: %v, want *rpc.Error", err)
	}
}

func TestSubscriptionClosedByTheNode(t *testing.T) {
	srv := newServer(t)
	srv.Handle("test_subscribe", func(c *rpctest.Conn, req rpctest.Request) {
		id := srv.NewSubscriptionID()
		c.Reply(req.ID, id)
		c.Notify("test_item", id, 1)
		c.SendRaw([]byte(`{"jsonrpc":"2.0","method":"test_item","params":{"subscription":"` + id + `","error":"server is shutting down"}}`))
	})
	c := dial(t, []string{srv.URL()}, fastOptions())
	sub, err := c.Subscribe(testContext(t), rpc.SubscribeRequest{Method: "test_subscribe", Unsubscribe: "test_unsubscribe", Resumable: true})
	if err != nil {
		t.Fatal(err)
	}
	if n := next(t, sub); string(n.Result) != "1" {
		t.Fatalf("first item %s, want 1", n.Result)
	}
	if err := waitEnded(t, sub); !errors.Is(err, rpc.ErrSubscriptionClosed) {
		t.Fatalf("Err = %v, want ErrSubscriptionClosed", err)
	}
}

// A notification for a subscription the client does not know, while no subscribe request is in flight,
// cannot be an early one: it is dropped and counted at once.
func TestStrayNotificationIsDroppedAndCounted(t *testing.T) {
	srv := newServer(t)
	srv.Handle("test_stray", func(c *rpctest.Conn, req rpctest.Request) {
		c.Notify("test_item", srv.NewSubscriptionID(), 1)
		c.Reply(req.ID, true)
	})
	c := dial(t, []string{srv.URL()}, fastOptions())
	if err := c.Call(testContext(t), "test_stray", nil); err != nil {
		t.Fatal(err)
	}
	if got := c.Stats().DroppedNotifications; got != 1 {
		t.Errorf("DroppedNotifications = %d, want 1", got)
	}
}

// A subscriber that gives up while its subscribe request is in flight leaves no subscription on the node:
// when the reply finally comes, the client unsubscribes.
func TestAbandonedSubscribeIsCancelledOnTheNode(t *testing.T) {
	srv := newServer(t)
	release := make(chan struct{})
	srv.Handle("test_subscribe", func(c *rpctest.Conn, req rpctest.Request) {
		select {
		case <-release:
		case <-c.Done():
			return
		}
		c.Reply(req.ID, srv.NewSubscriptionID())
	})
	srv.HandleFunc("test_unsubscribe", func(json.RawMessage) (any, *rpctest.Error) { return true, nil })
	c := dial(t, []string{srv.URL()}, fastOptions())

	ctx, cancel := context.WithTimeout(testContext(t), 20*time.Millisecond)
	defer cancel()
	_, err := c.Subscribe(ctx, rpc.SubscribeRequest{Method: "test_subscribe", Unsubscribe: "test_unsubscribe"})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Subscribe: %v, want DeadlineExceeded", err)
	}
	close(release)
	eventually(t, "the late subscription is cancelled", func() bool { return srv.Requests("test_unsubscribe") == 1 })
}
