package metadata

import (
	"bytes"
	"errors"
	"math/big"
	"testing"

	"pgregory.net/rapid"

	"github.com/pylon-go/pylon/internal/chain/scale"
)

// TestGenericRoundTripRecorded decodes recorded answers into the generic value
// tree and encodes the tree again: canonical SCALE has one encoding per value,
// so the bytes must come back unchanged.
func TestGenericRoundTripRecorded(t *testing.T) {
	md := loadMetadata(t, spec343V15File)
	for _, tc := range []struct {
		api, method string
		raw         []byte
	}{
		{"NeuronInfoRuntimeApi", "get_neurons_lite", neuronsLite343(t)},
		{"SubnetInfoRuntimeApi", "get_subnet_state", subnetState343(t)},
		{"SubnetInfoRuntimeApi", "get_selective_mechagraph", selectiveMechagraph343(t)},
	} {
		mm := mustMethod(t, md, tc.api, tc.method)
		v, err := md.Types.Decode(mm.Output, tc.raw)
		if err != nil {
			t.Fatalf("%s: %v", mm.FullName(), err)
		}
		again, err := md.Types.Encode(mm.Output, v)
		if err != nil {
			t.Fatalf("%s re-encode: %v", mm.FullName(), err)
		}
		if !bytes.Equal(again, tc.raw) {
			t.Fatalf("%s: re-encoding differs (%d vs %d bytes)", mm.FullName(), len(again), len(tc.raw))
		}
		var viaAny any
		if err := mm.DecodeResult(tc.raw, &viaAny); err != nil {
			t.Fatal(err)
		}
	}
	// A spot check of the tree's shape: uid 0's hotkey is the AccountId32
	// composite around 32 bytes, its uid a plain uint16 from Compact<u16>.
	v, err := md.Types.Decode(mustMethod(t, md, "NeuronInfoRuntimeApi", "get_neurons_lite").Output, neuronsLite343(t))
	if err != nil {
		t.Fatal(err)
	}
	seq, ok := v.(Sequence)
	if !ok || len(seq) == 0 {
		t.Fatalf("neurons decode to %T, want a non-empty Sequence", v)
	}
	n0, ok := seq[0].(Composite)
	if !ok {
		t.Fatalf("uid 0 decodes to %T, want a Composite", seq[0])
	}
	hk, _ := n0.Field("hotkey")
	uid, _ := n0.Field("uid")
	if b, ok := hk.(Composite).Fields[0].Value.([]byte); !ok || hex0x(b) != "0x4a7a6cf22af0de8f0c3566ceb47c255da605cf9243f6c1a6433cc782fa610166" || uid != uint16(0) {
		t.Fatalf("uid 0: hotkey %v uid %#v", hk, uid)
	}
}

func selectiveMechagraph343(t testing.TB) []byte {
	rec := loadRecordings(t)
	for params := range rec["metagraph"]["state_call"] {
		if bytes.Contains([]byte(params), []byte("get_selective_mechagraph")) {
			return rec.result(t, "metagraph", "state_call", params)
		}
	}
	t.Fatal("get_selective_mechagraph not recorded")
	return nil
}

// typeGen draws a registry type id of a given kind set from the spec-343
// registry, so property tests cover the shapes the chain really uses.
func typeIDs(md *Metadata, keep func(*Type) bool) []TypeID {
	var out []TypeID
	for i := range md.Types.types {
		if keep(&md.Types.types[i]) {
			out = append(out, TypeID(i))
		}
	}
	return out
}

