package metadata

import (
	"encoding/binary"
	"fmt"
	"math/big"
	"reflect"
	"strings"

	"github.com/pylon-go/pylon/internal/chain/scale"
)

// Encode returns the SCALE encoding of v as a value of type id.
//
// Besides the decoded value types (Composite, Variant, Sequence, …) it accepts
// ordinary Go values:
//
//   - integers of any Go integer type (range-checked against the declared
//     width), scale.Uint128/Int128/Uint256/Int256 and *big.Int; Compact<T> is
//     taken from the type, so a plain uint16 encodes a Compact<u16>;
//   - string or []byte for str and for Vec<u8>; [N]byte or []byte for [u8; N];
//   - slices and arrays for sequences, arrays and tuples;
//   - structs (fields matched by name, see DecodeInto), map[string]any and
//     Composite for composites; a composite with one field (AccountId32,
//     BoundedVec) also accepts the bare inner value;
//   - Variant for enums, or a string naming a variant without fields; for
//     Option<T>, nil is None and any other value is Some(value);
//   - pointers and interfaces are followed.
func (r *Registry) Encode(id TypeID, v any) ([]byte, error) {
	var e scale.Encoder
	if err := r.EncodeTo(&e, id, v); err != nil {
		return nil, err
	}
	return e.Bytes(), nil
}

// EncodeTo appends the encoding of v as a value of type id to e.
func (r *Registry) EncodeTo(e *scale.Encoder, id TypeID, v any) error {
	return finishPath("encode", r.encodeValue(e, id, reflect.ValueOf(v), 0))
}

var (
	typeUint128  = reflect.TypeFor[scale.Uint128]()
	typeInt128   = reflect.TypeFor[scale.Int128]()
	typeUint256  = reflect.TypeFor[scale.Uint256]()
	typeInt256   = reflect.TypeFor[scale.Int256]()
	typeBigInt   = reflect.TypeFor[*big.Int]()
	typeBitSeq   = reflect.TypeFor[scale.BitSequence]()
	typeVariant  = reflect.TypeFor[Variant]()
	typeComposit = reflect.TypeFor[Composite]()
)

// indirect follows pointers and interfaces; ok is false for nil.
func indirect(v reflect.Value) (reflect.Value, bool) {
	for v.IsValid() && (v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface) {
		if v.Type() == typeBigInt {
			return v, !v.IsNil()
		}
		if v.IsNil() {
			return v, false
		}
		v = v.Elem()
	}
	return v, v.IsValid()
}

func (r *Registry) encodeValue(e *scale.Encoder, id TypeID, v reflect.Value, depth int) error {
	if depth > maxDepth {
		return ErrTooDeep
	}
	t, err := r.Type(id)
	if err != nil {
		return err
	}
	return typed(r.encodeDef(e, t, v, depth), r, id)
}

func (r *Registry) encodeDef(e *scale.Encoder, t *Type, v reflect.Value, depth int) error {
	if t.isOption() {
		return r.encodeOption(e, t, v, depth)
	}
	v, ok := indirect(v)
	if !ok {
		return fmt.Errorf("%w: nil value", ErrTypeMismatch)
	}
	switch t.Kind {
	case KindPrimitive:
		return encodePrimitive(e, t.Primitive, v)
	case KindCompact:
		p, err := r.compactPrimitive(t.Elem)
		if err != nil {
			return err
		}
		if v.Type() == typeComposit {
			// A decoded Compact<Wrapper> round-trips as the bare integer, but
			// accept the wrapper form too.
			c := valueAs[Composite](v)
			if len(c.Fields) != 1 {
				return fmt.Errorf("%w: compact of a composite with %d fields", ErrTypeMismatch, len(c.Fields))
			}
			if v, ok = indirect(reflect.ValueOf(c.Fields[0].Value)); !ok {
				return fmt.Errorf("%w: nil value", ErrTypeMismatch)
			}
		}
		return encodeCompact(e, p, v)
	case KindSequence, KindArray:
		return r.encodeSequence(e, t, v, depth)
	case KindTuple:
		return r.encodeTuple(e, t, v, depth)
	case KindComposite:
		return r.encodeComposite(e, t, v, depth)
	case KindVariant:
		return r.encodeVariant(e, t, v, depth)
	case KindBitSequence:
		store, order, err := r.bitLayout(t)
		if err != nil {
			return err
		}
		var bits scale.BitSequence
		switch {
		case v.Type() == typeBitSeq:
			bits = valueAs[scale.BitSequence](v)
		case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Bool:
			bits = make(scale.BitSequence, v.Len())
			for i := range bits {
				bits[i] = v.Index(i).Bool()
			}
		default:
			return fmt.Errorf("%w: %s for a bit sequence", ErrTypeMismatch, v.Type())
		}
		return e.BitSequence(bits, store, order)
	}
	return fmt.Errorf("%w: unknown kind %d", ErrInvalidMetadata, t.Kind)
}

