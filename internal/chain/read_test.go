package chain

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/pylon-go/pylon/internal/chain/metadata"
	"github.com/pylon-go/pylon/internal/chain/rpc/rpctest"
	"github.com/pylon-go/pylon/internal/chain/scale"
)

// account is a deterministic 32-byte account id for fake storage.
func account(netuid, uid uint16) [32]byte {
	var a [32]byte
	for i := range a {
		a[i] = byte(int(netuid)*7 + int(uid)*13 + i)
	}
	a[0], a[1] = byte(uid), byte(uid>>8)
	return a
}

// spec343 returns the decoded spec-343 metadata the fake chain serves.
func spec343(t *testing.T, c *Client) *metadata.Metadata {
	t.Helper()
	rt, err := c.Runtime(testCtx(t), c.Head().Hash)
	if err != nil {
		t.Fatal(err)
	}
	return rt.Metadata
}

// Iterating a double map with a partial key pages through state_getKeysPaged (≤ 1000 keys a page) and reads
// each page's values with one state_queryStorageAt, yielding every entry of that first key and no other.
func TestStorageIterPages(t *testing.T) {
	f := newFakeChain(t)
	f.SetHead(3)
	c := dial(t, []string{f.URL()}, testOptions())
	md := spec343(t, c)
	keysEntry, err := md.StorageEntry("SubtensorModule", "Keys")
	if err != nil {
		t.Fatal(err)
	}
	const n = 2345
	for netuid, count := range map[uint16]uint16{1: n, 2: 17, 10: 3} {
		for uid := range count {
			k, err := keysEntry.Key(netuid, uid)
			if err != nil {
				t.Fatal(err)
			}
			a := account(netuid, uid)
			f.setStorage(k, a[:])
		}
	}
	ctx := testCtx(t)
	at := c.Head().Hash
	seen := make(map[uint16]bool)
	for it, err := range c.StorageIter(ctx, at, "SubtensorModule", "Keys", uint16(1)) {
		if err != nil {
			t.Fatal(err)
		}
		var netuid, uid uint16
		if err := it.DecodeKey(0, &netuid); err != nil {
			t.Fatal(err)
		}
		if err := it.DecodeKey(1, &uid); err != nil {
			t.Fatal(err)
		}
		var acct [32]byte
		if err := it.Decode(&acct); err != nil {
			t.Fatal(err)
		}
		if netuid != 1 || acct != account(1, uid) || seen[uid] {
			t.Fatalf("entry netuid %d uid %d (seen before: %v) value %x", netuid, uid, seen[uid], acct)
		}
		if v, ok := it.Keys[1].Value.(uint16); !ok || v != uid {
			t.Fatalf("key part value %v", it.Keys[1].Value)
		}
		seen[uid] = true
	}
	if len(seen) != n {
		t.Fatalf("%d entries, want %d", len(seen), n)
	}
	if got := c.RPC().CallCount("state_getKeysPaged"); got != 3 {
		t.Fatalf("%d key pages, want 3", got)
	}
	if got := c.RPC().CallCount("state_queryStorageAt"); got != 3 {
		t.Fatalf("%d value batches, want 3", got)
	}

	// The whole map, and an early stop after one page.
	total := 0
	for _, err := range c.StorageIter(ctx, at, "SubtensorModule", "Keys") {
		if err != nil {
			t.Fatal(err)
		}
		total++
	}
	if total != n+17+3 {
		t.Fatalf("whole map: %d entries", total)
	}
	pages := c.RPC().CallCount("state_getKeysPaged")
	for _, err := range c.StorageIter(ctx, at, "SubtensorModule", "Keys", uint16(1)) {
		if err != nil {
			t.Fatal(err)
		}
		break
	}
	if got := c.RPC().CallCount("state_getKeysPaged") - pages; got != 1 {
		t.Fatalf("an early stop read %d pages", got)
	}

	// Exactly one full page: the empty second page ends the iteration.
	opts := testOptions()
	opts.PageSize = 17
	c2 := dial(t, []string{f.URL()}, opts)
	count := 0
	for _, err := range c2.StorageIter(ctx, at, "SubtensorModule", "Keys", uint16(2)) {
		if err != nil {
			t.Fatal(err)
		}
		count++
	}
	if count != 17 || c2.RPC().CallCount("state_getKeysPaged") != 2 {
		t.Fatalf("%d entries in %d pages", count, c2.RPC().CallCount("state_getKeysPaged"))
	}

	for _, err := range c.StorageIter(ctx, at, "SubtensorModule", "NoSuchItem") {
		if !errors.Is(err, ErrNotInRuntime) || !errors.Is(err, metadata.ErrNotFound) {
			t.Fatalf("unknown item: %v", err)
		}
		t.Log(err)
	}
	for _, err := range c.StorageIter(ctx, at, "Timestamp", "Now") {
		if err == nil || !strings.Contains(err.Error(), "plain value") {
			t.Fatalf("plain value iterated: %v", err)
		}
	}
}

