package timelock

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/pylon-go/pylon/internal/chain/scale"
)

func TestWeightsPayloadVector(t *testing.T) {
	v := loadVectors(t)
	p := WeightsPayload{UIDs: v.Payload.UIDs, Values: v.Payload.Values, VersionKey: v.Payload.VersionKey}
	copy(p.Hotkey[:], unhex(t, v.Payload.Hotkey))
	got, err := p.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if hex.EncodeToString(got) != v.Payload.Scale || len(got) != 55 {
		t.Fatalf("payload = %x, want %s", got, v.Payload.Scale)
	}
	back, err := DecodeWeightsPayload(got)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(p, back); d != "" {
		t.Fatalf("decode (-want +got):\n%s", d)
	}
}

// Second vector from CRYPTO.md §6.1 (Alice), written out field by field there.
func TestWeightsPayloadAliceVector(t *testing.T) {
	p := WeightsPayload{UIDs: []uint16{0, 1}, Values: []uint16{16384, 65535}, VersionKey: 9003000}
	copy(p.Hotkey[:], unhex(t, "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d"))
	got, err := p.Encode()
	if err != nil {
		t.Fatal(err)
	}
	want := "80" + "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d" +
		"08" + "0000" + "0100" + "08" + "0040" + "ffff" + "f85f890000000000"
	if hex.EncodeToString(got) != want || len(got) != 51 {
		t.Fatalf("payload = %x, want %s", got, want)
	}
}

func TestWeightsPayloadRejectsMismatch(t *testing.T) {
	p := WeightsPayload{UIDs: []uint16{1, 2}, Values: []uint16{1}}
	if _, err := p.Encode(); !errors.Is(err, ErrMalformedPayload) {
		t.Fatalf("err = %v, want ErrMalformedPayload", err)
	}
	good, err := (&WeightsPayload{UIDs: []uint16{1}, Values: []uint16{2}, VersionKey: 7}).Encode()
	if err != nil {
		t.Fatal(err)
	}
	bad := map[string][]byte{
		"empty":            nil,
		"trailing":         append(bytes.Clone(good), 0),
		"truncated":        good[:len(good)-1],
		"short hotkey":     append([]byte{0x7c}, good[1:]...), // Compact(31)
		"huge vec":         append(bytes.Clone(good[:33]), 0xfe, 0xff, 0xff, 0xff),
		"noncanon compact": append([]byte{0x81, 0x00}, good[1:]...), // 32 in two-byte mode
	}
	for name, b := range bad {
		if _, err := DecodeWeightsPayload(b); !errors.Is(err, ErrMalformedPayload) {
			t.Errorf("%s: err = %v, want ErrMalformedPayload", name, err)
		}
	}
}

func TestWeightsPayloadRoundTripProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(0, 1200).Draw(t, "n")
		p := WeightsPayload{
			UIDs:       rapid.SliceOfN(rapid.Uint16(), n, n).Draw(t, "uids"),
			Values:     rapid.SliceOfN(rapid.Uint16(), n, n).Draw(t, "values"),
			VersionKey: rapid.Uint64().Draw(t, "vk"),
		}
		copy(p.Hotkey[:], rapid.SliceOfN(rapid.Byte(), 32, 32).Draw(t, "hotkey"))
		b, err := p.Encode()
		if err != nil {
			t.Fatal(err)
		}
		if want := 1 + 32 + scale.CompactSize(uint64(n))*2 + 4*n + 8; len(b) != want {
			t.Fatalf("len %d, want %d", len(b), want)
		}
		back, err := DecodeWeightsPayload(b)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(p, back); d != "" {
			t.Fatalf("(-want +got):\n%s", d)
		}
	})
}

func TestCommitmentPayload(t *testing.T) {
	cases := map[string]string{
		"":                      "00",
		"hello":                 "1468656c6c6f",
		"example":               "1c6578616d706c65",
		strings.Repeat("a", 64): "0101" + strings.Repeat("61", 64),
	}
	for in, want := range cases {
		got := EncodeCommitment(in)
		if hex.EncodeToString(got) != want {
			t.Errorf("EncodeCommitment(%q) = %x, want %s", in, got, want)
		}
		back, err := DecodeCommitment(got)
		if err != nil || back != in {
			t.Errorf("DecodeCommitment(%x) = %q, %v", got, back, err)
		}
	}
	for name, b := range map[string][]byte{
		"not utf8": {0x04, 0xff}, "trailing": {0x00, 0x00}, "truncated": {0x08, 'a'}, "empty": nil,
	} {
		if _, err := DecodeCommitment(b); !errors.Is(err, ErrMalformedPayload) {
			t.Errorf("%s: err = %v, want ErrMalformedPayload", name, err)
		}
	}
}
