package timelock

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"math/big"

	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"
	"github.com/consensys/gnark-crypto/ecc/bls12-381/fr"
)

// Wire-format sizes (CRYPTO.md §6.4). Every Vec<u8> in the arkworks
// serialisation carries a u64 little-endian length, not a SCALE compact.
const (
	keySize    = 32 // esk: the IBE message and the AES-256 key
	sigmaSize  = 32
	nonceSize  = 12
	tagSize    = 16
	lenPrefix  = 8
	uSize      = bls12381.SizeOfG2AffineCompressed
	gtSize     = bls12381.SizeOfGT
	headerSize = uSize + lenPrefix + sigmaSize + lenPrefix + keySize // 176

	// Overhead is the number of bytes a ciphertext adds to its plaintext.
	Overhead = headerSize + lenPrefix + (lenPrefix + tagSize + lenPrefix + nonceSize) + lenPrefix + len(cipherSuite) // 244

	// RandomnessSize is how many bytes Encrypt reads from its randomness
	// source, in this order: esk (32), sigma (32), AES-GCM nonce (12).
	RandomnessSize = keySize + sigmaSize + nonceSize
)

// cipherSuite is written after the body. tld never reads it, but tle always
// writes it, so we write it for byte equality.
const cipherSuite = "AES_GCM_"

// identityPoint is Q_id = hash_to_G1(SHA-256(u64_be(round))): the identity
// tle encrypts to, and the point drand signs for that round.
func identityPoint(round uint64) (bls12381.G1Affine, error) {
	var r [8]byte
	binary.BigEndian.PutUint64(r[:], round)
	m := sha256.Sum256(r[:])
	q, err := bls12381.HashToG1(m[:], []byte(DST))
	if err != nil {
		return bls12381.G1Affine{}, fmt.Errorf("timelock: hash to G1: %w", err)
	}
	return q, nil
}

// h2 hashes a pairing value the way arkworks serialises it: twelve 48-byte
// little-endian Fp limbs starting with c0.c0.c0. gnark's GT.Bytes() writes the
// same limbs big-endian in the opposite order, so arkworks' bytes are exactly
// gnark's reversed.
func h2(g *bls12381.GT) [32]byte {
	b := g.Bytes()
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return sha256.Sum256(b[:])
}

// h3 maps sigma‖message to a scalar like arkworks' from_be_bytes_mod_order:
// big-endian, reduced mod r, with no domain tag and no rejection sampling.
func h3(sigma, msg *[32]byte) *big.Int {
	h := sha256.New()
	h.Write(sigma[:])
	h.Write(msg[:])
	r := new(big.Int).SetBytes(h.Sum(nil))
	return r.Mod(r, fr.Modulus())
}

func xor32(a *[32]byte, b [32]byte) (out [32]byte) {
	for i := range out {
		out[i] = a[i] ^ b[i]
	}
	return out
}

// Encrypt timelock-encrypts message so that it opens with the network's
// signature for round, and returns the serialised tle ciphertext
// (len(message)+Overhead bytes) that commit_timelocked_* extrinsics and the
// Commitments pallet take.
//
// It reads RandomnessSize bytes from random (crypto/rand when nil), in this
// order: esk (32 bytes; both the IBE-encrypted key and the AES-256 key, as in
// tle), sigma (32 bytes), nonce (12 bytes). tle derives sigma by hashing a
// random scalar; any uniform 32 bytes are equivalent, and drawing it directly
// lets tests reproduce the deterministic known-answer vector.
func (n *Network) Encrypt(round uint64, message []byte, random io.Reader) ([]byte, error) {
	// A zero Network has the point at infinity as its key; encrypting to it
	// would publish the message to anyone.
	if n.PublicKey.p.IsInfinity() {
		return nil, fmt.Errorf("%w: point at infinity", ErrMalformedPublicKey)
	}
	var rnd [RandomnessSize]byte
	if err := readRandom(random, rnd[:]); err != nil {
		return nil, err
	}
	var esk, sigma [32]byte
	copy(esk[:], rnd[:keySize])
	copy(sigma[:], rnd[keySize:keySize+sigmaSize])
	nonce := rnd[keySize+sigmaSize:]

	q, err := identityPoint(round)
	if err != nil {
		return nil, err
	}
	r := h3(&sigma, &esk)
	var u bls12381.G2Affine
	u.ScalarMultiplicationBase(r)
	// e(Q, r·PK) in tle; e(r·Q, PK) is the same value by bilinearity and the
	// scalar multiplication is cheaper in G1.
	var rq bls12381.G1Affine
	rq.ScalarMultiplication(&q, r)
	g, err := bls12381.Pair([]bls12381.G1Affine{rq}, []bls12381.G2Affine{n.PublicKey.p})
	if err != nil {
		return nil, fmt.Errorf("timelock: pairing: %w", err)
	}
	v := xor32(&sigma, h2(&g))
	w := xor32(&esk, sha256.Sum256(sigma[:]))

	aead, err := newGCM(&esk)
	if err != nil {
		return nil, err
	}
	sealedLen := len(message) + tagSize
	bodyLen := lenPrefix + sealedLen + lenPrefix + nonceSize

	out := make([]byte, 0, len(message)+Overhead)
	ub := u.Bytes()
	out = append(out, ub[:]...)
	out = appendVec(out, v[:])
	out = appendVec(out, w[:])
	out = binary.LittleEndian.AppendUint64(out, uint64(bodyLen))
	out = binary.LittleEndian.AppendUint64(out, uint64(sealedLen))
	out = aead.Seal(out, nonce, message, nil)
	out = appendVec(out, nonce)
	out = appendVec(out, []byte(cipherSuite))
	return out, nil
}

