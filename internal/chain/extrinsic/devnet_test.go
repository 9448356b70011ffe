package extrinsic_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pylon-go/pylon/internal/chain"
	"github.com/pylon-go/pylon/internal/chain/extrinsic"
	"github.com/pylon-go/pylon/internal/chain/metadata"
	"github.com/pylon-go/pylon/internal/chain/rpc/faultproxy"
	"github.com/pylon-go/pylon/internal/devnet"
	"github.com/pylon-go/pylon/internal/keys"
)

// One devnet for the package (Manual block mode), started by the first test that needs it, so that the
// encoding tests run without Node.js. Manual mode, with blocks produced every 200 ms while a test waits,
// is a chain whose blocks come independently of submissions, as on a real network: several extrinsics
// share a block, and tests that need an extrinsic to sit in the pool (a connection lost before inclusion)
// simply do not produce a block until they are ready. Instant mode would seal every extrinsic on arrival.
var (
	devnetOnce sync.Once
	errDevnet  error
	dn         *devnet.Devnet
	world      *devnet.World
	client     *chain.Client
	// submitter is shared by the tests, as the service shares one: nonces are per process.
	submitter *extrinsic.Submitter
)

func TestMain(m *testing.M) {
	code := m.Run()
	if client != nil {
		if err := client.Close(); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}
	if dn != nil {
		if err := dn.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}
	os.Exit(code)
}

// needDevnet starts the package's devnet and bootstraps a small world: subnet 2 without commit-reveal and
// subnet 3 with it, four neurons each.
func needDevnet(t *testing.T) {
	t.Helper()
	devnetOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		d, err := devnet.Start(ctx, devnet.Config{})
		if err != nil {
			errDevnet = err
			return
		}
		dn = d
		if world, err = d.Bootstrap(ctx, devnet.Options{Neurons: 4, Validators: 3, Axons: 1}); err != nil {
			errDevnet = fmt.Errorf("bootstrap: %w", err)
			return
		}
		if client, err = chain.Dial(ctx, []string{d.URL}, chain.Options{ReadyBlocks: -1}); err != nil {
			errDevnet = fmt.Errorf("chain client: %w", err)
			return
		}
		submitter, errDevnet = extrinsic.NewSubmitter(client, extrinsic.Options{})
	})
	if errDevnet != nil {
		t.Fatalf("devnet: %v", errDevnet)
	}
}

