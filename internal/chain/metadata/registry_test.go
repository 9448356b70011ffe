package metadata

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math"
	"math/big"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/pylon-go/pylon/internal/chain/scale"
)

// A small hand-built registry with the shapes the recorded runtimes use rarely
// or not at all (bit sequences with u32/Msb0 stores, sparse enum indexes,
// Compact<wrapper>, Result, tuples), so every decoder branch is exercised with
// bytes whose encoding is written out by hand from the SCALE rules.
const (
	tU8 TypeID = iota
	tU16
	tU32
	tU64
	tBool
	tStr
	tBytes      // Vec<u8>
	tArr4       // [u8; 4]
	tCompactU32 // Compact<u32>
	tOptionU16  // Option<u16>
	tPerbill    // Perbill(u32)
	tCompactPerbill
	tTupleU16U64 // (u16, u64)
	tBitsU8Lsb0  // BitVec<u8, Lsb0>
	tLsb0
	tMsb0
	tBitsU32Msb0 // BitVec<u32, Msb0>
	tShape       // enum Shape { Circle(u32) = 0, Empty = 1, Rect { w: u16, h: u16 } = 5 }
	tResult      // Result<u16, str>
	tVecTuple    // Vec<(u16, u64)>
	tU128
	tI64
	tChar
	tRecord // struct Record { id: Compact<u32>, name: str, shape: Shape, maybe: Option<u16>, bits: BitVec<u8, Lsb0>, big: u128 }
	tVecRecord
	tUnit // ()
	tVecUnit
	nTestTypes
)

