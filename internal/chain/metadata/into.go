package metadata

import (
	"fmt"
	"math"
	"reflect"
	"sync"
	"unsafe"

	"github.com/pylon-go/pylon/internal/chain/scale"
)

// DecodeInto decodes b, a value of type id, into the Go value dst points to,
// and fails unless all of b is consumed.
//
// It walks the metadata type and the Go type together:
//
//   - composites fill Go structs by field name: a Rust field "validator_permit"
//     fills the Go field ValidatorPermit (case and underscores are ignored) or
//     the field tagged `scale:"validator_permit"`; metadata fields the struct
//     lacks are skipped, so a runtime upgrade that adds a field keeps working;
//     Go fields the metadata lacks stay zero (at least one must match);
//   - tuples fill structs by position, or slices/arrays;
//   - integers and compacts fill any Go integer type, with overflow checks, and
//     scale.Uint128 (u128, Compact<u128>);
//   - single-field wrappers (AccountId32([u8; 32]), BoundedVec) unwrap when
//     the destination is not a matching struct: AccountId32 fills a [32]byte;
//   - Option<T> fills a pointer (nil for None) or, for a non-pointer, the zero
//     value for None;
//   - sequences fill slices; Vec<u8> fills []byte or string;
//   - fieldless enums fill a string with the variant name;
//   - an `any`, Composite, Variant or Sequence destination receives the
//     generic value tree;
//   - a type implementing scale.Unmarshaler decodes its own bytes.
//
// The walk is compiled once per (type id, Go type) into a plan and cached on
// the registry, so repeated decoding builds no intermediate values.
func (r *Registry) DecodeInto(id TypeID, b []byte, dst any) error {
	d := scale.NewDecoder(b)
	if err := r.DecodeIntoFrom(d, id, dst); err != nil {
		return err
	}
	if err := d.Finish(); err != nil {
		return &PathError{Op: "decode", Type: r.Name(id), Err: err}
	}
	return nil
}

// DecodeIntoFrom decodes one value of type id from d into dst (see DecodeInto).
func (r *Registry) DecodeIntoFrom(d *scale.Decoder, id TypeID, dst any) error {
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("%w: DecodeInto needs a non-nil pointer, got %T", ErrTypeMismatch, dst)
	}
	pl, err := r.planFor(id, rv.Type().Elem())
	if err != nil {
		return finishPath("decode", err)
	}
	return finishPath("decode", typed(pl.fn(d, rv.UnsafePointer()), r, id))
}

type planKey struct {
	id TypeID
	t  reflect.Type
}

// plan decodes one value of a registry type into Go memory of a fixed type.
// fn is filled after construction so recursive types can refer to their own
// plan.
type plan struct {
	fn func(d *scale.Decoder, p unsafe.Pointer) error
}

func (r *Registry) planFor(id TypeID, t reflect.Type) (*plan, error) {
	if pl, ok := loadPlan(&r.plans, planKey{id, t}); ok {
		return pl, nil
	}
	r.planMu.Lock()
	defer r.planMu.Unlock()
	c := &planCompiler{r: r, building: map[planKey]*plan{}, active: map[planKey]bool{}}
	pl, err := c.compile(id, t)
	if err != nil {
		return nil, err
	}
	for k, v := range c.building {
		r.plans.Store(k, v)
	}
	return pl, nil
}

// loadPlan looks key up in one of the registry's plan caches (plans, skips),
// which hold nothing but *plan values.
func loadPlan(cache *sync.Map, key any) (*plan, bool) {
	v, ok := cache.Load(key)
	if !ok {
		return nil, false
	}
	pl, ok := v.(*plan)
	return pl, ok
}

type planCompiler struct {
	r        *Registry
	building map[planKey]*plan // every plan made in this run
	active   map[planKey]bool  // plans whose build is under way (recursion)
}

var (
	typeAny         = reflect.TypeFor[any]()
	typeSequence    = reflect.TypeFor[Sequence]()
	unmarshalerType = reflect.TypeFor[scale.Unmarshaler]()
)

