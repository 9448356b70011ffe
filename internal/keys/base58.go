package keys

// Base58 (Bitcoin alphabet) for the short inputs SS58 needs, on fixed-size
// stack buffers: SS58 encoding runs for every hotkey of every neuron listing,
// so it must not allocate beyond the returned string.

const b58Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

// b58Index maps an ASCII byte to its digit value, or 0xFF when it is not in the alphabet.
var b58Index = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xFF
	}
	for i := 0; i < len(b58Alphabet); i++ {
		t[b58Alphabet[i]] = byte(i)
	}
	return t
}()

const (
	// b58Limb is 58^5: encoding works on limbs of five base58 digits, which
	// keeps a limb below 2^30 so limb<<32 plus a carry fits in a uint64.
	b58Limb = 58 * 58 * 58 * 58 * 58
	// b58MaxIn bounds the input of appendBase58 (SS58 needs at most 36 bytes).
	b58MaxIn = 40
)

// appendBase58 appends the base58 encoding of src (at most b58MaxIn bytes) to dst.
func appendBase58(dst, src []byte) []byte {
	if len(src) > b58MaxIn {
		panic("keys: appendBase58 input too long")
	}
	zeros := 0
	for zeros < len(src) && src[zeros] == 0 {
		zeros++
	}
	// limbs holds the number in base 58^5, least significant limb first.
	// 40 bytes = 320 bits < 12 limbs · 29.29 bits.
	var limbs [12]uint32
	n := 0
	rest := src[zeros:]
	// Feed the number in big-endian 32-bit words; the first word takes the
	// len%4 leading bytes so the remaining ones are whole.
	first := len(rest) % 4
	if first == 0 {
		first = 4
	}
	for len(rest) > 0 {
		take := first
		first = 4
		if take > len(rest) {
			take = len(rest)
		}
		var w uint64
		for _, b := range rest[:take] {
			w = w<<8 | uint64(b)
		}
		rest = rest[take:]
		shift := uint(8 * take)
		carry := w
		for j := 0; j < n; j++ {
			t := uint64(limbs[j])<<shift + carry
			limbs[j] = uint32(t % b58Limb)
			carry = t / b58Limb
		}
		for carry > 0 {
			limbs[n] = uint32(carry % b58Limb)
			carry /= b58Limb
			n++
		}
	}
	// Render the digits most significant first into a stack buffer.
	var out [b58MaxIn*138/100 + 1 + 5]byte
	o := len(out)
	for j := 0; j < n; j++ {
		v := limbs[j]
		for k := 0; k < 5; k++ {
			o--
			out[o] = b58Alphabet[v%58]
			v /= 58
		}
	}
	// Drop the leading zero digits the last limb padded in.
	for o < len(out) && out[o] == '1' {
		o++
	}
	for range zeros {
		dst = append(dst, '1')
	}
	return append(dst, out[o:]...)
}

// decodeBase58 decodes s into dst and returns the decoded length. It fails on
// characters outside the alphabet and when the result does not fit in dst, so
// an attacker-chosen string never makes it allocate.
func decodeBase58[T string | []byte](dst []byte, s T) (int, bool) {
	// Every character carries less than 6 bits: a string longer than this
	// cannot fit in dst, and rejecting it early bounds the work.
	if len(s) > len(dst)*138/100+1 {
		return 0, false
	}
	zeros := 0
	for zeros < len(s) && s[zeros] == '1' {
		zeros++
	}
	// limbs: the number in base 2^32, least significant first; dst is at most
	// ss58MaxRaw bytes in practice, 16 limbs cover 64 bytes.
	var limbs [16]uint32
	maxLimbs := (len(dst) + 3) / 4
	if maxLimbs > len(limbs) {
		return 0, false
	}
	n := 0
	for i := zeros; i < len(s); i++ {
		d := b58Index[s[i]]
		if d == 0xFF {
			return 0, false
		}
		carry := uint64(d)
		for j := 0; j < n; j++ {
			t := uint64(limbs[j])*58 + carry
			limbs[j] = uint32(t & 0xFFFFFFFF) // the low limb; the high bits carry
			carry = t >> 32
		}
		if carry > 0 {
			if n == maxLimbs {
				return 0, false
			}
			limbs[n] = uint32(carry)
			n++
		}
	}
	// Big-endian bytes of the number without leading zeros.
	var tmp [64]byte
	t := len(tmp)
	for j := 0; j < n; j++ {
		v := limbs[j]
		for k := 0; k < 4; k++ {
			t--
			tmp[t] = byte(v)
			v >>= 8
		}
	}
	for t < len(tmp) && tmp[t] == 0 {
		t++
	}
	size := zeros + len(tmp) - t
	if size > len(dst) {
		return 0, false
	}
	for i := range zeros {
		dst[i] = 0
	}
	copy(dst[zeros:], tmp[t:])
	return size, true
}
