package scale

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math/big"
	"testing"
)

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Vectors from the SCALE codec documentation (docs.substrate.io "SCALE codec",
// table "Compact/general integers") and parity-scale-codec's README.
var compactVectors = []struct {
	v   uint64
	hex string
}{
	{0, "00"},
	{1, "04"},
	{42, "a8"},
	{63, "fc"},
	{64, "0101"},
	{69, "1501"},
	{16383, "fdff"},
	{16384, "02000100"},
	{65535, "feff0300"},
	{1<<30 - 1, "feffffff"},
	{1 << 30, "0300000040"},
	{100000000000000, "0b00407a10f35a"},
	{1<<64 - 1, "13ffffffffffffffff"},
}

func TestCompactVectors(t *testing.T) {
	for _, tc := range compactVectors {
		got := hex.EncodeToString(AppendCompact(nil, tc.v))
		if got != tc.hex {
			t.Errorf("AppendCompact(%d) = %s, want %s", tc.v, got, tc.hex)
		}
		if n := CompactSize(tc.v); n != len(tc.hex)/2 {
			t.Errorf("CompactSize(%d) = %d, want %d", tc.v, n, len(tc.hex)/2)
		}
		d := NewDecoder(mustHex(t, tc.hex))
		v, err := d.Compact()
		if err != nil || v != tc.v || d.Remaining() != 0 {
			t.Errorf("Compact(%s) = %d, %v (remaining %d), want %d", tc.hex, v, err, d.Remaining(), tc.v)
		}
	}
}

func TestCompactRejectsNonCanonical(t *testing.T) {
	for _, h := range []string{
		"0100",         // 0 in two bytes
		"fd00",         // 63 in two bytes
		"02000000",     // 0 in four bytes
		"feff0000",     // 16383 in four bytes
		"03ffffff3f",   // 2^30-1 in mode 3
		"070000004000", // 2^30 in five bytes, the top one zero
	} {
		_, err := NewDecoder(mustHex(t, h)).Compact()
		if !errors.Is(err, ErrNonCanonicalCompact) {
			t.Errorf("Compact(%s) error = %v, want ErrNonCanonicalCompact", h, err)
		}
	}
}

func TestCompactBigMax(t *testing.T) {
	// 2^536 - 1 is the largest compact: header 0xff (67 bytes) then 67 x 0xff.
	largest := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 536), big.NewInt(1))
	var e Encoder
	if err := e.CompactBig(largest); err != nil {
		t.Fatal(err)
	}
	b := e.Bytes()
	if len(b) != 68 || b[0] != 0xff {
		t.Fatalf("encoding of 2^536-1: len %d header %x", len(b), b[0])
	}
	got, err := NewDecoder(b).CompactBig()
	if err != nil || got.Cmp(largest) != 0 {
		t.Fatalf("CompactBig = %v, %v", got, err)
	}
	if err := e.CompactBig(new(big.Int).Lsh(big.NewInt(1), 536)); !errors.Is(err, ErrOverflow) {
		t.Fatalf("2^536: error = %v, want ErrOverflow", err)
	}
	if _, err := NewDecoder(b).Compact(); !errors.Is(err, ErrOverflow) {
		t.Fatalf("Compact of 2^536-1: error = %v, want ErrOverflow", err)
	}
}

func TestLengthPrefixBoundedByInput(t *testing.T) {
	// Compact 2^30 elements with 3 bytes of input left must fail before allocating.
	d := NewDecoder(mustHex(t, "0300000040aabbcc"))
	if _, err := d.Length(1); !errors.Is(err, ErrLengthTooLarge) {
		t.Fatalf("Length error = %v, want ErrLengthTooLarge", err)
	}
	var v []uint32
	if err := Unmarshal(mustHex(t, "10aabbccdd"), &v); !errors.Is(err, ErrLengthTooLarge) {
		t.Fatalf("Unmarshal []uint32 error = %v, want ErrLengthTooLarge", err)
	}
}

func TestFixedWidthLittleEndian(t *testing.T) {
	// Values from the SCALE documentation: u16 42 = 2a00, u32 16777215 = ffffff00,
	// i8 -1 = ff, i16 -2 = feff.
	var e Encoder
	e.U16(42)
	e.U32(16777215)
	e.I8(-1)
	e.I16(-2)
	e.Bool(true)
	if got := hex.EncodeToString(e.Bytes()); got != "2a00ffffff00fffeff01" {
		t.Fatalf("got %s", got)
	}
	d := NewDecoder(e.Bytes())
	u16, _ := d.U16()
	u32, _ := d.U32()
	i8, _ := d.I8()
	i16, _ := d.I16()
	b, err := d.Bool()
	if err != nil || u16 != 42 || u32 != 16777215 || i8 != -1 || i16 != -2 || !b || d.Finish() != nil {
		t.Fatalf("decoded %d %d %d %d %v err %v", u16, u32, i8, i16, b, err)
	}
}

func TestInvalidTags(t *testing.T) {
	if _, err := NewDecoder([]byte{2}).Bool(); !errors.Is(err, ErrInvalidBool) {
		t.Errorf("Bool(2) error = %v", err)
	}
	if _, err := NewDecoder([]byte{2}).Option(); !errors.Is(err, ErrInvalidOption) {
		t.Errorf("Option(2) error = %v", err)
	}
	if _, err := NewDecoder([]byte{0x08, 0xff, 0xfe}).Str(); !errors.Is(err, ErrInvalidUTF8) {
		t.Errorf("Str(invalid) error = %v", err)
	}
	if _, err := NewDecoder(nil).U64(); !errors.Is(err, ErrShortInput) {
		t.Errorf("U64(empty) error = %v", err)
	}
}

