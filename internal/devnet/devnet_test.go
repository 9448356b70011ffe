package devnet

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	schnorrkel "github.com/ChainSafe/go-schnorrkel"
)

// One devnet for the package, bootstrapped with the default world; the determinism and upgrade
// tests start their own chains.
var (
	dn    *Devnet
	world *World
)

func TestMain(m *testing.M) {
	os.Exit(RunTests(m, Config{}, func(ctx context.Context, d *Devnet) error {
		start := time.Now()
		w, err := d.Bootstrap(ctx, Options{})
		dn, world = d, w
		if err == nil {
			fmt.Fprintf(os.Stderr, "devnet: bootstrap of the default world took %s (in-script %d ms)\n", time.Since(start).Round(time.Millisecond), w.ElapsedMs)
		}
		return err
	}))
}

func ctxT(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func TestDefaultWorld(t *testing.T) {
	if world.SpecVersion != 218 || world.Sudo != "//Alice" || world.SudoAddress != "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY" {
		t.Fatalf("world header: spec %d sudo %s %s", world.SpecVersion, world.Sudo, world.SudoAddress)
	}
	if world.GenesisHash != "0x"+strings.Repeat("45", 32) {
		t.Errorf("genesis hash %s", world.GenesisHash)
	}
	if len(world.Subnets) != 2 {
		t.Fatalf("%d subnets, want 2", len(world.Subnets))
	}
	for i, s := range world.Subnets {
		wantNetuid, wantCR := uint16(2+i), i == 1
		if s.Netuid != wantNetuid || s.CommitReveal != wantCR || s.Tempo != 10 || s.WeightsRateLimit != 0 || s.MaxAllowedValidators != 4 {
			t.Errorf("subnet %d: %+v", i, s)
		}
		if len(s.Neurons) != 16 {
			t.Fatalf("subnet %d: %d neurons", s.Netuid, len(s.Neurons))
		}
		if s.Owner.Hotkey != s.Neurons[0].Hotkey || s.Owner.Coldkey != s.Neurons[0].Coldkey {
			t.Errorf("subnet %d: owner %+v is not neuron 0", s.Netuid, s.Owner)
		}
		var prevStake uint64
		for j, n := range s.Neurons {
			if int(n.UID) != j || n.Index != j {
				t.Errorf("subnet %d neuron %d: uid %d", s.Netuid, j, n.UID)
			}
			stake, err := strconv.ParseUint(n.Stake, 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			if n.Validator != (j < 4) || (n.Validator && stake == 0) {
				t.Errorf("subnet %d uid %d: validator %v stake %d", s.Netuid, n.UID, n.Validator, stake)
			}
			// Distinct, decreasing stakes rank the validators unambiguously.
			if j > 0 && n.Validator && stake >= prevStake {
				t.Errorf("subnet %d uid %d: stake %d not below uid %d's %d", s.Netuid, n.UID, stake, j-1, prevStake)
			}
			prevStake = stake
			// Spec 218 runs epoch_mock every block: every neuron holds a permit (devnet/README.md).
			if !n.ValidatorPermit {
				t.Errorf("subnet %d uid %d: no validator permit", s.Netuid, n.UID)
			}
			hasAxon := j < 6
			if (n.Axon != nil) != hasAxon || (n.Certificate != nil) != hasAxon {
				t.Errorf("subnet %d uid %d: axon %v certificate %v", s.Netuid, n.UID, n.Axon, n.Certificate)
			}
			if n.Axon != nil && !strings.HasPrefix(n.Axon.IP, "203.0.113.") && !strings.HasPrefix(n.Axon.IP, "198.51.100.") {
				t.Errorf("subnet %d uid %d: axon ip %s", s.Netuid, n.UID, n.Axon.IP)
			}
		}
	}
}

// The oracle reads back what the bootstrap intended: hotkeys by uid, permits, axons, certificates,
// and the runtime API's view of the same neurons.
func TestOracleReadsBackWorld(t *testing.T) {
	ctx := ctxT(t)
	o := dn.Oracle()
	for _, s := range world.Subnets {
		hotkeys, err := o.Hotkeys(ctx, s.Netuid, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(hotkeys) != len(s.Neurons) {
			t.Fatalf("subnet %d: %d hotkeys on chain, %d in the world", s.Netuid, len(hotkeys), len(s.Neurons))
		}
		permits, err := o.ValidatorPermits(ctx, s.Netuid, "")
		if err != nil {
			t.Fatal(err)
		}
		lite, err := o.NeuronsLite(ctx, s.Netuid, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(lite) != len(s.Neurons) {
			t.Fatalf("subnet %d: get_neurons_lite has %d neurons", s.Netuid, len(lite))
		}
		for _, n := range s.Neurons {
			if hotkeys[n.UID].UID != n.UID || hotkeys[n.UID].Hotkey != n.Hotkey {
				t.Errorf("subnet %d uid %d: Keys has %+v, world %s", s.Netuid, n.UID, hotkeys[n.UID], n.Hotkey)
			}
			uid, ok, err := o.UID(ctx, s.Netuid, n.Hotkey, "")
			if err != nil || !ok || uid != n.UID {
				t.Errorf("subnet %d: Uids(%s) = %d %v %v", s.Netuid, n.Hotkey, uid, ok, err)
			}
			if permits[n.UID] != n.ValidatorPermit {
				t.Errorf("subnet %d uid %d: permit %v, world %v", s.Netuid, n.UID, permits[n.UID], n.ValidatorPermit)
			}
			l := lite[n.UID]
			if l.Hotkey != n.Hotkey || l.Coldkey != n.Coldkey || l.UID != n.UID || l.Netuid != s.Netuid || l.ValidatorPermit != n.ValidatorPermit {
				t.Errorf("subnet %d uid %d: neuron lite %+v", s.Netuid, n.UID, l)
			}
			axon, err := o.Axon(ctx, s.Netuid, n.Hotkey, "")
			if err != nil {
				t.Fatal(err)
			}
			cert, err := o.Certificate(ctx, s.Netuid, n.Hotkey, "")
			if err != nil {
				t.Fatal(err)
			}
			if n.Axon == nil {
				if axon != nil || cert != nil || l.AxonInfo.Port != 0 {
					t.Errorf("subnet %d uid %d: unexpected axon %+v / certificate %+v", s.Netuid, n.UID, axon, cert)
				}
				continue
			}
			if axon == nil || *axon != *n.Axon || axon.IPType != 4 {
				t.Errorf("subnet %d uid %d: axon %+v, world %+v", s.Netuid, n.UID, axon, n.Axon)
			}
			if l.AxonInfo.IP != n.Axon.IPInt || l.AxonInfo.Port != n.Axon.Port {
				t.Errorf("subnet %d uid %d: neuron lite axon %+v", s.Netuid, n.UID, l.AxonInfo)
			}
			if cert == nil || cert.Algorithm != 1 || cert.PublicKey != n.Certificate.PublicKey {
				t.Errorf("subnet %d uid %d: certificate %+v, world %+v", s.Netuid, n.UID, cert, n.Certificate)
			}
		}
	}
}

type keyfile struct {
	AccountID   string `json:"accountId"`
	PublicKey   string `json:"publicKey"`
	PrivateKey  string `json:"privateKey"`
	SecretSeed  string `json:"secretSeed"`
	SS58Address string `json:"ss58Address"`
}

func readKeyfile(t *testing.T, path string) keyfile {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("%s: mode %v, want 0600", path, st.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var kf keyfile
	if err := json.Unmarshal(b, &kf); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return kf
}

func hex32(t *testing.T, s string) [32]byte {
	t.Helper()
	b, err := hex.DecodeString(strings.TrimPrefix(s, "0x"))
	if err != nil || len(b) != 32 {
		t.Fatalf("want 32 bytes of 0x hex, got %q (%v)", s, err)
	}
	return [32]byte(b)
}

// The wallet files load with an independent sr25519 implementation (go-schnorrkel): secretSeed by
// Ed25519 expansion and privateKey as schnorrkel key ‖ nonce give the registered hotkey.
func TestWalletsMatchChain(t *testing.T) {
	ctx := ctxT(t)
	for _, s := range world.Subnets {
		for _, n := range s.Neurons {
			kf := readKeyfile(t, world.HotkeyFile(n))
			if kf.SS58Address != n.Hotkey || kf.PublicKey != n.HotkeyPublicKey || kf.AccountID != n.HotkeyPublicKey || kf.SecretSeed != n.HotkeySeed {
				t.Fatalf("%s: %+v does not match the world's neuron %+v", world.HotkeyFile(n), kf, n)
			}
			uid, ok, err := dn.Oracle().UID(ctx, s.Netuid, kf.SS58Address, "")
			if err != nil || !ok || uid != n.UID {
				t.Fatalf("hotkey file %s: registered as uid %d %v %v", world.HotkeyFile(n), uid, ok, err)
			}
			mini, err := schnorrkel.NewMiniSecretKeyFromRaw(hex32(t, kf.SecretSeed))
			if err != nil {
				t.Fatal(err)
			}
			fromSeed, err := mini.ExpandEd25519().Public()
			if err != nil {
				t.Fatal(err)
			}
			priv, err := hex.DecodeString(strings.TrimPrefix(kf.PrivateKey, "0x"))
			if err != nil || len(priv) != 64 {
				t.Fatalf("privateKey %q", kf.PrivateKey)
			}
			fromPriv, err := schnorrkel.NewSecretKey([32]byte(priv[:32]), [32]byte(priv[32:])).Public()
			if err != nil {
				t.Fatal(err)
			}
			want := hex32(t, kf.PublicKey)
			if fromSeed.Encode() != want || fromPriv.Encode() != want {
				t.Fatalf("%s: keys derive to %x / %x, publicKey %x", world.HotkeyFile(n), fromSeed.Encode(), fromPriv.Encode(), want)
			}
			pub := readKeyfile(t, world.HotkeyFile(n)+"pub.txt")
			if pub.SecretSeed != "" || pub.PrivateKey != "" || pub.SS58Address != n.Hotkey {
				t.Fatalf("public hotkey file %+v", pub)
			}
			cold := readKeyfile(t, world.WalletDir+"/"+n.Wallet+"/coldkeypub.txt")
			if cold.SS58Address != n.Coldkey || cold.SecretSeed != "" {
				t.Fatalf("coldkeypub.txt %+v, want %s", cold, n.Coldkey)
			}
		}
	}
}

func TestSudoTxAndBlocks(t *testing.T) {
	ctx := ctxT(t)
	o := dn.Oracle()
	if _, err := dn.Sudo(ctx, "adminUtils.sudoSetWeightsSetRateLimit", 2, 5); err != nil {
		t.Fatal(err)
	}
	got, err := o.Query(ctx, "query.subtensorModule.weightsSetRateLimit", 2)
	if err != nil || string(got) != "5" {
		t.Fatalf("WeightsSetRateLimit(2) = %s %v, want 5", got, err)
	}
	if _, err := dn.Sudo(ctx, "adminUtils.sudoSetWeightsSetRateLimit", 2, 0); err != nil {
		t.Fatal(err)
	}

	// A failing setup call reports the module error.
	_, err = dn.Sudo(ctx, "adminUtils.sudoSetTempo", 99, 5)
	if err == nil || !IsOracleError(err) || !strings.Contains(err.Error(), "SubnetDoesNotExist") {
		t.Fatalf("sudoSetTempo on a missing subnet: %v", err)
	}

	// A neuron's hotkey seed signs; the weights read back max-upscaled (DEVNET.md §5.7).
	n := world.Subnets[0].Neurons[1]
	res, err := dn.Tx(ctx, n.HotkeySeed, "subtensorModule.setWeights", 2, []int{0, 2}, []int{100, 200}, 0)
	if err != nil {
		t.Fatal(err)
	}
	events, err := o.Events(ctx, res.BlockHash)
	if err != nil {
		t.Fatal(err)
	}
	var weightsSet bool
	for _, e := range events {
		weightsSet = weightsSet || (e.Name() == "subtensorModule.WeightsSet" && e.Index != nil && *e.Index == res.Index)
	}
	if !weightsSet {
		t.Errorf("no WeightsSet event for extrinsic %d in %v", res.Index, events)
	}
	w, err := o.Weights(ctx, 2, n.UID, "")
	if err != nil {
		t.Fatal(err)
	}
	if want := []UIDWeight{{0, 32768}, {2, 65535}}; !reflect.DeepEqual(w, want) {
		t.Errorf("Weights(2, %d) = %v, want %v", n.UID, w, want)
	}

	before, _, err := dn.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	hash, err := dn.NewBlocks(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	after, headHash, err := dn.Head(ctx)
	if err != nil || after != before+3 || headHash != hash {
		t.Fatalf("head %d %s after 3 blocks from %d (dev_newBlock said %s): %v", after, headHash, before, hash, err)
	}
}

func TestProduceBlocks(t *testing.T) {
	ctx := ctxT(t)
	start, _, err := dn.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	stop := dn.ProduceBlocks(100 * time.Millisecond)
	defer stop()
	for {
		n, _, err := dn.Head(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n >= start+2 {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("head stayed at %d: %v", n, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
	stop()
	n1, _, _ := dn.Head(ctx)
	n2, _, _ := dn.Head(ctx)
	if n1 != n2 {
		t.Errorf("blocks still produced after stop: %d → %d", n1, n2)
	}
}

func TestOracleSurvivesManyQueries(t *testing.T) {
	ctx := ctxT(t)
	o := dn.Oracle()
	s := world.Subnets[1]
	var wg sync.WaitGroup
	errs := make(chan error, 400)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				n := s.Neurons[(g*50+i)%len(s.Neurons)]
				uid, ok, err := o.UID(ctx, s.Netuid, n.Hotkey, "")
				if err != nil || !ok || uid != n.UID {
					errs <- fmt.Errorf("query %d/%d: uid %d %v: %w", g, i, uid, ok, err)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// Errors do not break the process either.
	if _, err := o.Query(ctx, "query.noSuchPallet.item"); err == nil || !IsOracleError(err) {
		t.Errorf("unknown storage item: %v", err)
	}
	if err := o.Ping(ctx); err != nil {
		t.Fatal(err)
	}
}

// Generic forms other packages use for anything without a convenience read.
func TestOracleGenericReads(t *testing.T) {
	ctx := ctxT(t)
	o := dn.Oracle()
	head, err := o.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tempo, err := o.QueryWith(ctx, ReadOptions{At: head.Hash}, "query.subtensorModule.tempo", 3)
	if err != nil || string(tempo) != "10" {
		t.Fatalf("Tempo(3) = %s %v", tempo, err)
	}
	keys, err := o.Entries(ctx, "query.subtensorModule.keys", 3)
	if err != nil || len(keys) != 16 {
		t.Fatalf("Keys(3, *): %d entries, %v", len(keys), err)
	}
	lite, err := o.CallWith(ctx, ReadOptions{Decode: "NeuronInfoLite"}, "call.neuronInfoRuntimeApi.getNeuronLite", 3, 1)
	if err != nil {
		t.Fatal(err)
	}
	var one struct {
		Hotkey string `json:"hotkey"`
		UID    int    `json:"uid"`
	}
	if err := json.Unmarshal(lite, &one); err != nil || one.UID != 1 || one.Hotkey != world.Subnets[1].Neurons[1].Hotkey {
		t.Errorf("get_neuron_lite(3, 1) = %s (%v)", lite, err)
	}
	ed, err := o.Const(ctx, "consts.balances.existentialDeposit")
	if err != nil || string(ed) != "500" {
		t.Errorf("existential deposit %s %v", ed, err)
	}
	rv, err := o.RuntimeVersion(ctx, "")
	if err != nil || rv.SpecVersion != 218 || rv.SpecName != "node-subtensor" {
		t.Errorf("runtime version %+v %v", rv, err)
	}
	commits, err := o.WeightCommits(ctx, 3, world.Subnets[1].Neurons[0].Hotkey, "")
	if err != nil || len(commits) != 0 {
		t.Errorf("commits %v %v", commits, err)
	}
}

// An unknown block hash stays unknown (devnet/genesis-guard.cjs) and does not change the genesis
// hash that later clients sign with.
func TestUnknownBlockHash(t *testing.T) {
	ctx := ctxT(t)
	zero := "0x" + strings.Repeat("00", 32)
	var header json.RawMessage
	err := dn.RPC(ctx, "chain_getHeader", []any{zero}, &header)
	if err == nil && string(header) != "null" {
		t.Errorf("header of an unknown hash: %s", header)
	}
	var rpcErr *RPCError
	if err != nil && !errors.As(err, &rpcErr) {
		t.Errorf("header of an unknown hash: %v", err)
	}
	genesis, err := dn.BlockHash(ctx, 0)
	if err != nil || genesis != "0x"+strings.Repeat("45", 32) {
		t.Fatalf("genesis hash after an unknown-hash request: %s %v", genesis, err)
	}
}

func TestMissingTools(t *testing.T) {
	_, err := Start(context.Background(), Config{RepoRoot: t.TempDir()})
	if !errors.Is(err, ErrNodeModulesMissing) || !strings.Contains(err.Error(), "npm ci --ignore-scripts") {
		t.Errorf("without node_modules: %v", err)
	}
	t.Setenv("PATH", t.TempDir())
	_, err = Start(context.Background(), Config{})
	if !errors.Is(err, ErrNodeMissing) {
		t.Errorf("without node: %v", err)
	}
}

// stripRun strips what differs between runs: block hashes and timings.
func stripRun(w World) World {
	w.Block.Hash, w.ElapsedMs, w.WalletDir, w.Steps = "", 0, "", nil
	return w
}

// lineDiff lists the lines of the indented JSON forms that differ (enough to spot the field).
func lineDiff(a, b any) string {
	ja, _ := json.MarshalIndent(a, "", " ")
	jb, _ := json.MarshalIndent(b, "", " ")
	la, lb := strings.Split(string(ja), "\n"), strings.Split(string(jb), "\n")
	var out []string
	for i := 0; i < max(len(la), len(lb)) && len(out) < 40; i++ {
		var x, y string
		if i < len(la) {
			x = la[i]
		}
		if i < len(lb) {
			y = lb[i]
		}
		if x != y {
			out = append(out, fmt.Sprintf("line %d: %s | %s", i+1, strings.TrimSpace(x), strings.TrimSpace(y)))
		}
	}
	return strings.Join(out, "\n")
}

// Two fresh chains, the same options: the same world (keys, netuids, uids, stakes, axons), and
// Stop frees the port.
//
// The second chain loses the block Chopsticks builds while starting (as on a loaded machine, where
// Aura's slot check can lose to the wall clock): the bootstrap must build it, and the world must not
// notice.
func TestDeterministicWorld(t *testing.T) {
	t.Parallel()
	ctx := ctxT(t)
	d := StartT(t, Config{Preload: []string{filepath.Join("testdata", "lose-first-block.cjs")}})
	if n, _, err := d.Head(ctx); err != nil || n != 0 {
		t.Fatalf("head of the chain that lost its first block: #%d, %v; want #0", n, err)
	}
	w, err := d.Bootstrap(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Steps) == 0 || w.Steps[0] != "start at #1" {
		t.Errorf("steps %q, want the bootstrap to start at #1", w.Steps)
	}
	t.Logf("steps of the shared world: %q; of this one: %q", world.Steps, w.Steps)
	if a, b := stripRun(*world), stripRun(*w); !reflect.DeepEqual(a, b) {
		t.Fatalf("worlds differ:\n%s\nsteps of the first: %q\nsteps of the second: %q", lineDiff(a, b), world.Steps, w.Steps)
	}
	for _, s := range w.Subnets {
		h1, err1 := dn.Oracle().Hotkeys(ctx, s.Netuid, "")
		h2, err2 := d.Oracle().Hotkeys(ctx, s.Netuid, "")
		if err1 != nil || err2 != nil || !reflect.DeepEqual(h1, h2) {
			t.Errorf("subnet %d: Keys differ between chains (%v %v)", s.Netuid, err1, err2)
		}
	}

	port := d.Port
	if err := d.Stop(); err != nil {
		t.Fatal(err)
	}
	if d.Alive() {
		t.Fatal("chopsticks still running after Stop")
	}
	l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatalf("port %d not free after Stop: %v", port, err)
	}
	_ = l.Close()
}

// A real runtime upgrade 204 → 218 on a bootstrapped chain.
func TestRuntimeUpgrade(t *testing.T) {
	t.Parallel()
	ctx := ctxT(t)
	d := StartT(t, Config{Runtime: Spec204})
	o := d.Oracle()
	rv, err := o.RuntimeVersion(ctx, "")
	if err != nil || rv.SpecVersion != 204 {
		t.Fatalf("runtime before the upgrade: %+v %v", rv, err)
	}
	w, err := d.Bootstrap(ctx, Options{Neurons: 4})
	if err != nil {
		t.Fatal(err)
	}
	u, err := d.UpgradeRuntimeDetail(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if u.SpecBefore != 204 || u.SpecAfter != 218 {
		t.Errorf("upgrade %+v", u)
	}
	prev, err := d.BlockHash(ctx, u.Block-1)
	if err != nil {
		t.Fatal(err)
	}
	for at, want := range map[string]uint32{prev: 204, u.Hash: 218, "": 218} {
		var v struct {
			SpecVersion uint32 `json:"specVersion"`
		}
		params := []any{}
		if at != "" {
			params = append(params, at)
		}
		if err := d.RPC(ctx, "state_getRuntimeVersion", params, &v); err != nil || v.SpecVersion != want {
			t.Errorf("state_getRuntimeVersion(%q) = %d %v, want %d", at, v.SpecVersion, err, want)
		}
	}
	// Hyperparameters re-applied after migrate_rao, state kept, and signing with 218 works.
	for _, s := range w.Subnets {
		tempo, err := o.Query(ctx, "query.subtensorModule.tempo", s.Netuid)
		if err != nil || string(tempo) != "10" {
			t.Errorf("Tempo(%d) after the upgrade = %s %v", s.Netuid, tempo, err)
		}
		hotkeys, err := o.Hotkeys(ctx, s.Netuid, "")
		if err != nil || len(hotkeys) != 4 || hotkeys[3].Hotkey != s.Neurons[3].Hotkey {
			t.Errorf("Keys(%d) after the upgrade: %v %v", s.Netuid, hotkeys, err)
		}
	}
	n := w.Subnets[0].Neurons[1]
	if _, err := d.Tx(ctx, n.HotkeySeed, "subtensorModule.setWeights", w.Subnets[0].Netuid, []int{0}, []int{1}, 0); err != nil {
		t.Errorf("set_weights after the upgrade: %v", err)
	}
}

// Commit-reveal v2 on the commit-reveal subnet: the oracle reads the stored commit back.
func TestWeightCommitsRead(t *testing.T) {
	ctx := ctxT(t)
	s := world.Subnets[1]
	if !s.CommitReveal {
		t.Fatal("subnet 1 of the default world should have commit-reveal on")
	}
	n := s.Neurons[2]
	hash := "0x" + strings.Repeat("ab", 32) // any H256: the chain checks it only at reveal
	res, err := dn.Tx(ctx, n.HotkeySeed, "subtensorModule.commitWeights", s.Netuid, hash)
	if err != nil {
		t.Fatal(err)
	}
	commits, err := dn.Oracle().WeightCommits(ctx, s.Netuid, n.Hotkey, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(commits) != 1 || commits[0].Hash != hash || commits[0].CommitBlock != res.BlockNumber || commits[0].FirstRevealBlock <= res.BlockNumber || commits[0].LastRevealBlock < commits[0].FirstRevealBlock {
		t.Fatalf("WeightCommits = %+v after a commit in block %d", commits, res.BlockNumber)
	}
}

// An explicitly requested port that is taken fails clearly: Chopsticks itself would silently move
// to the next free port, where nobody looks for it.
func TestPortInUse(t *testing.T) {
	var lc net.ListenConfig
	l, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	addr, ok := l.Addr().(*net.TCPAddr)
	if !ok {
		t.Fatalf("listener address %v", l.Addr())
	}
	_, err = Start(context.Background(), Config{Port: addr.Port})
	if err == nil || !strings.Contains(err.Error(), "EADDRINUSE") {
		t.Fatalf("start on a taken port: %v", err)
	}
}

// Instant mode: a submitted transaction is sealed without dev_newBlock.
func TestInstantMode(t *testing.T) {
	ctx := ctxT(t)
	d := StartT(t, Config{BlockMode: Instant})
	before, _, err := d.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	res, err := d.Tx(ctx, "//Bob", "balances.transferKeepAlive", "5FLSigC9HGRKVhB9FiEo4Y3koPsNmBmLJbpXg2mp1hXcS59Y", 1_000_000_000)
	if err != nil {
		t.Fatal(err)
	}
	after, _, err := d.Head(ctx)
	if err != nil || res.BlockNumber != before+1 || after != before+1 {
		t.Fatalf("instant block: tx in #%d, head %d → %d (%v)", res.BlockNumber, before, after, err)
	}
}