func (c *planCompiler) compile(id TypeID, t reflect.Type) (*plan, error) {
	key := planKey{id, t}
	if pl, ok := loadPlan(&c.r.plans, key); ok {
		return pl, nil
	}
	if pl, ok := c.building[key]; ok {
		if !c.active[key] {
			return pl, nil // compiled earlier in this run
		}
		// A recursive reference: guard the depth, which only recursion can
		// make unbounded by the input's structure.
		return &plan{fn: func(d *scale.Decoder, p unsafe.Pointer) error {
			if err := d.Enter(); err != nil {
				return err
			}
			defer d.Leave()
			return pl.fn(d, p)
		}}, nil
	}
	pl := &plan{}
	c.building[key] = pl
	c.active[key] = true
	fn, err := c.build(id, t)
	delete(c.active, key)
	if err != nil {
		delete(c.building, key)
		return nil, typed(err, c.r, id)
	}
	// Errors learn their registry type from the caller (a struct field, a
	// sequence element, DecodeIntoFrom), which keeps a wrapper closure off
	// the per-value path.
	pl.fn = fn
	return pl, nil
}

type decodeFn = func(d *scale.Decoder, p unsafe.Pointer) error

func mismatch(t *Type, r *Registry, gt reflect.Type) error {
	return fmt.Errorf("%w: cannot decode %s (%s) into Go %s", ErrTypeMismatch, r.Name(t.ID), t.Kind, gt)
}

func (c *planCompiler) build(id TypeID, gt reflect.Type) (decodeFn, error) {
	r := c.r
	t, err := r.Type(id)
	if err != nil {
		return nil, err
	}
	// Destinations that take the generic value tree.
	switch gt {
	case typeAny, typeComposit, typeVariant, typeSequence:
		return func(d *scale.Decoder, p unsafe.Pointer) error {
			v, err := r.decodeValue(d, id, 0)
			if err != nil {
				return err
			}
			dst := reflect.NewAt(gt, p).Elem()
			rv := reflect.ValueOf(v)
			if !rv.Type().AssignableTo(gt) {
				return fmt.Errorf("%w: decoded %T into %s", ErrTypeMismatch, v, gt)
			}
			dst.Set(rv)
			return nil
		}, nil
	}
	if gt.Kind() != reflect.Pointer && reflect.PointerTo(gt).Implements(unmarshalerType) {
		skip, err := c.r.skipper(id)
		if err != nil {
			return nil, err
		}
		return func(d *scale.Decoder, p unsafe.Pointer) error {
			rest, start := d.Rest(), d.Offset()
			if err := skip.fn(d, nil); err != nil {
				return err
			}
			sub := scale.NewDecoder(rest[:d.Offset()-start])
			u := valueAs[scale.Unmarshaler](reflect.NewAt(gt, p))
			if err := u.UnmarshalSCALE(sub); err != nil {
				return err
			}
			return sub.Finish()
		}, nil
	}
	if t.isOption() {
		return c.buildOption(t, gt)
	}
	if gt.Kind() == reflect.Pointer {
		elem, err := c.compile(id, gt.Elem())
		if err != nil {
			return nil, err
		}
		et := gt.Elem()
		return func(d *scale.Decoder, p unsafe.Pointer) error {
			nv := reflect.New(et)
			if err := elem.fn(d, nv.UnsafePointer()); err != nil {
				return err
			}
			*(*unsafe.Pointer)(p) = nv.UnsafePointer()
			return nil
		}, nil
	}
	switch t.Kind {
	case KindPrimitive:
		return buildPrimitive(t, r, gt)
	case KindCompact:
		return c.buildCompact(t, gt)
	case KindComposite:
		if len(t.Fields) == 1 && !structMatches(gt, t.Fields) {
			return c.unwrap(t.Fields[0].Type, fieldSeg(&t.Fields[0], 0), gt)
		}
		if gt.Kind() != reflect.Struct {
			return nil, mismatch(t, r, gt)
		}
		return c.buildStruct(t, t.Fields, gt, false)
	case KindTuple:
		if len(t.Tuple) == 1 && gt.Kind() != reflect.Struct {
			return c.unwrap(t.Tuple[0], "0", gt)
		}
		fields := make([]Field, len(t.Tuple))
		for i, e := range t.Tuple {
			fields[i] = Field{Type: e}
		}
		switch gt.Kind() {
		case reflect.Struct:
			return c.buildStruct(t, fields, gt, true)
		case reflect.Array:
			if gt.Len() == len(fields) {
				return c.buildTupleArray(fields, gt)
			}
		}
		return nil, mismatch(t, r, gt)
	case KindSequence, KindArray:
		return c.buildSequence(t, gt)
	case KindVariant:
		if gt.Kind() == reflect.String {
			return func(d *scale.Decoder, p unsafe.Pointer) error {
				idx, err := d.U8()
				if err != nil {
					return err
				}
				vr, ok := t.VariantByIndex(idx)
				if !ok {
					return fmt.Errorf("%w: no variant with index %d", ErrTypeMismatch, idx)
				}
				if len(vr.Fields) != 0 {
					return fmt.Errorf("%w: variant %s has fields; decode into metadata.Variant", ErrTypeMismatch, vr.Name)
				}
				*(*string)(p) = vr.Name
				return nil
			}, nil
		}
		return nil, mismatch(t, r, gt)
	case KindBitSequence:
		store, order, err := r.bitLayout(t)
		if err != nil {
			return nil, err
		}
		if gt.Kind() != reflect.Slice || gt.Elem().Kind() != reflect.Bool {
			return nil, mismatch(t, r, gt)
		}
		return func(d *scale.Decoder, p unsafe.Pointer) error {
			bits, err := d.BitSequence(store, order)
			if err != nil {
				return err
			}
			*(*[]bool)(p) = bits
			return nil
		}, nil
	}
	return nil, mismatch(t, r, gt)
}