func TestStorageDefaultsAndOptional(t *testing.T) {
	f := newFakeChain(t)
	f.SetHead(2)
	c := dial(t, []string{f.URL()}, testOptions())
	md := spec343(t, c)
	ctx := testCtx(t)
	at := c.Head().Hash

	// ValueQuery: an absent value reads as the declared default.
	tempo, err := md.StorageEntry("SubtensorModule", "Tempo")
	if err != nil || tempo.Modifier != metadata.DefaultValue {
		t.Fatalf("Tempo: %v", err)
	}
	var wantDefault uint16
	if err := scale.Unmarshal(tempo.Default, &wantDefault); err != nil {
		t.Fatal(err)
	}
	var got uint16
	found, err := c.Storage(ctx, at, "SubtensorModule", "Tempo", &got, uint16(1))
	if err != nil || found || got != wantDefault {
		t.Fatalf("absent Tempo: found %v, %d (default %d), %v", found, got, wantDefault, err)
	}
	k, err := tempo.Key(uint16(1))
	if err != nil {
		t.Fatal(err)
	}
	f.setStorage(k, u16LE(99))
	found, err = c.Storage(ctx, at, "SubtensorModule", "Tempo", &got, uint16(1))
	if err != nil || !found || got != 99 {
		t.Fatalf("Tempo: found %v, %d, %v", found, got, err)
	}
	key, err := c.StorageKey(ctx, at, "SubtensorModule", "Tempo", uint16(1))
	if err != nil || !bytes.Equal(key, k) {
		t.Fatalf("StorageKey %x, %v", key, err)
	}
	// CHAIN.md §4: the Tempo prefix.
	if want := "658faa385070e074c85bf6b568cf05557641384bb339f3758acddfd7053d3317"; !strings.HasPrefix(hex.EncodeToString(key), want) {
		t.Fatalf("key %x", key)
	}

	// OptionQuery: an absent value leaves dst alone.
	uids, err := md.StorageEntry("SubtensorModule", "Uids")
	if err != nil || uids.Modifier != metadata.Optional {
		t.Fatalf("Uids: %v", err)
	}
	uid := uint16(7777)
	hotkey := account(1, 3)
	found, err = c.Storage(ctx, at, "SubtensorModule", "Uids", &uid, uint16(1), hotkey)
	if err != nil || found || uid != 7777 {
		t.Fatalf("absent Uids: found %v, %d, %v", found, uid, err)
	}

	if _, err := c.Storage(ctx, at, "SubtensorModule", "NoSuchItem", &uid); !errors.Is(err, ErrNotInRuntime) {
		t.Fatalf("unknown item: %v", err)
	}
	if _, err := c.Storage(ctx, hashOf(50), "SubtensorModule", "Tempo", &got, uint16(1)); !errors.Is(err, ErrBlockNotFound) {
		t.Fatalf("unknown block: %v", err)
	}
}

// neuronLite stands in for the type internal/subtensor will own: field names match the Rust names for typed
// results, `scale` tags describe the layout for Vec<u8>-wrapped ones.
type neuronLite struct {
	Hotkey   [32]byte
	Coldkey  [32]byte
	UID      uint16 `scale:",compact"`
	Netuid   uint16 `scale:",compact"`
	Active   bool
	AxonInfo struct {
		Block        uint64
		Version      uint32
		IP           scale.Uint128
		Port         uint16
		IPType       uint8
		Protocol     uint8
		Placeholder1 uint8
		Placeholder2 uint8
	}
	PrometheusInfo struct {
		Block   uint64
		Version uint32
		IP      scale.Uint128
		Port    uint16
		IPType  uint8
	}
	Stake []struct {
		Coldkey [32]byte
		Amount  uint64 `scale:",compact"`
	}
	Rank            uint16 `scale:",compact"`
	Emission        uint64 `scale:",compact"`
	Incentive       uint16 `scale:",compact"`
	Consensus       uint16 `scale:",compact"`
	Trust           uint16 `scale:",compact"`
	ValidatorTrust  uint16 `scale:",compact"`
	Dividends       uint16 `scale:",compact"`
	LastUpdate      uint64 `scale:",compact"`
	ValidatorPermit bool
	PruningScore    uint16 `scale:",compact"`
}

