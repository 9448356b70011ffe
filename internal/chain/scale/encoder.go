package scale

import (
	"encoding/binary"
	"fmt"
	"math/big"
)

// Encoder appends SCALE values to a byte slice. The zero value is ready to use.
type Encoder struct {
	buf []byte
}

// NewEncoder returns an encoder that appends to buf (which may be nil).
func NewEncoder(buf []byte) *Encoder { return &Encoder{buf: buf} }

// Bytes returns the encoded bytes.
func (e *Encoder) Bytes() []byte { return e.buf }

// Len returns the number of encoded bytes.
func (e *Encoder) Len() int { return len(e.buf) }

// Reset discards the encoded bytes, keeping the allocated capacity.
func (e *Encoder) Reset() { e.buf = e.buf[:0] }

// Raw appends b unchanged (fixed arrays, pre-encoded values).
func (e *Encoder) Raw(b []byte) { e.buf = append(e.buf, b...) }

// U8 appends a u8.
func (e *Encoder) U8(v uint8) { e.buf = append(e.buf, v) }

// U16 appends a little-endian u16.
func (e *Encoder) U16(v uint16) { e.buf = binary.LittleEndian.AppendUint16(e.buf, v) }

// U32 appends a little-endian u32.
func (e *Encoder) U32(v uint32) { e.buf = binary.LittleEndian.AppendUint32(e.buf, v) }

// U64 appends a little-endian u64.
func (e *Encoder) U64(v uint64) { e.buf = binary.LittleEndian.AppendUint64(e.buf, v) }

// U128 appends a little-endian u128.
func (e *Encoder) U128(v Uint128) {
	e.buf = binary.LittleEndian.AppendUint64(e.buf, v.Lo)
	e.buf = binary.LittleEndian.AppendUint64(e.buf, v.Hi)
}

// U256 appends a little-endian u256.
func (e *Encoder) U256(v Uint256) {
	for _, limb := range v {
		e.buf = binary.LittleEndian.AppendUint64(e.buf, limb)
	}
}

// I8 appends an i8.
func (e *Encoder) I8(v int8) { e.U8(uint8(v)) } //nolint:gosec // G115: SCALE stores the two's-complement bits.

// I16 appends a little-endian i16.
func (e *Encoder) I16(v int16) { e.U16(uint16(v)) } //nolint:gosec // G115: SCALE stores the two's-complement bits.

// I32 appends a little-endian i32.
func (e *Encoder) I32(v int32) { e.U32(uint32(v)) } //nolint:gosec // G115: SCALE stores the two's-complement bits.

// I64 appends a little-endian i64.
func (e *Encoder) I64(v int64) { e.U64(uint64(v)) } //nolint:gosec // G115: SCALE stores the two's-complement bits.

// I128 appends a little-endian i128.
func (e *Encoder) I128(v Int128) { e.U128(Uint128(v)) }

// I256 appends a little-endian i256.
func (e *Encoder) I256(v Int256) { e.U256(Uint256(v)) }

// Bool appends a bool.
func (e *Encoder) Bool(v bool) {
	if v {
		e.U8(1)
	} else {
		e.U8(0)
	}
}

// Option appends an Option tag; when some is true the caller appends the value.
func (e *Encoder) Option(some bool) { e.Bool(some) }

// Result appends a Result tag (Ok = 0, Err = 1); the caller appends the payload.
func (e *Encoder) Result(ok bool) { e.Bool(!ok) }

// Compact appends v as a compact integer.
func (e *Encoder) Compact(v uint64) { e.buf = AppendCompact(e.buf, v) }

// CompactU128 appends v as a compact integer.
func (e *Encoder) CompactU128(v Uint128) {
	if v.Hi == 0 {
		e.Compact(v.Lo)
		return
	}
	var tmp [16]byte
	binary.LittleEndian.PutUint64(tmp[:], v.Lo)
	binary.LittleEndian.PutUint64(tmp[8:], v.Hi)
	e.appendBigCompact(tmp[:])
}

// CompactBig appends a non-negative v < 2^536 as a compact integer.
func (e *Encoder) CompactBig(v *big.Int) error {
	if v.Sign() < 0 || v.BitLen() > 8*MaxCompactBytes {
		return fmt.Errorf("%w: %s is not a compact integer", ErrOverflow, v)
	}
	if v.IsUint64() {
		e.Compact(v.Uint64())
		return nil
	}
	be := v.Bytes()
	le := make([]byte, len(be))
	for i := range be {
		le[len(be)-1-i] = be[i]
	}
	e.appendBigCompact(le)
	return nil
}

// appendBigCompact writes mode 3 for a little-endian value >= 2^30, trimming
// high zero bytes so the encoding is canonical.
func (e *Encoder) appendBigCompact(le []byte) {
	n := len(le)
	for n > 4 && le[n-1] == 0 {
		n--
	}
	e.buf = append(e.buf, byte((n-4)<<2|3)) //nolint:gosec // G115: n ≤ MaxCompactBytes (callers pass at most 67 bytes), so the header fits a byte.
	e.buf = append(e.buf, le[:n]...)
}

// Length appends a compact length prefix.
func (e *Encoder) Length(n int) { e.Compact(uint64(n)) } //nolint:gosec // G115: n is a length, never negative.

// ByteVec appends a Vec<u8> (compact length ‖ bytes).
func (e *Encoder) ByteVec(b []byte) {
	e.Length(len(b))
	e.buf = append(e.buf, b...)
}

// Str appends a string (compact length ‖ UTF-8 bytes).
func (e *Encoder) Str(s string) {
	e.Length(len(s))
	e.buf = append(e.buf, s...)
}

// Char appends a Rust char (u32).
func (e *Encoder) Char(r rune) { e.U32(uint32(r)) } //nolint:gosec // G115: a Rust char is the rune's bits as a u32.

// AppendCompact appends v as a compact integer to dst and returns the extended
// slice, in the manner of encoding/binary's Append functions.
func AppendCompact(dst []byte, v uint64) []byte {
	switch {
	case v < 1<<6:
		return append(dst, byte(v<<2))
	case v < 1<<14:
		return binary.LittleEndian.AppendUint16(dst, uint16(v)<<2|1)
	case v < 1<<30:
		return binary.LittleEndian.AppendUint32(dst, uint32(v)<<2|2)
	}
	n := 8
	for n > 4 && v>>(8*(n-1)) == 0 {
		n--
	}
	dst = append(dst, byte(n-4)<<2|3) //nolint:gosec // G115: the loop leaves n in 4..8.
	var le [8]byte
	binary.LittleEndian.PutUint64(le[:], v)
	return append(dst, le[:n]...)
}

// CompactSize returns the encoded size of v as a compact integer.
func CompactSize(v uint64) int {
	switch {
	case v < 1<<6:
		return 1
	case v < 1<<14:
		return 2
	case v < 1<<30:
		return 4
	}
	n := 8
	for n > 4 && v>>(8*(n-1)) == 0 {
		n--
	}
	return 1 + n
}