func (c *planCompiler) unwrap(inner TypeID, seg string, gt reflect.Type) (decodeFn, error) {
	pl, err := c.compile(inner, gt)
	if err != nil {
		return nil, at(err, seg)
	}
	// No wrapper: a newtype adds nothing to error paths, and pl.fn is set
	// (compile returns finished plans or recursion guards).
	return pl.fn, nil
}

// structMatches reports whether the Go struct has a field for the composite's
// single field, in which case it is decoded as a struct, not unwrapped.
func structMatches(gt reflect.Type, fields []Field) bool {
	if gt.Kind() != reflect.Struct || gt == typeUint128 || gt == typeInt128 {
		return false
	}
	_, ok := structFieldIndex(gt)[normalizeName(fields[0].Name)]
	return ok && fields[0].Name != ""
}

func (c *planCompiler) buildOption(t *Type, gt reflect.Type) (decodeFn, error) {
	some, _ := t.VariantByName("Some")
	none, _ := t.VariantByName("None")
	if some == nil || none == nil || len(some.Fields) != 1 {
		return nil, mismatch(t, c.r, gt)
	}
	someIdx, noneIdx := some.Index, none.Index
	inner := some.Fields[0].Type
	if gt.Kind() == reflect.Pointer {
		et := gt.Elem()
		elem, err := c.compile(inner, et)
		if err != nil {
			return nil, at(err, "Some")
		}
		return func(d *scale.Decoder, p unsafe.Pointer) error {
			idx, err := d.U8()
			if err != nil {
				return err
			}
			switch idx {
			case noneIdx:
				*(*unsafe.Pointer)(p) = nil
				return nil
			case someIdx:
				nv := reflect.New(et)
				if err := elem.fn(d, nv.UnsafePointer()); err != nil {
					return at(typed(err, c.r, inner), "Some")
				}
				*(*unsafe.Pointer)(p) = nv.UnsafePointer()
				return nil
			}
			return fmt.Errorf("%w: option tag %d", scale.ErrInvalidOption, idx)
		}, nil
	}
	elem, err := c.compile(inner, gt)
	if err != nil {
		return nil, at(err, "Some")
	}
	return func(d *scale.Decoder, p unsafe.Pointer) error {
		idx, err := d.U8()
		if err != nil {
			return err
		}
		switch idx {
		case noneIdx:
			reflect.NewAt(gt, p).Elem().SetZero()
			return nil
		case someIdx:
			return at(typed(elem.fn(d, p), c.r, inner), "Some")
		}
		return fmt.Errorf("%w: option tag %d", scale.ErrInvalidOption, idx)
	}, nil
}

