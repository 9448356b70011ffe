package metadata

import (
	"fmt"
	"reflect"

	"github.com/pylon-go/pylon/internal/chain/scale"
)

// EncodeArgs encodes the method's inputs, in declaration order, from Go
// values (see Registry.Encode), giving the state_call argument bytes.
func (mm *RuntimeAPIMethod) EncodeArgs(args ...any) ([]byte, error) {
	if len(args) != len(mm.Inputs) {
		return nil, fmt.Errorf("%w: %s takes %d arguments, got %d", ErrTypeMismatch, mm.FullName(), len(mm.Inputs), len(args))
	}
	var e scale.Encoder
	for i, arg := range args {
		in := mm.Inputs[i]
		if err := mm.md.Types.EncodeTo(&e, in.Type, arg); err != nil {
			return nil, fmt.Errorf("%s argument %s: %w", mm.FullName(), in.Name, err)
		}
	}
	return e.Bytes(), nil
}

// ResultIsOpaqueBytes reports whether the declared output is a byte vector
// (Vec<u8>): older runtimes returned every result SCALE-encoded inside one.
func (mm *RuntimeAPIMethod) ResultIsOpaqueBytes() bool {
	return mm.md.Types.isByteSequence(mm.Output)
}

var typeBytes = reflect.TypeFor[[]byte]()

// DecodeResult decodes a state_call result into dst.
//
// Normally the result is decoded through the declared output type (see
// Registry.DecodeInto). When the declared output is a byte vector but dst is
// not a []byte or string, the runtime predates typed runtime-API outputs and
// wrapped the real value in Vec<u8>: the one compact length prefix is removed
// and the inner bytes are decoded with the static codec (scale.Unmarshal) of
// dst's Go type, whose `scale` tags must then describe the layout. The choice
// rests on the declared type alone, never on a spec version.
func (mm *RuntimeAPIMethod) DecodeResult(b []byte, dst any) error {
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("%w: DecodeResult needs a non-nil pointer, got %T", ErrTypeMismatch, dst)
	}
	et := rv.Type().Elem()
	wantsBytes := et == typeBytes || et.Kind() == reflect.String || et == typeAny
	if mm.ResultIsOpaqueBytes() && !wantsBytes {
		if err := DecodeOpaqueResult(b, dst); err != nil {
			return fmt.Errorf("%s: %w", mm.FullName(), err)
		}
		return nil
	}
	if err := mm.md.Types.DecodeInto(mm.Output, b, dst); err != nil {
		return fmt.Errorf("%s: %w", mm.FullName(), err)
	}
	return nil
}

// DecodeOpaqueResult strips the compact length prefix of a Vec<u8>-wrapped
// result, checks that it covers exactly the rest, and decodes the inner bytes
// into dst with the static codec. It is the path DecodeResult takes for
// byte-vector outputs and is exported for callers that lack V15 metadata.
func DecodeOpaqueResult(b []byte, dst any) error {
	d := scale.NewDecoder(b)
	inner, err := d.Bytes()
	if err != nil {
		return fmt.Errorf("opaque result: %w", err)
	}
	if err := d.Finish(); err != nil {
		return fmt.Errorf("opaque result: %w", err)
	}
	if err := scale.Unmarshal(inner, dst); err != nil {
		return fmt.Errorf("opaque result: %w", err)
	}
	return nil
}

// Encode returns the call's encoding: pallet index ‖ call index ‖ arguments
// in declaration order, each encoded from a Go value as its declared type.
func (c *Call) Encode(args ...any) ([]byte, error) {
	if len(args) != len(c.Args) {
		return nil, fmt.Errorf("%w: %s.%s takes %d arguments, got %d", ErrTypeMismatch, c.Pallet.Name, c.Name, len(c.Args), len(args))
	}
	idx := c.Index()
	e := scale.NewEncoder(idx[:])
	r := c.Pallet.md.Types
	for i, a := range c.Args {
		if err := r.EncodeTo(e, a.Type, args[i]); err != nil {
			return nil, fmt.Errorf("%s.%s argument %s: %w", c.Pallet.Name, c.Name, a.Name, err)
		}
	}
	return e.Bytes(), nil
}

// EncodeNamed is Encode with arguments given by name; every argument must be
// present and no others.
func (c *Call) EncodeNamed(args map[string]any) ([]byte, error) {
	if len(args) != len(c.Args) {
		return nil, fmt.Errorf("%w: %s.%s takes %d arguments, got %d", ErrTypeMismatch, c.Pallet.Name, c.Name, len(c.Args), len(args))
	}
	ordered := make([]any, len(c.Args))
	for i, a := range c.Args {
		v, ok := args[a.Name]
		if !ok {
			return nil, fmt.Errorf("%w: %s.%s argument %s missing", ErrTypeMismatch, c.Pallet.Name, c.Name, a.Name)
		}
		ordered[i] = v
	}
	return c.Encode(ordered...)
}
