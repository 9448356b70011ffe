package scale

import (
	"encoding/binary"
	"fmt"
	"math/big"
	"unicode/utf8"
)

// MaxCompactBytes is the largest payload of a big-integer compact: the mode-3
// header stores (bytes-4) in six bits, so at most 67 bytes (values < 2^536).
const MaxCompactBytes = 67

// zeroSizeLengthLimit bounds the length of a sequence whose elements occupy no
// input bytes (e.g. Vec<()>): the input cannot justify such a length, and a
// bound keeps a hostile prefix from making a caller allocate for 2^30 elements.
const zeroSizeLengthLimit = 1 << 16

// Decoder reads SCALE values from a byte slice. The zero value reads from an
// empty input. Slices returned by Next and Bytes alias the input.
type Decoder struct {
	buf   []byte
	off   int
	depth int
}

// NewDecoder returns a decoder reading b from its start.
func NewDecoder(b []byte) *Decoder { return &Decoder{buf: b} }

// Reset makes d read b from its start.
func (d *Decoder) Reset(b []byte) { d.buf, d.off, d.depth = b, 0, 0 }

// MaxNesting bounds the recursion depth tracked by Enter.
const MaxNesting = 512

// Enter records one level of nesting for decoders of recursive types and
// fails with ErrTooDeep beyond MaxNesting, so hostile input cannot exhaust
// the stack. Every successful Enter must be paired with Leave.
func (d *Decoder) Enter() error {
	if d.depth >= MaxNesting {
		return fmt.Errorf("%w: more than %d levels at offset %d", ErrTooDeep, MaxNesting, d.off)
	}
	d.depth++
	return nil
}

// Leave undoes one Enter.
func (d *Decoder) Leave() { d.depth-- }

// Offset returns the number of bytes consumed so far.
func (d *Decoder) Offset() int { return d.off }

// Remaining returns the number of unread bytes.
func (d *Decoder) Remaining() int { return len(d.buf) - d.off }

// Rest returns the unread bytes without consuming them.
func (d *Decoder) Rest() []byte { return d.buf[d.off:] }

// Finish reports ErrTrailingBytes if unread input remains. Call it after the
// last value to make sure the input had the expected shape.
func (d *Decoder) Finish() error {
	if r := d.Remaining(); r != 0 {
		return fmt.Errorf("%w: %d bytes at offset %d", ErrTrailingBytes, r, d.off)
	}
	return nil
}

func (d *Decoder) short(n int, what string) error {
	return fmt.Errorf("%w: %s needs %d bytes at offset %d, %d left", ErrShortInput, what, n, d.off, d.Remaining())
}

// Next consumes and returns the next n bytes (aliasing the input).
func (d *Decoder) Next(n int) ([]byte, error) {
	if n < 0 || n > d.Remaining() {
		return nil, d.short(n, "bytes")
	}
	b := d.buf[d.off : d.off+n : d.off+n]
	d.off += n
	return b, nil
}

// Skip consumes n bytes.
func (d *Decoder) Skip(n int) error {
	if n < 0 || n > d.Remaining() {
		return d.short(n, "skip")
	}
	d.off += n
	return nil
}

// ReadByte consumes one byte; it makes Decoder an io.ByteReader.
func (d *Decoder) ReadByte() (byte, error) {
	if d.off >= len(d.buf) {
		return 0, d.short(1, "u8")
	}
	b := d.buf[d.off]
	d.off++
	return b, nil
}

// U8 reads a u8.
func (d *Decoder) U8() (uint8, error) { return d.ReadByte() }

// U16 reads a little-endian u16.
func (d *Decoder) U16() (uint16, error) {
	if d.Remaining() < 2 {
		return 0, d.short(2, "u16")
	}
	v := binary.LittleEndian.Uint16(d.buf[d.off:])
	d.off += 2
	return v, nil
}

// U32 reads a little-endian u32.
func (d *Decoder) U32() (uint32, error) {
	if d.Remaining() < 4 {
		return 0, d.short(4, "u32")
	}
	v := binary.LittleEndian.Uint32(d.buf[d.off:])
	d.off += 4
	return v, nil
}

// U64 reads a little-endian u64.
func (d *Decoder) U64() (uint64, error) {
	if d.Remaining() < 8 {
		return 0, d.short(8, "u64")
	}
	v := binary.LittleEndian.Uint64(d.buf[d.off:])
	d.off += 8
	return v, nil
}

