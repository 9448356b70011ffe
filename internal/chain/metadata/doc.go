// Package metadata owns Substrate runtime metadata (RuntimeMetadataPrefixed,
// versions 14 and 15) and everything that is decoded or encoded through it:
// the portable type registry, pallets with their storage entries, calls,
// events, constants and errors, the extrinsic description with its signed
// extensions, V15 runtime APIs and outer enums.
//
// On top of the registry it provides:
//
//   - a dynamic decoder from any type id to a small value tree (Composite,
//     Variant, Sequence, primitives) and an encoder from Go values to any type
//     id, used for call and runtime-API arguments;
//   - [Registry.DecodeInto], which fills Go structs by field name through a
//     compiled, cached plan per (type id, Go type) — the hot path for large
//     runtime-API answers;
//   - storage key construction and decoding for every hasher, storage value
//     decoding with defaults;
//   - System.Events decoding and DispatchError resolution;
//   - runtime-API argument encoding and result decoding, including results
//     that older runtimes wrapped in Vec<u8>.
//
// Design notes. A decoded Metadata is immutable and safe for concurrent use;
// callers cache one per runtime spec version. Lookups by name (pallets, calls,
// storage entries, constants, "Api_method" runtime-API names) and by index
// (pallets, errors) are indexed once in Decode. DecodeInto compiles a plan per
// (type id, Go type) that writes through unsafe pointers at precomputed field
// offsets and skips unknown fields with precomputed skippers, so the hot path
// builds no intermediate value tree; the generic tree (Registry.Decode) exists
// for raw-data endpoints, events and tooling, and costs several times more.
// Metadata is treated as untrusted input like any other bytes: lengths are
// bounded by the remaining input, references to unknown type ids and types
// that contain themselves without an intervening length or tag are rejected,
// and recursion depth is bounded.
//
// The package is pure: bytes in, values out. It knows Substrate's FRAME
// conventions (System.Events, DispatchError) but no chain-specific names.
package metadata
