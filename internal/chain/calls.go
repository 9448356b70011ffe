package chain

import (
	"context"
	"fmt"

	"github.com/pylon-go/pylon/internal/chain/metadata"
)

// RuntimeCall calls the runtime-API method api_method (e.g. "Core", "version") at block at with args
// encoded as the method's declared inputs, and decodes the answer into dst as its declared output (see
// metadata.RuntimeAPIMethod: an output declared as Vec<u8>, as older runtimes declared every result, is
// unwrapped and decoded with dst's `scale` tags; a typed output fills dst by field name). dst may be nil to
// discard the answer.
//
// The method is looked up in the runtime of block at (Runtime), which is the code that runs the call. A
// runtime without it gives an error wrapping ErrNotInRuntime that names the method and the spec version; so
// does a runtime whose metadata is only V14, which does not describe runtime APIs (use RuntimeCallRaw then).
func (c *Client) RuntimeCall(ctx context.Context, at Hash, api, method string, dst any, args ...any) error {
	rt, err := c.Runtime(ctx, at)
	if err != nil {
		return err
	}
	m, err := RuntimeAPIMethod(rt, api, method)
	if err != nil {
		return err
	}
	in, err := m.EncodeArgs(args...)
	if err != nil {
		return fmt.Errorf("chain: %s_%s arguments: %w", api, method, err)
	}
	out, err := c.RuntimeCallRaw(ctx, at, m.FullName(), in)
	if err != nil {
		return err
	}
	if dst == nil {
		return nil
	}
	if err := m.DecodeResult(out, dst); err != nil {
		return fmt.Errorf("chain: %s_%s result at %s (spec %d): %w", api, method, at, rt.SpecVersion, err)
	}
	return nil
}

// RuntimeAPIMethod looks up a runtime-API method in rt's metadata, with an error wrapping ErrNotInRuntime
// that names the method and spec version when the runtime lacks it.
func RuntimeAPIMethod(rt *Runtime, api, method string) (*metadata.RuntimeAPIMethod, error) {
	if rt.Metadata.Version < 15 {
		if _, ok := rt.APIVersion(api); !ok {
			return nil, fmt.Errorf("%w: spec %d has no runtime API %s", ErrNotInRuntime, rt.SpecVersion, api)
		}
		return nil, fmt.Errorf("%w: spec %d serves only V%d metadata, which does not describe runtime API %s_%s; use RuntimeCallRaw",
			ErrNotInRuntime, rt.SpecVersion, rt.Metadata.Version, api, method)
	}
	m, err := rt.Metadata.RuntimeAPIMethod(api, method)
	if err != nil {
		return nil, fmt.Errorf("%w: spec %d has no runtime API method %s_%s: %w", ErrNotInRuntime, rt.SpecVersion, api, method, err)
	}
	return m, nil
}

// RuntimeCallRaw runs the runtime-API method named name ("Api_method", the state_call name) at block at with
// already encoded arguments and returns the encoded answer. Nothing is checked against the metadata: a method
// the runtime lacks fails on the node, and the node's error (*rpc.Error) is wrapped with the method and block.
func (c *Client) RuntimeCallRaw(ctx context.Context, at Hash, name string, args []byte) ([]byte, error) {
	out, err := c.stateCall(ctx, at, name, args)
	if err != nil {
		return nil, fmt.Errorf("chain: runtime call %s at %s: %w", name, at, err)
	}
	return out, nil
}

// Events returns the events of block at (System.Events), decoded with the runtime that executed the block
// (BlockRuntime): in a block that upgrades the runtime, the events were emitted, and are encoded, by the old
// runtime.
func (c *Client) Events(ctx context.Context, at Hash) ([]metadata.EventRecord, error) {
	rt, err := c.BlockRuntime(ctx, at)
	if err != nil {
		return nil, err
	}
	e, err := rt.Metadata.EventsEntry()
	if err != nil {
		return nil, fmt.Errorf("%w: System.Events at block %s (spec %d): %w", ErrNotInRuntime, at, rt.SpecVersion, err)
	}
	raw, found, err := c.StorageRaw(ctx, at, e.Prefix())
	if err != nil || !found {
		return nil, err
	}
	events, err := rt.Metadata.DecodeEvents(raw)
	if err != nil {
		return nil, fmt.Errorf("chain: events of block %s (spec %d): %w", at, rt.SpecVersion, err)
	}
	return events, nil
}

// ExtrinsicEvents returns the events emitted while applying extrinsic index of their block (phase
// ApplyExtrinsic(index)), in order. The index is the extrinsic's position in Block.Extrinsics (see
// Block.FindExtrinsic).
func ExtrinsicEvents(events []metadata.EventRecord, index uint32) []metadata.EventRecord {
	var out []metadata.EventRecord
	for _, e := range events {
		if e.Phase.Kind == metadata.PhaseApplyExtrinsic && e.Phase.ExtrinsicIndex == index {
			out = append(out, e)
		}
	}
	return out
}
