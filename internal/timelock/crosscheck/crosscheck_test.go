//go:build crosscheck

package crosscheck

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pylon-go/pylon/internal/sharedtest"
	"github.com/pylon-go/pylon/internal/timelock"
)

// Python interpreters with the reference installed: EnvPython has
// bittensor-drand 2.0.0 (encrypt_at_round, decrypt_with_signature,
// get_encrypted_commit_v2), EnvPythonLegacy has 1.3.0, the last release with
// the legacy-epoch get_encrypted_commit.
const (
	EnvPython       = "PYLON_TLOCK_REFERENCE_PYTHON"
	EnvPythonLegacy = "PYLON_TLOCK_REFERENCE_PYTHON_LEGACY"
)

type decryptReq struct {
	Ciphertext string `json:"ciphertext"`
	Signature  string `json:"signature"`
}

type encryptReq struct {
	Message string `json:"message"`
	Round   uint64 `json:"round"`
}

type commitReq struct {
	UIDs                []uint16 `json:"uids"`
	Weights             []uint16 `json:"weights"`
	VersionKey          uint64   `json:"version_key"`
	LastEpochBlock      uint64   `json:"last_epoch_block"`
	PendingEpochAt      uint64   `json:"pending_epoch_at"`
	SubnetEpochIndex    uint64   `json:"subnet_epoch_index"`
	Tempo               uint64   `json:"tempo"`
	BlocksSinceLastStep uint64   `json:"blocks_since_last_step"`
	CurrentBlock        uint64   `json:"current_block"`
	RevealPeriod        uint64   `json:"reveal_period"`
	BlockTime           float64  `json:"block_time"`
	Hotkey              string   `json:"hotkey"`
}

type commitV1Req struct {
	UIDs         []uint16 `json:"uids"`
	Weights      []uint16 `json:"weights"`
	VersionKey   uint64   `json:"version_key"`
	Tempo        uint64   `json:"tempo"`
	CurrentBlock uint64   `json:"current_block"`
	Netuid       uint64   `json:"netuid"`
	RevealPeriod uint64   `json:"reveal_period"`
	BlockTime    float64  `json:"block_time"`
	Hotkey       string   `json:"hotkey"`
}

type commitmentReq struct {
	Data              string  `json:"data"`
	BlocksUntilReveal uint64  `json:"blocks_until_reveal"`
	BlockTime         float64 `json:"block_time"`
}

type request struct {
	Decrypt        []decryptReq    `json:"decrypt"`
	EncryptAtRound []encryptReq    `json:"encrypt_at_round"`
	CommitV2       []commitReq     `json:"commit_v2"`
	CommitV1       []commitV1Req   `json:"commit_v1"`
	Commitment     []commitmentReq `json:"commitment"`
}

type commitAnswer struct {
	Ciphertext string `json:"ciphertext"`
	Round      uint64 `json:"round"`
	BeforeNs   int64  `json:"before_ns"`
	AfterNs    int64  `json:"after_ns"`
	Error      string `json:"error"`
}

type answer struct {
	Reference string `json:"reference"`
	Decrypt   []struct {
		Plaintext string `json:"plaintext"`
		Error     string `json:"error"`
	} `json:"decrypt"`
	EncryptAtRound []struct {
		Ciphertext   string `json:"ciphertext"`
		Round        uint64 `json:"round"`
		WrappedRound uint64 `json:"wrapped_round"`
		Error        string `json:"error"`
	} `json:"encrypt_at_round"`
	CommitV2   []commitAnswer `json:"commit_v2"`
	CommitV1   []commitAnswer `json:"commit_v1"`
	Commitment []commitAnswer `json:"commitment"`
}

type vectors struct {
	Quicknet struct {
		Sig1000 string `json:"round_1000_signature_g1_compressed"`
	} `json:"drand_quicknet"`
	KAT struct {
		Plaintext  string `json:"plaintext"`
		Ciphertext string `json:"ciphertext"`
	} `json:"tlock_deterministic_kat"`
}

func runReference(t *testing.T, env string, req request) answer {
	t.Helper()
	py := os.Getenv(env)
	if py == "" {
		t.Fatalf("%s must name a Python interpreter with bittensor-drand installed (see README.md)", env)
	}
	in, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	script, err := filepath.Abs("reference.py")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, script)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("reference.py: %v\n%s", err, stderr.String())
	}
	var ans answer
	if err := json.Unmarshal(out, &ans); err != nil {
		t.Fatalf("reference.py answer: %v\n%s", err, out)
	}
	if len(ans.Decrypt) != len(req.Decrypt) || len(ans.EncryptAtRound) != len(req.EncryptAtRound) ||
		len(ans.CommitV2) != len(req.CommitV2) || len(ans.CommitV1) != len(req.CommitV1) {
		t.Fatalf("reference answered %d/%d/%d/%d items for %d/%d/%d/%d",
			len(ans.Decrypt), len(ans.EncryptAtRound), len(ans.CommitV2), len(ans.CommitV1),
			len(req.Decrypt), len(req.EncryptAtRound), len(req.CommitV2), len(req.CommitV1))
	}
	t.Logf("reference: %s", ans.Reference)
	return ans
}

