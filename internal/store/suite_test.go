package store

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// backend opens handles on one fresh database: calling open again after Close is
// a restart, keeping two open is two processes sharing the database.
type backend struct {
	open func(t *testing.T) Store
}

// fakeClock advances a little over a millisecond per reading, so creation
// order is visible in timestamps without sleeping, and the sub-microsecond part
// checks that stored times round-trip.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Millisecond + 1234*time.Nanosecond)
	return c.t
}

// runSuite is the behavioural suite every Store implementation must pass.
func runSuite(t *testing.T, newBackend func(t *testing.T, clock *fakeClock) backend) {
	tests := map[string]func(t *testing.T, b backend){
		"CreateGetHistory":             testCreateGetHistory,
		"WeightsRoundTripExactly":      testWeightsRoundTrip,
		"LatestWins":                   testLatestWins,
		"ConcurrentCreatesOneActive":   testConcurrentCreates,
		"OptimisticConcurrency":        testOptimisticConcurrency,
		"ConcurrentUpdatesOneWins":     testConcurrentUpdates,
		"FinalStatusesAreFinal":        testFinalStatuses,
		"UnfinishedAfterRestart":       testUnfinishedAfterRestart,
		"SubmittedInEpoch":             testSubmittedInEpoch,
		"MigrationsIdempotent":         testMigrationsIdempotent,
		"InvalidInputAndMissingJobs":   testInvalid,
		"UpdateClearsAndFinishedTimes": testUpdateFields,
	}
	for _, name := range slicesSortedKeys(tests) {
		t.Run(name, func(t *testing.T) {
			tests[name](t, newBackend(t, newFakeClock()))
		})
	}
}

func slicesSortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func newJob(identity string, netuid uint16, mech uint8) NewJob {
	return NewJob{
		Identity: identity, Hotkey: "5HotkeyOf" + identity, Netuid: netuid, Mechanism: mech,
		Weights: map[string]float64{"5A": 0.2, "5B": 0.8},
		Options: Options{Mode: ModeAuto},
		Target:  &Target{Formula: "legacy", Epoch: 2, Start: 719, End: 1080},
	}
}

func mustCreate(t *testing.T, s Store, nj NewJob) (Job, []string) {
	t.Helper()
	j, sup, err := s.Create(context.Background(), nj)
	if err != nil {
		t.Fatal(err)
	}
	return j, sup
}

