package timelock

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/big"
	"testing"

	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"
	"github.com/consensys/gnark-crypto/ecc/bls12-381/fr"
	"pgregory.net/rapid"
)

// localNetwork is a drand-like network whose secret key the test holds
// (CRYPTO.md §6.7 item 4): PK = s·G2 and the round-R signature is s·Q_id(R).
type localNetwork struct {
	net Network
	s   *big.Int
}

func newLocalNetwork(t interface{ Fatal(...any) }, secret []byte) localNetwork {
	s := new(big.Int).SetBytes(secret)
	s.Mod(s, fr.Modulus())
	if s.Sign() == 0 {
		s.SetInt64(1)
	}
	var pk bls12381.G2Affine
	pk.ScalarMultiplicationBase(s)
	b := pk.Bytes()
	parsed, err := ParsePublicKey(b[:])
	if err != nil {
		t.Fatal(err)
	}
	return localNetwork{net: Network{PublicKey: parsed, GenesisTime: QuicknetGenesisTime, Period: QuicknetPeriod}, s: s}
}

func (l localNetwork) sign(t interface{ Fatal(...any) }, round uint64) Signature {
	q, err := identityPoint(round)
	if err != nil {
		t.Fatal(err)
	}
	var sig bls12381.G1Affine
	sig.ScalarMultiplication(&q, l.s)
	b := sig.Bytes()
	parsed, err := ParseSignature(b[:])
	if err != nil {
		t.Fatal(err)
	}
	return parsed
}

func TestRoundTripLocalKeyProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		l := newLocalNetwork(t, rapid.SliceOfN(rapid.Byte(), 32, 32).Draw(t, "secret"))
		round := rapid.Uint64().Draw(t, "round")
		msg := rapid.SliceOfN(rapid.Byte(), 0, 600).Draw(t, "message")
		rnd := rapid.SliceOfN(rapid.Byte(), RandomnessSize, RandomnessSize).Draw(t, "randomness")

		ct, err := l.net.Encrypt(round, msg, bytes.NewReader(rnd))
		if err != nil {
			t.Fatal(err)
		}
		if len(ct) != len(msg)+Overhead {
			t.Fatalf("len %d for %d-byte message", len(ct), len(msg))
		}
		sig := l.sign(t, round)
		if err := l.net.VerifyRound(round, sig); err != nil {
			t.Fatalf("own signature: %v", err)
		}
		pt, err := Decrypt(ct, sig)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(pt, msg) {
			t.Fatalf("round trip gave %x, want %x", pt, msg)
		}
		// Same randomness, same inputs: same bytes (the format has no hidden state).
		again, err := l.net.Encrypt(round, msg, bytes.NewReader(rnd))
		if err != nil || !bytes.Equal(again, ct) {
			t.Fatalf("encryption is not a function of its inputs: %v", err)
		}
		other := l.sign(t, round+1)
		if _, err := Decrypt(ct, other); !errors.Is(err, ErrWrongSignature) {
			t.Fatalf("next round's signature: err = %v, want ErrWrongSignature", err)
		}
		if err := l.net.VerifyRound(round, other); !errors.Is(err, ErrInvalidSignature) {
			t.Fatalf("next round's signature verifies for this round: %v", err)
		}
	})
}

// Flipping bytes in each part of the KAT ciphertext gives the error of that
// part; parts tld does not read stay harmless, as on chain.
func TestDecryptTampering(t *testing.T) {
	v := loadVectors(t)
	ct := unhex(t, v.KAT.Ciphertext)
	sig := sig1000(t, v)
	n := len(unhex(t, v.KAT.Plaintext))
	bodyStart := headerSize + lenPrefix
	flip := func(i int) []byte {
		c := bytes.Clone(ct)
		c[i] ^= 0x01
		return c
	}
	cases := []struct {
		name string
		ct   []byte
		want error // nil: decrypts to the plaintext
	}{
		{"v", flip(uSize + lenPrefix + 5), ErrWrongSignature},
		{"w", flip(uSize + 2*lenPrefix + sigmaSize + 5), ErrWrongSignature},
		{"v length", flip(uSize), ErrMalformedCiphertext},
		{"body length", flip(headerSize + 1), ErrMalformedCiphertext},
		{"sealed body", flip(bodyStart + lenPrefix + 3), ErrBodyAuthentication},
		{"tag", flip(bodyStart + lenPrefix + n + tagSize - 1), ErrBodyAuthentication},
		{"nonce", flip(bodyStart + 2*lenPrefix + n + tagSize + 1), ErrBodyAuthentication},
		{"nonce length", flip(bodyStart + lenPrefix + n + tagSize), ErrMalformedCiphertext},
		{"cipher suite text", flip(len(ct) - 1), nil},
		{"trailing bytes", append(bytes.Clone(ct), 0xde, 0xad), nil},
		{"truncated cipher suite", ct[:len(ct)-1], ErrMalformedCiphertext},
		{"empty", nil, ErrMalformedCiphertext},
		{"header only", ct[:headerSize], ErrMalformedCiphertext},
		{"U uncompressed flag", func() []byte { c := bytes.Clone(ct); c[0] &^= 0x80; return c }(), ErrMalformedCiphertext},
	}
	for _, c := range cases {
		pt, err := Decrypt(c.ct, sig)
		switch {
		case c.want == nil && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want == nil && !bytes.Equal(pt, unhex(t, v.KAT.Plaintext)):
			t.Errorf("%s: plaintext %x", c.name, pt)
		case c.want != nil && !errors.Is(err, c.want):
			t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
		}
	}
}

