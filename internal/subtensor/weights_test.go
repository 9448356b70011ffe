package subtensor

import (
	"encoding/hex"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/pylon-go/pylon/internal/chain/scale"
	"github.com/pylon-go/pylon/internal/keys"
	"github.com/pylon-go/pylon/internal/weights"
)

func unhexT(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.NewReplacer(" ", "", "0x", "").Replace(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The weights calls, built by name, encode against the recorded spec-343
// (finney) metadata exactly as the vectors of CHAIN.md §7.2 and §7.4 say:
// call index from the metadata, arguments in declaration order.
func TestWeightsCallsEncodeAgainstFinney(t *testing.T) {
	md := metadata343(t)
	test := "TEST"
	for _, tc := range []struct {
		call WeightsCall
		want string
	}{
		{WeightsCall{Name: weights.CallSetMechanismWeights, Netuid: 1, UIDs: []uint16{0, 1}, Values: []uint16{16384, 65535}, VersionKey: 9003000},
			"0777 0100 00 08 0000 0100 08 0040 ffff f85f890000000000"},
		{WeightsCall{Name: weights.CallSetWeights, Netuid: 1, UIDs: []uint16{0, 1}, Values: []uint16{16384, 65535}, VersionKey: 9003000},
			"0700 0100 08 0000 0100 08 0040 ffff f85f890000000000"},
		{WeightsCall{Name: weights.CallCommitTimelockedMechanismWeights, Netuid: 1, Commit: []byte(test), RevealRound: 204, CommitRevealVersion: 4},
			"0776 0100 00 10 54455354 cc00000000000000 0400"},
		{WeightsCall{Name: weights.CallCommitTimelockedWeights, Netuid: 1, Commit: []byte(test), RevealRound: 204, CommitRevealVersion: 4},
			"0771 0100 10 54455354 cc00000000000000 0400"},
		{WeightsCall{Name: weights.CallCommitTimelockedMechanismWeights, Netuid: 3, Mechanism: 2, Commit: []byte(test), RevealRound: 204, CommitRevealVersion: 5},
			"0776 0300 02 10 54455354 cc00000000000000 0500"},
		{WeightsCall{Name: weights.CallCommitWeights, Netuid: 1, CommitHash: [32]byte(unhexT(t, "bdfb5678f40d1a84cab7a90a8a647414bee72bfc0bab85c6f82db15c5a9ea893"))},
			"0760 0100 bdfb5678f40d1a84cab7a90a8a647414bee72bfc0bab85c6f82db15c5a9ea893"},
		{WeightsCall{Name: weights.CallRevealMechanismWeights, Netuid: 1, Mechanism: 1, UIDs: []uint16{0, 1}, Values: []uint16{16384, 65535}, Salt: []uint16{1, 2, 3}, VersionKey: 9003000},
			"0774 0100 01 08 0000 0100 08 0040 ffff 0c 0100 0200 0300 f85f890000000000"},
		{WeightsCall{Name: weights.CallCommitCRV3MechanismWeights, Netuid: 1, Commit: []byte(test), RevealRound: 204},
			"0775 0100 00 10 54455354 cc00000000000000"},
	} {
		call, err := tc.call.Call()
		if err != nil {
			t.Fatalf("%s: %v", tc.call.Name, err)
		}
		got, err := call.Encode(md)
		if err != nil {
			t.Fatalf("%s: %v", tc.call.Name, err)
		}
		if want := unhexT(t, tc.want); hex.EncodeToString(got) != hex.EncodeToString(want) {
			t.Errorf("%s:\n got %x\nwant %x", tc.call.Name, got, want)
		}
	}
	// Calls without a mecid cannot carry another mechanism; names that are not weights calls are refused.
	if _, err := (WeightsCall{Name: weights.CallSetWeights, Netuid: 1, Mechanism: 1}).Call(); err == nil {
		t.Error("set_weights for mechanism 1 was built")
	}
	if _, err := (WeightsCall{Name: "transfer", Netuid: 1}).Call(); err == nil {
		t.Error("a non-weights call was built")
	}
}

// serve_axon_tls with the axon's own values and an Ed25519 certificate
// (CRYPTO.md §8 vector): call index 40 and the 33-byte certificate argument.
func TestServeAxonTLSEncodesAgainstFinney(t *testing.T) {
	kp, err := keys.CertificateKeypairFromSeed(unhexT(t, "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"))
	if err != nil {
		t.Fatal(err)
	}
	axon := AxonInfo{Block: 6575906, Version: 9011001, IP: scale.Uint128{Lo: 3235789677}, Port: 6028, IPType: 4, Protocol: 4}
	got, err := ServeAxonTLSFor(1, axon, kp.ChainArgument()).Call().Encode(metadata343(t))
	if err != nil {
		t.Fatal(err)
	}
	want := "0728 0100 397f8900 6d3bdec0000000000000000000000000 8c17 04 04 00 00 84 01 d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
	if hex.EncodeToString(got) != hex.EncodeToString(unhexT(t, want)) {
		t.Errorf("\n got %x\nwant %s", got, want)
	}
}

// The pool error names are subtensor's (CHAIN.md §8.1).
func TestPoolErrorNames(t *testing.T) {
	for code, name := range map[uint8]string{1: "StakeAmountTooLow", 6: "RateLimitExceeded", 15: "InvalidRevealRound", 19: "UidNotFound", 255: "BadRequest"} {
		if PoolErrorNames[code] != name {
			t.Errorf("custom error %d: %q, want %q", code, PoolErrorNames[code], name)
		}
	}
}

// numbersOf reads a polkadot-js JSON list of integers.
func numbersOf(t *testing.T, raw json.RawMessage) []uint64 {
	t.Helper()
	var vs []json.RawMessage
	if err := json.Unmarshal(raw, &vs); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	out := make([]uint64, len(vs))
	for i, v := range vs {
		n, err := strconv.ParseUint(strings.Trim(string(v), `"`), 10, 64)
		if err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		out[i] = n
	}
	return out
}

func containsAll(have []string, want ...string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}
