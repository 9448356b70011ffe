package extrinsic

import (
	"errors"
	"fmt"

	"github.com/pylon-go/pylon/internal/chain/metadata"
	"github.com/pylon-go/pylon/internal/chain/scale"
)

// ErrUnknownExtension is matched (errors.Is) by every *UnknownExtensionError.
var ErrUnknownExtension = errors.New("extrinsic: unknown transaction extension carries data")

// UnknownExtensionError reports a transaction extension of the runtime that this package does not know and
// whose extra or implicit data is neither empty nor an Option (which would be None). Signing anyway would
// produce a transaction the runtime rejects, or worse, one that means something unintended: runtime
// upgrades add extensions (CHAIN.md §6.2), and one that carries data needs code here.
type UnknownExtensionError struct {
	// Identifier is the extension's name in the metadata.
	Identifier string
	// Part is "extra" (the data in the extrinsic) or "implicit" (additional_signed, in the payload only).
	Part string
	// Type is the Rust type of that part, for the log.
	Type string
}

func (e *UnknownExtensionError) Error() string {
	return fmt.Sprintf("extrinsic: the runtime's transaction extension %s carries %s data of type %s that this signer cannot fill",
		e.Identifier, e.Part, e.Type)
}

// Is makes errors.Is(err, ErrUnknownExtension) match.
func (e *UnknownExtensionError) Is(target error) bool { return target == ErrUnknownExtension }

// Extension identifiers this package fills. Everything else must be empty or an Option.
const (
	extCheckSpecVersion       = "CheckSpecVersion"
	extCheckTxVersion         = "CheckTxVersion"
	extCheckGenesis           = "CheckGenesis"
	extCheckMortality         = "CheckMortality"
	extCheckEra               = "CheckEra"
	extCheckNonce             = "CheckNonce"
	extChargeTxPayment        = "ChargeTransactionPayment"
	extChargeTxPaymentWrapper = "ChargeTransactionPaymentWrapper"
	extCheckMetadataHash      = "CheckMetadataHash"
)

// EncodeExtensions returns the extensions' extra data (which goes into the extrinsic after the signature)
// and their implicit data (additional_signed, which only enters the signing payload), walking the runtime's
// extension list in metadata order (CHAIN.md §6.2):
//
//   - a zero-sized part contributes nothing;
//   - known identifiers get their values from p: CheckSpecVersion, CheckTxVersion (implicit u32),
//     CheckGenesis (implicit genesis hash), CheckMortality/CheckEra (extra era, implicit birth hash),
//     CheckNonce (extra nonce), ChargeTransactionPayment(Wrapper) (extra tip), CheckMetadataHash (extra
//     mode Disabled, implicit None);
//   - any other Option<_> part encodes None;
//   - anything else is an *UnknownExtensionError naming the extension.
//
// Values are encoded through the declared types, so widths (a u64 or u128 tip, a u32 nonce) come from the
// metadata and out-of-range values are errors rather than silently truncated.
func EncodeExtensions(md *metadata.Metadata, p *Params) (extra, implicit []byte, err error) {
	if md == nil || p == nil {
		return nil, nil, errors.New("extrinsic: EncodeExtensions needs metadata and params")
	}
	reg := md.Types
	ex := scale.NewEncoder(nil)
	im := scale.NewEncoder(nil)
	for _, ext := range md.Extrinsic.SignedExtensions {
		if err := encodePart(reg, ex, ext, "extra", ext.Type, p); err != nil {
			return nil, nil, err
		}
		if err := encodePart(reg, im, ext, "implicit", ext.AdditionalSigned, p); err != nil {
			return nil, nil, err
		}
	}
	return ex.Bytes(), im.Bytes(), nil
}

func encodePart(reg *metadata.Registry, e *scale.Encoder, ext metadata.SignedExtension, part string, id metadata.TypeID, p *Params) error {
	zero, err := zeroSized(reg, id, 0)
	if err != nil {
		return fmt.Errorf("extrinsic: extension %s: %w", ext.Identifier, err)
	}
	if zero {
		return nil
	}
	v, known, err := knownValue(reg, ext.Identifier, part, id, p)
	if err != nil {
		return fmt.Errorf("extrinsic: extension %s (%s): %w", ext.Identifier, part, err)
	}
	if !known {
		t, err := reg.Type(id)
		if err != nil {
			return fmt.Errorf("extrinsic: extension %s: %w", ext.Identifier, err)
		}
		if !isOption(t) {
			return &UnknownExtensionError{Identifier: ext.Identifier, Part: part, Type: typeName(reg, t)}
		}
		v = nil // None
	}
	if err := reg.EncodeTo(e, id, v); err != nil {
		return fmt.Errorf("extrinsic: extension %s (%s): %w", ext.Identifier, part, err)
	}
	return nil
}

