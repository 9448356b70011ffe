package keys

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pylon-go/pylon/internal/sharedtest"
)

// cryptoVectors mirrors the parts of ../shared/testdata/crypto-vectors.json
// this package checks (CRYPTO.md §10).
type cryptoVectors struct {
	Wallet struct {
		Mnemonic           string `json:"mnemonic"`
		SecretSeed         string `json:"secretSeed_mini_secret"`
		PrivateSchnorrkel  string `json:"privateKey_schnorrkel_key_then_nonce"`
		PrivateEd25519Form string `json:"privateKey_ed25519_form_as_polkadot_js_exports_it"`
		PublicKey          string `json:"publicKey"`
		SS58Prefix42       string `json:"ss58_prefix42"`
		SS58Prefix0        string `json:"ss58_prefix0_same_key"`
		SigPolkadotJS      string `json:"verify_only_signature_ctx_substrate_msg_hello_by_polkadot_js"`
		SigGoSchnorrkel    string `json:"verify_only_signature_ctx_substrate_msg_hello_by_go_schnorrkel"`
	} `json:"sr25519_wallet_key"`
	Alice struct {
		PublicKey    string `json:"publicKey"`
		SS58Prefix42 string `json:"ss58_prefix42"`
	} `json:"ss58_alice"`
	NaCl struct {
		Password  string `json:"password"`
		Salt      string `json:"salt"`
		Key       string `json:"argon2i_v13_t8_m524288KiB_p1_key"`
		Nonce     string `json:"nonce"`
		FileBytes string `json:"file_bytes_hex"`
		PublicKey string `json:"decrypts_to_json_with_publicKey"`
	} `json:"nacl_keyfile"`
	Certificate struct {
		Seed      string `json:"seed_rfc8032_test1"`
		PublicKey string `json:"public_key"`
		Argument  string `json:"serve_axon_tls_certificate_arg"`
	} `json:"ed25519_certificate"`
}

func loadVectors(t *testing.T) *cryptoVectors {
	t.Helper()
	var v cryptoVectors
	if err := json.Unmarshal(sharedtest.ReadFile(t, "crypto-vectors.json"), &v); err != nil {
		t.Fatalf("crypto-vectors.json: %v", err)
	}
	if v.Wallet.PublicKey == "" || v.NaCl.FileBytes == "" || v.Certificate.Seed == "" || v.Alice.PublicKey == "" {
		t.Fatal("crypto-vectors.json lacks the sections this test needs")
	}
	return &v
}

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.TrimPrefix(s, "0x"))
	if err != nil {
		t.Fatalf("bad hex in test data: %v", err)
	}
	return b
}

func unhex32(t *testing.T, s string) [32]byte {
	t.Helper()
	b := unhex(t, s)
	if len(b) != 32 {
		t.Fatalf("want 32 bytes, got %d", len(b))
	}
	return [32]byte(b)
}

func unhex64(t *testing.T, s string) [64]byte {
	t.Helper()
	b := unhex(t, s)
	if len(b) != 64 {
		t.Fatalf("want 64 bytes, got %d", len(b))
	}
	return [64]byte(b)
}

