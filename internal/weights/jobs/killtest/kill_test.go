// Package killtest kills the real pylon binary in the middle of weights jobs
// and restarts it on the same database — an SQLite file, then a PostgreSQL
// database — against the devnet, to show that the weights land exactly once.
// It holds tests only, with a devnet of its own: the chain stays short and
// independent of the runner suite's.
package killtest

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pylon-go/pylon"
	"github.com/pylon-go/pylon/internal/devnet"
	"github.com/pylon-go/pylon/internal/keys"
	"github.com/pylon-go/pylon/internal/pgtest"
	"github.com/pylon-go/pylon/internal/store"
	"github.com/pylon-go/pylon/internal/weights"
)

// One subnet, commit-reveal off, tempo 40 and a weights rate limit of 8
// blocks: long enough that a job can be made to wait for the rate limit
// while no blocks are produced, and still land in its epoch.
const (
	rateLimit = 8
	tempo     = 40
	token     = "kill-test-token-0123456789"
)

var (
	dn    *devnet.Devnet
	world *devnet.World
	bin   string
)

func TestMain(m *testing.M) { os.Exit(testMain(m)) }

func testMain(m *testing.M) int {
	return devnet.Main(devnet.Config{}, func(ctx context.Context, d *devnet.Devnet) error {
		dir, err := os.MkdirTemp("", "pylon-killtest-")
		if err != nil {
			return err
		}
		bin = filepath.Join(dir, "pylon")
		build := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/pylon-go/pylon/cmd/pylon")
		if out, err := build.CombinedOutput(); err != nil {
			return fmt.Errorf("go build: %w\n%s", err, out)
		}
		// Two neurons per database backend, and uid 0 for no one.
		w, err := d.Bootstrap(ctx, devnet.Options{Neurons: 1 + 2*len(backends), Axons: 1, Subnets: []devnet.SubnetOptions{
			{CommitReveal: false, Tempo: tempo, WeightsRateLimit: rateLimit},
		}})
		dn, world = d, w
		return err
	}, func() int {
		defer func() { _ = os.RemoveAll(filepath.Dir(bin)) }()
		return pgtest.Main(m)
	})
}

// backend is one job store the binary can run on.
type backend struct {
	name string
	// first is the index of the first of the backend's two neurons, so the
	// runs on one chain do not share hotkeys (and their rate limits).
	first int
	// setting is the variable that points the binary at a database.
	setting string
	// database returns a fresh database (store.Open's target).
	database func(t *testing.T, dir string) string
}

var backends = []backend{
	{"sqlite", 1, "PYLON_DATABASE_PATH", func(_ *testing.T, dir string) string { return filepath.Join(dir, "pylon.db") }},
	{"postgres", 3, "PYLON_DATABASE_URL", func(t *testing.T, _ string) string { return pgtest.NewDatabase(t) }},
}

// fresh returns a fresh database: its setting for the binary and its target.
func (b backend) fresh(t *testing.T, dir string) (setting, target string) {
	target = b.database(t, dir)
	return b.setting + "=" + target, target
}

// storedStatus reads the job's status from the database itself, so the test
// knows the binary kept its jobs in this backend.
func storedStatus(ctx context.Context, t *testing.T, target, id string) store.Status {
	t.Helper()
	st, err := store.Open(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = st.Close() }()
	j, err := st.Get(ctx, id)
	if err != nil {
		t.Fatalf("job %s in the database: %v", id, err)
	}
	return j.Status
}

// eachBackend runs test once per job store.
func eachBackend(t *testing.T, test func(t *testing.T, b backend)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { test(t, b) })
	}
}

type logs struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// process is one run of the pylon binary.
type process struct {
	m   *pylon.ServiceManager
	c   *pylon.Client
	log *logs
}

