package keys

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"

	schnorrkel "github.com/ChainSafe/go-schnorrkel"
)

// signingContext is the schnorrkel signing context Substrate uses for every
// sr25519 signature (sp-core `SIGNING_CTX`).
var signingContext = []byte("substrate")

// Keypair is an sr25519 keypair. It is safe for concurrent use: signing only
// reads the secret key.
//
// Printing a Keypair (fmt verbs, slog) shows its SS58 address only; the secret
// key cannot be read back out of it. Build keypairs with the constructors
// (KeypairFromSeed, KeypairFromMnemonic, KeypairFromPrivateKey,
// KeypairFromURI, LoadKeyfile, LoadHotkey): the zero Keypair cannot sign.
type Keypair struct {
	secret *schnorrkel.SecretKey
	public AccountID
	// seed is the 32-byte mini secret key when the keypair came from one (a
	// seed, a mnemonic or a hard-derived URI); WriteKeyfile records it as
	// secretSeed, as btwallet does. Nil for keys built from a privateKey or
	// soft-derived.
	seed *[32]byte
}

// PublicKey returns the 32-byte sr25519 public key (the AccountId32).
// With Sign it is all a transaction signer needs.
func (k *Keypair) PublicKey() [32]byte { return k.public }

// AccountID returns the public key as an AccountID.
func (k *Keypair) AccountID() AccountID { return k.public }

// SS58 returns the SS58 address with prefix 42.
func (k *Keypair) SS58() string { return k.public.String() }

// Sign signs msg with the "substrate" signing context and returns the 64-byte
// schnorrkel signature (R ‖ s with the schnorrkel marker bit). Signatures are
// randomised. Callers sign exactly what the chain verifies: the extrinsic
// layer hashes payloads longer than 256 bytes itself.
func (k *Keypair) Sign(msg []byte) ([64]byte, error) {
	if k == nil || k.secret == nil {
		return [64]byte{}, errors.New("keys: sr25519 sign: keypair has no secret key (build it with a constructor)")
	}
	sig, err := k.secret.Sign(schnorrkel.NewSigningContext(signingContext, msg))
	if err != nil {
		return [64]byte{}, fmt.Errorf("keys: sr25519 sign: %w", err)
	}
	return sig.Encode(), nil
}

// Verify reports whether sig is a valid sr25519 signature of msg by pub under
// the "substrate" signing context. Malformed keys or signatures yield false.
func Verify(pub [32]byte, msg []byte, sig [64]byte) bool {
	pk, err := schnorrkel.NewPublicKey(pub)
	if err != nil {
		return false
	}
	var s schnorrkel.Signature
	if err := s.Decode(sig); err != nil {
		return false
	}
	ok, err := pk.Verify(&s, schnorrkel.NewSigningContext(signingContext, msg))
	return err == nil && ok
}

// String returns a description holding the SS58 address only. String,
// GoString and Format have value receivers so that a Keypair value, not only
// a pointer, prints this way.
func (k Keypair) String() string { return "sr25519 keypair " + k.public.String() }

// GoString keeps %#v from dumping the struct fields.
func (k Keypair) GoString() string { return k.String() }

// Format makes every fmt verb (%v, %+v, %#v, %s, %q, %x …) print String, so no
// verb walks the fields by reflection. (A nil *Keypair prints as <nil>.)
func (k Keypair) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(k.String())) }

// LogValue makes slog record the address, never the fields.
func (k *Keypair) LogValue() slog.Value {
	if k == nil {
		return slog.StringValue("<nil>")
	}
	return slog.GroupValue(slog.String("ss58", k.SS58()))
}

// newKeypair completes a keypair from its secret key.
func newKeypair(sk *schnorrkel.SecretKey, seed *[32]byte) (*Keypair, error) {
	pub, err := sk.Public()
	if err != nil {
		// Only a non-canonical scalar fails here; the message must not echo it.
		return nil, fmt.Errorf("%w: secret scalar is not canonical", ErrInvalidSecret)
	}
	return &Keypair{secret: sk, public: pub.Encode(), seed: seed}, nil
}