// TestVectorWalletKeyDerivation: every secret field of the btwallet test key
// yields the recorded public key and SS58 addresses (prefix 42 and 0).
func TestVectorWalletKeyDerivation(t *testing.T) {
	v := loadVectors(t).Wallet
	wantPub := unhex32(t, v.PublicKey)

	fromSeed, err := KeypairFromSeed(unhex(t, v.SecretSeed))
	if err != nil {
		t.Fatal(err)
	}
	fromMnemonic, err := KeypairFromMnemonic(v.Mnemonic)
	if err != nil {
		t.Fatal(err)
	}
	// Whitespace is normalised: a phrase pasted with newlines and tabs works.
	messy := "  " + strings.ReplaceAll(v.Mnemonic, " ", " \n\t ") + "\n"
	fromMessy, err := KeypairFromMnemonic(messy)
	if err != nil {
		t.Fatal(err)
	}
	fromSchnorrkel, err := KeypairFromPrivateKey(unhex(t, v.PrivateSchnorrkel), nil)
	if err != nil {
		t.Fatal(err)
	}
	// The ed25519 form's scalar is not canonical, so it is recognised without a hint …
	fromEd25519, err := KeypairFromPrivateKey(unhex(t, v.PrivateEd25519Form), nil)
	if err != nil {
		t.Fatal(err)
	}
	// … and with the expected key as a hint.
	want := AccountID(wantPub)
	fromEd25519Hinted, err := KeypairFromPrivateKey(unhex(t, v.PrivateEd25519Form), &want)
	if err != nil {
		t.Fatal(err)
	}
	for name, kp := range map[string]*Keypair{
		"secretSeed": fromSeed, "mnemonic": fromMnemonic, "messy mnemonic": fromMessy,
		"privateKey schnorrkel form": fromSchnorrkel, "privateKey ed25519 form": fromEd25519,
		"privateKey ed25519 form with hint": fromEd25519Hinted,
	} {
		if kp.PublicKey() != wantPub {
			t.Errorf("%s: public key %x, want %x", name, kp.PublicKey(), wantPub)
		}
		if kp.SS58() != v.SS58Prefix42 {
			t.Errorf("%s: SS58 %s, want %s", name, kp.SS58(), v.SS58Prefix42)
		}
	}

	// mnemonic → seed (substrate-bip39) is the recorded mini secret.
	seed, err := miniSecretFromMnemonic(v.Mnemonic)
	if err != nil {
		t.Fatal(err)
	}
	if hex.EncodeToString(seed[:]) != v.SecretSeed {
		t.Errorf("mnemonic → seed %x, want %s", seed[:], v.SecretSeed)
	}

	// seed → privateKey (ExpandEd25519, schnorrkel form) is what WriteKeyfile records.
	path := filepath.Join(t.TempDir(), "hotkeys", "h")
	if err := WriteKeyfile(context.Background(), path, fromSeed); err != nil {
		t.Fatal(err)
	}
	written, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]any
	if err := json.Unmarshal(written, &fields); err != nil {
		t.Fatal(err)
	}
	if got := fields["privateKey"]; got != "0x"+v.PrivateSchnorrkel {
		t.Errorf("written privateKey %v, want 0x%s", got, v.PrivateSchnorrkel)
	}
	if got := fields["secretSeed"]; got != "0x"+v.SecretSeed {
		t.Errorf("written secretSeed %v, want 0x%s", got, v.SecretSeed)
	}

	// A wrong hint is refused.
	other := AccountID{1}
	if _, err := KeypairFromPrivateKey(unhex(t, v.PrivateSchnorrkel), &other); !errors.Is(err, ErrKeyMismatch) {
		t.Errorf("privateKey with a wrong expected key: err %v, want ErrKeyMismatch", err)
	}
}