func (r *Registry) encodeOption(e *scale.Encoder, t *Type, v reflect.Value, depth int) error {
	none, _ := t.VariantByName("None")
	some, _ := t.VariantByName("Some")
	if none == nil || some == nil || len(some.Fields) != 1 {
		return r.encodeVariant(e, t, v, depth)
	}
	inner, ok := indirect(v)
	if !ok {
		e.U8(none.Index)
		return nil
	}
	if inner.Type() == typeVariant {
		vr := valueAs[Variant](inner)
		if vr.Name == "None" || vr.Name == "Some" {
			return r.encodeVariant(e, t, inner, depth)
		}
	}
	e.U8(some.Index)
	return at(r.encodeValue(e, some.Fields[0].Type, v, depth+1), "Some")
}

// valueAs returns v's value as a T. Callers have compared v's type with T's
// (or checked that it implements T), so a mismatch is a bug in this package.
func valueAs[T any](v reflect.Value) T {
	x, ok := v.Interface().(T)
	if !ok {
		panic(fmt.Sprintf("metadata: %s taken for a %s", v.Type(), reflect.TypeFor[T]()))
	}
	return x
}

func intOf(v reflect.Value) (*big.Int, bool) {
	switch v.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return big.NewInt(v.Int()), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return new(big.Int).SetUint64(v.Uint()), true
	}
	switch v.Type() {
	case typeUint128:
		return valueAs[scale.Uint128](v).Big(), true
	case typeInt128:
		return valueAs[scale.Int128](v).Big(), true
	case typeUint256:
		return valueAs[scale.Uint256](v).Big(), true
	case typeInt256:
		return valueAs[scale.Int256](v).Big(), true
	case typeBigInt:
		return valueAs[*big.Int](v), true
	}
	return nil, false
}

// fastUint returns v as a uint64 when it is a non-negative Go integer, which
// spares the big.Int path for the common case.
func fastUint(v reflect.Value) (uint64, bool) {
	switch v.Kind() {
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return v.Uint(), true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if x := v.Int(); x >= 0 {
			return uint64(x), true
		}
	}
	return 0, false
}

func encodePrimitive(e *scale.Encoder, p Primitive, v reflect.Value) error {
	switch p {
	case PrimBool:
		if v.Kind() != reflect.Bool {
			return fmt.Errorf("%w: %s for bool", ErrTypeMismatch, v.Type())
		}
		e.Bool(v.Bool())
		return nil
	case PrimStr:
		switch {
		case v.Kind() == reflect.String:
			e.Str(v.String())
		case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8:
			e.ByteVec(v.Bytes())
		default:
			return fmt.Errorf("%w: %s for str", ErrTypeMismatch, v.Type())
		}
		return nil
	case PrimChar:
		x, ok := fastUint(v)
		if !ok || x > 0x10FFFF {
			return fmt.Errorf("%w: %s for char", ErrTypeMismatch, v.Type())
		}
		e.U32(uint32(x))
		return nil
	}
	if x, ok := fastUint(v); ok && p.size() <= 8 && p <= PrimU64 {
		if x > maxUnsigned(p) {
			return fmt.Errorf("%w: %d does not fit %s", scale.ErrOverflow, x, p)
		}
		var buf [8]byte
		binary.LittleEndian.PutUint64(buf[:], x)
		e.Raw(buf[:p.size()])
		return nil
	}
	n, ok := intOf(v)
	if !ok {
		return fmt.Errorf("%w: %s for %s", ErrTypeMismatch, v.Type(), p)
	}
	return encodeBigFixed(e, p, n)
}

// encodeBigFixed writes n as a fixed-width integer of primitive p, checking
// its range; signed values are written in two's complement.
func encodeBigFixed(e *scale.Encoder, p Primitive, n *big.Int) error {
	size := p.size()
	bits := uint(8 * size)
	lo, hi := new(big.Int), new(big.Int).Lsh(big.NewInt(1), bits) // [0, 2^bits)
	signed := p >= PrimI8
	if signed {
		lo.Neg(new(big.Int).Lsh(big.NewInt(1), bits-1))
		hi.Lsh(big.NewInt(1), bits-1)
	}
	if n.Cmp(lo) < 0 || n.Cmp(hi) >= 0 {
		return fmt.Errorf("%w: %s does not fit %s", scale.ErrOverflow, n, p)
	}
	m := new(big.Int).Set(n)
	if m.Sign() < 0 {
		m.Add(m, new(big.Int).Lsh(big.NewInt(1), bits))
	}
	be := m.FillBytes(make([]byte, size))
	le := make([]byte, size)
	for i := range be {
		le[size-1-i] = be[i]
	}
	e.Raw(le)
	return nil
}

