package metadata

import (
	"bytes"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The recordings hold no System.Events value, so event bytes are built by
// encoding values through the spec-343 metadata (Registry.Encode) and decoded
// back; the error names are checked against an independent reading below.

func moduleFailure(palletIndex, errIndex uint8) Variant {
	return Variant{Name: "ExtrinsicFailed", Fields: []NamedValue{
		{Name: "dispatch_error", Value: Variant{Name: "Module", Fields: []NamedValue{
			{Value: map[string]any{"index": palletIndex, "error": [4]byte{errIndex, 0, 0, 0}}},
		}}},
		{Name: "dispatch_info", Value: dispatchInfo()},
	}}
}

func dispatchInfo() map[string]any {
	return map[string]any{
		"weight":   map[string]any{"ref_time": uint64(123456789), "proof_size": 0},
		"class":    "Normal",
		"pays_fee": "No",
	}
}

func record(phase Variant, pallet string, event Variant, topics ...[32]byte) map[string]any {
	if topics == nil {
		topics = [][32]byte{}
	}
	return map[string]any{
		"phase":  phase,
		"event":  Variant{Name: pallet, Fields: []NamedValue{{Value: event}}},
		"topics": topics,
	}
}

func TestEventsRoundTrip(t *testing.T) {
	// V14 has no outer-enum section; events are found through System.Events
	// in both versions of the spec-343 runtime.
	for _, file := range []string{spec343V15File, spec343V14File} {
		t.Run(file, func(t *testing.T) { testEventsRoundTrip(t, loadMetadata(t, file)) })
	}
}

func testEventsRoundTrip(t *testing.T, md *Metadata) {
	entry, err := md.EventsEntry()
	if err != nil {
		t.Fatal(err)
	}
	if got := entry.Prefix(); hex0x(got) != "0x26aa394eea5630e07c48ae0c9558cef780d41e5e16056765bc8461851072c9d7" {
		t.Errorf("System.Events key %s (CHAIN.md §4)", hex0x(got))
	}
	topic := [32]byte{1, 2, 3}
	apply := func(i uint32) Variant { return Variant{Name: "ApplyExtrinsic", Fields: []NamedValue{{Value: i}}} }
	events := []any{
		record(Variant{Name: "Initialization"}, "System", Variant{Name: "NewAccount", Fields: []NamedValue{{Name: "account", Value: [32]byte{9}}}}),
		record(apply(0), "System", Variant{Name: "ExtrinsicSuccess", Fields: []NamedValue{{Name: "dispatch_info", Value: dispatchInfo()}}}),
		record(apply(2), "SubtensorModule", Variant{Name: "WeightsSet", Fields: []NamedValue{{Value: uint16(1)}, {Value: uint16(5)}}}, topic),
		record(apply(2), "System", moduleFailure(7, 28)),
		record(apply(3), "System", Variant{Name: "ExtrinsicFailed", Fields: []NamedValue{
			{Name: "dispatch_error", Value: Variant{Name: "BadOrigin"}}, {Name: "dispatch_info", Value: dispatchInfo()}}}),
		record(apply(4), "System", Variant{Name: "ExtrinsicFailed", Fields: []NamedValue{
			{Name: "dispatch_error", Value: Variant{Name: "Token", Fields: []NamedValue{{Value: "FundsUnavailable"}}}},
			{Name: "dispatch_info", Value: dispatchInfo()}}}),
		record(Variant{Name: "Finalization"}, "System", Variant{Name: "ExtrinsicSuccess", Fields: []NamedValue{{Name: "dispatch_info", Value: dispatchInfo()}}}), //nolint:misspell // Substrate's Phase::Finalization variant
	}
	raw, err := md.Types.Encode(entry.ValueType, events)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := md.DecodeEvents(raw)
	if err != nil {
		t.Fatal(err)
	}
	type summary struct {
		Phase         Phase
		Pallet, Event string
		PalletIndex   uint8
		Topics        int
	}
	var got []summary
	for _, r := range recs {
		got = append(got, summary{r.Phase, r.Pallet, r.Name, r.PalletIndex, len(r.Topics)})
	}
	want := []summary{
		{Phase{Kind: PhaseInitialization}, "System", "NewAccount", 0, 0},
		{Phase{PhaseApplyExtrinsic, 0}, "System", "ExtrinsicSuccess", 0, 0},
		{Phase{PhaseApplyExtrinsic, 2}, "SubtensorModule", "WeightsSet", 7, 1},
		{Phase{PhaseApplyExtrinsic, 2}, "System", "ExtrinsicFailed", 0, 0},
		{Phase{PhaseApplyExtrinsic, 3}, "System", "ExtrinsicFailed", 0, 0},
		{Phase{PhaseApplyExtrinsic, 4}, "System", "ExtrinsicFailed", 0, 0},
		{Phase{Kind: PhaseFinalization}, "System", "ExtrinsicSuccess", 0, 0},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("records (-want +got):\n%s", diff)
	}
	if recs[2].Topics[0] != topic {
		t.Error("topic lost")
	}
	// CHAIN.md §2.3: ExtrinsicSuccess = 0, ExtrinsicFailed = 1 in System's events.
	if recs[1].EventIndex != 0 || recs[3].EventIndex != 1 {
		t.Errorf("event indices %d, %d", recs[1].EventIndex, recs[3].EventIndex)
	}
	// Decoding the decoded records' values again gives the same bytes.
	generic, err := md.Types.Decode(entry.ValueType, raw)
	if err != nil {
		t.Fatal(err)
	}
	again, err := md.Types.Encode(entry.ValueType, generic)
	if err != nil || !bytes.Equal(again, raw) {
		t.Fatalf("generic round trip differs: %v", err)
	}

	// Dispatch errors: SettingWeightsTooFast is error 28 of SubtensorModule at
	// spec 343. That index was read independently with py-scale-codec 1.2.11
	// from the spec-343 V14 metadata (MetadataVersioned → pallets → error type
	// → variants), which also gives pallet index 7.
	for _, tc := range []struct {
		rec  int
		want string
	}{
		{3, "dispatch error: SubtensorModule.SettingWeightsTooFast"},
		{4, "dispatch error: BadOrigin"},
		{5, "dispatch error: Token(FundsUnavailable)"},
	} {
		v, ok := recs[tc.rec].Field("dispatch_error")
		if !ok {
			t.Fatal("no dispatch_error field")
		}
		de, err := md.DispatchError(v)
		if err != nil {
			t.Fatal(err)
		}
		if de.Error() != tc.want {
			t.Errorf("record %d: %q, want %q", tc.rec, de.Error(), tc.want)
		}
	}
	v, _ := recs[3].Field("dispatch_error")
	de, _ := md.DispatchError(v)
	var me *ModuleError
	if !errors.As(de, &me) || me.Index != 28 || me.PalletIndex != 7 || len(me.Docs) == 0 ||
		me.Docs[0] != "A transactor exceeded the rate limit for setting weights." {
		t.Errorf("module error %+v", me)
	}
}

func TestModuleErrorIndices(t *testing.T) {
	// Indices read with py-scale-codec from the spec-343 V14 metadata (see
	// TestEventsRoundTrip), checked here against the V15 metadata of the same
	// runtime.
	md := loadMetadata(t, spec343V15File)
	for idx, name := range map[uint8]string{4: "HotKeyNotRegisteredInSubNet", 10: "NotEnoughStakeToSetWeights", 28: "SettingWeightsTooFast", 52: "CommitRevealEnabled"} {
		me, err := md.ModuleError(7, [4]byte{idx})
		if err != nil {
			t.Fatal(err)
		}
		if me.Name != name || me.Pallet != "SubtensorModule" {
			t.Errorf("error %d = %s, want SubtensorModule.%s", idx, me, name)
		}
	}
	if _, err := md.ModuleError(7, [4]byte{255}); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown error index: %v", err)
	}
}

func TestDecodeEventsRejectsGarbage(t *testing.T) {
	md := loadMetadata(t, spec343V15File)
	for _, b := range [][]byte{{0x04}, {0x04, 0x00}, {0x08, 0x01, 0x00, 0x00}, {0xff, 0xff, 0xff, 0xff}} {
		if _, err := md.DecodeEvents(b); err == nil {
			t.Errorf("%x decoded", b)
		}
	}
	if recs, err := md.DecodeEvents([]byte{0}); err != nil || len(recs) != 0 {
		t.Errorf("empty: %v %v", recs, err)
	}
}