func TestVectorSS58(t *testing.T) {
	vs := loadVectors(t)
	v := vs.Wallet
	pub := unhex32(t, v.PublicKey)
	for _, c := range []struct {
		prefix uint16
		addr   string
	}{{42, v.SS58Prefix42}, {0, v.SS58Prefix0}, {42, vs.Alice.SS58Prefix42}} {
		p := pub
		if c.addr == vs.Alice.SS58Prefix42 {
			p = unhex32(t, vs.Alice.PublicKey)
		}
		got, err := EncodeSS58(p, c.prefix)
		if err != nil || got != c.addr {
			t.Errorf("EncodeSS58(%x, %d) = %q, %v; want %q", p, c.prefix, got, err, c.addr)
		}
		prefix, dec, err := DecodeSS58(c.addr)
		if err != nil || prefix != c.prefix || dec != p {
			t.Errorf("DecodeSS58(%q) = %d, %x, %v; want %d, %x", c.addr, prefix, dec, err, c.prefix, p)
		}
	}
	if got := AccountID(pub).String(); got != v.SS58Prefix42 {
		t.Errorf("AccountID.String() = %q, want %q", got, v.SS58Prefix42)
	}
	if id, err := ParseAccountID(v.SS58Prefix42); err != nil || id != AccountID(pub) {
		t.Errorf("ParseAccountID(prefix 42) = %x, %v", id, err)
	}
	// The prefix-0 form is a valid address of another network: refused by policy.
	if _, err := ParseAccountID(v.SS58Prefix0); !errors.Is(err, ErrAddressFormat) || errors.Is(err, ErrInvalidAddress) {
		t.Errorf("ParseAccountID(prefix 0) err = %v, want ErrAddressFormat only", err)
	}
}

// TestVectorSignatures: signatures made by polkadot-js and go-schnorrkel over
// "hello" (context "substrate") verify; Go's own signatures verify and
// corrupted ones do not.
func TestVectorSignatures(t *testing.T) {
	v := loadVectors(t).Wallet
	pub := unhex32(t, v.PublicKey)
	msg := []byte("hello")
	for name, sigHex := range map[string]string{"polkadot-js": v.SigPolkadotJS, "go-schnorrkel": v.SigGoSchnorrkel} {
		sig := unhex64(t, sigHex)
		if !Verify(pub, msg, sig) {
			t.Errorf("%s signature does not verify", name)
		}
		if Verify(pub, []byte("hellO"), sig) {
			t.Errorf("%s signature verifies for another message", name)
		}
		alice := unhex32(t, loadVectors(t).Alice.PublicKey)
		if Verify(alice, msg, sig) {
			t.Errorf("%s signature verifies for another key", name)
		}
	}

	kp, err := KeypairFromSeed(unhex(t, v.SecretSeed))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range [][]byte{nil, msg, bytes.Repeat([]byte{0xAB}, 256), bytes.Repeat([]byte{0xCD}, 1000)} {
		sig, err := kp.Sign(m)
		if err != nil {
			t.Fatal(err)
		}
		if sig[63]&0x80 == 0 {
			t.Error("signature lacks the schnorrkel marker bit")
		}
		if !Verify(pub, m, sig) {
			t.Errorf("Go signature over %d bytes does not verify", len(m))
		}
		for _, i := range []int{0, 31, 32, 62} {
			bad := sig
			bad[i] ^= 0x01
			if Verify(pub, m, bad) {
				t.Errorf("signature corrupted at byte %d verifies", i)
			}
		}
		unmarked := sig
		unmarked[63] &^= 0x80
		if Verify(pub, m, unmarked) {
			t.Error("signature without the schnorrkel marker verifies")
		}
	}
	// The zero Keypair refuses to sign instead of panicking.
	var zero Keypair
	if _, err := zero.Sign(msg); err == nil {
		t.Error("zero Keypair signed")
	}
	// Garbage keys and signatures are rejected, never panic.
	if Verify([32]byte{}, msg, unhex64(t, v.SigPolkadotJS)) {
		t.Error("identity public key verifies")
	}
	var ff [32]byte
	for i := range ff {
		ff[i] = 0xFF
	}
	if Verify(ff, msg, unhex64(t, v.SigPolkadotJS)) {
		t.Error("non-point public key verifies")
	}
}

// signer is the interface the extrinsic layer defines; Keypair must satisfy it.
type signer interface {
	PublicKey() [32]byte
	Sign([]byte) ([64]byte, error)
}

var _ signer = (*Keypair)(nil)

