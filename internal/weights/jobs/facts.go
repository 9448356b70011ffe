package jobs

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/pylon-go/pylon/internal/keys"
	"github.com/pylon-go/pylon/internal/service"
	"github.com/pylon-go/pylon/internal/subtensor"
	"github.com/pylon-go/pylon/internal/weights"
)

// facts are the chain facts one decision rests on, all read at one block:
// whether and how weights can be submitted there.
type facts struct {
	id          Identity
	mechanism   uint8
	netuidIndex uint16
	block       subtensor.Block
	// blockTime is when block was authored (for aiming drand rounds).
	blockTime time.Time

	hyper      *subtensor.Hyperparameters
	neurons    []subtensor.Neuron
	lastUpdate []uint64
	calls      []string
	epochs     *subtensor.EpochState
	schedule   weights.Schedule
}

// readFacts reads everything a weights decision needs at block b, in
// parallel, from the same node. A mechanism the subnet or runtime does not
// have is a bad request.
func (s *Service) readFacts(ctx context.Context, id Identity, mechanism uint8, b subtensor.Block) (*facts, error) {
	idx, err := weights.NetuidIndex(id.Netuid, mechanism)
	if err != nil {
		return nil, badRequest(err, "%v", err)
	}
	f := &facts{id: id, mechanism: mechanism, netuidIndex: idx, block: b}
	var (
		mechs     uint8
		supported bool
	)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		f.hyper, err = s.chain.Load().Hyperparameters(gctx, b, id.Netuid)
		return err
	})
	g.Go(func() (err error) {
		f.neurons, err = s.chain.Load().Neurons(gctx, b, id.Netuid)
		return err
	})
	g.Go(func() (err error) {
		f.calls, err = s.chain.Load().Calls(gctx, b)
		return err
	})
	g.Go(func() (err error) {
		f.lastUpdate, err = s.chain.Load().LastUpdate(gctx, b, idx)
		return err
	})
	g.Go(func() (err error) {
		mechs, supported, err = s.chain.Load().Mechanisms(gctx, b, id.Netuid)
		return err
	})
	g.Go(func() (err error) {
		f.epochs, err = s.chain.Load().EpochState(gctx, b, id.Netuid)
		return err
	})
	if err := g.Wait(); err != nil {
		if errors.Is(err, subtensor.ErrSubnetNotFound) {
			return nil, badRequest(err, "subnet %d does not exist at block %d", id.Netuid, b.Number)
		}
		return nil, classify(err, fmt.Sprintf("the weights facts of subnet %d at block %d", id.Netuid, b.Number))
	}
	switch {
	case mechanism != 0 && !supported:
		return nil, badRequest(nil, "mechanism %d: the chain's runtime has no subnet mechanisms, so only mechanism 0 exists (PUT …/weights)", mechanism)
	case mechanism >= mechs:
		return nil, badRequest(nil, "mechanism %d: subnet %d has %d mechanism(s) (ids 0–%d)", mechanism, id.Netuid, mechs, mechs-1)
	}
	f.blockTime = f.hyper.Block.Time
	if f.schedule, err = scheduleFrom(id.Netuid, b.Number, f.hyper.Tempo, f.epochs); err != nil {
		return nil, badRequest(err, "subnet %d: %v", id.Netuid, err)
	}
	return f, nil
}

// scheduleFrom builds the epoch schedule the runtime uses: the stateful one
// where the runtime keeps epoch state, the legacy modulo formula otherwise.
func scheduleFrom(netuid uint16, block uint64, tempo uint16, st *subtensor.EpochState) (weights.Schedule, error) {
	if st == nil {
		return weights.Legacy{Netuid: netuid, Tempo: tempo}, nil
	}
	return weights.NewStateful(weights.StatefulState{
		Netuid: netuid, Tempo: st.Tempo, AtBlock: block, EpochIndex: st.EpochIndex,
		LastEpochBlock: st.LastEpochBlock, PendingEpochAt: st.PendingEpochAt, NextEpochStart: st.NextEpochStart,
	})
}

// scheduleAt reads the subnet's schedule at block b (for the status of an
// epoch).
func (s *Service) scheduleAt(ctx context.Context, netuid uint16, b subtensor.Block) (weights.Schedule, error) {
	var (
		tempo uint16
		st    *subtensor.EpochState
	)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		h, err := s.chain.Load().Hyperparameters(gctx, b, netuid)
		if err == nil {
			tempo = h.Tempo
		}
		return err
	})
	g.Go(func() (err error) {
		st, err = s.chain.Load().EpochState(gctx, b, netuid)
		return err
	})
	if err := g.Wait(); err != nil {
		if errors.Is(err, subtensor.ErrSubnetNotFound) {
			return nil, &service.Error{Kind: service.KindNotFound, Detail: fmt.Sprintf("subnet %d does not exist at block %d", netuid, b.Number), Err: err}
		}
		return nil, classify(err, fmt.Sprintf("the epoch schedule of subnet %d at block %d", netuid, b.Number))
	}
	sched, err := scheduleFrom(netuid, b.Number, tempo, st)
	if err != nil {
		return nil, badRequest(err, "subnet %d: %v", netuid, err)
	}
	return sched, nil
}

