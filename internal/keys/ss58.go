package keys

import (
	"encoding/hex"
	"fmt"

	"golang.org/x/crypto/blake2b"
)

// SS58Prefix is Bittensor's SS58 network prefix (the generic Substrate one).
const SS58Prefix = 42

// maxSS58Prefix is the largest prefix SS58 can express (14 bits).
const maxSS58Prefix = 16383

// AccountID is a 32-byte AccountId32 (an sr25519 public key for wallets).
// Any 32 bytes form a valid AccountId32: there is no curve check.
//
// Its text form (String, MarshalText, JSON) is the SS58 address with prefix 42;
// UnmarshalText accepts only prefix 42, the policy for requests and configuration.
type AccountID [32]byte

// String returns the SS58 address with prefix 42.
func (a AccountID) String() string {
	var buf [ss58MaxLen]byte
	return string(appendSS58(buf[:0], SS58Prefix, &a))
}

// AppendText appends the SS58 address (prefix 42); it implements
// encoding.TextAppender so encoders can avoid an intermediate string.
func (a AccountID) AppendText(b []byte) ([]byte, error) {
	return appendSS58(b, SS58Prefix, &a), nil
}

// MarshalText returns the SS58 address (prefix 42).
func (a AccountID) MarshalText() ([]byte, error) {
	return appendSS58(make([]byte, 0, ss58MaxLen), SS58Prefix, &a), nil
}

// UnmarshalText parses an SS58 address with prefix 42 (see ParseAccountID).
func (a *AccountID) UnmarshalText(text []byte) error {
	id, err := parseAccountID(text)
	if err != nil {
		return err
	}
	*a = id
	return nil
}

// Hex returns the account as "0x" followed by 64 lowercase hex digits, the
// form keyfiles and polkadot-js use.
func (a AccountID) Hex() string {
	var buf [66]byte
	buf[0], buf[1] = '0', 'x'
	hex.Encode(buf[2:], a[:])
	return string(buf[:])
}

// IsZero reports whether all 32 bytes are zero (an unset AccountID).
func (a AccountID) IsZero() bool { return a == AccountID{} }

// ParseAccountID decodes an SS58 address and accepts it only with prefix 42.
// A well-formed address of another network fails with ErrAddressFormat; a
// malformed one with ErrInvalidAddress.
func ParseAccountID(address string) (AccountID, error) {
	return parseAccountID(address)
}

func parseAccountID[T string | []byte](address T) (AccountID, error) {
	prefix, id, err := decodeSS58(address)
	if err != nil {
		return AccountID{}, err
	}
	if prefix != SS58Prefix {
		return AccountID{}, fmt.Errorf("%w: prefix %d, want %d", ErrAddressFormat, prefix, SS58Prefix)
	}
	return id, nil
}

// EncodeSS58 encodes a 32-byte public key with any SS58 prefix (0…16383,
// except the reserved 46 and 47). Prefixes of 64 and above use the two-byte form.
func EncodeSS58(pub [32]byte, prefix uint16) (string, error) {
	if err := checkPrefix(prefix); err != nil {
		return "", err
	}
	var buf [ss58MaxLen]byte
	id := AccountID(pub)
	return string(appendSS58(buf[:0], prefix, &id)), nil
}

// DecodeSS58 decodes an SS58 address carrying a 32-byte public key and returns
// its prefix. It checks the alphabet, the length, the checksum and rejects the
// reserved prefixes 46 and 47 and prefixes below 64 spelled in the two-byte
// form. It does not enforce a network: see ParseAccountID.
func DecodeSS58(address string) (prefix uint16, pub [32]byte, err error) {
	p, id, err := decodeSS58(address)
	return p, [32]byte(id), err
}

// ValidSS58 reports whether address is a well-formed SS58 address of a 32-byte
// key with any prefix.
func ValidSS58(address string) bool {
	_, _, err := decodeSS58(address)
	return err == nil
}

func checkPrefix(prefix uint16) error {
	if prefix > maxSS58Prefix {
		return fmt.Errorf("%w: prefix %d exceeds %d", ErrInvalidAddress, prefix, maxSS58Prefix)
	}
	if prefix == 46 || prefix == 47 {
		return fmt.Errorf("%w: prefix %d is reserved", ErrInvalidAddress, prefix)
	}
	return nil
}