func ctxT(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// produce builds a block every 200 ms until the test ends.
func produce(t *testing.T) {
	t.Helper()
	t.Cleanup(dn.ProduceBlocks(200 * time.Millisecond))
}

func keypair(t *testing.T, uriOrSeed string) *keys.Keypair {
	t.Helper()
	var kp *keys.Keypair
	var err error
	if strings.HasPrefix(uriOrSeed, "0x") {
		seed, herr := hex.DecodeString(uriOrSeed[2:])
		if herr != nil {
			t.Fatal(herr)
		}
		kp, err = keys.KeypairFromSeed(seed)
	} else {
		kp, err = keys.KeypairFromURI(uriOrSeed)
	}
	if err != nil {
		t.Fatal(err)
	}
	return kp
}

func freshAccount(t *testing.T) [32]byte {
	t.Helper()
	var a [32]byte
	if _, err := rand.Read(a[:]); err != nil {
		t.Fatal(err)
	}
	return a
}

func address(t *testing.T, pub [32]byte) string {
	t.Helper()
	s, err := keys.EncodeSS58(pub, keys.SS58Prefix)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// accountState reads an account's nonce and free balance through polkadot-js.
func accountState(ctx context.Context, t *testing.T, pub [32]byte, at string) (nonce uint64, free *big.Int) {
	t.Helper()
	raw, err := dn.Oracle().QueryWith(ctx, devnet.ReadOptions{At: at, Format: "primitive"}, "query.system.account", address(t, pub))
	if err != nil {
		t.Fatal(err)
	}
	var info struct {
		Nonce json.Number `json:"nonce"`
		Data  struct {
			Free json.Number `json:"free"`
		} `json:"data"`
	}
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	if err := dec.Decode(&info); err != nil {
		t.Fatalf("account %s: %v (%s)", address(t, pub), err, raw)
	}
	n, err := info.Nonce.Int64()
	if err != nil {
		t.Fatal(err)
	}
	free, ok := new(big.Int).SetString(info.Data.Free.String(), 10)
	if !ok {
		t.Fatalf("free balance %q", info.Data.Free)
	}
	return uint64(n), free
}

func transfer(to [32]byte, amount uint64) extrinsic.Call {
	return extrinsic.NewNamedCall("Balances", "transfer_keep_alive", map[string]any{
		"dest":  metadata.Variant{Name: "Id", Fields: []metadata.NamedValue{{Value: to}}},
		"value": amount,
	})
}

// oracleEvents are the events polkadot-js decodes for one extrinsic of a block, as "section.Method".
func oracleEvents(ctx context.Context, t *testing.T, block chain.Hash, index uint32) []devnet.Event {
	t.Helper()
	all, err := dn.Oracle().Events(ctx, block.String())
	if err != nil {
		t.Fatal(err)
	}
	var out []devnet.Event
	for _, e := range all {
		if e.Phase == "ApplyExtrinsic" && e.Index != nil && *e.Index == int(index) {
			out = append(out, e)
		}
	}
	return out
}

// checkEventsMatch compares the submitter's decoded events of an extrinsic with polkadot-js's.
func checkEventsMatch(ctx context.Context, t *testing.T, res *extrinsic.Result) []devnet.Event {
	t.Helper()
	want := oracleEvents(ctx, t, res.BlockHash, res.Index)
	if len(want) != len(res.Events) || len(want) == 0 {
		t.Fatalf("events at #%d index %d: ours %d, polkadot-js %d", res.BlockNumber, res.Index, len(res.Events), len(want))
	}
	for i, e := range want {
		got := res.Events[i]
		if !strings.EqualFold(e.Section, got.Pallet) || e.Method != got.Name {
			t.Errorf("event %d: ours %s.%s, polkadot-js %s", i, got.Pallet, got.Name, e.Name())
		}
	}
	return want
}

// A transfer signed here is accepted by the real runtime, and polkadot-js sees the recipient's balance grow
// by exactly the amount and the sender's nonce advance by one.
func TestDevnetTransfer(t *testing.T) {
	needDevnet(t)
	ctx := ctxT(t)
	produce(t)
	alice := keypair(t, "//Alice")
	to := freshAccount(t)
	nonceBefore, _ := accountState(ctx, t, alice.PublicKey(), "")
	const amount = 1_234_567_890

	res, err := submitter.Submit(ctx, alice, transfer(to, amount))
	if err != nil {
		t.Fatalf("transfer: %v (result %+v)", err, res)
	}
	if !res.Included() || res.Outcome != extrinsic.OutcomeSuccess || res.Scanned || res.Nonce != nonceBefore {
		t.Fatalf("result %+v", res)
	}
	_, got := accountState(ctx, t, to, res.BlockHash.String())
	if got.Cmp(big.NewInt(amount)) != 0 {
		t.Errorf("recipient balance %s, want %d", got, amount)
	}
	if _, before := accountState(ctx, t, to, blockHashHex(ctx, t, res.BlockNumber-1)); before.Sign() != 0 {
		t.Errorf("recipient had %s before the block", before)
	}
	if n, _ := accountState(ctx, t, alice.PublicKey(), res.BlockHash.String()); n != nonceBefore+1 {
		t.Errorf("sender nonce %d, want %d", n, nonceBefore+1)
	}
	evs := checkEventsMatch(ctx, t, res)
	if !hasEvent(evs, "balances.Transfer") || !hasEvent(evs, "system.ExtrinsicSuccess") {
		t.Errorf("events %v", evs)
	}
}

func blockHashHex(ctx context.Context, t *testing.T, n uint64) string {
	t.Helper()
	h, err := dn.BlockHash(ctx, n)
	if err != nil || h == "" {
		t.Fatalf("block #%d: %q %v", n, h, err)
	}
	return h
}

func hasEvent(evs []devnet.Event, name string) bool {
	for _, e := range evs {
		if e.Name() == name {
			return true
		}
	}
	return false
}

// weightsVersionKey reads WeightsVersionKey(netuid) through polkadot-js.
func weightsVersionKey(ctx context.Context, t *testing.T, netuid uint16) uint64 {
	t.Helper()
	raw, err := dn.Oracle().Query(ctx, "query.subtensorModule.weightsVersionKey", netuid)
	if err != nil {
		t.Fatal(err)
	}
	var v uint64
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("version key %s: %v", raw, err)
	}
	return v
}

// A validator hotkey sets weights on a subnet without commit-reveal; polkadot-js reads back the stored
// weights, max-upscaled by the chain as DEVNET.md §5.7 describes.
func TestDevnetSetWeights(t *testing.T) {
	needDevnet(t)
	ctx := ctxT(t)
	produce(t)
	sn := world.Subnets[0]
	if sn.CommitReveal {
		t.Fatal("first subnet has commit-reveal on")
	}
	v := sn.Validators()[1]
	hot := keypair(t, v.HotkeySeed)
	vk := weightsVersionKey(ctx, t, sn.Netuid)
	dests := []uint16{0, 1, 2, 3}
	weights := []uint16{100, 200, 300, 400}

	res, err := submitter.Submit(ctx, hot, extrinsic.NewCall("SubtensorModule", "set_weights", sn.Netuid, dests, weights, vk))
	if err != nil {
		t.Fatalf("set_weights: %v", err)
	}
	stored, err := dn.Oracle().Weights(ctx, sn.Netuid, v.UID, res.BlockHash.String())
	if err != nil {
		t.Fatal(err)
	}
	want := []devnet.UIDWeight{{UID: 0, Weight: 16384}, {UID: 1, Weight: 32768}, {UID: 2, Weight: 49151}, {UID: 3, Weight: 65535}}
	if fmt.Sprint(stored) != fmt.Sprint(want) {
		t.Errorf("stored weights %v, want %v", stored, want)
	}
	if evs := checkEventsMatch(ctx, t, res); !hasEvent(evs, "subtensorModule.WeightsSet") {
		t.Errorf("events %v", evs)
	}
}

// corruptSigner signs correctly and then flips a bit of the signature.
type corruptSigner struct{ *keys.Keypair }

func (c corruptSigner) Sign(msg []byte) ([64]byte, error) {
	sig, err := c.Keypair.Sign(msg)
	sig[10] ^= 1
	return sig, err
}

// A bad signature is refused at submission (1010, BadProof): a *PoolError, never in the pool. The next
// submission from the key re-reads the nonce and lands.
func TestDevnetBadSignature(t *testing.T) {
	needDevnet(t)
	ctx := ctxT(t)
	charlie := keypair(t, "//Charlie")
	before, _ := accountState(ctx, t, charlie.PublicKey(), "")

	res, err := submitter.Submit(ctx, corruptSigner{charlie}, extrinsic.NewCall("System", "remark", []byte("bad")))
	var pe *extrinsic.PoolError
	if !errors.As(err, &pe) || pe.Code != extrinsic.CodeInvalidTransaction || pe.Reason != extrinsic.ReasonBadProof {
		t.Fatalf("corrupted signature: %v", err)
	}
	if res == nil || res.Included() || res.Outcome != extrinsic.OutcomePoolRejected || !strings.Contains(err.Error(), "BadProof") {
		t.Errorf("result %+v, error %q", res, err)
	}
	t.Logf("rejection: %v (node said %s %s)", err, pe.Message, pe.Data)

	produce(t)
	res, err = submitter.Submit(ctx, charlie, extrinsic.NewCall("System", "remark", []byte("good")))
	if err != nil || res.Nonce != before {
		t.Fatalf("after the rejection: %v, nonce %d want %d", err, res.Nonce, before)
	}
	if after, _ := accountState(ctx, t, charlie.PublicKey(), res.BlockHash.String()); after != before+1 {
		t.Errorf("nonce %d, want %d", after, before+1)
	}
}

// Ten concurrent submissions from one key all land: consecutive nonces, no clash, ten recipients credited
// and the sender's nonce advanced by ten, as polkadot-js reads them.
func TestDevnetConcurrentSubmissions(t *testing.T) {
	needDevnet(t)
	ctx := ctxT(t)
	produce(t)
	bob := keypair(t, "//Bob")
	before, _ := accountState(ctx, t, bob.PublicKey(), "")
	const n = 10
	type out struct {
		to  [32]byte
		amt uint64
		res *extrinsic.Result
		err error
	}
	outs := make([]out, n)
	var wg sync.WaitGroup
	for i := range outs {
		outs[i].to, outs[i].amt = freshAccount(t), 1_000_000_000+uint64(i)
		wg.Go(func() {
			outs[i].res, outs[i].err = submitter.Submit(ctx, bob, transfer(outs[i].to, outs[i].amt))
		})
	}
	wg.Wait()
	nonces := map[uint64]bool{}
	var last *extrinsic.Result
	for i, o := range outs {
		if o.err != nil {
			t.Fatalf("submission %d: %v", i, o.err)
		}
		nonces[o.res.Nonce] = true
		if last == nil || o.res.BlockNumber > last.BlockNumber {
			last = o.res
		}
	}
	for k := before; k < before+n; k++ {
		if !nonces[k] {
			t.Errorf("nonce %d unused; used %v", k, nonces)
		}
	}
	if after, _ := accountState(ctx, t, bob.PublicKey(), last.BlockHash.String()); after != before+n {
		t.Errorf("sender nonce %d, want %d", after, before+n)
	}
	for i, o := range outs {
		if _, free := accountState(ctx, t, o.to, last.BlockHash.String()); free.Cmp(new(big.Int).SetUint64(o.amt)) != 0 {
			t.Errorf("recipient %d: %s, want %d", i, free, o.amt)
		}
		checkEventsMatch(ctx, t, o.res)
	}
}

// A call the runtime rejects returns its module error by name, resolved with the block's runtime, and
// polkadot-js decodes the same System.ExtrinsicFailed (pallet index and error bytes) at that block; the
// same call signed by polkadot-js fails with the same name.
func TestDevnetDispatchErrors(t *testing.T) {
	needDevnet(t)
	ctx := ctxT(t)
	plain, cr := world.Subnets[0], world.Subnets[1]
	if !cr.CommitReveal {
		t.Fatal("second subnet has commit-reveal off")
	}
	for _, tc := range []struct {
		name   string
		signer string
		netuid uint16
		want   string
	}{
		// //Dave is a funded coldkey but no hotkey on the subnet.
		{"unregistered hotkey", "//Dave", plain.Netuid, "SubtensorModule.HotKeyNotRegisteredInSubNet"},
		{"commit-reveal subnet", cr.Validators()[0].HotkeySeed, cr.Netuid, "SubtensorModule.CommitRevealEnabled"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stop := dn.ProduceBlocks(200 * time.Millisecond)
			vk := weightsVersionKey(ctx, t, tc.netuid)
			res, err := submitter.Submit(ctx, keypair(t, tc.signer),
				extrinsic.NewCall("SubtensorModule", "set_weights", tc.netuid, []uint16{0, 1}, []uint16{1, 1}, vk))
			stop()
			var de *extrinsic.DispatchError
			if !errors.As(err, &de) {
				t.Fatalf("want a dispatch error, got %v", err)
			}
			var me *metadata.ModuleError
			if de.Name() != tc.want || !errors.As(err, &me) || me.Pallet+"."+me.Name != tc.want || len(me.Docs) == 0 {
				t.Fatalf("dispatch error %q (%v), want %s", de.Name(), err, tc.want)
			}
			if res.Outcome != extrinsic.OutcomeDispatchError || !res.Included() || de.BlockHash != res.BlockHash || de.Index != res.Index {
				t.Errorf("result %+v", res)
			}
			t.Logf("%v", err)

			evs := checkEventsMatch(ctx, t, res)
			failed := evs[len(evs)-1]
			if failed.Name() != "system.ExtrinsicFailed" {
				t.Fatalf("polkadot-js events %v", evs)
			}
			var data []struct {
				Module *struct {
					Index uint8  `json:"index"`
					Error string `json:"error"`
				} `json:"module"`
			}
			if err := json.Unmarshal(failed.Data, &data); err != nil || len(data) == 0 || data[0].Module == nil {
				t.Fatalf("ExtrinsicFailed data %s: %v", failed.Data, err)
			}
			if m := data[0].Module; m.Index != me.PalletIndex || m.Error != "0x"+hex.EncodeToString(me.Bytes[:]) {
				t.Errorf("polkadot-js module error %+v, ours pallet %d bytes %x", m, me.PalletIndex, me.Bytes)
			}

			// polkadot-js names the error of the same call the same way.
			_, perr := dn.Tx(ctx, tc.signer, "subtensorModule.setWeights", tc.netuid, []uint16{0, 1}, []uint16{1, 1}, vk)
			if perr == nil || !strings.Contains(strings.ToLower(perr.Error()), strings.ToLower(tc.want)) {
				t.Errorf("polkadot-js: %v, want %s", perr, tc.want)
			}
		})
	}
}