// U128 reads a little-endian u128.
func (d *Decoder) U128() (Uint128, error) {
	if d.Remaining() < 16 {
		return Uint128{}, d.short(16, "u128")
	}
	b := d.buf[d.off:]
	v := Uint128{Lo: binary.LittleEndian.Uint64(b), Hi: binary.LittleEndian.Uint64(b[8:])}
	d.off += 16
	return v, nil
}

// U256 reads a little-endian u256.
func (d *Decoder) U256() (Uint256, error) {
	var v Uint256
	if d.Remaining() < 32 {
		return v, d.short(32, "u256")
	}
	for i := range v {
		v[i] = binary.LittleEndian.Uint64(d.buf[d.off+8*i:])
	}
	d.off += 32
	return v, nil
}

// I8 reads an i8.
func (d *Decoder) I8() (int8, error) { v, err := d.U8(); return int8(v), err } //nolint:gosec // G115: the bits are two's complement.

// I16 reads a little-endian i16.
func (d *Decoder) I16() (int16, error) { v, err := d.U16(); return int16(v), err } //nolint:gosec // G115: the bits are two's complement.

// I32 reads a little-endian i32.
func (d *Decoder) I32() (int32, error) { v, err := d.U32(); return int32(v), err } //nolint:gosec // G115: the bits are two's complement.

// I64 reads a little-endian i64.
func (d *Decoder) I64() (int64, error) { v, err := d.U64(); return int64(v), err } //nolint:gosec // G115: the bits are two's complement.

// I128 reads a little-endian i128.
func (d *Decoder) I128() (Int128, error) { v, err := d.U128(); return Int128(v), err }

// I256 reads a little-endian i256.
func (d *Decoder) I256() (Int256, error) { v, err := d.U256(); return Int256(v), err }

// Bool reads a bool (0 or 1).
func (d *Decoder) Bool() (bool, error) { return d.flag(ErrInvalidBool) }

// Option reads an Option tag: false for None, true for Some (the value follows).
func (d *Decoder) Option() (some bool, err error) { return d.flag(ErrInvalidOption) }

// Result reads a Result tag: true for Ok, false for Err (the payload follows).
func (d *Decoder) Result() (ok bool, err error) {
	isErr, err := d.flag(ErrInvalidOption)
	return !isErr && err == nil, err
}

// flag reads a byte that must be 0 (false) or 1 (true); any other value is
// invalid, an error wrapping invalid.
func (d *Decoder) flag(invalid error) (bool, error) {
	b, err := d.ReadByte()
	if err != nil {
		return false, err
	}
	switch b {
	case 0:
		return false, nil
	case 1:
		return true, nil
	}
	return false, fmt.Errorf("%w: 0x%02x at offset %d", invalid, b, d.off-1)
}

// compactHeader reads the mode of a compact integer. For modes 0–2 it returns
// the value; for mode 3 it returns the number of payload bytes that follow.
func (d *Decoder) compactHeader() (small uint64, bigBytes int, err error) {
	start := d.off
	b0, err := d.ReadByte()
	if err != nil {
		return 0, 0, err
	}
	switch b0 & 3 {
	case 0:
		return uint64(b0 >> 2), 0, nil
	case 1:
		b1, err := d.ReadByte()
		if err != nil {
			return 0, 0, err
		}
		v := (uint64(b0) | uint64(b1)<<8) >> 2
		if v < 1<<6 {
			return 0, 0, fmt.Errorf("%w: %d in two bytes at offset %d", ErrNonCanonicalCompact, v, start)
		}
		return v, 0, nil
	case 2:
		d.off = start
		raw, err := d.U32()
		if err != nil {
			return 0, 0, err
		}
		v := uint64(raw >> 2)
		if v < 1<<14 {
			return 0, 0, fmt.Errorf("%w: %d in four bytes at offset %d", ErrNonCanonicalCompact, v, start)
		}
		return v, 0, nil
	}
	return 0, int(b0>>2) + 4, nil
}

// Compact reads a compact integer that must fit in a uint64.
func (d *Decoder) Compact() (uint64, error) {
	start := d.off
	v, n, err := d.compactHeader()
	if err != nil || n == 0 {
		return v, err
	}
	if n > 8 {
		return 0, fmt.Errorf("%w: compact of %d bytes at offset %d does not fit u64", ErrOverflow, n, start)
	}
	b, err := d.Next(n)
	if err != nil {
		return 0, err
	}
	var tmp [8]byte
	copy(tmp[:], b)
	v = binary.LittleEndian.Uint64(tmp[:])
	if b[n-1] == 0 || v < 1<<30 {
		return 0, fmt.Errorf("%w: %d in %d bytes at offset %d", ErrNonCanonicalCompact, v, n, start)
	}
	return v, nil
}

