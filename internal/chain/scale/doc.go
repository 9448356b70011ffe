// Package scale owns the SCALE codec (Simple Concatenated Aggregate Little-Endian),
// the wire format of Substrate chains: fixed-width integers up to 256 bits,
// compact integers (all four modes, up to 2^536-1), bool, Option, Result,
// vectors, fixed arrays, tuples, enums, strings, byte vectors and bit sequences.
//
// Three layers are offered:
//
//   - [Decoder] reads typed values from a byte slice and reports every
//     malformed or truncated input as an error; it never panics and never
//     allocates more than the remaining input justifies (a length prefix larger
//     than the remaining input is [ErrLengthTooLarge]).
//   - [Encoder] appends values to a byte slice.
//   - [Marshal] and [Unmarshal] map Go types onto SCALE by reflection, for small
//     payloads whose layout is fixed and known in advance. Struct fields are
//     encoded in declaration order; the `scale` struct tag selects the compact
//     encoding (`scale:",compact"`) or excludes a field (`scale:"-"`). The first
//     tag element is a field name, ignored here and used by the metadata-driven
//     decoder of package metadata.
//
// Integers wider than 64 bits are the fixed value types Uint128, Int128,
// Uint256 and Int256 rather than *big.Int: u128 balances and fixed-point
// numbers occur thousands of times in one runtime-API answer, and a value type
// decodes without a heap allocation; Big converts for arithmetic. Compact
// integers beyond 128 bits (up to 2^536-1) decode to *big.Int.
//
// Decoding is strict where the chain's own codec (parity-scale-codec) is:
// non-canonical compacts, bool and Option tags other than 0/1, invalid UTF-8
// and trailing input are errors, so a value has exactly one encoding and
// decode-then-encode reproduces the input.
//
// The package knows nothing about runtime metadata: layouts that change with
// runtime upgrades are decoded through package metadata instead.
package scale