// TestVectorNaCl decrypts the libsodium-made $NACL vector: the Argon2i key
// equals the recorded one and the box opens to the recorded keyfile. One
// Argon2 run (~5 s, 512 MiB).
func TestVectorNaCl(t *testing.T) {
	v := loadVectors(t).NaCl
	if got := hex.EncodeToString(naclSalt); got != v.Salt {
		t.Fatalf("salt %s, want %s", got, v.Salt)
	}
	data := unhex(t, v.FileBytes)
	if got := hex.EncodeToString(data[5:29]); got != v.Nonce {
		t.Fatalf("nonce %s, want %s", got, v.Nonce)
	}
	key, err := naclKey(context.Background(), []byte(v.Password))
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(key[:]); got != v.Key {
		t.Fatalf("Argon2i key %s, want %s", got, v.Key)
	}
	plain, ok := naclOpen(data, key)
	if !ok {
		t.Fatal("secretbox did not open with the right key")
	}
	kf, err := parseKeyfileJSON("vector", plain)
	if err != nil {
		t.Fatal(err)
	}
	kp, err := keypairFromKeyfile("vector", kf)
	if err != nil {
		t.Fatal(err)
	}
	if got := "0x" + hex.EncodeToString(kp.public[:]); got != v.PublicKey {
		t.Errorf("decrypted keyfile yields %s, want %s", got, v.PublicKey)
	}
	// Any other key fails authentication (the wrong-password path through
	// LoadKeyfile is in TestErrorMatrix).
	wrong := *key
	wrong[0] ^= 1
	if _, ok := naclOpen(data, &wrong); ok {
		t.Error("secretbox opened with a wrong key")
	}
	tampered := bytes.Clone(data)
	tampered[len(tampered)-1] ^= 1
	if _, ok := naclOpen(tampered, key); ok {
		t.Error("tampered box opened")
	}
}

func TestVectorCertificate(t *testing.T) {
	v := loadVectors(t).Certificate
	c, err := CertificateKeypairFromSeed(unhex(t, v.Seed))
	if err != nil {
		t.Fatal(err)
	}
	if c.PublicKeyHex() != v.PublicKey {
		t.Errorf("public key %s, want %s", c.PublicKeyHex(), v.PublicKey)
	}
	if c.PrivateKeyHex() != v.Seed {
		t.Errorf("private key %s, want the seed %s", c.PrivateKeyHex(), v.Seed)
	}
	if got := hex.EncodeToString(c.ChainArgument()); got != v.Argument {
		t.Errorf("chain argument %s, want %s", got, v.Argument)
	}
	// RFC 8032 §7.1 TEST 1: the signature of the empty message.
	const rfcSig = "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
	if got := hex.EncodeToString(c.Sign(nil)); got != rfcSig {
		t.Errorf("signature of the empty message %s, want %s", got, rfcSig)
	}
	if c.Algorithm() != 1 {
		t.Errorf("algorithm %d, want 1", c.Algorithm())
	}
	// Generation reads exactly 32 bytes from the reader: the RFC seed as the
	// "random" source gives the RFC key.
	g, err := GenerateCertificateKeypair(bytes.NewReader(unhex(t, v.Seed)))
	if err != nil {
		t.Fatal(err)
	}
	if g.PublicKeyHex() != v.PublicKey {
		t.Errorf("generated from the RFC seed: %s, want %s", g.PublicKeyHex(), v.PublicKey)
	}
	// Random generation gives distinct keys.
	a, err := GenerateCertificateKeypair(nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := GenerateCertificateKeypair(nil)
	if err != nil {
		t.Fatal(err)
	}
	if a.PublicKey() == b.PublicKey() {
		t.Error("two random certificate keypairs are equal")
	}
	if _, err := GenerateCertificateKeypair(bytes.NewReader(make([]byte, 31))); err == nil {
		t.Error("short random source accepted")
	}
	if _, err := CertificateKeypairFromSeed(make([]byte, 31)); !errors.Is(err, ErrInvalidSecret) {
		t.Errorf("31-byte seed: err %v, want ErrInvalidSecret", err)
	}
}