// intSetter returns a function storing an unsigned value into Go memory of
// kind k, or nil if k is not an integer kind.
func uintSetter(gt reflect.Type) func(p unsafe.Pointer, x uint64) error {
	over := func(x uint64) error { return fmt.Errorf("%w: %d does not fit Go %s", scale.ErrOverflow, x, gt) }
	switch gt.Kind() {
	case reflect.Uint8:
		return func(p unsafe.Pointer, x uint64) error {
			if x > math.MaxUint8 {
				return over(x)
			}
			*(*uint8)(p) = uint8(x)
			return nil
		}
	case reflect.Uint16:
		return func(p unsafe.Pointer, x uint64) error {
			if x > math.MaxUint16 {
				return over(x)
			}
			*(*uint16)(p) = uint16(x)
			return nil
		}
	case reflect.Uint32:
		return func(p unsafe.Pointer, x uint64) error {
			if x > math.MaxUint32 {
				return over(x)
			}
			*(*uint32)(p) = uint32(x)
			return nil
		}
	case reflect.Uint64, reflect.Uint, reflect.Uintptr:
		if gt.Size() == 4 {
			return uintSetter(reflect.TypeFor[uint32]())
		}
		return func(p unsafe.Pointer, x uint64) error { *(*uint64)(p) = x; return nil }
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Int:
		set := intSetter(gt)
		return func(p unsafe.Pointer, x uint64) error {
			if x > math.MaxInt64 {
				return over(x)
			}
			return set(p, int64(x))
		}
	}
	return nil
}

func intSetter(gt reflect.Type) func(p unsafe.Pointer, x int64) error {
	over := func(x int64) error { return fmt.Errorf("%w: %d does not fit Go %s", scale.ErrOverflow, x, gt) }
	switch gt.Kind() {
	case reflect.Int8:
		return func(p unsafe.Pointer, x int64) error {
			if x < math.MinInt8 || x > math.MaxInt8 {
				return over(x)
			}
			*(*int8)(p) = int8(x)
			return nil
		}
	case reflect.Int16:
		return func(p unsafe.Pointer, x int64) error {
			if x < math.MinInt16 || x > math.MaxInt16 {
				return over(x)
			}
			*(*int16)(p) = int16(x)
			return nil
		}
	case reflect.Int32:
		return func(p unsafe.Pointer, x int64) error {
			if x < math.MinInt32 || x > math.MaxInt32 {
				return over(x)
			}
			*(*int32)(p) = int32(x)
			return nil
		}
	case reflect.Int64, reflect.Int:
		if gt.Size() == 4 {
			return intSetter(reflect.TypeFor[int32]())
		}
		return func(p unsafe.Pointer, x int64) error { *(*int64)(p) = x; return nil }
	case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uint, reflect.Uintptr:
		set := uintSetter(gt)
		return func(p unsafe.Pointer, x int64) error {
			if x < 0 {
				return over(x)
			}
			return set(p, uint64(x))
		}
	}
	return nil
}