// A nonce used behind the submitter's back (the same key signing elsewhere) is refused as Stale; the
// submitter re-reads the nonce and rebuilds (by default once), which cannot send anything twice since the
// refused extrinsic never entered the pool. Without retries, the *PoolError comes back and the next
// submission re-synchronises.
func TestDevnetStaleNonce(t *testing.T) {
	needDevnet(t)
	ctx := ctxT(t)
	produce(t)
	dave := keypair(t, "//Dave")
	remark := extrinsic.NewCall("System", "remark", []byte("stale"))
	useElsewhere := func() {
		t.Helper()
		if _, err := dn.Tx(ctx, "//Dave", "system.remark", "0x01"); err != nil {
			t.Fatal(err)
		}
	}

	reg := prometheus.NewRegistry()
	noRetry, err := extrinsic.NewSubmitter(client, extrinsic.Options{NonceRetries: -1, Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []*extrinsic.Submitter{submitter, noRetry} {
		first, err := s.Submit(ctx, dave, remark)
		if err != nil {
			t.Fatal(err)
		}
		useElsewhere() // takes first.Nonce+1
		res, err := s.Submit(ctx, dave, remark)
		if s == submitter {
			if err != nil || res.Nonce != first.Nonce+2 {
				t.Fatalf("with retry: %v, nonce %d want %d", err, res.Nonce, first.Nonce+2)
			}
			continue
		}
		var pe *extrinsic.PoolError
		if !errors.As(err, &pe) || pe.Reason != extrinsic.ReasonStale || !pe.NonceTaken() || res.Nonce != first.Nonce+1 {
			t.Fatalf("without retry: %v (result %+v)", err, res)
		}
		res, err = s.Submit(ctx, dave, remark)
		if err != nil || res.Nonce != first.Nonce+2 {
			t.Fatalf("after the stale nonce: %v, nonce %d want %d", err, res.Nonce, first.Nonce+2)
		}
		if n, _ := accountState(ctx, t, dave.PublicKey(), res.BlockHash.String()); n != first.Nonce+3 {
			t.Errorf("on-chain nonce %d, want %d", n, first.Nonce+3)
		}
	}
	if got := submissionCounts(t, reg); len(got) != 2 || got["System.remark pool_rejected"] != 1 || got["System.remark success"] != 2 {
		t.Errorf("submission metrics %v", got)
	}
	if n := inclusionCount(t, reg); n != 2 {
		t.Errorf("inclusion histogram holds %d observations, want 2", n)
	}
}

// inclusionCount is the number of observations of pylon_extrinsic_inclusion_seconds.
func inclusionCount(t *testing.T, reg *prometheus.Registry) uint64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var n uint64
	for _, mf := range mfs {
		if mf.GetName() == "pylon_extrinsic_inclusion_seconds" {
			for _, m := range mf.GetMetric() {
				n += m.GetHistogram().GetSampleCount()
			}
		}
	}
	return n
}

// submissionCounts gathers pylon_extrinsic_submissions_total as "call outcome" → count.
func submissionCounts(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != "pylon_extrinsic_submissions_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			out[labels["call"]+" "+labels["outcome"]] = m.GetCounter().GetValue()
		}
	}
	return out
}

