package jobs

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pylon-go/pylon/internal/chain"
	"github.com/pylon-go/pylon/internal/devnet"
	"github.com/pylon-go/pylon/internal/keys"
	"github.com/pylon-go/pylon/internal/pgtest"
	"github.com/pylon-go/pylon/internal/service"
	"github.com/pylon-go/pylon/internal/store"
	"github.com/pylon-go/pylon/internal/subtensor"
	"github.com/pylon-go/pylon/internal/weights"
)

// The runner against the real runtime (spec 218 under Chopsticks), with
// results read back through polkadot-js, once on SQLite and once on
// PostgreSQL. One devnet for the package: three subnets of eight neurons, all
// holding validator permits —
//
//	plain: commit-reveal off, tempo 10, no rate limit
//	cr:    commit-reveal on (v2, hash), tempo 10
//	rl:    commit-reveal off, tempo 40, weights rate limit 6 blocks
//
// Each test signs with neurons of its own (per store), so tests never share
// a rate limit or a LastUpdate.

var (
	dn     *devnet.Devnet
	world  *devnet.World
	chainC *chain.Client
	subC   *subtensor.Client
)

const (
	plainSubnet = 0
	crSubnet    = 1
	rlSubnet    = 2
	rlLimit     = 6
)

func TestMain(m *testing.M) { os.Exit(testMain(m)) }

func testMain(m *testing.M) int {
	return devnet.Main(devnet.Config{}, func(ctx context.Context, d *devnet.Devnet) error {
		ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
		defer cancel()
		dn = d
		var err error
		world, err = d.Bootstrap(ctx, devnet.Options{Neurons: 8, Axons: 1, Subnets: []devnet.SubnetOptions{
			{CommitReveal: false}, {CommitReveal: true}, {CommitReveal: false, WeightsRateLimit: rlLimit},
		}})
		if err != nil {
			return fmt.Errorf("bootstrap: %w", err)
		}
		if err := permitsForAll(ctx, d); err != nil {
			return fmt.Errorf("permits: %w", err)
		}
		if chainC, err = chain.Dial(ctx, []string{d.URL}, chain.Options{ReadyBlocks: -1, BlockTime: time.Second}); err != nil {
			return err
		}
		subC, err = subtensor.New(chainC, subtensor.Options{})
		return err
	}, func() int {
		defer func() { _ = chainC.Close() }()
		return pgtest.Main(m)
	})
}

// permitsForAll lets every neuron hold a validator permit (the bootstrap
// stakes four per subnet and allows four validators): it allows eight, runs
// every subnet's epoch once, and then gives the rl subnet its longer tempo.
func permitsForAll(ctx context.Context, d *devnet.Devnet) error {
	for _, sub := range world.Subnets {
		if _, err := d.Sudo(ctx, "adminUtils.sudoSetMaxAllowedValidators", sub.Netuid, len(sub.Neurons)); err != nil {
			return err
		}
	}
	for {
		all := true
		for _, sub := range world.Subnets {
			permits, err := d.Oracle().ValidatorPermits(ctx, sub.Netuid, "")
			if err != nil {
				return err
			}
			all = all && len(permits) == len(sub.Neurons) && !slices.Contains(permits, false)
		}
		if all {
			break
		}
		if _, err := d.NewBlock(ctx); err != nil {
			return err
		}
	}
	rl := world.Subnets[rlSubnet]
	if _, err := d.Sudo(ctx, "adminUtils.sudoSetTempo", rl.Netuid, 40); err != nil {
		return err
	}
	world.Subnets[rlSubnet].Tempo = 40
	return nil
}

// backend makes fresh databases of one store implementation.
type backend struct {
	name string
	// slot picks this backend's signers, so the two runs of the suite on one
	// chain do not share neurons.
	slot int
	// newDB returns the target of a fresh, empty database (store.Open's
	// argument): opening it again is a restart.
	newDB func(t *testing.T) string
}

var (
	sqliteBackend = backend{name: "sqlite", slot: 0, newDB: func(t *testing.T) string { return filepath.Join(t.TempDir(), "pylon.db") }}
	pgBackend     = backend{name: "postgres", slot: 1, newDB: func(t *testing.T) string { return pgtest.NewDatabase(t) }}
)

func TestRunnerSQLite(t *testing.T)   { runSuite(t, sqliteBackend) }
func TestRunnerPostgres(t *testing.T) { runSuite(t, pgBackend) }

func runSuite(t *testing.T, b backend) {
	for _, tc := range []struct {
		name string
		fn   func(t *testing.T, b backend)
	}{
		{"SetWeightsLands", testSetWeightsLands},
		{"HashCommitRevealsWithoutAnotherRequest", testHashCommitReveal},
		{"RateLimitWaits", testRateLimitWaits},
		{"NewerRequestSupersedesWaitingJob", testSupersede},
		{"RateLimitBeyondEpochExpires", testExpired},
		{"ModeNow", testModeNow},
		{"RestartTracksTheSentExtrinsic", testRestartInFlight},
		{"RestartRevealsWithTheStoredSalt", testRestartCommitted},
		{"RestartCancelsJobsOfChangedIdentities", testRestartCancels},
		{"ValidationAgainstTheChain", testValidation},
		{"RetriesUntilTheChainAccepts", testRetriesUntilAccepted},
		{"GivesUpAfterTheRetryAttempts", testGivesUp},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, b) })
	}
}

// --- helpers -----------------------------------------------------------------