func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func payload256(t *testing.T) []byte {
	t.Helper()
	p := timelock.WeightsPayload{UIDs: make([]uint16, 256), Values: make([]uint16, 256), VersionKey: 9003000}
	copy(p.Hotkey[:], randomBytes(t, 32))
	for i := range p.UIDs {
		p.UIDs[i], p.Values[i] = uint16(i), uint16(i*257)
	}
	b, err := p.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestReferenceCrossCheck proves, against the Rust implementation the chain
// shares (tle rev 5416406 on arkworks):
//  1. the reference decrypts ciphertexts made by Go to the same plaintext, and
//     refuses one made for another round;
//  2. Go decrypts ciphertexts made by the reference;
//  3. Go's stateful reveal round equals the one get_encrypted_commit_v2 picks,
//     and its commit is as long as Go's payload plus the tle overhead.
func TestReferenceCrossCheck(t *testing.T) {
	var v vectors
	if err := json.Unmarshal(sharedtest.ReadFile(t, "crypto-vectors.json"), &v); err != nil {
		t.Fatal(err)
	}
	sig, err := timelock.ParseSignatureHex(v.Quicknet.Sig1000)
	if err != nil {
		t.Fatal(err)
	}
	q := timelock.Quicknet()

	// 1. Go → reference.
	messages := [][]byte{nil, []byte("this is a test"), mustHex(t, v.KAT.Plaintext), payload256(t)}
	for _, n := range []int{1, 15, 16, 17, 31, 32, 33, 63, 64, 100, 1000, 4755} {
		messages = append(messages, randomBytes(t, n))
	}
	var req request
	for _, m := range messages {
		ct, err := q.Encrypt(1000, m, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Decrypt = append(req.Decrypt, decryptReq{hex.EncodeToString(ct), v.Quicknet.Sig1000})
	}
	req.Decrypt = append(req.Decrypt, decryptReq{v.KAT.Ciphertext, v.Quicknet.Sig1000})
	wrongRound, err := q.Encrypt(1001, []byte("not for round 1000"), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Decrypt = append(req.Decrypt, decryptReq{hex.EncodeToString(wrongRound), v.Quicknet.Sig1000})

	// 2. reference → Go.
	refMessages := [][]byte{nil, []byte("made by the reference"), payload256(t), randomBytes(t, 777)}
	for _, m := range refMessages {
		req.EncryptAtRound = append(req.EncryptAtRound, encryptReq{hex.EncodeToString(m), 1000})
	}
	otherRounds := []uint64{1, 19065880, 1 << 40}
	for _, r := range otherRounds {
		req.EncryptAtRound = append(req.EncryptAtRound, encryptReq{"00010203", r})
	}

	// 3. Stateful reveal rounds: (last epoch block, pending, tempo, head, period, block time).
	states := []struct {
		name                               string
		last, pending, tempo, head, period uint64
		blockTime                          float64
	}{
		{"mid epoch", 1000, 0, 360, 1100, 1, 12},
		{"mid epoch, period 3", 1000, 0, 360, 1100, 3, 12},
		{"commit lands in the fire block", 1000, 0, 360, 1359, 1, 12},
		{"head is the fire block", 1000, 0, 360, 1360, 2, 12},
		{"overdue epoch", 1000, 0, 360, 1500, 1, 12},
		{"pending before auto", 1000, 1200, 360, 1100, 1, 12},
		{"pending after auto", 1000, 5000, 360, 1100, 2, 12},
		{"pending already due", 1000, 1050, 360, 1100, 1, 12},
		{"fast blocks", 7_000_000, 0, 10, 7_000_003, 4, 0.25},
		{"reference vector cycle_reset", 10, 0, 50, 10, 1, 12},
		{"reference vector pending_fires_before_auto", 80, 95, 20, 91, 1, 12},
	}
	hotkey := randomBytes(t, 32)
	uids, weights := []uint16{0, 5, 9}, []uint16{65535, 1, 300}
	for i, s := range states {
		req.CommitV2 = append(req.CommitV2, commitReq{
			UIDs: uids, Weights: weights, VersionKey: 42, LastEpochBlock: s.last, PendingEpochAt: s.pending,
			SubnetEpochIndex: uint64(100 + i), Tempo: s.tempo, CurrentBlock: s.head, RevealPeriod: s.period,
			BlockTime: s.blockTime, Hotkey: hex.EncodeToString(hotkey),
		})
	}

	ans := runReference(t, EnvPython, req)

	for i, m := range messages {
		got := ans.Decrypt[i]
		if got.Error != "" || got.Plaintext != hex.EncodeToString(m) {
			t.Errorf("reference decrypt of Go ciphertext #%d (%d bytes): plaintext %q, error %q", i, len(m), got.Plaintext, got.Error)
		}
	}
	if got := ans.Decrypt[len(messages)]; got.Error != "" || got.Plaintext != v.KAT.Plaintext {
		t.Errorf("reference decrypt of the KAT: %+v", got)
	}
	if got := ans.Decrypt[len(messages)+1]; got.Error == "" {
		t.Errorf("reference decrypted a round-1001 ciphertext with the round-1000 signature: %q", got.Plaintext)
	}
	t.Logf("reference decrypted %d Go ciphertexts and the KAT; refused the wrong round with %q", len(messages), ans.Decrypt[len(messages)+1].Error)

	for i, m := range refMessages {
		got := ans.EncryptAtRound[i]
		if got.Error != "" || got.Round != 1000 || got.WrappedRound != 1000 {
			t.Fatalf("reference encrypt #%d: %+v", i, got)
		}
		ct := mustHex(t, got.Ciphertext)
		if len(ct) != len(m)+timelock.Overhead {
			t.Errorf("reference ciphertext #%d is %d bytes for %d-byte message", i, len(ct), len(m))
		}
		pt, err := timelock.Decrypt(ct, sig)
		if err != nil || !bytes.Equal(pt, m) {
			t.Errorf("Go decrypt of reference ciphertext #%d: %x, %v", i, pt, err)
		}
	}
	for j, r := range otherRounds {
		got := ans.EncryptAtRound[len(refMessages)+j]
		if got.Error != "" || got.Round != r {
			t.Fatalf("reference encrypt for round %d: %+v", r, got)
		}
		// No signature for these rounds here: Go must parse the ciphertext and
		// reject the round-1000 signature as the wrong key, not as malformed.
		if _, err := timelock.Decrypt(mustHex(t, got.Ciphertext), sig); !errors.Is(err, timelock.ErrWrongSignature) {
			t.Errorf("reference ciphertext for round %d with the round-1000 signature: %v", r, err)
		}
	}
	t.Logf("Go decrypted %d reference ciphertexts", len(refMessages))

	goPayload, err := (&timelock.WeightsPayload{Hotkey: [32]byte(hotkey), UIDs: uids, Values: weights, VersionKey: 42}).Encode()
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range states {
		got := ans.CommitV2[i]
		if got.Error != "" {
			t.Errorf("%s: reference error %s", s.name, got.Error)
			continue
		}
		next, err := timelock.NextEpochStart(s.last, s.pending, s.tempo)
		if err != nil {
			t.Fatal(err)
		}
		target, err := timelock.StatefulRevealBlock(s.head, next, s.tempo, s.period)
		if err != nil {
			t.Fatal(err)
		}
		bt := time.Duration(s.blockTime * float64(time.Second))
		lo := q.RoundForBlock(s.head, target, bt, time.Unix(0, got.BeforeNs))
		hi := q.RoundForBlock(s.head, target, bt, time.Unix(0, got.AfterNs))
		if got.Round < lo || got.Round > hi {
			t.Errorf("%s: reference round %d, Go brackets it in [%d, %d] (target block %d)", s.name, got.Round, lo, hi, target)
		} else {
			t.Logf("%s: target block %d, reference round %d, Go [%d, %d]", s.name, target, got.Round, lo, hi)
		}
		if n := len(mustHex(t, got.Ciphertext)); n != len(goPayload)+timelock.Overhead {
			t.Errorf("%s: reference commit is %d bytes, Go payload+overhead is %d", s.name, n, len(goPayload)+timelock.Overhead)
		}
	}
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.TrimPrefix(s, "0x"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestReferenceLegacyRound checks LegacyRevealBlock + RoundForBlock against
// bittensor-drand 1.3.0 get_encrypted_commit (the legacy epoch model that the
// SDK 10.x and turbobt use), including the CRYPTO.md worked-example inputs.
func TestReferenceLegacyRound(t *testing.T) {
	cases := []struct {
		name                         string
		block, netuid, tempo, period uint64
		blockTime                    float64
	}{
		{"worked example inputs", 1000, 1, 360, 1, 12},
		{"last block of an epoch", 1080, 1, 360, 1, 12},
		{"first block of an epoch", 1081, 1, 360, 1, 12},
		{"period 0", 1000, 1, 360, 0, 12},
		{"period 4", 6_123_456, 64, 360, 4, 12},
		{"mechanism 1 of netuid 3", 6_123_456, 3 + 4096, 360, 1, 12},
		{"fast blocks", 250, 2, 10, 1, 0.25},
	}
	hotkey := randomBytes(t, 32)
	uids, weights := []uint16{1, 2, 3}, []uint16{100, 200, 300}
	var req request
	for _, c := range cases {
		req.CommitV1 = append(req.CommitV1, commitV1Req{
			UIDs: uids, Weights: weights, VersionKey: 42, Tempo: c.tempo, CurrentBlock: c.block,
			Netuid: c.netuid, RevealPeriod: c.period, BlockTime: c.blockTime, Hotkey: hex.EncodeToString(hotkey),
		})
	}
	ans := runReference(t, EnvPythonLegacy, req)
	goPayload, err := (&timelock.WeightsPayload{Hotkey: [32]byte(hotkey), UIDs: uids, Values: weights, VersionKey: 42}).Encode()
	if err != nil {
		t.Fatal(err)
	}
	q := timelock.Quicknet()
	for i, c := range cases {
		got := ans.CommitV1[i]
		if got.Error != "" {
			t.Errorf("%s: reference error %s", c.name, got.Error)
			continue
		}
		target := timelock.LegacyRevealBlock(c.block, c.netuid, c.tempo, c.period)
		bt := time.Duration(c.blockTime * float64(time.Second))
		lo := q.RoundForBlock(c.block, target, bt, time.Unix(0, got.BeforeNs))
		hi := q.RoundForBlock(c.block, target, bt, time.Unix(0, got.AfterNs))
		if got.Round < lo || got.Round > hi {
			t.Errorf("%s: reference round %d, Go brackets it in [%d, %d] (target block %d)", c.name, got.Round, lo, hi, target)
		} else {
			t.Logf("%s: target block %d, reference round %d, Go [%d, %d]", c.name, target, got.Round, lo, hi)
		}
		if n := len(mustHex(t, got.Ciphertext)); n != len(goPayload)+timelock.Overhead {
			t.Errorf("%s: reference commit is %d bytes, Go payload+overhead is %d", c.name, n, len(goPayload)+timelock.Overhead)
		}
	}
}

// TestReferenceCommitment checks the timelocked commitment against
// bittensor-drand 2.0.0 get_encrypted_commitment (the SDK's
// set_reveal_commitment): its ciphertext is EncodeCommitment's plaintext plus
// the tle overhead — strings of 63 and 64 bytes straddle the one- and
// two-byte compact length prefix, so the prefix is pinned, not just the
// body — and its round is the one RoundForBlock gives for the reveal block.
func TestReferenceCommitment(t *testing.T) {
	data := []string{"", "a", "hello world", strings.Repeat("x", 63), strings.Repeat("x", 64), strings.Repeat("é", 40), strings.Repeat("z", 1000)}
	cases := []struct {
		blocks    uint64
		blockTime float64
	}{{0, 12}, {100, 12}, {360, 12}, {7, 0.25}}
	var req request
	for i, d := range data {
		c := cases[i%len(cases)]
		req.Commitment = append(req.Commitment, commitmentReq{Data: d, BlocksUntilReveal: c.blocks, BlockTime: c.blockTime})
	}
	ans := runReference(t, EnvPython, req)
	q := timelock.Quicknet()
	for i, d := range data {
		got, c := ans.Commitment[i], req.Commitment[i]
		if got.Error != "" {
			t.Errorf("%d-byte commitment: reference error %s", len(d), got.Error)
			continue
		}
		plain := timelock.EncodeCommitment(d)
		if n := len(mustHex(t, got.Ciphertext)); n != len(plain)+timelock.Overhead {
			t.Errorf("%d-byte commitment: reference ciphertext is %d bytes, Go plaintext+overhead is %d", len(d), n, len(plain)+timelock.Overhead)
		}
		if back, err := timelock.DecodeCommitment(plain); err != nil || back != d {
			t.Errorf("%d-byte commitment: decodes to %q, %v", len(d), back, err)
		}
		bt := time.Duration(c.BlockTime * float64(time.Second))
		lo := q.RoundForBlock(0, c.BlocksUntilReveal, bt, time.Unix(0, got.BeforeNs))
		hi := q.RoundForBlock(0, c.BlocksUntilReveal, bt, time.Unix(0, got.AfterNs))
		if got.Round < lo || got.Round > hi {
			t.Errorf("%d-byte commitment, %d blocks of %gs: reference round %d, Go brackets it in [%d, %d]", len(d), c.BlocksUntilReveal, c.BlockTime, got.Round, lo, hi)
		} else {
			t.Logf("%d-byte commitment, %d blocks of %gs: %d bytes, reference round %d, Go [%d, %d]",
				len(d), c.BlocksUntilReveal, c.BlockTime, len(plain)+timelock.Overhead, got.Round, lo, hi)
		}
	}
}
