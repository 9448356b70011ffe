package jobs

import (
	"fmt"
	"io"
	"time"

	"github.com/pylon-go/pylon/internal/timelock"
	"github.com/pylon-go/pylon/internal/weights"
)

// revealAim is what a timelocked commit is aimed at: the chain facts that put
// its reveal in the right epoch.
type revealAim struct {
	// Head is the best block when the commit is built; it lands in Head+1 at
	// the earliest.
	Head uint64
	// HeadTime is when Head was authored: the chain's clock, not ours.
	HeadTime    time.Time
	NetuidIndex uint16
	Tempo       uint16
	// RevealPeriod is commit_reveal_period, in epochs.
	RevealPeriod uint64
	// NextEpochStart is set on runtimes with stateful epochs (the runtime's
	// get_next_epoch_start_block, or derived from LastEpochBlock,
	// PendingEpochAt and Tempo); nil selects the legacy formula.
	NextEpochStart *uint64
	// BlockTime is the chain's block interval.
	BlockTime time.Duration
}

// revealRound is the drand round a timelocked commit is encrypted to: the
// round whose pulse exists when the reveal block of its epoch is produced
// (CRYPTO.md §6.2): bittensor-drand's legacy formula, or the stateful-epoch
// one where the runtime keeps epoch state (CHAIN.md §9.2), then block time and
// quicknet's schedule to a round.
func revealRound(a revealAim) (round, target uint64, err error) {
	if a.NextEpochStart != nil {
		target, err = timelock.StatefulRevealBlock(a.Head, *a.NextEpochStart, uint64(a.Tempo), a.RevealPeriod)
		if err != nil {
			return 0, 0, fmt.Errorf("jobs: reveal block: %w", err)
		}
	} else {
		if a.Tempo == 0 {
			return 0, 0, timelock.ErrNoEpochs
		}
		target = timelock.LegacyRevealBlock(a.Head, uint64(a.NetuidIndex), uint64(a.Tempo), a.RevealPeriod)
	}
	now := a.HeadTime
	if now.IsZero() {
		now = time.Now()
	}
	return timelock.Quicknet().RoundForBlock(a.Head, target, a.BlockTime, now), target, nil
}

// sealWeights encrypts the weights payload — signed-for hotkey, uids, values,
// version key — to a drand round. random is the encryption's randomness
// (crypto/rand when nil). The chain decrypts it at reveal and drops it
// silently if anything is off, so the payload is exactly what Prepare
// validated and the hotkey is the signer's.
func sealWeights(hotkey [32]byte, plan weights.Plan, round uint64, random io.Reader) ([]byte, error) {
	p := timelock.WeightsPayload{Hotkey: hotkey, UIDs: plan.UIDs, Values: plan.Values, VersionKey: plan.VersionKey}
	msg, err := p.Encode()
	if err != nil {
		return nil, fmt.Errorf("jobs: timelock payload: %w", err)
	}
	ct, err := timelock.Quicknet().Encrypt(round, msg, random)
	if err != nil {
		return nil, fmt.Errorf("jobs: timelock encryption: %w", err)
	}
	return ct, nil
}
