package chain

import (
	"container/list"
	"context"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// lru is a bounded least-recently-used map, safe for concurrent use. The chain layer caches only values that
// never change for their key (runtime versions and headers by block hash, metadata by spec version), so
// there is no expiry: the bound is the only reason to forget.
type lru[K comparable, V any] struct {
	mu    sync.Mutex
	max   int
	order *list.List // front = most recently used; elements hold *lruEntry
	items map[K]*list.Element
}

type lruEntry[K comparable, V any] struct {
	key K
	val V
}

func newLRU[K comparable, V any](size int) *lru[K, V] {
	return &lru[K, V]{max: size, order: list.New(), items: make(map[K]*list.Element)}
}

// entryOf returns the entry an element holds; elements are only ever created by add.
func entryOf[K comparable, V any](el *list.Element) *lruEntry[K, V] {
	e, _ := el.Value.(*lruEntry[K, V])
	return e
}

func (c *lru[K, V]) get(k K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[k]; ok {
		c.order.MoveToFront(el)
		return entryOf[K, V](el).val, true
	}
	var zero V
	return zero, false
}

func (c *lru[K, V]) add(k K, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[k]; ok {
		entryOf[K, V](el).val = v
		c.order.MoveToFront(el)
		return
	}
	c.items[k] = c.order.PushFront(&lruEntry[K, V]{key: k, val: v})
	for c.order.Len() > c.max {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.items, entryOf[K, V](last).key)
	}
}

// loader fills an lru through shared loads: concurrent misses of one key wait for a single load.
//
// The load runs on a context detached from the caller that started it (bounded by timeout): otherwise the
// first caller's short deadline or cancellation would fail every other caller waiting for the same key. Each
// caller still waits only as long as its own context allows; a load that outlives its starter completes
// and is cached for the next caller.
type loader[K comparable, V any] struct {
	cache   *lru[K, V]
	group   singleflight.Group
	timeout time.Duration
	keyOf   func(K) string
}

func (l *loader[K, V]) get(ctx context.Context, k K, load func(ctx context.Context) (V, error)) (V, error) {
	if v, ok := l.cache.get(k); ok {
		return v, nil
	}
	ch := l.group.DoChan(l.keyOf(k), func() (any, error) {
		// A load that finished between the miss above and joining the group already filled the cache.
		if v, ok := l.cache.get(k); ok {
			return v, nil
		}
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), l.timeout)
		defer cancel()
		v, err := load(lctx)
		if err != nil {
			return v, err
		}
		l.cache.add(k, v)
		return v, nil
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			var zero V
			return zero, r.Err
		}
		v, _ := r.Val.(V) // always a V: only the function above produces it
		return v, nil
	case <-ctx.Done():
		var zero V
		return zero, fmt.Errorf("chain: waiting for a shared load: %w", context.Cause(ctx))
	}
}
