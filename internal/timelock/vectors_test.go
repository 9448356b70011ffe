package timelock

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"testing"

	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"
	"github.com/google/go-cmp/cmp"

	"github.com/pylon-go/pylon/internal/sharedtest"
)

// vectors mirrors the parts of crypto-vectors.json this package owns.
type vectors struct {
	Payload struct {
		Hotkey     string   `json:"hotkey"`
		UIDs       []uint16 `json:"uids"`
		Values     []uint16 `json:"values"`
		VersionKey uint64   `json:"version_key"`
		Scale      string   `json:"scale"`
	} `json:"weights_tlock_payload"`
	Quicknet struct {
		PublicKey    string `json:"public_key_g2_compressed"`
		ChainHash    string `json:"chain_hash"`
		GenesisTime  int64  `json:"genesis_time"`
		Period       int64  `json:"period_seconds"`
		Scheme       string `json:"scheme"`
		DST          string `json:"dst"`
		Sig1000      string `json:"round_1000_signature_g1_compressed"`
		Randomness   string `json:"round_1000_randomness_sha256_of_signature"`
		QID1000      string `json:"round_1000_Q_id_g1_compressed"`
		ArkPairing   string `json:"sha256_ark_serialized_e_Qid1000_PK"` //nolint:misspell // a key of the shared crypto-vectors.json
		IdentityNote string `json:"round_1000_identity_message_sha256_u64be"`
	} `json:"drand_quicknet"`
	KAT struct {
		Round      uint64 `json:"round"`
		Plaintext  string `json:"plaintext"`
		ESK        string `json:"esk_aes_key"`
		Sigma      string `json:"sigma"`
		Nonce      string `json:"aes_gcm_nonce"`
		Ciphertext string `json:"ciphertext"`
	} `json:"tlock_deterministic_kat"`
	Rust struct {
		Round      uint64 `json:"round"`
		Ciphertext string `json:"ciphertext"`
		Plaintext  string `json:"plaintext_utf8"`
	} `json:"tlock_rust_produced"`
}

func loadVectors(tb testing.TB) vectors {
	tb.Helper()
	var v vectors
	if err := json.Unmarshal(sharedtest.ReadFile(tb, "crypto-vectors.json"), &v); err != nil {
		tb.Fatalf("crypto-vectors.json: %v", err)
	}
	if v.KAT.Ciphertext == "" || v.Rust.Ciphertext == "" || v.Quicknet.Sig1000 == "" || v.Payload.Scale == "" {
		tb.Fatal("crypto-vectors.json lacks a timelock vector")
	}
	return v
}

func unhex(tb testing.TB, s string) []byte {
	tb.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		tb.Fatalf("hex %q: %v", s, err)
	}
	return b
}

func sig1000(tb testing.TB, v vectors) Signature {
	tb.Helper()
	sig, err := ParseSignatureHex(v.Quicknet.Sig1000)
	if err != nil {
		tb.Fatal(err)
	}
	return sig
}

func TestQuicknetConstantsMatchVectors(t *testing.T) {
	v := loadVectors(t)
	q := v.Quicknet
	got := map[string]any{
		"public key": QuicknetPublicKeyHex, "chain hash": QuicknetChainHashHex,
		"genesis": int64(QuicknetGenesisTime), "period": int64(QuicknetPeriod),
		"scheme": QuicknetScheme, "dst": DST,
		"network public key": hex.EncodeToString(Quicknet().PublicKey.Bytes()),
		"network genesis":    Quicknet().GenesisTime, "network period": Quicknet().Period,
	}
	want := map[string]any{
		"public key": q.PublicKey, "chain hash": q.ChainHash,
		"genesis": q.GenesisTime, "period": q.Period,
		"scheme": q.Scheme, "dst": q.DST,
		"network public key": q.PublicKey,
		"network genesis":    q.GenesisTime, "network period": q.Period,
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("quicknet constants (-vector +code):\n%s", d)
	}
}

// The identity is hash_to_G1(SHA-256(u64_be(round))) under the quicknet DST.
func TestIdentityPointRound1000(t *testing.T) {
	v := loadVectors(t)
	if v.Quicknet.IdentityNote != "sha256(00000000000003e8)" {
		t.Fatalf("identity message note changed: %q", v.Quicknet.IdentityNote)
	}
	q, err := identityPoint(1000)
	if err != nil {
		t.Fatal(err)
	}
	b := q.Bytes()
	if got := hex.EncodeToString(b[:]); got != v.Quicknet.QID1000 {
		t.Fatalf("Q_id(1000) = %s, want %s", got, v.Quicknet.QID1000)
	}
}

