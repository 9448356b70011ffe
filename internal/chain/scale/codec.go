package scale

import (
	"encoding/binary"
	"fmt"
	"math/big"
	"reflect"
	"strings"
	"sync"
)

// Marshaler is implemented by types that encode themselves (enums, custom
// layouts). The static codec calls it instead of reflecting on the type.
type Marshaler interface {
	MarshalSCALE(e *Encoder) error
}

// Unmarshaler is implemented by pointer types that decode themselves.
type Unmarshaler interface {
	UnmarshalSCALE(d *Decoder) error
}

// Marshal returns the SCALE encoding of v.
//
// Go types map onto SCALE as follows: bool → bool; int8…int64 and
// uint8…uint64 → fixed-width integers (int and uint are rejected: their width
// is not fixed); Uint128, Int128, Uint256, Int256 → the 128/256-bit integers;
// string → str; []byte → Vec<u8>; [N]byte → [u8; N]; other slices → Vec<T>;
// arrays → [T; N]; structs → tuples of their exported fields in order;
// pointers → Option<T> (nil is None); BitSequence → BitVec<u8, Lsb0>;
// Marshaler → whatever it writes. The tag `scale:",compact"` encodes an
// unsigned integer field (or the integers inside a slice, array or pointer
// field) as Compact<T>; with it uint, Uint128 and *big.Int are accepted too.
// `scale:"-"` skips a field.
func Marshal(v any) ([]byte, error) {
	var e Encoder
	if err := e.Encode(v); err != nil {
		return nil, err
	}
	return e.Bytes(), nil
}

// Unmarshal decodes b into the value pointed to by v, using the mapping of
// Marshal, and fails with ErrTrailingBytes unless all of b is consumed.
// Decoded byte slices are copies: v does not alias b.
func Unmarshal(b []byte, v any) error {
	d := NewDecoder(b)
	if err := d.Decode(v); err != nil {
		return err
	}
	return d.Finish()
}

// Encode appends the SCALE encoding of v (see Marshal).
func (e *Encoder) Encode(v any) error {
	rv := reflect.ValueOf(v)
	if !rv.IsValid() {
		return fmt.Errorf("%w: nil", ErrUnsupportedType)
	}
	c, err := codecFor(rv.Type(), false)
	if err != nil {
		return err
	}
	return c.enc(e, rv)
}

// Decode reads one value into the value pointed to by v (see Marshal).
func (d *Decoder) Decode(v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("%w: Decode needs a non-nil pointer, got %T", ErrUnsupportedType, v)
	}
	c, err := codecFor(rv.Type().Elem(), false)
	if err != nil {
		return err
	}
	return c.dec(d, rv.Elem())
}

type codecKey struct {
	t       reflect.Type
	compact bool
}

// codec is the compiled encoder and decoder of one Go type. minSize is the
// fewest input bytes one value occupies; it bounds slice lengths before
// allocation.
type codec struct {
	enc     func(e *Encoder, v reflect.Value) error
	dec     func(d *Decoder, v reflect.Value) error
	minSize int
}

var (
	codecCache sync.Map // codecKey → *codec
	compileMu  sync.Mutex
)

var (
	marshalerType   = reflect.TypeFor[Marshaler]()
	unmarshalerType = reflect.TypeFor[Unmarshaler]()
	uint128Type     = reflect.TypeFor[Uint128]()
	int128Type      = reflect.TypeFor[Int128]()
	uint256Type     = reflect.TypeFor[Uint256]()
	int256Type      = reflect.TypeFor[Int256]()
	bitSeqType      = reflect.TypeFor[BitSequence]()
	bigIntType      = reflect.TypeFor[big.Int]()
)

func codecFor(t reflect.Type, compact bool) (*codec, error) {
	key := codecKey{t, compact}
	if c, ok := cachedCodec(key); ok {
		return c, nil
	}
	compileMu.Lock()
	defer compileMu.Unlock()
	b := &builder{made: map[codecKey]*codec{}, active: map[codecKey]bool{}}
	c, err := b.compile(key)
	if err != nil {
		return nil, err
	}
	for k, v := range b.made {
		codecCache.Store(k, v)
	}
	return c, nil
}

