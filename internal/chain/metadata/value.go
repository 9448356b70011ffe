package metadata

import (
	"errors"
	"fmt"
	"strings"

	"github.com/pylon-go/pylon/internal/chain/scale"
)

// A decoded value is one of these Go types:
//
//	bool, Char, string                       bool, char, str
//	uint8 … uint64, scale.Uint128/Uint256    u8 … u256 (also inside Compact<T>)
//	int8 … int64, scale.Int128/Int256        i8 … i256
//	[]byte                                   sequences and arrays of u8
//	Sequence                                 other sequences and arrays
//	Composite                                structs and tuples
//	Variant                                  enums (Option and Result included)
//	scale.BitSequence                        bit sequences
//
// The encoder accepts these and the Go shapes listed at Registry.Encode.

// Char is a decoded Rust char.
type Char rune

// Sequence is a decoded Vec<T> or [T; N] whose elements are not bytes.
type Sequence []any

// NamedValue is a field of a Composite or Variant; Name is empty for tuple
// fields.
type NamedValue struct {
	Name  string
	Value any
}

// Composite is a decoded struct or tuple.
type Composite struct {
	Fields []NamedValue
}

// Field returns the value of the named field.
func (c Composite) Field(name string) (any, bool) {
	for _, f := range c.Fields {
		if f.Name == name {
			return f.Value, true
		}
	}
	return nil, false
}

// Variant is a decoded enum value. For encoding, Index is ignored and the
// variant is chosen by Name.
type Variant struct {
	Name   string
	Index  uint8
	Fields []NamedValue
}

// Field returns the value of the named field.
func (v Variant) Field(name string) (any, bool) {
	return Composite{v.Fields}.Field(name)
}

// maxDepth bounds recursion through nested types. Metadata is untrusted input
// too: a type that contains itself directly would otherwise recurse forever
// without consuming a byte.
const maxDepth = 256

// ErrTooDeep means a value nests deeper than the decoder allows; it is the
// scale package's error, so one errors.Is check covers both layers.
var ErrTooDeep = scale.ErrTooDeep

// PathError reports where in a value a decode or encode failed: Path names the
// field, element or variant chain (e.g. "stake[0].1"), Type the registry type.
type PathError struct {
	Op   string // "decode" or "encode"
	Path string
	Type string
	Err  error
}

// Error names the operation, type and path of the failure.
func (e *PathError) Error() string {
	p := e.Path
	if p == "" {
		p = "(top)"
	}
	return fmt.Sprintf("metadata: %s %s at %s: %v", e.Op, e.Type, p, e.Err)
}

// Unwrap returns the underlying error (e.g. scale.ErrShortInput).
func (e *PathError) Unwrap() error { return e.Err }

// pathStepError is an error on its way up: the innermost type and the path
// segments collected so far (innermost first).
type pathStepError struct {
	typ  string
	segs []string
	err  error
}

func (s *pathStepError) Error() string { return s.err.Error() }
func (s *pathStepError) Unwrap() error { return s.err }

// at attaches a path segment to err on the way up the value.
func at(err error, seg string) error {
	if err == nil {
		return nil
	}
	var s *pathStepError
	if errors.As(err, &s) {
		s.segs = append(s.segs, seg)
		return s
	}
	return &pathStepError{segs: []string{seg}, err: err}
}

// typed records the innermost type of a failure (only the first call counts).
func typed(err error, r *Registry, id TypeID) error {
	if err == nil {
		return nil
	}
	var s *pathStepError
	if errors.As(err, &s) {
		if s.typ == "" {
			s.typ = r.Name(id)
		}
		return s
	}
	return &pathStepError{typ: r.Name(id), err: err}
}

func finishPath(op string, err error) error {
	if err == nil {
		return nil
	}
	var s *pathStepError
	if !errors.As(err, &s) {
		return &PathError{Op: op, Err: err}
	}
	var b strings.Builder
	for i := len(s.segs) - 1; i >= 0; i-- {
		seg := s.segs[i]
		if b.Len() > 0 && !strings.HasPrefix(seg, "[") {
			b.WriteByte('.')
		}
		b.WriteString(seg)
	}
	return &PathError{Op: op, Path: b.String(), Type: s.typ, Err: s.err}
}

func fieldSeg(f *Field, i int) string {
	if f.Name != "" {
		return f.Name
	}
	return fmt.Sprint(i)
}

// Decode decodes one value of type id from b, which must be consumed entirely.
func (r *Registry) Decode(id TypeID, b []byte) (any, error) {
	d := scale.NewDecoder(b)
	v, err := r.DecodeFrom(d, id)
	if err != nil {
		return nil, err
	}
	if err := d.Finish(); err != nil {
		return nil, &PathError{Op: "decode", Type: r.Name(id), Err: err}
	}
	return v, nil
}

// DecodeFrom decodes one value of type id from d.
func (r *Registry) DecodeFrom(d *scale.Decoder, id TypeID) (any, error) {
	v, err := r.decodeValue(d, id, 0)
	return v, finishPath("decode", err)
}

