package pylon_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pylon-go/pylon"
	"github.com/pylon-go/pylon/internal/devnet"
	"github.com/pylon-go/pylon/internal/keys"
	"github.com/pylon-go/pylon/internal/weights"
	"github.com/pylon-go/pylon/pylontest"
)

// The write methods of the client — PutWeights with its options,
// WeightsStatus, WeightsJob, GenerateCertificateKeypair — against the real
// service on the devnet; what reached the chain is read back through
// polkadot-js.

// actor is an identity of a test server acting for a world neuron.
type actor struct {
	name   string
	netuid uint16
	neuron devnet.Neuron
}

// writeServer serves the actors with the world's wallets and a log the test
// can read.
func writeServer(t *testing.T, log io.Writer, actors ...actor) *pylontest.Server {
	t.Helper()
	opts := []pylontest.Option{
		pylontest.WithChainEndpoint(dn.URL),
		pylontest.WithSetting("PYLON_BITTENSOR_WALLET_PATH", world.WalletDir),
		pylontest.WithSetting("PYLON_WEIGHTS_RETRY_DELAY_SECONDS", "0.2"),
		pylontest.WithLogger(slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelDebug}))),
	}
	for i := range actors {
		a := &actors[i]
		p := "PYLON_ID_" + strings.ToUpper(a.name) + "_"
		opts = append(opts, pylontest.WithIdentity(a.name, a.netuid),
			pylontest.WithSetting(p+"WALLET_NAME", a.neuron.Wallet), pylontest.WithSetting(p+"HOTKEY_NAME", a.neuron.HotkeyName))
	}
	return pylontest.NewServer(t, opts...)
}

