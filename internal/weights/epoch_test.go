package weights

import (
	"errors"
	"math"
	"testing"

	"pgregory.net/rapid"
)

func TestLegacyWorkedExamples(t *testing.T) {
	// subtensor run_coinbase.rs, doc comment of blocks_until_next_epoch:
	// tempo | netuid | first epoch block.
	for _, c := range []struct {
		tempo, netuid uint16
		first         uint64
	}{{1, 0, 0}, {1, 1, 1}, {2, 0, 1}, {2, 1, 0}, {100, 0, 99}, {100, 1, 98}} {
		l := Legacy{Netuid: c.netuid, Tempo: c.tempo}
		for b := uint64(0); b < c.first; b++ {
			if l.BlocksUntilNext(b) == 0 {
				t.Errorf("tempo %d netuid %d: block %d fires before %d", c.tempo, c.netuid, b, c.first)
			}
		}
		if l.BlocksUntilNext(c.first) != 0 {
			t.Errorf("tempo %d netuid %d: block %d does not fire", c.tempo, c.netuid, c.first)
		}
	}

	// CRYPTO.md §6.2: netuid 1, tempo 360, block 1000 → epoch 2; reveal epoch 3
	// starts at block 1081.
	l := Legacy{Netuid: 1, Tempo: 360}
	if e, _ := l.Index(1000); e != 2 {
		t.Errorf("Index(1000) = %d, want 2", e)
	}
	r, err := l.EpochBlocks(3)
	if err != nil || r != (BlockRange{First: 1081, Last: 1441}) {
		t.Errorf("EpochBlocks(3) = %+v, %v; want [1081, 1441]", r, err)
	}
	rw, err := RevealWindow(l, 1000, 1)
	if err != nil || rw != r {
		t.Errorf("RevealWindow(commit 1000, period 1) = %+v, %v", rw, err)
	}

	// DEVNET.md §5.6: the epoch runs where (block + netuid + 1) % (tempo + 1) == tempo.
	d := Legacy{Netuid: 2, Tempo: 10}
	for _, b := range []uint64{7, 18, 29} {
		if d.BlocksUntilNext(b) != 0 {
			t.Errorf("devnet: block %d should fire", b)
		}
	}

	// Pylon's window (PYLON-API.md §6.1), worked by hand for netuid 1, tempo 360:
	// fire blocks are 358, 719, 1080, 1441, …
	for _, c := range []struct {
		block uint64
		want  Window
	}{
		{0, Window{Start: 0, End: 358, Epoch: 0}},       // Python: [-3, 358], clamped
		{358, Window{Start: 358, End: 719, Epoch: 1}},   // next == block
		{359, Window{Start: 358, End: 719, Epoch: 1}},   //
		{1000, Window{Start: 719, End: 1080, Epoch: 2}}, //
		{1080, Window{Start: 1080, End: 1441, Epoch: 3}},
		{1081, Window{Start: 1080, End: 1441, Epoch: 3}},
	} {
		c.want.Formula = FormulaLegacy
		got, err := l.WindowAt(c.block)
		if err != nil || got != c.want {
			t.Errorf("WindowAt(%d) = %+v, %v; want %+v", c.block, got, err, c.want)
		}
	}
	if n, _ := l.NextStart(1000); n != 1080 {
		t.Errorf("NextStart(1000) = %d", n)
	}
	if n, _ := l.NextStart(1080); n != 1441 {
		t.Errorf("NextStart(1080) = %d", n)
	}
}

func TestLegacyTempoZero(t *testing.T) {
	l := Legacy{Netuid: 3, Tempo: 0}
	if l.BlocksUntilNext(100) != math.MaxUint64 {
		t.Error("tempo 0 must never fire")
	}
	if _, err := l.NextStart(100); !errors.Is(err, ErrNoEpochs) {
		t.Errorf("NextStart: %v", err)
	}
	// Pylon's formula: interval 1, next == block → [block, block + 1].
	w, err := l.WindowAt(100)
	if err != nil || w.Start != 100 || w.End != 101 {
		t.Errorf("WindowAt = %+v, %v", w, err)
	}
	if e, _ := l.Index(100); e != 104 {
		t.Errorf("Index = %d, want (100+3+1)/1", e)
	}
}