// cachedCodec returns the compiled codec of key, if there is one.
func cachedCodec(key codecKey) (*codec, bool) {
	v, ok := codecCache.Load(key)
	if !ok {
		return nil, false
	}
	c, ok := v.(*codec) // the cache holds nothing else
	return c, ok
}

// valueAs returns v's value as a T. Every caller is a codec compiled for T,
// so a mismatch is a bug in this package, never a property of the input.
func valueAs[T any](v reflect.Value) T {
	x, ok := v.Interface().(T)
	if !ok {
		panic(fmt.Sprintf("scale: codec for %s applied to a %s", reflect.TypeFor[T](), v.Type()))
	}
	return x
}

// builder compiles codecs; made holds every codec of this run, active those
// whose build is under way, so a hit there is a recursive type.
type builder struct {
	made   map[codecKey]*codec
	active map[codecKey]bool
}

// compile builds the codec of key.t. Recursive types resolve through the
// placeholder in b.made, which is filled in before any value is coded.
func (b *builder) compile(key codecKey) (*codec, error) {
	if c, ok := cachedCodec(key); ok {
		return c, nil
	}
	if c, ok := b.made[key]; ok {
		if !b.active[key] {
			return c, nil
		}
		// A recursive reference: bound the decoding depth (see Enter).
		return &codec{
			enc: func(e *Encoder, v reflect.Value) error { return c.enc(e, v) },
			dec: func(d *Decoder, v reflect.Value) error {
				if err := d.Enter(); err != nil {
					return err
				}
				defer d.Leave()
				return c.dec(d, v)
			},
		}, nil
	}
	c := &codec{}
	b.made[key] = c
	b.active[key] = true
	err := b.build(c, key.t, key.compact)
	delete(b.active, key)
	if err != nil {
		delete(b.made, key)
		return nil, fmt.Errorf("%w (in %s)", err, key.t)
	}
	return c, nil
}

func unsupported(t reflect.Type, why string) error {
	return fmt.Errorf("%w: %s: %s", ErrUnsupportedType, t, why)
}

func (b *builder) build(c *codec, t reflect.Type, compact bool) error {
	if pt := reflect.PointerTo(t); !compact && t.Kind() != reflect.Pointer && pt.Implements(marshalerType) && pt.Implements(unmarshalerType) {
		buildCustom(c, t)
		return nil
	}
	if compact {
		return b.buildCompact(c, t)
	}
	switch t {
	case uint128Type:
		c.minSize = 16
		c.enc = func(e *Encoder, v reflect.Value) error { e.U128(valueAs[Uint128](v)); return nil }
		c.dec = func(d *Decoder, v reflect.Value) error {
			x, err := d.U128()
			setPair(v, x.Hi, x.Lo)
			return err
		}
		return nil
	case int128Type:
		c.minSize = 16
		c.enc = func(e *Encoder, v reflect.Value) error { e.I128(valueAs[Int128](v)); return nil }
		c.dec = func(d *Decoder, v reflect.Value) error {
			x, err := d.I128()
			setPair(v, x.Hi, x.Lo)
			return err
		}
		return nil
	case uint256Type:
		c.minSize = 32
		c.enc = func(e *Encoder, v reflect.Value) error { e.U256(valueAs[Uint256](v)); return nil }
		c.dec = func(d *Decoder, v reflect.Value) error {
			x, err := d.U256()
			setLimbs(v, x[:])
			return err
		}
		return nil
	case int256Type:
		c.minSize = 32
		c.enc = func(e *Encoder, v reflect.Value) error { e.I256(valueAs[Int256](v)); return nil }
		c.dec = func(d *Decoder, v reflect.Value) error {
			x, err := d.I256()
			setLimbs(v, x[:])
			return err
		}
		return nil
	case bitSeqType:
		c.minSize = 1
		c.enc = func(e *Encoder, v reflect.Value) error {
			return e.BitSequence(valueAs[BitSequence](v), BitStoreU8, Lsb0)
		}
		c.dec = func(d *Decoder, v reflect.Value) error {
			x, err := d.BitSequence(BitStoreU8, Lsb0)
			v.Set(reflect.ValueOf(x))
			return err
		}
		return nil
	}
	switch t.Kind() {
	case reflect.Bool:
		c.minSize = 1
		c.enc = func(e *Encoder, v reflect.Value) error { e.Bool(v.Bool()); return nil }
		c.dec = func(d *Decoder, v reflect.Value) error {
			x, err := d.Bool()
			v.SetBool(x)
			return err
		}
	case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		size := int(t.Size())
		c.minSize = size
		c.enc = func(e *Encoder, v reflect.Value) error { appendFixed(e, v.Uint(), size); return nil }
		c.dec = func(d *Decoder, v reflect.Value) error {
			b, err := d.Next(size)
			if err != nil {
				return err
			}
			v.SetUint(readFixed(b))
			return nil
		}
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		size := int(t.Size())
		shift := 64 - 8*size
		c.minSize = size
		c.enc = func(e *Encoder, v reflect.Value) error {
			appendFixed(e, uint64(v.Int()), size) //nolint:gosec // G115: SCALE stores the two's-complement bits.
			return nil
		}
		c.dec = func(d *Decoder, v reflect.Value) error {
			b, err := d.Next(size)
			if err != nil {
				return err
			}
			// Shift up and back down to sign-extend the narrower integer.
			v.SetInt(int64(readFixed(b)<<shift) >> shift) //nolint:gosec // G115: the reinterpretation is the sign extension.
			return nil
		}
	case reflect.Int, reflect.Uint, reflect.Uintptr:
		return unsupported(t, "int, uint and uintptr have no fixed width; use a sized type")
	case reflect.String:
		c.minSize = 1
		c.enc = func(e *Encoder, v reflect.Value) error { e.Str(v.String()); return nil }
		c.dec = func(d *Decoder, v reflect.Value) error {
			s, err := d.Str()
			v.SetString(s)
			return err
		}
	case reflect.Slice:
		return b.buildSlice(c, t, false)
	case reflect.Array:
		return b.buildArray(c, t, false)
	case reflect.Struct:
		return b.buildStruct(c, t)
	case reflect.Pointer:
		return b.buildPointer(c, t, false)
	default:
		return unsupported(t, "no SCALE mapping for kind "+t.Kind().String())
	}
	return nil
}

