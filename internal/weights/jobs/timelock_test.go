package jobs

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pylon-go/pylon/internal/chain/metadata"
	"github.com/pylon-go/pylon/internal/chain/scale"
	"github.com/pylon-go/pylon/internal/keys"
	"github.com/pylon-go/pylon/internal/sharedtest"
	"github.com/pylon-go/pylon/internal/subtensor"
	"github.com/pylon-go/pylon/internal/timelock"
	"github.com/pylon-go/pylon/internal/weights"
)

// The devnet's runtime (spec 218) has no timelocked commits, so the timelock
// path is checked against recorded data instead: the commit call encoded with
// finney's spec-343 metadata, the ciphertext opened with drand's real round-1000
// signature, and the reveal round against bittensor-drand's worked example.

func finney343(t *testing.T) *metadata.Metadata {
	t.Helper()
	raw := sharedtest.ReadFile(t, "finney", "spec343_metadata_v15_at_version.hex")
	md, err := metadata.DecodeHex(strings.TrimSpace(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	return md
}

func round1000Signature(t *testing.T) timelock.Signature {
	t.Helper()
	var v struct {
		Drand struct {
			Signature string `json:"round_1000_signature_g1_compressed"`
		} `json:"drand_quicknet"`
	}
	if err := json.Unmarshal(sharedtest.ReadFile(t, "crypto-vectors.json"), &v); err != nil {
		t.Fatal(err)
	}
	sig, err := timelock.ParseSignatureHex(v.Drand.Signature)
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

// CRYPTO.md §6.2's worked example: netuid 1, tempo 360, block 1000, reveal
// period 1, now 1 750 000 000 → reveal block 1084 (first reveal block 1081 +
// 3), round 19065880.
func TestRevealRoundLegacyWorkedExample(t *testing.T) {
	round, target, err := revealRound(revealAim{Head: 1000, HeadTime: time.Unix(1_750_000_000, 0), NetuidIndex: 1, Tempo: 360,
		RevealPeriod: 1, BlockTime: 12 * time.Second})
	if err != nil || round != 19065880 || target != 1084 {
		t.Errorf("round %d, target %d, %v; want 19065880 at block 1084", round, target, err)
	}
	// Stateful epochs aim at the runtime's next epoch start (CHAIN.md §9.2).
	next := uint64(1200)
	_, target, err = revealRound(revealAim{Head: 1000, HeadTime: time.Unix(1_750_000_000, 0), NetuidIndex: 1, Tempo: 360,
		RevealPeriod: 2, BlockTime: 12 * time.Second, NextEpochStart: &next})
	if err != nil || target != 1200+360+timelock.SecurityBlockOffset {
		t.Errorf("stateful target %d, %v", target, err)
	}
	if _, _, err := revealRound(revealAim{Head: 1, Tempo: 0, BlockTime: time.Second}); err == nil {
		t.Error("tempo 0 gave a round")
	}
}

// A timelocked commit as the runner builds it — payload of the signer's
// hotkey and the prepared vectors, encrypted to the round revealRound picks,
// inside commit_timelocked_mechanism_weights (and the plain variant) — has
// the call index and argument layout of finney's spec-343 metadata, and the
// drand round-1000 signature opens the ciphertext to exactly that payload.
func TestTimelockCommitAgainstFinneyAndDrand(t *testing.T) {
	md := finney343(t)
	signer, err := keys.KeypairFromURI("//Alice")
	if err != nil {
		t.Fatal(err)
	}
	plan := weights.Plan{Normalised: weights.Normalised{UIDs: []uint16{0, 1, 5}, Values: []uint16{16384, 65535, 0}}, VersionKey: 9003000}

	// Choose the head time so that the round is 1000: the reveal round is the
	// target block's time on quicknet's schedule.
	aim := revealAim{Head: 5000, NetuidIndex: 3, Tempo: 10, RevealPeriod: 1, BlockTime: 12 * time.Second}
	_, target, err := revealRound(aim)
	if err != nil {
		t.Fatal(err)
	}
	secs := int64(target-aim.Head) * 12
	aim.HeadTime = time.Unix(timelock.QuicknetGenesisTime+3*1000-secs+1, 0)
	round, _, err := revealRound(aim)
	if err != nil || round != 1000 {
		t.Fatalf("round %d, %v", round, err)
	}
	ct, err := sealWeights(signer.PublicKey(), plan, round, nil)
	if err != nil {
		t.Fatal(err)
	}

	plain, err := timelock.Decrypt(ct, round1000Signature(t))
	if err != nil {
		t.Fatalf("the round-1000 signature does not open the commit: %v", err)
	}
	p, err := timelock.DecodeWeightsPayload(plain)
	if err != nil {
		t.Fatal(err)
	}
	if p.Hotkey != signer.PublicKey() || !slices.Equal(p.UIDs, plan.UIDs) || !slices.Equal(p.Values, plan.Values) || p.VersionKey != plan.VersionKey {
		t.Errorf("payload %+v", p)
	}
	// The SCALE payload of CRYPTO.md §6.1: hotkey as Vec<u8> (0x80 = 32), uids, values, u64 version key.
	pub := signer.PublicKey()
	if !bytes.HasPrefix(plain, append([]byte{0x80}, pub[:]...)) {
		t.Errorf("payload starts %x", plain[:34])
	}

	for _, tc := range []struct {
		name   string
		index  string
		mecid  []byte
		mech   uint8
		netuid uint16
	}{
		{weights.CallCommitTimelockedMechanismWeights, "0776", []byte{2}, 2, 3},
		{weights.CallCommitTimelockedWeights, "0771", nil, 0, 3},
	} {
		call, err := subtensor.WeightsCall{Name: tc.name, Netuid: tc.netuid, Mechanism: tc.mech, Commit: ct, RevealRound: round, CommitRevealVersion: 4}.Call()
		if err != nil {
			t.Fatal(err)
		}
		enc, err := call.Encode(md)
		if err != nil {
			t.Fatal(err)
		}
		var want []byte
		idx, _ := hex.DecodeString(tc.index)
		want = append(want, idx...)
		want = binary.LittleEndian.AppendUint16(want, tc.netuid)
		want = append(want, tc.mecid...)
		want = scale.AppendCompact(want, uint64(len(ct)))
		want = append(want, ct...)
		want = binary.LittleEndian.AppendUint64(want, round)
		want = binary.LittleEndian.AppendUint16(want, 4)
		if !bytes.Equal(enc, want) {
			t.Errorf("%s: encoded %x…, want %x…", tc.name, enc[:16], want[:16])
		}
		// What the chain would read back from the extrinsic is the same ciphertext.
		if got := enc[len(enc)-10-len(ct) : len(enc)-10]; !bytes.Equal(got, ct) {
			t.Errorf("%s: the commit argument is not the ciphertext", tc.name)
		}
	}
	if len(ct) != len(plain)+timelock.Overhead {
		t.Errorf("ciphertext of %d bytes for %d of payload", len(ct), len(plain))
	}
}

// The backoff doubles from the base and stops at ten times it.
func TestBackoff(t *testing.T) {
	s := &Service{opts: Options{RetryDelay: time.Second}}
	var got []time.Duration
	for n := 1; n <= 7; n++ {
		got = append(got, s.backoff(n))
	}
	want := []time.Duration{1 * time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 10 * time.Second, 10 * time.Second, 10 * time.Second}
	if !slices.Equal(got, want) {
		t.Errorf("backoff %v, want %v", got, want)
	}
}