// A flipped bit in U either leaves the curve/subgroup (malformed) or gives
// another valid point, which then fails the U == r·G2 check. Both are errors.
func TestDecryptTamperedU(t *testing.T) {
	v := loadVectors(t)
	ct := unhex(t, v.KAT.Ciphertext)
	sig := sig1000(t, v)
	for i := 1; i < uSize; i += 7 {
		c := bytes.Clone(ct)
		c[i] ^= 0x10
		_, err := Decrypt(c, sig)
		if !errors.Is(err, ErrMalformedCiphertext) && !errors.Is(err, ErrWrongSignature) {
			t.Errorf("byte %d: err = %v", i, err)
		}
	}
}

func TestParseRejectsBadPoints(t *testing.T) {
	v := loadVectors(t)
	sig := unhex(t, v.Quicknet.Sig1000)
	pk := unhex(t, QuicknetPublicKeyHex)
	for name, b := range map[string][]byte{
		"short":          sig[:47],
		"long":           append(bytes.Clone(sig), 0),
		"not compressed": func() []byte { c := bytes.Clone(sig); c[0] &^= 0x80; return c }(),
		"not on curve":   func() []byte { c := bytes.Clone(sig); c[47] ^= 1; return c }(),
	} {
		if _, err := ParseSignature(b); !errors.Is(err, ErrMalformedSignature) {
			t.Errorf("signature %s: err = %v", name, err)
		}
	}
	if _, err := ParseSignatureHex("zz"); !errors.Is(err, ErrMalformedSignature) {
		t.Errorf("signature hex: err = %v", err)
	}
	inf := make([]byte, PublicKeySize)
	inf[0] = 0xc0
	for name, b := range map[string][]byte{
		"short": pk[:95], "infinity": inf,
		"not compressed": func() []byte { c := bytes.Clone(pk); c[0] &^= 0x80; return c }(),
	} {
		if _, err := ParsePublicKey(b); !errors.Is(err, ErrMalformedPublicKey) {
			t.Errorf("public key %s: err = %v", name, err)
		}
	}
	if _, err := DecryptHex("0xzz", v.Quicknet.Sig1000); !errors.Is(err, ErrMalformedCiphertext) {
		t.Errorf("ciphertext hex: err = %v", err)
	}
}

func TestEncryptRejectsZeroNetwork(t *testing.T) {
	var zero Network
	if _, err := zero.Encrypt(1, []byte("x"), nil); !errors.Is(err, ErrMalformedPublicKey) {
		t.Fatalf("err = %v, want ErrMalformedPublicKey", err)
	}
}

func TestEncryptRandomnessFailure(t *testing.T) {
	_, err := Quicknet().Encrypt(1, []byte("x"), bytes.NewReader(make([]byte, RandomnessSize-1)))
	if !errors.Is(err, ErrRandomness) {
		t.Fatalf("err = %v, want ErrRandomness", err)
	}
}

// The layout of CRYPTO.md §6.4, field by field, on a fresh ciphertext.
func TestEncryptLayout(t *testing.T) {
	msg := []byte("layout")
	ct, err := Quicknet().Encrypt(7, msg, nil)
	if err != nil {
		t.Fatal(err)
	}
	le := func(off int) uint64 { return binary.LittleEndian.Uint64(ct[off:]) }
	n := len(msg)
	checks := map[string][2]uint64{
		"len v":      {le(96), 32},
		"len w":      {le(136), 32},
		"len body":   {le(176), uint64(8 + n + 16 + 8 + 12)},
		"len sealed": {le(184), uint64(n + 16)},
		"len nonce":  {le(184 + 8 + n + 16), 12},
		"len suite":  {le(len(ct) - 16), 8},
		"total":      {uint64(len(ct)), uint64(244 + n)},
	}
	for name, c := range checks {
		if c[0] != c[1] {
			t.Errorf("%s = %d, want %d", name, c[0], c[1])
		}
	}
	if string(ct[len(ct)-8:]) != "AES_GCM_" {
		t.Errorf("cipher suite %q", ct[len(ct)-8:])
	}
}