// TestPropertyDynamicRoundTrip encodes random Go values for registry types of
// every kind, decodes them generically and checks that encoding the decoded
// tree gives the same bytes (encode ∘ decode = identity on valid encodings),
// and that DecodeInto with an `any` destination agrees.
func TestPropertyDynamicRoundTrip(t *testing.T) {
	md := loadMetadata(t, spec343V15File)
	r := md.Types
	prims := map[Primitive]TypeID{}
	compacts := map[Primitive]TypeID{}
	for i := range r.types {
		ty := &r.types[i]
		if ty.Kind == KindPrimitive {
			prims[ty.Primitive] = ty.ID
		}
		if ty.Kind == KindCompact {
			if p, err := r.compactPrimitive(ty.Elem); err == nil {
				compacts[p] = ty.ID
			}
		}
	}
	neuronsOut := mustMethod(t, md, "NeuronInfoRuntimeApi", "get_neurons_lite").Output
	rapid.Check(t, func(t *rapid.T) {
		var id TypeID
		var v any
		switch rapid.IntRange(0, 5).Draw(t, "shape") {
		case 0: // a primitive with a value at its range boundary or random
			p := rapid.SampledFrom([]Primitive{PrimBool, PrimU8, PrimU16, PrimU32, PrimU64, PrimU128, PrimI32, PrimI64, PrimStr}).Draw(t, "prim")
			id, ok := prims[p]
			if !ok {
				t.Skip("primitive absent")
			}
			v = randomPrimitive(t, p)
			b, err := r.Encode(id, v)
			if err != nil {
				t.Fatalf("encode %s %v: %v", p, v, err)
			}
			checkRoundTrip(t, r, id, b)
			return
		case 1: // compact at and around the mode boundaries
			p := rapid.SampledFrom([]Primitive{PrimU16, PrimU32, PrimU64, PrimU128}).Draw(t, "cprim")
			cid, ok := compacts[p]
			if !ok {
				t.Skip("compact absent")
			}
			x := rapid.SampledFrom([]uint64{0, 63, 64, 1<<14 - 1, 1 << 14, 1<<30 - 1, 1 << 30, 1<<32 - 1, 1<<64 - 1}).Draw(t, "x")
			if x > maxUnsigned(p) && p != PrimU128 {
				x = maxUnsigned(p)
			}
			b, err := r.Encode(cid, x)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b, scale.AppendCompact(nil, x)) {
				t.Fatalf("Compact<%s>(%d) = %x", p, x, b)
			}
			checkRoundTrip(t, r, cid, b)
			return
		case 2:
			id, v = neuronsOut, randomNeurons(t)
		case 3: // any call of any pallet with random argument bytes decoded first
			calls := typeIDs(md, func(ty *Type) bool {
				return ty.Kind == KindVariant && len(ty.Path) > 0 && ty.Path[len(ty.Path)-1] == "Call"
			})
			id = rapid.SampledFrom(calls).Draw(t, "call")
			checkRoundTripIfValid(t, r, id, rapid.SliceOfN(rapid.Byte(), 0, 200).Draw(t, "callbytes"))
			return
		case 4: // a bit sequence, if the registry has one
			bits := typeIDs(md, func(ty *Type) bool { return ty.Kind == KindBitSequence })
			if len(bits) == 0 {
				t.Skip("no bit sequence type")
			}
			id, v = bits[0], scale.BitSequence(rapid.SliceOfN(rapid.Bool(), 0, 70).Draw(t, "bits"))
		case 5: // an arbitrary type with arbitrary bytes: whatever decodes must re-encode identically
			id = TypeID(rapid.IntRange(0, r.Len()-1).Draw(t, "type"))
			checkRoundTripIfValid(t, r, id, rapid.SliceOfN(rapid.Byte(), 0, 100).Draw(t, "bytes"))
			return
		}
		b, err := r.Encode(id, v)
		if err != nil {
			t.Fatalf("encode %s: %v", r.Name(id), err)
		}
		checkRoundTrip(t, r, id, b)
	})
}

func randomPrimitive(t *rapid.T, p Primitive) any {
	switch p {
	case PrimBool:
		return rapid.Bool().Draw(t, "b")
	case PrimU8:
		return rapid.Uint8().Draw(t, "u8")
	case PrimU16:
		return rapid.Uint16().Draw(t, "u16")
	case PrimU32:
		return rapid.Uint32().Draw(t, "u32")
	case PrimU64:
		return rapid.Uint64().Draw(t, "u64")
	case PrimU128:
		return scale.Uint128{Hi: rapid.Uint64().Draw(t, "hi"), Lo: rapid.Uint64().Draw(t, "lo")}
	case PrimI32:
		return rapid.Int32().Draw(t, "i32")
	case PrimI64:
		return rapid.Int64().Draw(t, "i64")
	}
	return rapid.String().Draw(t, "s")
}

func randomNeurons(t *rapid.T) []testNeuronLite {
	n := rapid.IntRange(0, 4).Draw(t, "n")
	out := make([]testNeuronLite, n)
	for i := range out {
		nl := &out[i]
		copy(nl.Hotkey[:], rapid.SliceOfN(rapid.Byte(), 32, 32).Draw(t, "hk"))
		nl.UID = rapid.Uint16().Draw(t, "uid")
		nl.Emission = rapid.Uint64().Draw(t, "em")
		nl.LastUpdate = rapid.Uint64().Draw(t, "lu")
		nl.Active = rapid.Bool().Draw(t, "active")
		nl.AxonInfo.IP = scale.Uint128{Hi: rapid.Uint64().Draw(t, "iphi"), Lo: rapid.Uint64().Draw(t, "iplo")}
		nl.AxonInfo.Port = rapid.Uint16().Draw(t, "port")
		nl.Stake = make([]testStake, rapid.IntRange(0, 2).Draw(t, "stakes"))
		for j := range nl.Stake {
			nl.Stake[j].Amount = rapid.Uint64().Draw(t, "amount")
		}
	}
	return out
}

func checkRoundTripIfValid(t *rapid.T, r *Registry, id TypeID, b []byte) {
	v, err := r.Decode(id, b)
	if err != nil {
		return
	}
	again, err := r.Encode(id, v)
	if err != nil {
		t.Fatalf("re-encode %s: %v", r.Name(id), err)
	}
	if !bytes.Equal(again, b) {
		t.Fatalf("%s: %x decodes and re-encodes to %x", r.Name(id), b, again)
	}
}