func buildPrimitive(t *Type, r *Registry, gt reflect.Type) (decodeFn, error) {
	switch t.Primitive {
	case PrimBool:
		if gt.Kind() != reflect.Bool {
			return nil, mismatch(t, r, gt)
		}
		return storeRead((*scale.Decoder).Bool), nil
	case PrimStr:
		switch {
		case gt.Kind() == reflect.String:
			return storeRead((*scale.Decoder).Str), nil
		case gt.Kind() == reflect.Slice && gt.Elem().Kind() == reflect.Uint8:
			return func(d *scale.Decoder, p unsafe.Pointer) error {
				v, err := d.Bytes()
				*(*[]byte)(p) = append([]byte(nil), v...)
				return err
			}, nil
		}
		return nil, mismatch(t, r, gt)
	case PrimU128:
		if gt == typeUint128 {
			return storeRead((*scale.Decoder).U128), nil
		}
		if set := uintSetter(gt); set != nil {
			return func(d *scale.Decoder, p unsafe.Pointer) error {
				v, err := d.U128()
				if err != nil {
					return err
				}
				if v.Hi != 0 {
					return fmt.Errorf("%w: %s does not fit Go %s", scale.ErrOverflow, v, gt)
				}
				return set(p, v.Lo)
			}, nil
		}
		return nil, mismatch(t, r, gt)
	case PrimI128:
		if gt == typeInt128 {
			return storeRead((*scale.Decoder).I128), nil
		}
		return nil, mismatch(t, r, gt)
	case PrimU256:
		if gt == typeUint256 {
			return storeRead((*scale.Decoder).U256), nil
		}
		return nil, mismatch(t, r, gt)
	case PrimI256:
		if gt == typeInt256 {
			return storeRead((*scale.Decoder).I256), nil
		}
		return nil, mismatch(t, r, gt)
	case PrimChar:
		set := intSetter(gt)
		if set == nil {
			return nil, mismatch(t, r, gt)
		}
		return func(d *scale.Decoder, p unsafe.Pointer) error {
			v, err := d.Char()
			if err != nil {
				return err
			}
			return set(p, int64(v))
		}, nil
	}
	size := t.Primitive.size()
	if t.Primitive <= PrimU64 {
		set := uintSetter(gt)
		if set == nil {
			return nil, mismatch(t, r, gt)
		}
		// Same width and kind: store without the range check.
		if gt.Kind() >= reflect.Uint8 && gt.Kind() <= reflect.Uint64 && int(gt.Size()) == size {
			switch size {
			case 1:
				return storeRead((*scale.Decoder).U8), nil
			case 2:
				return storeRead((*scale.Decoder).U16), nil
			case 4:
				return storeRead((*scale.Decoder).U32), nil
			}
		}
		return func(d *scale.Decoder, p unsafe.Pointer) error {
			b, err := d.Next(size)
			if err != nil {
				return err
			}
			var x uint64
			for i := size - 1; i >= 0; i-- {
				x = x<<8 | uint64(b[i])
			}
			return set(p, x)
		}, nil
	}
	set := intSetter(gt)
	if set == nil {
		return nil, mismatch(t, r, gt)
	}
	shift := 64 - 8*size
	return func(d *scale.Decoder, p unsafe.Pointer) error {
		b, err := d.Next(size)
		if err != nil {
			return err
		}
		var x uint64
		for i := size - 1; i >= 0; i-- {
			x = x<<8 | uint64(b[i])
		}
		return set(p, int64(x<<shift)>>shift) //nolint:gosec // G115: the reinterpretation is the sign extension.
	}, nil
}

func (c *planCompiler) buildCompact(t *Type, gt reflect.Type) (decodeFn, error) {
	prim, err := c.r.compactPrimitive(t.Elem)
	if err != nil {
		return nil, err
	}
	if gt == typeUint128 {
		return storeRead((*scale.Decoder).CompactU128), nil
	}
	set := uintSetter(gt)
	if set == nil {
		return nil, mismatch(t, c.r, gt)
	}
	limit := maxUnsigned(prim)
	over := func(x uint64) error { return fmt.Errorf("%w: compact %d exceeds %s", scale.ErrOverflow, x, prim) }
	// Compacts dominate runtime-API structs; when the Go field is at least as
	// wide as the declared integer, store directly without the setter's call.
	if k := gt.Kind(); k >= reflect.Uint8 && k <= reflect.Uint64 && prim <= PrimU64 && int(gt.Size()) >= prim.size() {
		switch gt.Size() {
		case 1:
			return storeCompact[uint8](limit, over), nil
		case 2:
			return storeCompact[uint16](limit, over), nil
		case 4:
			return storeCompact[uint32](limit, over), nil
		case 8:
			return storeCompact[uint64](limit, over), nil
		}
	}
	return func(d *scale.Decoder, p unsafe.Pointer) error {
		x, err := d.Compact()
		if err != nil {
			return err
		}
		if x > limit {
			return over(x)
		}
		return set(p, x)
	}, nil
}