func TestVerifyRound1000Signature(t *testing.T) {
	v := loadVectors(t)
	sig := sig1000(t, v)
	if got := hex.EncodeToString(sig.Bytes()); got != v.Quicknet.Sig1000 {
		t.Fatalf("signature re-encodes as %s", got)
	}
	// drand publishes randomness = SHA-256(signature): pins that the vector
	// holds the real round-1000 beacon.
	if r := sha256.Sum256(unhex(t, v.Quicknet.Sig1000)); hex.EncodeToString(r[:]) != v.Quicknet.Randomness {
		t.Fatalf("SHA-256(signature) = %x, want %s", r, v.Quicknet.Randomness)
	}
	if err := Quicknet().VerifyRound(1000, sig); err != nil {
		t.Fatalf("round 1000: %v", err)
	}
	for _, round := range []uint64{0, 999, 1001} {
		if err := Quicknet().VerifyRound(round, sig); !errors.Is(err, ErrInvalidSignature) {
			t.Errorf("round %d: err = %v, want ErrInvalidSignature", round, err)
		}
	}
	// The identity point is a valid G1 point but not the signature.
	q, err := identityPoint(1000)
	if err != nil {
		t.Fatal(err)
	}
	if err := Quicknet().VerifyRound(1000, Signature{p: q}); !errors.Is(err, ErrInvalidSignature) {
		t.Errorf("Q_id as signature: err = %v, want ErrInvalidSignature", err)
	}
	if err := Quicknet().VerifyRound(1000, Signature{}); !errors.Is(err, ErrInvalidSignature) {
		t.Errorf("infinity as signature: err = %v, want ErrInvalidSignature", err)
	}
}

// Pins the GT byte order: SHA-256 of arkworks' serialisation of e(Q_id, PK).
func TestArkSerialisedPairingHash(t *testing.T) {
	v := loadVectors(t)
	q, err := identityPoint(1000)
	if err != nil {
		t.Fatal(err)
	}
	g, err := bls12381.Pair([]bls12381.G1Affine{q}, []bls12381.G2Affine{Quicknet().PublicKey.p})
	if err != nil {
		t.Fatal(err)
	}
	got := h2(&g)
	if hex.EncodeToString(got[:]) != v.Quicknet.ArkPairing {
		t.Fatalf("SHA-256(ark(e(Q_id, PK))) = %x, want %s", got, v.Quicknet.ArkPairing)
	}
	// e(σ, G2) is the same GT element, which is why σ decrypts.
	_, _, _, g2 := bls12381.Generators()
	g2sig, err := bls12381.Pair([]bls12381.G1Affine{sig1000(t, v).p}, []bls12381.G2Affine{g2})
	if err != nil {
		t.Fatal(err)
	}
	if got2 := h2(&g2sig); got2 != got {
		t.Fatalf("e(σ, G2) hashes to %x, want %x", got2, got)
	}
}

func TestEncryptDeterministicKAT(t *testing.T) {
	v := loadVectors(t)
	k := v.KAT
	if k.Plaintext != v.Payload.Scale {
		t.Fatalf("KAT plaintext is not the payload vector")
	}
	rnd := bytes.Join([][]byte{unhex(t, k.ESK), unhex(t, k.Sigma), unhex(t, k.Nonce)}, nil)
	if len(rnd) != RandomnessSize {
		t.Fatalf("KAT randomness is %d bytes, want %d", len(rnd), RandomnessSize)
	}
	src := bytes.NewReader(rnd)
	got, err := Quicknet().Encrypt(k.Round, unhex(t, k.Plaintext), src)
	if err != nil {
		t.Fatal(err)
	}
	if src.Len() != 0 {
		t.Fatalf("Encrypt left %d random bytes unread", src.Len())
	}
	want := unhex(t, k.Ciphertext)
	if !bytes.Equal(got, want) {
		t.Fatalf("KAT ciphertext mismatch\n got %x\nwant %x", got, want)
	}
	if len(got) != len(unhex(t, k.Plaintext))+Overhead {
		t.Fatalf("length %d, want plaintext+%d", len(got), Overhead)
	}
	pt, err := Decrypt(got, sig1000(t, v))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(pt, unhex(t, k.Plaintext)) {
		t.Fatalf("KAT decrypts to %x", pt)
	}
}

func TestDecryptRustProduced(t *testing.T) {
	v := loadVectors(t)
	pt, err := DecryptHex(v.Rust.Ciphertext, "0x"+v.Quicknet.Sig1000)
	if err != nil {
		t.Fatal(err)
	}
	if string(pt) != v.Rust.Plaintext || v.Rust.Plaintext != "this is a test" {
		t.Fatalf("plaintext %q, want %q", pt, v.Rust.Plaintext)
	}
}

func TestEncryptDecryptRound1000RealSignature(t *testing.T) {
	v := loadVectors(t)
	for _, msg := range [][]byte{nil, []byte("x"), unhex(t, v.Payload.Scale), bytes.Repeat([]byte{0xa5}, 4000)} {
		ct, err := Quicknet().Encrypt(1000, msg, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(ct) != len(msg)+Overhead {
			t.Fatalf("len %d for %d-byte message", len(ct), len(msg))
		}
		pt, err := Decrypt(ct, sig1000(t, v))
		if err != nil {
			t.Fatalf("%d-byte message: %v", len(msg), err)
		}
		if !bytes.Equal(pt, msg) {
			t.Fatalf("%d-byte message round-tripped to %x", len(msg), pt)
		}
	}
}
