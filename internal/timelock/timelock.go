// Package timelock implements drand timelock encryption in the exact wire format
// that subtensor decrypts when it reveals timelocked weight commits and
// timelocked commitments: Boneh–Franklin identity-based encryption over
// BLS12-381 as done by ideal-lab5/timelock ("tle") at revision 5416406,
// keyed by drand quicknet rounds, with an AES-256-GCM body.
//
// The format is fixed by the chain, not by us: a ciphertext that differs by one
// byte is accepted when committed and silently dropped at reveal, so every step
// here is pinned by known-answer vectors (see the tests) rather than by
// round-trip alone.
//
// The package owns:
//   - the drand quicknet constants and BLS verification of round signatures;
//   - Encrypt/Decrypt of the serialised tle ciphertext;
//   - the SCALE plaintexts the chain expects (weights and commitments);
//   - the reveal-round arithmetic for legacy and stateful epochs.
//
// It knows nothing about the chain client: callers pass block numbers and
// hyperparameters in, and get bytes and round numbers out.
package timelock

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"

	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"
)

// Sentinel errors. Callers branch on them with errors.Is.
var (
	// ErrMalformedPublicKey reports bytes that are not a compressed G2 point of
	// the prime-order subgroup.
	ErrMalformedPublicKey = errors.New("timelock: malformed public key")
	// ErrMalformedSignature reports bytes that are not a compressed G1 point of
	// the prime-order subgroup.
	ErrMalformedSignature = errors.New("timelock: malformed signature")
	// ErrInvalidSignature reports a well-formed round signature that the
	// network's public key did not produce for that round.
	ErrInvalidSignature = errors.New("timelock: signature does not verify")
	// ErrMalformedCiphertext reports bytes that do not parse as a tle ciphertext.
	ErrMalformedCiphertext = errors.New("timelock: malformed ciphertext")
	// ErrWrongSignature reports that the signature is not the one the ciphertext
	// was encrypted to (wrong round, wrong network, or a tampered header).
	ErrWrongSignature = errors.New("timelock: signature does not open this ciphertext")
	// ErrBodyAuthentication reports that the AES-GCM body failed authentication
	// after the key was recovered: the body was altered.
	ErrBodyAuthentication = errors.New("timelock: ciphertext body failed authentication")
	// ErrRandomness reports a failure reading from the randomness source.
	ErrRandomness = errors.New("timelock: reading randomness")
)

// Quicknet constants (CRYPTO.md §5). The public key is the drand quicknet
// group key; rounds are signed with the RFC 9380 hash-to-G1 suite below.
const (
	QuicknetPublicKeyHex = "83cf0f2896adee7eb8b5f01fcad3912212c437e0073e911fb90022d3e760183c" +
		"8c4b450b6a0a6c3ac6a5776a2d1064510d1fec758c921cc22b0e17e63aaf4bcb" +
		"5ed66304de9cf809bd274ca73bab4af5a6e9c76a4bc09e76eae8991ef5ece45a"
	QuicknetChainHashHex = "52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971"
	// QuicknetGenesisTime is the unix time of round 1.
	QuicknetGenesisTime = 1692803367
	// QuicknetPeriod is the number of seconds between rounds.
	QuicknetPeriod = 3
	// QuicknetScheme is drand's name for the signature scheme.
	QuicknetScheme = "bls-unchained-g1-rfc9380"
	// DST is the hash-to-G1 domain separation tag drand quicknet signs with.
	// w3f-bls hashes the identity with the same tag and no prefix, which is what
	// makes a drand round signature the IBE decryption key for that round.
	DST = "BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_"
)

// Encoded sizes.
const (
	PublicKeySize = bls12381.SizeOfG2AffineCompressed // 96
	SignatureSize = bls12381.SizeOfG1AffineCompressed // 48
)

// PublicKey is a drand network's BLS public key, a point of G2.
type PublicKey struct{ p bls12381.G2Affine }

// ParsePublicKey decodes a 96-byte compressed G2 point (zcash/IETF encoding)
// and checks that it lies in the prime-order subgroup.
func ParsePublicKey(b []byte) (PublicKey, error) {
	var pk PublicKey
	if err := setG2Compressed(&pk.p, b); err != nil {
		return PublicKey{}, fmt.Errorf("%w: %w", ErrMalformedPublicKey, err)
	}
	if pk.p.IsInfinity() {
		return PublicKey{}, fmt.Errorf("%w: point at infinity", ErrMalformedPublicKey)
	}
	return pk, nil
}