// A signing payload over 256 bytes is signed as its blake2b-256 hash; the runtime accepts it.
func TestDevnetLongPayload(t *testing.T) {
	needDevnet(t)
	ctx := ctxT(t)
	produce(t)
	res, err := submitter.Submit(ctx, keypair(t, "//Charlie"), extrinsic.NewCall("System", "remark_with_event", make([]byte, 400)))
	if err != nil {
		t.Fatal(err)
	}
	if evs := checkEventsMatch(ctx, t, res); !hasEvent(evs, "system.Remarked") {
		t.Errorf("events %v", evs)
	}
}

// fundedKey is a fresh sr25519 key holding 100 TAO, for tests that must not share a nonce with others.
func fundedKey(ctx context.Context, t *testing.T) *keys.Keypair {
	t.Helper()
	seed := freshAccount(t)
	kp, err := keys.KeypairFromSeed(seed[:])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dn.Tx(ctx, "//Alice", "balances.transferKeepAlive", kp.SS58(), "100000000000"); err != nil {
		t.Fatal(err)
	}
	return kp
}

// submission is what a Submit in a goroutine returned.
type submission struct {
	res *extrinsic.Result
	err error
}

// pendingOf returns the hash of the only pool extrinsic signed by pub.
func pendingOf(ctx context.Context, t *testing.T, pub [32]byte) chain.Hash {
	t.Helper()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		var pending []string
		if err := dn.RPC(ctx, "author_pendingExtrinsics", nil, &pending); err != nil {
			t.Fatal(err)
		}
		for _, x := range pending {
			b, err := hex.DecodeString(strings.TrimPrefix(x, "0x"))
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(b), string(pub[:])) {
				return extrinsic.Hash(b)
			}
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			t.Fatalf("no extrinsic of %x reached the pool: %v", pub, ctx.Err())
		}
	}
}