func testRegistry() *Registry {
	prim := func(p Primitive) Type { return Type{Kind: KindPrimitive, Primitive: p} }
	types := make([]Type, nTestTypes)
	types[tU8] = prim(PrimU8)
	types[tU16] = prim(PrimU16)
	types[tU32] = prim(PrimU32)
	types[tU64] = prim(PrimU64)
	types[tBool] = prim(PrimBool)
	types[tStr] = prim(PrimStr)
	types[tBytes] = Type{Kind: KindSequence, Elem: tU8}
	types[tArr4] = Type{Kind: KindArray, Len: 4, Elem: tU8}
	types[tCompactU32] = Type{Kind: KindCompact, Elem: tU32}
	types[tOptionU16] = Type{Path: []string{"Option"}, Kind: KindVariant, Variants: []VariantDef{
		{Name: "None", Index: 0}, {Name: "Some", Index: 1, Fields: []Field{{Type: tU16}}}}}
	types[tPerbill] = Type{Path: []string{"sp_arithmetic", "per_things", "Perbill"}, Kind: KindComposite, Fields: []Field{{Type: tU32}}}
	types[tCompactPerbill] = Type{Kind: KindCompact, Elem: tPerbill}
	types[tTupleU16U64] = Type{Kind: KindTuple, Tuple: []TypeID{tU16, tU64}}
	types[tBitsU8Lsb0] = Type{Kind: KindBitSequence, BitStore: tU8, BitOrder: tLsb0}
	types[tLsb0] = Type{Path: []string{"bitvec", "order", "Lsb0"}, Kind: KindComposite}
	types[tMsb0] = Type{Path: []string{"bitvec", "order", "Msb0"}, Kind: KindComposite}
	types[tBitsU32Msb0] = Type{Kind: KindBitSequence, BitStore: tU32, BitOrder: tMsb0}
	types[tShape] = Type{Path: []string{"Shape"}, Kind: KindVariant, Variants: []VariantDef{
		{Name: "Circle", Index: 0, Fields: []Field{{Type: tU32}}},
		{Name: "Empty", Index: 1},
		{Name: "Rect", Index: 5, Fields: []Field{{Name: "w", Type: tU16}, {Name: "h", Type: tU16}}}}}
	types[tResult] = Type{Path: []string{"Result"}, Kind: KindVariant, Variants: []VariantDef{
		{Name: "Ok", Index: 0, Fields: []Field{{Type: tU16}}}, {Name: "Err", Index: 1, Fields: []Field{{Type: tStr}}}}}
	types[tVecTuple] = Type{Kind: KindSequence, Elem: tTupleU16U64}
	types[tU128] = prim(PrimU128)
	types[tI64] = prim(PrimI64)
	types[tChar] = prim(PrimChar)
	types[tRecord] = Type{Path: []string{"Record"}, Kind: KindComposite, Fields: []Field{
		{Name: "id", Type: tCompactU32}, {Name: "name", Type: tStr}, {Name: "shape", Type: tShape},
		{Name: "maybe", Type: tOptionU16}, {Name: "bits", Type: tBitsU8Lsb0}, {Name: "big", Type: tU128}}}
	types[tVecRecord] = Type{Kind: KindSequence, Elem: tRecord}
	types[tUnit] = Type{Kind: KindTuple}
	types[tVecUnit] = Type{Kind: KindSequence, Elem: tUnit}
	for i := range types {
		types[i].ID = TypeID(i)
	}
	r := &Registry{types: types}
	if err := r.validate(); err != nil {
		panic(err)
	}
	return r
}

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSyntheticGenericValues(t *testing.T) {
	r := testRegistry()
	for _, tc := range []struct {
		id   TypeID
		hex  string
		want any
	}{
		{tCompactU32, "0101", uint32(64)},
		{tCompactPerbill, "02000100", uint32(16384)}, // Compact<Perbill> holds the bare u32
		{tOptionU16, "00", Variant{Name: "None", Index: 0}},
		{tOptionU16, "012a00", Variant{Name: "Some", Index: 1, Fields: []NamedValue{{Value: uint16(42)}}}},
		{tTupleU16U64, "01000200000000000000", Composite{Fields: []NamedValue{{Value: uint16(1)}, {Value: uint64(2)}}}},
		{tBitsU8Lsb0, "141c", scale.BitSequence{false, false, true, true, true}},
		{tBitsU32Msb0, "1400000038", scale.BitSequence{false, false, true, true, true}},
		{tShape, "050300" + "0400", Variant{Name: "Rect", Index: 5, Fields: []NamedValue{{Name: "w", Value: uint16(3)}, {Name: "h", Value: uint16(4)}}}},
		{tShape, "01", Variant{Name: "Empty", Index: 1}},
		{tResult, "010c626164", Variant{Name: "Err", Index: 1, Fields: []NamedValue{{Value: "bad"}}}},
		{tArr4, "01020304", []byte{1, 2, 3, 4}},
		{tBytes, "0c010203", []byte{1, 2, 3}},
		{tI64, "feffffffffffffff", int64(-2)},
		{tChar, "e9000000", Char('é')},
		{tVecUnit, "0c", Sequence{Composite{Fields: []NamedValue{}}, Composite{Fields: []NamedValue{}}, Composite{Fields: []NamedValue{}}}},
	} {
		got, err := r.Decode(tc.id, unhex(t, tc.hex))
		if err != nil {
			t.Errorf("%s %s: %v", r.Name(tc.id), tc.hex, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got, cmp.Comparer(func(a, b Composite) bool {
			return len(a.Fields) == len(b.Fields) && cmp.Equal(a.Fields, b.Fields, cmp.Comparer(func(x, y NamedValue) bool { return x.Name == y.Name && cmp.Equal(x.Value, y.Value) }))
		})); diff != "" {
			t.Errorf("%s %s (-want +got):\n%s", r.Name(tc.id), tc.hex, diff)
		}
		back, err := r.Encode(tc.id, got)
		if err != nil || hex.EncodeToString(back) != tc.hex {
			t.Errorf("%s re-encode = %x, %v; want %s", r.Name(tc.id), back, err, tc.hex)
		}
	}
	// Variant index 2 does not exist in Shape.
	if _, err := r.Decode(tShape, []byte{2}); !errors.Is(err, ErrTypeMismatch) {
		t.Errorf("unknown variant: %v", err)
	}
	// Zero-size elements: a huge count is refused rather than allocated.
	if _, err := r.Decode(tVecUnit, scale.AppendCompact(nil, 1<<30)); !errors.Is(err, scale.ErrLengthTooLarge) {
		t.Errorf("huge Vec<()>: %v", err)
	}
}

// Go destinations for DecodeInto with the synthetic registry.
type goRecord struct {
	ID    uint64 // Compact<u32> into a wider Go integer
	Name  []byte // str into bytes
	Shape Variant
	Maybe *uint16
	Bits  []bool
	Big   scale.Uint128
}

type goRecordValues struct {
	Ident uint32 `scale:"id"` // tag overrides the name
	Name  string
	Maybe uint16 // Option into a non-pointer: None leaves zero
	Shape any
}

func TestSyntheticDecodeInto(t *testing.T) {
	r := testRegistry()
	records := []any{
		map[string]any{"id": 7, "name": "seven", "shape": Variant{Name: "Circle", Fields: []NamedValue{{Value: uint32(9)}}},
			"maybe": uint16(3), "bits": []bool{true, false, true}, "big": scale.Uint128{Hi: 1, Lo: 2}},
		map[string]any{"id": 1 << 20, "name": "", "shape": "Empty", "maybe": nil, "bits": []bool{}, "big": 0},
	}
	raw, err := r.Encode(tVecRecord, records)
	if err != nil {
		t.Fatal(err)
	}
	var got []goRecord
	if err := r.DecodeInto(tVecRecord, raw, &got); err != nil {
		t.Fatal(err)
	}
	three := uint16(3)
	want := []goRecord{
		{ID: 7, Name: []byte("seven"), Shape: Variant{Name: "Circle", Index: 0, Fields: []NamedValue{{Value: uint32(9)}}}, Maybe: &three, Bits: []bool{true, false, true}, Big: scale.Uint128{Hi: 1, Lo: 2}},
		{ID: 1 << 20, Name: nil, Shape: Variant{Name: "Empty", Index: 1}, Bits: []bool{}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	var vals []goRecordValues
	if err := r.DecodeInto(tVecRecord, raw, &vals); err != nil {
		t.Fatal(err)
	}
	if vals[0].Ident != 7 || vals[0].Name != "seven" || vals[0].Maybe != 3 || vals[1].Maybe != 0 || vals[1].Ident != 1<<20 {
		t.Errorf("values = %+v", vals)
	}
	// Tuples fill structs by position and arrays; a fieldless variant fills a string.
	var pairs []struct {
		A uint16
		B uint64
	}
	if err := r.DecodeInto(tVecTuple, unhex(t, "08"+"01000200000000000000"+"03000400000000000000"), &pairs); err != nil || pairs[1].B != 4 {
		t.Errorf("tuple structs: %+v %v", pairs, err)
	}
	var arr [2]uint64
	if err := r.DecodeInto(tTupleU16U64, unhex(t, "01000200000000000000"), &arr); err != nil || arr != [2]uint64{1, 2} {
		t.Errorf("tuple array: %v %v", arr, err)
	}
	var shape string
	if err := r.DecodeInto(tShape, []byte{1}, &shape); err != nil || shape != "Empty" {
		t.Errorf("variant name: %q %v", shape, err)
	}
	if err := r.DecodeInto(tShape, unhex(t, "0009000000"), &shape); !errors.Is(err, ErrTypeMismatch) {
		t.Errorf("variant with fields into string: %v", err)
	}
	// Newtype unwrapping and Compact<wrapper>.
	var perbill uint32
	if err := r.DecodeInto(tCompactPerbill, unhex(t, "02000100"), &perbill); err != nil || perbill != 16384 {
		t.Errorf("Compact<Perbill>: %d %v", perbill, err)
	}
	var arr4 [4]byte
	if err := r.DecodeInto(tArr4, unhex(t, "01020304"), &arr4); err != nil || arr4 != [4]byte{1, 2, 3, 4} {
		t.Errorf("[u8;4]: %v %v", arr4, err)
	}
	var wrong [3]byte
	if err := r.DecodeInto(tArr4, unhex(t, "01020304"), &wrong); !errors.Is(err, ErrTypeMismatch) {
		t.Errorf("[u8;4] into [3]byte: %v", err)
	}
	// Overflow checks when narrowing and sign checks.
	var small uint8
	if err := r.DecodeInto(tCompactU32, unhex(t, "0101"), &small); err != nil || small != 64 {
		t.Errorf("compact into uint8: %d %v", small, err)
	}
	if err := r.DecodeInto(tCompactU32, unhex(t, "02000100"), &small); !errors.Is(err, scale.ErrOverflow) {
		t.Errorf("compact overflow: %v", err)
	}
	var u uint64
	if err := r.DecodeInto(tI64, unhex(t, "feffffffffffffff"), &u); !errors.Is(err, scale.ErrOverflow) {
		t.Errorf("negative into uint64: %v", err)
	}
	var i8 int8
	if err := r.DecodeInto(tI64, unhex(t, "feffffffffffffff"), &i8); err != nil || i8 != -2 {
		t.Errorf("i64 -2 into int8: %d %v", i8, err)
	}
	// Results and unsupported pairs.
	var res Variant
	if err := r.DecodeInto(tResult, unhex(t, "002a00"), &res); err != nil || res.Name != "Ok" {
		t.Errorf("result: %+v %v", res, err)
	}
	var f float64
	if err := r.DecodeInto(tU16, []byte{1, 0}, &f); !errors.Is(err, ErrTypeMismatch) {
		t.Errorf("float destination: %v", err)
	}
	if err := r.DecodeInto(tU16, []byte{1, 0}, f); !errors.Is(err, ErrTypeMismatch) {
		t.Errorf("non-pointer destination: %v", err)
	}
}

// shapeGo decodes Shape itself through scale.Unmarshaler.
type shapeGo struct {
	Kind string
	R    uint32
}

func (s *shapeGo) UnmarshalSCALE(d *scale.Decoder) error {
	idx, err := d.U8()
	if err != nil {
		return err
	}
	switch idx {
	case 0:
		s.Kind = "circle"
		s.R, err = d.U32()
	case 1:
		s.Kind = "empty"
	default:
		s.Kind = "other"
		_, err = d.Next(d.Remaining())
	}
	return err
}

func TestDecodeIntoUnmarshaler(t *testing.T) {
	r := testRegistry()
	var recs []struct {
		Name  string
		Shape shapeGo
	}
	raw, err := r.Encode(tVecRecord, []any{map[string]any{"id": 1, "name": "a", "shape": Variant{Name: "Circle", Fields: []NamedValue{{Value: 5}}}, "maybe": nil, "bits": []bool{}, "big": 0}})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.DecodeInto(tVecRecord, raw, &recs); err != nil {
		t.Fatal(err)
	}
	if recs[0].Shape != (shapeGo{"circle", 5}) || recs[0].Name != "a" {
		t.Errorf("got %+v", recs)
	}
}

func TestRegistryRejectsInfiniteTypes(t *testing.T) {
	r := &Registry{types: []Type{
		{ID: 0, Kind: KindComposite, Fields: []Field{{Name: "next", Type: 1}}},
		{ID: 1, Kind: KindTuple, Tuple: []TypeID{0}},
	}}
	if err := r.validate(); err == nil {
		t.Fatal("a type containing itself was accepted")
	}
	// Recursion through a sequence is fine: each level reads a length.
	r = &Registry{types: []Type{
		{ID: 0, Kind: KindComposite, Fields: []Field{{Name: "children", Type: 1}}},
		{ID: 1, Kind: KindSequence, Elem: 0},
	}}
	if err := r.validate(); err != nil {
		t.Fatal(err)
	}
	// A deep but finite nesting hits the depth limit instead of the stack.
	deep := make([]byte, 0, 2*maxDepth)
	for i := 0; i < maxDepth+5; i++ {
		deep = append(deep, 4) // one child
	}
	deep = append(deep, 0)
	if _, err := r.Decode(0, deep); !errors.Is(err, ErrTooDeep) {
		t.Fatalf("deep value: %v", err)
	}
	type node struct{ Children []node }
	var n node
	if err := r.DecodeInto(0, deep, &n); err != nil {
		t.Fatalf("plan on a value %d deep: %v", maxDepth+5, err)
	}
	deeper := append(bytes.Repeat([]byte{4}, scale.MaxNesting+2), 0)
	if err := r.DecodeInto(0, deeper, &n); !errors.Is(err, scale.ErrTooDeep) {
		t.Fatalf("plan on a value deeper than MaxNesting: %v", err)
	}
	if err := r.DecodeInto(0, []byte{4, 4, 0}, &n); err != nil || len(n.Children) != 1 || len(n.Children[0].Children) != 1 {
		t.Fatalf("recursive plan: %+v %v", n, err)
	}
}

func TestConcurrentPlanCompilation(t *testing.T) {
	// A fresh metadata per run so plans compile while other goroutines decode.
	md, err := Decode(rawMetadata(t, spec343V15File))
	if err != nil {
		t.Fatal(err)
	}
	mm := mustMethod(t, md, "NeuronInfoRuntimeApi", "get_neurons_lite")
	raw := neuronsLite343(t)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var ns []testNeuronLite
			if err := mm.DecodeResult(raw, &ns); err != nil {
				errs <- err
				return
			}
			if len(ns) != 1024 {
				errs <- errors.New("wrong count")
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestPropertyIntegerConversions decodes every integer primitive and compact
// into every Go integer kind: the result equals the value when it fits the Go
// type and is scale.ErrOverflow exactly when it does not.
func TestPropertyIntegerConversions(t *testing.T) {
	prims := []Primitive{PrimU8, PrimU16, PrimU32, PrimU64, PrimI8, PrimI16, PrimI32, PrimI64}
	types := make([]Type, 0, 2*len(prims))
	for _, p := range prims {
		types = append(types, Type{Kind: KindPrimitive, Primitive: p})
	}
	for i, p := range prims {
		if p <= PrimU64 {
			types = append(types, Type{Kind: KindCompact, Elem: TypeID(i)})
		}
	}
	for i := range types {
		types[i].ID = TypeID(i)
	}
	r := &Registry{types: types}
	if err := r.validate(); err != nil {
		t.Fatal(err)
	}
	type dst struct {
		name     string
		min, max *big.Int
		decode   func(id TypeID, b []byte) (*big.Int, error)
	}
	mk := func(name string, lo, hi *big.Int, dec func(id TypeID, b []byte) (*big.Int, error)) dst {
		return dst{name, lo, hi, dec}
	}
	i64 := big.NewInt
	u64 := func(v uint64) *big.Int { return new(big.Int).SetUint64(v) }
	dsts := []dst{
		mk("uint8", i64(0), u64(math.MaxUint8), func(id TypeID, b []byte) (*big.Int, error) {
			var v uint8
			err := r.DecodeInto(id, b, &v)
			return u64(uint64(v)), err
		}),
		mk("uint16", i64(0), u64(math.MaxUint16), func(id TypeID, b []byte) (*big.Int, error) {
			var v uint16
			err := r.DecodeInto(id, b, &v)
			return u64(uint64(v)), err
		}),
		mk("uint32", i64(0), u64(math.MaxUint32), func(id TypeID, b []byte) (*big.Int, error) {
			var v uint32
			err := r.DecodeInto(id, b, &v)
			return u64(uint64(v)), err
		}),
		mk("uint64", i64(0), u64(math.MaxUint64), func(id TypeID, b []byte) (*big.Int, error) {
			var v uint64
			err := r.DecodeInto(id, b, &v)
			return u64(v), err
		}),
		mk("uint", i64(0), u64(math.MaxUint), func(id TypeID, b []byte) (*big.Int, error) {
			var v uint
			err := r.DecodeInto(id, b, &v)
			return u64(uint64(v)), err
		}),
		mk("int8", i64(math.MinInt8), i64(math.MaxInt8), func(id TypeID, b []byte) (*big.Int, error) {
			var v int8
			err := r.DecodeInto(id, b, &v)
			return i64(int64(v)), err
		}),
		mk("int16", i64(math.MinInt16), i64(math.MaxInt16), func(id TypeID, b []byte) (*big.Int, error) {
			var v int16
			err := r.DecodeInto(id, b, &v)
			return i64(int64(v)), err
		}),
		mk("int32", i64(math.MinInt32), i64(math.MaxInt32), func(id TypeID, b []byte) (*big.Int, error) {
			var v int32
			err := r.DecodeInto(id, b, &v)
			return i64(int64(v)), err
		}),
		mk("int64", i64(math.MinInt64), i64(math.MaxInt64), func(id TypeID, b []byte) (*big.Int, error) {
			var v int64
			err := r.DecodeInto(id, b, &v)
			return i64(v), err
		}),
		mk("int", i64(math.MinInt), i64(math.MaxInt), func(id TypeID, b []byte) (*big.Int, error) {
			var v int
			err := r.DecodeInto(id, b, &v)
			return i64(int64(v)), err
		}),
	}
	for id := range types {
		for _, d := range dsts {
			t.Run(r.Name(TypeID(id))+"/"+d.name, func(t *testing.T) {
				checkIntegerConversion(t, r, TypeID(id), d.name, d.min, d.max, d.decode)
			})
		}
	}
}

func checkIntegerConversion(tt *testing.T, r *Registry, id TypeID, name string, minV, maxV *big.Int, decode func(TypeID, []byte) (*big.Int, error)) {
	i64 := big.NewInt
	u64 := func(v uint64) *big.Int { return new(big.Int).SetUint64(v) }
	types := r.types
	rapid.Check(tt, func(t *rapid.T) {
		ty := &types[id]
		p := ty.Primitive
		if ty.Kind == KindCompact {
			p = types[ty.Elem].Primitive
		}
		bits := uint(8 * p.size())
		var v *big.Int
		// Values near the Go destination's limits are where conversions break:
		// draw them as often as uniform values.
		if p <= PrimU64 {
			v = u64(rapid.OneOf(rapid.Uint64Max(maxUnsigned(p)), rapid.SampledFrom([]uint64{
				0, 1, math.MaxInt8, math.MaxInt8 + 1, math.MaxUint8, math.MaxUint8 + 1, math.MaxInt16 + 1, math.MaxUint16,
				math.MaxUint16 + 1, math.MaxInt32 + 1, math.MaxUint32, math.MaxUint32 + 1, math.MaxInt64, math.MaxInt64 + 1, math.MaxUint64,
			})).Draw(t, "u") & maxUnsigned(p))
		} else {
			lo := -(int64(1) << (bits - 1))
			hi := int64(uint64(1)<<(bits-1) - 1)
			x := rapid.OneOf(rapid.Int64Range(lo, hi), rapid.SampledFrom([]int64{
				-1, 0, math.MinInt8, math.MinInt8 - 1, math.MaxInt8, math.MaxUint8 + 1, math.MinInt16 - 1, math.MaxInt16 + 1,
				math.MinInt32, math.MinInt32 - 1, math.MaxInt32 + 1, math.MinInt64, math.MaxInt64,
			})).Draw(t, "i")
			v = i64(min(max(x, lo), hi))
		}
		b, err := r.Encode(id, v)
		if err != nil {
			t.Fatalf("encode %s %s: %v", r.Name(id), v, err)
		}
		got, err := decode(id, b)
		fits := v.Cmp(minV) >= 0 && v.Cmp(maxV) <= 0
		switch {
		case fits && (err != nil || got.Cmp(v) != 0):
			t.Fatalf("%s %s into %s = %s, %v", r.Name(id), v, name, got, err)
		case !fits && !errors.Is(err, scale.ErrOverflow):
			t.Fatalf("%s %s into %s: error %v, want ErrOverflow", r.Name(id), v, name, err)
		}
	})
}
