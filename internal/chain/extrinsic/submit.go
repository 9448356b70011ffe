package extrinsic

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pylon-go/pylon/internal/chain"
	"github.com/pylon-go/pylon/internal/chain/metadata"
	"github.com/pylon-go/pylon/internal/chain/rpc"
)

// Chain is what the submitter needs from the chain facade; *chain.Client implements it. Runtime versions,
// metadata, headers and events come from there (cached and decoded with the right runtime); this package
// adds nothing to that.
type Chain interface {
	// RPC is the JSON-RPC client, for the author_* and system_accountNextIndex methods.
	RPC() *rpc.Client
	// Head is the latest best head; WaitForBlock waits for block n.
	Head() chain.Head
	WaitForBlock(ctx context.Context, n uint64) (chain.Head, error)
	// SubscribeHeads and SubscribeFinalizedHeads deliver heads (latest wins) until ctx ends.
	SubscribeHeads(ctx context.Context) <-chan chain.Head
	SubscribeFinalizedHeads(ctx context.Context) <-chan chain.Head
	// GenesisHash and BlockHash are the node's hashes (never computed locally).
	GenesisHash(ctx context.Context) (chain.Hash, error)
	BlockHash(ctx context.Context, n uint64) (chain.Hash, error)
	// Block is a block with its raw extrinsics.
	Block(ctx context.Context, at chain.Hash) (*chain.Block, error)
	// Runtime is the runtime in the state of block at (what a transaction built on at is signed for);
	// BlockRuntime the runtime that executed block at (what resolves its events' errors).
	Runtime(ctx context.Context, at chain.Hash) (*chain.Runtime, error)
	BlockRuntime(ctx context.Context, at chain.Hash) (*chain.Runtime, error)
	// Events are block at's events, decoded with BlockRuntime(at).
	Events(ctx context.Context, at chain.Hash) ([]metadata.EventRecord, error)
}

var _ Chain = (*chain.Client)(nil)

// Defaults applied by NewSubmitter to zero fields of Options.
const (
	DefaultFutureTimeout = 10 // blocks
	DefaultNonceRetries  = 1
)

// unwatchTimeout bounds the author_unwatchExtrinsic call after inclusion: it only frees the node's
// subscription, and nothing waits for its answer.
const unwatchTimeout = 5 * time.Second

// Options configure a Submitter. The zero value is usable.
type Options struct {
	// EraPeriod is the mortality in blocks (rounded up to a power of two, 4…65536). Zero: DefaultEraPeriod.
	EraPeriod uint64
	// WaitFinalised makes Submit wait for the block to be finalised instead of returning once the
	// extrinsic is in a best block. Per call: WaitInBlock, WaitFinalised.
	WaitFinalised bool
	// FutureTimeout is how many new blocks an extrinsic may spend as "future" (nonce ahead of the
	// account's) before Submit gives up with ErrFutureTimeout. Zero: DefaultFutureTimeout; negative: wait
	// until the era ends.
	FutureTimeout int
	// NonceRetries is how often a submission refused because its nonce was taken (Stale, or 1014 too low a
	// priority: someone else used the key) is rebuilt with a re-read nonce. Such a refusal means nothing
	// entered the pool, so retrying cannot send anything twice. Zero: DefaultNonceRetries; negative: never.
	NonceRetries int
	// CustomErrorNames names the runtime's custom pool error codes ("Custom error: N") in *PoolError. A
	// custom code is opaque without the runtime's source and metadata does not carry the table, so the
	// layer that knows the runtime supplies it (internal/subtensor.PoolErrorNames). Nil: codes stay unnamed.
	CustomErrorNames map[uint8]string
	// Logger receives one line per submission outcome and the watch's fallbacks. Nil discards.
	Logger *slog.Logger
	// Registerer, if set, registers pylon_extrinsic_submissions_total and pylon_extrinsic_inclusion_seconds.
	Registerer prometheus.Registerer
}

// Submitter builds, signs, submits and watches extrinsics. It owns the nonces of the accounts that sign
// through it: use one Submitter per process (per chain), or nonces of a shared key would collide. Safe for
// concurrent use.
type Submitter struct {
	c    Chain
	opts Options
	log  *slog.Logger
	m    *metrics

	mu       sync.Mutex
	accounts map[[32]byte]*account
}

