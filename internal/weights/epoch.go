package weights

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
)

// Formula names the epoch model of a runtime.
type Formula string

// Epoch models (CHAIN.md §9).
const (
	// FormulaLegacy is the modulo schedule of runtimes up to spec 422: the epoch
	// runs in blocks where (block + netuid + 1) mod (tempo + 1) == tempo.
	FormulaLegacy Formula = "legacy"
	// FormulaStateful is the counter-based schedule of spec ≥ 423: an epoch runs
	// tempo blocks after the last one (LastEpochBlock), or earlier when the
	// owner sets PendingEpochAt, and SubnetEpochIndex counts them.
	FormulaStateful Formula = "stateful"
)

// Errors of the epoch schedules.
var (
	// ErrNoEpochs: the subnet's tempo is 0, so the chain never runs its epoch.
	ErrNoEpochs = errors.New("subnet runs no epochs (tempo 0)")
	// ErrOutsideSchedule: the block or epoch lies before what the schedule knows
	// (a stateful schedule knows nothing before LastEpochBlock) or beyond uint64.
	ErrOutsideSchedule = errors.New("outside the known epoch schedule")
)

// Schedule answers epoch questions for one subnet. Blocks are block numbers.
// A "fire block" is a block whose initialisation runs the subnet's epoch.
//
// The runtime decides which model applies: the caller builds a Legacy schedule
// on runtimes without stateful epochs and a Stateful one (from storage and the
// runtime API) on runtimes that have them — never a fixed tempo.
type Schedule interface {
	// Formula names the model.
	Formula() Formula
	// Index is the epoch index the chain attributes to an extrinsic included in
	// block: the one commit-reveal compares (commit epoch, reveal epoch).
	Index(block uint64) (uint64, error)
	// NextStart is the first fire block strictly after block.
	NextStart(block uint64) (uint64, error)
	// WindowAt is Pylon's window for the epoch containing block: from the last
	// fire block at or before it to the fire block after that, both inclusive
	// (PYLON-API.md §6.1). A job for that epoch is due while latest ≤ End.
	WindowAt(block uint64) (Window, error)
	// EpochBlocks is the range of inclusion blocks whose Index is epoch.
	EpochBlocks(epoch uint64) (BlockRange, error)
}

// Window is an epoch's block window, both ends inclusive (ends are fire blocks,
// except a legacy start clamped at block 0).
type Window struct {
	Start uint64 `json:"start"`
	End   uint64 `json:"end"`
	// Epoch is the chain's index for the blocks inside the window (Index of
	// Start+1 … End under the legacy formula, whose index moves one block after
	// the epoch runs; Index of Start … End−1 under the stateful counter, which
	// moves in the fire block itself).
	Epoch   uint64  `json:"epoch"`
	Formula Formula `json:"formula"`
}

// Contains reports whether block lies in the window.
func (w Window) Contains(block uint64) bool { return w.Start <= block && block <= w.End }

// BlockRange is an inclusive range of blocks.
type BlockRange struct {
	First uint64 `json:"first"`
	Last  uint64 `json:"last"`
}

// Contains reports whether block lies in the range.
func (r BlockRange) Contains(block uint64) bool { return r.First <= block && block <= r.Last }

// Legacy is the modulo epoch schedule of runtimes up to spec 422
// (CHAIN.md §9.1), exactly as subtensor and Pylon compute it.
type Legacy struct {
	Netuid uint16
	Tempo  uint16
}

var _ Schedule = Legacy{}

// Formula implements Schedule.
func (Legacy) Formula() Formula { return FormulaLegacy }

func (l Legacy) np1() uint64 { return uint64(l.Netuid) + 1 }
func (l Legacy) tp1() uint64 { return uint64(l.Tempo) + 1 }

// BlocksUntilNext is subtensor's blocks_until_next_epoch: tempo − ((block +
// netuid + 1) mod (tempo + 1)), 0 in a fire block, math.MaxUint64 when tempo is
// 0 (the epoch never runs).
func (l Legacy) BlocksUntilNext(block uint64) uint64 {
	if l.Tempo == 0 {
		return math.MaxUint64
	}
	rem := (block + l.np1()) % l.tp1() // the chain's wrapping_add
	return uint64(l.Tempo) - rem       // rem ≤ tempo
}

// Index is subtensor's get_epoch_index: (block + netuid + 1) / (tempo + 1).
func (l Legacy) Index(block uint64) (uint64, error) {
	return satAdd(block, l.np1()) / l.tp1(), nil
}