func TestBitSequenceVectors(t *testing.T) {
	// bitvec![u8, Lsb0; 0, 0, 1, 1, 1] encodes as Compact(5) = 0x14, then one
	// byte with bits 2,3,4 set = 0x1c; with Msb0 the same bits are 0x38.
	// (Examples from parity-scale-codec/bitvec's documented wire format.)
	bits := BitSequence{false, false, true, true, true}
	for _, tc := range []struct {
		store BitStore
		order BitOrder
		hex   string
	}{
		{BitStoreU8, Lsb0, "141c"},
		{BitStoreU8, Msb0, "1438"},
		{BitStoreU32, Lsb0, "141c000000"},
		{BitStoreU32, Msb0, "1400000038"},
	} {
		var e Encoder
		if err := e.BitSequence(bits, tc.store, tc.order); err != nil {
			t.Fatal(err)
		}
		if got := hex.EncodeToString(e.Bytes()); got != tc.hex {
			t.Errorf("store %d order %d: got %s want %s", tc.store, tc.order, got, tc.hex)
		}
		back, err := NewDecoder(e.Bytes()).BitSequence(tc.store, tc.order)
		if err != nil || len(back) != len(bits) {
			t.Fatalf("decode: %v %v", back, err)
		}
		for i := range bits {
			if back[i] != bits[i] {
				t.Errorf("bit %d differs", i)
			}
		}
	}
}

type weightsPreimage struct {
	Hotkey     [32]byte
	Netuid     uint16
	Uids       []uint16
	Values     []uint16
	Salt       []uint16
	VersionKey uint64
}

func TestMarshalCommitPreimage(t *testing.T) {
	// CHAIN.md §7.4: the CR-v2 preimage for Alice, netuid 1, uids [0,1], values
	// [16384,65535], salt [1,2,3], version 9003000.
	var alice [32]byte
	copy(alice[:], mustHex(t, "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d"))
	p := weightsPreimage{alice, 1, []uint16{0, 1}, []uint16{16384, 65535}, []uint16{1, 2, 3}, 9003000}
	b, err := Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	want := "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d" +
		"0100" + "0800000100" + "080040ffff" + "0c010002000300" + "f85f890000000000"
	if got := hex.EncodeToString(b); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	var back weightsPreimage
	if err := Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Hotkey != alice || back.VersionKey != 9003000 || len(back.Salt) != 3 || back.Values[1] != 65535 {
		t.Fatalf("round trip: %+v", back)
	}
}

func TestUnmarshalTrailingAndUnsupported(t *testing.T) {
	var v uint16
	if err := Unmarshal([]byte{1, 0, 0}, &v); !errors.Is(err, ErrTrailingBytes) {
		t.Errorf("trailing: %v", err)
	}
	var n int
	if err := Unmarshal([]byte{1}, &n); !errors.Is(err, ErrUnsupportedType) {
		t.Errorf("int: %v", err)
	}
	var m map[string]int
	if _, err := Marshal(m); !errors.Is(err, ErrUnsupportedType) {
		t.Errorf("map: %v", err)
	}
	var small struct {
		V uint8 `scale:",compact"`
	}
	if err := Unmarshal(AppendCompact(nil, 256), &small); !errors.Is(err, ErrOverflow) {
		t.Errorf("compact overflow: %v", err)
	}
}

func TestResultCodec(t *testing.T) {
	msg := "bad"
	r := Result[uint32, string]{Err: &msg}
	b, err := Marshal(r)
	if err != nil || hex.EncodeToString(b) != "010c626164" {
		t.Fatalf("Err: %x %v", b, err)
	}
	ok := Result[uint32, string]{Ok: 7}
	b, err = Marshal(ok)
	if err != nil || hex.EncodeToString(b) != "0007000000" {
		t.Fatalf("Ok: %x %v", b, err)
	}
	var back Result[uint32, string]
	if err := Unmarshal(b, &back); err != nil || back.Ok != 7 || back.Err != nil {
		t.Fatalf("decode Ok: %+v %v", back, err)
	}
}

type tree struct {
	Value    uint8
	Children []tree
}

func TestRecursiveTypeDepthBounded(t *testing.T) {
	in := tree{Value: 1, Children: []tree{{Value: 2, Children: []tree{{Value: 3}}}}}
	b, err := Marshal(in)
	if err != nil || hex.EncodeToString(b) != "0104020403"+"00" {
		t.Fatalf("Marshal = %x, %v", b, err)
	}
	var back tree
	if err := Unmarshal(b, &back); err != nil || back.Children[0].Children[0].Value != 3 {
		t.Fatalf("Unmarshal = %+v, %v", back, err)
	}
	// Each level takes two bytes (value, one-child length); nesting beyond
	// MaxNesting is refused instead of growing the stack with the input.
	deep := bytes.Repeat([]byte{0, 4}, MaxNesting+2)
	deep = append(deep, 0, 0)
	if err := Unmarshal(deep, &back); !errors.Is(err, ErrTooDeep) {
		t.Fatalf("deep tree: %v", err)
	}
}