func encodeCompact(e *scale.Encoder, p Primitive, v reflect.Value) error {
	if x, ok := fastUint(v); ok {
		if p <= PrimU64 && x > maxUnsigned(p) {
			return fmt.Errorf("%w: %d does not fit Compact<%s>", scale.ErrOverflow, x, p)
		}
		e.Compact(x)
		return nil
	}
	n, ok := intOf(v)
	if !ok {
		return fmt.Errorf("%w: %s for Compact<%s>", ErrTypeMismatch, v.Type(), p)
	}
	limit := uint(8 * p.size())
	if n.Sign() < 0 || n.BitLen() > int(limit) {
		return fmt.Errorf("%w: %s does not fit Compact<%s>", scale.ErrOverflow, n, p)
	}
	return e.CompactBig(n)
}

func (r *Registry) encodeSequence(e *scale.Encoder, t *Type, v reflect.Value, depth int) error {
	elem, err := r.Type(t.Elem)
	if err != nil {
		return err
	}
	if elem.Kind == KindPrimitive && elem.Primitive == PrimU8 {
		var b []byte
		isBytes := true
		switch {
		case v.Kind() == reflect.String:
			b = []byte(v.String())
		case (v.Kind() == reflect.Slice || v.Kind() == reflect.Array) && v.Type().Elem().Kind() == reflect.Uint8:
			b = make([]byte, v.Len())
			reflect.Copy(reflect.ValueOf(b), v)
		default:
			isBytes = false // e.g. []int: encoded element by element below
		}
		if isBytes {
			if t.Kind == KindArray {
				if len(b) != int(t.Len) {
					return fmt.Errorf("%w: %d bytes for [u8; %d]", ErrTypeMismatch, len(b), t.Len)
				}
				e.Raw(b)
				return nil
			}
			e.ByteVec(b)
			return nil
		}
	}
	if v.Kind() != reflect.Slice && v.Kind() != reflect.Array {
		return fmt.Errorf("%w: %s for %s", ErrTypeMismatch, v.Type(), t.Kind)
	}
	n := v.Len()
	if t.Kind == KindArray && n != int(t.Len) {
		return fmt.Errorf("%w: %d elements for an array of %d", ErrTypeMismatch, n, t.Len)
	}
	if t.Kind == KindSequence {
		e.Length(n)
	}
	for i := 0; i < n; i++ {
		if err := r.encodeValue(e, t.Elem, v.Index(i), depth+1); err != nil {
			return at(err, fmt.Sprintf("[%d]", i))
		}
	}
	return nil
}

func (r *Registry) encodeTuple(e *scale.Encoder, t *Type, v reflect.Value, depth int) error {
	fields := make([]Field, len(t.Tuple))
	for i, id := range t.Tuple {
		fields[i] = Field{Type: id}
	}
	return r.encodeFields(e, fields, v, depth)
}

func (r *Registry) encodeComposite(e *scale.Encoder, t *Type, v reflect.Value, depth int) error {
	if len(t.Fields) == 1 && !looksComposite(v, t.Fields) {
		// Newtype: the bare inner value stands for the wrapper.
		return at(r.encodeValue(e, t.Fields[0].Type, v, depth+1), fieldSeg(&t.Fields[0], 0))
	}
	return r.encodeFields(e, t.Fields, v, depth)
}

// looksComposite reports whether v is meant as the composite itself rather than
// its single field.
func looksComposite(v reflect.Value, fields []Field) bool {
	switch {
	case v.Type() == typeComposit, v.Kind() == reflect.Map:
		return true
	case v.Kind() == reflect.Struct && v.Type() != typeUint128 && v.Type() != typeInt128 && v.Type() != typeVariant:
		_, ok := structFieldIndex(v.Type())[normalizeName(fields[0].Name)]
		return ok
	}
	return false
}

// encodeFields encodes fields from a Composite, a map, a struct (by name) or a
// slice/array (by position).
func (r *Registry) encodeFields(e *scale.Encoder, fields []Field, v reflect.Value, depth int) error {
	get, err := fieldGetter(v, fields)
	if err != nil {
		return err
	}
	for i := range fields {
		f := &fields[i]
		fv, err := get(i, f)
		if err != nil {
			return at(err, fieldSeg(f, i))
		}
		if err := r.encodeValue(e, f.Type, fv, depth+1); err != nil {
			return at(err, fieldSeg(f, i))
		}
	}
	return nil
}

