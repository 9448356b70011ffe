package timelock

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/pylon-go/pylon/internal/chain/scale"
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
	out = scale.AppendCompact(out, HotkeySize)
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
	d := scale.NewDecoder(b)
	hk, err := d.Bytes()
	if err != nil {
		return p, fmt.Errorf("%w: hotkey: %w", ErrMalformedPayload, err)
	}
	if len(hk) != HotkeySize {
		return p, fmt.Errorf("%w: hotkey is %d bytes, want %d", ErrMalformedPayload, len(hk), HotkeySize)
	}
	copy(p.Hotkey[:], hk)
	if p.UIDs, err = decodeU16s(d); err != nil {
		return p, fmt.Errorf("%w: uids: %w", ErrMalformedPayload, err)
	}
	if p.Values, err = decodeU16s(d); err != nil {
		return p, fmt.Errorf("%w: values: %w", ErrMalformedPayload, err)
	}
	if len(p.UIDs) != len(p.Values) {
		return p, fmt.Errorf("%w: %d uids but %d values", ErrMalformedPayload, len(p.UIDs), len(p.Values))
	}
	if p.VersionKey, err = d.U64(); err != nil {
		return p, fmt.Errorf("%w: version key: %w", ErrMalformedPayload, err)
	}
	if n := d.Remaining(); n != 0 {
		return p, fmt.Errorf("%w: %d trailing bytes", ErrMalformedPayload, n)
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
	out = scale.AppendCompact(out, uint64(len(data)))
	return append(out, data...)
}

// DecodeCommitment reverses EncodeCommitment: it decodes a revealed commitment
// (SCALE String). Invalid UTF-8 is rejected, as SCALE String decoding does.
func DecodeCommitment(b []byte) (string, error) {
	d := scale.NewDecoder(b)
	str, err := d.Str()
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrMalformedPayload, err)
	}
	if n := d.Remaining(); n != 0 {
		return "", fmt.Errorf("%w: %d trailing bytes", ErrMalformedPayload, n)
	}
	return str, nil
}

func appendU16s(out []byte, v []uint16) []byte {
	out = scale.AppendCompact(out, uint64(len(v)))
	for _, x := range v {
		out = binary.LittleEndian.AppendUint16(out, x)
	}
	return out
}

func decodeU16s(d *scale.Decoder) ([]uint16, error) {
	n, err := d.Length(2)
	if err != nil {
		return nil, err
	}
	v := make([]uint16, n)
	for i := range v {
		if v[i], err = d.U16(); err != nil {
			return nil, err
		}
	}
	return v, nil
}
