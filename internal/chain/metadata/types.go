package metadata

import (
	"fmt"
	"strings"
	"sync"
)

// TypeID identifies a type in the portable type registry.
type TypeID uint32

// DefKind is the shape of a type definition (scale-info's TypeDef variants).
type DefKind uint8

// Type definition kinds, in scale-info's variant order.
const (
	KindComposite DefKind = iota
	KindVariant
	KindSequence
	KindArray
	KindTuple
	KindPrimitive
	KindCompact
	KindBitSequence
)

var kindNames = [...]string{"composite", "variant", "sequence", "array", "tuple", "primitive", "compact", "bit sequence"}

// String returns the kind in words.
func (k DefKind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("DefKind(%d)", k)
}

// Primitive is a scale-info primitive type.
type Primitive uint8

// Primitives, in scale-info's variant order.
const (
	PrimBool Primitive = iota
	PrimChar
	PrimStr
	PrimU8
	PrimU16
	PrimU32
	PrimU64
	PrimU128
	PrimU256
	PrimI8
	PrimI16
	PrimI32
	PrimI64
	PrimI128
	PrimI256
)

var primitiveNames = [...]string{"bool", "char", "str", "u8", "u16", "u32", "u64", "u128", "u256", "i8", "i16", "i32", "i64", "i128", "i256"}

// String returns the Rust name of the primitive.
func (p Primitive) String() string {
	if int(p) < len(primitiveNames) {
		return primitiveNames[p]
	}
	return fmt.Sprintf("Primitive(%d)", p)
}

// size returns the fixed encoded size of a primitive, or 0 for str.
func (p Primitive) size() int {
	switch p {
	case PrimBool, PrimU8, PrimI8:
		return 1
	case PrimU16, PrimI16:
		return 2
	case PrimChar, PrimU32, PrimI32:
		return 4
	case PrimU64, PrimI64:
		return 8
	case PrimU128, PrimI128:
		return 16
	case PrimU256, PrimI256:
		return 32
	}
	return 0
}

// Field is a field of a composite type or of an enum variant.
type Field struct {
	Name     string // empty for tuple-like fields
	Type     TypeID
	TypeName string // the Rust type as written in the source, informative only
	Docs     []string
}

// VariantDef is one variant of an enum type.
type VariantDef struct {
	Name   string
	Fields []Field
	Index  uint8
	Docs   []string
}

// TypeParam is a generic parameter of a type; Type is nil when the parameter is
// not part of the registry.
type TypeParam struct {
	Name string
	Type *TypeID
}

// Type is one entry of the portable type registry. Only the fields of its
// Kind are set.
type Type struct {
	ID     TypeID
	Path   []string
	Params []TypeParam
	Docs   []string
	Kind   DefKind

	Fields    []Field      // composite
	Variants  []VariantDef // variant
	Elem      TypeID       // sequence, array, compact
	Len       uint32       // array
	Tuple     []TypeID     // tuple
	Primitive Primitive    // primitive
	BitStore  TypeID       // bit sequence
	BitOrder  TypeID       // bit sequence
}

// PathString returns the Rust path joined with "::", e.g. "sp_core::crypto::AccountId32".
func (t *Type) PathString() string { return strings.Join(t.Path, "::") }

// VariantByIndex returns the variant with the given index.
func (t *Type) VariantByIndex(i uint8) (*VariantDef, bool) {
	// Variant indexes nearly always equal their position; a table per enum
	// would cost 512 bytes for each of hundreds of types.
	if int(i) < len(t.Variants) && t.Variants[i].Index == i {
		return &t.Variants[i], true
	}
	for j := range t.Variants {
		if t.Variants[j].Index == i {
			return &t.Variants[j], true
		}
	}
	return nil, false
}

// VariantByName returns the variant with the given name.
func (t *Type) VariantByName(name string) (*VariantDef, bool) {
	for i := range t.Variants {
		if t.Variants[i].Name == name {
			return &t.Variants[i], true
		}
	}
	return nil, false
}

// isOption reports whether t is core::option::Option<T>.
func (t *Type) isOption() bool {
	return t.Kind == KindVariant && len(t.Path) == 1 && t.Path[0] == "Option" && len(t.Variants) == 2
}

// Registry is the portable type registry of one runtime.
type Registry struct {
	types []Type

	sizeOnce sync.Once
	sizes    []int // minimum encoded size per type, see minSize

	plans  sync.Map // planKey → *plan, see DecodeInto
	skips  sync.Map // TypeID → *plan
	planMu sync.Mutex
}

// Len returns the number of types.
func (r *Registry) Len() int { return len(r.types) }

// Type returns the type with the given id.
func (r *Registry) Type(id TypeID) (*Type, error) {
	if int(id) >= len(r.types) {
		return nil, fmt.Errorf("%w: type %d (registry has %d)", ErrUnknownType, id, len(r.types))
	}
	return &r.types[id], nil
}

// Name returns a short human-readable name for a type, for error messages.
func (r *Registry) Name(id TypeID) string {
	t, err := r.Type(id)
	if err != nil {
		return fmt.Sprintf("#%d", id)
	}
	switch t.Kind {
	case KindPrimitive:
		return t.Primitive.String()
	case KindSequence:
		return "Vec<" + r.Name(t.Elem) + ">"
	case KindArray:
		return fmt.Sprintf("[%s; %d]", r.Name(t.Elem), t.Len)
	case KindCompact:
		return "Compact<" + r.Name(t.Elem) + ">"
	case KindTuple:
		parts := make([]string, len(t.Tuple))
		for i, e := range t.Tuple {
			parts[i] = r.Name(e)
		}
		return "(" + strings.Join(parts, ", ") + ")"
	case KindBitSequence:
		return "BitVec"
	}
	if len(t.Path) > 0 {
		return t.Path[len(t.Path)-1]
	}
	return fmt.Sprintf("#%d", id)
}

// isByteSequence reports whether id is Vec<u8> (possibly behind single-field
// wrappers such as BoundedVec or Bytes).
func (r *Registry) isByteSequence(id TypeID) bool {
	t, err := r.resolveNewtype(id)
	if err != nil || t.Kind != KindSequence {
		return false
	}
	e, err := r.Type(t.Elem)
	return err == nil && e.Kind == KindPrimitive && e.Primitive == PrimU8
}

// resolveNewtype follows composites with exactly one field (newtype wrappers
// such as BoundedVec<T> or AccountId32([u8;32])) to the wrapped type.
func (r *Registry) resolveNewtype(id TypeID) (*Type, error) {
	for range 64 {
		t, err := r.Type(id)
		if err != nil {
			return nil, err
		}
		if t.Kind == KindComposite && len(t.Fields) == 1 {
			id = t.Fields[0].Type
			continue
		}
		if t.Kind == KindTuple && len(t.Tuple) == 1 {
			id = t.Tuple[0]
			continue
		}
		return t, nil
	}
	return nil, fmt.Errorf("%w: newtype chain too deep at type %d", ErrInvalidMetadata, id)
}