// knownValue returns the value of a known extension's part, to be encoded as its declared type. known is
// false for identifiers (or parts) this package does not fill.
func knownValue(reg *metadata.Registry, identifier, part string, id metadata.TypeID, p *Params) (v any, known bool, err error) {
	if part == "extra" {
		switch identifier {
		case extCheckMortality, extCheckEra:
			v, err := eraValue(reg, id, p.Era)
			return v, true, err
		case extCheckNonce:
			return p.Nonce, true, nil
		case extChargeTxPayment, extChargeTxPaymentWrapper:
			return p.Tip, true, nil
		case extCheckMetadataHash:
			// Mode::Disabled: the runtime then expects None as the metadata hash. Enabling it would need
			// the merkleised metadata digest (RFC 78), which nothing here needs.
			return map[string]any{"mode": "Disabled"}, true, nil
		}
		return nil, false, nil
	}
	switch identifier {
	case extCheckSpecVersion:
		return p.SpecVersion, true, nil
	case extCheckTxVersion:
		return p.TransactionVersion, true, nil
	case extCheckGenesis:
		return p.GenesisHash, true, nil
	case extCheckMortality, extCheckEra:
		if p.Era.IsImmortal() {
			// An immortal transaction commits to the genesis hash, whatever BirthHash says.
			return p.GenesisHash, true, nil
		}
		return p.BirthHash, true, nil
	case extCheckMetadataHash:
		return nil, true, nil // None, matching Mode::Disabled
	}
	return nil, false, nil
}

// eraValue expresses an era as a value of the extension's declared type: a wrapper around
// sp_runtime::generic::Era, an enum whose variant index is the first encoded byte (Immortal = 0,
// Mortal1…Mortal255) carrying the second byte. Going through the type, rather than writing the two bytes,
// checks that the runtime's CheckMortality still has that shape.
func eraValue(reg *metadata.Registry, id metadata.TypeID, era Era) (any, error) {
	t, err := reg.Type(id)
	if err != nil {
		return nil, err
	}
	for t.Kind == metadata.KindComposite && len(t.Fields) == 1 {
		if t, err = reg.Type(t.Fields[0].Type); err != nil {
			return nil, err
		}
	}
	if t.Kind != metadata.KindVariant {
		return nil, fmt.Errorf("%w: era type %s is not an enum", metadata.ErrTypeMismatch, typeName(reg, t))
	}
	b := era.Encode()
	v, ok := t.VariantByIndex(b[0])
	if !ok {
		return nil, fmt.Errorf("%w: era type %s has no variant %d", metadata.ErrTypeMismatch, typeName(reg, t), b[0])
	}
	out := metadata.Variant{Name: v.Name, Index: v.Index}
	if len(b) == 2 {
		out.Fields = []metadata.NamedValue{{Value: b[1]}}
	}
	return out, nil
}

// zeroSized reports whether every value of the type encodes to no bytes: empty tuples and composites
// (PhantomData is dropped from metadata, so CheckWeight<T> has no fields), and those built only of them.
func zeroSized(reg *metadata.Registry, id metadata.TypeID, depth int) (bool, error) {
	if depth > 64 {
		return false, fmt.Errorf("%w: type %d nests too deeply", metadata.ErrTooDeep, id)
	}
	t, err := reg.Type(id)
	if err != nil {
		return false, err
	}
	switch t.Kind {
	case metadata.KindComposite:
		for _, f := range t.Fields {
			if z, err := zeroSized(reg, f.Type, depth+1); err != nil || !z {
				return false, err
			}
		}
		return true, nil
	case metadata.KindTuple:
		for _, e := range t.Tuple {
			if z, err := zeroSized(reg, e, depth+1); err != nil || !z {
				return false, err
			}
		}
		return true, nil
	case metadata.KindArray:
		if t.Len == 0 {
			return true, nil
		}
		return zeroSized(reg, t.Elem, depth+1)
	}
	return false, nil
}

// isOption reports whether t is core::option::Option<T>.
func isOption(t *metadata.Type) bool {
	return t.Kind == metadata.KindVariant && len(t.Path) == 1 && t.Path[0] == "Option" && len(t.Variants) == 2
}

func typeName(reg *metadata.Registry, t *metadata.Type) string {
	if p := t.PathString(); p != "" {
		return p
	}
	return reg.Name(t.ID)
}