// setPair and setLimbs store wide integers field by field: v.Set with a
// reflect.ValueOf would box the value on the heap for every decoded integer.
func setPair(v reflect.Value, hi, lo uint64) {
	v.Field(0).SetUint(hi)
	v.Field(1).SetUint(lo)
}

func setLimbs(v reflect.Value, limbs []uint64) {
	for i, l := range limbs {
		v.Index(i).SetUint(l)
	}
}

func appendFixed(e *Encoder, x uint64, size int) {
	var le [8]byte
	binary.LittleEndian.PutUint64(le[:], x)
	e.buf = append(e.buf, le[:size]...)
}

func readFixed(b []byte) uint64 {
	var x uint64
	for i := len(b) - 1; i >= 0; i-- {
		x = x<<8 | uint64(b[i])
	}
	return x
}

func buildCustom(c *codec, t reflect.Type) {
	c.enc = func(e *Encoder, v reflect.Value) error {
		if m, ok := v.Interface().(Marshaler); ok {
			return m.MarshalSCALE(e)
		}
		if !v.CanAddr() {
			cp := reflect.New(t)
			cp.Elem().Set(v)
			v = cp.Elem()
		}
		return valueAs[Marshaler](v.Addr()).MarshalSCALE(e)
	}
	c.dec = func(d *Decoder, v reflect.Value) error {
		return valueAs[Unmarshaler](v.Addr()).UnmarshalSCALE(d)
	}
}