// account serialises the build+submit step of one signing key and holds its next nonce. lock is a
// one-slot channel rather than a mutex so that a caller waiting for its turn still honours its context.
type account struct {
	lock  chan struct{}
	next  uint64
	valid bool // false: re-read the nonce from the node before the next build
}

// NewSubmitter returns a Submitter over c. It fails only if its metrics cannot be registered.
func NewSubmitter(c Chain, opts Options) (*Submitter, error) {
	if c == nil {
		return nil, errors.New("extrinsic: NewSubmitter needs a chain")
	}
	if opts.EraPeriod == 0 {
		opts.EraPeriod = DefaultEraPeriod
	}
	if opts.FutureTimeout == 0 {
		opts.FutureTimeout = DefaultFutureTimeout
	}
	if opts.NonceRetries == 0 {
		opts.NonceRetries = DefaultNonceRetries
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	m, err := newMetrics(opts.Registerer)
	if err != nil {
		return nil, fmt.Errorf("extrinsic: metrics: %w", err)
	}
	return &Submitter{c: c, opts: opts, log: log, m: m, accounts: map[[32]byte]*account{}}, nil
}

// SubmitOption adjusts one submission.
type SubmitOption func(*submitConfig)

type submitConfig struct {
	eraPeriod  uint64
	finalised  bool
	beforeSend func(ctx context.Context, p Pending) (done func(), err error)
}

// WaitFinalised makes this submission wait for finality.
func WaitFinalised() SubmitOption { return func(c *submitConfig) { c.finalised = true } }

// WaitInBlock makes this submission return once the extrinsic is in a best block.
func WaitInBlock() SubmitOption { return func(c *submitConfig) { c.finalised = false } }

// WithEraPeriod sets this submission's mortality in blocks.
func WithEraPeriod(blocks uint64) SubmitOption {
	return func(c *submitConfig) {
		if blocks > 0 {
			c.eraPeriod = blocks
		}
	}
}

// Pending is an extrinsic that is built and signed and about to be sent: what a caller records so that,
// after losing track of it (a crash, a restart), it can find out with Track whether it was included instead
// of sending its content again.
type Pending struct {
	// Call is "Pallet.name".
	Call string
	// Hash is the extrinsic hash, the name under which it appears in a block.
	Hash chain.Hash
	// Signer and Nonce are what it was built with.
	Signer [32]byte
	Nonce  uint64
	// Birth is the block it was built on; EraEnd the last block that may include it. After EraEnd it can
	// never be included.
	Birth  uint64
	EraEnd uint64
}

// BeforeSend has f called for this submission once the extrinsic is built and signed, just before it is
// sent. It runs while the signer's submissions are serialised, so it should be quick.
//
// If f returns an error, nothing is sent: Submit returns an error matching ErrNotSent and f's error. The
// callback is how a caller makes "about to send" durable before anything can reach the chain (a job
// store records the hash and era, so a restart tracks the extrinsic instead of sending another), and how it
// makes a last check that sending is still wanted. done, when not nil, is called as soon as the node has
// answered the submission (accepted, refused or lost), before Submit waits for inclusion: a lock taken in f
// can be released there. When a refusal for a taken nonce makes Submit rebuild the extrinsic, f runs again
// for the new one (a new hash).
func BeforeSend(f func(ctx context.Context, p Pending) (done func(), err error)) SubmitOption {
	return func(c *submitConfig) { c.beforeSend = f }
}

// Result describes a submitted extrinsic.
type Result struct {
	// Call is "Pallet.name".
	Call string
	// Hash is the extrinsic hash; Signer, Nonce, SpecVersion and Era what it was built with.
	Hash        chain.Hash
	Signer      [32]byte
	Nonce       uint64
	SpecVersion uint32
	Era         Era
	// Birth is the era's birth block, the block the extrinsic was built on; EraEnd the last block that
	// may include it.
	Birth  uint64
	EraEnd uint64

	// BlockHash, BlockNumber and Index locate it once included (BlockHash is zero otherwise); Finalised
	// says whether that block was reported final.
	BlockHash   chain.Hash
	BlockNumber uint64
	Index       uint32
	Finalised   bool
	// Events are the events of the extrinsic (phase ApplyExtrinsic(Index)), decoded with the runtime that
	// executed the block.
	Events []metadata.EventRecord

	// Outcome classifies the result (see OutcomeOf).
	Outcome Outcome
	// Scanned reports that inclusion was established by scanning blocks for the hash (HTTP endpoint, or a
	// watch lost with its connection) rather than from the node's status notifications.
	Scanned bool
	// Submitted is when the node accepted the extrinsic (zero if it refused it); Latency the time from
	// then to the awaited status.
	Submitted time.Time
	Latency   time.Duration
}

// Included reports whether the extrinsic is in a block (successfully or not).
func (r *Result) Included() bool { return r != nil && !r.BlockHash.IsZero() }

// Submit builds call for the runtime at the best head, signs it with signer, submits it and waits until it
// is in a block (or finalised, see WaitFinalised), then reads its events.
//
// The returned Result is nil only when nothing was built; otherwise it carries the extrinsic's hash and,
// once included, its block, index and events. The error is nil for success, and otherwise:
//
//   - *DispatchError: included, but the runtime rejected the call (e.g. SubtensorModule.SettingWeightsTooFast);
//   - *PoolError: refused at submission (e.g. Custom 6 RateLimitExceeded, BadProof, Stale); never in the pool;
//   - ErrDropped, ErrInvalid, ErrUsurped, ErrFutureTimeout, ErrEraExpired, ErrFinalityTimeout (errors.Is);
//   - *UnknownExtensionError: the runtime needs a transaction extension this package cannot fill;
//   - a build, transport or context error. If the context ends after submission, the extrinsic may still be
//     included until Result.EraEnd; it is never sent again.
//
// Submissions from one signer are built and submitted one at a time, in call order, so their nonces are
// consecutive; waiting for inclusion happens concurrently.
func (s *Submitter) Submit(ctx context.Context, signer Signer, call Call, opts ...SubmitOption) (*Result, error) {
	cfg := submitConfig{eraPeriod: s.opts.EraPeriod, finalised: s.opts.WaitFinalised}
	for _, o := range opts {
		o(&cfg)
	}
	res, err := s.submit(ctx, signer, call, cfg)
	outcome := OutcomeOf(err)
	if res != nil {
		res.Outcome = outcome
	}
	s.m.submissions.WithLabelValues(call.String(), string(outcome)).Inc()
	s.logOutcome(call, res, err)
	return res, err
}

func (s *Submitter) logOutcome(call Call, res *Result, err error) {
	attrs := []any{slog.String("call", call.String()), slog.String("outcome", string(OutcomeOf(err)))}
	if res != nil {
		attrs = append(attrs, slog.String("hash", res.Hash.String()), slog.Uint64("nonce", res.Nonce))
		if res.Included() {
			attrs = append(attrs, slog.Uint64("block", res.BlockNumber), slog.Any("index", res.Index),
				slog.Duration("latency", res.Latency))
		}
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
		s.log.Warn("extrinsic", attrs...)
		return
	}
	s.log.Info("extrinsic", attrs...)
}

func (s *Submitter) account(pub [32]byte) *account {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.accounts[pub]
	if !ok {
		a = &account{lock: make(chan struct{}, 1)}
		s.accounts[pub] = a
	}
	return a
}

func (a *account) acquire(ctx context.Context) error {
	select {
	case a.lock <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("extrinsic: waiting for the signer's previous submission: %w", context.Cause(ctx))
	}
}

func (a *account) release() { <-a.lock }

// invalidate makes the next build re-read the nonce from the node. It waits for a build in progress, so a
// failure noticed by one watcher is not overwritten by another submission's success.
func (a *account) invalidate() {
	a.lock <- struct{}{}
	a.valid = false
	<-a.lock
}

// mode is how a submitted extrinsic is followed.
type mode int

const (
	modeWatch mode = iota // author_submitAndWatchExtrinsic notifications
	modeScan              // scan new blocks for the hash (no subscription, or its connection was lost)
)

func (s *Submitter) submit(ctx context.Context, signer Signer, call Call, cfg submitConfig) (*Result, error) {
	if signer == nil {
		return nil, errors.New("extrinsic: no signer")
	}
	acct := s.account(signer.PublicKey())
	var (
		res *Result
		sub *rpc.Subscription
		m   mode
	)
	for attempt := 0; ; attempt++ {
		if err := acct.acquire(ctx); err != nil {
			return nil, err
		}
		r, x, err := s.build(ctx, acct, signer, call, cfg)
		if err != nil {
			acct.valid = false
			acct.release()
			return r, err
		}
		res = r
		var done func()
		if cfg.beforeSend != nil {
			done, err = cfg.beforeSend(ctx, res.pending())
			if err != nil {
				// The nonce was not used: the local count stays right.
				acct.release()
				return res, fmt.Errorf("%w: %w", ErrNotSent, err)
			}
		}
		sub, m, err = s.send(ctx, x)
		if done != nil {
			done()
		}
		var pe *PoolError
		switch {
		case err == nil:
			res.Submitted = time.Now()
			acct.next = res.Nonce + 1
			acct.release()
		case errors.As(err, &pe):
			acct.valid = false
			acct.release()
			if pe.NonceTaken() && attempt < s.opts.NonceRetries {
				s.log.Info("extrinsic: nonce taken, rebuilding with the node's nonce",
					slog.String("call", call.String()), slog.Uint64("nonce", res.Nonce), slog.String("reason", pe.Reason))
				continue
			}
			return res, pe
		case errors.Is(err, rpc.ErrConnectionLost):
			// The request left but its answer was lost: the node may hold the extrinsic. Never send it
			// again; look for it in blocks instead.
			res.Submitted = time.Now()
			acct.valid = false
			acct.release()
			s.log.Warn("extrinsic: connection lost during submission; scanning blocks for it",
				slog.String("call", call.String()), slog.String("hash", res.Hash.String()))
			m = modeScan
		default:
			acct.valid = false
			acct.release()
			return res, fmt.Errorf("extrinsic: submitting %s: %w", call, err)
		}
		break
	}

	blockHash, finalised, err := s.follow(ctx, res, sub, m, cfg)
	if err != nil {
		// Whatever happened, the local count may now be wrong (a lost nonce leaves a gap, a finality
		// timeout leaves doubt): the node's pool-aware count decides the next one.
		acct.invalidate()
		if blockHash.IsZero() {
			return res, err
		}
	}
	res.Latency = time.Since(res.Submitted)
	res.Finalised = finalised
	if err == nil {
		s.m.inclusion.WithLabelValues(call.String()).Observe(res.Latency.Seconds())
	}
	if oerr := s.outcome(ctx, res, blockHash); oerr != nil {
		return res, oerr
	}
	return res, err // nil, or ErrFinalityTimeout with the block filled in
}

// pending is what BeforeSend reports of a built extrinsic.
func (r *Result) pending() Pending {
	return Pending{Call: r.Call, Hash: r.Hash, Signer: r.Signer, Nonce: r.Nonce, Birth: r.Birth, EraEnd: r.EraEnd}
}

// Track follows an extrinsic that was sent earlier and lost sight of — typically by a process that
// recorded it with BeforeSend and then restarted. It never sends anything: it scans the blocks after
// p.Birth for p.Hash, as they arrive, until it finds it or p.EraEnd has passed, and reports like Submit:
// nil with the Result filled in (block, index, events) when it was included and succeeded, a
// *DispatchError when it was included and failed, ErrEraExpired when every block of its era was read
// without finding it (it can never be included now), or a context or transport error (then it may still be
// included until p.EraEnd).
//
// The signer's nonce is re-read from the node before its next submission, since the extrinsic may have
// used one.
func (s *Submitter) Track(ctx context.Context, p Pending) (*Result, error) {
	s.account(p.Signer).invalidate()
	res := &Result{Call: p.Call, Hash: p.Hash, Signer: p.Signer, Nonce: p.Nonce, Birth: p.Birth, EraEnd: p.EraEnd, Scanned: true}
	blockHash, _, err := s.scan(ctx, res, submitConfig{})
	if err == nil {
		err = s.outcome(ctx, res, blockHash)
	}
	res.Outcome = OutcomeOf(err)
	if err != nil {
		s.log.Warn("extrinsic: tracked", slog.String("call", p.Call), slog.String("hash", p.Hash.String()),
			slog.String("outcome", string(res.Outcome)), slog.String("error", err.Error()))
	} else {
		s.log.Info("extrinsic: tracked", slog.String("call", p.Call), slog.String("hash", p.Hash.String()),
			slog.String("outcome", string(res.Outcome)), slog.Uint64("block", res.BlockNumber))
	}
	return res, err
}

// build makes the signed extrinsic on top of the best head. The caller holds acct's lock.
func (s *Submitter) build(ctx context.Context, acct *account, signer Signer, call Call, cfg submitConfig) (*Result, *Extrinsic, error) {
	// The birth block must not be #0: a Chopsticks devnet's genesis hash is synthetic, and nothing is
	// gained by building on genesis. With quantised phases (periods over 4096) a birth at or after #1 needs
	// the head to be at least one quantum in.
	era0 := MortalEra(0, cfg.eraPeriod)
	head := s.c.Head()
	if minHead := quantum(era0.Period); head.Number < minHead {
		var err error
		if head, err = s.c.WaitForBlock(ctx, minHead); err != nil {
			return nil, nil, fmt.Errorf("extrinsic: waiting for block #%d to build on: %w", minHead, err)
		}
	}
	current := head.Number
	// The node's hash of the block, not the one computed from the header: they differ at a Chopsticks
	// genesis, and the hash the transaction commits to must be the node's.
	at, err := s.c.BlockHash(ctx, current)
	if err != nil {
		return nil, nil, fmt.Errorf("extrinsic: hash of block #%d: %w", current, err)
	}
	rt, err := s.c.Runtime(ctx, at)
	if err != nil {
		return nil, nil, fmt.Errorf("extrinsic: runtime at block #%d: %w", current, err)
	}
	era := MortalEra(current, cfg.eraPeriod)
	birth := era.Birth(current)
	birthHash := at
	if birth != current {
		if birthHash, err = s.c.BlockHash(ctx, birth); err != nil {
			return nil, nil, fmt.Errorf("extrinsic: hash of birth block #%d: %w", birth, err)
		}
	}
	genesis, err := s.c.GenesisHash(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("extrinsic: genesis hash: %w", err)
	}
	pub := signer.PublicKey()
	if !acct.valid {
		n, err := s.accountNextIndex(ctx, pub, rt.Metadata)
		if err != nil {
			return nil, nil, err
		}
		acct.next, acct.valid = n, true
	}
	encoded, err := call.Encode(rt.Metadata)
	if err != nil {
		return nil, nil, err
	}
	p := Params{
		SpecVersion:        rt.SpecVersion,
		TransactionVersion: rt.TransactionVersion,
		GenesisHash:        genesis,
		Era:                era,
		BirthHash:          birthHash,
		Nonce:              acct.next,
	}
	x, err := Sign(rt.Metadata, encoded, p, signer)
	if err != nil {
		return nil, nil, err
	}
	return &Result{
		Call: call.String(), Hash: x.Hash, Signer: pub, Nonce: p.Nonce, SpecVersion: p.SpecVersion,
		Era: era, Birth: birth, EraEnd: era.Death(current) - 1,
	}, x, nil
}

// accountNextIndex reads the account's next nonce from the node; system_accountNextIndex counts the
// account's transactions waiting in the node's pool too.
func (s *Submitter) accountNextIndex(ctx context.Context, pub [32]byte, md *metadata.Metadata) (uint64, error) {
	var n uint64
	if err := s.c.RPC().Call(ctx, "system_accountNextIndex", &n, ss58(pub, ss58Prefix(md))); err != nil {
		return 0, fmt.Errorf("extrinsic: reading the signer's nonce: %w", err)
	}
	return n, nil
}

// send submits x: watched when the endpoint carries subscriptions, otherwise plain (then followed by
// scanning blocks). A node's refusal is a *PoolError.
func (s *Submitter) send(ctx context.Context, x *Extrinsic) (*rpc.Subscription, mode, error) {
	param := "0x" + hex.EncodeToString(x.Bytes)
	sub, err := s.c.RPC().Subscribe(ctx, rpc.SubscribeRequest{
		Method:      "author_submitAndWatchExtrinsic",
		Unsubscribe: "author_unwatchExtrinsic",
		Params:      []any{param},
		Resumable:   false, // submitting has effects: never re-sent on a new connection
		Overflow:    rpc.EndOnOverflow,
	})
	if errors.Is(err, rpc.ErrSubscriptionsUnsupported) {
		var h string
		err = s.c.RPC().Call(ctx, "author_submitExtrinsic", &h, param)
		return nil, modeScan, s.poolError(err)
	}
	return sub, modeWatch, s.poolError(err)
}

func (s *Submitter) poolError(err error) error {
	var re *rpc.Error
	if errors.As(err, &re) {
		if pe := parsePoolError(re, s.opts.CustomErrorNames); pe != nil {
			return pe
		}
	}
	return err
}

// follow waits until the extrinsic is in a block (or finalised) and returns that block.
func (s *Submitter) follow(ctx context.Context, res *Result, sub *rpc.Subscription, m mode, cfg submitConfig) (chain.Hash, bool, error) {
	if m == modeWatch {
		h, fin, err := s.watch(ctx, res, sub, cfg)
		if !errors.Is(err, errWatchLost) {
			return h, fin, err
		}
		s.log.Warn("extrinsic: scanning blocks for the extrinsic",
			slog.String("call", res.Call), slog.String("hash", res.Hash.String()), slog.String("cause", err.Error()))
	}
	res.Scanned = true
	return s.scan(ctx, res, cfg)
}

// errWatchLost: the status subscription ended without a terminal status (lost connection, overflow, the
// node closed it). The extrinsic may be anywhere; scanning blocks finds out.
var errWatchLost = errors.New("extrinsic: watch lost")

// watch follows the status notifications. Alongside, it follows best heads to notice a status stuck in
// "future" and an era that passed without a block status (then scanning settles it).
func (s *Submitter) watch(ctx context.Context, res *Result, sub *rpc.Subscription, cfg submitConfig) (chain.Hash, bool, error) {
	hctx, cancel := context.WithCancel(ctx)
	defer cancel()
	heads := s.c.SubscribeHeads(hctx)
	var (
		head        = s.c.Head().Number
		future      bool
		futureSince uint64
		inBlock     *chain.Hash
	)
	unwatch := func() {
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), unwatchTimeout)
		defer cancel()
		_ = sub.Unsubscribe(uctx) // frees the node's watch; the outcome does not depend on it
	}
	for {
		select {
		case n, ok := <-sub.Notifications():
			if !ok {
				if err := sub.Err(); err != nil && ctx.Err() != nil {
					return chain.Hash{}, false, fmt.Errorf("extrinsic: waiting for inclusion: %w", context.Cause(ctx))
				}
				if errors.Is(sub.Err(), rpc.ErrClientClosed) {
					return chain.Hash{}, false, fmt.Errorf("extrinsic: waiting for inclusion: %w", sub.Err())
				}
				return chain.Hash{}, false, fmt.Errorf("%w: %w", errWatchLost, sub.Err())
			}
			if n.Result == nil {
				continue
			}
			st, err := parseStatus(n.Result)
			if err != nil {
				s.log.Warn("extrinsic: ignoring a status", slog.String("hash", res.Hash.String()), slog.String("error", err.Error()))
				continue
			}
			switch st.kind {
			case statusFuture:
				if !future {
					future, futureSince = true, head
				}
			case statusReady, statusBroadcast:
				future = false
			case statusInBlock:
				future = false
				if !cfg.finalised {
					unwatch()
					return st.hash, false, nil
				}
				h := chain.Hash(st.hash)
				inBlock = &h
			case statusRetracted:
				inBlock = nil
			case statusFinalized:
				unwatch()
				return st.hash, true, nil
			case statusFinalityTimeout:
				unwatch()
				return st.hash, false, fmt.Errorf("%w: block %s", ErrFinalityTimeout, chain.Hash(st.hash))
			case statusUsurped:
				unwatch()
				return chain.Hash{}, false, ErrUsurped
			case statusDropped:
				unwatch()
				return chain.Hash{}, false, withDetail(ErrDropped, st.detail)
			case statusInvalid:
				unwatch()
				return chain.Hash{}, false, withDetail(ErrInvalid, st.detail)
			}
		case h, ok := <-heads:
			if !ok {
				return chain.Hash{}, false, fmt.Errorf("extrinsic: waiting for inclusion: %w", context.Cause(ctx))
			}
			head = max(head, h.Number)
			if future && s.opts.FutureTimeout > 0 && head >= futureSince+uint64(s.opts.FutureTimeout) {
				unwatch()
				return chain.Hash{}, false, fmt.Errorf("%w: %d blocks since block #%d; it may still be included until block #%d",
					ErrFutureTimeout, head-futureSince, futureSince, res.EraEnd)
			}
			if inBlock == nil && head > res.EraEnd {
				// The era is over and no block status came: the node should have said invalid or dropped.
				// Whether it is in a block is settled by looking.
				unwatch()
				return chain.Hash{}, false, fmt.Errorf("%w: block #%d passed the era's end without a block status", errWatchLost, head)
			}
		case <-ctx.Done():
			unwatch()
			return chain.Hash{}, false, fmt.Errorf("extrinsic: waiting for inclusion: %w", context.Cause(ctx))
		}
	}
}

