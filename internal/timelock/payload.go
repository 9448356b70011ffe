package timelock

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"unicode/utf8"
)

// ErrMalformedPayload reports a plaintext payload that cannot be encoded or
// does not decode.
var ErrMalformedPayload = errors.New("timelock: malformed payload")

// HotkeySize is the size of the raw AccountId32 carried in a weights payload.
const HotkeySize = 32

// WeightsPayload is subtensor's WeightsTlockPayload, the plaintext of a
// commit_timelocked_(mechanism_)weights commit:
//
//	{hotkey: Vec<u8>, uids: Vec<u16>, values: Vec<u16>, version_key: u64}
//
// On reveal the chain decodes an AccountId32 from Hotkey and silently drops the
// commit if it is not the committer, so Hotkey must be the signing hotkey's raw
// public key. The older payload without a hotkey is still accepted by the
// chain; it is deliberately not produced here.
type WeightsPayload struct {
	Hotkey     [HotkeySize]byte
	UIDs       []uint16
	Values     []uint16
	VersionKey uint64
}

// Encode returns the SCALE encoding. UIDs and Values must have equal lengths:
// the chain would drop a mismatched commit at reveal without an error.
func (p *WeightsPayload) Encode() ([]byte, error) {
	if len(p.UIDs) != len(p.Values) {
		return nil, fmt.Errorf("%w: %d uids but %d values", ErrMalformedPayload, len(p.UIDs), len(p.Values))
	}
	out := make([]byte, 0, 1+HotkeySize+2*(5+2*len(p.UIDs))+8)
	out = appendCompact(out, HotkeySize)
	out = append(out, p.Hotkey[:]...)
	out = appendU16s(out, p.UIDs)
	out = appendU16s(out, p.Values)
	return binary.LittleEndian.AppendUint64(out, p.VersionKey), nil
}

// DecodeWeightsPayload decodes what Encode produces, strictly: the hotkey must
// be exactly 32 bytes, the vectors of equal length and nothing may follow the
// version key. (The chain is more lenient; this is for checking our own
// commits after decryption.)
func DecodeWeightsPayload(b []byte) (WeightsPayload, error) {
	var p WeightsPayload
	d := scaleReader{b: b}
	hk, err := d.bytes()
	if err != nil {
		return p, fmt.Errorf("hotkey: %w", err)
	}
	if len(hk) != HotkeySize {
		return p, fmt.Errorf("%w: hotkey is %d bytes, want %d", ErrMalformedPayload, len(hk), HotkeySize)
	}
	copy(p.Hotkey[:], hk)
	if p.UIDs, err = d.u16s(); err != nil {
		return p, fmt.Errorf("uids: %w", err)
	}
	if p.Values, err = d.u16s(); err != nil {
		return p, fmt.Errorf("values: %w", err)
	}
	if len(p.UIDs) != len(p.Values) {
		return p, fmt.Errorf("%w: %d uids but %d values", ErrMalformedPayload, len(p.UIDs), len(p.Values))
	}
	if len(d.b) < 8 {
		return p, fmt.Errorf("%w: version key truncated", ErrMalformedPayload)
	}
	p.VersionKey = binary.LittleEndian.Uint64(d.b)
	if len(d.b) != 8 {
		return p, fmt.Errorf("%w: %d trailing bytes", ErrMalformedPayload, len(d.b)-8)
	}
	return p, nil
}

// EncodeCommitment returns the plaintext of a timelocked commitment
// (Commitments pallet, Data::TimelockEncrypted): the SCALE encoding of a
// string, Compact(len) ‖ UTF-8 bytes. That is what bittensor-drand's
// encrypt_commitment (used by the SDK's set_reveal_commitment) encrypts; the
// chain stores the decrypted bytes verbatim in RevealedCommitments and the SDK
// strips the compact prefix when reading them back.
func EncodeCommitment(data string) []byte {
	out := make([]byte, 0, 9+len(data))
	out = appendCompact(out, uint64(len(data)))
	return append(out, data...)
}

// DecodeCommitment reverses EncodeCommitment: it decodes a revealed commitment
// (SCALE String). Invalid UTF-8 is rejected, as SCALE String decoding does.
func DecodeCommitment(b []byte) (string, error) {
	d := scaleReader{b: b}
	s, err := d.bytes()
	if err != nil {
		return "", err
	}
	if len(d.b) != 0 {
		return "", fmt.Errorf("%w: %d trailing bytes", ErrMalformedPayload, len(d.b))
	}
	if !utf8.Valid(s) {
		return "", fmt.Errorf("%w: not UTF-8", ErrMalformedPayload)
	}
	return string(s), nil
}

