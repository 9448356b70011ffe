package extrinsic

import (
	"fmt"

	"github.com/pylon-go/pylon/internal/chain/metadata"
)

// Call names a runtime call and its arguments. It is encoded only when an extrinsic is built, against the
// metadata of the runtime the extrinsic is signed for, so a call written once keeps its meaning across
// runtime upgrades that move call indices or change argument types.
type Call struct {
	// Pallet and Name are as in the metadata, e.g. "SubtensorModule" and "set_weights".
	Pallet string
	Name   string
	// Args are the arguments in declaration order (see metadata.Registry.Encode for the Go values
	// accepted). Ignored when Named is set.
	Args []any
	// Named, when not nil, gives the arguments by name instead; every argument must be present.
	Named map[string]any
}

// NewCall is a Call with positional arguments.
func NewCall(pallet, name string, args ...any) Call {
	return Call{Pallet: pallet, Name: name, Args: args}
}

// NewNamedCall is a Call with arguments by name.
func NewNamedCall(pallet, name string, args map[string]any) Call {
	if args == nil {
		args = map[string]any{}
	}
	return Call{Pallet: pallet, Name: name, Named: args}
}

// String returns "Pallet.name", the label the call's metrics carry.
func (c Call) String() string { return c.Pallet + "." + c.Name }

// Encode returns the call's SCALE encoding for the runtime described by md: pallet index ‖ call index ‖
// arguments. A pallet or call the runtime lacks wraps metadata.ErrNotFound; arguments that do not fit their
// declared types wrap metadata.ErrTypeMismatch.
func (c Call) Encode(md *metadata.Metadata) ([]byte, error) {
	mc, err := md.Call(c.Pallet, c.Name)
	if err != nil {
		return nil, fmt.Errorf("extrinsic: call %s: %w", c, err)
	}
	var b []byte
	if c.Named != nil {
		b, err = mc.EncodeNamed(c.Named)
	} else {
		b, err = mc.Encode(c.Args...)
	}
	if err != nil {
		return nil, fmt.Errorf("extrinsic: encoding %s: %w", c, err)
	}
	return b, nil
}
