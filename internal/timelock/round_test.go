package timelock

import (
	"errors"
	"math"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// Worked example of CRYPTO.md §6.2: netuid 1, tempo 360, block 1000, reveal
// period 1, now 1 750 000 000.0, 12 s blocks → epoch 2, reveal epoch 3, first
// reveal block 1081, target 1084 (84 blocks ahead) → round 19065880.
func TestLegacyRevealRoundWorkedExample(t *testing.T) {
	target := LegacyRevealBlock(1000, 1, 360, 1)
	if target != 1084 {
		t.Fatalf("target block = %d, want 1084", target)
	}
	got := Quicknet().RoundForBlock(1000, target, 12*time.Second, time.Unix(1_750_000_000, 0))
	if got != 19065880 {
		t.Fatalf("reveal round = %d, want 19065880", got)
	}
}

func TestLegacyRevealBlock(t *testing.T) {
	cases := []struct {
		block, netuid, tempo, period, want uint64
	}{
		// Epoch boundary for netuid 1, tempo 360: epochs start where
		// (block+2) % 361 == 0, i.e. 359, 720, 1081, ...
		{1080, 1, 360, 1, 1084}, // last block of epoch 2
		{1081, 1, 360, 1, 1445}, // first block of epoch 3
		{1000, 1, 360, 2, 1445}, // two epochs ahead
		{1000, 1, 360, 0, 723},  // period 0: start of the current epoch + 3 (in the past)
		{0, 0, 0, 0, 3},         // tempo 0: saturating, no division by zero
		{5, 4096, 360, 1, 3 + 12*361 - 4097},
	}
	for _, c := range cases {
		if got := LegacyRevealBlock(c.block, c.netuid, c.tempo, c.period); got != c.want {
			t.Errorf("LegacyRevealBlock(%d, %d, %d, %d) = %d, want %d", c.block, c.netuid, c.tempo, c.period, got, c.want)
		}
	}
}

func TestRoundForBlock(t *testing.T) {
	q := Quicknet()
	genesis := time.Unix(QuicknetGenesisTime, 0)
	cases := []struct {
		name          string
		block, target uint64
		blockTime     time.Duration
		now           time.Time
		want          uint64
	}{
		{"before genesis clamps to 1", 0, 0, 12 * time.Second, time.Unix(0, 0), 1},
		{"at genesis clamps to 1", 0, 0, 12 * time.Second, genesis, 1},
		{"one period after genesis", 0, 0, 12 * time.Second, genesis.Add(3 * time.Second), 1},
		{"just under two periods", 0, 0, 12 * time.Second, genesis.Add(6*time.Second - time.Millisecond), 1},
		// float64 seconds cannot tell 1 ns from 0 at this magnitude; the
		// reference (as_secs_f64) rounds the same way.
		{"one ns under two periods", 0, 0, 12 * time.Second, genesis.Add(6*time.Second - time.Nanosecond), 2},
		{"two periods", 0, 0, 12 * time.Second, genesis.Add(6 * time.Second), 2},
		{"target in the past counts as now", 100, 50, 12 * time.Second, genesis.Add(30 * time.Second), 10},
		{"fast blocks", 0, 12, 250 * time.Millisecond, genesis, 1},
		{"fast blocks 2", 0, 24, 250 * time.Millisecond, genesis, 2},
		{"sub-second now", 0, 0, 12 * time.Second, genesis.Add(2999 * time.Millisecond), 1},
	}
	for _, c := range cases {
		if got := q.RoundForBlock(c.block, c.target, c.blockTime, c.now); got != c.want {
			t.Errorf("%s: round %d, want %d", c.name, got, c.want)
		}
	}
	far := Network{GenesisTime: 0, Period: 1}
	if got := far.RoundForBlock(0, math.MaxUint64, time.Hour, time.Unix(0, 0)); got != math.MaxUint64 {
		t.Errorf("overflowing round = %d, want MaxUint64", got)
	}
}

// Vectors of bittensor-drand 2.0 epoch_schedule_vectors.rs (predict_first_reveal_block),
// plus SecurityBlockOffset.
func TestStatefulRevealBlockReferenceVectors(t *testing.T) {
	cases := []struct {
		name                               string
		last, pending, tempo, head, period uint64
		wantReveal                         uint64
	}{
		{"cycle_reset", 10, 0, 50, 10, 1, 60},
		{"pending_fires_before_auto", 80, 95, 20, 91, 1, 95},
	}
	for _, c := range cases {
		next, err := NextEpochStart(c.last, c.pending, c.tempo)
		if err != nil {
			t.Fatal(err)
		}
		got, err := StatefulRevealBlock(c.head, next, c.tempo, c.period)
		if err != nil {
			t.Fatal(err)
		}
		if got != c.wantReveal+SecurityBlockOffset {
			t.Errorf("%s: %d, want %d", c.name, got, c.wantReveal+SecurityBlockOffset)
		}
	}
	if _, err := NextEpochStart(10, 0, 0); !errors.Is(err, ErrNoEpochs) {
		t.Errorf("NextEpochStart tempo 0: %v", err)
	}
	if _, err := StatefulRevealBlock(10, 60, 0, 1); !errors.Is(err, ErrNoEpochs) {
		t.Errorf("StatefulRevealBlock tempo 0: %v", err)
	}
}

func TestStatefulRevealBlockCHAINFormula(t *testing.T) {
	// The CHAIN.md §9.2 formula next_start + (reveal_period − 1)·tempo + 3
	// whenever the epoch does not fire in the commit's own block.
	for _, period := range []uint64{1, 2, 5} {
		got, err := StatefulRevealBlock(1000, 1100, 360, period)
		if err != nil {
			t.Fatal(err)
		}
		if want := 1100 + (period-1)*360 + 3; got != want {
			t.Errorf("period %d: %d, want %d", period, got, want)
		}
	}
	// Epoch fires in the commit's block (head 1099, commit 1100): the commit
	// is tagged with the new epoch, so its reveal comes a full tempo later.
	got, err := StatefulRevealBlock(1099, 1100, 360, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got != 1100+360+3 {
		t.Errorf("commit in the fire block: %d, want %d", got, 1100+360+3)
	}
}

// simulateReveal is an independent, block-by-block port of the chain rules
// (subtensor should_run_epoch, current_epoch_with_lookahead, and run_coinbase
// resetting LastEpochBlock/PendingEpochAt) without the safety net and deferral.
func simulateReveal(last, pending, index, tempo, head, period uint64) uint64 {
	shouldRun := func(b uint64) bool {
		if pending > 0 && b >= pending {
			return true
		}
		return satSub(b, last) >= tempo
	}
	lookahead := func(b uint64) uint64 {
		if shouldRun(b) {
			return index + 1
		}
		return index
	}
	commit := head + 1
	target := lookahead(commit) + period
	for b := commit; ; b++ {
		if lookahead(b) == target {
			return b
		}
		if shouldRun(b) {
			last, pending, index = b, 0, index+1
		}
	}
}

func TestStatefulRevealBlockMatchesSimulation(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		tempo := rapid.Uint64Range(1, 400).Draw(t, "tempo")
		last := rapid.Uint64Range(0, 10_000).Draw(t, "last")
		head := rapid.Uint64Range(satSub(last, 5), last+tempo+10).Draw(t, "head")
		pending := uint64(0)
		if rapid.Bool().Draw(t, "has pending") {
			pending = rapid.Uint64Range(1, last+2*tempo).Draw(t, "pending")
		}
		index := rapid.Uint64Range(0, 1000).Draw(t, "index")
		period := rapid.Uint64Range(0, 6).Draw(t, "period")

		next, err := NextEpochStart(last, pending, tempo)
		if err != nil {
			t.Fatal(err)
		}
		got, err := StatefulRevealBlock(head, next, tempo, period)
		if err != nil {
			t.Fatal(err)
		}
		if want := simulateReveal(last, pending, index, tempo, head, period) + SecurityBlockOffset; got != want {
			t.Fatalf("StatefulRevealBlock = %d, simulation = %d (next start %d)", got, want, next)
		}
	})
}