func appendU16s(out []byte, v []uint16) []byte {
	out = appendCompact(out, uint64(len(v)))
	for _, x := range v {
		out = binary.LittleEndian.AppendUint16(out, x)
	}
	return out
}

// appendCompact writes SCALE Compact<u64>. A few lines kept here so the
// package does not depend on the chain layer.
func appendCompact(out []byte, v uint64) []byte {
	switch {
	case v < 1<<6:
		return append(out, byte(v<<2))
	case v < 1<<14:
		return binary.LittleEndian.AppendUint16(out, uint16(v)<<2|0b01)
	case v < 1<<30:
		return binary.LittleEndian.AppendUint32(out, uint32(v)<<2|0b10)
	}
	n := (64 - bits.LeadingZeros64(v) + 7) / 8
	out = append(out, byte(n-4)<<2|0b11) //nolint:gosec // G115: v ≥ 2^30 here, so n is 4..8.
	var le [8]byte
	binary.LittleEndian.PutUint64(le[:], v)
	return append(out, le[:n]...)
}

type scaleReader struct{ b []byte }

// compact decodes Compact<u64>, rejecting non-canonical encodings the way
// parity-scale-codec does.
func (d *scaleReader) compact() (uint64, error) {
	if len(d.b) == 0 {
		return 0, fmt.Errorf("%w: truncated compact", ErrMalformedPayload)
	}
	switch d.b[0] & 0b11 {
	case 0b00:
		v := uint64(d.b[0] >> 2)
		d.b = d.b[1:]
		return v, nil
	case 0b01:
		if len(d.b) < 2 {
			return 0, fmt.Errorf("%w: truncated compact", ErrMalformedPayload)
		}
		v := uint64(binary.LittleEndian.Uint16(d.b) >> 2)
		d.b = d.b[2:]
		if v < 1<<6 {
			return 0, fmt.Errorf("%w: non-canonical compact", ErrMalformedPayload)
		}
		return v, nil
	case 0b10:
		if len(d.b) < 4 {
			return 0, fmt.Errorf("%w: truncated compact", ErrMalformedPayload)
		}
		v := uint64(binary.LittleEndian.Uint32(d.b) >> 2)
		d.b = d.b[4:]
		if v < 1<<14 {
			return 0, fmt.Errorf("%w: non-canonical compact", ErrMalformedPayload)
		}
		return v, nil
	default:
		n := int(d.b[0]>>2) + 4
		if n > 8 {
			return 0, fmt.Errorf("%w: compact wider than u64", ErrMalformedPayload)
		}
		if len(d.b) < 1+n {
			return 0, fmt.Errorf("%w: truncated compact", ErrMalformedPayload)
		}
		var v uint64
		for i := n - 1; i >= 0; i-- {
			v = v<<8 | uint64(d.b[1+i])
		}
		d.b = d.b[1+n:]
		if v < 1<<30 || (n > 4 && v>>(8*(n-1)) == 0) {
			return 0, fmt.Errorf("%w: non-canonical compact", ErrMalformedPayload)
		}
		return v, nil
	}
}

func (d *scaleReader) bytes() ([]byte, error) {
	n, err := d.compact()
	if err != nil {
		return nil, err
	}
	if n > uint64(len(d.b)) {
		return nil, fmt.Errorf("%w: length %d exceeds the %d bytes left", ErrMalformedPayload, n, len(d.b))
	}
	v := d.b[:n:n]
	d.b = d.b[n:]
	return v, nil
}

func (d *scaleReader) u16s() ([]uint16, error) {
	n, err := d.compact()
	if err != nil {
		return nil, err
	}
	if n > math.MaxInt/2 || 2*n > uint64(len(d.b)) {
		return nil, fmt.Errorf("%w: %d u16 values exceed the %d bytes left", ErrMalformedPayload, n, len(d.b))
	}
	v := make([]uint16, n)
	for i := range v {
		v[i] = binary.LittleEndian.Uint16(d.b[2*i:])
	}
	d.b = d.b[2*n:]
	return v, nil
}
