package extrinsic_test

import (
	"bytes"
	"errors"
	"testing"

	"pgregory.net/rapid"

	"github.com/pylon-go/pylon/internal/chain/extrinsic"
)

func TestEraVectors(t *testing.T) {
	for _, tc := range []struct {
		current, period uint64
		want            extrinsic.Era
		enc             string
	}{
		{3924, 4, extrinsic.Era{Period: 4, Phase: 0}, "0100"}, // CHAIN.md §6.4
		{3925, 4, extrinsic.Era{Period: 4, Phase: 1}, "1100"},
		{1000, 64, extrinsic.Era{Period: 64, Phase: 40}, "8502"},
		{1000, 50, extrinsic.Era{Period: 64, Phase: 40}, "8502"},          // rounded up to a power of two
		{5, 0, extrinsic.Era{Period: 4, Phase: 1}, "1100"},                // clamped to 4
		{5, 1 << 20, extrinsic.Era{Period: 65536, Phase: 0}, "0f00"},      // clamped to 65536, phase quantised to 16
		{70006, 65536, extrinsic.Era{Period: 65536, Phase: 4464}, "7f11"}, // phase 4470 quantised to 4464
	} {
		e := extrinsic.MortalEra(tc.current, tc.period)
		if e != tc.want {
			t.Errorf("MortalEra(%d, %d) = %+v, want %+v", tc.current, tc.period, e, tc.want)
		}
		if got := e.Encode(); !bytes.Equal(got, unhex(t, tc.enc)) {
			t.Errorf("%+v encodes as %x, want %s", e, got, tc.enc)
		}
	}
	if got := (extrinsic.Era{}).Encode(); !bytes.Equal(got, []byte{0}) {
		t.Errorf("immortal encodes as %x", got)
	}
	// No input, one byte of a mortal era, period 2 (twice), phase 17 of period 4.
	for _, bad := range []string{"", "01", "1000", "f0ff", "1101"} {
		b := unhex(t, bad)
		if _, _, err := extrinsic.DecodeEra(b); !errors.Is(err, extrinsic.ErrInvalidEra) {
			t.Errorf("DecodeEra(%s): %v", bad, err)
		}
	}
}

// For every block and requested period: the era round-trips through its encoding, its birth is at or
// before the current block (and never more than a phase quantum before), the current block lies in
// [birth, death), and every block of that window sees the same birth.
func TestEraProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		current := rapid.Uint64Range(0, 1<<40).Draw(t, "current")
		period := rapid.OneOf(rapid.Uint64Range(0, 70000), rapid.Uint64()).Draw(t, "period")
		e := extrinsic.MortalEra(current, period)
		if e.Period < 4 || e.Period > 65536 || e.Period&(e.Period-1) != 0 || e.Phase >= e.Period {
			t.Fatalf("era %+v", e)
		}
		if period >= 4 && period <= 65536 && (e.Period < period || e.Period >= 2*period) {
			t.Fatalf("period %d became %d", period, e.Period)
		}
		enc := e.Encode()
		d, n, err := extrinsic.DecodeEra(enc)
		if err != nil || n != 2 || d != e {
			t.Fatalf("%+v → %x → %+v, %d, %v", e, enc, d, n, err)
		}
		birth, death := e.Birth(current), e.Death(current)
		quantum := max(e.Period>>12, 1)
		if birth > current || current-birth >= quantum || birth%e.Period != e.Phase || death != birth+e.Period {
			t.Fatalf("%+v at %d: birth %d death %d", e, current, birth, death)
		}
		later := rapid.Uint64Range(birth, death-1).Draw(t, "later")
		if e.Birth(later) != birth || e.Death(later) != death {
			t.Fatalf("%+v: birth from %d is %d, from %d is %d", e, current, birth, later, e.Birth(later))
		}
	})
}

// Any two bytes that decode are an era that encodes back to the same two bytes.
func TestEraDecodeEncode(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		b := rapid.SliceOfN(rapid.Byte(), 2, 2).Draw(t, "bytes")
		e, n, err := extrinsic.DecodeEra(b)
		switch {
		case b[0] == 0:
			if err != nil || n != 1 || !e.IsImmortal() {
				t.Fatalf("%x: %+v %d %v", b, e, n, err)
			}
		case err == nil:
			if got := e.Encode(); !bytes.Equal(got, b) {
				t.Fatalf("%x → %+v → %x", b, e, got)
			}
		}
	})
}
