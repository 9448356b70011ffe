package service

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/pylon-go/pylon/internal/subtensor"
)

// recentSlot holds the newest prefetched neurons of one subnet, for the
// recent endpoint, and wakes that subnet's prefetch worker.
type recentSlot struct {
	wake chan subtensor.Block // capacity 1, newest block wins

	mu      sync.Mutex
	entry   *Entry
	lastErr error
	changed chan struct{} // closed and replaced when entry changes
}

func newRecentSlot() *recentSlot {
	return &recentSlot{wake: make(chan subtensor.Block, 1), changed: make(chan struct{})}
}

func (s *recentSlot) get() (*Entry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.entry, s.lastErr
}

// offer installs e unless a newer entry is already there.
func (s *recentSlot) offer(e *Entry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.entry == nil || e.Block.Number > s.entry.Block.Number || (e.Block.Number == s.entry.Block.Number && e != s.entry) {
		s.entry = e
		close(s.changed)
		s.changed = make(chan struct{})
	}
	s.lastErr = nil
}

func (s *recentSlot) fail(err error) {
	s.mu.Lock()
	s.lastErr = err
	s.mu.Unlock()
}

// offerBlock puts b into a capacity-one channel, replacing an unread older
// block: a worker that is busy loading skips to the newest head.
func offerBlock(ch chan subtensor.Block, b subtensor.Block) {
	select {
	case ch <- b:
		return
	default:
	}
	select {
	case <-ch:
	default:
	}
	select {
	case ch <- b:
	default:
	}
}

// Run follows the chain's head until ctx ends: each new best block becomes
// "latest", and the block's own entry and the neurons and validators of
// Options.Netuids are loaded at once, so reads of the latest block find them
// cached. One worker per subnet loads its neurons; a worker still busy with
// an older block moves on to the newest one afterwards. A failed load leaves
// the previous recent neurons in place (they age; see RecentNeurons) and is
// tried again at the next head.
func (r *Reads) Run(ctx context.Context) error {
	// Without a chain yet, wait for Attach.
	select {
	case <-r.attached:
	case <-ctx.Done():
		return nil
	}
	st := r.st.Load()
	var wg sync.WaitGroup
	wg.Go(func() {
		r.work(ctx, r.blockWake, func(b subtensor.Block) error {
			_, err := r.blockEntry(ctx, st, b)
			return err
		}, "block")
	})
	for netuid, slot := range r.recent {
		wg.Go(func() {
			r.work(ctx, slot.wake, func(b subtensor.Block) error {
				e, err := r.neuronsEntry(ctx, st, netuid, b)
				if err != nil {
					slot.fail(err)
					return err
				}
				// Validators come from the same neurons: derive them before the
				// recent pointer moves, so both are ready when it does.
				if _, err := r.validatorsEntry(ctx, st, netuid, b); err != nil {
					return err
				}
				slot.offer(e)
				r.m.recentBlock(netuid, b.Number)
				return nil
			}, fmt.Sprintf("neurons of subnet %d", netuid))
		})
	}
	for b := range st.SubscribeHeads(ctx) {
		r.latest.Store(&b)
		offerBlock(r.blockWake, b)
		for _, slot := range r.recent {
			offerBlock(slot.wake, b)
		}
	}
	wg.Wait()
	return nil
}

func (r *Reads) work(ctx context.Context, wake chan subtensor.Block, load func(subtensor.Block) error, what string) {
	for {
		select {
		case <-ctx.Done():
			return
		case b := <-wake:
			start := time.Now()
			if err := load(b); err != nil && ctx.Err() == nil {
				r.log.Warn("service: prefetching failed; the next head retries", "what", what, "block", b.Number, "err", err)
				continue
			}
			r.log.Debug("service: prefetched", "what", what, "block", b.Number, "duration", time.Since(start))
		}
	}
}

// WaitRecent waits until the recent neurons of netuid are from block n or a
// later one (the prefetch of that head finished), for callers that need data
// at least that fresh, such as a job that just saw block n. A subnet the
// service does not keep is KindNotFound.
func (r *Reads) WaitRecent(ctx context.Context, netuid uint16, n uint64) error {
	slot, ok := r.recent[netuid]
	if !ok {
		return notFound("Subnet %d is not among the subnets whose recent neurons this service keeps (%v).", netuid, r.Netuids())
	}
	for {
		slot.mu.Lock()
		e, ch := slot.entry, slot.changed
		slot.mu.Unlock()
		if e != nil && e.Block.Number >= n {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("service: waiting for the neurons of subnet %d at block %d: %w", netuid, n, ctx.Err())
		}
	}
}

// Staleness says how old a recent answer is.
type Staleness struct {
	// AgeBlocks is how many blocks the answer's block is behind the head.
	AgeBlocks uint64
	// Warning is set when the age passed the soft limit: it says so in
	// words, for a Warning header.
	Warning string
}

// RecentNeurons returns the newest prefetched neurons of a subnet the service
// keeps (Options.Netuids): usually those of the latest block, older only
// while prefetching fails. Older than the soft limit they come with a
// Staleness warning; older than the hard limit they are refused
// (KindUnavailable). A subnet the service does not keep is KindNotFound.
func (r *Reads) RecentNeurons(ctx context.Context, netuid uint16) (*Entry, Staleness, error) {
	st, err := r.chain()
	if err != nil {
		return nil, Staleness{}, err
	}
	slot, ok := r.recent[netuid]
	if !ok {
		return nil, Staleness{}, notFound("Subnet %d is not among the subnets whose recent neurons this service keeps (%v): "+
			"those are the identities' subnets and PYLON_RECENT_OBJECTS_NETUIDS.", netuid, r.Netuids())
	}
	e, lastErr := slot.get()
	if e == nil {
		// Nothing prefetched yet (the service just started): load the latest
		// block's neurons now, sharing the prefetch's load if it is running.
		if e, err = r.neuronsEntry(ctx, st, netuid, *r.latest.Load()); err != nil {
			return nil, Staleness{}, err
		}
		slot.offer(e)
	}
	stale, err := r.staleness(netuid, e, lastErr, st.Head().Number)
	if err != nil {
		return nil, stale, err
	}
	return e, stale, nil
}

// staleness judges the age of recent neurons e of netuid against the head.
func (r *Reads) staleness(netuid uint16, e *Entry, lastErr error, head uint64) (Staleness, error) {
	var age uint64
	if head > e.Block.Number {
		age = head - e.Block.Number
	}
	st := Staleness{AgeBlocks: age}
	if age > r.opts.HardLimitBlocks {
		detail := fmt.Sprintf("the recent neurons of subnet %d are from block %d, %d blocks behind the head #%d, "+
			"beyond PYLON_RECENT_OBJECTS_HARD_LIMIT_BLOCKS (%d)", netuid, e.Block.Number, age, head, r.opts.HardLimitBlocks)
		if lastErr != nil {
			detail += "; refreshing them failed: " + lastErr.Error()
		}
		return st, &Error{Kind: KindUnavailable, Detail: detail, Err: lastErr}
	}
	if age > r.opts.SoftLimitBlocks {
		st.Warning = fmt.Sprintf("block %d is %d blocks behind the head #%d, beyond PYLON_RECENT_OBJECTS_SOFT_LIMIT_BLOCKS (%d)",
			e.Block.Number, age, head, r.opts.SoftLimitBlocks)
	}
	return st, nil
}
