package scale

import (
	"encoding/binary"
	"fmt"
)

// BitSequence is a decoded bitvec::BitVec: one bool per bit, in sequence order.
type BitSequence []bool

// BitStore is the storage word of a bit sequence (the T of BitVec<T, O>).
type BitStore uint8

// Storage words of bit sequences; the value is the word size in bytes.
const (
	BitStoreU8  BitStore = 1
	BitStoreU16 BitStore = 2
	BitStoreU32 BitStore = 4
	BitStoreU64 BitStore = 8
)

// BitOrder is the bit order within a storage word (the O of BitVec<T, O>).
type BitOrder uint8

// Bit orders: Lsb0 fills each word from its least significant bit, Msb0 from
// its most significant bit.
const (
	Lsb0 BitOrder = iota
	Msb0
)

func (s BitStore) valid() bool {
	return s == BitStoreU8 || s == BitStoreU16 || s == BitStoreU32 || s == BitStoreU64
}

// The wire form (from the bitvec crate's Encode impl) is Compact<u32>(number of
// bits) followed by ceil(bits / word bits) storage words, each a little-endian
// integer. Metadata names the store and order types, so supporting every word
// size and both orders costs little and keeps decoding metadata-driven.

// BitSequence reads a bit sequence with the given storage word and bit order.
func (d *Decoder) BitSequence(store BitStore, order BitOrder) (BitSequence, error) {
	if !store.valid() {
		return nil, fmt.Errorf("%w: bit store of %d bytes", ErrUnsupportedType, store)
	}
	start := d.off
	nbits, err := d.Compact()
	if err != nil {
		return nil, err
	}
	wordBits := uint64(store) * 8
	words := (nbits + wordBits - 1) / wordBits
	if nbits > 1<<32-1 || words > uint64(d.Remaining())/uint64(store) { //nolint:gosec // G115: Remaining is never negative.
		return nil, fmt.Errorf("%w: %d bits at offset %d, %d bytes left", ErrLengthTooLarge, nbits, start, d.Remaining())
	}
	raw, err := d.Next(int(words) * int(store)) //nolint:gosec // G115: words ≤ Remaining()/store, checked above.
	if err != nil {
		return nil, err
	}
	bits := make(BitSequence, nbits)
	for i := range bits {
		w := i / (8 * int(store))
		word := readWord(raw[w*int(store):], store)
		pos := uint64(i) % wordBits
		if order == Msb0 {
			pos = wordBits - 1 - pos
		}
		bits[i] = word>>pos&1 == 1
	}
	return bits, nil
}

func readWord(b []byte, store BitStore) uint64 {
	switch store {
	case BitStoreU8:
		return uint64(b[0])
	case BitStoreU16:
		return uint64(binary.LittleEndian.Uint16(b))
	case BitStoreU32:
		return uint64(binary.LittleEndian.Uint32(b))
	}
	return binary.LittleEndian.Uint64(b)
}

// BitSequence appends bits with the given storage word and bit order.
func (e *Encoder) BitSequence(bits BitSequence, store BitStore, order BitOrder) error {
	if !store.valid() {
		return fmt.Errorf("%w: bit store of %d bytes", ErrUnsupportedType, store)
	}
	e.Length(len(bits))
	wordBits := int(store) * 8
	for start := 0; start < len(bits); start += wordBits {
		var word uint64
		for j := 0; j < wordBits && start+j < len(bits); j++ {
			if !bits[start+j] {
				continue
			}
			pos := j
			if order == Msb0 {
				pos = wordBits - 1 - j
			}
			word |= 1 << pos
		}
		switch store {
		case BitStoreU8:
			e.U8(uint8(word))
		case BitStoreU16:
			e.U16(uint16(word))
		case BitStoreU32:
			e.U32(uint32(word))
		default:
			e.U64(word)
		}
	}
	return nil
}
