package keys

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
)

// CertificateAlgorithmEd25519 is the algorithm byte of an Ed25519 neuron
// certificate (serve_axon_tls, NeuronCertificate.algorithm).
const CertificateAlgorithmEd25519 = 1

// CertificateKeypair is the Ed25519 keypair behind a neuron certificate. The
// seed is the RFC 8032 private key; it leaves the keypair only through
// PrivateKeyHex (the API returns it to the neuron that asked) and is never printed.
type CertificateKeypair struct {
	// seed sits behind a pointer so that even a CertificateKeypair value
	// printed through reflection shows an address, not the seed.
	seed *[ed25519.SeedSize]byte
	pub  [ed25519.PublicKeySize]byte
}

// GenerateCertificateKeypair draws a 32-byte seed from r (crypto/rand.Reader
// when nil) and derives the Ed25519 public key, as turbobt/eciespy do.
func GenerateCertificateKeypair(r io.Reader) (*CertificateKeypair, error) {
	if r == nil {
		r = rand.Reader
	}
	var seed [ed25519.SeedSize]byte
	if _, err := io.ReadFull(r, seed[:]); err != nil {
		return nil, fmt.Errorf("keys: certificate seed: %w", err)
	}
	defer clear(seed[:])
	return CertificateKeypairFromSeed(seed[:])
}

// CertificateKeypairFromSeed rebuilds a certificate keypair from its 32-byte seed.
func CertificateKeypairFromSeed(seed []byte) (*CertificateKeypair, error) {
	if len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("%w: Ed25519 seed must be %d bytes, got %d", ErrInvalidSecret, ed25519.SeedSize, len(seed))
	}
	priv := ed25519.NewKeyFromSeed(seed)
	defer clear(priv)
	c := &CertificateKeypair{seed: new([ed25519.SeedSize]byte)}
	copy(c.seed[:], seed)
	copy(c.pub[:], priv[ed25519.SeedSize:])
	return c, nil
}

// PublicKey returns the 32-byte Ed25519 public key.
func (c *CertificateKeypair) PublicKey() [32]byte { return c.pub }

// PublicKeyHex returns the public key as 64 lowercase hex digits (no 0x), the
// form the API returns.
func (c *CertificateKeypair) PublicKeyHex() string { return hex.EncodeToString(c.pub[:]) }

// PrivateKeyHex returns the seed as 64 lowercase hex digits (no 0x): the
// `private_key` the API hands to the neuron that asked for the certificate.
// It is the only way the secret leaves the keypair.
func (c *CertificateKeypair) PrivateKeyHex() string { return hex.EncodeToString(c.seed[:]) }

// Algorithm returns CertificateAlgorithmEd25519.
func (c *CertificateKeypair) Algorithm() uint8 { return CertificateAlgorithmEd25519 }

// ChainArgument returns the serve_axon_tls `certificate` argument bytes:
// algorithm ‖ public key (33 bytes). The chain splits off the first byte as
// the algorithm and stores the rest as the public key.
func (c *CertificateKeypair) ChainArgument() []byte {
	out := make([]byte, 0, 1+len(c.pub))
	out = append(out, CertificateAlgorithmEd25519)
	return append(out, c.pub[:]...)
}

// Sign signs msg with the Ed25519 key (used by tests and TLS tooling).
func (c *CertificateKeypair) Sign(msg []byte) []byte {
	priv := ed25519.NewKeyFromSeed(c.seed[:])
	defer clear(priv)
	return ed25519.Sign(priv, msg)
}

// String returns a description holding the public key only. Like Keypair's,
// the fmt methods have value receivers so values print this way too.
func (c CertificateKeypair) String() string {
	return "ed25519 certificate keypair " + hex.EncodeToString(c.pub[:])
}

// GoString keeps %#v from dumping the fields.
func (c CertificateKeypair) GoString() string { return c.String() }

// Format makes every fmt verb print String.
func (c CertificateKeypair) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(c.String())) }

// LogValue makes slog record the public key only.
func (c *CertificateKeypair) LogValue() slog.Value {
	if c == nil {
		return slog.StringValue("<nil>")
	}
	return slog.GroupValue(slog.String("public_key", c.PublicKeyHex()))
}