// proxied is a chain client and submitter that reach the devnet through a fault proxy.
func proxied(ctx context.Context, t *testing.T) (*faultproxy.Proxy, *chain.Client, *extrinsic.Submitter) {
	t.Helper()
	p, err := faultproxy.New(strings.TrimPrefix(dn.URL, "ws://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	c, err := chain.Dial(ctx, []string{"ws://" + p.Addr()}, chain.Options{ReadyBlocks: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	s, err := extrinsic.NewSubmitter(c, extrinsic.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return p, c, s
}

// The connection drops while the extrinsic waits in the pool: the watch ends (ErrConnectionLost) and the
// submitter finds the extrinsic by scanning new blocks for its hash. It is submitted exactly once, and
// polkadot-js sees its effect exactly once.
func TestDevnetConnectionLostMidWatch(t *testing.T) {
	needDevnet(t)
	ctx := ctxT(t)
	key := fundedKey(ctx, t)
	p, c, s := proxied(ctx, t)
	to := freshAccount(t)
	const amount = 2_000_000_000
	nonce, _ := accountState(ctx, t, key.PublicKey(), "")

	done := make(chan submission, 1)
	go func() {
		res, err := s.Submit(ctx, key, transfer(to, amount))
		done <- submission{res, err}
	}()
	pendingOf(ctx, t, key.PublicKey())
	p.DropAll()
	produce(t)
	got := <-done
	if got.err != nil {
		t.Fatalf("after the lost connection: %v", got.err)
	}
	if !got.res.Scanned || !got.res.Included() || got.res.Outcome != extrinsic.OutcomeSuccess {
		t.Errorf("result %+v", got.res)
	}
	if n := c.RPC().CallCount("author_submitAndWatchExtrinsic") + c.RPC().CallCount("author_submitExtrinsic"); n != 1 {
		t.Errorf("%d submissions, want 1", n)
	}
	if n, free := accountState(ctx, t, to, ""); free.Cmp(big.NewInt(amount)) != 0 || n != 0 {
		t.Errorf("recipient %s", free)
	}
	if n, _ := accountState(ctx, t, key.PublicKey(), ""); n != nonce+1 {
		t.Errorf("sender nonce %d, want %d", n, nonce+1)
	}
	checkEventsMatch(ctx, t, got.res)
}

// An extrinsic that can never be included (its nonce is ahead of the account's, as if the local count had
// run ahead) and whose watch is lost: the submitter scans every block of its four-block era and reports
// ErrEraExpired without re-sending. The next submission re-reads the nonce and lands; polkadot-js sees the
// nonce advance by one.
func TestDevnetEraExpiredAfterLostWatch(t *testing.T) {
	needDevnet(t)
	ctx := ctxT(t)
	key := fundedKey(ctx, t)
	p, c, s := proxied(ctx, t)
	nonce, _ := accountState(ctx, t, key.PublicKey(), "")
	extrinsic.SetNextNonce(s, key.PublicKey(), nonce+2)

	done := make(chan submission, 1)
	go func() {
		res, err := s.Submit(ctx, key, extrinsic.NewCall("System", "remark", []byte("never")), extrinsic.WithEraPeriod(4))
		done <- submission{res, err}
	}()
	pendingOf(ctx, t, key.PublicKey())
	p.DropAll()
	produce(t)
	got := <-done
	if !errors.Is(got.err, extrinsic.ErrEraExpired) || got.res.Outcome != extrinsic.OutcomeEraExpired || !got.res.Scanned {
		t.Fatalf("want ErrEraExpired, got %v (%+v)", got.err, got.res)
	}
	if got.res.Era.Period != 4 || got.res.EraEnd != got.res.Birth+3 {
		t.Errorf("era %+v birth %d end %d", got.res.Era, got.res.Birth, got.res.EraEnd)
	}
	if n := c.RPC().CallCount("author_submitAndWatchExtrinsic"); n != 1 {
		t.Errorf("%d submissions, want 1", n)
	}
	res, err := s.Submit(ctx, key, extrinsic.NewCall("System", "remark", []byte("next")))
	if err != nil || res.Nonce != nonce {
		t.Fatalf("next submission: %v, nonce %d want %d", err, res.Nonce, nonce)
	}
	if n, _ := accountState(ctx, t, key.PublicKey(), ""); n != nonce+1 {
		t.Errorf("nonce %d, want %d", n, nonce+1)
	}
}

// The same future nonce with the watch intact: Chopsticks drops the extrinsic when it fails to apply in
// the next block and says so on the watch ({"invalid":{"future":null}}), which is ErrInvalid; the nonce is
// re-read for the next submission.
func TestDevnetFutureNonceInvalid(t *testing.T) {
	needDevnet(t)
	ctx := ctxT(t)
	key := fundedKey(ctx, t)
	produce(t)
	s, err := extrinsic.NewSubmitter(client, extrinsic.Options{})
	if err != nil {
		t.Fatal(err)
	}
	nonce, _ := accountState(ctx, t, key.PublicKey(), "")
	extrinsic.SetNextNonce(s, key.PublicKey(), nonce+5)
	res, err := s.Submit(ctx, key, extrinsic.NewCall("System", "remark", []byte("ahead")))
	if !errors.Is(err, extrinsic.ErrInvalid) || res.Outcome != extrinsic.OutcomeInvalid || !strings.Contains(err.Error(), "future") {
		t.Fatalf("want ErrInvalid (future), got %v", err)
	}
	res, err = s.Submit(ctx, key, extrinsic.NewCall("System", "remark", []byte("now")))
	if err != nil || res.Nonce != nonce {
		t.Fatalf("next submission: %v, nonce %d want %d", err, res.Nonce, nonce)
	}
}

// Over HTTP there are no subscriptions: the extrinsic goes in with author_submitExtrinsic and inclusion is
// found by following heads (polled) and scanning blocks.
func TestDevnetHTTPFallback(t *testing.T) {
	needDevnet(t)
	ctx := ctxT(t)
	produce(t)
	c, err := chain.Dial(ctx, []string{dn.HTTPURL}, chain.Options{ReadyBlocks: -1, PollInterval: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close() }()
	s, err := extrinsic.NewSubmitter(c, extrinsic.Options{})
	if err != nil {
		t.Fatal(err)
	}
	key := fundedKey(ctx, t)
	to := freshAccount(t)
	const amount = 3_000_000_000
	res, err := s.Submit(ctx, key, transfer(to, amount))
	if err != nil {
		t.Fatal(err)
	}
	// The watched form was tried and refused by the HTTP transport itself (never sent); the plain form
	// went out once.
	stats := c.RPC().Stats().Methods
	if w := stats["author_submitAndWatchExtrinsic"]; !res.Scanned || stats["author_submitExtrinsic"].OK != 1 || w.OK+w.RPCErrors != 0 {
		t.Errorf("scanned %v; calls %+v", res.Scanned, stats)
	}
	if _, free := accountState(ctx, t, to, res.BlockHash.String()); free.Cmp(big.NewInt(amount)) != 0 {
		t.Errorf("recipient %s, want %d", free, amount)
	}
	checkEventsMatch(ctx, t, res)
}

// BeforeSend sees the built extrinsic before it is sent and can decline it: nothing reaches the node, the
// nonce is not used (polkadot-js sees it unchanged), and the next submission takes the same nonce.
func TestDevnetBeforeSendDeclines(t *testing.T) {
	needDevnet(t)
	ctx := ctxT(t)
	key := fundedKey(ctx, t)
	nonce, _ := accountState(ctx, t, key.PublicKey(), "")
	c0 := client.RPC().CallCount("author_submitAndWatchExtrinsic")
	declined := errors.New("superseded meanwhile")
	var seen extrinsic.Pending
	res, err := submitter.Submit(ctx, key, extrinsic.NewCall("System", "remark", []byte("declined")),
		extrinsic.BeforeSend(func(_ context.Context, p extrinsic.Pending) (func(), error) {
			seen = p
			return nil, declined
		}))
	if !errors.Is(err, extrinsic.ErrNotSent) || !errors.Is(err, declined) || res.Outcome != extrinsic.OutcomeNotSent {
		t.Fatalf("want ErrNotSent and the callback's error, got %v", err)
	}
	if seen.Hash != res.Hash || seen.Nonce != nonce || seen.Signer != key.PublicKey() || seen.EraEnd != res.EraEnd ||
		seen.Birth != res.Birth || seen.Call != "System.remark" {
		t.Errorf("callback saw %+v, result %+v", seen, res)
	}
	if n := client.RPC().CallCount("author_submitAndWatchExtrinsic"); n != c0 {
		t.Errorf("%d submissions, want none", n-c0)
	}
	produce(t)
	var doneCalled, doneBeforeInclusion bool
	res, err = submitter.Submit(ctx, key, extrinsic.NewCall("System", "remark", []byte("sent")),
		extrinsic.BeforeSend(func(context.Context, extrinsic.Pending) (func(), error) {
			return func() {
				doneCalled = true
				doneBeforeInclusion = client.RPC().CallCount("author_submitAndWatchExtrinsic") == c0+1
			}, nil
		}))
	if err != nil || res.Nonce != nonce || !doneCalled || !doneBeforeInclusion {
		t.Fatalf("second submission: %v, nonce %d want %d, done called %v", err, res.Nonce, nonce, doneCalled)
	}
	if n, _ := accountState(ctx, t, key.PublicKey(), ""); n != nonce+1 {
		t.Errorf("nonce %d, want %d", n, nonce+1)
	}
}

// A process records an extrinsic with BeforeSend, sends it, and loses sight of it before it is included
// (its context ends while the extrinsic waits in the pool, as when the process is killed). A new Submitter
// — a restarted process — tracks the record: it finds the extrinsic in the block that includes it, with the
// events polkadot-js sees, and sends nothing. The transfer happened exactly once.
func TestDevnetTrackAfterLosingSight(t *testing.T) {
	needDevnet(t)
	ctx := ctxT(t)
	key := fundedKey(ctx, t)
	to := freshAccount(t)
	const amount = 3_000_000_000
	first, err := extrinsic.NewSubmitter(client, extrinsic.Options{})
	if err != nil {
		t.Fatal(err)
	}
	recorded := make(chan extrinsic.Pending, 1)
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan submission, 1)
	go func() {
		res, err := first.Submit(sctx, key, transfer(to, amount), extrinsic.BeforeSend(func(_ context.Context, p extrinsic.Pending) (func(), error) {
			recorded <- p
			return nil, nil
		}))
		done <- submission{res, err}
	}()
	p := <-recorded
	if h := pendingOf(ctx, t, key.PublicKey()); h != p.Hash {
		t.Fatalf("pool holds %s, the record says %s", h, p.Hash)
	}
	cancel()
	if got := <-done; !errors.Is(got.err, context.Canceled) || got.res.Included() {
		t.Fatalf("first process: %v, %+v", got.err, got.res)
	}

	restarted, err := extrinsic.NewSubmitter(client, extrinsic.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c0 := client.RPC().CallCount("author_submitAndWatchExtrinsic") + client.RPC().CallCount("author_submitExtrinsic")
	produce(t)
	res, err := restarted.Track(ctx, p)
	if err != nil || !res.Included() || res.Outcome != extrinsic.OutcomeSuccess || res.Hash != p.Hash || !res.Scanned {
		t.Fatalf("track: %v, %+v", err, res)
	}
	if n := client.RPC().CallCount("author_submitAndWatchExtrinsic") + client.RPC().CallCount("author_submitExtrinsic"); n != c0 {
		t.Errorf("tracking sent %d extrinsics", n-c0)
	}
	evs := checkEventsMatch(ctx, t, res)
	if !hasEvent(evs, "balances.Transfer") {
		t.Errorf("events %v", evs)
	}
	if _, free := accountState(ctx, t, to, ""); free.Cmp(big.NewInt(amount)) != 0 {
		t.Errorf("recipient holds %s, want exactly one transfer of %d", free, amount)
	}
}

// A record of an extrinsic that never reached the node (declined before sending): tracking reads every
// block of its four-block era, does not find it, and says it can never be included.
func TestDevnetTrackEraExpired(t *testing.T) {
	needDevnet(t)
	ctx := ctxT(t)
	key := fundedKey(ctx, t)
	var p extrinsic.Pending
	_, err := submitter.Submit(ctx, key, extrinsic.NewCall("System", "remark", []byte("never sent")), extrinsic.WithEraPeriod(4),
		extrinsic.BeforeSend(func(_ context.Context, pending extrinsic.Pending) (func(), error) {
			p = pending
			return nil, errors.New("decline")
		}))
	if !errors.Is(err, extrinsic.ErrNotSent) {
		t.Fatal(err)
	}
	produce(t)
	res, err := submitter.Track(ctx, p)
	if !errors.Is(err, extrinsic.ErrEraExpired) || res.Outcome != extrinsic.OutcomeEraExpired || res.Included() {
		t.Fatalf("want ErrEraExpired, got %v (%+v)", err, res)
	}
	if head, _, herr := dn.Head(ctx); herr != nil || head < p.EraEnd || p.EraEnd != p.Birth+3 {
		t.Errorf("head %d, era %d–%d (%v)", head, p.Birth, p.EraEnd, herr)
	}
}