const (
	ss58ChecksumLen = 2 // for 32-byte payloads
	// ss58MaxRaw is the raw length with a two-byte prefix: 2 + 32 + 2.
	ss58MaxRaw = 2 + 32 + ss58ChecksumLen
	// ss58MaxLen bounds the base58 length of ss58MaxRaw bytes (ceil(36·log(256)/log(58)) = 50).
	ss58MaxLen = 50
)

var ss58Pre = []byte("SS58PRE")

// ss58Checksum returns the first two bytes of blake2b-512("SS58PRE" ‖ body).
func ss58Checksum(body []byte) [2]byte {
	// blake2b.New512 with a fixed-size input stays on the stack; Sum512 would
	// need the concatenation in a separate buffer, which costs the same.
	var in [7 + 2 + 32]byte
	n := copy(in[:], ss58Pre)
	n += copy(in[n:], body)
	sum := blake2b.Sum512(in[:n])
	return [2]byte{sum[0], sum[1]}
}

// appendSS58 appends the address of id under prefix (already validated) to dst.
func appendSS58(dst []byte, prefix uint16, id *AccountID) []byte {
	var raw [ss58MaxRaw]byte
	n := 0
	if prefix < 64 {
		raw[0] = byte(prefix)
		n = 1
	} else {
		// sp-core's two-byte form (Ss58Codec::to_ss58check_with_version): the
		// 0b01 marker, then the prefix bits in the order sp-core interleaves them.
		raw[0] = byte((prefix&0xFC)>>2) | 0x40
		raw[1] = byte(prefix>>8) | byte((prefix&3)<<6)
		n = 2
	}
	n += copy(raw[n:], id[:])
	chk := ss58Checksum(raw[:n])
	raw[n], raw[n+1] = chk[0], chk[1]
	return appendBase58(dst, raw[:n+2])
}

// decodeSS58 is generic so the text unmarshaller can decode without converting
// its []byte to a string.
func decodeSS58[T string | []byte](address T) (uint16, AccountID, error) {
	var raw [ss58MaxRaw]byte
	n, ok := decodeBase58(raw[:], address)
	if !ok {
		return 0, AccountID{}, fmt.Errorf("%w: not base58 or too long", ErrInvalidAddress)
	}
	data := raw[:n]
	if len(data) == 0 {
		return 0, AccountID{}, fmt.Errorf("%w: empty", ErrInvalidAddress)
	}
	var prefix uint16
	var prefixLen int
	switch b := data[0]; {
	case b <= 63:
		prefix, prefixLen = uint16(b), 1
	case b <= 127:
		if len(data) < 2 {
			return 0, AccountID{}, fmt.Errorf("%w: truncated prefix", ErrInvalidAddress)
		}
		lower := (data[0] << 2) | (data[1] >> 6)
		upper := data[1] & 0x3F
		prefix, prefixLen = uint16(lower)|uint16(upper)<<8, 2
		if prefix < 64 {
			// sp-core would accept this second spelling of a one-byte
			// prefix; refusing it keeps one string per (prefix, account).
			return 0, AccountID{}, fmt.Errorf("%w: non-canonical two-byte prefix", ErrInvalidAddress)
		}
	default:
		return 0, AccountID{}, fmt.Errorf("%w: invalid prefix byte", ErrInvalidAddress)
	}
	if len(data) != prefixLen+32+ss58ChecksumLen {
		// Other payload sizes (1, 2, 4, 8, 33 bytes) exist in SS58 but are
		// never account ids.
		return 0, AccountID{}, fmt.Errorf("%w: decoded length %d is not a 32-byte account", ErrInvalidAddress, len(data))
	}
	body := data[:len(data)-ss58ChecksumLen]
	if chk := ss58Checksum(body); chk[0] != data[len(body)] || chk[1] != data[len(body)+1] {
		return 0, AccountID{}, fmt.Errorf("%w: bad checksum", ErrInvalidAddress)
	}
	if prefix == 46 || prefix == 47 {
		return 0, AccountID{}, fmt.Errorf("%w: prefix %d is reserved", ErrInvalidAddress, prefix)
	}
	var id AccountID
	copy(id[:], body[prefixLen:])
	return prefix, id, nil
}