// Decrypt opens a tle ciphertext with the drand signature of the round it was
// encrypted to. It never panics on malformed input.
//
// It is as lenient as subtensor's tld, so that it answers "would the chain
// open this?": the cipher suite is not checked, and bytes after the cipher
// suite, or after the nonce inside the body, are ignored, because arkworks
// deserialisation stops at the end of the structure. Errors wrap ErrMalformedCiphertext, ErrWrongSignature or
// ErrBodyAuthentication.
func Decrypt(ciphertext []byte, sig Signature) ([]byte, error) {
	ct, err := parseCiphertext(ciphertext)
	if err != nil {
		return nil, err
	}
	g, err := bls12381.Pair([]bls12381.G1Affine{sig.p}, []bls12381.G2Affine{ct.u})
	if err != nil {
		return nil, fmt.Errorf("timelock: pairing: %w", err)
	}
	sigma := xor32(&ct.v, h2(&g))
	esk := xor32(&ct.w, sha256.Sum256(sigma[:]))
	// The Fujisaki–Okamoto check: only the right signature reproduces U.
	var u bls12381.G2Affine
	u.ScalarMultiplicationBase(h3(&sigma, &esk))
	if !u.Equal(&ct.u) {
		return nil, ErrWrongSignature
	}
	aead, err := newGCM(&esk)
	if err != nil {
		return nil, err
	}
	pt, err := aead.Open(nil, ct.nonce, ct.sealed, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBodyAuthentication, err)
	}
	return pt, nil
}

// DecryptHex is Decrypt for hex text (an optional 0x prefix is accepted on
// both): the ciphertext as found in a commit extrinsic or in storage, and the
// round signature as drand's HTTP API or the chain's Drand.Pulses return it.
// It returns the raw plaintext; for a weights commit pass it to
// DecodeWeightsPayload, for a timelocked commitment to DecodeCommitment. It
// backs the `pylon timelock decrypt` debug command.
func DecryptHex(ciphertextHex, signatureHex string) ([]byte, error) {
	ct, err := decodeHex(ciphertextHex)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformedCiphertext, err)
	}
	sig, err := ParseSignatureHex(signatureHex)
	if err != nil {
		return nil, err
	}
	return Decrypt(ct, sig)
}

type ciphertext struct {
	u      bls12381.G2Affine
	v, w   [32]byte
	sealed []byte // AES-GCM ciphertext ‖ tag
	nonce  []byte
}

// parseCiphertext reads TLECiphertext{header{u, v, w}, body, cipher_suite}
// with body = AESOutput{ciphertext, nonce}.
func parseCiphertext(b []byte) (*ciphertext, error) {
	var ct ciphertext
	if len(b) < uSize {
		return nil, fmt.Errorf("%w: %d bytes, shorter than the header", ErrMalformedCiphertext, len(b))
	}
	if err := setG2Compressed(&ct.u, b[:uSize]); err != nil {
		return nil, fmt.Errorf("%w: U: %w", ErrMalformedCiphertext, err)
	}
	rd := reader{b: b[uSize:]}
	// arkworks deserialises v and w of any length, but tld can only succeed
	// with 32-byte ones (with a v of another length it even panics), so
	// anything else is rejected here.
	v, err := rd.vec("v")
	if err != nil {
		return nil, err
	}
	w, err := rd.vec("w")
	if err != nil {
		return nil, err
	}
	if len(v) != sigmaSize || len(w) != keySize {
		return nil, fmt.Errorf("%w: v and w must be 32 bytes, got %d and %d", ErrMalformedCiphertext, len(v), len(w))
	}
	copy(ct.v[:], v)
	copy(ct.w[:], w)
	body, err := rd.vec("body")
	if err != nil {
		return nil, err
	}
	// The cipher suite must be present for the structure to deserialise, but
	// its value is not checked by tld.
	if _, err := rd.vec("cipher suite"); err != nil {
		return nil, err
	}
	brd := reader{b: body}
	if ct.sealed, err = brd.vec("body ciphertext"); err != nil {
		return nil, err
	}
	if ct.nonce, err = brd.vec("body nonce"); err != nil {
		return nil, err
	}
	if len(ct.nonce) != nonceSize {
		return nil, fmt.Errorf("%w: nonce must be %d bytes, got %d", ErrMalformedCiphertext, nonceSize, len(ct.nonce))
	}
	return &ct, nil
}

// reader decodes arkworks Vec<u8> values: u64 LE length, then the bytes. A
// length is checked against what remains before anything is sliced, so a
// hostile length cannot cause a large allocation or a panic.
type reader struct{ b []byte }

func (r *reader) vec(what string) ([]byte, error) {
	if len(r.b) < lenPrefix {
		return nil, fmt.Errorf("%w: %s: truncated length", ErrMalformedCiphertext, what)
	}
	n := binary.LittleEndian.Uint64(r.b)
	rest := r.b[lenPrefix:]
	if n > uint64(len(rest)) {
		return nil, fmt.Errorf("%w: %s: length %d exceeds the %d bytes left", ErrMalformedCiphertext, what, n, len(rest))
	}
	v := rest[:n:n]
	r.b = rest[n:]
	return v, nil
}

func appendVec(out, v []byte) []byte {
	out = binary.LittleEndian.AppendUint64(out, uint64(len(v)))
	return append(out, v...)
}

func newGCM(key *[32]byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key[:])
	if err != nil {
		return nil, fmt.Errorf("timelock: aes: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("timelock: gcm: %w", err)
	}
	return aead, nil
}

func readRandom(r io.Reader, b []byte) error {
	if r == nil {
		r = rand.Reader
	}
	if _, err := io.ReadFull(r, b); err != nil {
		return fmt.Errorf("%w: %w", ErrRandomness, err)
	}
	return nil
}