// Bytes returns the 96-byte compressed encoding.
func (pk PublicKey) Bytes() []byte {
	b := pk.p.Bytes()
	return b[:]
}

// Signature is a drand round signature, a point of G1. For round R it equals
// s·H(R) and is also the IBE secret key for identity R.
type Signature struct{ p bls12381.G1Affine }

// ParseSignature decodes a 48-byte compressed G1 point and checks that it lies
// in the prime-order subgroup. It does not verify the signature: see
// Network.VerifyRound.
func ParseSignature(b []byte) (Signature, error) {
	var s Signature
	if err := setG1Compressed(&s.p, b); err != nil {
		return Signature{}, fmt.Errorf("%w: %w", ErrMalformedSignature, err)
	}
	return s, nil
}

// ParseSignatureHex is ParseSignature for hex text as drand's HTTP API and the
// chain's Drand.Pulses storage carry it (an optional 0x prefix is accepted).
func ParseSignatureHex(s string) (Signature, error) {
	b, err := decodeHex(s)
	if err != nil {
		return Signature{}, fmt.Errorf("%w: %w", ErrMalformedSignature, err)
	}
	return ParseSignature(b)
}

// Bytes returns the 48-byte compressed encoding.
func (s Signature) Bytes() []byte {
	b := s.p.Bytes()
	return b[:]
}

// Network holds what encryption needs to know about a drand network.
// Encryption needs no network access: the public key and the round schedule
// are enough.
type Network struct {
	PublicKey PublicKey
	// GenesisTime is the unix time (seconds) of round 1.
	GenesisTime int64
	// Period is the number of seconds between rounds; it must be positive.
	Period int64
}

var quicknet = sync.OnceValue(func() *Network {
	b, err := hex.DecodeString(QuicknetPublicKeyHex)
	if err != nil {
		panic("timelock: quicknet public key constant: " + err.Error())
	}
	pk, err := ParsePublicKey(b)
	if err != nil {
		panic("timelock: quicknet public key constant: " + err.Error())
	}
	return &Network{PublicKey: pk, GenesisTime: QuicknetGenesisTime, Period: QuicknetPeriod}
})

// Quicknet returns the drand quicknet network, the one subtensor's Drand pallet
// follows. Each call returns a fresh copy, so a caller changing it cannot
// affect another.
func Quicknet() *Network {
	n := *quicknet()
	return &n
}

// VerifyRound checks that sig is the network's BLS signature for round:
// e(sig, G2) == e(H(round), PK). It returns ErrInvalidSignature otherwise.
func (n *Network) VerifyRound(round uint64, sig Signature) error {
	q, err := identityPoint(round)
	if err != nil {
		return err
	}
	if sig.p.IsInfinity() {
		return ErrInvalidSignature
	}
	_, _, _, g2 := bls12381.Generators()
	var negG2 bls12381.G2Affine
	negG2.Neg(&g2)
	ok, err := bls12381.PairingCheck(
		[]bls12381.G1Affine{sig.p, q},
		[]bls12381.G2Affine{negG2, n.PublicKey.p},
	)
	if err != nil {
		return fmt.Errorf("timelock: pairing check: %w", err)
	}
	if !ok {
		return ErrInvalidSignature
	}
	return nil
}

// setG1Compressed accepts only the 48-byte compressed form: the chain and
// drand never use another, and gnark would otherwise also take the
// uncompressed encoding.
func setG1Compressed(p *bls12381.G1Affine, b []byte) error {
	if len(b) != bls12381.SizeOfG1AffineCompressed {
		return fmt.Errorf("want %d bytes, got %d", bls12381.SizeOfG1AffineCompressed, len(b))
	}
	if b[0]&0x80 == 0 {
		return errors.New("compression flag not set")
	}
	if _, err := p.SetBytes(b); err != nil {
		return err
	}
	return nil
}

func setG2Compressed(p *bls12381.G2Affine, b []byte) error {
	if len(b) != bls12381.SizeOfG2AffineCompressed {
		return fmt.Errorf("want %d bytes, got %d", bls12381.SizeOfG2AffineCompressed, len(b))
	}
	if b[0]&0x80 == 0 {
		return errors.New("compression flag not set")
	}
	if _, err := p.SetBytes(b); err != nil {
		return err
	}
	return nil
}

func decodeHex(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("hex: %w", err)
	}
	return b, nil
}
