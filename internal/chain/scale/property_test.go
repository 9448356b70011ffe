package scale

import (
	"bytes"
	"math/big"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"
)

// compactGen draws values around every compact mode boundary as well as
// uniformly, so the boundaries 2^6, 2^14, 2^30 and the byte-length steps of
// mode 3 are always exercised.
func compactGen() *rapid.Generator[uint64] {
	return rapid.Custom(func(t *rapid.T) uint64 {
		if rapid.Bool().Draw(t, "boundary") {
			shift := rapid.SampledFrom([]uint{6, 14, 30, 32, 40, 48, 56, 63}).Draw(t, "shift")
			delta := rapid.IntRange(-2, 2).Draw(t, "delta")
			return uint64(1)<<shift + uint64(int64(delta))
		}
		return rapid.Uint64().Draw(t, "v")
	})
}

func TestPropertyCompactU64(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		v := compactGen().Draw(t, "v")
		b := AppendCompact(nil, v)
		if len(b) != CompactSize(v) {
			t.Fatalf("size %d vs CompactSize %d", len(b), CompactSize(v))
		}
		d := NewDecoder(b)
		got, err := d.Compact()
		if err != nil || got != v || d.Remaining() != 0 {
			t.Fatalf("Compact(%x) = %d, %v; want %d", b, got, err, v)
		}
		// The same value through the big-integer paths encodes identically.
		var e Encoder
		if err := e.CompactBig(new(big.Int).SetUint64(v)); err != nil {
			t.Fatal(err)
		}
		e.CompactU128(Uint128From64(v))
		if !bytes.Equal(e.Bytes(), append(append([]byte{}, b...), b...)) {
			t.Fatalf("big/u128 encodings differ from u64 for %d", v)
		}
	})
}

func TestPropertyCompactBig(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		nbytes := rapid.IntRange(1, MaxCompactBytes).Draw(t, "bytes")
		raw := rapid.SliceOfN(rapid.Byte(), nbytes, nbytes).Draw(t, "raw")
		v := new(big.Int).SetBytes(raw)
		var e Encoder
		if err := e.CompactBig(v); err != nil {
			t.Fatal(err)
		}
		d := NewDecoder(e.Bytes())
		got, err := d.CompactBig()
		if err != nil || got.Cmp(v) != 0 || d.Remaining() != 0 {
			t.Fatalf("CompactBig round trip of %s: %s, %v", v, got, err)
		}
		if v.BitLen() <= 128 {
			u, err := Uint128FromBig(v)
			if err != nil {
				t.Fatal(err)
			}
			got128, err := NewDecoder(e.Bytes()).CompactU128()
			if err != nil || got128 != u {
				t.Fatalf("CompactU128: %v %v want %v", got128, err, u)
			}
		}
	})
}

func TestPropertyWideIntegers(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		u := Uint128{Hi: rapid.Uint64().Draw(t, "hi"), Lo: rapid.Uint64().Draw(t, "lo")}
		i := Int128{Hi: rapid.Uint64().Draw(t, "ihi"), Lo: rapid.Uint64().Draw(t, "ilo")}
		var u256 Uint256
		var i256 Int256
		for k := range u256 {
			u256[k] = rapid.Uint64().Draw(t, "u256")
			i256[k] = rapid.Uint64().Draw(t, "i256")
		}
		// big.Int conversions are inverse to each other.
		if back, err := Uint128FromBig(u.Big()); err != nil || back != u {
			t.Fatalf("u128 big: %v %v", back, err)
		}
		if back, err := Int128FromBig(i.Big()); err != nil || back != i {
			t.Fatalf("i128 big: %v %v", back, err)
		}
		if back, err := Uint256FromBig(u256.Big()); err != nil || back != u256 {
			t.Fatalf("u256 big: %v %v", back, err)
		}
		if back, err := Int256FromBig(i256.Big()); err != nil || back != i256 {
			t.Fatalf("i256 big: %v %v", back, err)
		}
		var e Encoder
		e.U128(u)
		e.I128(i)
		e.U256(u256)
		e.I256(i256)
		d := NewDecoder(e.Bytes())
		gu, _ := d.U128()
		gi, _ := d.I128()
		gu256, _ := d.U256()
		gi256, err := d.I256()
		if err != nil || gu != u || gi != i || gu256 != u256 || gi256 != i256 || d.Finish() != nil {
			t.Fatalf("wide round trip failed: %v", err)
		}
		// Little-endian: the first byte is the lowest byte of the lowest limb.
		if e.Bytes()[0] != byte(u.Lo) {
			t.Fatalf("u128 not little-endian")
		}
	})
}