func (b *builder) buildCompact(c *codec, t reflect.Type) error {
	c.minSize = 1
	switch {
	case t == uint128Type:
		c.enc = func(e *Encoder, v reflect.Value) error { e.CompactU128(valueAs[Uint128](v)); return nil }
		c.dec = func(d *Decoder, v reflect.Value) error {
			x, err := d.CompactU128()
			setPair(v, x.Hi, x.Lo)
			return err
		}
		return nil
	case t.Kind() == reflect.Pointer && t.Elem() == bigIntType:
		c.enc = func(e *Encoder, v reflect.Value) error {
			if v.IsNil() {
				e.Compact(0)
				return nil
			}
			return e.CompactBig(valueAs[*big.Int](v))
		}
		c.dec = func(d *Decoder, v reflect.Value) error {
			x, err := d.CompactBig()
			if err == nil {
				v.Set(reflect.ValueOf(x))
			}
			return err
		}
		return nil
	}
	switch t.Kind() {
	case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uint:
		limit := uint64(1)<<(8*t.Size()) - 1
		if t.Size() == 8 {
			limit = ^uint64(0)
		}
		c.enc = func(e *Encoder, v reflect.Value) error { e.Compact(v.Uint()); return nil }
		c.dec = func(d *Decoder, v reflect.Value) error {
			start := d.Offset()
			x, err := d.Compact()
			if err != nil {
				return err
			}
			if x > limit {
				return fmt.Errorf("%w: compact %d at offset %d does not fit %s", ErrOverflow, x, start, t)
			}
			v.SetUint(x)
			return nil
		}
		return nil
	case reflect.Slice:
		return b.buildSlice(c, t, true)
	case reflect.Array:
		return b.buildArray(c, t, true)
	case reflect.Pointer:
		return b.buildPointer(c, t, true)
	case reflect.Struct:
		// Compact<T> of a single-field wrapper (e.g. Compact<Perbill>) encodes
		// the wrapped integer as compact.
		fields := exportedFields(t)
		if len(fields) == 1 {
			idx := fields[0].Index
			inner, err := b.compile(codecKey{fields[0].Type, true})
			if err != nil {
				return err
			}
			c.enc = func(e *Encoder, v reflect.Value) error { return inner.enc(e, v.FieldByIndex(idx)) }
			c.dec = func(d *Decoder, v reflect.Value) error { return inner.dec(d, v.FieldByIndex(idx)) }
			return nil
		}
	}
	return unsupported(t, "compact needs an unsigned integer, Uint128 or *big.Int")
}

func (b *builder) buildSlice(c *codec, t reflect.Type, compact bool) error {
	c.minSize = 1
	if !compact && t.Elem().Kind() == reflect.Uint8 && !t.Elem().Implements(marshalerType) {
		c.enc = func(e *Encoder, v reflect.Value) error { e.ByteVec(v.Bytes()); return nil }
		c.dec = func(d *Decoder, v reflect.Value) error {
			b, err := d.Bytes()
			if err != nil {
				return err
			}
			v.SetBytes(append([]byte(nil), b...))
			return nil
		}
		return nil
	}
	elem, err := b.compile(codecKey{t.Elem(), compact})
	if err != nil {
		return err
	}
	c.enc = func(e *Encoder, v reflect.Value) error {
		n := v.Len()
		e.Length(n)
		for i := 0; i < n; i++ {
			if err := elem.enc(e, v.Index(i)); err != nil {
				return err
			}
		}
		return nil
	}
	c.dec = func(d *Decoder, v reflect.Value) error {
		n, err := d.Length(elem.minSize)
		if err != nil {
			return err
		}
		// Grow in place: MakeSlice would also allocate a slice header.
		v.SetZero()
		v.Grow(n)
		v.SetLen(n)
		for i := 0; i < n; i++ {
			if err := elem.dec(d, v.Index(i)); err != nil {
				v.SetZero()
				return fmt.Errorf("element %d: %w", i, err)
			}
		}
		return nil
	}
	return nil
}

func (b *builder) buildArray(c *codec, t reflect.Type, compact bool) error {
	n := t.Len()
	if !compact && t.Elem().Kind() == reflect.Uint8 && !t.Elem().Implements(marshalerType) {
		c.minSize = n
		c.enc = func(e *Encoder, v reflect.Value) error {
			for i := 0; i < n; i++ {
				e.buf = append(e.buf, byte(v.Index(i).Uint())) //nolint:gosec // G115: the element kind is uint8.
			}
			return nil
		}
		c.dec = func(d *Decoder, v reflect.Value) error {
			b, err := d.Next(n)
			if err != nil {
				return err
			}
			reflect.Copy(v, reflect.ValueOf(b))
			return nil
		}
		return nil
	}
	elem, err := b.compile(codecKey{t.Elem(), compact})
	if err != nil {
		return err
	}
	c.minSize = n * elem.minSize
	c.enc = func(e *Encoder, v reflect.Value) error {
		for i := 0; i < n; i++ {
			if err := elem.enc(e, v.Index(i)); err != nil {
				return err
			}
		}
		return nil
	}
	c.dec = func(d *Decoder, v reflect.Value) error {
		for i := 0; i < n; i++ {
			if err := elem.dec(d, v.Index(i)); err != nil {
				return fmt.Errorf("element %d: %w", i, err)
			}
		}
		return nil
	}
	return nil
}