type fieldPlan struct {
	typ    TypeID
	offset uintptr
	pl     *plan // nil: skip
	skip   *plan
	seg    string
}

func (c *planCompiler) buildStruct(t *Type, fields []Field, gt reflect.Type, positional bool) (decodeFn, error) {
	idx := structFieldIndex(gt)
	plans := make([]fieldPlan, len(fields))
	matched := 0
	for i := range fields {
		f := &fields[i]
		seg := fieldSeg(f, i)
		key := "#" + fmt.Sprint(i)
		if !positional {
			key = normalizeName(f.Name)
		}
		j, ok := idx[key]
		if !ok {
			skip, err := c.r.skipper(f.Type)
			if err != nil {
				return nil, at(err, seg)
			}
			plans[i] = fieldPlan{typ: f.Type, skip: skip, seg: seg}
			continue
		}
		sf := gt.Field(j)
		pl, err := c.compile(f.Type, sf.Type)
		if err != nil {
			return nil, at(err, seg)
		}
		plans[i] = fieldPlan{typ: f.Type, offset: sf.Offset, pl: pl, seg: seg}
		matched++
	}
	if matched == 0 && len(fields) > 0 {
		return nil, fmt.Errorf("%w: no field of Go %s matches %s", ErrTypeMismatch, gt, c.r.Name(t.ID))
	}
	return func(d *scale.Decoder, p unsafe.Pointer) error {
		for i := range plans {
			fp := &plans[i]
			var err error
			if fp.pl != nil {
				err = fp.pl.fn(d, unsafe.Add(p, fp.offset))
			} else {
				err = fp.skip.fn(d, nil)
			}
			if err != nil {
				return at(typed(err, c.r, fp.typ), fp.seg)
			}
		}
		return nil
	}, nil
}

func (c *planCompiler) buildTupleArray(fields []Field, gt reflect.Type) (decodeFn, error) {
	size := gt.Elem().Size()
	plans := make([]*plan, len(fields))
	for i, f := range fields {
		pl, err := c.compile(f.Type, gt.Elem())
		if err != nil {
			return nil, at(err, fmt.Sprint(i))
		}
		plans[i] = pl
	}
	return func(d *scale.Decoder, p unsafe.Pointer) error {
		for i, pl := range plans {
			if err := pl.fn(d, unsafe.Add(p, uintptr(i)*size)); err != nil {
				return at(typed(err, c.r, fields[i].Type), fmt.Sprint(i))
			}
		}
		return nil
	}, nil
}

