package timelock

import (
	"errors"
	"math"
	"math/bits"
	"time"
)

// ErrNoEpochs reports a subnet with tempo 0, which never runs an epoch and so
// never reveals.
var ErrNoEpochs = errors.New("timelock: tempo is 0, the subnet runs no epochs")

// SecurityBlockOffset is how many blocks after the first block of the reveal
// epoch the reveal round is aimed at, so that the pulse is already on chain
// when the reveal runs (bittensor-drand's SECURITY_BLOCK_OFFSET).
const SecurityBlockOffset = 3

// LegacyRevealBlock returns the block whose time the reveal round is aimed at
// under the legacy epoch model (runtimes up to spec 422, CRYPTO.md §6.2), as
// bittensor-drand 1.x generate_commit computes it:
//
//	epoch        = (block + netuidIndex + 1) / (tempo + 1)
//	first_reveal = (epoch + revealPeriod)·(tempo + 1) − (netuidIndex + 1)
//	target       = first_reveal + 3
//
// netuidIndex is netuid + mecid·4096 (the SDK's choice; equal to netuid for
// mechanism 0). Arithmetic saturates like the reference.
func LegacyRevealBlock(block, netuidIndex, tempo, revealPeriod uint64) uint64 {
	tp1 := satAdd(tempo, 1)
	np1 := satAdd(netuidIndex, 1)
	epoch := satAdd(block, np1) / tp1
	first := satSub(satMul(satAdd(epoch, revealPeriod), tp1), np1)
	return satAdd(first, SecurityBlockOffset)
}

// StatefulRevealBlock returns the block whose time the reveal round is aimed
// at under stateful epochs (spec ≥ 423, CHAIN.md §9.2). nextEpochStart is
// SubnetInfoRuntimeApi_get_next_epoch_start_block (or NextEpochStart of the
// storage values), read at head block `block`.
//
// The commit is assumed to land in block+1. If the next epoch starts after
// that, the commit belongs to the current epoch and is revealed at
//
//	nextEpochStart + (revealPeriod − 1)·tempo
//
// If it starts at or before block+1, the epoch fires in the commit's own block
// and the chain tags the commit with the new epoch (current_epoch_with_lookahead),
// so the reveal comes one epoch later, at block+1 + revealPeriod·tempo. This is
// the case where the plain CHAIN.md formula would aim one epoch early; it
// matches bittensor-drand 2.0's predict_first_reveal_block. As there, epoch
// deferral by the per-block cap and the BlocksSinceLastStep safety net are not
// modelled. The result is that block + SecurityBlockOffset.
func StatefulRevealBlock(block, nextEpochStart, tempo, revealPeriod uint64) (uint64, error) {
	if tempo == 0 {
		return 0, ErrNoEpochs
	}
	commitBlock := satAdd(block, 1)
	var reveal uint64
	switch {
	case revealPeriod == 0:
		// The reveal epoch is the commit epoch: the reveal is due at once.
		reveal = commitBlock
	case nextEpochStart <= commitBlock:
		reveal = satAdd(commitBlock, satMul(revealPeriod, tempo))
	default:
		reveal = satAdd(nextEpochStart, satMul(revealPeriod-1, tempo))
	}
	return satAdd(reveal, SecurityBlockOffset), nil
}

// NextEpochStart mirrors subtensor's get_next_epoch_start_block from the
// storage values LastEpochBlock, PendingEpochAt and Tempo: the earlier of
// lastEpochBlock + tempo and a pending owner-triggered epoch (0 = none). It
// returns ErrNoEpochs for tempo 0.
func NextEpochStart(lastEpochBlock, pendingEpochAt, tempo uint64) (uint64, error) {
	if tempo == 0 {
		return 0, ErrNoEpochs
	}
	next := satAdd(lastEpochBlock, tempo)
	if pendingEpochAt > 0 && pendingEpochAt < next {
		next = pendingEpochAt
	}
	return next, nil
}

// RoundForBlock returns the drand round to encrypt to so that the pulse exists
// when targetBlock is produced, given the head block `block` seen at `now` and
// the chain's block time (12 s on finney, 250 ms on fast-block local chains).
// It is bittensor-drand's conversion, in the same float64 arithmetic:
//
//	secs  = (targetBlock − block)·blockTime      (saturating at 0)
//	round = max(1, floor((now + secs − genesis) / period))
//
// It rounds down, so it names a round emitted up to one period before the
// target time, never one after it. It reads no clock: now is an input.
func (n *Network) RoundForBlock(block, targetBlock uint64, blockTime time.Duration, now time.Time) uint64 {
	secs := float64(satSub(targetBlock, block)) * blockTime.Seconds()
	// Same float as Rust's Duration::as_secs_f64.
	nowSecs := float64(now.Unix()) + float64(now.Nanosecond())/1e9
	r := math.Floor((nowSecs + secs - float64(n.GenesisTime)) / float64(n.Period))
	switch {
	case math.IsNaN(r) || r < 1:
		return 1
	case r >= math.MaxUint64:
		return math.MaxUint64
	}
	return uint64(r)
}

func satAdd(a, b uint64) uint64 {
	s, c := bits.Add64(a, b, 0)
	if c != 0 {
		return math.MaxUint64
	}
	return s
}

func satSub(a, b uint64) uint64 {
	if b > a {
		return 0
	}
	return a - b
}

func satMul(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	if hi != 0 {
		return math.MaxUint64
	}
	return lo
}
