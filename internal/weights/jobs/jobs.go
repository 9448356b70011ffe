package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pylon-go/pylon/internal/keys"
	"github.com/pylon-go/pylon/internal/service"
	"github.com/pylon-go/pylon/internal/store"
	"github.com/pylon-go/pylon/internal/subtensor"
	"github.com/pylon-go/pylon/internal/weights"
)

// MaxMechanism is the largest mechanism id a request may name (Pylon's 0–7).
const MaxMechanism = 7

// DefaultAttemptTimeout bounds one submission attempt (PYLON-API.md §6.1).
// An extrinsic still unaccounted for when it passes is tracked, never
// abandoned: see the package documentation.
const DefaultAttemptTimeout = 120 * time.Second

// Identity is one identity the service signs weights for.
type Identity struct {
	Name   string
	Netuid uint16
	// Hotkey signs; its SS58 address is recorded with every job, so a job
	// whose identity has another hotkey after a restart is cancelled.
	Hotkey *keys.Keypair
}

// Options configure a Service.
type Options struct {
	// Store persists the jobs; Chain reads facts and submits.
	Store store.Store
	Chain *subtensor.Client
	// Identities are the identities that may set weights.
	Identities []Identity
	// RetryAttempts bounds the attempts of a job (PYLON_WEIGHTS_RETRY_ATTEMPTS,
	// default 200); RetryDelay is the base of the exponential backoff between
	// them (PYLON_WEIGHTS_RETRY_DELAY_SECONDS, default 1 s), capped at ten
	// times the base.
	RetryAttempts int
	RetryDelay    time.Duration
	// AttemptTimeout bounds one attempt's submission (default 120 s).
	AttemptTimeout time.Duration
	// MinVersionKey is the configured version_key; the subnet's
	// weights_version raises it.
	MinVersionKey uint64
	// BlockTime is the chain's block interval, for aiming timelocked commits at
	// a drand round (default 12 s).
	BlockTime time.Duration
	// Logger receives the runner's log (never salts, keys or weights
	// beyond their count); nil discards.
	Logger *slog.Logger
	// Registerer, if set, registers the pylon_apply_weights_* and
	// pylon_weights_* metrics.
	Registerer prometheus.Registerer
}

// Service is the weights use case: it validates and accepts requests as
// durable jobs, runs them (Run), and answers what became of them.
type Service struct {
	st store.Store
	// chain is set once, at New or by Attach; attached closes then. Until
	// it is set, requests answer unavailable (pending says why) and Run
	// waits before resuming jobs.
	chain      atomic.Pointer[subtensor.Client]
	pending    atomic.Pointer[service.Error]
	attached   chan struct{}
	attachOnce sync.Once
	ids        map[string]Identity
	opts       Options
	log        *slog.Logger
	m          *metrics

	mu      sync.Mutex
	gates   map[jobKey]*sync.Mutex
	runners map[jobKey]*runner
	runCtx  context.Context // set while Run runs
	wg      sync.WaitGroup
}

// jobKey is what latest-wins is about: one identity's weights for one
// mechanism of its subnet.
type jobKey struct {
	identity  string
	netuid    uint16
	mechanism uint8
}

func keyOf(j store.Job) jobKey { return jobKey{j.Identity, j.Netuid, j.Mechanism} }