// CompactU128 reads a compact integer that must fit in a u128.
func (d *Decoder) CompactU128() (Uint128, error) {
	start := d.off
	v, n, err := d.compactHeader()
	if err != nil || n == 0 {
		return Uint128{Lo: v}, err
	}
	if n > 16 {
		return Uint128{}, fmt.Errorf("%w: compact of %d bytes at offset %d does not fit u128", ErrOverflow, n, start)
	}
	b, err := d.Next(n)
	if err != nil {
		return Uint128{}, err
	}
	var tmp [16]byte
	copy(tmp[:], b)
	u := Uint128{Lo: binary.LittleEndian.Uint64(tmp[:]), Hi: binary.LittleEndian.Uint64(tmp[8:])}
	if b[n-1] == 0 || (u.Hi == 0 && u.Lo < 1<<30) {
		return Uint128{}, fmt.Errorf("%w: %d bytes at offset %d", ErrNonCanonicalCompact, n, start)
	}
	return u, nil
}

// CompactBig reads a compact integer of any size (up to 2^536-1).
func (d *Decoder) CompactBig() (*big.Int, error) {
	start := d.off
	v, n, err := d.compactHeader()
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return new(big.Int).SetUint64(v), nil
	}
	b, err := d.Next(n)
	if err != nil {
		return nil, err
	}
	be := make([]byte, n)
	for i := range b {
		be[n-1-i] = b[i]
	}
	x := new(big.Int).SetBytes(be)
	if b[n-1] == 0 || (x.IsUint64() && x.Uint64() < 1<<30) {
		return nil, fmt.Errorf("%w: %d bytes at offset %d", ErrNonCanonicalCompact, n, start)
	}
	return x, nil
}

// SkipCompact consumes a compact integer of any size without converting it.
func (d *Decoder) SkipCompact() error {
	_, n, err := d.compactHeader()
	if err != nil || n == 0 {
		return err
	}
	return d.Skip(n)
}

// Length reads a compact length prefix and checks that the remaining input can
// hold that many elements of at least minElemSize bytes each, so callers may
// allocate the result before decoding the elements. A minElemSize of 0 (an
// element that occupies no input) is bounded by a fixed limit instead.
func (d *Decoder) Length(minElemSize int) (int, error) {
	start := d.off
	n, err := d.Compact()
	if err != nil {
		return 0, err
	}
	limit := uint64(zeroSizeLengthLimit)
	if minElemSize > 0 {
		limit = uint64(d.Remaining()) / uint64(minElemSize) //nolint:gosec // G115: Remaining is never negative, minElemSize is positive here.
	}
	if n > limit {
		return 0, fmt.Errorf("%w: %d elements of >= %d bytes at offset %d, %d bytes left", ErrLengthTooLarge, n, minElemSize, start, d.Remaining())
	}
	return int(n), nil //nolint:gosec // G115: n ≤ limit, which is Remaining()/minElemSize or zeroSizeLengthLimit, so it fits an int.
}

// Bytes reads a Vec<u8> (compact length ‖ bytes); the result aliases the input.
func (d *Decoder) Bytes() ([]byte, error) {
	n, err := d.Length(1)
	if err != nil {
		return nil, err
	}
	return d.Next(n)
}

// Str reads a UTF-8 string (compact length ‖ bytes).
func (d *Decoder) Str() (string, error) {
	start := d.off
	b, err := d.Bytes()
	if err != nil {
		return "", err
	}
	if !utf8.Valid(b) {
		return "", fmt.Errorf("%w: at offset %d", ErrInvalidUTF8, start)
	}
	return string(b), nil
}

// Char reads a Rust char: a u32 that must be a Unicode scalar value.
func (d *Decoder) Char() (rune, error) {
	start := d.off
	v, err := d.U32()
	if err != nil {
		return 0, err
	}
	if v > utf8.MaxRune || !utf8.ValidRune(rune(v)) {
		return 0, fmt.Errorf("%w: char 0x%x at offset %d", ErrOverflow, v, start)
	}
	return rune(v), nil
}