func TestLegacyLimits(t *testing.T) {
	l := Legacy{Netuid: 5, Tempo: 360}
	if _, err := l.WindowAt(math.MaxUint64 - 10); !errors.Is(err, ErrOutsideSchedule) {
		t.Errorf("WindowAt near 2^64: %v", err)
	}
	if _, err := l.EpochBlocks(math.MaxUint64); !errors.Is(err, ErrOutsideSchedule) {
		t.Errorf("EpochBlocks(max): %v", err)
	}
	// Epoch 0 of netuid 400 with tempo 10 ends before block 0: no block has it.
	if _, err := (Legacy{Netuid: 400, Tempo: 10}).EpochBlocks(0); !errors.Is(err, ErrOutsideSchedule) {
		t.Errorf("empty epoch: %v", err)
	}
	if e, _ := l.Index(math.MaxUint64); e != math.MaxUint64/361 {
		t.Errorf("Index saturates like the chain: %d", e)
	}
}

// legacyFires is the brute-force oracle: the rule as DEVNET.md states it,
// walked block by block.
func legacyFires(netuid, tempo uint16, upto uint64) []uint64 {
	var f []uint64
	if tempo == 0 {
		return f
	}
	for b := uint64(0); b <= upto; b++ {
		if (b+uint64(netuid)+1)%(uint64(tempo)+1) == uint64(tempo) {
			f = append(f, b)
		}
	}
	return f
}

// TestLegacyAgainstWalk checks the closed forms against a walk over the fire
// blocks: the index moves one block after each fire, the window runs from the
// last fire at or before the block to the next fire, NextStart is the next fire.
func TestLegacyAgainstWalk(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		tempo := uint16(rapid.IntRange(1, 400).Draw(t, "tempo"))
		netuid := uint16(rapid.IntRange(0, 4095).Draw(t, "netuid"))
		block := rapid.Uint64Range(0, 3000).Draw(t, "block")
		l := Legacy{Netuid: netuid, Tempo: tempo}
		fires := legacyFires(netuid, tempo, block+2*uint64(tempo)+2)

		idx0, _ := l.Index(0)
		count := uint64(0)
		start, haveStart := uint64(0), false
		for _, f := range fires {
			if f < block {
				count++
			}
			if f <= block {
				start, haveStart = f, true
			}
		}
		if got, _ := l.Index(block); got != idx0+count {
			t.Fatalf("Index(%d) = %d, walk says %d", block, got, idx0+count)
		}
		var next, end uint64
		for _, f := range fires {
			if f > block && next == 0 {
				next = f
			}
			if f > start && end == 0 && (haveStart || f > 0) {
				end = f
			}
		}
		if !haveStart {
			end = next
		}
		if got, _ := l.NextStart(block); got != next {
			t.Fatalf("NextStart(%d) = %d, walk says %d", block, got, next)
		}
		w, err := l.WindowAt(block)
		if err != nil || w.Start != start || w.End != end {
			t.Fatalf("WindowAt(%d) = %+v, %v; walk says [%d, %d]", block, w, err, start, end)
		}
		if !w.Contains(block) {
			t.Fatalf("window %+v does not contain %d", w, block)
		}
		if e, _ := l.Index(w.End); w.Epoch != e {
			t.Fatalf("window epoch %d, Index(End) %d", w.Epoch, e)
		}
		// The blocks of the block's epoch, by walking the index.
		e, _ := l.Index(block)
		r, err := l.EpochBlocks(e)
		if err != nil || !r.Contains(block) {
			t.Fatalf("EpochBlocks(%d) = %+v, %v; block %d", e, r, err, block)
		}
		if i, _ := l.Index(r.First); i != e {
			t.Fatalf("Index(first %d) = %d", r.First, i)
		}
		if i, _ := l.Index(r.Last); i != e {
			t.Fatalf("Index(last %d) = %d", r.Last, i)
		}
		if i, _ := l.Index(r.Last + 1); i != e+1 {
			t.Fatalf("Index(last+1) = %d", i)
		}
		if r.First > 0 {
			if i, _ := l.Index(r.First - 1); i != e-1 {
				t.Fatalf("Index(first-1) = %d", i)
			}
		}
	})
}

