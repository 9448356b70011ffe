package extrinsic

import (
	"math/big"

	"golang.org/x/crypto/blake2b"

	"github.com/pylon-go/pylon/internal/chain/metadata"
)

// defaultSS58Prefix is the generic Substrate prefix, used when a runtime has no System.SS58Prefix constant.
const defaultSS58Prefix = 42

// ss58 renders an account as an SS58 address, the only form system_accountNextIndex accepts on a real node
// (AccountId32 deserialises from SS58 text). The chain layer must not import internal/keys, and asking every
// caller for the address besides the Signer would let the two disagree, so the few lines live here; the
// prefix comes from the runtime's System.SS58Prefix constant. Tests check it against internal/keys.
func ss58(pub [32]byte, prefix uint16) string {
	var b []byte
	if prefix < 64 {
		b = append(b, byte(prefix))
	} else {
		// Two-byte form (prefixes 64…16383), as in sp-core's to_ss58check_with_version.
		b = append(b, byte((prefix&0xfc)>>2)|0x40, byte(prefix>>8)|byte((prefix&3)<<6))
	}
	b = append(b, pub[:]...)
	h := blake2b.Sum512(append([]byte("SS58PRE"), b...))
	return base58(append(b, h[:2]...))
}

const base58Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

// base58 encodes b in Bitcoin's base58 alphabet: leading zero bytes become '1's.
func base58(b []byte) string {
	n := new(big.Int).SetBytes(b)
	radix, mod := big.NewInt(58), new(big.Int)
	var out []byte
	for n.Sign() > 0 {
		n.DivMod(n, radix, mod)
		out = append(out, base58Alphabet[mod.Int64()])
	}
	for _, c := range b {
		if c != 0 {
			break
		}
		out = append(out, '1')
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return string(out)
}

// ss58Prefix is the runtime's address prefix (System.SS58Prefix), or the generic one if it declares none.
func ss58Prefix(md *metadata.Metadata) uint16 {
	c, err := md.Constant("System", "SS58Prefix")
	if err != nil {
		return defaultSS58Prefix
	}
	var p uint16
	if err := c.Decode(&p); err != nil {
		return defaultSS58Prefix
	}
	return p
}