func (b *builder) buildPointer(c *codec, t reflect.Type, compact bool) error {
	elem, err := b.compile(codecKey{t.Elem(), compact})
	if err != nil {
		return err
	}
	c.minSize = 1
	c.enc = func(e *Encoder, v reflect.Value) error {
		if v.IsNil() {
			e.Option(false)
			return nil
		}
		e.Option(true)
		return elem.enc(e, v.Elem())
	}
	c.dec = func(d *Decoder, v reflect.Value) error {
		some, err := d.Option()
		if err != nil {
			return err
		}
		if !some {
			v.SetZero()
			return nil
		}
		p := reflect.New(t.Elem())
		if err := elem.dec(d, p.Elem()); err != nil {
			return err
		}
		v.Set(p)
		return nil
	}
	return nil
}

// Tag holds the parsed `scale` struct tag: `scale:"name,compact"`.
type Tag struct {
	Name    string // field name in metadata (empty: derived from the Go name)
	Compact bool   // encode as Compact<T> in the static codec
	Skip    bool   // `scale:"-"`
}

// ParseTag parses a `scale` struct tag value.
func ParseTag(tag string) Tag {
	if tag == "-" {
		return Tag{Skip: true}
	}
	name, opts, _ := strings.Cut(tag, ",")
	t := Tag{Name: name}
	for opts != "" {
		var opt string
		opt, opts, _ = strings.Cut(opts, ",")
		if opt == "compact" {
			t.Compact = true
		}
	}
	return t
}

func exportedFields(t reflect.Type) []reflect.StructField {
	var out []reflect.StructField
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if ParseTag(f.Tag.Get("scale")).Skip {
			continue
		}
		out = append(out, f)
	}
	return out
}

type fieldCodec struct {
	index int
	name  string
	c     *codec
}

func (b *builder) buildStruct(c *codec, t reflect.Type) error {
	var fields []fieldCodec
	for _, f := range exportedFields(t) {
		if !f.IsExported() {
			return unsupported(t, "unexported field "+f.Name+" (tag it `scale:\"-\"` to skip)")
		}
		tag := ParseTag(f.Tag.Get("scale"))
		fc, err := b.compile(codecKey{f.Type, tag.Compact})
		if err != nil {
			return fmt.Errorf("field %s: %w", f.Name, err)
		}
		fields = append(fields, fieldCodec{index: f.Index[0], name: f.Name, c: fc})
		c.minSize += fc.minSize
	}
	c.enc = func(e *Encoder, v reflect.Value) error {
		for _, f := range fields {
			if err := f.c.enc(e, v.Field(f.index)); err != nil {
				return fmt.Errorf("%s.%s: %w", t.Name(), f.name, err)
			}
		}
		return nil
	}
	c.dec = func(d *Decoder, v reflect.Value) error {
		for _, f := range fields {
			if err := f.c.dec(d, v.Field(f.index)); err != nil {
				return fmt.Errorf("%s.%s: %w", t.Name(), f.name, err)
			}
		}
		return nil
	}
	return nil
}

// Result is a SCALE Result<T, E>: tag 0 ‖ T when Err is nil, tag 1 ‖ E
// otherwise. Its halves are coded with the static codec.
type Result[T, E any] struct {
	Ok  T
	Err *E
}

// MarshalSCALE implements Marshaler.
func (r Result[T, E]) MarshalSCALE(e *Encoder) error {
	e.Result(r.Err == nil)
	if r.Err == nil {
		return e.Encode(r.Ok)
	}
	return e.Encode(*r.Err)
}

// UnmarshalSCALE implements Unmarshaler.
func (r *Result[T, E]) UnmarshalSCALE(d *Decoder) error {
	ok, err := d.Result()
	if err != nil {
		return err
	}
	*r = Result[T, E]{}
	if ok {
		return d.Decode(&r.Ok)
	}
	r.Err = new(E)
	return d.Decode(r.Err)
}