// chainSim steps subtensor's stateful scheduler (drain_pending and
// should_run_epoch, spec ≥ 423) block by block: the oracle for Stateful. It
// leaves out what Stateful documents it cannot foresee (per-block cap
// deferrals, the BlocksSinceLastStep safety net).
type chainSim struct {
	tempo      uint64
	last, pend uint64
	idx        uint64
}

func (s *chainSim) step(block uint64) (fired bool) {
	if s.tempo == 0 {
		return false
	}
	since := uint64(0)
	if block > s.last {
		since = block - s.last
	}
	if (s.pend > 0 && block >= s.pend) || since >= s.tempo {
		s.last, s.pend = block, 0
		s.idx++
		return true
	}
	return false
}

func TestStatefulAgainstChainSimulation(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		tempo := uint16(rapid.IntRange(1, 500).Draw(t, "tempo"))
		last := rapid.Uint64Range(0, 100000).Draw(t, "last")
		at := rapid.Uint64Range(last, last+2*uint64(tempo)).Draw(t, "at")
		var pending uint64
		if rapid.Bool().Draw(t, "pending") {
			pending = rapid.Uint64Range(max(last, 1), at+2*uint64(tempo)).Draw(t, "pendingAt")
		}
		idx := rapid.Uint64Range(0, 1<<40).Draw(t, "idx")
		st := StatefulState{Netuid: 7, Tempo: tempo, AtBlock: at, EpochIndex: idx, LastEpochBlock: last, PendingEpochAt: pending}
		s, err := NewStateful(st)
		if err != nil {
			t.Fatal(err)
		}

		// The runtime API answer, computed as the chain does, must give the same schedule.
		api := last + uint64(tempo)
		if pending > 0 {
			api = min(api, pending)
		}
		st.NextEpochStart = &api
		s2, err := NewStateful(st)
		if err != nil {
			t.Fatal(err)
		}

		horizon := at + 6*uint64(tempo)
		sim := chainSim{tempo: uint64(tempo), last: last, pend: pending, idx: idx}
		index := map[uint64]uint64{}
		fires := []uint64{last}
		for b := last; b <= at; b++ {
			index[b] = idx
		}
		for b := at + 1; b <= horizon; b++ {
			if sim.step(b) {
				fires = append(fires, b)
			}
			index[b] = sim.idx
		}
		for _, sched := range []*Stateful{s, s2} {
			for b := last; b <= horizon-uint64(tempo)-1; b++ {
				got, err := sched.Index(b)
				if err != nil || got != index[b] {
					t.Fatalf("Index(%d) = %d, %v; chain %d (fires %v)", b, got, err, index[b], fires)
				}
				// Window: last fire at or before b, to the following fire.
				var start, end uint64
				for i, f := range fires {
					if f <= b {
						start, end = f, fires[i+1]
					}
				}
				w, err := sched.WindowAt(b)
				if err != nil || w.Start != start || w.End != end || w.Epoch != index[start] {
					t.Fatalf("WindowAt(%d) = %+v, %v; chain [%d, %d] epoch %d", b, w, err, start, end, index[start])
				}
				next, err := sched.NextStart(b)
				if err != nil || next != end {
					t.Fatalf("NextStart(%d) = %d, %v; chain %d", b, next, err, end)
				}
			}
			// Epoch ranges from the simulated index.
			for e := idx; e < idx+4; e++ {
				var first, lastB uint64
				found := false
				for b := last; b <= horizon; b++ {
					if index[b] == e {
						if !found {
							first, found = b, true
						}
						lastB = b
					}
				}
				r, err := sched.EpochBlocks(e)
				if err != nil || !found || r.First != first || r.Last != lastB {
					t.Fatalf("EpochBlocks(%d) = %+v, %v; chain [%d, %d]", e, r, err, first, lastB)
				}
			}
		}
		if _, err := s.Index(last - min(last, 1)); last > 0 && !errors.Is(err, ErrOutsideSchedule) {
			t.Fatalf("a block before LastEpochBlock must be outside the schedule: %v", err)
		}
		if _, err := s.EpochBlocks(idx - min(idx, 1)); idx > 0 && !errors.Is(err, ErrOutsideSchedule) {
			t.Fatalf("an epoch before the current one must be outside the schedule: %v", err)
		}
	})
}

