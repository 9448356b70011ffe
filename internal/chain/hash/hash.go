// Package hash owns the hash functions Substrate uses for storage keys and
// block and extrinsic hashes: BLAKE2b with 128- and 256-bit digests and the
// xxHash64-based "twox" family.
package hash

import (
	"encoding/binary"

	"github.com/cespare/xxhash/v2"
	"golang.org/x/crypto/blake2b"
)

// Blake2_256 returns the 32-byte BLAKE2b digest of b (block, extrinsic and
// storage hashes).
func Blake2_256(b []byte) [32]byte { return blake2b.Sum256(b) }

// Blake2_128 returns the 16-byte BLAKE2b digest of b (a BLAKE2b instance with
// a 16-byte output, not a truncated 256-bit digest).
func Blake2_128(b []byte) [16]byte {
	h, err := blake2b.New(16, nil)
	if err != nil {
		// Unreachable: 16 is a valid size and there is no key.
		panic(err)
	}
	h.Write(b)
	var out [16]byte
	h.Sum(out[:0])
	return out
}

// Twox64 returns xxHash64 of b with seed 0, little-endian.
func Twox64(b []byte) [8]byte {
	var out [8]byte
	binary.LittleEndian.PutUint64(out[:], xxhash.Sum64(b))
	return out
}

// Twox128 returns xxHash64 of b with seeds 0 and 1, each little-endian,
// concatenated (storage prefixes of pallets and items).
func Twox128(b []byte) [16]byte {
	var out [16]byte
	twox(b, out[:])
	return out
}

// Twox256 returns xxHash64 of b with seeds 0 to 3, each little-endian,
// concatenated.
func Twox256(b []byte) [32]byte {
	var out [32]byte
	twox(b, out[:])
	return out
}

func twox(b, out []byte) {
	for seed := 0; seed*8 < len(out); seed++ {
		d := xxhash.NewWithSeed(uint64(seed))
		_, _ = d.Write(b)
		binary.LittleEndian.PutUint64(out[seed*8:], d.Sum64())
	}
}