func fieldGetter(v reflect.Value, fields []Field) (func(i int, f *Field) (reflect.Value, error), error) {
	named := len(fields) > 0 && fields[0].Name != ""
	missing := fmt.Errorf("%w: missing field", ErrTypeMismatch)
	switch {
	case v.Type() == typeComposit || v.Type() == typeVariant:
		var vals []NamedValue
		if v.Type() == typeComposit {
			vals = valueAs[Composite](v).Fields
		} else {
			vals = valueAs[Variant](v).Fields
		}
		if len(vals) != len(fields) {
			return nil, fmt.Errorf("%w: %d values for %d fields", ErrTypeMismatch, len(vals), len(fields))
		}
		return func(i int, f *Field) (reflect.Value, error) {
			if named && vals[i].Name != "" && vals[i].Name != f.Name {
				for _, nv := range vals {
					if nv.Name == f.Name {
						return reflect.ValueOf(nv.Value), nil
					}
				}
				return reflect.Value{}, missing
			}
			return reflect.ValueOf(vals[i].Value), nil
		}, nil
	case v.Kind() == reflect.Map && v.Type().Key().Kind() == reflect.String:
		if v.Len() != len(fields) {
			return nil, fmt.Errorf("%w: map has %d entries for %d fields", ErrTypeMismatch, v.Len(), len(fields))
		}
		return func(_ int, f *Field) (reflect.Value, error) {
			fv := v.MapIndex(reflect.ValueOf(f.Name).Convert(v.Type().Key()))
			if !fv.IsValid() {
				return fv, missing
			}
			return fv, nil
		}, nil
	case v.Kind() == reflect.Struct:
		idx := structFieldIndex(v.Type())
		return func(i int, f *Field) (reflect.Value, error) {
			name := f.Name
			if name == "" {
				name = fmt.Sprint(i)
			}
			if j, ok := idx[normalizeName(name)]; ok {
				return v.Field(j), nil
			}
			if !named {
				// Tuple structs: by position among the exported fields.
				if j, ok := idx[fmt.Sprintf("#%d", i)]; ok {
					return v.Field(j), nil
				}
			}
			return reflect.Value{}, missing
		}, nil
	case v.Kind() == reflect.Slice || v.Kind() == reflect.Array:
		if v.Len() != len(fields) {
			return nil, fmt.Errorf("%w: %d values for %d fields", ErrTypeMismatch, v.Len(), len(fields))
		}
		return func(i int, _ *Field) (reflect.Value, error) { return v.Index(i), nil }, nil
	}
	if len(fields) == 0 {
		return func(int, *Field) (reflect.Value, error) { return reflect.Value{}, nil }, nil
	}
	return nil, fmt.Errorf("%w: %s for a composite", ErrTypeMismatch, v.Type())
}

func (r *Registry) encodeVariant(e *scale.Encoder, t *Type, v reflect.Value, depth int) error {
	var name string
	var payload reflect.Value
	switch {
	case v.Type() == typeVariant:
		name = valueAs[Variant](v).Name
		payload = v
	case v.Kind() == reflect.String:
		name = v.String()
	default:
		return fmt.Errorf("%w: %s for an enum (use metadata.Variant)", ErrTypeMismatch, v.Type())
	}
	vr, ok := t.VariantByName(name)
	if !ok {
		return fmt.Errorf("%w: no variant %q", ErrTypeMismatch, name)
	}
	e.U8(vr.Index)
	if !payload.IsValid() {
		if len(vr.Fields) != 0 {
			return fmt.Errorf("%w: variant %s needs %d fields", ErrTypeMismatch, name, len(vr.Fields))
		}
		return nil
	}
	return at(r.encodeFields(e, vr.Fields, payload, depth), name)
}

// normalizeName folds a Rust snake_case or Go CamelCase name to one key:
// lower case without underscores ("validator_permit" ~ "ValidatorPermit").
func normalizeName(s string) string {
	return strings.ToLower(strings.ReplaceAll(s, "_", ""))
}

// structFieldIndex maps normalised field names (or `scale:"name"` tags) of a
// struct's exported fields to their indexes; "#i" keys give the position among
// exported fields, for tuple structs.
func structFieldIndex(t reflect.Type) map[string]int {
	idx := map[string]int{}
	pos := 0
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := scale.ParseTag(f.Tag.Get("scale"))
		if tag.Skip {
			continue
		}
		name := f.Name
		if tag.Name != "" {
			name = tag.Name
		}
		idx[normalizeName(name)] = i
		idx[fmt.Sprintf("#%d", pos)] = i
		pos++
	}
	return idx
}