// start runs the binary in dir for identity "v" (the given neuron) on the
// database that the setting db names.
func start(ctx context.Context, t *testing.T, dir, db string, sub devnet.Subnet, n devnet.Neuron) *process {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "none.env"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	l := &logs{}
	m, err := pylon.StartService(ctx, pylon.ServiceOptions{
		Binary: bin, Dir: dir, Logs: l,
		Env: []string{
			"HOME=" + dir, "PYLON_ENV_FILE=" + filepath.Join(dir, "none.env"),
			"PYLON_BITTENSOR_NETWORK=" + dn.URL, "PYLON_BITTENSOR_ARCHIVE_NETWORK=" + dn.URL,
			"PYLON_BITTENSOR_WALLET_PATH=" + world.WalletDir,
			`PYLON_IDENTITIES=["v"]`, "PYLON_ID_V_WALLET_NAME=" + n.Wallet, "PYLON_ID_V_HOTKEY_NAME=" + n.HotkeyName,
			fmt.Sprintf("PYLON_ID_V_NETUID=%d", sub.Netuid), "PYLON_ID_V_TOKEN=" + token,
			"PYLON_OPEN_ACCESS_TOKEN=open-" + token,
			db,
			"PYLON_WEIGHTS_RETRY_DELAY_SECONDS=0.2", "PYLON_LOG_FORMAT=json",
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	c, err := m.NewClient(pylon.Config{IdentityName: "v", IdentityToken: token, Retry: pylon.NoRetry})
	if err != nil {
		t.Fatal(err)
	}
	return &process{m: m, c: c, log: l}
}

// kill ends the process with SIGKILL: no shutdown, no last store write.
func (p *process) kill(t *testing.T) {
	t.Helper()
	if err := syscall.Kill(p.m.PID(), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if err := p.m.Close(); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("the process was not killed: %v", err)
	}
}

// job polls the job until cond holds.
func (p *process) job(ctx context.Context, t *testing.T, id string, cond func(*pylon.WeightsJob) bool) *pylon.WeightsJob {
	t.Helper()
	for {
		j, _, err := p.c.WeightsJob(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if cond(j) {
			return j
		}
		select {
		case <-time.After(50 * time.Millisecond):
		case <-ctx.Done():
			b, _ := json.Marshal(j)
			t.Fatalf("job %s: %s\nservice log:\n%s", id, b, p.log)
		}
	}
}

// drive makes blocks until the job is finished — only when it needs one: an
// extrinsic waits in the pool, or the job waits for the rate limit's block —
// so that a slow start of the restarted process does not let the chain run
// past the job's epoch.
func (p *process) drive(ctx context.Context, t *testing.T, id string) *pylon.WeightsJob {
	t.Helper()
	for {
		j, _, err := p.c.WeightsJob(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if done(j) {
			return j
		}
		need := len(pool(ctx, t)) > 0
		if last := j.History[len(j.History)-1]; !need && j.Status == "pending" && last.Kind == "waiting" {
			var d struct {
				UntilBlock uint64 `json:"until_block"`
			}
			if err := json.Unmarshal(last.Detail, &d); err != nil {
				t.Fatal(err)
			}
			need = head(ctx, t)+1 < d.UntilBlock
		}
		if need {
			if _, err := dn.NewBlock(ctx); err != nil {
				t.Fatal(err)
			}
		}
		select {
		case <-time.After(50 * time.Millisecond):
		case <-ctx.Done():
			t.Fatalf("job %s: %s\nservice log:\n%s", id, mustJSON(t, j), p.log)
		}
	}
}

// freshEpoch makes blocks until at least need blocks of the current epoch
// window are left, so that the test's waits fit in one epoch.
func freshEpoch(ctx context.Context, t *testing.T, sub devnet.Subnet, need uint64) {
	t.Helper()
	sched := weights.Legacy{Netuid: sub.Netuid, Tempo: sub.Tempo}
	for {
		h := head(ctx, t)
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

func has(kind string) func(*pylon.WeightsJob) bool {
	return func(j *pylon.WeightsJob) bool {
		return slices.ContainsFunc(j.History, func(e pylon.WeightsJobEvent) bool { return e.Kind == kind })
	}
}

func done(j *pylon.WeightsJob) bool { return j.FinishedAt != nil }

func count(j *pylon.WeightsJob, kind string) int {
	n := 0
	for _, e := range j.History {
		if e.Kind == kind {
			n++
		}
	}
	return n
}

// weightsFor gives each neuron a weight depending on seed.
func weightsFor(sub devnet.Subnet, seed int) map[string]float64 {
	w := map[string]float64{}
	for i := range sub.Neurons {
		w[sub.Neurons[i].Hotkey] = float64(1 + (i+seed)%4)
	}
	return w
}

// weightsSet lists the blocks from..to in which polkadot-js sees
// WeightsSet(netuid, uid).
func weightsSet(ctx context.Context, t *testing.T, netuid, uid uint16, from, to uint64) []uint64 {
	t.Helper()
	var out []uint64
	for b := from; b <= to; b++ {
		h, err := dn.BlockHash(ctx, b)
		if err != nil {
			t.Fatal(err)
		}
		evs, err := dn.Oracle().Events(ctx, h)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			var d []uint16
			if e.Name() == "subtensorModule.WeightsSet" && json.Unmarshal(e.Data, &d) == nil && len(d) == 2 && d[0] == netuid && d[1] == uid {
				out = append(out, b)
			}
		}
	}
	return out
}

// checkStored compares the oracle's stored weights with weights.Normalise of w.
func checkStored(ctx context.Context, t *testing.T, sub devnet.Subnet, uid uint16, at string, w map[string]float64) {
	t.Helper()
	byUID := map[uint16]float64{}
	for i := range sub.Neurons {
		byUID[sub.Neurons[i].UID] = w[sub.Neurons[i].Hotkey]
	}
	want, err := weights.Normalise(byUID)
	if err != nil {
		t.Fatal(err)
	}
	got, err := dn.Oracle().Weights(ctx, sub.Netuid, uid, at)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want.UIDs) {
		t.Fatalf("stored %v, want %s", got, want)
	}
	for i := range got {
		if got[i].UID != want.UIDs[i] || got[i].Weight != want.Values[i] {
			t.Errorf("stored %v, want %s", got, want)
			return
		}
	}
}

func head(ctx context.Context, t *testing.T) uint64 {
	t.Helper()
	n, _, err := dn.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func pool(ctx context.Context, t *testing.T) []string {
	t.Helper()
	var p []string
	if err := dn.RPC(ctx, "author_pendingExtrinsics", nil, &p); err != nil {
		t.Fatal(err)
	}
	return p
}

// inPool reports whether the pool holds an extrinsic signed by pub.
func inPool(ctx context.Context, t *testing.T, pub [32]byte) bool {
	t.Helper()
	for _, x := range pool(ctx, t) {
		if raw, err := hex.DecodeString(strings.TrimPrefix(x, "0x")); err == nil && bytes.Contains(raw, pub[:]) {
			return true
		}
	}
	return false
}

// TestKilledBeforeSubmitting: weights set moments ago hold the identity's
// next weights back for 8 blocks, and no blocks are made, so the accepted
// jobs wait. A second request supersedes the first; the service is killed
// (SIGKILL) while the newer job waits; a new process on the same database
// resumes it; once blocks come, the newer weights land exactly once and the
// older ones never.
func TestKilledBeforeSubmitting(t *testing.T) { eachBackend(t, killedBeforeSubmitting) }

func killedBeforeSubmitting(t *testing.T, b backend) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	sub := world.Subnets[0]
	n := sub.Neurons[b.first]
	dir := t.TempDir()
	db, target := b.fresh(t, dir)

	// Weights set by someone else with the same hotkey (polkadot-js) start the
	// rate limit — once the registration's own LastUpdate allows them.
	if _, err := dn.NewBlocks(ctx, rateLimit); err != nil {
		t.Fatal(err)
	}
	freshEpoch(ctx, t, sub, 3*rateLimit)
	uids, vals := []uint16{0, 1, 2, 3}, []uint16{1, 1, 1, 1}
	first, err := dn.Tx(ctx, n.HotkeySeed, "subtensorModule.setWeights", sub.Netuid, uids, vals, 0)
	if err != nil {
		t.Fatal(err)
	}

	p1 := start(ctx, t, dir, db, sub, n)
	older, _, err := p1.c.PutWeights(ctx, weightsFor(sub, 1))
	if err != nil {
		t.Fatal(err)
	}
	p1.job(ctx, t, older.JobID, has("waiting"))
	wNew := weightsFor(sub, 2)
	newer, _, err := p1.c.PutWeights(ctx, wNew)
	if err != nil {
		t.Fatal(err)
	}
	waiting := p1.job(ctx, t, newer.JobID, has("waiting"))
	if waiting.Status != "pending" || count(waiting, "submitted") != 0 || len(pool(ctx, t)) != 0 {
		t.Fatalf("before the kill: %s, %d submitted, pool %d", waiting.Status, count(waiting, "submitted"), len(pool(ctx, t)))
	}
	p1.kill(t)

	p2 := start(ctx, t, dir, db, sub, n)
	j := p2.drive(ctx, t, newer.JobID)
	if j.Status != "landed" || j.Result == nil || count(j, "submitted") != 1 || j.Attempts != 1 {
		b, _ := json.Marshal(j)
		t.Fatalf("newer job after the restart: %s", b)
	}
	if j.Result.Block < first.BlockNumber+rateLimit {
		t.Errorf("landed in block %d; the rate limit allowed block %d at the earliest", j.Result.Block, first.BlockNumber+rateLimit)
	}
	old, _, err := p2.c.WeightsJob(ctx, older.JobID)
	if err != nil {
		t.Fatal(err)
	}
	if old.Status != "superseded" || count(old, "submitted") != 0 || !strings.Contains(string(mustJSON(t, old.History)), newer.JobID) {
		t.Errorf("older job %s, history %s", old.Status, mustJSON(t, old.History))
	}
	if got := weightsSet(ctx, t, sub.Netuid, n.UID, first.BlockNumber+1, head(ctx, t)); !slices.Equal(got, []uint64{j.Result.Block}) {
		t.Errorf("WeightsSet of uid %d after the first weights: blocks %v, want exactly %d", n.UID, got, j.Result.Block)
	}
	checkStored(ctx, t, sub, n.UID, j.Result.BlockHash, wNew)
	if got := storedStatus(ctx, t, target, newer.JobID); got != store.StatusLanded {
		t.Errorf("the %s database says the job is %s", b.name, got)
	}
	if st, _, err := p2.c.WeightsStatus(ctx, int64(j.Result.Block)); err != nil || !st.WeightsSubmitted {
		t.Errorf("status: %+v, %v", st, err)
	}
}

// TestKilledAfterSubmitting: the service sends set_weights and is killed
// (SIGKILL) before any block includes it; the extrinsic waits in the node's
// pool. The restarted service finds it recorded as sent, looks for it in
// blocks instead of sending again, and the weights land exactly once.
func TestKilledAfterSubmitting(t *testing.T) { eachBackend(t, killedAfterSubmitting) }

func killedAfterSubmitting(t *testing.T, b backend) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	sub := world.Subnets[0]
	n := sub.Neurons[b.first+1]
	seed, err := hex.DecodeString(strings.TrimPrefix(n.HotkeySeed, "0x"))
	if err != nil {
		t.Fatal(err)
	}
	kp, err := keys.KeypairFromSeed(seed)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	db, target := b.fresh(t, dir)
	freshEpoch(ctx, t, sub, 3*rateLimit)
	from := head(ctx, t)

	p1 := start(ctx, t, dir, db, sub, n)
	w := weightsFor(sub, 3)
	put, _, err := p1.c.PutWeights(ctx, w)
	if err != nil {
		t.Fatal(err)
	}
	// Blocks one at a time (the job may first wait for the rate limit), until the extrinsic is sent.
	for !inPool(ctx, t, kp.PublicKey()) {
		j, _, err := p1.c.WeightsJob(ctx, put.JobID)
		if err != nil {
			t.Fatal(err)
		}
		if j.FinishedAt != nil {
			t.Fatalf("the job finished before the kill: %s", mustJSON(t, j))
		}
		if has("waiting")(j) && !has("submitted")(j) {
			if _, err := dn.NewBlock(ctx); err != nil {
				t.Fatal(err)
			}
		}
		select {
		case <-time.After(50 * time.Millisecond):
		case <-ctx.Done():
			t.Fatalf("never sent; service log:\n%s", p1.log)
		}
	}
	sent := p1.job(ctx, t, put.JobID, has("submitted"))
	if sent.Status != "running" {
		t.Fatalf("sent job is %s", sent.Status)
	}
	p1.kill(t)
	if !inPool(ctx, t, kp.PublicKey()) {
		t.Fatal("the extrinsic left the pool")
	}

	p2 := start(ctx, t, dir, db, sub, n)
	j := p2.drive(ctx, t, put.JobID)
	if j.Status != "landed" || count(j, "submitted") != 1 || !has("tracking")(j) || j.Attempts != 1 {
		t.Fatalf("job after the restart: %s", mustJSON(t, j))
	}
	if got := weightsSet(ctx, t, sub.Netuid, n.UID, from, head(ctx, t)); !slices.Equal(got, []uint64{j.Result.Block}) {
		t.Errorf("WeightsSet of uid %d: blocks %v, want exactly %d", n.UID, got, j.Result.Block)
	}
	checkStored(ctx, t, sub, n.UID, j.Result.BlockHash, w)
	if got := storedStatus(ctx, t, target, put.JobID); got != store.StatusLanded {
		t.Errorf("the %s database says the job is %s", b.name, got)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