func checkRoundTrip(t *rapid.T, r *Registry, id TypeID, b []byte) {
	v, err := r.Decode(id, b)
	if err != nil {
		t.Fatalf("decode %s %x: %v", r.Name(id), b, err)
	}
	again, err := r.Encode(id, v)
	if err != nil {
		t.Fatalf("re-encode %s: %v", r.Name(id), err)
	}
	if !bytes.Equal(again, b) {
		t.Fatalf("%s: %x re-encodes to %x", r.Name(id), b, again)
	}
	var viaInto any
	if err := r.DecodeInto(id, b, &viaInto); err != nil {
		t.Fatalf("DecodeInto any: %v", err)
	}
}

func TestEncodeRangeAndShapeErrors(t *testing.T) {
	md := loadMetadata(t, spec343V15File)
	r := md.Types
	find := func(p Primitive) TypeID {
		for i := range r.types {
			if r.types[i].Kind == KindPrimitive && r.types[i].Primitive == p {
				return TypeID(i)
			}
		}
		t.Fatalf("no %s", p)
		return 0
	}
	u16, u128 := find(PrimU16), find(PrimU128)
	var compactU32 TypeID
	for i := range r.types {
		if r.types[i].Kind == KindCompact && r.Name(r.types[i].Elem) == "u32" {
			compactU32 = TypeID(i)
		}
	}
	for _, tc := range []struct {
		id  TypeID
		v   any
		err error
	}{
		{compactU32, Composite{Fields: []NamedValue{{Value: nil}}}, ErrTypeMismatch},
		{compactU32, Composite{Fields: []NamedValue{{Value: uint32(7)}}}, nil},
		{compactU32, 1 << 32, scale.ErrOverflow},
		{u16, 65536, scale.ErrOverflow},
		{u16, -1, scale.ErrOverflow},
		{u16, "x", ErrTypeMismatch},
		{u16, nil, ErrTypeMismatch},
		{u128, new(big.Int).Lsh(big.NewInt(1), 128), scale.ErrOverflow},
	} {
		if _, err := r.Encode(tc.id, tc.v); !errors.Is(err, tc.err) {
			t.Errorf("Encode(%s, %v) error %v, want %v", r.Name(tc.id), tc.v, err, tc.err)
		}
	}
	if b, err := r.Encode(u128, new(big.Int).Lsh(big.NewInt(1), 100)); err != nil || len(b) != 16 || b[12] != 0x10 {
		t.Errorf("u128 2^100 = %x, %v", b, err)
	}
	// Errors name the path through the value.
	state := mustMethod(t, md, "SubnetInfoRuntimeApi", "get_subnet_state")
	_, err := r.Encode(state.Output, map[string]any{"netuid": 1})
	var pe *PathError
	if !errors.As(err, &pe) || pe.Path != "Some" {
		t.Errorf("missing fields: %v", err)
	}
}

// TestPropertyEncodeNeverPanics offers values of the wrong shape (and of the
// right one) to every registry type: the encoder must answer with an error or
// bytes that decode back, never panic.
func TestPropertyEncodeNeverPanics(t *testing.T) {
	md := loadMetadata(t, spec343V15File)
	r := md.Types
	var nilPtr *uint32
	type unexported struct{ a int }
	_ = unexported{}.a
	values := []any{
		nil, nilPtr, 0, -1, uint8(255), uint64(1 << 63), "x", "", []byte{}, []byte{1, 2, 3}, [32]byte{}, [4]byte{},
		[]any{}, []any{1, "a"}, []uint16{1, 2}, map[string]any{}, map[string]any{"x": 1}, map[int]int{1: 1},
		Variant{}, Variant{Name: "Some", Fields: []NamedValue{{Value: 1}}}, Variant{Name: "None"},
		Composite{}, Composite{Fields: []NamedValue{{Name: "a", Value: nil}}}, Sequence{nil}, struct{}{}, unexported{},
		scale.Uint128{Hi: 1}, scale.Int256{}, new(big.Int).Lsh(big.NewInt(1), 300), big.NewInt(-5), true, 1.5,
		scale.BitSequence{true}, []bool{false}, Char('x'), func() {}, make(chan int),
	}
	rapid.Check(t, func(t *rapid.T) {
		id := TypeID(rapid.IntRange(0, r.Len()-1).Draw(t, "type"))
		v := rapid.SampledFrom(values).Draw(t, "value")
		b, err := r.Encode(id, v)
		if err != nil {
			return
		}
		if _, err := r.Decode(id, b); err != nil {
			t.Fatalf("%s: %#v encoded to %x, which does not decode: %v", r.Name(id), v, b, err)
		}
	})
}