// NextStart implements Schedule.
func (l Legacy) NextStart(block uint64) (uint64, error) {
	if l.Tempo == 0 {
		return 0, ErrNoEpochs
	}
	n := l.BlocksUntilNext(block)
	if n == 0 {
		n = l.tp1()
	}
	return addChecked(block, n)
}

// WindowAt is Pylon's window (py:pylon/service/utils.py), transcribed:
//
//	interval = tempo + 1
//	next = block + tempo − (block + netuid + 1) mod interval
//	if next == block: [block, block + interval] else [next − interval, next]
//
// With tempo 0 this yields the one-block window [block, block + 1], as in
// Pylon, although the chain never runs the epoch. A start that Pylon would put
// below block 0 (first epoch) is clamped to 0.
func (l Legacy) WindowAt(block uint64) (Window, error) {
	interval := l.tp1()
	if block > math.MaxUint64-2*interval {
		return Window{}, fmt.Errorf("%w: block %d", ErrOutsideSchedule, block)
	}
	next := block + uint64(l.Tempo) - (block+l.np1())%interval
	var w Window
	if next == block {
		w.Start, w.End = block, block+interval
	} else {
		w.Start, w.End = satSub(next, interval), next
	}
	w.Epoch, _ = l.Index(w.End)
	w.Formula = FormulaLegacy
	return w, nil
}

// EpochBlocks implements Schedule: the blocks b with (b + netuid + 1) / (tempo
// + 1) == epoch.
func (l Legacy) EpochBlocks(epoch uint64) (BlockRange, error) {
	hi, lo := bits.Mul64(epoch+1, l.tp1())
	if hi != 0 || epoch == math.MaxUint64 {
		return BlockRange{}, fmt.Errorf("%w: epoch %d", ErrOutsideSchedule, epoch)
	}
	if lo <= l.np1() {
		return BlockRange{}, fmt.Errorf("%w: epoch %d ends before block 0", ErrOutsideSchedule, epoch)
	}
	return BlockRange{First: satSub(lo-l.tp1(), l.np1()), Last: lo - l.np1() - 1}, nil
}

// StatefulState is what a runtime with stateful epochs (spec ≥ 423) says about
// a subnet's schedule, read at one block (CHAIN.md §5.7, §9.2).
type StatefulState struct {
	Netuid uint16
	// Tempo is storage Tempo (the period between epochs).
	Tempo uint16
	// AtBlock is the block the state was read at.
	AtBlock uint64
	// EpochIndex is storage SubnetEpochIndex at AtBlock.
	EpochIndex uint64
	// LastEpochBlock is storage LastEpochBlock: the last fire block.
	LastEpochBlock uint64
	// PendingEpochAt is storage PendingEpochAt (an owner-triggered or deferred
	// fire block), 0 when none.
	PendingEpochAt uint64
	// NextEpochStart is the runtime API's get_next_epoch_start_block when the
	// runtime offers it; it takes precedence over the value derived from the
	// storage items, since the runtime owns the rule.
	NextEpochStart *uint64
}

// Stateful is the schedule of a runtime with stateful epochs. From the state at
// AtBlock it knows the last fire block and predicts the next ones: the next
// start (from the runtime or min(LastEpochBlock + Tempo, PendingEpochAt)), then
// one every Tempo blocks. An overdue fire (deferred by the chain's per-block
// cap) is predicted for AtBlock+1.
//
// What it cannot foresee: later owner actions (a new tempo, a new
// PendingEpochAt), further per-block-cap deferrals and the chain's
// BlocksSinceLastStep safety net. Predictions far ahead are estimates; re-read
// the state each attempt and rebuild the schedule.
type Stateful struct {
	st    StatefulState
	first uint64 // the next fire block after AtBlock (F₁); unused when Tempo is 0
}

var _ Schedule = (*Stateful)(nil)

// NewStateful checks the state and builds the schedule.
func NewStateful(st StatefulState) (*Stateful, error) {
	if st.LastEpochBlock > st.AtBlock {
		return nil, fmt.Errorf("weights: stateful epochs: LastEpochBlock %d is after the block read %d", st.LastEpochBlock, st.AtBlock)
	}
	s := &Stateful{st: st}
	if st.Tempo == 0 {
		if st.NextEpochStart != nil {
			return nil, fmt.Errorf("weights: stateful epochs: tempo 0 but a next epoch start %d", *st.NextEpochStart)
		}
		return s, nil
	}
	var next uint64
	if st.NextEpochStart != nil {
		next = *st.NextEpochStart
	} else {
		// subtensor's get_next_epoch_start_block.
		next = satAdd(st.LastEpochBlock, uint64(st.Tempo))
		if st.PendingEpochAt > 0 {
			next = min(next, st.PendingEpochAt)
		}
	}
	s.first = max(next, st.AtBlock+1)
	return s, nil
}