func TestPropertyBitSequence(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		bits := BitSequence(rapid.SliceOfN(rapid.Bool(), 0, 200).Draw(t, "bits"))
		store := rapid.SampledFrom([]BitStore{BitStoreU8, BitStoreU16, BitStoreU32, BitStoreU64}).Draw(t, "store")
		order := rapid.SampledFrom([]BitOrder{Lsb0, Msb0}).Draw(t, "order")
		var e Encoder
		if err := e.BitSequence(bits, store, order); err != nil {
			t.Fatal(err)
		}
		words := (len(bits) + int(store)*8 - 1) / (int(store) * 8)
		if e.Len() != CompactSize(uint64(len(bits)))+words*int(store) {
			t.Fatalf("encoded length %d", e.Len())
		}
		d := NewDecoder(e.Bytes())
		back, err := d.BitSequence(store, order)
		if err != nil || d.Remaining() != 0 {
			t.Fatal(err)
		}
		if len(back) != len(bits) {
			t.Fatalf("length %d want %d", len(back), len(bits))
		}
		for i := range bits {
			if back[i] != bits[i] {
				t.Fatalf("bit %d differs", i)
			}
		}
	})
}

// everything exercises each static-codec mapping at once: fixed ints of all
// widths, compacts (including u128 and big), bool, Option, Result, Vec, fixed
// arrays, tuples (nested structs), strings, bytes, bit sequences and a
// hand-written enum.
type everything struct {
	U8       uint8
	U16      uint16
	U32      uint32
	U64      uint64
	U128     Uint128
	U256     Uint256
	I8       int8
	I16      int16
	I32      int32
	I64      int64
	I128     Int128
	I256     Int256
	C16      uint16   `scale:",compact"`
	C64      uint64   `scale:",compact"`
	C128     Uint128  `scale:",compact"`
	CBig     *big.Int `scale:",compact"`
	CVec     []uint32 `scale:",compact"`
	Flag     bool
	Maybe    *uint32
	MaybeStr *string
	Res      Result[uint16, string]
	Vec      []uint16
	Arr      [3]int16
	Tuple    pair
	Tuples   []pair
	Str      string
	Bytes    []byte
	Hash     [32]byte
	Bits     BitSequence
	Choice   shape
	Skipped  int `scale:"-"`
}

type pair struct {
	A [32]byte
	B uint64 `scale:",compact"`
}

// shape is an enum: Circle(u32) = 0, Rect{w u16, h u16} = 1, Empty = 2.
type shape struct {
	Kind   uint8
	Radius uint32
	W, H   uint16
}

func (s shape) MarshalSCALE(e *Encoder) error {
	e.U8(s.Kind)
	switch s.Kind {
	case 0:
		e.U32(s.Radius)
	case 1:
		e.U16(s.W)
		e.U16(s.H)
	}
	return nil
}

func (s *shape) UnmarshalSCALE(d *Decoder) error {
	k, err := d.U8()
	if err != nil {
		return err
	}
	*s = shape{Kind: k}
	switch k {
	case 0:
		s.Radius, err = d.U32()
	case 1:
		if s.W, err = d.U16(); err == nil {
			s.H, err = d.U16()
		}
	case 2:
	default:
		err = ErrInvalidOption
	}
	return err
}

