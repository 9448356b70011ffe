package chain_test

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pylon-go/pylon/internal/chain"
	"github.com/pylon-go/pylon/internal/chain/metadata"
	"github.com/pylon-go/pylon/internal/chain/rpc"
	"github.com/pylon-go/pylon/internal/chain/scale"
	"github.com/pylon-go/pylon/internal/devnet"
)

// The devnet tests run the client against the real subtensor runtime (spec 218, and 204 → 218 for the
// upgrade) under Chopsticks and compare what it reads with the polkadot-js oracle, an independent
// implementation. The package's devnet starts on the first test that needs it (unit tests alone start
// nothing) and stops after the last test.
var (
	devnetOnce  sync.Once
	sharedNet   *devnet.Devnet
	sharedWorld *devnet.World
	errDevnet   error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if sharedNet != nil {
		if err := sharedNet.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "stopping the devnet:", err)
		}
	}
	os.Exit(code)
}

// worldOptions: one subnet of six neurons, two validators, three axons with certificates (≈ 20 blocks).
var worldOptions = devnet.Options{Subnets: []devnet.SubnetOptions{{}}, Neurons: 6, Validators: 2, Axons: 3}

// shared returns the package's devnet and world, starting them on first use.
func shared(t *testing.T) (*devnet.Devnet, *devnet.World) {
	t.Helper()
	devnetOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		start := time.Now()
		d, err := devnet.Start(ctx, devnet.Config{})
		if err != nil {
			errDevnet = err
			return
		}
		sharedNet = d
		sharedWorld, errDevnet = d.Bootstrap(ctx, worldOptions)
		fmt.Fprintf(os.Stderr, "devnet: started and bootstrapped in %s\n", time.Since(start).Round(time.Millisecond))
	})
	if errDevnet != nil {
		t.Fatalf("devnet: %v", errDevnet)
	}
	return sharedNet, sharedWorld
}

