package extrinsic

import (
	"errors"
	"fmt"

	"github.com/pylon-go/pylon/internal/chain/hash"
	"github.com/pylon-go/pylon/internal/chain/metadata"
	"github.com/pylon-go/pylon/internal/chain/scale"
)

// Signer signs extrinsics with an sr25519 key: Sign returns a signature of msg under the "substrate"
// signing context. internal/keys.Keypair satisfies it; the chain layer never sees the secret.
type Signer interface {
	PublicKey() [32]byte
	Sign(msg []byte) ([64]byte, error)
}

// MaxUnhashedPayload is the longest signing payload signed as is; longer payloads are signed as their
// blake2b-256 hash (sp_runtime::generic::SignedPayload).
const MaxUnhashedPayload = 256

// extrinsicVersion is the only format built here: signed (0x80) | version 4. Metadata that declares
// another version is refused rather than guessed at.
const extrinsicVersion = 4

// ErrUnsupportedFormat means the runtime's extrinsic format (version, address or signature type) is not
// one this package can build.
var ErrUnsupportedFormat = errors.New("extrinsic: unsupported extrinsic format")

// Params are the inputs of one signed extrinsic besides the call and the signer (CHAIN.md §6.4).
type Params struct {
	// SpecVersion and TransactionVersion are those of the runtime the extrinsic is built on; a stale
	// value fails signature checks (BadProof).
	SpecVersion        uint32
	TransactionVersion uint32
	// GenesisHash is chain_getBlockHash(0), as the node reports it.
	GenesisHash [32]byte
	// Era is the mortality; the zero Era is immortal.
	Era Era
	// BirthHash is chain_getBlockHash(birth block) for a mortal era, as the node reports it (a hash
	// computed locally from a header is wrong on a Chopsticks devnet at #0). Ignored for an immortal era,
	// which commits to GenesisHash.
	BirthHash [32]byte
	// Nonce is the signer's account nonce for this transaction.
	Nonce uint64
	// Tip is the tip for the block author, in the smallest unit (0 for every call Pylon makes).
	Tip uint64
}

// Extrinsic is a signed extrinsic, ready to submit.
type Extrinsic struct {
	// Bytes is the full encoding including its compact length prefix: what author_submitExtrinsic takes
	// (as hex) and what a block lists.
	Bytes []byte
	// Hash is blake2_256(Bytes), the name nodes and explorers give the extrinsic.
	Hash [32]byte
	// Signer is the signer's public key (AccountId32).
	Signer [32]byte
	// Call is the encoded call.
	Call []byte
	// Params are the inputs it was built from.
	Params Params
}

// Hash returns the hash of an encoded extrinsic: blake2_256 of all of it, length prefix included.
func Hash(encoded []byte) [32]byte { return hash.Blake2_256(encoded) }

// SigningPayload returns the bytes a signer commits to: call ‖ extra ‖ implicit, in the metadata's
// extension order (CHAIN.md §6.3). Sign signs it as is up to MaxUnhashedPayload bytes and its blake2b-256
// hash beyond.
func SigningPayload(md *metadata.Metadata, call []byte, p Params) ([]byte, error) {
	extra, implicit, err := EncodeExtensions(md, &p)
	if err != nil {
		return nil, err
	}
	return payload(call, extra, implicit), nil
}

func payload(call, extra, implicit []byte) []byte {
	out := make([]byte, 0, len(call)+len(extra)+len(implicit))
	out = append(out, call...)
	out = append(out, extra...)
	return append(out, implicit...)
}

// Sign builds the signed extrinsic of call (already encoded for md's runtime) with the given inputs.
// The signer's errors are wrapped as they come; they never carry key material.
func Sign(md *metadata.Metadata, call []byte, p Params, s Signer) (*Extrinsic, error) {
	if s == nil {
		return nil, errors.New("extrinsic: no signer")
	}
	extra, implicit, err := EncodeExtensions(md, &p)
	if err != nil {
		return nil, err
	}
	msg := payload(call, extra, implicit)
	if len(msg) > MaxUnhashedPayload {
		h := hash.Blake2_256(msg)
		msg = h[:]
	}
	sig, err := s.Sign(msg)
	if err != nil {
		return nil, fmt.Errorf("extrinsic: signing: %w", err)
	}
	return assemble(md, call, extra, p, s.PublicKey(), sig)
}