func everythingGen() *rapid.Generator[everything] {
	return rapid.Custom(func(t *rapid.T) everything {
		var v everything
		v.U8 = rapid.Uint8().Draw(t, "u8")
		v.U16 = rapid.Uint16().Draw(t, "u16")
		v.U32 = rapid.Uint32().Draw(t, "u32")
		v.U64 = rapid.Uint64().Draw(t, "u64")
		v.U128 = Uint128{rapid.Uint64().Draw(t, "hi"), rapid.Uint64().Draw(t, "lo")}
		v.U256 = Uint256{rapid.Uint64().Draw(t, "a"), 0, rapid.Uint64().Draw(t, "b"), 1}
		v.I8 = rapid.Int8().Draw(t, "i8")
		v.I16 = rapid.Int16().Draw(t, "i16")
		v.I32 = rapid.Int32().Draw(t, "i32")
		v.I64 = rapid.Int64().Draw(t, "i64")
		v.I128 = Int128From64(rapid.Int64().Draw(t, "i128"))
		v.I256 = Int256{rapid.Uint64().Draw(t, "c"), 0, 0, ^uint64(0)}
		v.C16 = uint16(compactGen().Draw(t, "c16"))
		v.C64 = compactGen().Draw(t, "c64")
		v.C128 = Uint128{Hi: rapid.Uint64Max(1<<20).Draw(t, "c128hi"), Lo: compactGen().Draw(t, "c128lo")}
		v.CBig = new(big.Int).SetBytes(rapid.SliceOfN(rapid.Byte(), 0, MaxCompactBytes).Draw(t, "cbig"))
		v.CVec = rapid.SliceOfN(rapid.Uint32(), 0, 5).Draw(t, "cvec")
		v.Flag = rapid.Bool().Draw(t, "flag")
		if rapid.Bool().Draw(t, "some") {
			x := rapid.Uint32().Draw(t, "maybe")
			v.Maybe = &x
		}
		if rapid.Bool().Draw(t, "somestr") {
			s := rapid.String().Draw(t, "maybestr")
			v.MaybeStr = &s
		}
		if rapid.Bool().Draw(t, "ok") {
			v.Res.Ok = rapid.Uint16().Draw(t, "resok")
		} else {
			s := rapid.String().Draw(t, "reserr")
			v.Res.Err = &s
		}
		v.Vec = rapid.SliceOfN(rapid.Uint16(), 0, 70).Draw(t, "vec")
		v.Arr = [3]int16{rapid.Int16().Draw(t, "a0"), rapid.Int16().Draw(t, "a1"), rapid.Int16().Draw(t, "a2")}
		v.Tuple = pair{B: compactGen().Draw(t, "pb")}
		copy(v.Tuple.A[:], rapid.SliceOfN(rapid.Byte(), 32, 32).Draw(t, "pa"))
		v.Tuples = make([]pair, rapid.IntRange(0, 3).Draw(t, "np"))
		for i := range v.Tuples {
			v.Tuples[i].B = compactGen().Draw(t, "tb")
		}
		v.Str = rapid.String().Draw(t, "str")
		v.Bytes = rapid.SliceOfN(rapid.Byte(), 0, 300).Draw(t, "bytes")
		copy(v.Hash[:], rapid.SliceOfN(rapid.Byte(), 32, 32).Draw(t, "hash"))
		v.Bits = rapid.SliceOfN(rapid.Bool(), 0, 40).Draw(t, "bits")
		v.Choice.Kind = rapid.Uint8Range(0, 2).Draw(t, "kind")
		switch v.Choice.Kind {
		case 0:
			v.Choice.Radius = rapid.Uint32().Draw(t, "r")
		case 1:
			v.Choice.W, v.Choice.H = rapid.Uint16().Draw(t, "w"), rapid.Uint16().Draw(t, "h")
		}
		return v
	})
}

func TestPropertyStaticCodecRoundTrip(t *testing.T) {
	opts := cmp.Options{
		cmp.Comparer(func(a, b *big.Int) bool { return a.Cmp(b) == 0 }),
		cmp.AllowUnexported(),
	}
	rapid.Check(t, func(t *rapid.T) {
		v := everythingGen().Draw(t, "v")
		b, err := Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var back everything
		if err := Unmarshal(b, &back); err != nil {
			t.Fatalf("Unmarshal: %v", err)
		}
		// Nil and empty slices encode the same; normalise before comparing.
		norm := func(x *everything) {
			if len(x.CVec) == 0 {
				x.CVec = nil
			}
			if len(x.Vec) == 0 {
				x.Vec = nil
			}
			if len(x.Tuples) == 0 {
				x.Tuples = nil
			}
			if len(x.Bytes) == 0 {
				x.Bytes = nil
			}
			if len(x.Bits) == 0 {
				x.Bits = nil
			}
		}
		norm(&v)
		norm(&back)
		if diff := cmp.Diff(v, back, opts...); diff != "" {
			t.Fatalf("round trip (-want +got):\n%s", diff)
		}
		// Every strict prefix of a valid encoding is an error, never a panic.
		cut := rapid.IntRange(0, len(b)-1).Draw(t, "cut")
		var partial everything
		if err := Unmarshal(b[:cut], &partial); err == nil {
			t.Fatalf("prefix of %d/%d bytes decoded without error", cut, len(b))
		}
	})
}