func (r *Registry) decodeValue(d *scale.Decoder, id TypeID, depth int) (any, error) {
	if depth > maxDepth {
		return nil, ErrTooDeep
	}
	t, err := r.Type(id)
	if err != nil {
		return nil, err
	}
	v, err := r.decodeDef(d, t, depth)
	return v, typed(err, r, id)
}

func (r *Registry) decodeDef(d *scale.Decoder, t *Type, depth int) (any, error) {
	switch t.Kind {
	case KindPrimitive:
		return decodePrimitive(d, t.Primitive)
	case KindCompact:
		return r.decodeCompact(d, t.Elem)
	case KindComposite:
		fields, err := r.decodeFields(d, t.Fields, depth)
		return Composite{fields}, err
	case KindTuple:
		c := Composite{Fields: make([]NamedValue, len(t.Tuple))}
		for i, e := range t.Tuple {
			v, err := r.decodeValue(d, e, depth+1)
			if err != nil {
				return nil, at(err, fmt.Sprint(i))
			}
			c.Fields[i].Value = v
		}
		return c, nil
	case KindVariant:
		idx, err := d.U8()
		if err != nil {
			return nil, err
		}
		vr, ok := t.VariantByIndex(idx)
		if !ok {
			return nil, fmt.Errorf("%w: no variant with index %d", ErrTypeMismatch, idx)
		}
		fields, err := r.decodeFields(d, vr.Fields, depth)
		if err != nil {
			return nil, at(err, vr.Name)
		}
		return Variant{Name: vr.Name, Index: idx, Fields: fields}, nil
	case KindSequence, KindArray:
		n := int(t.Len)
		elem, err := r.Type(t.Elem)
		if err != nil {
			return nil, err
		}
		if elem.Kind == KindPrimitive && elem.Primitive == PrimU8 {
			if t.Kind == KindSequence {
				b, err := d.Bytes()
				return append([]byte(nil), b...), err
			}
			b, err := d.Next(n)
			return append([]byte(nil), b...), err
		}
		if t.Kind == KindSequence {
			if n, err = d.Length(r.minSize(t.Elem)); err != nil {
				return nil, err
			}
		} else if uint64(n)*uint64(r.minSize(t.Elem)) > uint64(d.Remaining()) { //nolint:gosec // G115: counts, sizes and Remaining are never negative.
			return nil, fmt.Errorf("%w: array of %d needs more than %d bytes", scale.ErrShortInput, n, d.Remaining())
		}
		seq := make(Sequence, n)
		for i := range seq {
			if seq[i], err = r.decodeValue(d, t.Elem, depth+1); err != nil {
				return nil, at(err, fmt.Sprintf("[%d]", i))
			}
		}
		return seq, nil
	case KindBitSequence:
		store, order, err := r.bitLayout(t)
		if err != nil {
			return nil, err
		}
		return d.BitSequence(store, order)
	}
	return nil, fmt.Errorf("%w: unknown kind %d", ErrInvalidMetadata, t.Kind)
}

func (r *Registry) decodeFields(d *scale.Decoder, fields []Field, depth int) ([]NamedValue, error) {
	if len(fields) == 0 {
		return nil, nil
	}
	out := make([]NamedValue, len(fields))
	for i := range fields {
		f := &fields[i]
		v, err := r.decodeValue(d, f.Type, depth+1)
		if err != nil {
			return nil, at(err, fieldSeg(f, i))
		}
		out[i] = NamedValue{Name: f.Name, Value: v}
	}
	return out, nil
}

func decodePrimitive(d *scale.Decoder, p Primitive) (any, error) {
	switch p {
	case PrimBool:
		return d.Bool()
	case PrimChar:
		c, err := d.Char()
		return Char(c), err
	case PrimStr:
		return d.Str()
	case PrimU8:
		return d.U8()
	case PrimU16:
		return d.U16()
	case PrimU32:
		return d.U32()
	case PrimU64:
		return d.U64()
	case PrimU128:
		return d.U128()
	case PrimU256:
		return d.U256()
	case PrimI8:
		return d.I8()
	case PrimI16:
		return d.I16()
	case PrimI32:
		return d.I32()
	case PrimI64:
		return d.I64()
	case PrimI128:
		return d.I128()
	case PrimI256:
		return d.I256()
	}
	return nil, fmt.Errorf("%w: unknown primitive %d", ErrInvalidMetadata, p)
}

// compactPrimitive returns the unsigned primitive inside Compact<T>, looking
// through single-field wrappers (Compact<Perbill> holds a u32).
func (r *Registry) compactPrimitive(id TypeID) (Primitive, error) {
	t, err := r.resolveNewtype(id)
	if err != nil {
		return 0, err
	}
	if t.Kind == KindTuple && len(t.Tuple) == 0 {
		return 0, fmt.Errorf("%w: Compact<()>", ErrTypeMismatch)
	}
	if t.Kind != KindPrimitive {
		return 0, fmt.Errorf("%w: Compact of a %s", ErrTypeMismatch, t.Kind)
	}
	switch t.Primitive {
	case PrimU8, PrimU16, PrimU32, PrimU64, PrimU128, PrimU256:
		return t.Primitive, nil
	}
	return 0, fmt.Errorf("%w: Compact<%s>", ErrTypeMismatch, t.Primitive)
}