// withDetail adds a status's detail to a sentinel.
func withDetail(err error, detail string) error {
	if detail == "" {
		return err
	}
	return fmt.Errorf("%w: %s", err, detail)
}

// scan looks for the extrinsic's hash in every block after its birth, as they arrive (finalised blocks when
// finality is awaited), until its era ends. It never re-sends anything. Read errors (a node reconnecting)
// leave the block to be read again at the next head.
func (s *Submitter) scan(ctx context.Context, res *Result, cfg submitConfig) (chain.Hash, bool, error) {
	hctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var heads <-chan chain.Head
	if cfg.finalised {
		heads = s.c.SubscribeFinalizedHeads(hctx)
	} else {
		heads = s.c.SubscribeHeads(hctx)
	}
	next := res.Birth + 1 // the block built on is the birth block; the extrinsic can only be in later ones
	for {
		var top uint64
		select {
		case h, ok := <-heads:
			if !ok {
				return chain.Hash{}, false, fmt.Errorf("extrinsic: scanning for inclusion: %w", context.Cause(ctx))
			}
			top = min(h.Number, res.EraEnd)
		case <-ctx.Done():
			return chain.Hash{}, false, fmt.Errorf("extrinsic: scanning for inclusion: %w", context.Cause(ctx))
		}
		for ; next <= top; next++ {
			bh, err := s.c.BlockHash(ctx, next)
			if err != nil {
				s.log.Warn("extrinsic: scan: block hash", slog.Uint64("block", next), slog.String("error", err.Error()))
				break
			}
			blk, err := s.c.Block(ctx, bh)
			if err != nil {
				s.log.Warn("extrinsic: scan: block", slog.Uint64("block", next), slog.String("error", err.Error()))
				break
			}
			if _, ok := blk.FindExtrinsic(res.Hash); ok {
				return bh, cfg.finalised, nil
			}
		}
		if next > res.EraEnd {
			return chain.Hash{}, false, fmt.Errorf("%w: not in blocks #%d–#%d", ErrEraExpired, res.Birth+1, res.EraEnd)
		}
	}
}