// KeypairFromSeed builds a keypair from a 32-byte mini secret key (a keyfile's
// secretSeed) with schnorrkel's Ed25519 expansion, as sp-core's
// sr25519::Pair::from_seed and btwallet do. (ExpandUniform would give a
// different key.)
func KeypairFromSeed(seed []byte) (*Keypair, error) {
	if len(seed) != 32 {
		return nil, fmt.Errorf("%w: seed must be 32 bytes, got %d", ErrInvalidSecret, len(seed))
	}
	s := new([32]byte)
	copy(s[:], seed)
	return keypairFromMiniSecret(s)
}

func keypairFromMiniSecret(seed *[32]byte) (*Keypair, error) {
	msk, err := schnorrkel.NewMiniSecretKeyFromRaw(*seed)
	if err != nil {
		return nil, fmt.Errorf("%w: mini secret key rejected", ErrInvalidSecret)
	}
	return newKeypair(msk.ExpandEd25519(), seed)
}

// normalizeMnemonic collapses runs of whitespace to single spaces:
// go-schnorrkel splits on single spaces, while users paste phrases with
// newlines or double spaces.
func normalizeMnemonic(phrase string) string {
	return strings.Join(strings.Fields(phrase), " ")
}

// miniSecretFromMnemonic derives the mini secret key the substrate way
// (substrate-bip39: PBKDF2 over the entropy, not over the phrase as BIP-39 does).
func miniSecretFromMnemonic(phrase string) (*[32]byte, error) {
	phrase = normalizeMnemonic(phrase)
	switch n := strings.Count(phrase, " ") + 1; n {
	case 12, 15, 18, 21, 24:
	default:
		return nil, fmt.Errorf("%w: mnemonic has %d words, want 12, 15, 18, 21 or 24", ErrInvalidSecret, n)
	}
	// The library's errors can quote a word of the phrase: never wrap them.
	msk, err := schnorrkel.MiniSecretKeyFromMnemonic(phrase, "")
	if err != nil {
		return nil, fmt.Errorf("%w: mnemonic is not a valid BIP-39 English phrase (unknown word or bad checksum)", ErrInvalidSecret)
	}
	seed := msk.Encode()
	return &seed, nil
}

// KeypairFromMnemonic builds a keypair from a BIP-39 English mnemonic
// (12–24 words) with substrate-bip39 and an empty password, as btwallet and
// polkadot-js do. Whitespace is normalised first.
func KeypairFromMnemonic(phrase string) (*Keypair, error) {
	seed, err := miniSecretFromMnemonic(phrase)
	if err != nil {
		return nil, err
	}
	return keypairFromMiniSecret(seed)
}

// KeypairFromPrivateKey builds a keypair from a 64-byte sr25519 secret key.
//
// Two encodings exist: schnorrkel's key ‖ nonce with the canonical scalar
// (btwallet and Python wallets write this) and the "ed25519" form with the
// scalar multiplied by the cofactor (polkadot-js exports this). The schnorrkel
// form is tried first; the ed25519 form is used when the scalar is not
// canonical, or when want is non-nil and the schnorrkel form does not yield
// it. For keys expanded from a seed the two forms never collide (the
// ed25519-form scalar is always ≥ ℓ); for other keys pass want to settle the
// ambiguity. With want non-nil a key that matches in neither form fails with
// ErrKeyMismatch.
func KeypairFromPrivateKey(priv []byte, want *AccountID) (*Keypair, error) {
	if len(priv) != 64 {
		return nil, fmt.Errorf("%w: private key must be 64 bytes, got %d", ErrInvalidSecret, len(priv))
	}
	var key, nonce [32]byte
	copy(key[:], priv[:32])
	copy(nonce[:], priv[32:])
	kp, err := newKeypair(schnorrkel.NewSecretKey(key, nonce), nil)
	if err == nil && (want == nil || kp.public == *want) {
		return kp, nil
	}
	kp, err = newKeypair(schnorrkel.NewSecretKeyFromEd25519Bytes([64]byte(priv)), nil)
	if err != nil {
		return nil, fmt.Errorf("%w: private key is neither schnorrkel nor ed25519 form", ErrInvalidSecret)
	}
	if want != nil && kp.public != *want {
		return nil, fmt.Errorf("%w: private key yields %s, want %s", ErrKeyMismatch, kp.public, *want)
	}
	return kp, nil
}