func clientOf(t *testing.T, srv *pylontest.Server, name string) *pylon.Client {
	t.Helper()
	id, ok := srv.Identity(name)
	if !ok {
		t.Fatalf("no identity %s", name)
	}
	c, err := srv.NewClient(pylon.Config{IdentityName: name, IdentityToken: id.Token, Retry: pylon.NoRetry})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// syncBuffer is a log sink safe for the service's goroutines.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// normalised is weights.Normalise of the registered hotkeys' weights.
func normalised(t *testing.T, sub *devnet.Subnet, w map[string]float64) weights.Normalised {
	t.Helper()
	byUID := map[uint16]float64{}
	for i := range sub.Neurons {
		if v, ok := w[sub.Neurons[i].Hotkey]; ok {
			byUID[sub.Neurons[i].UID] = v
		}
	}
	n, err := weights.Normalise(byUID)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// awaitJob polls the job through the client until cond holds (blocks are
// produced in the background); the context's deadline bounds it.
func awaitJob(ctx context.Context, t *testing.T, c *pylon.Client, id string, cond func(*pylon.WeightsJob) bool) *pylon.WeightsJob {
	t.Helper()
	for {
		j, _, err := c.WeightsJob(ctx, id)
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
			t.Fatalf("job %s never got there: %s", id, b)
		}
	}
}

func ctxFor(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func TestWeightsThroughTheClient(t *testing.T) {
	ctx := ctxFor(t)
	sub := &world.Subnets[0] // commit-reveal off
	if sub.CommitReveal {
		t.Fatal("the first subnet has commit-reveal on")
	}
	// (The devnet's epoch gives every neuron a validator permit, so the
	// permit rule is covered by the weights package's tests only.)
	val, miner := sub.Neurons[1], sub.Neurons[len(sub.Neurons)-1]
	log := &logBuffer{}
	srv := writeServer(t, log, actor{"val", sub.Netuid, val}, actor{"miner", sub.Netuid, miner},
		actor{"stranger", sub.Netuid, world.Subnets[1].Neurons[5]})
	c, mc, sc := clientOf(t, srv, "val"), clientOf(t, srv, "miner"), clientOf(t, srv, "stranger")

	w := map[string]float64{}
	for i := range sub.Neurons {
		w[sub.Neurons[i].Hotkey] = float64(i%5) + 0.5
	}
	var unknownKey [32]byte
	unknownKey[0] = 0x42
	unknown, err := keys.EncodeSS58(unknownKey, keys.SS58Prefix)
	if err != nil {
		t.Fatal(err)
	}
	w[unknown] = 2
	want := normalised(t, sub, w)

	// A dry run reports exactly what would be sent and sends nothing.
	dry, resp, err := c.PutWeights(ctx, w, pylon.WithDryRun())
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("dry run: %v", err)
	}
	if !dry.DryRun || dry.JobID != "" || dry.Mode != "set_weights" || !slices.Equal(dry.UIDs, want.UIDs) || !slices.Equal(dry.Values, want.Values) ||
		dry.VersionKey != 0 || !slices.Equal(dry.UnknownHotkeys, []string{unknown}) || dry.Count != len(w) {
		t.Errorf("dry run answer %+v, want %s", dry, want)
	}
	var pool []string
	if err := dn.RPC(ctx, "author_pendingExtrinsics", nil, &pool); err != nil || len(pool) != 0 {
		t.Errorf("pool after a dry run: %d extrinsics, %v", len(pool), err)
	}
	h, err := dn.NewBlock(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if evs := weightsSetIn(ctx, t, h, sub.Netuid, val.UID); evs != 0 {
		t.Errorf("a dry run set weights")
	}

	// Requests the chain would refuse are refused, each naming its problem.
	for _, tc := range []struct {
		name string
		c    *pylon.Client
		w    map[string]float64
		opts []pylon.WeightsOption
		want string
	}{
		{"empty", c, map[string]float64{}, nil, "no weights"},
		{"negative", c, map[string]float64{val.Hotkey: -1, miner.Hotkey: 1}, nil, "negative"},
		{"all zero", c, map[string]float64{val.Hotkey: 0}, nil, "are zero"},
		{"bad address", c, map[string]float64{"5Bogus": 1}, nil, "not valid SS58"},
		{"none registered", c, map[string]float64{unknown: 1}, nil, "none of the 1 hotkeys is registered"},
		{"mechanism the runtime lacks", c, w, []pylon.WeightsOption{pylon.WithMechanism(1)}, "no subnet mechanisms"},
		{"mechanism beyond 7", c, w, []pylon.WeightsOption{pylon.WithMechanism(9)}, "mechanism_id"},
		{"unknown mode", c, w, []pylon.WeightsOption{pylon.WithMode("later")}, "mode"},
		{"signer not registered", sc, w, nil, "is not registered in subnet"},
	} {
		_, _, err := tc.c.PutWeights(ctx, tc.w, tc.opts...)
		var re *pylon.ResponseError
		if !errors.As(err, &re) || re.StatusCode != http.StatusBadRequest || !strings.Contains(re.Detail, tc.want) {
			t.Errorf("%s: %v, want 400 saying %q", tc.name, err, tc.want)
		}
	}

	// The real thing.
	put, _, err := c.PutWeights(ctx, w)
	if err != nil {
		t.Fatal(err)
	}
	if put.Detail != "weights update scheduled" || put.Count != len(w) || put.JobID == "" || put.DryRun || put.Epoch == nil ||
		!slices.Equal(put.UnknownHotkeys, []string{unknown}) || put.StatusURL != "/api/v1/identity/val/subnet/"+itoa(sub.Netuid)+"/weights/jobs/"+put.JobID {
		t.Fatalf("answer %+v", put)
	}
	t.Cleanup(dn.ProduceBlocks(300 * time.Millisecond))
	job := awaitJob(ctx, t, c, put.JobID, func(j *pylon.WeightsJob) bool { return j.FinishedAt != nil })
	if job.Status != "landed" || job.Result == nil || job.Mode != "set_weights" || job.Call != "set_weights" || job.Schedule != pylon.WeightsModeAuto ||
		job.Count != len(w) || job.Epoch == nil || *job.Epoch != *put.Epoch || job.Attempts != 1 || job.Identity != "val" || job.Hotkey != val.Hotkey {
		b, _ := json.Marshal(job)
		t.Fatalf("job %s", b)
	}
	if int64(job.Result.Block) < put.Epoch.StartBlock || int64(job.Result.Block) > put.Epoch.EndBlock+1 {
		t.Errorf("landed in block %d, epoch %+v", job.Result.Block, put.Epoch)
	}
	var kinds []string
	for _, e := range job.History {
		kinds = append(kinds, e.Kind)
	}
	if !slices.Contains(kinds, "submitted") || !slices.Contains(kinds, "included") || kinds[0] != "created" {
		t.Errorf("history %v", kinds)
	}
	stored, err := dn.Oracle().Weights(ctx, sub.Netuid, val.UID, job.Result.BlockHash)
	if err != nil {
		t.Fatal(err)
	}
	maxW := 0.0
	for _, v := range w {
		maxW = math.Max(maxW, v)
	}
	if len(stored) != len(want.UIDs) {
		t.Fatalf("stored %v, want %s", stored, want)
	}
	for i, s := range stored {
		if s.UID != want.UIDs[i] || s.Weight != want.Values[i] {
			t.Errorf("stored %d:%d, Normalise %d:%d", s.UID, s.Weight, want.UIDs[i], want.Values[i])
		}
		if ideal := w[sub.Neurons[s.UID].Hotkey] / maxW * 65535; math.Abs(float64(s.Weight)-ideal) > 0.5 {
			t.Errorf("uid %d stored %d, the request's proportion is %.2f", s.UID, s.Weight, ideal)
		}
	}
	if weightsSetIn(ctx, t, job.Result.BlockHash, sub.Netuid, val.UID) != 1 {
		t.Errorf("no WeightsSet for uid %d in block %d", val.UID, job.Result.Block)
	}

	// Status of the epoch, and of the one before.
	st, _, err := c.WeightsStatus(ctx, int64(job.Result.Block))
	if err != nil || !st.WeightsSubmitted {
		t.Errorf("status at block %d: %+v, %v", job.Result.Block, st, err)
	}
	// An epoch still to come: nothing was submitted in it.
	later := put.Epoch.EndBlock + 2*(put.Epoch.EndBlock-put.Epoch.StartBlock)
	st, _, err = c.WeightsStatus(ctx, later)
	if err != nil || st.WeightsSubmitted {
		t.Errorf("status of a later epoch (block %d): %+v, %v", later, st, err)
	}
	if st, _, err := pylon.Do(ctx, c, pylon.WeightsStatusRequest{Block: int64(job.Result.Block)}); err != nil || !st.WeightsSubmitted {
		t.Errorf("Do(WeightsStatusRequest): %+v, %v", st, err)
	}

	// The job is the identity's own; ids that do not exist are not found.
	if got, _, err := pylon.Do(ctx, c, pylon.WeightsJobRequest{ID: put.JobID}); err != nil || got.ID != put.JobID {
		t.Errorf("Do(WeightsJobRequest): %v", err)
	}
	if _, _, err := mc.WeightsJob(ctx, put.JobID); !errors.Is(err, pylon.ErrNotFound) {
		t.Errorf("another identity's job: %v", err)
	}
	if _, _, err := c.WeightsJob(ctx, "no-such-job"); !errors.Is(err, pylon.ErrNotFound) {
		t.Errorf("unknown job: %v", err)
	}

	// mode=now: one immediate attempt.
	now, _, err := c.PutWeights(ctx, w, pylon.WithMode(pylon.WeightsModeNow))
	if err != nil {
		t.Fatal(err)
	}
	nj := awaitJob(ctx, t, c, now.JobID, func(j *pylon.WeightsJob) bool { return j.FinishedAt != nil })
	if nj.Status != "landed" || nj.Schedule != pylon.WeightsModeNow || nj.Attempts != 1 {
		t.Errorf("mode=now job: %s after %d attempts (%+v)", nj.Status, nj.Attempts, nj.LastError)
	}
}

// TestGenerateCertificateKeypair: the service generates a keypair and stores
// its public key on chain for the identity's neuron, keeping its axon; a
// neuron that never served an axon gets Pylon's failure with the reason; the
// private key reaches neither the log nor a second request.
func TestGenerateCertificateKeypair(t *testing.T) {
	ctx := ctxFor(t)
	sub := &world.Subnets[0]
	serving, idle := sub.Neurons[2], sub.Neurons[len(sub.Neurons)-2]
	if serving.Axon == nil || idle.Axon != nil {
		t.Fatalf("world: uid %d axon %+v, uid %d axon %+v", serving.UID, serving.Axon, idle.UID, idle.Axon)
	}
	log := &logBuffer{}
	srv := writeServer(t, log, actor{"server", sub.Netuid, serving}, actor{"idle", sub.Netuid, idle})
	c, ic := clientOf(t, srv, "server"), clientOf(t, srv, "idle")
	t.Cleanup(dn.ProduceBlocks(300 * time.Millisecond))

	before, err := dn.Oracle().Axon(ctx, sub.Netuid, serving.Hotkey, "")
	if err != nil || before == nil {
		t.Fatalf("axon before: %+v, %v", before, err)
	}
	kp, resp, err := c.GenerateCertificateKeypair(ctx, pylon.CertificateAlgorithmEd25519)
	if err != nil || resp.StatusCode != http.StatusCreated || resp.Attempts != 1 {
		t.Fatalf("generate: %v (%+v)", err, resp)
	}
	seed, err := hex.DecodeString(kp.PrivateKey)
	if err != nil || len(seed) != ed25519.SeedSize || kp.Algorithm != pylon.CertificateAlgorithmEd25519 {
		t.Fatalf("keypair %s/%d", kp.PublicKey, kp.Algorithm)
	}
	if pub, ok := ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey); !ok || hex.EncodeToString(pub) != kp.PublicKey {
		t.Errorf("the public key is not the private key's")
	}
	stored, err := dn.Oracle().Certificate(ctx, sub.Netuid, serving.Hotkey, "")
	if err != nil || stored == nil || stored.Algorithm != 1 || stored.PublicKey != "0x"+kp.PublicKey {
		t.Errorf("stored certificate %+v, %v; want %s", stored, err, kp.PublicKey)
	}
	after, err := dn.Oracle().Axon(ctx, sub.Netuid, serving.Hotkey, "")
	if err != nil || after == nil || after.IP != before.IP || after.Port != before.Port || after.Protocol != before.Protocol ||
		after.Version != before.Version || after.IPType != before.IPType {
		t.Errorf("axon before %+v, after %+v (%v)", before, after, err)
	}
	own, _, err := c.OwnCertificate(ctx)
	if err != nil || own.PublicKey != kp.PublicKey {
		t.Errorf("own certificate %+v, %v", own, err)
	}

	_, resp, err = ic.GenerateCertificateKeypair(ctx, pylon.CertificateAlgorithmEd25519)
	var re *pylon.ResponseError
	if !errors.Is(err, pylon.ErrBadGateway) || !errors.As(err, &re) || re.Detail != "Could not generate certificate pair." ||
		re.Problem == nil || len(re.Problem.Errors) != 1 || !strings.Contains(re.Problem.Errors[0].Message, "never served an axon") || resp.Attempts != 1 {
		t.Errorf("a neuron without an axon: %v (%+v)", err, re)
	}
	if _, _, err := c.GenerateCertificateKeypair(ctx, 2); !errors.As(err, &re) || re.StatusCode != http.StatusBadRequest ||
		!strings.Contains(re.Detail, "algorithm must be 1") {
		t.Errorf("algorithm 2: %v", err)
	}
	if strings.Contains(log.String(), kp.PrivateKey) {
		t.Error("the service log shows the private key")
	}
	if !strings.Contains(log.String(), kp.PublicKey) {
		t.Error("the service log does not record the stored certificate")
	}
}

// weightsSetIn counts the WeightsSet(netuid, uid) events polkadot-js sees in a block.
func weightsSetIn(ctx context.Context, t *testing.T, block string, netuid, uid uint16) int {
	t.Helper()
	evs, err := dn.Oracle().Events(ctx, block)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range evs {
		var data []uint16
		if e.Name() == "subtensorModule.WeightsSet" && json.Unmarshal(e.Data, &data) == nil && len(data) == 2 && data[0] == netuid && data[1] == uid {
			n++
		}
	}
	return n
}

func itoa(n uint16) string {
	b, _ := json.Marshal(n)
	return string(b)
}