// signerUID returns the signer's uid and whether it holds a validator permit.
func (f *facts) signer() (uid uint16, permit, ok bool) {
	me := f.id.Hotkey.AccountID()
	for i := range f.neurons {
		if f.neurons[i].Hotkey == me {
			return f.neurons[i].UID, f.neurons[i].ValidatorPermit, true
		}
	}
	return 0, false, false
}

// prepare validates the weights against the facts (weights.Prepare) and
// picks the submission mode (weights.ChooseMode).
func (f *facts) prepare(w map[string]float64, minVersionKey uint64) (weights.Plan, weights.Submission, error) {
	byAccount := make(map[keys.AccountID]uint16, len(f.neurons))
	for i := range f.neurons {
		byAccount[f.neurons[i].Hotkey] = f.neurons[i].UID
	}
	// The request's own spellings of the hotkeys map to uids, so unknown
	// ones are reported as the caller wrote them.
	uids := make(map[string]uint16, len(w)+1)
	for hk := range w {
		if a, err := keys.ParseAccountID(hk); err == nil {
			if uid, ok := byAccount[a]; ok {
				uids[hk] = uid
			}
		}
	}
	signer := f.id.Hotkey.SS58()
	var permitted *bool
	if uid, permit, ok := f.signer(); ok {
		uids[signer] = uid
		permitted = &permit
	}
	minAllowed := uint64(0)
	if v, ok := f.hyper.Param("min_allowed_weights"); ok {
		if n, ok := v.Uint64(); ok {
			minAllowed = min(n, math.MaxUint16)
		}
	}
	plan, err := weights.Prepare(weights.Request{Weights: w, Signer: signer, VersionKey: minVersionKey, ValidHotkey: validHotkey}, weights.Subnet{
		Netuid: f.id.Netuid, Mechanism: f.mechanism, Block: f.block.Number, UIDs: uids,
		Size:              uint16(min(len(f.neurons), math.MaxUint16)),
		MinAllowedWeights: uint16(minAllowed),
		MaxWeightsLimit:   f.hyper.MaxWeightsLimit, WeightsVersionKey: f.hyper.WeightsVersion, Permitted: permitted,
	})
	if err != nil {
		return weights.Plan{}, weights.Submission{}, badRequest(err, "%v", err)
	}
	sub, err := f.mode()
	if err != nil {
		return weights.Plan{}, weights.Submission{}, err
	}
	return plan, sub, nil
}

// mode is the submission mode the chain calls for at the facts' block.
func (f *facts) mode() (weights.Submission, error) {
	var version uint16
	if f.hyper.CommitRevealVersion != nil {
		version = *f.hyper.CommitRevealVersion
	}
	sub, err := weights.ChooseMode(weights.ModeFacts{
		CommitRevealEnabled: f.hyper.CommitRevealWeightsEnabled, Mechanism: f.mechanism,
		Calls: f.calls, CommitRevealVersion: version,
	})
	if err != nil {
		return sub, badRequest(err, "subnet %d, mechanism %d: %v", f.id.Netuid, f.mechanism, err)
	}
	if sub.Mode == weights.ModeTimelock && f.hyper.CommitRevealVersion == nil &&
		(sub.Call == weights.CallCommitTimelockedWeights || sub.Call == weights.CallCommitTimelockedMechanismWeights) {
		return sub, &service.Error{Kind: service.KindBadGateway,
			Detail: fmt.Sprintf("the runtime offers %s but no CommitRevealWeightsVersion to send with it", sub.Call)}
	}
	return sub, nil
}

// rateLimit returns the first inclusion block at which the chain accepts
// weights (or a commit, or a reveal) from the signer again.
func (f *facts) nextAllowed(uid uint16) (next, last uint64) {
	if int(uid) < len(f.lastUpdate) {
		last = f.lastUpdate[uid]
	}
	return weights.NextAllowedBlock(last, f.hyper.WeightsRateLimit, f.block.Number+1), last
}

// classify turns a chain error into a *service.Error for the API, keeping
// context errors as they are (the API answers 504 for a deadline).
func classify(err error, what string) error {
	var se *service.Error
	var ae *subtensor.ArchiveError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &se):
		return err
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return err
	case errors.As(err, &ae):
		return &service.Error{Kind: service.KindBadGateway, Detail: fmt.Sprintf("reading %s: %v", what, ae), Err: err}
	case subtensor.IsUnavailable(err):
		return &service.Error{Kind: service.KindUnavailable, Detail: fmt.Sprintf("reading %s: no chain node is available: %v", what, err), Err: err}
	case errors.Is(err, subtensor.ErrBlockNotFound):
		return &service.Error{Kind: service.KindNotFound, Detail: fmt.Sprintf("reading %s: no such block", what), Err: err}
	default:
		return &service.Error{Kind: service.KindBadGateway, Detail: fmt.Sprintf("reading %s from the chain failed: %v", what, err), Err: err}
	}
}
