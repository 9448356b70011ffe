package scale

import (
	"fmt"
	"math/big"
)

// Integers wider than 64 bits are small fixed value types rather than *big.Int:
// balances and fixed-point numbers (U64F64) are u128 and appear thousands of
// times in a single runtime-API answer, and a value type decodes without a heap
// allocation. Big converts to math/big for arithmetic and printing.

// Uint128 is an unsigned 128-bit integer (SCALE u128).
type Uint128 struct {
	Hi, Lo uint64
}

// Int128 is a signed 128-bit integer (SCALE i128) in two's complement.
type Int128 struct {
	Hi, Lo uint64
}

// Uint256 is an unsigned 256-bit integer (SCALE u256); element 0 holds the
// least significant 64 bits.
type Uint256 [4]uint64

// Int256 is a signed 256-bit integer (SCALE i256) in two's complement; element 0
// holds the least significant 64 bits.
type Int256 [4]uint64

var (
	two128 = new(big.Int).Lsh(big.NewInt(1), 128)
	two256 = new(big.Int).Lsh(big.NewInt(1), 256)
)

// limbsToBig interprets little-endian 64-bit limbs as an unsigned integer.
func limbsToBig(limbs []uint64) *big.Int {
	n := new(big.Int)
	for i := len(limbs) - 1; i >= 0; i-- {
		n.Lsh(n, 64)
		n.Or(n, new(big.Int).SetUint64(limbs[i]))
	}
	return n
}

// bigToLimbs writes a non-negative n < 2^(64*len(limbs)) into limbs.
func bigToLimbs(n *big.Int, limbs []uint64) {
	rest := new(big.Int).Set(n)
	mask := new(big.Int).SetUint64(^uint64(0))
	for i := range limbs {
		limbs[i] = new(big.Int).And(rest, mask).Uint64()
		rest.Rsh(rest, 64)
	}
}

// Uint128From64 returns v as a Uint128.
func Uint128From64(v uint64) Uint128 { return Uint128{Lo: v} }

// Big returns u as a new big.Int.
func (u Uint128) Big() *big.Int { return limbsToBig([]uint64{u.Lo, u.Hi}) }

// IsUint64 reports whether u fits in a uint64.
func (u Uint128) IsUint64() bool { return u.Hi == 0 }

// String returns u in decimal.
func (u Uint128) String() string { return u.Big().String() }

// Uint128FromBig converts n, failing with ErrOverflow outside [0, 2^128).
func Uint128FromBig(n *big.Int) (Uint128, error) {
	if n.Sign() < 0 || n.Cmp(two128) >= 0 {
		return Uint128{}, fmt.Errorf("%w: %s does not fit u128", ErrOverflow, n)
	}
	var l [2]uint64
	bigToLimbs(n, l[:])
	return Uint128{Lo: l[0], Hi: l[1]}, nil
}

// Int128From64 returns v as an Int128.
func Int128From64(v int64) Int128 {
	return Int128{Lo: uint64(v), Hi: uint64(v >> 63)} //nolint:gosec // G115: two's complement, sign-extended into Hi.
}

// Big returns i as a new big.Int.
func (i Int128) Big() *big.Int {
	n := limbsToBig([]uint64{i.Lo, i.Hi})
	if i.Hi>>63 == 1 { // the sign bit
		n.Sub(n, two128)
	}
	return n
}

// String returns i in decimal.
func (i Int128) String() string { return i.Big().String() }

// Int128FromBig converts n, failing with ErrOverflow outside [-2^127, 2^127).
func Int128FromBig(n *big.Int) (Int128, error) {
	half := new(big.Int).Rsh(two128, 1)
	if n.Cmp(half) >= 0 || n.Cmp(new(big.Int).Neg(half)) < 0 {
		return Int128{}, fmt.Errorf("%w: %s does not fit i128", ErrOverflow, n)
	}
	m := new(big.Int).Set(n)
	if m.Sign() < 0 {
		m.Add(m, two128)
	}
	var l [2]uint64
	bigToLimbs(m, l[:])
	return Int128{Lo: l[0], Hi: l[1]}, nil
}

// Big returns u as a new big.Int.
func (u Uint256) Big() *big.Int { return limbsToBig(u[:]) }

// String returns u in decimal.
func (u Uint256) String() string { return u.Big().String() }

// Uint256FromBig converts n, failing with ErrOverflow outside [0, 2^256).
func Uint256FromBig(n *big.Int) (Uint256, error) {
	var u Uint256
	if n.Sign() < 0 || n.Cmp(two256) >= 0 {
		return u, fmt.Errorf("%w: %s does not fit u256", ErrOverflow, n)
	}
	bigToLimbs(n, u[:])
	return u, nil
}

// Big returns i as a new big.Int.
func (i Int256) Big() *big.Int {
	n := limbsToBig(i[:])
	if i[3]>>63 == 1 { // the sign bit
		n.Sub(n, two256)
	}
	return n
}

// String returns i in decimal.
func (i Int256) String() string { return i.Big().String() }

// Int256FromBig converts n, failing with ErrOverflow outside [-2^255, 2^255).
func Int256FromBig(n *big.Int) (Int256, error) {
	var i Int256
	half := new(big.Int).Rsh(two256, 1)
	if n.Cmp(half) >= 0 || n.Cmp(new(big.Int).Neg(half)) < 0 {
		return i, fmt.Errorf("%w: %s does not fit i256", ErrOverflow, n)
	}
	m := new(big.Int).Set(n)
	if m.Sign() < 0 {
		m.Add(m, two256)
	}
	bigToLimbs(m, i[:])
	return i, nil
}
