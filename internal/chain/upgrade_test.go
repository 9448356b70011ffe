package chain_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pylon-go/pylon/internal/chain"
	"github.com/pylon-go/pylon/internal/chain/metadata"
	"github.com/pylon-go/pylon/internal/devnet"
)

// A client dialled before a real runtime upgrade (spec 204 → 218, DEVNET.md §6) follows it without a
// restart: it reports 218 at the upgrade block N and 204 at N−1, loads the new metadata (items that exist
// only in 218 are found afterwards), and decodes the events of block N, which the old runtime executed,
// with the 204 metadata. This test runs its own spec-204 chain, stopped when it ends.
func TestDevnetRuntimeUpgrade(t *testing.T) {
	ctx := ctxT(t)
	d := devnet.StartT(t, devnet.Config{Runtime: devnet.Spec204})
	w, err := d.Bootstrap(ctx, devnet.Options{Subnets: []devnet.SubnetOptions{{}}, Neurons: 3, Validators: 1, Axons: 1})
	if err != nil {
		t.Fatal(err)
	}
	o := d.Oracle()
	reg := prometheus.NewRegistry()
	opts := devnetOptions()
	opts.Registerer = reg
	c := dialT(t, []string{d.URL}, opts)

	before, err := c.Runtime(ctx, c.Head().Hash)
	if err != nil {
		t.Fatal(err)
	}
	if before.SpecVersion != 204 {
		t.Fatalf("spec %d before the upgrade", before.SpecVersion)
	}
	t.Logf("spec 204 metadata: V%d", before.Metadata.Version)
	requireCall(t, before, "SubtensorModule", "set_root_weights", true)
	requireCall(t, before, "SubtensorModule", "set_tao_weights", false)
	if _, err := before.Metadata.StorageEntry("SubtensorModule", "TaoWeight"); !errors.Is(err, metadata.ErrNotFound) {
		t.Fatalf("TaoWeight in spec 204: %v", err)
	}

	u, err := d.UpgradeRuntimeDetail(ctx) // N: set_code; N+1: migrations; N+2: hyperparameters again
	if err != nil {
		t.Fatal(err)
	}
	if u.SpecBefore != 204 || u.SpecAfter != 218 {
		t.Fatalf("upgrade %+v", u)
	}
	head, err := c.WaitForBlock(ctx, u.Block+2)
	if err != nil {
		t.Fatal(err)
	}
	upgradeBlock, err := chain.ParseHash(u.Hash)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := c.BlockHash(ctx, u.Block); err != nil || got != upgradeBlock {
		t.Fatalf("block #%d: %s, devnet %s, %v", u.Block, got, u.Hash, err)
	}
	hdr, err := c.Header(ctx, upgradeBlock)
	if err != nil {
		t.Fatal(err)
	}

	// The version at N is the new one, at N−1 the old one, as the oracle reads them.
	for at, want := range map[chain.Hash]uint32{hdr.ParentHash: 204, upgradeBlock: 218, head.Hash: 218} {
		rt, err := c.Runtime(ctx, at)
		if err != nil {
			t.Fatal(err)
		}
		ov, err := o.RuntimeVersion(ctx, at.String())
		if err != nil {
			t.Fatal(err)
		}
		if rt.SpecVersion != want || ov.SpecVersion != want || rt.TransactionVersion != ov.TransactionVersion {
			t.Fatalf("runtime at %s: client %d/%d, oracle %d/%d, want %d", at, rt.SpecVersion, rt.TransactionVersion,
				ov.SpecVersion, ov.TransactionVersion, want)
		}
	}
	// Block N was executed by 204.
	if brt, err := c.BlockRuntime(ctx, upgradeBlock); err != nil || brt.SpecVersion != 204 {
		t.Fatalf("BlockRuntime(N): %v", err)
	}

	// The announcement was counted and the new metadata loaded once, without a restart.
	eventually(t, "the upgrade is counted", func() bool { return gauge(t, reg, "pylon_chain_runtime_upgrades_total", nil) == 1 })
	if got := gauge(t, reg, "pylon_chain_runtime_spec_version", nil); got != 218 {
		t.Fatalf("announced spec %v", got)
	}
	for _, spec := range []string{"204", "218"} {
		if got := gauge(t, reg, "pylon_chain_metadata_loads_total", map[string]string{"spec_version": spec}); got != 1 {
			t.Fatalf("metadata of spec %s loaded %v times", spec, got)
		}
	}
	after, err := c.Runtime(ctx, head.Hash)
	if err != nil {
		t.Fatal(err)
	}
	requireCall(t, after, "SubtensorModule", "set_tao_weights", true)
	requireCall(t, after, "SubtensorModule", "set_root_weights", false)

	// TaoWeight (a map by netuid) exists from 218 on, equal to the oracle's; at N−1 it does not.
	netuid := w.Subnets[0].Netuid
	for _, n := range []uint16{0, netuid} {
		var taoWeight uint64
		found, err := c.Storage(ctx, head.Hash, "SubtensorModule", "TaoWeight", &taoWeight, n)
		if err != nil {
			t.Fatal(err)
		}
		want, err := o.QueryWith(ctx, devnet.ReadOptions{At: head.Hash.String()}, "query.subtensorModule.taoWeight", n)
		if err != nil || decimal(t, want) != strconv.FormatUint(taoWeight, 10) {
			t.Fatalf("TaoWeight(%d) %d (found %v), oracle %s %v", n, taoWeight, found, want, err)
		}
		t.Logf("TaoWeight(%d) = %d (stored: %v)", n, taoWeight, found)
	}
	var taoWeight uint64
	if _, err := c.Storage(ctx, hdr.ParentHash, "SubtensorModule", "TaoWeight", &taoWeight, netuid); !errors.Is(err, chain.ErrNotInRuntime) {
		t.Fatalf("TaoWeight before the upgrade: %v", err)
	}
	// State written under 204 reads back under 218 (Tempo re-applied after migrate_rao reset it).
	var tempo uint16
	if _, err := c.Storage(ctx, head.Hash, "SubtensorModule", "Tempo", &tempo, netuid); err != nil || tempo != w.Subnets[0].Tempo {
		t.Fatalf("Tempo after the upgrade: %d %v", tempo, err)
	}

	// The events of N, decoded with 204 metadata, equal the oracle's.
	events, err := c.Events(ctx, upgradeBlock)
	if err != nil {
		t.Fatal(err)
	}
	oEvents, err := o.Events(ctx, u.Hash)
	if err != nil {
		t.Fatal(err)
	}
	var names, oNames []string
	for _, e := range events {
		names = append(names, e.Phase.Kind.String()+":"+strings.ToLower(e.Pallet[:1])+e.Pallet[1:]+"."+e.Name)
	}
	for _, e := range oEvents {
		oNames = append(oNames, e.Phase+":"+e.Section+"."+e.Method)
	}
	if strings.Join(names, ",") != strings.Join(oNames, ",") {
		t.Fatalf("events of N:\nclient %v\noracle %v", names, oNames)
	}
	if !contains(names, "ApplyExtrinsic:system.CodeUpdated") || !contains(names, "ApplyExtrinsic:sudo.Sudid") {
		t.Fatalf("no CodeUpdated/Sudid in block N: %v", names)
	}

	// Runtime-API calls on the new runtime work through the same client.
	var neurons []chain.NeuronLite
	if err := c.RuntimeCall(ctx, head.Hash, "NeuronInfoRuntimeApi", "get_neurons_lite", &neurons, netuid); err != nil {
		t.Fatal(err)
	}
	if len(neurons) != len(w.Subnets[0].Neurons) {
		t.Fatalf("%d neurons after the upgrade", len(neurons))
	}
}

func requireCall(t *testing.T, rt *chain.Runtime, pallet, call string, present bool) {
	t.Helper()
	_, err := rt.Metadata.Call(pallet, call)
	if present && err != nil {
		t.Fatalf("spec %d lacks %s.%s: %v", rt.SpecVersion, pallet, call, err)
	}
	if !present && !errors.Is(err, metadata.ErrNotFound) {
		t.Fatalf("spec %d has %s.%s (%v)", rt.SpecVersion, pallet, call, err)
	}
}

// gauge reads a counter or gauge from reg whose labels include the given pairs.
func gauge(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			got := map[string]string{}
			for _, l := range m.GetLabel() {
				got[l.GetName()] = l.GetValue()
			}
			match := true
			for k, v := range labels {
				match = match && got[k] == v
			}
			if match && m.GetCounter() != nil {
				return m.GetCounter().GetValue()
			}
			if match && m.GetGauge() != nil {
				return m.GetGauge().GetValue()
			}
		}
	}
	return 0
}