func TestStatefulExamples(t *testing.T) {
	// Last epoch at 1000, tempo 360, read at 1100, counter 42: next fire 1360.
	s, err := NewStateful(StatefulState{Netuid: 1, Tempo: 360, AtBlock: 1100, EpochIndex: 42, LastEpochBlock: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if w, _ := s.WindowAt(1100); w != (Window{Start: 1000, End: 1360, Epoch: 42, Formula: FormulaStateful}) {
		t.Errorf("WindowAt(1100) = %+v", w)
	}
	if w, _ := s.WindowAt(1360); w != (Window{Start: 1360, End: 1720, Epoch: 43, Formula: FormulaStateful}) {
		t.Errorf("WindowAt(1360) = %+v", w)
	}
	if i, _ := s.Index(1359); i != 42 {
		t.Errorf("Index(1359) = %d", i)
	}
	if i, _ := s.Index(1360); i != 43 {
		t.Errorf("Index(1360) = %d", i)
	}
	// A commit at 1100 (epoch 42) with reveal period 2 reveals in epoch 44: [1720, 2079].
	if r, err := RevealWindow(s, 1100, 2); err != nil || r != (BlockRange{First: 1720, Last: 2079}) {
		t.Errorf("RevealWindow = %+v, %v", r, err)
	}

	// The owner triggered an epoch at 1200; the runtime API agrees.
	next := uint64(1200)
	s, err = NewStateful(StatefulState{Netuid: 1, Tempo: 360, AtBlock: 1100, EpochIndex: 42, LastEpochBlock: 1000, PendingEpochAt: 1200, NextEpochStart: &next})
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := s.NextStart(1100); n != 1200 {
		t.Errorf("NextStart = %d", n)
	}
	if n, _ := s.NextStart(1200); n != 1560 {
		t.Errorf("NextStart after the pending fire = %d", n)
	}

	// The runtime's answer wins over the storage-derived one.
	next = 1300
	s, _ = NewStateful(StatefulState{Tempo: 360, AtBlock: 1100, EpochIndex: 1, LastEpochBlock: 1000, NextEpochStart: &next})
	if n, _ := s.NextStart(1100); n != 1300 {
		t.Errorf("runtime next start ignored: %d", n)
	}

	// Overdue (deferred): the fire is expected in the next block.
	s, _ = NewStateful(StatefulState{Tempo: 10, AtBlock: 1050, EpochIndex: 5, LastEpochBlock: 1000})
	if n, _ := s.NextStart(1050); n != 1051 {
		t.Errorf("overdue NextStart = %d", n)
	}

	// Tempo 0: no epochs.
	s, err = NewStateful(StatefulState{Tempo: 0, AtBlock: 1050, EpochIndex: 5, LastEpochBlock: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.WindowAt(1050); !errors.Is(err, ErrNoEpochs) {
		t.Errorf("WindowAt: %v", err)
	}
	if _, err := s.NextStart(1050); !errors.Is(err, ErrNoEpochs) {
		t.Errorf("NextStart: %v", err)
	}
	if i, _ := s.Index(5000); i != 5 {
		t.Errorf("Index = %d", i)
	}
	if r, _ := s.EpochBlocks(5); r.First != 1000 || r.Last != math.MaxUint64 {
		t.Errorf("EpochBlocks(5) = %+v", r)
	}
	if _, err := s.EpochBlocks(6); !errors.Is(err, ErrNoEpochs) {
		t.Errorf("EpochBlocks(6): %v", err)
	}

	// Inconsistent states are refused.
	if _, err := NewStateful(StatefulState{Tempo: 10, AtBlock: 5, LastEpochBlock: 6}); err == nil {
		t.Error("LastEpochBlock after AtBlock accepted")
	}
	if _, err := NewStateful(StatefulState{Tempo: 0, AtBlock: 5, NextEpochStart: &next}); err == nil {
		t.Error("tempo 0 with a next start accepted")
	}
	if s.State().EpochIndex != 5 || s.Formula() != FormulaStateful || (Legacy{}).Formula() != FormulaLegacy {
		t.Error("accessors")
	}
}
