package metadata

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pylon-go/pylon/internal/chain/scale"
)

// These Go types stand in for the ones internal/subtensor will own. Field names
// match the Rust names for DecodeInto; the `scale` tags describe the layout
// for the static codec (the Vec<u8>-wrapped results of old runtimes).

type testAxon struct {
	Block        uint64
	Version      uint32
	IP           scale.Uint128
	Port         uint16
	IPType       uint8
	Protocol     uint8
	Placeholder1 uint8
	Placeholder2 uint8
}

type testPrometheus struct {
	Block   uint64
	Version uint32
	IP      scale.Uint128
	Port    uint16
	IPType  uint8
}

type testStake struct {
	Coldkey [32]byte
	Amount  uint64 `scale:",compact"`
}

type testNeuronLite struct {
	Hotkey          [32]byte
	Coldkey         [32]byte
	UID             uint16 `scale:",compact"`
	Netuid          uint16 `scale:",compact"`
	Active          bool
	AxonInfo        testAxon
	PrometheusInfo  testPrometheus
	Stake           []testStake
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

type testSubnetState struct {
	Netuid              uint16
	Hotkeys             [][32]byte
	Coldkeys            [][32]byte
	Active              []bool
	ValidatorPermit     []bool
	PruningScore        []uint16
	LastUpdate          []uint64
	Emission            []uint64
	Dividends           []uint16
	Incentives          []uint16
	Consensus           []uint16
	Trust               []uint16
	Rank                []uint16
	BlockAtRegistration []uint64
	AlphaStake          []uint64
	TaoStake            []uint64
	TotalStake          []uint64
	EmissionHistory     [][]uint64
}

// expectedValues mirrors testdata/expected_values.json (see its README).
type expectedValues struct {
	NeuronsLite343 expectedNeurons `json:"neurons_lite_343"`
	NeuronsLite208 expectedNeurons `json:"neurons_lite_208"`
	SubnetState343 struct {
		Netuid        uint16            `json:"netuid"`
		Lengths       map[string]int    `json:"lengths"`
		Sums          map[string]any    `json:"sums"`
		HotkeysFirst  []string          `json:"hotkeys_first"`
		HotkeysLast   string            `json:"hotkeys_last"`
		ColdkeysFirst []string          `json:"coldkeys_first"`
		ColdkeysLast  string            `json:"coldkeys_last"`
		InnerLengths  []int             `json:"emission_history_inner_lengths"`
		Extra         map[string]string `json:"-"`
	} `json:"subnet_state_343"`
}

type expectedNeurons struct {
	Totals  map[string]any   `json:"totals"`
	Neurons []map[string]any `json:"neurons"`
}

func loadExpected(t *testing.T) expectedValues {
	t.Helper()
	raw, err := os.ReadFile("testdata/expected_values.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev expectedValues
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	return ev
}

func hex0x(b []byte) string { return "0x" + hex.EncodeToString(b) }

// neuronView renders a decoded neuron in the fixture's JSON shape.
func neuronView(n *testNeuronLite) map[string]any {
	s := func(v any) string { return fmt.Sprint(v) }
	stake := []any{}
	for _, st := range n.Stake {
		stake = append(stake, []any{hex0x(st.Coldkey[:]), s(st.Amount)})
	}
	a, p := n.AxonInfo, n.PrometheusInfo
	v := map[string]any{
		"hotkey": hex0x(n.Hotkey[:]), "coldkey": hex0x(n.Coldkey[:]),
		"uid": float64(n.UID), "netuid": float64(n.Netuid), "active": n.Active,
		"axon": map[string]any{"block": s(a.Block), "version": s(a.Version), "ip": a.IP.String(), "port": s(a.Port),
			"ip_type": s(a.IPType), "protocol": s(a.Protocol), "placeholder1": s(a.Placeholder1), "placeholder2": s(a.Placeholder2)},
		"prometheus": map[string]any{"block": s(p.Block), "version": s(p.Version), "ip": p.IP.String(), "port": s(p.Port), "ip_type": s(p.IPType)},
		"stake":      stake,
		"rank":       float64(n.Rank), "emission": s(n.Emission), "incentive": float64(n.Incentive),
		"consensus": float64(n.Consensus), "trust": float64(n.Trust), "validator_trust": float64(n.ValidatorTrust),
		"dividends": float64(n.Dividends), "last_update": s(n.LastUpdate), "validator_permit": n.ValidatorPermit,
		"pruning_score": float64(n.PruningScore),
	}
	// Round-trip through JSON so the shapes equal what encoding/json produced
	// from the fixture.
	raw, _ := json.Marshal(v)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return out
}

func neuronTotals(ns []testNeuronLite) map[string]any {
	var stakeEntries, active, permit int
	var stakeSum, emission, lastUpdate, portSum uint64
	var incentive, dividends, consensus, vtrust, pruning uint64
	ipSum := new(scale.Uint128).Big()
	for i := range ns {
		n := &ns[i]
		stakeEntries += len(n.Stake)
		for _, s := range n.Stake {
			stakeSum += s.Amount
		}
		emission += n.Emission
		lastUpdate += n.LastUpdate
		incentive += uint64(n.Incentive)
		dividends += uint64(n.Dividends)
		consensus += uint64(n.Consensus)
		vtrust += uint64(n.ValidatorTrust)
		pruning += uint64(n.PruningScore)
		portSum += uint64(n.AxonInfo.Port)
		ipSum.Add(ipSum, n.AxonInfo.IP.Big())
		if n.Active {
			active++
		}
		if n.ValidatorPermit {
			permit++
		}
	}
	u := func(x uint64) string { return strconv.FormatUint(x, 10) }
	return map[string]any{
		"count": float64(len(ns)), "stake_entries": float64(stakeEntries), "stake_sum": u(stakeSum),
		"emission_sum": u(emission), "last_update_sum": u(lastUpdate), "incentive_sum": float64(incentive),
		"dividends_sum": float64(dividends), "consensus_sum": float64(consensus), "validator_trust_sum": float64(vtrust),
		"pruning_score_sum": float64(pruning), "active_count": float64(active), "validator_permit_count": float64(permit),
		"axon_port_sum": float64(portSum), "axon_ip_sum": ipSum.String(),
	}
}

func checkNeurons(t *testing.T, got []testNeuronLite, want expectedNeurons) {
	t.Helper()
	if diff := cmp.Diff(want.Totals, neuronTotals(got)); diff != "" {
		t.Errorf("totals (-want +got):\n%s", diff)
	}
	for _, wn := range want.Neurons {
		uidf, ok := wn["uid"].(float64)
		if !ok {
			t.Fatalf("expected neuron %v has no numeric uid", wn)
		}
		uid := int(uidf)
		if uid >= len(got) {
			t.Fatalf("uid %d missing", uid)
		}
		if diff := cmp.Diff(wn, neuronView(&got[uid])); diff != "" {
			t.Errorf("neuron uid %d (-want +got):\n%s", uid, diff)
		}
	}
}

func TestNeuronsLite343AgainstIndependentDecoder(t *testing.T) {
	md := loadMetadata(t, spec343V15File)
	mm, err := md.RuntimeAPIMethod("NeuronInfoRuntimeApi", "get_neurons_lite")
	if err != nil {
		t.Fatal(err)
	}
	args, err := mm.EncodeArgs(uint16(1))
	if err != nil || hex.EncodeToString(args) != "0100" {
		t.Fatalf("EncodeArgs(1) = %x, %v; the recording sent 0100", args, err)
	}
	if mm.ResultIsOpaqueBytes() {
		t.Fatal("spec 343 declares a typed output")
	}
	var neurons []testNeuronLite
	if err := mm.DecodeResult(neuronsLite343(t), &neurons); err != nil {
		t.Fatal(err)
	}
	if len(neurons) != 1024 {
		t.Fatalf("%d neurons, want 1024", len(neurons))
	}
	checkNeurons(t, neurons, loadExpected(t).NeuronsLite343)
	// CHAIN.md §11: the uid-0 axon at this block, from a separate source.
	a := neurons[0].AxonInfo
	if a.Block != 6575906 || a.Version != 9011001 || a.IP != scale.Uint128From64(3235789677) || a.Port != 6028 || a.IPType != 4 || a.Protocol != 4 {
		t.Errorf("uid 0 axon = %+v", a)
	}
	for i, n := range neurons {
		if int(n.UID) != i || n.Netuid != 1 {
			t.Fatalf("neuron %d has uid %d netuid %d", i, n.UID, n.Netuid)
		}
	}
}

func TestNeuronsLiteMatchSubnetState(t *testing.T) {
	md := loadMetadata(t, spec343V15File)
	var neurons []testNeuronLite
	if err := mustMethod(t, md, "NeuronInfoRuntimeApi", "get_neurons_lite").DecodeResult(neuronsLite343(t), &neurons); err != nil {
		t.Fatal(err)
	}
	var state *testSubnetState
	if err := mustMethod(t, md, "SubnetInfoRuntimeApi", "get_subnet_state").DecodeResult(subnetState343(t), &state); err != nil {
		t.Fatal(err)
	}
	if state == nil {
		t.Fatal("subnet state is None")
	}
	// Two runtime APIs answered independently at the same block: the vectors of
	// one must equal the per-neuron fields of the other.
	if len(state.Hotkeys) != len(neurons) {
		t.Fatalf("%d hotkeys for %d neurons", len(state.Hotkeys), len(neurons))
	}
	for i, n := range neurons {
		if state.Hotkeys[i] != n.Hotkey || state.Coldkeys[i] != n.Coldkey || state.Active[i] != n.Active ||
			state.ValidatorPermit[i] != n.ValidatorPermit || state.LastUpdate[i] != n.LastUpdate ||
			state.Emission[i] != n.Emission || state.Dividends[i] != n.Dividends || state.Incentives[i] != n.Incentive {
			t.Fatalf("uid %d differs between get_neurons_lite and get_subnet_state", i)
		}
	}
}

func mustMethod(t testing.TB, md *Metadata, api, name string) *RuntimeAPIMethod {
	t.Helper()
	mm, err := md.RuntimeAPIMethod(api, name)
	if err != nil {
		t.Fatal(err)
	}
	return mm
}

func TestSubnetState343AgainstIndependentDecoder(t *testing.T) {
	md := loadMetadata(t, spec343V15File)
	var state testSubnetState
	if err := mustMethod(t, md, "SubnetInfoRuntimeApi", "get_subnet_state").DecodeResult(subnetState343(t), &state); err != nil {
		t.Fatal(err)
	}
	want := loadExpected(t).SubnetState343
	if state.Netuid != want.Netuid {
		t.Errorf("netuid %d", state.Netuid)
	}
	if len(state.EmissionHistory) != 129 {
		t.Errorf("emission_history has %d rows, want 129", len(state.EmissionHistory))
	}
	for i, row := range state.EmissionHistory {
		if len(row) != 1024 {
			t.Fatalf("emission_history[%d] has %d entries, want 1024", i, len(row))
		}
	}
	sumU64 := func(v []uint64) string {
		var s uint64
		for _, x := range v {
			s += x
		}
		return strconv.FormatUint(s, 10)
	}
	sumU16 := func(v []uint16) string {
		var s uint64
		for _, x := range v {
			s += uint64(x)
		}
		return strconv.FormatUint(s, 10)
	}
	count := func(v []bool) float64 {
		n := 0
		for _, x := range v {
			if x {
				n++
			}
		}
		return float64(n)
	}
	var hist []uint64
	for _, row := range state.EmissionHistory {
		hist = append(hist, row...)
	}
	gotSums := map[string]any{
		"active": count(state.Active), "validator_permit": count(state.ValidatorPermit),
		"pruning_score": sumU16(state.PruningScore), "last_update": sumU64(state.LastUpdate),
		"emission": sumU64(state.Emission), "dividends": sumU16(state.Dividends), "incentives": sumU16(state.Incentives),
		"consensus": sumU16(state.Consensus), "trust": sumU16(state.Trust), "rank": sumU16(state.Rank),
		"block_at_registration": sumU64(state.BlockAtRegistration), "alpha_stake": sumU64(state.AlphaStake),
		"tao_stake": sumU64(state.TaoStake), "total_stake": sumU64(state.TotalStake), "emission_history": sumU64(hist),
	}
	if diff := cmp.Diff(want.Sums, gotSums); diff != "" {
		t.Errorf("sums (-want +got):\n%s", diff)
	}
	gotLengths := map[string]int{
		"hotkeys": len(state.Hotkeys), "coldkeys": len(state.Coldkeys), "active": len(state.Active),
		"validator_permit": len(state.ValidatorPermit), "pruning_score": len(state.PruningScore),
		"last_update": len(state.LastUpdate), "emission": len(state.Emission), "dividends": len(state.Dividends),
		"incentives": len(state.Incentives), "consensus": len(state.Consensus), "trust": len(state.Trust),
		"rank": len(state.Rank), "block_at_registration": len(state.BlockAtRegistration),
		"alpha_stake": len(state.AlphaStake), "tao_stake": len(state.TaoStake), "total_stake": len(state.TotalStake),
		"emission_history": len(state.EmissionHistory),
	}
	if diff := cmp.Diff(want.Lengths, gotLengths); diff != "" {
		t.Errorf("lengths (-want +got):\n%s", diff)
	}
	for i, h := range want.HotkeysFirst {
		if hex0x(state.Hotkeys[i][:]) != h || hex0x(state.Coldkeys[i][:]) != want.ColdkeysFirst[i] {
			t.Errorf("key %d differs", i)
		}
	}
	if hex0x(state.Hotkeys[1023][:]) != want.HotkeysLast || hex0x(state.Coldkeys[1023][:]) != want.ColdkeysLast {
		t.Error("last keys differ")
	}
}

// TestNeuronsLite208OpaqueResult decodes the spec-208 answer, which wraps the
// neuron list in Vec<u8>. No spec-208 metadata exists, so the method is given
// a synthetic declaration: the spec-343 registry with the output type replaced
// by its Vec<u8> type, as old runtimes declared it. DecodeResult must take the
// static-codec path because of that declared type alone.
func TestNeuronsLite208OpaqueResult(t *testing.T) {
	md := loadMetadata(t, spec343V15File)
	bytesType := TypeID(0)
	found := false
	for i := range md.Types.types {
		if md.Types.isByteSequence(TypeID(i)) && md.Types.types[i].Kind == KindSequence {
			bytesType, found = TypeID(i), true
			break
		}
	}
	if !found {
		t.Fatal("no Vec<u8> in the registry")
	}
	old := &RuntimeAPIMethod{API: "NeuronInfoRuntimeApi", Name: "get_neurons_lite", Output: bytesType, md: md,
		Inputs: []Param{{Name: "netuid", Type: mustMethod(t, md, "NeuronInfoRuntimeApi", "get_neurons_lite").Inputs[0].Type}}}
	if !old.ResultIsOpaqueBytes() {
		t.Fatal("synthetic method not opaque")
	}
	raw := loadRecordings(t).result(t, "neurons_lite", "state_call", `["NeuronInfoRuntimeApi_get_neurons_lite", "0x1700"]`)
	var neurons []testNeuronLite
	if err := old.DecodeResult(raw, &neurons); err != nil {
		t.Fatal(err)
	}
	checkNeurons(t, neurons, loadExpected(t).NeuronsLite208)
	// A byte-slice destination receives the inner bytes undecoded.
	var inner []byte
	if err := old.DecodeResult(raw, &inner); err != nil || len(inner) != len(raw)-2 {
		t.Fatalf("raw bytes: %d, %v", len(inner), err)
	}
	// The typed spec-343 method does not unwrap: the same bytes fail there.
	var typed []testNeuronLite
	if err := mustMethod(t, md, "NeuronInfoRuntimeApi", "get_neurons_lite").DecodeResult(raw, &typed); err == nil {
		t.Fatal("typed method decoded a Vec<u8>-wrapped answer")
	}
	// A wrapper whose length does not cover the rest is rejected.
	if err := DecodeOpaqueResult(raw[:len(raw)-1], &neurons); !errors.Is(err, scale.ErrLengthTooLarge) {
		t.Fatalf("truncated wrapper: %v", err)
	}
}

func TestDecodeIntoErrorsNamePath(t *testing.T) {
	md := loadMetadata(t, spec343V15File)
	mm := mustMethod(t, md, "NeuronInfoRuntimeApi", "get_neurons_lite")
	raw := neuronsLite343(t)
	// A destination too narrow for a value reports the field path.
	type narrow struct {
		Hotkey   [32]byte
		Emission uint8
	}
	var ns []narrow
	err := mm.DecodeResult(raw, &ns)
	var pe *PathError
	if !errors.As(err, &pe) || !errors.Is(err, scale.ErrOverflow) {
		t.Fatalf("err = %v", err)
	}
	t.Logf("narrow destination: %v", err)
	// A Go struct sharing no field with the type is a mismatch, not zeros.
	type unrelated struct{ Foo int }
	var us []unrelated
	if err := mm.DecodeResult(raw, &us); !errors.Is(err, ErrTypeMismatch) {
		t.Fatalf("unrelated struct: %v", err)
	}
	// Truncated input fails: a length prefix the rest cannot hold is refused
	// before allocating, a shorter cut fails inside the last neuron.
	var full []testNeuronLite
	if err := mm.DecodeResult(raw[:len(raw)/2], &full); !errors.Is(err, scale.ErrLengthTooLarge) {
		t.Fatalf("truncated by half: %v", err)
	}
	if err := mm.DecodeResult(raw[:len(raw)-10], &full); !errors.Is(err, scale.ErrShortInput) {
		t.Fatalf("truncated by 10: %v", err)
	}
}