// New returns a Service. Chain may be nil (a service without a chain
// connection): requests are then refused as unavailable, while the jobs
// already stored can still be read.
func New(opts Options) (*Service, error) {
	if opts.Store == nil {
		return nil, errors.New("jobs: a store is required")
	}
	if opts.RetryAttempts <= 0 {
		opts.RetryAttempts = 200
	}
	if opts.RetryDelay <= 0 {
		opts.RetryDelay = time.Second
	}
	if opts.AttemptTimeout <= 0 {
		opts.AttemptTimeout = DefaultAttemptTimeout
	}
	if opts.BlockTime <= 0 {
		opts.BlockTime = 12 * time.Second
	}
	m, err := newMetrics(opts.Registerer)
	if err != nil {
		return nil, err
	}
	s := &Service{
		st: opts.Store, ids: map[string]Identity{}, opts: opts, log: opts.Logger, m: m,
		gates: map[jobKey]*sync.Mutex{}, runners: map[jobKey]*runner{}, attached: make(chan struct{}),
	}
	if opts.Chain != nil {
		s.Attach(opts.Chain)
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	for _, id := range opts.Identities {
		if id.Hotkey == nil {
			return nil, fmt.Errorf("jobs: identity %s has no hotkey", id.Name)
		}
		s.ids[id.Name] = id
	}
	return s, nil
}

// Attach gives the service its chain, when New could not (the node was not
// reachable at start-up); only the first call counts. Run resumes the stored
// jobs from then on.
func (s *Service) Attach(st *subtensor.Client) {
	s.attachOnce.Do(func() {
		s.chain.Store(st)
		s.pending.Store(nil)
		close(s.attached)
	})
}

// Connecting records why there is no chain yet, for the requests that come
// meanwhile.
func (s *Service) Connecting(err error) {
	s.pending.Store(&service.Error{Kind: service.KindUnavailable, Detail: "not connected to the chain yet: " + err.Error(), Err: err})
}

// client returns the chain, or why there is none.
func (s *Service) client() (*subtensor.Client, error) {
	if st := s.chain.Load(); st != nil {
		return st, nil
	}
	if p := s.pending.Load(); p != nil {
		return nil, p
	}
	return nil, service.ErrNoChain
}

// gate is the per-key lock that orders acceptance against sending: Submit
// holds it while it persists a new job (superseding the old one), the runner
// holds it from its last store check until the node has answered the
// submission. So an older job of the key either sends before the newer one is
// persisted, or sees that it was superseded and sends nothing.
func (s *Service) gate(k jobKey) *sync.Mutex {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.gates[k]
	if !ok {
		g = &sync.Mutex{}
		s.gates[k] = g
	}
	return g
}

// Request is a weights request as the API received it.
type Request struct {
	Identity  string
	Mechanism uint8
	// Weights maps hotkeys (SS58) to weights of any scale.
	Weights map[string]float64
	// Mode is store.ModeAuto (the default) or store.ModeNow.
	Mode store.Mode
	// DryRun validates and reports without persisting or submitting.
	DryRun bool
}

// Accepted is what a request became.
type Accepted struct {
	// Job is the persisted job; zero for a dry run.
	Job store.Job
	// Superseded are the ids of the older jobs this one replaced.
	Superseded []string
	// Plan is the validated vector (uids, u16 values, version key, dropped
	// hotkeys) as it would be submitted at the block the facts came from.
	Plan weights.Plan
	// Submission is the mode and calls the chain's runtime and settings call
	// for at that block (each attempt decides again).
	Submission weights.Submission
	// Window is the epoch the job is for.
	Window weights.Window
	// Block is the block the request was validated at.
	Block uint64
}

// Submit validates a request against the chain at its latest block and, unless
// it is a dry run, persists it as a job (superseding the identity's unfinished
// job for the same mechanism) before it returns, and starts running it.
//
// Errors are *service.Error values: KindBadRequest for anything wrong with the
// request in the light of the chain (with the *weights.ValidationError as Err
// when it comes from the weights rules), KindUnavailable without a chain
// connection, KindBadGateway when the chain could not be read.
func (s *Service) Submit(ctx context.Context, r Request) (*Accepted, error) {
	chain, err := s.client()
	if err != nil {
		return nil, err
	}
	id, ok := s.ids[r.Identity]
	if !ok {
		return nil, &service.Error{Kind: service.KindNotFound, Detail: fmt.Sprintf("identity %s cannot set weights", r.Identity)}
	}
	switch r.Mode {
	case "":
		r.Mode = store.ModeAuto
	case store.ModeAuto, store.ModeNow:
	default:
		return nil, badRequest(nil, "mode must be auto or now, got %q", r.Mode)
	}
	if r.Mechanism > MaxMechanism {
		return nil, badRequest(nil, "mechanism_id must be from 0 to %d, got %d", MaxMechanism, r.Mechanism)
	}
	if err := weights.CheckRequest(r.Weights, validHotkey); err != nil {
		return nil, badRequest(err, "%v", err)
	}
	head := chain.Head()
	f, err := s.readFacts(ctx, id, r.Mechanism, head)
	if err != nil {
		return nil, err
	}
	plan, sub, err := f.prepare(r.Weights, s.opts.MinVersionKey)
	if err != nil {
		return nil, err
	}
	window, err := f.schedule.WindowAt(head.Number)
	if err != nil {
		return nil, badRequest(err, "subnet %d: %v", id.Netuid, err)
	}
	acc := &Accepted{Plan: plan, Submission: sub, Window: window, Block: head.Number}
	if r.DryRun {
		return acc, nil
	}
	k := jobKey{id.Name, id.Netuid, r.Mechanism}
	g := s.gate(k)
	g.Lock()
	job, superseded, err := s.st.Create(ctx, store.NewJob{
		Identity: id.Name, Hotkey: id.Hotkey.SS58(), Netuid: id.Netuid, Mechanism: r.Mechanism,
		Weights: r.Weights, Options: store.Options{Mode: r.Mode},
		Target: &store.Target{Formula: string(window.Formula), Epoch: window.Epoch, Start: window.Start, End: window.End},
	})
	g.Unlock()
	if err != nil {
		return nil, fmt.Errorf("jobs: persisting the job: %w", err)
	}
	for range superseded {
		s.m.finished(modeUnknown, store.StatusSuperseded, 0)
	}
	s.log.Info("weights job accepted", slog.String("job", job.ID), slog.String("identity", id.Name),
		slog.Int("mechanism", int(r.Mechanism)), slog.Int("weights", len(r.Weights)), slog.String("mode", string(r.Mode)),
		slog.Uint64("epoch", window.Epoch), slog.Uint64("window_end", window.End), slog.Any("supersedes", superseded))
	acc.Job, acc.Superseded = job, superseded
	s.start(job)
	return acc, nil
}

func validHotkey(hk string) bool {
	_, err := keys.ParseAccountID(hk)
	return err == nil
}

func badRequest(err error, format string, args ...any) *service.Error {
	return &service.Error{Kind: service.KindBadRequest, Detail: fmt.Sprintf(format, args...), Err: err}
}

// Job returns one of the identity's jobs with its history, oldest event
// first. Another identity's job is not found.
func (s *Service) Job(ctx context.Context, identity, id string) (store.Job, []store.Event, error) {
	j, err := s.st.Get(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && j.Identity != identity) {
		return store.Job{}, nil, &service.Error{Kind: service.KindNotFound, Detail: fmt.Sprintf("weights job %s not found", id)}
	}
	if err != nil {
		return store.Job{}, nil, err
	}
	h, err := s.st.History(ctx, id)
	if err != nil {
		return store.Job{}, nil, err
	}
	return j, h, nil
}

// Submitted reports whether the identity's weights for a mechanism reached
// the chain in the epoch containing block: a job of it landed (or committed,
// for commit-reveal) with its first extrinsic included inside that epoch's
// window, computed from the chain's schedule at that block (or at the latest
// block, for a block still to come).
func (s *Service) Submitted(ctx context.Context, identity string, mechanism uint8, block uint64) (bool, weights.Window, error) {
	chain, err := s.client()
	if err != nil {
		return false, weights.Window{}, err
	}
	id, ok := s.ids[identity]
	if !ok {
		return false, weights.Window{}, &service.Error{Kind: service.KindNotFound, Detail: fmt.Sprintf("identity %s cannot set weights", identity)}
	}
	if mechanism > MaxMechanism {
		return false, weights.Window{}, badRequest(nil, "mechanism_id must be from 0 to %d, got %d", MaxMechanism, mechanism)
	}
	at := chain.Head()
	if block < at.Number {
		b, err := chain.BlockAt(ctx, block)
		if err != nil {
			return false, weights.Window{}, classify(err, fmt.Sprintf("block %d", block))
		}
		at = b
	}
	sched, err := s.scheduleAt(ctx, id.Netuid, at)
	if err != nil {
		return false, weights.Window{}, err
	}
	w, err := sched.WindowAt(block)
	if err != nil {
		return false, weights.Window{}, badRequest(err, "subnet %d at block %d: %v", id.Netuid, block, err)
	}
	ok, err = s.st.SubmittedInEpoch(ctx, store.EpochQuery{Identity: identity, Netuid: id.Netuid, Mechanism: mechanism, Start: w.Start, End: w.End})
	if err != nil {
		return false, w, err
	}
	return ok, w, nil
}