// Assemble builds the extrinsic from its parts and a given signature, without signing: for tests of the
// layout and for signatures made elsewhere. The signature is not checked.
func Assemble(md *metadata.Metadata, call []byte, p Params, signer [32]byte, signature [64]byte) (*Extrinsic, error) {
	extra, _, err := EncodeExtensions(md, &p)
	if err != nil {
		return nil, err
	}
	return assemble(md, call, extra, p, signer, signature)
}

// assemble lays out a signed v4 extrinsic (CHAIN.md §6.1):
// Compact(len) ‖ 0x84 ‖ address ‖ signature ‖ extra ‖ call, with the address as MultiAddress::Id and the
// signature as MultiSignature::Sr25519, both encoded through the runtime's declared types.
func assemble(md *metadata.Metadata, call, extra []byte, p Params, signer [32]byte, signature [64]byte) (*Extrinsic, error) {
	if v := md.Extrinsic.Version; v != extrinsicVersion {
		return nil, fmt.Errorf("%w: metadata declares extrinsic version %d, only %d is built", ErrUnsupportedFormat, v, extrinsicVersion)
	}
	body := scale.NewEncoder(make([]byte, 0, 1+33+65+len(extra)+len(call)))
	body.Raw([]byte{0x80 | extrinsicVersion})
	if err := encodeAddress(md, body, signer); err != nil {
		return nil, err
	}
	if err := encodeSignature(md, body, signature); err != nil {
		return nil, err
	}
	body.Raw(extra)
	body.Raw(call)
	b := body.Bytes()
	full := scale.AppendCompact(make([]byte, 0, scale.CompactSize(uint64(len(b)))+len(b)), uint64(len(b)))
	full = append(full, b...)
	return &Extrinsic{Bytes: full, Hash: Hash(full), Signer: signer, Call: append([]byte(nil), call...), Params: p}, nil
}

// encodeAddress writes the signer as the runtime's address type: the variant "Id" of MultiAddress, or the
// account itself when the runtime's address is a plain AccountId32.
func encodeAddress(md *metadata.Metadata, e *scale.Encoder, signer [32]byte) error {
	id := md.Extrinsic.AddressType
	t, err := md.Types.Type(id)
	if err != nil {
		return fmt.Errorf("%w: address type: %w", ErrUnsupportedFormat, err)
	}
	var v any = signer
	if t.Kind == metadata.KindVariant {
		if _, ok := t.VariantByName("Id"); !ok {
			return fmt.Errorf("%w: address type %s has no Id variant", ErrUnsupportedFormat, typeName(md.Types, t))
		}
		v = metadata.Variant{Name: "Id", Fields: []metadata.NamedValue{{Value: signer}}}
	}
	if err := md.Types.EncodeTo(e, id, v); err != nil {
		return fmt.Errorf("%w: address: %w", ErrUnsupportedFormat, err)
	}
	return nil
}

// encodeSignature writes an sr25519 signature as the runtime's signature type (MultiSignature::Sr25519).
func encodeSignature(md *metadata.Metadata, e *scale.Encoder, sig [64]byte) error {
	id := md.Extrinsic.SignatureType
	t, err := md.Types.Type(id)
	if err != nil {
		return fmt.Errorf("%w: signature type: %w", ErrUnsupportedFormat, err)
	}
	if t.Kind != metadata.KindVariant {
		return fmt.Errorf("%w: signature type %s is not MultiSignature", ErrUnsupportedFormat, typeName(md.Types, t))
	}
	if _, ok := t.VariantByName("Sr25519"); !ok {
		return fmt.Errorf("%w: signature type %s has no Sr25519 variant", ErrUnsupportedFormat, typeName(md.Types, t))
	}
	v := metadata.Variant{Name: "Sr25519", Fields: []metadata.NamedValue{{Value: sig}}}
	if err := md.Types.EncodeTo(e, id, v); err != nil {
		return fmt.Errorf("%w: signature: %w", ErrUnsupportedFormat, err)
	}
	return nil
}
