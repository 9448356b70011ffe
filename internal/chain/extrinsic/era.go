package extrinsic

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
)

// DefaultEraPeriod is the mortality used when none is configured: 64 blocks (about 13 minutes at 12 s
// blocks). turbobt's 4 blocks expire before a busy pool gets to the transaction; the SDK's 128 keeps a
// lost transaction alive longer than a weights job wants to wait.
const DefaultEraPeriod = 64

// maxEraPeriod is the largest period the era encoding can express (sp_runtime::generic::Era).
const maxEraPeriod = 1 << 16

// ErrInvalidEra means era bytes do not decode to a valid era.
var ErrInvalidEra = errors.New("extrinsic: invalid era")

// Era is a transaction's mortality (sp_runtime::generic::Era): a mortal transaction is valid only from its
// birth block until birth + Period − 1, so a transaction that was never included stops being a risk at a
// known block. The zero Era is immortal.
//
// Period is a power of two from 4 to 65536; Phase is the birth block modulo Period, quantised to a
// multiple of Period/4096 for periods above 4096 (the encoding keeps 12 bits of phase).
type Era struct {
	Period uint64
	Phase  uint64
}

// MortalEra returns the era of period blocks starting at block current, as Substrate computes it: the
// period is rounded up to a power of two and clamped to [4, 65536], and the phase is current modulo the
// period, quantised for periods above 4096 (then the birth block is up to Period/4096 − 1 blocks before
// current).
func MortalEra(current, period uint64) Era {
	p := uint64(maxEraPeriod)
	if period <= maxEraPeriod {
		p = nextPowerOfTwo(period)
	}
	p = min(max(p, 4), maxEraPeriod)
	q := quantum(p)
	return Era{Period: p, Phase: current % p / q * q}
}

func nextPowerOfTwo(v uint64) uint64 {
	if v <= 1 {
		return 1
	}
	return 1 << bits.Len64(v-1)
}

// quantum is the granularity of the phase: the encoding has 12 bits for it.
func quantum(period uint64) uint64 { return max(period>>12, 1) }

// IsImmortal reports whether the era is immortal (valid forever, birth block #0).
func (e Era) IsImmortal() bool { return e.Period == 0 }

// Birth returns the era's birth block as seen from block current: the most recent block at or before
// current whose number is Phase modulo Period (Substrate's Era::birth). For an immortal era it is 0.
func (e Era) Birth(current uint64) uint64 {
	if e.IsImmortal() {
		return 0
	}
	return (max(current, e.Phase)-e.Phase)/e.Period*e.Period + e.Phase
}

// Death returns the first block at which a transaction with this era, built at block current, is no
// longer valid: Birth(current) + Period. For an immortal era it is the largest uint64.
func (e Era) Death(current uint64) uint64 {
	if e.IsImmortal() {
		return ^uint64(0)
	}
	return e.Birth(current) + e.Period
}

// Encode returns the era's SCALE encoding: 0x00 for immortal; for mortal, a little-endian u16 whose low four
// bits are log2(Period) − 1 (clamped to 1…15) and whose upper twelve bits are Phase / quantum.
func (e Era) Encode() []byte {
	if e.IsImmortal() {
		return []byte{0}
	}
	tz := bits.TrailingZeros64(e.Period)
	// A valid era has Period ≤ 65536 and Phase < Period, so tz − 1 ≤ 15 and Phase/quantum < 4096: the value
	// fits 16 bits.
	enc := uint16(min(max(tz-1, 1), 15)) | uint16(e.Phase/quantum(e.Period))<<4 //nolint:gosec // bounds above
	return binary.LittleEndian.AppendUint16(nil, enc)
}

// DecodeEra decodes an era from the start of b and returns it with the number of bytes it took (1 or 2).
// It rejects what Substrate rejects: a period below 4 or a phase not below the period.
func DecodeEra(b []byte) (Era, int, error) {
	if len(b) == 0 {
		return Era{}, 0, fmt.Errorf("%w: no input", ErrInvalidEra)
	}
	if b[0] == 0 {
		return Era{}, 1, nil
	}
	if len(b) < 2 {
		return Era{}, 0, fmt.Errorf("%w: mortal era needs two bytes", ErrInvalidEra)
	}
	enc := uint64(b[0]) | uint64(b[1])<<8
	period := uint64(2) << (enc % 16)
	phase := (enc >> 4) * quantum(period)
	if period < 4 || phase >= period {
		return Era{}, 0, fmt.Errorf("%w: 0x%02x%02x gives period %d and phase %d", ErrInvalidEra, b[0], b[1], period, phase)
	}
	return Era{Period: period, Phase: phase}, 2, nil
}

// String describes the era for logs.
func (e Era) String() string {
	if e.IsImmortal() {
		return "immortal"
	}
	return fmt.Sprintf("mortal(period %d, phase %d)", e.Period, e.Phase)
}