// outcome fills the inclusion details of res from block b and its events, and turns
// System.ExtrinsicFailed into a *DispatchError.
func (s *Submitter) outcome(ctx context.Context, res *Result, b chain.Hash) error {
	blk, err := s.c.Block(ctx, b)
	if err != nil {
		return fmt.Errorf("extrinsic: reading block %s that includes it: %w", b, err)
	}
	idx, ok := blk.FindExtrinsic(res.Hash)
	if !ok {
		return fmt.Errorf("%w: block #%d %s", ErrNotInBlock, blk.Header.Number, b)
	}
	res.BlockHash, res.BlockNumber, res.Index = b, blk.Header.Number, uint32(idx) //nolint:gosec // an index into a block's extrinsics
	events, err := s.c.Events(ctx, b)
	if err != nil {
		return fmt.Errorf("extrinsic: events of block #%d: %w", res.BlockNumber, err)
	}
	res.Events = chain.ExtrinsicEvents(events, res.Index)
	for _, e := range res.Events {
		if e.Pallet != "System" || e.Name != "ExtrinsicFailed" || len(e.Fields) == 0 {
			continue
		}
		rt, err := s.c.BlockRuntime(ctx, b)
		if err != nil {
			return fmt.Errorf("extrinsic: runtime of block #%d: %w", res.BlockNumber, err)
		}
		// dispatch_error is the first field (then dispatch_info); resolved with the runtime that ran the
		// block, since pallet error indices move between runtime versions.
		d, err := rt.Metadata.DispatchError(e.Fields[0].Value)
		if err != nil {
			return fmt.Errorf("extrinsic: failed in block #%d, and its dispatch error does not decode: %w", res.BlockNumber, err)
		}
		return &DispatchError{Dispatch: d, BlockHash: b, BlockNumber: res.BlockNumber, Index: res.Index}
	}
	return nil
}