func mustUpdate(t *testing.T, s Store, j Job, ev ...Event) Job {
	t.Helper()
	out, err := s.Update(context.Background(), j, ev...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func mustGet(t *testing.T, s Store, id string) Job {
	t.Helper()
	j, err := s.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func closeStore(t *testing.T, s Store) {
	t.Helper()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

func kinds(evs []Event) []string {
	var k []string
	for _, e := range evs {
		k = append(k, e.Kind)
	}
	return k
}

func testCreateGetHistory(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.open(t)
	defer closeStore(t, s)

	nj := newJob("sn1", 1, 0)
	nj.Options.Mode = ModeNow
	nj.NextAttemptAt = time.Date(2026, 11, 25, 12, 30, 0, 999999999, time.FixedZone("X", 3600))
	created, sup := mustCreate(t, s, nj)
	if len(sup) != 0 || created.Status != StatusPending || created.Version != 1 || created.Seq != 1 || len(created.ID) != 36 {
		t.Fatalf("created %+v, superseded %v", created, sup)
	}
	got := mustGet(t, s, created.ID)
	if diff := cmp.Diff(created, got); diff != "" {
		t.Fatalf("Get differs from Create (-create +get):\n%s", diff)
	}
	if !got.NextAttemptAt.Equal(time.Date(2026, 11, 25, 11, 30, 0, 999999000, time.UTC)) || got.Options.Mode != ModeNow {
		t.Errorf("next attempt %v, mode %q", got.NextAttemptAt, got.Options.Mode)
	}
	plain := newJob("sn9", 1, 0)
	plain.Options = Options{}
	dflt, _ := mustCreate(t, s, plain)
	if d := mustGet(t, s, dflt.ID); !d.NextAttemptAt.Equal(d.CreatedAt) || d.Options.Mode != ModeAuto {
		t.Errorf("defaults: next attempt %v created %v mode %q", d.NextAttemptAt, d.CreatedAt, d.Options.Mode)
	}

	// A full attempt cycle: running, a commit with its state, then landed.
	run := got
	run.Status, run.Attempts = StatusRunning, 1
	run.Submission = &Submission{Mode: "commit_reveal_v2", Call: "commit_weights", RevealCall: "reveal_weights"}
	run.Commit = &CommitState{Salt: []uint16{1, 2, 3}, UIDs: []uint16{0, 1}, Values: []uint16{16384, 65535}, VersionKey: 9003000, NetuidIndex: 1,
		Hash: "0xbdfb5678f40d1a84cab7a90a8a647414bee72bfc0bab85c6f82db15c5a9ea893"}
	run = mustUpdate(t, s, run, Event{Kind: EventAttempt, Detail: json.RawMessage(`{"block":1000}`)})
	if run.Version != 2 || run.Status != StatusRunning {
		t.Fatalf("after update: %+v", run)
	}
	com := run
	com.Status = StatusCommitted
	com.Commit.Block, com.Commit.RevealFirst, com.Commit.RevealLast = 1001, 1081, 1441
	com = mustUpdate(t, s, com, Event{Kind: EventIncluded, Detail: json.RawMessage(`{"block":1001,"call":"commit_weights"}`)})
	land := com
	land.Status = StatusLanded
	land.Result = &Result{Block: 1082, BlockHash: "0xaa", ExtrinsicHash: "0xbb", ExtrinsicIndex: 7}
	land = mustUpdate(t, s, land)
	if diff := cmp.Diff(land, mustGet(t, s, created.ID)); diff != "" {
		t.Fatalf("Get after updates (-update +get):\n%s", diff)
	}
	if land.FinishedAt.IsZero() || land.Version != 4 || land.Commit.Block != 1001 || land.Result.ExtrinsicIndex != 7 {
		t.Fatalf("landed job %+v", land)
	}

	evs, err := s.History(ctx, created.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{EventCreated, EventStatus, EventAttempt, EventStatus, EventIncluded, EventStatus}
	if diff := cmp.Diff(want, kinds(evs)); diff != "" {
		t.Fatalf("history kinds:\n%s", diff)
	}
	for i, e := range evs {
		if e.JobID != created.ID || (i > 0 && (e.Seq <= evs[i-1].Seq || e.At.Before(evs[i-1].At))) {
			t.Fatalf("event %d out of order: %+v", i, e)
		}
	}
	var st struct{ From, To Status }
	if err := json.Unmarshal(evs[5].Detail, &st); err != nil || st.From != StatusCommitted || st.To != StatusLanded {
		t.Fatalf("last status event %s (%v)", evs[5].Detail, err)
	}
	var att struct{ Block int }
	if err := json.Unmarshal(evs[2].Detail, &att); err != nil || att.Block != 1000 {
		t.Fatalf("attempt event %s", evs[2].Detail)
	}
}

func testWeightsRoundTrip(t *testing.T, b backend) {
	s := b.open(t)
	defer closeStore(t, s)
	nj := newJob("sn1", 1, 0)
	nj.Weights = map[string]float64{
		"subnormal": 5e-324, "max": math.MaxFloat64, "tenth": 0.1, "small": 1e-7, "third": 1.0 / 3,
		"zero": 0, "big": 123456789012345678, "negzero": math.Copysign(0, -1),
	}
	j, _ := mustCreate(t, s, nj)
	got := mustGet(t, s, j.ID).Weights
	for k, w := range nj.Weights {
		if g, ok := got[k]; !ok || g != w { // -0 == 0 is fine: both mean no weight
			t.Errorf("weight %s: stored %v, read %v", k, w, g)
		}
	}
}

func testLatestWins(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.open(t)
	defer closeStore(t, s)

	a, _ := mustCreate(t, s, newJob("sn1", 1, 0))
	other1, _ := mustCreate(t, s, newJob("sn1", 1, 1))  // other mechanism
	other2, _ := mustCreate(t, s, newJob("sn2", 1, 0))  // other identity
	other3, _ := mustCreate(t, s, newJob("sn1", 12, 0)) // other netuid
	run := a
	run.Status = StatusRunning
	mustUpdate(t, s, run)

	bj, sup := mustCreate(t, s, newJob("sn1", 1, 0))
	if !slices.Equal(sup, []string{a.ID}) || bj.Seq != 2 {
		t.Fatalf("superseded %v (want [%s]), seq %d", sup, a.ID, bj.Seq)
	}
	old := mustGet(t, s, a.ID)
	if old.Status != StatusSuperseded || old.FinishedAt.IsZero() || old.Version != 3 {
		t.Fatalf("old job %+v", old)
	}
	for _, id := range []string{other1.ID, other2.ID, other3.ID} {
		if g := mustGet(t, s, id); g.Status != StatusPending || g.Version != 1 {
			t.Fatalf("job of another key touched: %+v", g)
		}
	}
	evs, err := s.History(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		From, To Status
		By       string
	}
	last := evs[len(evs)-1]
	if err := json.Unmarshal(last.Detail, &st); err != nil || st.From != StatusRunning || st.To != StatusSuperseded || st.By != bj.ID {
		t.Fatalf("supersede event %s", last.Detail)
	}
	evs, _ = s.History(ctx, bj.ID)
	var created struct{ Supersedes []string }
	if err := json.Unmarshal(evs[0].Detail, &created); err != nil || !slices.Equal(created.Supersedes, []string{a.ID}) {
		t.Fatalf("created event %s", evs[0].Detail)
	}

	// A final job is not superseded again.
	cj, sup := mustCreate(t, s, newJob("sn1", 1, 0))
	if !slices.Equal(sup, []string{bj.ID}) || mustGet(t, s, a.ID).Version != 3 || cj.Seq != 3 {
		t.Fatalf("third create superseded %v", sup)
	}
}

// testConcurrentCreates: 20 goroutines on two handles (two processes) create
// jobs for one key; exactly one stays unfinished, and it is the last one
// committed.
func testConcurrentCreates(t *testing.T, b backend) {
	ctx := context.Background()
	s1, s2 := b.open(t), b.open(t)
	defer closeStore(t, s1)
	defer closeStore(t, s2)
	const n = 20
	type res struct {
		job Job
		sup []string
		err error
	}
	results := make([]res, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			s := s1
			if i%2 == 1 {
				s = s2
			}
			j, sup, err := s.Create(ctx, newJob("sn1", 1, 0))
			results[i] = res{j, sup, err}
		}()
	}
	close(start)
	wg.Wait()

	var noneSuperseded int
	superseded := map[string]bool{}
	seqs := map[int64]string{}
	for i := range results {
		r := &results[i]
		if r.err != nil {
			t.Fatal(r.err)
		}
		switch len(r.sup) {
		case 0:
			noneSuperseded++
		case 1:
			if superseded[r.sup[0]] {
				t.Fatalf("%s superseded twice", r.sup[0])
			}
			superseded[r.sup[0]] = true
		default:
			t.Fatalf("one create superseded %v: two jobs were unfinished at once", r.sup)
		}
		seqs[r.job.Seq] = r.job.ID
	}
	if noneSuperseded != 1 || len(superseded) != n-1 || len(seqs) != n {
		t.Fatalf("%d creates superseded nothing, %d distinct superseded, %d distinct seqs", noneSuperseded, len(superseded), len(seqs))
	}
	un, err := s1.Unfinished(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(un) != 1 || un[0].ID != seqs[n] || un[0].Seq != n || superseded[un[0].ID] {
		t.Fatalf("unfinished %+v, want the job with seq %d (%s)", un, n, seqs[n])
	}
	// Each superseded job was superseded by the next request in seq order.
	for seq := int64(1); seq < n; seq++ {
		evs, err := s2.History(ctx, seqs[seq])
		if err != nil {
			t.Fatal(err)
		}
		var st struct{ By string }
		if err := json.Unmarshal(evs[len(evs)-1].Detail, &st); err != nil || st.By != seqs[seq+1] {
			t.Fatalf("job seq %d superseded by %s, want seq %d (%s)", seq, st.By, seq+1, seqs[seq+1])
		}
		if g := mustGet(t, s2, seqs[seq]); g.Status != StatusSuperseded {
			t.Fatalf("job seq %d is %s", seq, g.Status)
		}
	}
}

func testOptimisticConcurrency(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.open(t)
	defer closeStore(t, s)

	j, _ := mustCreate(t, s, newJob("sn1", 1, 0))
	stale := j // a runner's copy
	run := j
	run.Status = StatusRunning
	run = mustUpdate(t, s, run)

	stale.Status = StatusFailed
	if _, err := s.Update(ctx, stale); !errors.Is(err, ErrConflict) {
		t.Fatalf("stale update: %v", err)
	}

	// A new request supersedes the running job; the runner's next write fails
	// and must not bring it back.
	mustCreate(t, s, newJob("sn1", 1, 0))
	retry := run
	retry.Status, retry.Attempts = StatusPending, 1
	if _, err := s.Update(ctx, retry); !errors.Is(err, ErrConflict) {
		t.Fatalf("update of a superseded job with its old version: %v", err)
	}
	cur := mustGet(t, s, j.ID)
	cur.Status = StatusRunning
	if _, err := s.Update(ctx, cur); !errors.Is(err, ErrInvalidTransition) {
		t.Fatalf("superseded → running with the current version: %v", err)
	}
	if g := mustGet(t, s, j.ID); g.Status != StatusSuperseded || g.Attempts != 0 {
		t.Fatalf("superseded job changed: %+v", g)
	}
}

func testConcurrentUpdates(t *testing.T, b backend) {
	ctx := context.Background()
	s1, s2 := b.open(t), b.open(t)
	defer closeStore(t, s1)
	defer closeStore(t, s2)
	j, _ := mustCreate(t, s1, newJob("sn1", 1, 0))
	const n = 10
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := s1
			if i%2 == 1 {
				s = s2
			}
			claim := j
			claim.Status, claim.Attempts = StatusRunning, i+1
			_, errs[i] = s.Update(ctx, claim)
		}()
	}
	wg.Wait()
	won := -1
	for i, err := range errs {
		switch {
		case err == nil:
			if won >= 0 {
				t.Fatalf("claims %d and %d both won", won, i)
			}
			won = i
		case !errors.Is(err, ErrConflict):
			t.Fatalf("claim %d: %v", i, err)
		}
	}
	if won < 0 {
		t.Fatal("no claim won")
	}
	if g := mustGet(t, s1, j.ID); g.Attempts != won+1 || g.Version != 2 {
		t.Fatalf("stored %+v, winner %d", g, won)
	}
}

func testFinalStatuses(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.open(t)
	defer closeStore(t, s)
	for i, final := range []Status{StatusLanded, StatusFailed, StatusExpired, StatusCancelled} {
		j, _ := mustCreate(t, s, newJob("final", uint16(i+1), 0))
		run := j
		run.Status = StatusRunning
		run = mustUpdate(t, s, run)
		end := run
		end.Status = final
		end = mustUpdate(t, s, end)
		for _, to := range Statuses {
			again := end
			again.Status = to
			if _, err := s.Update(ctx, again); !errors.Is(err, ErrInvalidTransition) {
				t.Fatalf("%s → %s: %v", final, to, err)
			}
		}
	}
	// pending → committed skips the attempt: refused.
	j, _ := mustCreate(t, s, newJob("skip", 1, 0))
	j.Status = StatusCommitted
	if _, err := s.Update(ctx, j); !errors.Is(err, ErrInvalidTransition) {
		t.Fatalf("pending → committed: %v", err)
	}
}

func testUnfinishedAfterRestart(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.open(t)
	keyA1, _ := mustCreate(t, s, newJob("a", 1, 0))
	keyA2, _ := mustCreate(t, s, newJob("a", 1, 0)) // supersedes keyA1
	keyB, _ := mustCreate(t, s, newJob("b", 1, 0))
	keyC, _ := mustCreate(t, s, newJob("c", 2, 3))
	keyD, _ := mustCreate(t, s, newJob("d", 2, 0))
	keyE, _ := mustCreate(t, s, newJob("e", 2, 0))

	run := keyB
	run.Status = StatusRunning
	run = mustUpdate(t, s, run)
	com := run
	com.Status = StatusCommitted
	com.Commit = &CommitState{Salt: []uint16{9, 9}, UIDs: []uint16{1}, Values: []uint16{65535}, VersionKey: 1, Block: 500}
	com = mustUpdate(t, s, com)
	d := keyD
	d.Status = StatusCancelled
	mustUpdate(t, s, d)
	e := keyE
	e.Status = StatusRunning
	e = mustUpdate(t, s, e)
	e.Status = StatusLanded
	e.Result = &Result{Block: 10}
	mustUpdate(t, s, e)
	closeStore(t, s)

	s = b.open(t) // restart
	defer closeStore(t, s)
	un, err := s.Unfinished(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i := range un {
		ids = append(ids, un[i].ID)
	}
	// Newest first: C, B (committed), A2 — not A1 (superseded), D, E (final).
	if diff := cmp.Diff([]string{keyC.ID, keyB.ID, keyA2.ID}, ids); diff != "" {
		t.Fatalf("unfinished ids:\n%s", diff)
	}
	if diff := cmp.Diff(com, un[1]); diff != "" {
		t.Fatalf("committed job after restart (-before +after):\n%s", diff)
	}
	if g := mustGet(t, s, keyA1.ID); g.Status != StatusSuperseded {
		t.Fatalf("A1 %s", g.Status)
	}
	// The restarted runner cancels a job whose identity's hotkey changed.
	c := un[0]
	c.Status = StatusCancelled
	mustUpdate(t, s, c, Event{Kind: "hotkey_changed", Detail: json.RawMessage(`{"was":"5HotkeyOfc"}`)})
	if un, _ = s.Unfinished(ctx); len(un) != 2 {
		t.Fatalf("after cancelling: %d unfinished", len(un))
	}
}

func testSubmittedInEpoch(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.open(t)
	defer closeStore(t, s)

	finish := func(nj NewJob, status Status, commitBlock, resultBlock uint64) {
		t.Helper()
		j, _ := mustCreate(t, s, nj)
		j.Status = StatusRunning
		j = mustUpdate(t, s, j)
		if commitBlock > 0 {
			j.Status = StatusCommitted
			j.Commit = &CommitState{UIDs: []uint16{1}, Values: []uint16{65535}, Salt: []uint16{1}, Block: commitBlock}
			j = mustUpdate(t, s, j)
		}
		j.Status = status
		if resultBlock > 0 {
			j.Result = &Result{Block: resultBlock, BlockHash: "0x01", ExtrinsicHash: "0x02"}
		}
		if status != j.Status || status != StatusCommitted {
			mustUpdate(t, s, j)
		}
	}
	finish(newJob("v", 1, 0), StatusLanded, 0, 1005)     // set_weights landed in [719, 1080]
	finish(newJob("v", 1, 1), StatusCommitted, 1100, 0)  // CR commit in [1080, 1441], mechanism 1, reveal pending
	finish(newJob("v", 1, 2), StatusLanded, 1500, 1900)  // CR: committed in [1441, 1802], revealed in the next window
	finish(newJob("v", 1, 3), StatusExpired, 2000, 0)    // commit never revealed: not submitted
	finish(newJob("v", 1, 4), StatusFailed, 0, 0)        // never landed
	finish(newJob("other", 1, 0), StatusLanded, 0, 2500) // another identity
	finish(newJob("v", 12, 0), StatusLanded, 0, 3000)    // another netuid
	pend, _ := mustCreate(t, s, newJob("v", 1, 5))       // pending
	_ = pend

	for _, c := range []struct {
		q    EpochQuery
		want bool
	}{
		{EpochQuery{"v", 1, 0, 719, 1080}, true},
		{EpochQuery{"v", 1, 0, 1005, 1005}, true},
		{EpochQuery{"v", 1, 0, 1080, 1441}, false},
		{EpochQuery{"v", 1, 1, 1080, 1441}, true}, // committed counts
		{EpochQuery{"v", 1, 1, 719, 1080}, false},
		{EpochQuery{"v", 1, 2, 1441, 1802}, true},  // the commit's epoch
		{EpochQuery{"v", 1, 2, 1802, 2163}, false}, // not the reveal's
		{EpochQuery{"v", 1, 3, 1802, 2163}, false},
		{EpochQuery{"v", 1, 4, 0, 1 << 40}, false},
		{EpochQuery{"v", 1, 5, 0, 1 << 40}, false},
		{EpochQuery{"other", 1, 0, 2163, 2524}, true},
		{EpochQuery{"v", 1, 0, 2163, 2524}, false},
		{EpochQuery{"v", 12, 0, 2886, 3247}, true},
		{EpochQuery{"v", 2, 0, 0, 1 << 40}, false},
	} {
		got, err := s.SubmittedInEpoch(ctx, c.q)
		if err != nil || got != c.want {
			t.Errorf("SubmittedInEpoch(%+v) = %v, %v; want %v", c.q, got, err, c.want)
		}
	}
	if _, err := s.SubmittedInEpoch(ctx, EpochQuery{Identity: "v", Start: 10, End: 9}); !errors.Is(err, ErrInvalidJob) {
		t.Errorf("empty window: %v", err)
	}
}

func testMigrationsIdempotent(t *testing.T, b backend) {
	s := b.open(t)
	j, _ := mustCreate(t, s, newJob("m", 1, 0))
	closeStore(t, s)
	// Reopening migrates again (nothing to do) and keeps the data; so do two
	// opens racing each other.
	var wg sync.WaitGroup
	stores := make([]Store, 2)
	for i := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stores[i] = b.open(t)
		}()
	}
	wg.Wait()
	for _, s := range stores {
		if g := mustGet(t, s, j.ID); g.ID != j.ID {
			t.Fatalf("job lost: %+v", g)
		}
		closeStore(t, s)
	}
}

func testInvalid(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.open(t)
	defer closeStore(t, s)
	for name, mut := range map[string]func(*NewJob){
		"no identity": func(n *NewJob) { n.Identity = " " },
		"no hotkey":   func(n *NewJob) { n.Hotkey = "" },
		"no weights":  func(n *NewJob) { n.Weights = nil },
		"nan":         func(n *NewJob) { n.Weights["5A"] = math.NaN() },
		"inf":         func(n *NewJob) { n.Weights["5A"] = math.Inf(1) },
		"bad mode":    func(n *NewJob) { n.Options.Mode = "later" },
		"bad window":  func(n *NewJob) { n.Target.Start = 2000 },
		"huge block":  func(n *NewJob) { n.Target.End = math.MaxUint64 },
	} {
		nj := newJob("x", 1, 0)
		mut(&nj)
		if _, _, err := s.Create(ctx, nj); !errors.Is(err, ErrInvalidJob) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if un, _ := s.Unfinished(ctx); len(un) != 0 {
		t.Fatalf("invalid jobs were stored: %v", un)
	}
	if _, err := s.Get(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get: %v", err)
	}
	if _, err := s.History(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("History: %v", err)
	}
	if _, err := s.Update(ctx, Job{ID: "nope", Status: StatusRunning, Version: 1}); !errors.Is(err, ErrNotFound) {
		t.Errorf("Update: %v", err)
	}
	j, _ := mustCreate(t, s, newJob("x", 1, 0))
	bad := j
	bad.Status = "exploded"
	if _, err := s.Update(ctx, bad); !errors.Is(err, ErrInvalidJob) {
		t.Errorf("unknown status: %v", err)
	}
	if _, err := s.Update(ctx, j, Event{Kind: ""}); !errors.Is(err, ErrInvalidJob) {
		t.Errorf("event without kind: %v", err)
	}
	if _, err := s.Update(ctx, j, Event{Kind: "x", Detail: json.RawMessage("{")}); !errors.Is(err, ErrInvalidJob) {
		t.Errorf("bad detail: %v", err)
	}
	big := j
	big.Status = StatusRunning
	big.Result = &Result{Block: math.MaxUint64}
	if _, err := s.Update(ctx, big); !errors.Is(err, ErrInvalidJob) {
		t.Errorf("block beyond int64: %v", err)
	}
	if g := mustGet(t, s, j.ID); g.Version != 1 {
		t.Errorf("a refused update changed the job: %+v", g)
	}
}

func testUpdateFields(t *testing.T, b backend) {
	s := b.open(t)
	defer closeStore(t, s)
	nj := newJob("f", 1, 0)
	nj.Target = nil
	j, _ := mustCreate(t, s, nj)
	if j.Target != nil {
		t.Fatalf("target %+v", j.Target)
	}
	j.Status = StatusRunning
	j.Target = &Target{Formula: "stateful", Epoch: 43, Start: 1360, End: 1720}
	j.LastError = &JobError{Message: "attempt failed", Module: "SettingWeightsTooFast"}
	j = mustUpdate(t, s, j)
	next := time.Date(2026, 11, 25, 13, 0, 0, 123000, time.UTC)
	j.Status, j.Attempts, j.NextAttemptAt = StatusPending, 1, next
	j = mustUpdate(t, s, j)
	got := mustGet(t, s, j.ID)
	if got.Target.Formula != "stateful" || got.LastError.Module != "SettingWeightsTooFast" || !got.NextAttemptAt.Equal(next) || got.Attempts != 1 {
		t.Fatalf("stored %+v", got)
	}
	// Fields set to nil are cleared.
	got.LastError, got.Target, got.NextAttemptAt = nil, nil, time.Time{}
	got = mustUpdate(t, s, got)
	if got.LastError != nil || got.Target != nil || !got.NextAttemptAt.IsZero() || !got.FinishedAt.IsZero() {
		t.Fatalf("cleared fields came back: %+v", got)
	}
	if !got.UpdatedAt.After(got.CreatedAt) {
		t.Fatalf("updated_at %v not after created_at %v", got.UpdatedAt, got.CreatedAt)
	}
}