// State returns the state the schedule was built from.
func (s *Stateful) State() StatefulState { return s.st }

// Formula implements Schedule.
func (*Stateful) Formula() Formula { return FormulaStateful }

func (s *Stateful) before(block uint64) error {
	if block < s.st.LastEpochBlock {
		return fmt.Errorf("%w: block %d is before the last epoch block %d", ErrOutsideSchedule, block, s.st.LastEpochBlock)
	}
	return nil
}

// Index implements Schedule: SubnetEpochIndex for blocks up to the next fire,
// one more from each fire block on (the counter moves in the fire block's
// initialisation, before its extrinsics).
func (s *Stateful) Index(block uint64) (uint64, error) {
	if err := s.before(block); err != nil {
		return 0, err
	}
	if s.st.Tempo == 0 || block < s.first {
		return s.st.EpochIndex, nil
	}
	return s.st.EpochIndex + 1 + (block-s.first)/uint64(s.st.Tempo), nil
}

// NextStart implements Schedule.
func (s *Stateful) NextStart(block uint64) (uint64, error) {
	if s.st.Tempo == 0 {
		return 0, ErrNoEpochs
	}
	if err := s.before(block); err != nil {
		return 0, err
	}
	if block < s.first {
		return s.first, nil
	}
	t := uint64(s.st.Tempo)
	return addChecked(s.first, ((block-s.first)/t+1)*t)
}

// WindowAt implements Schedule.
func (s *Stateful) WindowAt(block uint64) (Window, error) {
	if s.st.Tempo == 0 {
		return Window{}, ErrNoEpochs
	}
	if err := s.before(block); err != nil {
		return Window{}, err
	}
	if block < s.first {
		return Window{Start: s.st.LastEpochBlock, End: s.first, Epoch: s.st.EpochIndex, Formula: FormulaStateful}, nil
	}
	t := uint64(s.st.Tempo)
	j := (block - s.first) / t
	start := s.first + j*t
	end, err := addChecked(start, t)
	if err != nil {
		return Window{}, err
	}
	return Window{Start: start, End: end, Epoch: s.st.EpochIndex + 1 + j, Formula: FormulaStateful}, nil
}

// EpochBlocks implements Schedule. With tempo 0 the current epoch never ends.
func (s *Stateful) EpochBlocks(epoch uint64) (BlockRange, error) {
	k := s.st.EpochIndex
	switch {
	case epoch < k:
		return BlockRange{}, fmt.Errorf("%w: epoch %d is before the current epoch %d", ErrOutsideSchedule, epoch, k)
	case s.st.Tempo == 0 && epoch == k:
		return BlockRange{First: s.st.LastEpochBlock, Last: math.MaxUint64}, nil
	case s.st.Tempo == 0:
		return BlockRange{}, fmt.Errorf("%w: epoch %d never starts", ErrNoEpochs, epoch)
	case epoch == k:
		return BlockRange{First: s.st.LastEpochBlock, Last: s.first - 1}, nil
	}
	t := uint64(s.st.Tempo)
	hi, off := bits.Mul64(epoch-k-1, t)
	first, err := addChecked(s.first, off)
	if hi != 0 || err != nil {
		return BlockRange{}, fmt.Errorf("%w: epoch %d", ErrOutsideSchedule, epoch)
	}
	last, err := addChecked(first, t-1)
	if err != nil {
		return BlockRange{}, fmt.Errorf("%w: epoch %d", ErrOutsideSchedule, epoch)
	}
	return BlockRange{First: first, Last: last}, nil
}

func satAdd(a, b uint64) uint64 {
	if s := a + b; s >= a {
		return s
	}
	return math.MaxUint64
}

func satSub(a, b uint64) uint64 {
	if a < b {
		return 0
	}
	return a - b
}

func addChecked(a, b uint64) (uint64, error) {
	s, carry := bits.Add64(a, b, 0)
	if carry != 0 {
		return 0, fmt.Errorf("%w: block beyond uint64", ErrOutsideSchedule)
	}
	return s, nil
}