func ctxT(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// signer returns neuron (role + slot·3 + 1) of a subnet and an identity for it.
func signer(t *testing.T, b backend, subnet, role int) (devnet.Subnet, devnet.Neuron, Identity) {
	t.Helper()
	sub := world.Subnets[subnet]
	n := sub.Neurons[1+role+3*b.slot]
	return sub, n, identityOf(t, fmt.Sprintf("id-%s-%d-%d", b.name, subnet, role), sub, n)
}

// identityOf is an identity signing as neuron n of sub.
func identityOf(t *testing.T, name string, sub devnet.Subnet, n devnet.Neuron) Identity {
	t.Helper()
	seed, err := hex.DecodeString(strings.TrimPrefix(n.HotkeySeed, "0x"))
	if err != nil {
		t.Fatal(err)
	}
	kp, err := keys.KeypairFromSeed(seed)
	if err != nil {
		t.Fatal(err)
	}
	if kp.SS58() != n.Hotkey {
		t.Fatalf("seed of uid %d gives %s, want %s", n.UID, kp.SS58(), n.Hotkey)
	}
	return Identity{Name: name, Netuid: sub.Netuid, Hotkey: kp}
}

func openStore(t *testing.T, target string) store.Store {
	t.Helper()
	s, err := store.Open(ctxT(t), target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// service is a running Service over a store.
type testService struct {
	*Service
	store store.Store
	reg   *prometheus.Registry
	stop  func()
}

func startService(t *testing.T, target string, mod func(*Options), ids ...Identity) *testService {
	t.Helper()
	st := openStore(t, target)
	reg := prometheus.NewRegistry()
	opts := Options{Store: st, Chain: subC, Identities: ids, RetryAttempts: 20, RetryDelay: 200 * time.Millisecond,
		BlockTime: time.Second, Registerer: reg}
	if mod != nil {
		mod(&opts)
	}
	svc, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := svc.Run(ctx); err != nil {
			t.Errorf("run: %v", err)
		}
	}()
	ts := &testService{Service: svc, store: st, reg: reg}
	ts.stop = func() {
		cancel()
		<-done
	}
	t.Cleanup(ts.stop)
	return ts
}

// weightsFor gives every neuron of the subnet a distinct weight and adds a
// hotkey that is not registered.
func weightsFor(t *testing.T, sub devnet.Subnet, seed int) (map[string]float64, string) {
	t.Helper()
	w := map[string]float64{}
	for i := range sub.Neurons {
		w[sub.Neurons[i].Hotkey] = float64((i*7+seed*3)%11) + 0.25*float64(seed)
	}
	var unknown [32]byte
	unknown[0], unknown[1] = 0xee, byte(seed)
	addr, err := keys.EncodeSS58(unknown, keys.SS58Prefix)
	if err != nil {
		t.Fatal(err)
	}
	w[addr] = 3.5
	return w, addr
}

// expected is what the chain should store for w: weights.Normalise of the
// registered hotkeys' weights (the unknown one dropped).
func expected(t *testing.T, sub devnet.Subnet, w map[string]float64) weights.Normalised {
	t.Helper()
	byUID := map[uint16]float64{}
	for i := range sub.Neurons {
		if v, ok := w[sub.Neurons[i].Hotkey]; ok {
			byUID[sub.Neurons[i].UID] = v
		}
	}
	norm, err := weights.Normalise(byUID)
	if err != nil {
		t.Fatal(err)
	}
	return norm
}

// checkStored compares the oracle's Weights(netuid, uid) at a block with the
// normalised vector — and, independently of Normalise, with the request's
// proportions: the chain max-upscales what it is sent, so the largest
// weight is 65535 and each other one is within rounding of w/max·65535.
func checkStored(ctx context.Context, t *testing.T, sub devnet.Subnet, uid uint16, at string, want weights.Normalised, w map[string]float64) {
	t.Helper()
	got, err := dn.Oracle().Weights(ctx, sub.Netuid, uid, at)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want.UIDs) {
		t.Fatalf("uid %d stores %d weights %v, want %d %s", uid, len(got), got, len(want.UIDs), want)
	}
	maxW := 0.0
	for _, v := range w {
		maxW = math.Max(maxW, v)
	}
	for i, g := range got {
		if g.UID != want.UIDs[i] || g.Weight != want.Values[i] {
			t.Errorf("weight %d: stored %d:%d, Normalise gives %d:%d", i, g.UID, g.Weight, want.UIDs[i], want.Values[i])
		}
		for k := range sub.Neurons {
			if n := &sub.Neurons[k]; n.UID == g.UID {
				if ideal := w[n.Hotkey] / maxW * 65535; math.Abs(float64(g.Weight)-ideal) > 0.5 {
					t.Errorf("uid %d: stored %d, the request's proportion is %.3f", g.UID, g.Weight, ideal)
				}
			}
		}
	}
}

// drive makes blocks until cond holds for the job — only when the job needs
// one: an extrinsic waits in the pool, or the runner waits for a block (the
// rate limit: a pending job whose last event is "waiting"; the reveal window:
// a committed job). While the runner works (reads, signs, backs off) no
// blocks are made, so a slow machine does not move the chain under a test.
// It fails the test at the context's deadline, never on a timed assertion.
func drive(ctx context.Context, t *testing.T, st store.Store, id string, cond func(store.Job) bool) store.Job {
	t.Helper()
	for {
		j, err := st.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if cond(j) {
			return j
		}
		hist, err := st.History(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if j.Status.Final() {
			t.Fatalf("job %s ended %s before the condition held: last error %+v\nhistory: %s", id, j.Status, j.LastError, historyText(hist))
		}
		var pending []string
		if err := dn.RPC(ctx, "author_pendingExtrinsics", nil, &pending); err != nil {
			t.Fatal(err)
		}
		if len(pending) > 0 || needsBlock(ctx, t, j, hist) {
			if _, err := dn.NewBlock(ctx); err != nil {
				t.Fatal(err)
			}
		}
		select {
		case <-time.After(50 * time.Millisecond):
		case <-ctx.Done():
			t.Fatalf("job %s: condition not reached: status %s, last error %+v\nhistory: %s", id, j.Status, j.LastError, historyText(hist))
		}
	}
}

// needsBlock reports whether the runner waits for the chain to move: a
// pending job held by the rate limit until a block not yet reached, or a
// committed job whose reveal window has not opened.
func needsBlock(ctx context.Context, t *testing.T, j store.Job, hist []store.Event) bool {
	t.Helper()
	var until uint64
	switch {
	case j.Status == store.StatusCommitted && j.Commit != nil:
		until = j.Commit.RevealFirst
	case j.Status == store.StatusPending && len(hist) > 0 && hist[len(hist)-1].Kind == eventWaiting:
		var d waitingDetail
		if err := json.Unmarshal(hist[len(hist)-1].Detail, &d); err != nil {
			t.Fatal(err)
		}
		until = d.UntilBlock
	default:
		return false
	}
	// An extrinsic sent on top of block n lands in n+1.
	return headNumber(ctx, t)+1 < until
}

// freshEpoch makes blocks until at least need blocks of the subnet's current
// epoch window are left, so that a test's landings and rate-limit waits fit in
// one epoch wherever the previous test left the chain.
func freshEpoch(ctx context.Context, t *testing.T, sub devnet.Subnet, need uint64) {
	t.Helper()
	sched := weights.Legacy{Netuid: sub.Netuid, Tempo: sub.Tempo}
	for {
		h := headNumber(ctx, t)
		w, err := sched.WindowAt(h)
		if err != nil {
			t.Fatal(err)
		}
		if w.End >= h+need {
			return
		}
		if _, err := dn.NewBlock(ctx); err != nil {
			t.Fatal(err)
		}
	}
}

// await polls the store (no blocks are made) until cond holds.
func await(ctx context.Context, t *testing.T, st store.Store, id string, cond func(store.Job, []store.Event) bool) store.Job {
	t.Helper()
	for {
		j, err := st.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		hist, err := st.History(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if cond(j, hist) {
			return j
		}
		if j.Status.Final() {
			t.Fatalf("job %s ended %s before the condition held\nhistory: %s", id, j.Status, historyText(hist))
		}
		select {
		case <-time.After(25 * time.Millisecond):
		case <-ctx.Done():
			t.Fatalf("job %s: condition not reached: status %s\nhistory: %s", id, j.Status, historyText(hist))
		}
	}
}

func final(j store.Job) bool { return j.Status.Final() }

// awaitFinal waits, without making blocks, until the job is final, and
// returns it with its history.
func awaitFinal(ctx context.Context, t *testing.T, st store.Store, id string) (store.Job, []store.Event) {
	t.Helper()
	j := await(ctx, t, st, id, func(j store.Job, _ []store.Event) bool { return final(j) })
	hist, err := st.History(ctx, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	return j, hist
}

func historyText(h []store.Event) string {
	var b strings.Builder
	for _, e := range h {
		fmt.Fprintf(&b, "\n  %s %s", e.Kind, e.Detail)
	}
	return b.String()
}

func kinds(h []store.Event) []string {
	out := make([]string, len(h))
	for i, e := range h {
		out[i] = e.Kind
	}
	return out
}

func hasEvent(h []store.Event, kind string) bool { return slices.Contains(kinds(h), kind) }

// weightsSetEvents counts the WeightsSet events of (netuid, uid) the oracle
// sees in blocks from..to.
func weightsSetEvents(ctx context.Context, t *testing.T, netuid, uid uint16, from, to uint64) []uint64 {
	t.Helper()
	var blocks []uint64
	for n := from; n <= to; n++ {
		h, err := dn.BlockHash(ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		evs, err := dn.Oracle().Events(ctx, h)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			if e.Name() != "subtensorModule.WeightsSet" {
				continue
			}
			var data []uint64
			if err := json.Unmarshal(e.Data, &data); err != nil {
				t.Fatalf("WeightsSet data %s: %v", e.Data, err)
			}
			if len(data) == 2 && data[0] == uint64(netuid) && data[1] == uint64(uid) {
				blocks = append(blocks, n)
			}
		}
	}
	return blocks
}

func headNumber(ctx context.Context, t *testing.T) uint64 {
	t.Helper()
	n, _, err := dn.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func mustSubmit(ctx context.Context, t *testing.T, svc *testService, r Request) *Accepted {
	t.Helper()
	acc, err := svc.Submit(ctx, r)
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	return acc
}

// noDispatchErrors fails when the history has an error event naming a
// module error (e.g. SettingWeightsTooFast): the runner is meant to avoid
// them.
func noDispatchErrors(t *testing.T, h []store.Event) {
	t.Helper()
	for _, e := range h {
		if e.Kind == store.EventError && strings.Contains(string(e.Detail), `"module"`) {
			t.Errorf("a dispatch error was met: %s", e.Detail)
		}
	}
}

// --- the suite ------------------------------------------------------------------

// testSetWeightsLands: commit-reveal off — the job lands in one attempt, the
// stored u16 values are the normalised request, the unknown hotkey is
// reported and dropped, and the job's result names the block and extrinsic
// that polkadot-js sees emit WeightsSet.
func testSetWeightsLands(t *testing.T, b backend) {
	ctx := ctxT(t)
	sub, n, id := signer(t, b, plainSubnet, 0)
	svc := startService(t, b.newDB(t), nil, id)
	w, unknown := weightsFor(t, sub, 1)
	acc := mustSubmit(ctx, t, svc, Request{Identity: id.Name, Weights: w})
	if acc.Submission.Mode != weights.ModeSetWeights || acc.Submission.Call != weights.CallSetWeights {
		t.Errorf("submission %+v", acc.Submission)
	}
	if !slices.Equal(acc.Plan.Dropped, []string{unknown}) {
		t.Errorf("dropped %v, want the unknown hotkey", acc.Plan.Dropped)
	}
	if acc.Job.Target == nil || !acc.Window.Contains(acc.Block) || acc.Job.Target.End != acc.Window.End {
		t.Errorf("target %+v, window %+v at block %d", acc.Job.Target, acc.Window, acc.Block)
	}
	want := expected(t, sub, w)
	if !slices.Equal(acc.Plan.UIDs, want.UIDs) || !slices.Equal(acc.Plan.Values, want.Values) {
		t.Errorf("plan %v, want %s", acc.Plan.Normalised, want)
	}
	j := drive(ctx, t, svc.store, acc.Job.ID, final)
	if j.Status != store.StatusLanded || j.Result == nil || j.Attempts != 1 {
		t.Fatalf("job %+v", j)
	}
	checkStored(ctx, t, sub, n.UID, j.Result.BlockHash, want, w)
	if got := weightsSetEvents(ctx, t, sub.Netuid, n.UID, j.Result.Block, j.Result.Block); len(got) != 1 {
		t.Errorf("WeightsSet in the result block: %v", got)
	}
	pending, err := dn.BlockHash(ctx, j.Result.Block)
	if err != nil || pending != j.Result.BlockHash {
		t.Errorf("result block hash %s, chain %s (%v)", j.Result.BlockHash, pending, err)
	}
	hist, err := svc.store.History(ctx, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(kinds(hist), []string{store.EventCreated, store.EventStatus, store.EventAttempt, store.EventSubmitted, store.EventStatus, store.EventIncluded}) {
		t.Errorf("history %v", historyText(hist))
	}
	ok, window, err := svc.Submitted(ctx, id.Name, 0, j.Result.Block)
	if err != nil || !ok || !window.Contains(j.Result.Block) {
		t.Errorf("submitted in the epoch of block %d: %v, window %+v, %v", j.Result.Block, ok, window, err)
	}
	if ok, _, err := svc.Submitted(ctx, id.Name, 0, window.Start-1); err != nil || ok {
		t.Errorf("submitted in the epoch before: %v, %v", ok, err)
	}
	if got := counter(t, svc.reg, "pylon_weights_jobs_total", map[string]string{"mode": "set_weights", "outcome": "landed"}); got != 1 {
		t.Errorf("jobs_total{set_weights,landed} = %v", got)
	}
}

// testHashCommitReveal: commit-reveal v2 on — the commit lands (polkadot-js
// sees it in WeightCommits), then the runner reveals it inside the reveal
// epoch without any further request, and the stored weights are the
// request's.
func testHashCommitReveal(t *testing.T, b backend) {
	ctx := ctxT(t)
	sub, n, id := signer(t, b, crSubnet, 0)
	svc := startService(t, b.newDB(t), nil, id)
	w, _ := weightsFor(t, sub, 2)
	acc := mustSubmit(ctx, t, svc, Request{Identity: id.Name, Weights: w})
	if acc.Submission.Mode != weights.ModeCommitRevealHash || acc.Submission.RevealCall != weights.CallRevealWeights {
		t.Fatalf("submission %+v", acc.Submission)
	}
	j := drive(ctx, t, svc.store, acc.Job.ID, func(j store.Job) bool { return j.Status != store.StatusPending && j.Status != store.StatusRunning })
	if j.Status != store.StatusCommitted || j.Commit == nil || j.Commit.Block == 0 {
		t.Fatalf("job %+v", j)
	}
	commitHash, err := dn.BlockHash(ctx, j.Commit.Block)
	if err != nil {
		t.Fatal(err)
	}
	commits, err := dn.Oracle().WeightCommits(ctx, sub.Netuid, n.Hotkey, commitHash)
	if err != nil {
		t.Fatal(err)
	}
	if len(commits) != 1 || commits[0].Hash != j.Commit.Hash || commits[0].CommitBlock != j.Commit.Block {
		t.Fatalf("oracle commits %+v, job commit %+v", commits, j.Commit)
	}
	// The window the runner computed is the chain's own.
	if commits[0].FirstRevealBlock != j.Commit.RevealFirst || commits[0].LastRevealBlock != j.Commit.RevealLast {
		t.Errorf("reveal window: runner %d–%d, chain %d–%d", j.Commit.RevealFirst, j.Commit.RevealLast, commits[0].FirstRevealBlock, commits[0].LastRevealBlock)
	}
	j = drive(ctx, t, svc.store, acc.Job.ID, final)
	if j.Status != store.StatusLanded || j.Result == nil {
		t.Fatalf("job %+v", j)
	}
	// The reveal is in epoch commit_epoch + 1 by the chain's formula.
	epoch := func(b uint64) uint64 { return (b + uint64(sub.Netuid) + 1) / (uint64(sub.Tempo) + 1) }
	if epoch(j.Result.Block) != epoch(j.Commit.Block)+1 {
		t.Errorf("commit in block %d (epoch %d), reveal in block %d (epoch %d)", j.Commit.Block, epoch(j.Commit.Block), j.Result.Block, epoch(j.Result.Block))
	}
	checkStored(ctx, t, sub, n.UID, j.Result.BlockHash, expected(t, sub, w), w)
	left, err := dn.Oracle().WeightCommits(ctx, sub.Netuid, n.Hotkey, j.Result.BlockHash)
	if err != nil || len(left) != 0 {
		t.Errorf("commits after the reveal: %+v, %v", left, err)
	}
	hist, err := svc.store.History(ctx, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range hist {
		if strings.Contains(string(e.Detail), "salt") {
			t.Errorf("the history shows the salt: %s %s", e.Kind, e.Detail)
		}
	}
	noDispatchErrors(t, hist)
	if got := counter(t, svc.reg, "pylon_weights_attempts_total", map[string]string{"mode": "commit_reveal_v2", "outcome": "committed", "error": ""}); got != 1 {
		t.Errorf("attempts_total{commit_reveal_v2,committed} = %v", got)
	}
}

// landFirst lands a job for the signer and returns it.
func landFirst(ctx context.Context, t *testing.T, svc *testService, id Identity, w map[string]float64) store.Job {
	t.Helper()
	acc := mustSubmit(ctx, t, svc, Request{Identity: id.Name, Weights: w})
	j := drive(ctx, t, svc.store, acc.Job.ID, final)
	if j.Status != store.StatusLanded {
		hist, _ := svc.store.History(ctx, j.ID)
		t.Fatalf("first job: %s %+v%s", j.Status, j.LastError, historyText(hist))
	}
	return j
}

// testRateLimitWaits: with a 6-block rate limit, a second request right after
// the first landed waits for the allowed block instead of meeting
// SettingWeightsTooFast, and lands then.
func testRateLimitWaits(t *testing.T, b backend) {
	ctx := ctxT(t)
	sub, n, id := signer(t, b, rlSubnet, 0)
	svc := startService(t, b.newDB(t), nil, id)
	w1, _ := weightsFor(t, sub, 3)
	freshEpoch(ctx, t, sub, 3*rlLimit+4)
	first := landFirst(ctx, t, svc, id, w1)

	w2, _ := weightsFor(t, sub, 4)
	acc := mustSubmit(ctx, t, svc, Request{Identity: id.Name, Weights: w2})
	j := await(ctx, t, svc.store, acc.Job.ID, func(_ store.Job, h []store.Event) bool { return hasEvent(h, eventWaiting) })
	if j.Status != store.StatusPending {
		t.Errorf("waiting job is %s", j.Status)
	}
	j = drive(ctx, t, svc.store, acc.Job.ID, final)
	if j.Status != store.StatusLanded || j.Attempts != 1 {
		t.Fatalf("second job %+v", j)
	}
	if j.Result.Block < first.Result.Block+rlLimit {
		t.Errorf("landed in block %d, the first in %d, rate limit %d", j.Result.Block, first.Result.Block, rlLimit)
	}
	hist, err := svc.store.History(ctx, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	var waited waitingDetail
	for _, e := range hist {
		if e.Kind == eventWaiting {
			if err := json.Unmarshal(e.Detail, &waited); err != nil {
				t.Fatal(err)
			}
		}
	}
	if waited.UntilBlock != first.Result.Block+rlLimit || waited.LastUpdate != first.Result.Block || waited.RateLimit != rlLimit {
		t.Errorf("waited %+v after landing in block %d", waited, first.Result.Block)
	}
	noDispatchErrors(t, hist)
	if strings.Contains(historyText(hist), "TooFast") {
		t.Errorf("history mentions a too-fast error:%s", historyText(hist))
	}
	checkStored(ctx, t, sub, n.UID, j.Result.BlockHash, expected(t, sub, w2), w2)
}

// testSupersede: a request waiting for the rate limit is superseded by a
// newer one: its history says so and names the newer job, it never sent
// anything, and only the newer weights land (one WeightsSet since the first
// landing).
func testSupersede(t *testing.T, b backend) {
	ctx := ctxT(t)
	sub, n, id := signer(t, b, rlSubnet, 1)
	svc := startService(t, b.newDB(t), nil, id)
	w1, _ := weightsFor(t, sub, 5)
	freshEpoch(ctx, t, sub, 3*rlLimit+4)
	first := landFirst(ctx, t, svc, id, w1)

	w2, _ := weightsFor(t, sub, 6)
	older := mustSubmit(ctx, t, svc, Request{Identity: id.Name, Weights: w2})
	await(ctx, t, svc.store, older.Job.ID, func(_ store.Job, h []store.Event) bool { return hasEvent(h, eventWaiting) })
	w3, _ := weightsFor(t, sub, 7)
	newer := mustSubmit(ctx, t, svc, Request{Identity: id.Name, Weights: w3})
	if !slices.Equal(newer.Superseded, []string{older.Job.ID}) {
		t.Errorf("superseded %v, want %s", newer.Superseded, older.Job.ID)
	}
	j := drive(ctx, t, svc.store, newer.Job.ID, final)
	if j.Status != store.StatusLanded {
		t.Fatalf("newer job %+v", j)
	}
	old, err := svc.store.Get(ctx, older.Job.ID)
	if err != nil {
		t.Fatal(err)
	}
	hist, err := svc.store.History(ctx, older.Job.ID)
	if err != nil {
		t.Fatal(err)
	}
	if old.Status != store.StatusSuperseded || hasEvent(hist, store.EventSubmitted) || !strings.Contains(historyText(hist), newer.Job.ID) {
		t.Errorf("older job %s, history%s", old.Status, historyText(hist))
	}
	if got := weightsSetEvents(ctx, t, sub.Netuid, n.UID, first.Result.Block+1, j.Result.Block); !slices.Equal(got, []uint64{j.Result.Block}) {
		t.Errorf("WeightsSet of uid %d after the first landing: blocks %v, want only %d", n.UID, got, j.Result.Block)
	}
	checkStored(ctx, t, sub, n.UID, j.Result.BlockHash, expected(t, sub, w3), w3)
}

// testExpired: a rate limit that allows the next weights only after the
// job's epoch has ended expires the job at once, saying why, without
// submitting.
func testExpired(t *testing.T, b backend) {
	ctx := ctxT(t)
	sub, _, id := signer(t, b, rlSubnet, 2)
	svc := startService(t, b.newDB(t), nil, id)
	w1, _ := weightsFor(t, sub, 8)
	landFirst(ctx, t, svc, id, w1)
	if _, err := dn.Sudo(ctx, "adminUtils.sudoSetWeightsSetRateLimit", sub.Netuid, 500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := dn.Sudo(context.Background(), "adminUtils.sudoSetWeightsSetRateLimit", sub.Netuid, rlLimit); err != nil {
			t.Errorf("restoring the rate limit: %v", err)
		}
	})
	w2, _ := weightsFor(t, sub, 9)
	acc := mustSubmit(ctx, t, svc, Request{Identity: id.Name, Weights: w2})
	j, hist := awaitFinal(ctx, t, svc.store, acc.Job.ID)
	if j.Status != store.StatusExpired || hasEvent(hist, store.EventSubmitted) || j.Attempts != 0 ||
		!strings.Contains(historyText(hist), "rate limit") || !strings.Contains(historyText(hist), "epoch ends") {
		t.Errorf("job %s after %d attempts%s", j.Status, j.Attempts, historyText(hist))
	}
}

// testModeNow: mode=now makes one immediate attempt; when the rate limit
// forbids it, the job fails at once with the reason and nothing is sent.
func testModeNow(t *testing.T, b backend) {
	ctx := ctxT(t)
	sub, _, id := signer(t, b, rlSubnet, 0)
	_, pn, pid := signer(t, b, plainSubnet, 1)
	svc := startService(t, b.newDB(t), nil, id, pid)
	plain := world.Subnets[plainSubnet]

	w, _ := weightsFor(t, plain, 10)
	acc := mustSubmit(ctx, t, svc, Request{Identity: pid.Name, Weights: w, Mode: store.ModeNow})
	j := drive(ctx, t, svc.store, acc.Job.ID, final)
	if j.Status != store.StatusLanded || j.Options.Mode != store.ModeNow {
		t.Fatalf("job %+v", j)
	}
	checkStored(ctx, t, plain, pn.UID, j.Result.BlockHash, expected(t, plain, w), w)

	// The rl signer of testRateLimitWaits landed weights a few blocks ago
	// (or lands them now): now is within its rate limit.
	w1, _ := weightsFor(t, sub, 11)
	freshEpoch(ctx, t, sub, 2*rlLimit+4)
	first := landFirst(ctx, t, svc, id, w1)
	acc = mustSubmit(ctx, t, svc, Request{Identity: id.Name, Weights: w1, Mode: store.ModeNow})
	j, hist := awaitFinal(ctx, t, svc.store, acc.Job.ID)
	if j.Status != store.StatusFailed || hasEvent(hist, store.EventSubmitted) || j.LastError == nil ||
		!strings.Contains(j.LastError.Message, fmt.Sprint(first.Result.Block+rlLimit)) {
		t.Errorf("mode=now within the rate limit: %s %+v%s", j.Status, j.LastError, historyText(hist))
	}
}

// testRestartInFlight: the service stops after sending set_weights and
// before the extrinsic is in a block (it waits in the pool); a new service on
// the same database tracks it instead of sending again, and the weights land
// exactly once.
func testRestartInFlight(t *testing.T, b backend) {
	ctx := ctxT(t)
	sub, n, id := signer(t, b, plainSubnet, 2)
	db := b.newDB(t)
	first := startService(t, db, nil, id)
	w, _ := weightsFor(t, sub, 12)
	from := headNumber(ctx, t)
	acc := mustSubmit(ctx, t, first, Request{Identity: id.Name, Weights: w})
	await(ctx, t, first.store, acc.Job.ID, func(_ store.Job, h []store.Event) bool { return hasEvent(h, store.EventSubmitted) })
	waitInPool(ctx, t, id)
	first.stop()
	j, err := first.store.Get(ctx, acc.Job.ID)
	if err != nil || j.Status != store.StatusRunning {
		t.Fatalf("after the stop: %s, %v", j.Status, err)
	}

	second := startService(t, db, nil, id)
	j = drive(ctx, t, second.store, acc.Job.ID, final)
	if j.Status != store.StatusLanded || j.Attempts != 1 {
		t.Fatalf("job %+v", j)
	}
	hist, err := second.store.History(ctx, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	submitted := 0
	for _, e := range hist {
		if e.Kind == store.EventSubmitted {
			submitted++
		}
	}
	if submitted != 1 || !hasEvent(hist, eventTracking) {
		t.Errorf("%d submissions; history%s", submitted, historyText(hist))
	}
	if got := weightsSetEvents(ctx, t, sub.Netuid, n.UID, from, headNumber(ctx, t)); !slices.Equal(got, []uint64{j.Result.Block}) {
		t.Errorf("WeightsSet of uid %d: blocks %v, want exactly %d", n.UID, got, j.Result.Block)
	}
	checkStored(ctx, t, sub, n.UID, j.Result.BlockHash, expected(t, sub, w), w)
}

// waitInPool waits until the node's pool holds an extrinsic signed by the
// identity.
func waitInPool(ctx context.Context, t *testing.T, id Identity) {
	t.Helper()
	pub := id.Hotkey.PublicKey()
	for {
		var pending []string
		if err := dn.RPC(ctx, "author_pendingExtrinsics", nil, &pending); err != nil {
			t.Fatal(err)
		}
		for _, x := range pending {
			if raw, err := hex.DecodeString(strings.TrimPrefix(x, "0x")); err == nil && strings.Contains(string(raw), string(pub[:])) {
				return
			}
		}
		select {
		case <-time.After(20 * time.Millisecond):
		case <-ctx.Done():
			t.Fatal("the extrinsic never reached the pool")
		}
	}
}

// testRestartCommitted: the service stops once the hash commit is on chain; a
// new service reveals it, from the salt and payload stored before the commit
// was sent.
func testRestartCommitted(t *testing.T, b backend) {
	ctx := ctxT(t)
	sub, n, id := signer(t, b, crSubnet, 1)
	db := b.newDB(t)
	first := startService(t, db, nil, id)
	w, _ := weightsFor(t, sub, 13)
	acc := mustSubmit(ctx, t, first, Request{Identity: id.Name, Weights: w})
	j := drive(ctx, t, first.store, acc.Job.ID, func(j store.Job) bool { return j.Status == store.StatusCommitted || j.Status.Final() })
	if j.Status != store.StatusCommitted {
		t.Fatalf("job %+v", j)
	}
	first.stop()
	second := startService(t, db, nil, id)
	j = drive(ctx, t, second.store, acc.Job.ID, final)
	if j.Status != store.StatusLanded {
		hist, _ := second.store.History(ctx, j.ID)
		t.Fatalf("job %s %+v%s", j.Status, j.LastError, historyText(hist))
	}
	checkStored(ctx, t, sub, n.UID, j.Result.BlockHash, expected(t, sub, w), w)
}

// testRestartCancels: at start-up, unfinished jobs of an identity that is
// gone, or now has another netuid or hotkey, are cancelled with the reason;
// the others resume.
func testRestartCancels(t *testing.T, b backend) {
	ctx := ctxT(t)
	_, _, id := signer(t, b, rlSubnet, 2)
	db := b.newDB(t)
	st := openStore(t, db)
	other, err := keys.KeypairFromURI("//Pylon//other")
	if err != nil {
		t.Fatal(err)
	}
	mk := func(identity, hotkey string, netuid uint16) store.Job {
		j, _, err := st.Create(ctx, store.NewJob{Identity: identity, Hotkey: hotkey, Netuid: netuid, Weights: map[string]float64{hotkey: 1},
			NextAttemptAt: time.Now().Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		return j
	}
	gone := mk("gone", id.Hotkey.SS58(), id.Netuid)
	moved := mk(id.Name, id.Hotkey.SS58(), id.Netuid+1)
	rekeyed := mk(id.Name+"-rekeyed", other.SS58(), id.Netuid)
	kept := mk(id.Name+"-kept", id.Hotkey.SS58(), id.Netuid)
	rekeyedID := Identity{Name: id.Name + "-rekeyed", Netuid: id.Netuid, Hotkey: id.Hotkey}
	keptID := Identity{Name: id.Name + "-kept", Netuid: id.Netuid, Hotkey: id.Hotkey}
	svc := startService(t, db, nil, id, rekeyedID, keptID)
	for _, c := range []struct {
		job  string
		want string
	}{{gone.ID, "no longer configured"}, {moved.ID, "now serves subnet"}, {rekeyed.ID, "now signs with hotkey"}} {
		j, hist := awaitFinal(ctx, t, svc.store, c.job)
		if j.Status != store.StatusCancelled || !strings.Contains(historyText(hist), c.want) {
			t.Errorf("job of %s: %s%s", j.Identity, j.Status, historyText(hist))
		}
	}
	if j, err := svc.store.Get(ctx, kept.ID); err != nil || j.Status != store.StatusPending {
		t.Errorf("kept job: %s, %v", j.Status, err)
	}
}

// testValidation: requests the chain would reject are refused before
// anything is stored, each naming its problem.
func testValidation(t *testing.T, b backend) {
	ctx := ctxT(t)
	sub, _, id := signer(t, b, plainSubnet, 0)
	stranger, err := keys.KeypairFromURI("//Pylon//unregistered")
	if err != nil {
		t.Fatal(err)
	}
	sid := Identity{Name: "stranger", Netuid: sub.Netuid, Hotkey: stranger}
	svc := startService(t, b.newDB(t), nil, id, sid)
	good, unknown := weightsFor(t, sub, 14)
	cases := []struct {
		name string
		r    Request
		want string
		is   error
	}{
		{"unregistered hotkeys only", Request{Identity: id.Name, Weights: map[string]float64{unknown: 1}}, "none of the 1 hotkeys is registered", weights.ErrNoneRegistered},
		{"signer not registered", Request{Identity: sid.Name, Weights: good}, "is not registered in subnet", weights.ErrSignerNotRegistered},
		{"mechanism on a runtime without", Request{Identity: id.Name, Weights: good, Mechanism: 1}, "has no subnet mechanisms", nil},
		{"mechanism beyond 7", Request{Identity: id.Name, Weights: good, Mechanism: 8}, "mechanism_id must be from 0 to 7", nil},
		{"all zero", Request{Identity: id.Name, Weights: map[string]float64{sub.Neurons[0].Hotkey: 0}}, "all 1 weights are zero", weights.ErrAllZero},
		{"negative", Request{Identity: id.Name, Weights: map[string]float64{sub.Neurons[0].Hotkey: -1}}, "negative", weights.ErrNegative},
		{"bad SS58", Request{Identity: id.Name, Weights: map[string]float64{"5NotAnAddress": 1}}, "not valid SS58", weights.ErrInvalidHotkey},
		{"empty", Request{Identity: id.Name, Weights: map[string]float64{}}, "no weights", weights.ErrNoWeights},
		{"unknown mode", Request{Identity: id.Name, Weights: good, Mode: "later"}, "mode must be auto or now", nil},
	}
	for _, c := range cases {
		_, err := svc.Submit(ctx, c.r)
		var se *service.Error
		if !errors.As(err, &se) || se.Kind != service.KindBadRequest || !strings.Contains(se.Detail, c.want) || (c.is != nil && !errors.Is(err, c.is)) {
			t.Errorf("%s: %v, want a bad request saying %q", c.name, err, c.want)
		}
	}
	if jobs, err := svc.store.Unfinished(ctx); err != nil || len(jobs) != 0 {
		t.Errorf("unfinished jobs after refusals: %d, %v", len(jobs), err)
	}
	// A dry run validates and reports without storing.
	acc, err := svc.Submit(ctx, Request{Identity: id.Name, Weights: good, DryRun: true})
	if err != nil || acc.Job.ID != "" || len(acc.Plan.UIDs) != len(sub.Neurons) || acc.Submission.Mode != weights.ModeSetWeights {
		t.Errorf("dry run: %+v, %v", acc, err)
	}
	if jobs, err := svc.store.Unfinished(ctx); err != nil || len(jobs) != 0 {
		t.Errorf("unfinished jobs after a dry run: %d, %v", len(jobs), err)
	}
}

func counter(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if want, ok := labels[lp.GetName()]; ok && want != lp.GetValue() {
					continue next
				}
			}
			if c := m.GetCounter(); c != nil {
				return c.GetValue()
			}
		}
	}
	return 0
}

// refuseWeights makes the chain refuse every neuron's weights — the stake
// threshold raised above any stake the devnet holds — until the returned
// function (also run at cleanup) restores the threshold it found.
func refuseWeights(ctx context.Context, t *testing.T) (allow func()) {
	t.Helper()
	// Newer runtimes call the item StakeThreshold; the devnet's (spec 218)
	// still has WeightsMinStake.
	var (
		raw     json.RawMessage
		setter  string
		lastErr error
	)
	for _, item := range [][2]string{
		{"subtensorModule.stakeThreshold", "adminUtils.sudoSetStakeThreshold"},
		{"subtensorModule.weightsMinStake", "adminUtils.sudoSetWeightsMinStake"},
	} {
		if raw, lastErr = dn.Oracle().Query(ctx, item[0]); lastErr == nil {
			setter = item[1]
			break
		}
	}
	if setter == "" {
		t.Fatalf("the runtime has no stake threshold for weights: %v", lastErr)
	}
	var was json.Number
	if err := json.Unmarshal(raw, &was); err != nil {
		t.Fatalf("stake threshold %s: %v", raw, err)
	}
	if _, err := dn.Sudo(ctx, setter, "1000000000000000000"); err != nil {
		t.Fatal(err)
	}
	restored := false
	allow = func() {
		if restored {
			return
		}
		restored = true
		if _, err := dn.Sudo(context.Background(), setter, was.String()); err != nil {
			t.Errorf("restoring the stake threshold %s: %v", was, err)
		}
	}
	t.Cleanup(allow)
	return allow
}

// failedAttempts counts the attempts the history records as failed and
// retried.
func failedAttempts(t *testing.T, h []store.Event) int {
	t.Helper()
	n := 0
	for _, e := range h {
		if e.Kind != store.EventError {
			continue
		}
		var d errorDetail
		if err := json.Unmarshal(e.Detail, &d); err != nil {
			t.Fatal(err)
		}
		if d.Outcome == "retry" {
			n++
		}
	}
	return n
}

// testRetriesUntilAccepted: the real runtime refuses the weights (not enough
// stake) until the threshold is lowered again; the runner keeps retrying
// with backoff inside the epoch, records each refusal with the chain's
// reason, and the weights land once allowed.
func testRetriesUntilAccepted(t *testing.T, b backend) {
	ctx := ctxT(t)
	sub, n, id := signer(t, b, plainSubnet, 1)
	freshEpoch(ctx, t, sub, 8)
	allow := refuseWeights(ctx, t)
	svc := startService(t, b.newDB(t), nil, id)
	w, _ := weightsFor(t, sub, 15)
	acc := mustSubmit(ctx, t, svc, Request{Identity: id.Name, Weights: w})
	refused := drive(ctx, t, svc.store, acc.Job.ID, func(j store.Job) bool { return j.Attempts >= 2 })
	if refused.LastError == nil || refused.LastError.Message == "" {
		t.Fatalf("job refused twice without a last error: %+v", refused)
	}
	t.Logf("the chain's refusal: %s (module %q)", refused.LastError.Message, refused.LastError.Module)
	allow()
	j := drive(ctx, t, svc.store, acc.Job.ID, final)
	hist, err := svc.store.History(ctx, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	if j.Status != store.StatusLanded || j.Result == nil || j.Attempts < 3 {
		t.Fatalf("job %s after %d attempts, result %+v%s", j.Status, j.Attempts, j.Result, historyText(hist))
	}
	if got := failedAttempts(t, hist); got != j.Attempts-1 {
		t.Errorf("%d attempts, %d recorded as retried; want all but the last%s", j.Attempts, got, historyText(hist))
	}
	checkStored(ctx, t, sub, n.UID, j.Result.BlockHash, expected(t, sub, w), w)
	if got := weightsSetEvents(ctx, t, sub.Netuid, n.UID, acc.Block, j.Result.Block); len(got) != 1 {
		t.Errorf("WeightsSet events since the request: %v, want exactly one", got)
	}
	landed := counter(t, svc.reg, "pylon_weights_attempts_total", map[string]string{"mode": "set_weights", "outcome": "landed"})
	all := 0.0
	for _, outcome := range []string{attemptPoolRejected, attemptDispatch, attemptNotIncluded, attemptError} {
		all += counter(t, svc.reg, "pylon_weights_attempts_total", map[string]string{"mode": "set_weights", "outcome": outcome})
	}
	if landed != 1 || all != float64(j.Attempts-1) {
		t.Errorf("attempts_total: %v landed, %v failed; want 1 and %d", landed, all, j.Attempts-1)
	}
}

// testGivesUp: with the chain refusing every attempt, the job ends failed
// after PYLON_WEIGHTS_RETRY_ATTEMPTS attempts, saying so with the chain's
// last reason, and nothing lands.
func testGivesUp(t *testing.T, b backend) {
	ctx := ctxT(t)
	sub, n, id := signer(t, b, plainSubnet, 1)
	freshEpoch(ctx, t, sub, 8)
	refuseWeights(ctx, t)
	const attempts = 3
	svc := startService(t, b.newDB(t), func(o *Options) { o.RetryAttempts = attempts }, id)
	w, _ := weightsFor(t, sub, 16)
	acc := mustSubmit(ctx, t, svc, Request{Identity: id.Name, Weights: w})
	j, hist := awaitFinal(ctx, t, svc.store, acc.Job.ID)
	if j.Status != store.StatusFailed || j.Attempts != attempts || j.Result != nil || j.LastError == nil ||
		!strings.Contains(j.LastError.Message, fmt.Sprintf("gave up after %d attempts", attempts)) {
		t.Fatalf("job %s after %d attempts, last error %+v%s", j.Status, j.Attempts, j.LastError, historyText(hist))
	}
	if got := failedAttempts(t, hist); got != attempts-1 {
		t.Errorf("%d attempts recorded as retried, want %d%s", got, attempts-1, historyText(hist))
	}
	if got := weightsSetEvents(ctx, t, sub.Netuid, n.UID, acc.Block, headNumber(ctx, t)); len(got) != 0 {
		t.Errorf("WeightsSet events of a job that gave up: %v", got)
	}
	if got := counter(t, svc.reg, "pylon_weights_jobs_total", map[string]string{"mode": "set_weights", "outcome": "failed"}); got != 1 {
		t.Errorf("jobs_total{set_weights,failed} = %v", got)
	}
}

// TestValidationMatchesTheChain: the rules Prepare checks against the
// subnet's hyperparameters are the runtime's own. With each hyperparameter
// changed by sudo, the service refuses a vector naming the rule and the
// module error it avoids; polkadot-js, sending the same uids and values
// itself, sees the runtime fail with exactly that error; and a vector that
// passes Prepare lands. The rules do not depend on the store, so one backend
// runs it.
func TestValidationMatchesTheChain(t *testing.T) {
	ctx := ctxT(t)
	sub := world.Subnets[plainSubnet]
	n := sub.Neurons[len(sub.Neurons)-1] // no suite signer uses the last neuron
	id := identityOf(t, "id-chain-rules", sub, n)
	svc := startService(t, sqliteBackend.newDB(t), nil, id)
	// byNeuron gives the first len(ws) neurons of the subnet the weights ws.
	byNeuron := func(ws ...float64) map[string]float64 {
		w := make(map[string]float64, len(ws))
		for i, v := range ws {
			w[sub.Neurons[i].Hotkey] = v
		}
		return w
	}
	// The subnet has 8 neurons, so min(min_allowed_weights, 8) counts.
	cases := []struct {
		name, item, setter string
		value              uint64
		refused, accepted  map[string]float64
		is                 error
		chainError         string
	}{
		{"min_allowed_weights", "subtensorModule.minAllowedWeights", "adminUtils.sudoSetMinAllowedWeights", 5,
			byNeuron(1, 2, 3, 4), byNeuron(1, 2, 3, 4, 5), weights.ErrTooFewWeights, "WeightVecLengthIsLow"},
		// 16384/65535 is just over a quarter: eight weights with one at 3
		// (3/10 of the total) are refused, one at 2 (2/9) passes.
		{"max_weight_limit", "subtensorModule.maxWeightsLimit", "adminUtils.sudoSetMaxWeightLimit", 16384,
			byNeuron(3, 1, 1, 1, 1, 1, 1, 1), byNeuron(2, 1, 1, 1, 1, 1, 1, 1), weights.ErrMaxWeightExceeded, "MaxWeightExceeded"},
		// The service raises its version key (0) to the subnet's, so only
		// polkadot-js, sending 0 as a stale validator would, meets the rule.
		{"weights_version_key", "subtensorModule.weightsVersionKey", "adminUtils.sudoSetWeightsVersionKey", 9,
			nil, byNeuron(1, 2, 3, 4, 5, 6, 7, 8), nil, "IncorrectWeightVersionKey"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			raw, err := dn.Oracle().Query(ctx, c.item, sub.Netuid)
			if err != nil {
				t.Fatal(err)
			}
			var was json.Number
			if err := json.Unmarshal(raw, &was); err != nil {
				t.Fatalf("%s = %s: %v", c.item, raw, err)
			}
			if _, err := dn.Sudo(ctx, c.setter, sub.Netuid, c.value); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				if _, err := dn.Sudo(context.Background(), c.setter, sub.Netuid, was.String()); err != nil {
					t.Errorf("restoring %s to %s: %v", c.item, was, err)
				}
			})
			refused := c.refused
			if refused != nil {
				_, err := svc.Submit(ctx, Request{Identity: id.Name, Weights: refused, Mode: store.ModeNow})
				var ve *weights.ValidationError
				if !errors.As(err, &ve) || !errors.Is(err, c.is) || ve.Chain != c.chainError || !strings.Contains(ve.Message, c.name) {
					t.Fatalf("%s = %d: submit gave %v, want a refusal naming %s (%s)", c.name, c.value, err, c.name, c.chainError)
				}
			} else {
				refused = c.accepted
			}
			// The runtime's verdict on the same vector, sent by polkadot-js.
			norm := expected(t, sub, refused)
			res, err := dn.Tx(ctx, n.HotkeySeed, "subtensorModule.setWeights", sub.Netuid, norm.UIDs, norm.Values, 0)
			if err == nil || !strings.Contains(err.Error(), "subtensorModule."+c.chainError) {
				t.Fatalf("%s = %d: polkadot-js setWeights(%s) gave %+v, %v; want the runtime to fail with %s", c.name, c.value, norm, res, err, c.chainError)
			}
			acc, err := svc.Submit(ctx, Request{Identity: id.Name, Weights: c.accepted, Mode: store.ModeNow})
			if err != nil {
				t.Fatalf("%s = %d: %v", c.name, c.value, err)
			}
			if c.is == nil && acc.Plan.VersionKey != c.value {
				t.Errorf("version key %d, want the subnet's %d", acc.Plan.VersionKey, c.value)
			}
			j := drive(ctx, t, svc.store, acc.Job.ID, final)
			if j.Status != store.StatusLanded {
				t.Fatalf("%s = %d: job %s, %+v", c.name, c.value, j.Status, j.LastError)
			}
			checkStored(ctx, t, sub, n.UID, j.Result.BlockHash, expected(t, sub, c.accepted), c.accepted)
		})
	}
}
