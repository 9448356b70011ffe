package keys

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	schnorrkel "github.com/ChainSafe/go-schnorrkel"
	"golang.org/x/crypto/blake2b"
)

// DevPhrase is Substrate's development mnemonic: "//Alice" is DevPhrase + "//Alice".
const DevPhrase = "bottom drive obey lake curtain smoke basket hold race lonely fit walk"

// KeypairFromURI builds a keypair from a Substrate secret URI, as sp-core's
// Pair::from_string and polkadot-js's keyring do:
//
//	[phrase | 0x<32-byte hex seed>] ( //hard | /soft )*
//
// An empty phrase stands for DevPhrase, so "//Alice" and "//Alice//hot" are
// the well-known dev accounts. A junction that parses as a u64 is its 8-byte
// little-endian SCALE encoding, anything else the SCALE encoding of the string
// (compact length ‖ UTF-8); encodings longer than 32 bytes are replaced by
// their blake2b-256 hash, shorter ones are zero-padded. Hard junctions use
// schnorrkel's hard derivation of a mini secret key (then the Ed25519
// expansion), soft junctions schnorrkel's simple derivation.
//
// The "///password" suffix is refused with ErrUnsupported. Errors never quote
// the URI: it is secret.
func KeypairFromURI(uri string) (*Keypair, error) {
	if strings.Contains(uri, "///") {
		return nil, fmt.Errorf("%w: secret URI passwords (///…)", ErrUnsupported)
	}
	phrase, path := uri, ""
	if i := strings.IndexByte(uri, '/'); i >= 0 {
		phrase, path = uri[:i], uri[i:]
	}
	phrase = strings.TrimSpace(phrase)

	var seed *[32]byte
	switch {
	case phrase == "":
		s, err := miniSecretFromMnemonic(DevPhrase)
		if err != nil {
			return nil, err
		}
		seed = s
	case strings.HasPrefix(phrase, "0x"):
		b, err := hex.DecodeString(phrase[2:])
		if err != nil || len(b) != 32 {
			// hex's error names the offending character: do not wrap it.
			return nil, fmt.Errorf("%w: secret URI seed must be 0x followed by 64 hex digits", ErrInvalidSecret)
		}
		seed = (*[32]byte)(b)
	default:
		s, err := miniSecretFromMnemonic(phrase)
		if err != nil {
			return nil, err
		}
		seed = s
	}
	kp, err := keypairFromMiniSecret(seed)
	if err != nil {
		return nil, err
	}

	junctions, err := parseJunctions(path)
	if err != nil {
		return nil, err
	}
	for _, j := range junctions {
		if kp, err = kp.derive(j); err != nil {
			return nil, err
		}
	}
	return kp, nil
}

type junction struct {
	chainCode [32]byte
	hard      bool
}

// parseJunctions splits "//a/b//c" into junctions. The text is secret (it
// selects the key), so errors describe the problem without quoting it.
func parseJunctions(path string) ([]junction, error) {
	var out []junction
	for path != "" {
		hard := strings.HasPrefix(path, "//")
		if hard {
			path = path[2:]
		} else {
			path = path[1:] // the caller guarantees a leading '/'
		}
		end := strings.IndexByte(path, '/')
		if end < 0 {
			end = len(path)
		}
		code := path[:end]
		path = path[end:]
		if code == "" {
			return nil, fmt.Errorf("%w: empty junction in secret URI path", ErrInvalidSecret)
		}
		out = append(out, junction{chainCode: junctionChainCode(code), hard: hard})
	}
	return out, nil
}

// junctionChainCode is sp-core's DeriveJunction::soft(index) chain code.
func junctionChainCode(code string) [32]byte {
	var enc []byte
	// Rust's u64::from_str accepts one leading '+'; strconv does not.
	if n, err := strconv.ParseUint(strings.TrimPrefix(code, "+"), 10, 64); err == nil {
		enc = binary.LittleEndian.AppendUint64(nil, n)
	} else {
		enc = appendCompact(nil, uint64(len(code)))
		enc = append(enc, code...)
	}
	var cc [32]byte
	if len(enc) > 32 {
		cc = blake2b.Sum256(enc)
	} else {
		copy(cc[:], enc)
	}
	return cc
}

// appendCompact appends the SCALE compact encoding of n. Junction lengths
// only need it; the chain layer has its own codec.
func appendCompact(b []byte, n uint64) []byte {
	switch {
	case n < 1<<6:
		return append(b, byte(n<<2))
	case n < 1<<14:
		return binary.LittleEndian.AppendUint16(b, uint16(n)<<2|1)
	case n < 1<<30:
		return binary.LittleEndian.AppendUint32(b, uint32(n)<<2|2)
	default:
		size := 8
		for size > 4 && n>>(8*(size-1)) == 0 {
			size--
		}
		b = append(b, byte(size-4)<<2|3) //nolint:gosec // G115: the loop leaves size in 4..8.
		var le [8]byte
		binary.LittleEndian.PutUint64(le[:], n)
		return append(b, le[:size]...)
	}
}

// derive applies one junction, as sp-core's sr25519 Pair::derive does.
func (k *Keypair) derive(j junction) (*Keypair, error) {
	if j.hard {
		// schnorrkel hard_derive_mini_secret_key(Some(cc), b""): the index
		// bytes are empty and the junction travels as the chain code.
		msk, _, err := k.secret.HardDeriveMiniSecretKey(nil, j.chainCode)
		if err != nil {
			return nil, fmt.Errorf("%w: hard derivation failed", ErrInvalidSecret)
		}
		seed := msk.Encode()
		return keypairFromMiniSecret(&seed)
	}
	// derived_key_simple(cc, b""). go-schnorrkel draws the derived key's
	// nonce at random where Rust derives it from a witness; the nonce never
	// reaches a signature here (go-schnorrkel signs with a fresh random
	// nonce), so keys and signatures verify the same.
	ek, err := schnorrkel.DeriveKeySimple(k.secret, nil, j.chainCode)
	if err != nil {
		return nil, fmt.Errorf("%w: soft derivation failed", ErrInvalidSecret)
	}
	sk, err := ek.Secret()
	if err != nil {
		return nil, fmt.Errorf("%w: soft derivation failed", ErrInvalidSecret)
	}
	return newKeypair(sk, nil)
}