func (r *Registry) decodeCompact(d *scale.Decoder, inner TypeID) (any, error) {
	p, err := r.compactPrimitive(inner)
	if err != nil {
		return nil, err
	}
	start := d.Offset()
	if p == PrimU128 || p == PrimU256 {
		x, err := d.CompactBig()
		if err != nil {
			return nil, err
		}
		if p == PrimU128 {
			return scale.Uint128FromBig(x)
		}
		return scale.Uint256FromBig(x)
	}
	x, err := d.Compact()
	if err != nil {
		return nil, err
	}
	if x > maxUnsigned(p) {
		return nil, fmt.Errorf("%w: compact %d at offset %d exceeds %s", scale.ErrOverflow, x, start, p)
	}
	switch p {
	case PrimU8:
		return uint8(x), nil //nolint:gosec // G115: x ≤ maxUnsigned(p), checked above.
	case PrimU16:
		return uint16(x), nil //nolint:gosec // G115: x ≤ maxUnsigned(p), checked above.
	case PrimU32:
		return uint32(x), nil //nolint:gosec // G115: x ≤ maxUnsigned(p), checked above.
	}
	return x, nil
}

func maxUnsigned(p Primitive) uint64 {
	switch p {
	case PrimU8:
		return 1<<8 - 1
	case PrimU16:
		return 1<<16 - 1
	case PrimU32:
		return 1<<32 - 1
	}
	return 1<<64 - 1
}

// bitLayout maps a bit sequence's store and order types (bitvec's u8…u64 and
// Lsb0/Msb0) to the scale package's description.
func (r *Registry) bitLayout(t *Type) (scale.BitStore, scale.BitOrder, error) {
	st, err := r.Type(t.BitStore)
	if err != nil {
		return 0, 0, err
	}
	var store scale.BitStore
	if st.Kind == KindPrimitive {
		switch st.Primitive {
		case PrimU8:
			store = scale.BitStoreU8
		case PrimU16:
			store = scale.BitStoreU16
		case PrimU32:
			store = scale.BitStoreU32
		case PrimU64:
			store = scale.BitStoreU64
		}
	}
	if store == 0 {
		return 0, 0, fmt.Errorf("%w: bit store %s", ErrTypeMismatch, r.Name(t.BitStore))
	}
	ot, err := r.Type(t.BitOrder)
	if err != nil {
		return 0, 0, err
	}
	if len(ot.Path) == 0 {
		return 0, 0, fmt.Errorf("%w: bit order type %d has no path", ErrTypeMismatch, t.BitOrder)
	}
	switch ot.Path[len(ot.Path)-1] {
	case "Lsb0":
		return store, scale.Lsb0, nil
	case "Msb0":
		return store, scale.Msb0, nil
	}
	return 0, 0, fmt.Errorf("%w: bit order %s", ErrTypeMismatch, ot.PathString())
}

// minSize returns the fewest bytes one value of type id occupies on the wire;
// it bounds sequence lengths before allocation. Results are memoised.
func (r *Registry) minSize(id TypeID) int {
	r.sizeOnce.Do(r.computeSizes)
	if int(id) < len(r.sizes) {
		return r.sizes[id]
	}
	return 0
}

func (r *Registry) computeSizes() {
	r.sizes = make([]int, len(r.types))
	state := make([]uint8, len(r.types)) // 0 new, 1 visiting, 2 done
	var visit func(id TypeID, depth int) int
	visit = func(id TypeID, depth int) int {
		if int(id) >= len(r.types) || depth > maxDepth {
			return 0
		}
		switch state[id] {
		case 1:
			return 0 // recursive: assume nothing, which is always safe
		case 2:
			return r.sizes[id]
		}
		state[id] = 1
		t := &r.types[id]
		size := 0
		switch t.Kind {
		case KindPrimitive:
			size = max(t.Primitive.size(), 1)
		case KindCompact, KindSequence, KindBitSequence:
			size = 1
		case KindArray:
			size = int(min(uint64(t.Len)*uint64(visit(t.Elem, depth+1)), 1<<30)) //nolint:gosec // G115: sizes are never negative.
		case KindTuple:
			for _, e := range t.Tuple {
				size += visit(e, depth+1)
			}
		case KindComposite:
			for _, f := range t.Fields {
				size += visit(f.Type, depth+1)
			}
		case KindVariant:
			if len(t.Variants) > 0 {
				size = 1
			}
		}
		size = min(size, 1<<30)
		r.sizes[id] = size
		state[id] = 2
		return size
	}
	for i := range r.types {
		visit(TypeID(i), 0)
	}
}
