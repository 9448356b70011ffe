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
// The package is pure: bytes in, values out. It knows Substrate's FRAME
// conventions (System.Events, DispatchError) but no chain-specific names.
package metadata