// The recorded spec-343 get_neurons_lite answer for netuid 1 at block 6,852,690, fetched and decoded through
// RuntimeCall: 1024 neurons in uid order, and uid 0's axon as CHAIN.md §11 records it.
func TestRuntimeCallRecordedNeuronsLite(t *testing.T) {
	rec := loadRecordings(t)
	const block = "0xdb13c066e2c63969f140164fb3bfe7a0aaa7b71407fc0fe525d68e57329ef9d0"
	var answer string
	if err := jsonUnmarshal(rec.recordedResult(t, "metagraph", "state_call",
		`["NeuronInfoRuntimeApi_get_neurons_lite", "0100", "`+block+`"]`), &answer); err != nil {
		t.Fatal(err)
	}
	f := newFakeChain(t)
	var gotArgs []byte
	f.setStateCall(func(name string, args []byte) (any, *rpctest.Error) {
		if name != "NeuronInfoRuntimeApi_get_neurons_lite" {
			return nil, &rpctest.Error{Code: 4003, Message: "Client error: Execution failed: Other: Exported method " + name + " is not found"}
		}
		gotArgs = args
		return answer, nil
	})
	c := dial(t, []string{f.URL()}, testOptions())
	var neurons []neuronLite
	if err := c.RuntimeCall(testCtx(t), c.Head().Hash, "NeuronInfoRuntimeApi", "get_neurons_lite", &neurons, uint16(1)); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(gotArgs, []byte{1, 0}) {
		t.Fatalf("arguments %x, want 0100", gotArgs)
	}
	if len(neurons) != 1024 {
		t.Fatalf("%d neurons", len(neurons))
	}
	for i, n := range neurons {
		if int(n.UID) != i || n.Netuid != 1 {
			t.Fatalf("neuron %d: uid %d netuid %d", i, n.UID, n.Netuid)
		}
	}
	a := neurons[0].AxonInfo
	if a.Block != 6575906 || a.Version != 9011001 || a.IP != scale.Uint128From64(3235789677) || a.Port != 6028 || a.IPType != 4 || a.Protocol != 4 {
		t.Fatalf("uid 0 axon %+v", a)
	}

	err := c.RuntimeCall(testCtx(t), c.Head().Hash, "NeuronInfoRuntimeApi", "no_such_method", &neurons)
	if !errors.Is(err, ErrNotInRuntime) || !strings.Contains(err.Error(), "NeuronInfoRuntimeApi_no_such_method") || !strings.Contains(err.Error(), "343") {
		t.Fatalf("missing method: %v", err)
	}
	raw, err := c.RuntimeCallRaw(testCtx(t), c.Head().Hash, "NoSuchApi_method", nil)
	if err == nil || errors.Is(err, ErrUnknownBlock) {
		t.Fatalf("raw call of a missing method: %x, %v", raw, err)
	}
}

// A runtime upgrade announced by the node is counted, and the new runtime's metadata is loaded before anyone
// asks. The upgrade block itself is decoded with its parent's runtime.
func TestRuntimeUpgradeFollowed(t *testing.T) {
	f := newFakeChain(t)
	f.setSpecAt(func(n uint64) uint32 {
		if n < 4 {
			return 318
		}
		return 343 // block 4 carries the new code
	})
	f.SetHead(3)
	c := dial(t, []string{f.URL()}, testOptions())
	if c.RPC().CallCount("state_call") != 1 {
		t.Fatal("metadata not loaded once at Dial")
	}
	f.SetHead(4)
	f.announceRuntime()
	eventually(t, "the upgrade is counted", func() bool { return counterValue(c.m.upgrades) == 1 })
	eventually(t, "the new metadata is loaded", func() bool { return c.RPC().CallCount("state_call") == 2 })

	ctx := testCtx(t)
	rt, err := c.Runtime(ctx, hashOf(4))
	if err != nil || rt.SpecVersion != 343 {
		t.Fatalf("Runtime(4): %v", err)
	}
	brt, err := c.BlockRuntime(ctx, hashOf(4))
	if err != nil || brt.SpecVersion != 318 {
		t.Fatalf("BlockRuntime(4): %v", err)
	}
	brt, err = c.BlockRuntime(ctx, hashOf(5))
	if err == nil {
		t.Fatalf("BlockRuntime of a block beyond the head: spec %d", brt.SpecVersion)
	}
	f.SetHead(5)
	brt, err = c.BlockRuntime(ctx, hashOf(5))
	if err != nil || brt.SpecVersion != 343 {
		t.Fatalf("BlockRuntime(5): %v", err)
	}
	if c.RPC().CallCount("state_call") != 2 {
		t.Fatal("metadata fetched again")
	}
}
