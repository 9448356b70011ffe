package extrinsic_test

import (
	"testing"

	"pgregory.net/rapid"

	"github.com/pylon-go/pylon/internal/chain/extrinsic"
	"github.com/pylon-go/pylon/internal/keys"
)

// The chain layer's SS58 helper agrees with internal/keys (itself tested against polkadot-js and sp-core
// vectors) for every key and prefix, and gives Alice's well-known address.
func TestSS58MatchesKeys(t *testing.T) {
	if got := extrinsic.SS58(unhex32(t, aliceHex), 42); got != "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY" {
		t.Errorf("Alice: %s", got)
	}
	rapid.Check(t, func(t *rapid.T) {
		pub := [32]byte(rapid.SliceOfN(rapid.Byte(), 32, 32).Draw(t, "pub"))
		prefix := rapid.OneOf(rapid.Just[uint16](42), rapid.Uint16Range(0, 45), rapid.Uint16Range(48, 16383)).Draw(t, "prefix")
		want, err := keys.EncodeSS58(pub, prefix)
		if err != nil {
			t.Fatal(err)
		}
		if got := extrinsic.SS58(pub, prefix); got != want {
			t.Fatalf("prefix %d %x: %s, want %s", prefix, pub, got, want)
		}
	})
}

func TestSS58PrefixFromRuntime(t *testing.T) {
	for _, file := range []string{spec318V15, spec343V15, spec343V14} {
		if got := extrinsic.SS58Prefix(finney(t, file)); got != 42 {
			t.Errorf("%s: prefix %d", file, got)
		}
	}
}