func (c *planCompiler) buildSequence(t *Type, gt reflect.Type) (decodeFn, error) {
	r := c.r
	elemT, err := r.Type(t.Elem)
	if err != nil {
		return nil, err
	}
	isSeq := t.Kind == KindSequence
	n := int(t.Len)
	if elemT.Kind == KindPrimitive && elemT.Primitive == PrimU8 {
		readBytes := func(d *scale.Decoder) ([]byte, error) {
			if isSeq {
				return d.Bytes()
			}
			return d.Next(n)
		}
		switch {
		case gt.Kind() == reflect.Slice && gt.Elem().Kind() == reflect.Uint8:
			return func(d *scale.Decoder, p unsafe.Pointer) error {
				b, err := readBytes(d)
				if err != nil {
					return err
				}
				*(*[]byte)(p) = append([]byte(nil), b...)
				return nil
			}, nil
		case gt.Kind() == reflect.String:
			return func(d *scale.Decoder, p unsafe.Pointer) error {
				b, err := readBytes(d)
				*(*string)(p) = string(b)
				return err
			}, nil
		case gt.Kind() == reflect.Array && gt.Elem().Kind() == reflect.Uint8:
			glen := gt.Len()
			if !isSeq && glen != n {
				return nil, fmt.Errorf("%w: [u8; %d] into Go %s", ErrTypeMismatch, n, gt)
			}
			return func(d *scale.Decoder, p unsafe.Pointer) error {
				b, err := readBytes(d)
				if err != nil {
					return err
				}
				if len(b) != glen {
					return fmt.Errorf("%w: %d bytes into Go %s", ErrTypeMismatch, len(b), gt)
				}
				copy(unsafe.Slice((*byte)(p), glen), b) //nolint:gosec // G103: p is a Go [glen]byte, the plan's destination type.
				return nil
			}, nil
		}
	}
	switch gt.Kind() {
	case reflect.Slice:
		elem, err := c.compile(t.Elem, gt.Elem())
		if err != nil {
			return nil, at(err, "[]")
		}
		esize := gt.Elem().Size()
		minSize := r.minSize(t.Elem)
		return func(d *scale.Decoder, p unsafe.Pointer) error {
			count := n
			if isSeq {
				var err error
				if count, err = d.Length(minSize); err != nil {
					return err
				}
			} else if uint64(count)*uint64(minSize) > uint64(d.Remaining()) { //nolint:gosec // G115: counts, sizes and Remaining are never negative.
				return fmt.Errorf("%w: array of %d needs more than %d bytes", scale.ErrShortInput, count, d.Remaining())
			}
			// Growing the destination in place allocates only the backing
			// array (MakeSlice would also box a slice header).
			s := reflect.NewAt(gt, p).Elem()
			s.SetZero()
			s.Grow(count)
			s.SetLen(count)
			base := s.UnsafePointer()
			for i := 0; i < count; i++ {
				if err := elem.fn(d, unsafe.Add(base, uintptr(i)*esize)); err != nil {
					s.SetZero()
					return at(typed(err, r, t.Elem), fmt.Sprintf("[%d]", i))
				}
			}
			return nil
		}, nil
	case reflect.Array:
		if !isSeq && gt.Len() != n {
			return nil, fmt.Errorf("%w: array of %d into Go %s", ErrTypeMismatch, n, gt)
		}
		elem, err := c.compile(t.Elem, gt.Elem())
		if err != nil {
			return nil, at(err, "[]")
		}
		esize := gt.Elem().Size()
		glen := gt.Len()
		return func(d *scale.Decoder, p unsafe.Pointer) error {
			count := n
			if isSeq {
				var err error
				if count, err = d.Length(r.minSize(t.Elem)); err != nil {
					return err
				}
				if count != glen {
					return fmt.Errorf("%w: %d elements into Go %s", ErrTypeMismatch, count, gt)
				}
			}
			for i := 0; i < count; i++ {
				if err := elem.fn(d, unsafe.Add(p, uintptr(i)*esize)); err != nil {
					return at(typed(err, r, t.Elem), fmt.Sprintf("[%d]", i))
				}
			}
			return nil
		}, nil
	}
	return nil, mismatch(t, r, gt)
}

// storeCompact decodes a compact integer straight into a field of type T
// (compiled per width, as fast as a hand-written setter); a value above
// limit is an error from over, stored truncated.
func storeCompact[T uint8 | uint16 | uint32 | uint64](limit uint64, over func(uint64) error) func(*scale.Decoder, unsafe.Pointer) error {
	return func(d *scale.Decoder, p unsafe.Pointer) error {
		x, err := d.Compact()
		if err == nil && x > limit {
			err = over(x)
		}
		*(*T)(p) = T(x) // truncated only when x exceeds limit, and then err is returned
		return err
	}
}

// storeRead decodes a value with read and stores it in a field of exactly its
// type.
func storeRead[T any](read func(*scale.Decoder) (T, error)) func(*scale.Decoder, unsafe.Pointer) error {
	return func(d *scale.Decoder, p unsafe.Pointer) error {
		v, err := read(d)
		*(*T)(p) = v
		return err
	}
}