func ctxT(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// devnetOptions suit a Chopsticks devnet in Manual mode: blocks come only when a test builds them, so
// freshness and stall checks are off.
func devnetOptions() chain.Options {
	return chain.Options{
		BlockTime:   time.Second,
		ReadyBlocks: -1,
		RPC: rpc.Options{
			Backoff:          rpc.Backoff{Initial: 20 * time.Millisecond, Max: 200 * time.Millisecond},
			LagCheckInterval: -1,
		},
	}
}

func dialT(t *testing.T, urls []string, opts chain.Options) *chain.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := chain.Dial(ctx, urls, opts)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// accounts maps the world's SS58 addresses to public keys (the oracle speaks SS58; the chain layer knows
// only raw account ids and must not import the keys package).
func accounts(w *devnet.World) map[string][32]byte {
	out := map[string][32]byte{w.SudoAddress: mustKey("0xd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d")}
	for _, s := range w.Subnets {
		for i := range s.Neurons {
			n := &s.Neurons[i]
			out[n.Hotkey] = mustKey(n.HotkeyPublicKey)
			out[n.Coldkey] = mustKey(n.ColdkeyPublicKey)
		}
	}
	return out
}

func mustKey(s string) [32]byte {
	b, err := hex.DecodeString(strings.TrimPrefix(s, "0x"))
	if err != nil || len(b) != 32 {
		panic(fmt.Sprintf("bad key %q", s))
	}
	return [32]byte(b)
}

func hexOf(b []byte) string { return "0x" + hex.EncodeToString(b) }

// decimal renders an oracle number (JSON number or decimal/hex string) as a decimal string.
func decimal(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		if rest, ok := strings.CutPrefix(s, "0x"); ok {
			n, ok := new(big.Int).SetString(rest, 16)
			if !ok {
				t.Fatalf("bad hex number %s", raw)
			}
			return n.String()
		}
		return s
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil {
		t.Fatalf("not a number: %s", raw)
	}
	return n.String()
}

// The client follows blocks built with dev_newBlock; its locally computed hashes are the node's.
func TestDevnetHeadFollowsNewBlocks(t *testing.T) {
	d, _ := shared(t)
	ctx := ctxT(t)
	c := dialT(t, []string{d.URL}, devnetOptions())
	heads := c.SubscribeHeads(ctx)
	first := <-heads
	n, hash, err := d.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if first.Number != n || first.Hash.String() != hash {
		t.Fatalf("client head #%d %s, node #%d %s", first.Number, first.Hash, n, hash)
	}
	for i := range uint64(3) {
		want, err := d.NewBlock(ctx)
		if err != nil {
			t.Fatal(err)
		}
		h, err := c.WaitForBlock(ctx, n+i+1)
		if err != nil {
			t.Fatal(err)
		}
		if h.Hash.String() != want {
			t.Fatalf("block #%d: client %s, dev_newBlock %s", h.Number, h.Hash, want)
		}
		if got := <-heads; got.Number != h.Number || got.Hash != h.Hash {
			t.Fatalf("subscriber got #%d %s", got.Number, got.Hash)
		}
	}
	head := c.Head()
	ref, err := d.Oracle().Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ref.Number != head.Number || ref.Hash != head.Hash.String() {
		t.Fatalf("oracle head #%d %s, client #%d %s", ref.Number, ref.Hash, head.Number, head.Hash)
	}
	// Chopsticks finalises every block at once.
	fin := waitFinalised(t, c, head.Number)
	if fin.Hash != head.Hash {
		t.Fatalf("finalised %s, best %s", fin.Hash, head.Hash)
	}
	for k := head.Number - 3; k <= head.Number; k++ {
		got, err := c.BlockHash(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		want, err := d.BlockHash(ctx, k)
		if err != nil || got.String() != want {
			t.Fatalf("BlockHash(%d) = %s, node %s %v", k, got, want, err)
		}
		h, err := c.Header(ctx, got)
		if err != nil || h.Number != k || h.Hash() != got {
			t.Fatalf("Header(%s): #%d hashes to %s, %v", got, h.Number, h.Hash(), err)
		}
	}
	if _, err := c.BlockHash(ctx, head.Number+100); !errors.Is(err, chain.ErrBlockNotFound) {
		t.Fatalf("a future block: %v", err)
	}
	genesis, err := c.GenesisHash(ctx)
	if err != nil || genesis.String() != "0x"+strings.Repeat("45", 32) {
		t.Fatalf("genesis %s %v", genesis, err)
	}
	if err := c.Ready(ctx); err != nil {
		t.Fatal(err)
	}
}

func waitFinalised(t *testing.T, c *chain.Client, n uint64) chain.Head {
	t.Helper()
	ctx := ctxT(t)
	fins := c.SubscribeFinalizedHeads(ctx)
	for h := range fins {
		if h.Number >= n {
			return h
		}
	}
	t.Fatalf("finalised head never reached #%d: %v", n, ctx.Err())
	return chain.Head{}
}

// Storage reads of maps, double maps and plain FRAME items equal the oracle's at the same block.
func TestDevnetStorageMatchesOracle(t *testing.T) {
	d, w := shared(t)
	ctx := ctxT(t)
	o := d.Oracle()
	c := dialT(t, []string{d.URL}, devnetOptions())
	at := c.Head().Hash
	atHex := at.String()
	subnet := w.Subnets[0]
	netuid := subnet.Netuid

	var tempo uint16
	found, err := c.Storage(ctx, at, "SubtensorModule", "Tempo", &tempo, netuid)
	if err != nil || !found {
		t.Fatalf("Tempo: %v %v", found, err)
	}
	want, err := o.QueryWith(ctx, devnet.ReadOptions{At: atHex}, "query.subtensorModule.tempo", netuid)
	if err != nil || decimal(t, want) != strconv.Itoa(int(tempo)) || tempo != subnet.Tempo {
		t.Fatalf("Tempo %d, oracle %s, world %d, %v", tempo, want, subnet.Tempo, err)
	}

	for _, n := range subnet.Neurons {
		var uid uint16
		found, err := c.Storage(ctx, at, "SubtensorModule", "Uids", &uid, netuid, mustKey(n.HotkeyPublicKey))
		if err != nil || !found {
			t.Fatalf("Uids(%d, %s): %v %v", netuid, n.Hotkey, found, err)
		}
		oUID, ok, err := o.UID(ctx, netuid, n.Hotkey, atHex)
		if err != nil || !ok || oUID != uid {
			t.Fatalf("Uids(%d, %s) = %d, oracle %d %v %v", netuid, n.Hotkey, uid, oUID, ok, err)
		}
		var hotkey [32]byte
		if found, err := c.Storage(ctx, at, "SubtensorModule", "Keys", &hotkey, netuid, uid); err != nil || !found {
			t.Fatalf("Keys(%d, %d): %v %v", netuid, uid, found, err)
		}
		oKey, err := o.QueryWith(ctx, devnet.ReadOptions{At: atHex, Format: "hex"}, "query.subtensorModule.keys", netuid, uid)
		if err != nil || string(oKey) != `"`+hexOf(hotkey[:])+`"` {
			t.Fatalf("Keys(%d, %d) = %x, oracle %s %v", netuid, uid, hotkey, oKey, err)
		}
	}
	// An account that is not registered: absent, and dst untouched.
	uid := uint16(9999)
	if found, err := c.Storage(ctx, at, "SubtensorModule", "Uids", &uid, netuid, [32]byte{1, 2, 3}); err != nil || found || uid != 9999 {
		t.Fatalf("Uids of a stranger: %v %d %v", found, uid, err)
	}

	// System.Account of //Alice: u64 balances (DEVNET.md §9.4), decoded through the metadata.
	var acct struct {
		Nonce, Consumers, Providers, Sufficients uint32
		Data                                     struct {
			Free, Reserved, Frozen uint64
			Flags                  scale.Uint128
		}
	}
	alice := mustKey("0xd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d")
	if found, err := c.Storage(ctx, at, "System", "Account", &acct, alice); err != nil || !found {
		t.Fatalf("System.Account: %v %v", found, err)
	}
	raw, err := o.QueryWith(ctx, devnet.ReadOptions{At: atHex}, "query.system.account", w.SudoAddress)
	if err != nil {
		t.Fatal(err)
	}
	var oAcct struct {
		Nonce, Consumers, Providers, Sufficients json.RawMessage
		Data                                     struct{ Free, Reserved, Frozen, Flags json.RawMessage }
	}
	if err := json.Unmarshal(raw, &oAcct); err != nil {
		t.Fatal(err)
	}
	for name, pair := range map[string][2]string{
		"nonce":     {strconv.FormatUint(uint64(acct.Nonce), 10), decimal(t, oAcct.Nonce)},
		"providers": {strconv.FormatUint(uint64(acct.Providers), 10), decimal(t, oAcct.Providers)},
		"consumers": {strconv.FormatUint(uint64(acct.Consumers), 10), decimal(t, oAcct.Consumers)},
		"free":      {strconv.FormatUint(acct.Data.Free, 10), decimal(t, oAcct.Data.Free)},
		"reserved":  {strconv.FormatUint(acct.Data.Reserved, 10), decimal(t, oAcct.Data.Reserved)},
		"frozen":    {strconv.FormatUint(acct.Data.Frozen, 10), decimal(t, oAcct.Data.Frozen)},
		"flags":     {acct.Data.Flags.Big().String(), decimal(t, oAcct.Data.Flags)},
	} {
		if pair[0] != pair[1] {
			t.Errorf("System.Account %s: client %s, oracle %s", name, pair[0], pair[1])
		}
	}
	if acct.Nonce == 0 || acct.Data.Free == 0 {
		t.Errorf("Alice has sent transactions and holds funds: %+v", acct)
	}

	// A FRAME plain value through the helper.
	ts, err := c.Timestamp(ctx, at)
	if err != nil {
		t.Fatal(err)
	}
	oTS, err := o.QueryWith(ctx, devnet.ReadOptions{At: atHex}, "query.timestamp.now")
	if err != nil || decimal(t, oTS) != strconv.FormatInt(ts.UnixMilli(), 10) {
		t.Fatalf("Timestamp %d, oracle %s %v", ts.UnixMilli(), oTS, err)
	}
	if _, err := c.Storage(ctx, at, "SubtensorModule", "NoSuchItem", &uid); !errors.Is(err, chain.ErrNotInRuntime) {
		t.Fatalf("unknown item: %v", err)
	}
}

// Iterating a subnet's Keys and NeuronCertificates gives exactly the oracle's entries.
func TestDevnetMapIterationMatchesOracle(t *testing.T) {
	d, w := shared(t)
	ctx := ctxT(t)
	o := d.Oracle()
	opts := devnetOptions()
	opts.PageSize = 4 // several pages even for a small subnet
	c := dialT(t, []string{d.URL}, opts)
	at := c.Head().Hash
	netuid := w.Subnets[0].Netuid
	addr := accounts(w)

	got := map[uint16]string{}
	for it, err := range c.StorageIter(ctx, at, "SubtensorModule", "Keys", netuid) {
		if err != nil {
			t.Fatal(err)
		}
		var n, uid uint16
		var hotkey [32]byte
		if err := it.DecodeKey(0, &n); err != nil {
			t.Fatal(err)
		}
		if err := it.DecodeKey(1, &uid); err != nil {
			t.Fatal(err)
		}
		if err := it.Decode(&hotkey); err != nil {
			t.Fatal(err)
		}
		if n != netuid {
			t.Fatalf("entry of subnet %d", n)
		}
		got[uid] = hexOf(hotkey[:])
	}
	entries, err := o.Entries(ctx, "query.subtensorModule.keys", netuid)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(got) || len(got) != len(w.Subnets[0].Neurons) {
		t.Fatalf("client %d entries, oracle %d, world %d neurons", len(got), len(entries), len(w.Subnets[0].Neurons))
	}
	for _, e := range entries {
		var uid uint16
		var ss58 string
		if err := json.Unmarshal(e.Key[1], &uid); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(e.Value, &ss58); err != nil {
			t.Fatal(err)
		}
		key, ok := addr[ss58]
		if !ok || got[uid] != hexOf(key[:]) {
			t.Fatalf("Keys(%d, %d): client %s, oracle %s", netuid, uid, got[uid], ss58)
		}
	}
	if c.RPC().CallCount("state_getKeysPaged") < 2 {
		t.Fatal("one page only: paging not exercised")
	}

	type certificate struct {
		PublicKey []byte
		Algorithm uint8
	}
	certs := map[string]certificate{}
	for it, err := range c.StorageIter(ctx, at, "SubtensorModule", "NeuronCertificates", netuid) {
		if err != nil {
			t.Fatal(err)
		}
		var hotkey [32]byte
		if err := it.DecodeKey(1, &hotkey); err != nil {
			t.Fatal(err)
		}
		var cert certificate
		if err := it.Decode(&cert); err != nil {
			t.Fatal(err)
		}
		certs[hexOf(hotkey[:])] = cert
	}
	oCerts, err := o.Entries(ctx, "query.subtensorModule.neuronCertificates", netuid)
	if err != nil {
		t.Fatal(err)
	}
	if len(oCerts) == 0 || len(oCerts) != len(certs) {
		t.Fatalf("client %d certificates, oracle %d", len(certs), len(oCerts))
	}
	for _, e := range oCerts {
		var ss58 string
		var v struct {
			PublicKey string `json:"publicKey"`
			Algorithm uint8  `json:"algorithm"`
		}
		if err := json.Unmarshal(e.Key[1], &ss58); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(e.Value, &v); err != nil {
			t.Fatal(err)
		}
		key := addr[ss58]
		cert, ok := certs[hexOf(key[:])]
		if !ok || hexOf(cert.PublicKey) != v.PublicKey || cert.Algorithm != v.Algorithm {
			t.Fatalf("certificate of %s: client %x/%d, oracle %s/%d", ss58, cert.PublicKey, cert.Algorithm, v.PublicKey, v.Algorithm)
		}
	}
}

// get_neurons_lite on spec 218 (output declared as Vec<u8>) decodes into neurons equal to the oracle's.
func TestDevnetNeuronsLiteMatchOracle(t *testing.T) {
	d, w := shared(t)
	ctx := ctxT(t)
	c := dialT(t, []string{d.URL}, devnetOptions())
	at := c.Head().Hash
	netuid := w.Subnets[0].Netuid
	addr := accounts(w)

	rt, err := c.Runtime(ctx, at)
	if err != nil {
		t.Fatal(err)
	}
	m, err := chain.RuntimeAPIMethod(rt, "NeuronInfoRuntimeApi", "get_neurons_lite")
	if err != nil {
		t.Fatal(err)
	}
	if rt.SpecVersion != 218 || !m.ResultIsOpaqueBytes() {
		t.Fatalf("spec %d, output wrapped in Vec<u8>: %v", rt.SpecVersion, m.ResultIsOpaqueBytes())
	}
	var neurons []chain.NeuronLite
	if err := c.RuntimeCall(ctx, at, "NeuronInfoRuntimeApi", "get_neurons_lite", &neurons, netuid); err != nil {
		t.Fatal(err)
	}
	want, err := d.Oracle().NeuronsLite(ctx, netuid, at.String())
	if err != nil {
		t.Fatal(err)
	}
	if len(neurons) != len(want) || len(want) != len(w.Subnets[0].Neurons) {
		t.Fatalf("client %d neurons, oracle %d", len(neurons), len(want))
	}
	axons := 0
	for i, n := range neurons {
		o := want[i]
		hk, ck := addr[o.Hotkey], addr[o.Coldkey]
		a := n.AxonInfo
		mismatch := func(field string, got, want any) {
			t.Errorf("uid %d %s: client %v, oracle %v", n.UID, field, got, want)
		}
		switch {
		case n.Hotkey != hk:
			mismatch("hotkey", hexOf(n.Hotkey[:]), o.Hotkey)
		case n.Coldkey != ck:
			mismatch("coldkey", hexOf(n.Coldkey[:]), o.Coldkey)
		case n.UID != o.UID || n.Netuid != o.Netuid || n.Active != o.Active:
			mismatch("uid/netuid/active", []any{n.UID, n.Netuid, n.Active}, []any{o.UID, o.Netuid, o.Active})
		case a.Block != o.AxonInfo.Block || a.Version != o.AxonInfo.Version || a.Port != o.AxonInfo.Port ||
			a.IPType != o.AxonInfo.IPType || a.Protocol != o.AxonInfo.Protocol || a.IP.Big().String() != o.AxonInfo.IP:
			mismatch("axon", a, o.AxonInfo)
		case strconv.FormatUint(n.Emission, 10) != o.Emission || n.Incentive != o.Incentive ||
			n.Consensus != o.Consensus || n.Dividends != o.Dividends:
			mismatch("emission/incentive/consensus/dividends", []any{n.Emission, n.Incentive, n.Consensus, n.Dividends},
				[]any{o.Emission, o.Incentive, o.Consensus, o.Dividends})
		case n.LastUpdate != o.LastUpdate || n.ValidatorPermit != o.ValidatorPermit || n.PruningScore != o.PruningScore:
			mismatch("last_update/permit/pruning", []any{n.LastUpdate, n.ValidatorPermit, n.PruningScore},
				[]any{o.LastUpdate, o.ValidatorPermit, o.PruningScore})
		case len(n.Stake) != len(o.Stake):
			mismatch("stake entries", len(n.Stake), len(o.Stake))
		}
		for j, s := range n.Stake {
			if j < len(o.Stake) && (s.Coldkey != addr[o.Stake[j][0]] || strconv.FormatUint(s.Amount, 10) != o.Stake[j][1]) {
				mismatch("stake", s, o.Stake[j])
			}
		}
		if a.Port != 0 {
			axons++
		}
	}
	if axons == 0 {
		t.Fatal("no neuron with an axon: the comparison is too weak")
	}
}

// The events of a block holding a known extrinsic equal the oracle's: pallet and event names, phases, and
// the extrinsic's own events found by its hash.
func TestDevnetEventsMatchOracle(t *testing.T) {
	d, w := shared(t)
	ctx := ctxT(t)
	c := dialT(t, []string{d.URL}, devnetOptions())
	netuid := w.Subnets[0].Netuid
	tx, err := d.Sudo(ctx, "adminUtils.sudoSetServingRateLimit", netuid, 0)
	if err != nil {
		t.Fatal(err)
	}
	at, err := chain.ParseHash(tx.BlockHash)
	if err != nil {
		t.Fatal(err)
	}
	events, err := c.Events(ctx, at)
	if err != nil {
		t.Fatal(err)
	}
	want, err := d.Oracle().Events(ctx, tx.BlockHash)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != len(want) || len(events) == 0 {
		t.Fatalf("client %d events, oracle %d", len(events), len(want))
	}
	for i, e := range events {
		o := want[i]
		section := strings.ToLower(e.Pallet[:1]) + e.Pallet[1:]
		phase := e.Phase.Kind.String()
		if section != o.Section || e.Name != o.Method || phase != o.Phase ||
			(o.Index != nil && uint32(*o.Index) != e.Phase.ExtrinsicIndex) {
			t.Errorf("event %d: client %s.%s %s(%d), oracle %s.%s %s(%v)", i, e.Pallet, e.Name, phase,
				e.Phase.ExtrinsicIndex, o.Section, o.Method, o.Phase, o.Index)
		}
	}

	block, err := c.Block(ctx, at)
	if err != nil {
		t.Fatal(err)
	}
	txHash, err := chain.ParseHash(tx.Hash)
	if err != nil {
		t.Fatal(err)
	}
	idx, ok := block.FindExtrinsic(txHash)
	if !ok || idx != tx.Index {
		t.Fatalf("extrinsic %s at index %d %v, oracle %d", tx.Hash, idx, ok, tx.Index)
	}
	var names []string
	for _, e := range chain.ExtrinsicEvents(events, uint32(idx)) {
		names = append(names, e.Pallet+"."+e.Name)
	}
	if !contains(names, "Sudo.Sudid") || !contains(names, "System.ExtrinsicSuccess") {
		t.Fatalf("events of the sudo extrinsic: %v (oracle: %v)", names, tx.Events)
	}
	for _, e := range chain.ExtrinsicEvents(events, uint32(idx)) {
		if e.Pallet == "Sudo" && e.Name == "Sudid" {
			res, _ := e.Field("sudo_result")
			if v, ok := res.(metadata.Variant); !ok || v.Name != "Ok" {
				t.Fatalf("Sudid result %#v", res)
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
