package chain

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/blake2b"

	"github.com/pylon-go/pylon/internal/chain/hash"
	"github.com/pylon-go/pylon/internal/chain/scale"
)

// Hash is a 32-byte block, state or extrinsic hash. Its text form is "0x" and 64 lower-case hex digits,
// which is also how it travels in JSON and in JSON-RPC parameters.
type Hash [32]byte

// ParseHash parses "0x" + 64 hex digits (the prefix is optional, case is ignored).
func ParseHash(s string) (Hash, error) {
	var h Hash
	err := h.UnmarshalText([]byte(s))
	return h, err
}

// MustParseHash is ParseHash for constants in tests and examples; it panics on malformed input.
func MustParseHash(s string) Hash {
	h, err := ParseHash(s)
	if err != nil {
		panic(err)
	}
	return h
}

// String returns the 0x-prefixed hex form.
func (h Hash) String() string { return "0x" + hex.EncodeToString(h[:]) }

// IsZero reports whether every byte is zero (the "no hash" value).
func (h Hash) IsZero() bool { return h == Hash{} }

// MarshalText implements encoding.TextMarshaler.
func (h Hash) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (h *Hash) UnmarshalText(b []byte) error {
	s := strings.TrimPrefix(strings.TrimPrefix(string(b), "0x"), "0X")
	if len(s) != 64 {
		return fmt.Errorf("chain: hash %q: want 32 bytes (64 hex digits), got %d digits", b, len(s))
	}
	if _, err := hex.Decode(h[:], []byte(s)); err != nil {
		return fmt.Errorf("chain: hash %q: %w", b, err)
	}
	return nil
}

// Header is a block header as the node serves it. Substrate encodes the number as Compact<BlockNumber>, so the
// encoding, and therefore the hash, does not depend on the chain's block-number width.
type Header struct {
	ParentHash     Hash
	Number         uint64
	StateRoot      Hash
	ExtrinsicsRoot Hash
	// Digest holds the digest logs, each one SCALE-encoded DigestItem exactly as the node sent it.
	Digest [][]byte
}

// Encode returns the SCALE encoding of the header: parent hash ‖ Compact(number) ‖ state root ‖
// extrinsics root ‖ Compact(len(logs)) ‖ logs.
func (h *Header) Encode() []byte {
	n := 32 + scale.CompactSize(h.Number) + 64 + scale.CompactSize(uint64(len(h.Digest)))
	for _, l := range h.Digest {
		n += len(l)
	}
	e := scale.NewEncoder(make([]byte, 0, n))
	e.Raw(h.ParentHash[:])
	e.Compact(h.Number)
	e.Raw(h.StateRoot[:])
	e.Raw(h.ExtrinsicsRoot[:])
	e.Length(len(h.Digest))
	for _, l := range h.Digest {
		e.Raw(l)
	}
	return e.Bytes()
}

// Hash returns the block hash: blake2_256 of the encoded header. Computing it locally avoids a second call
// (chain_getBlockHash) that would not be atomic with the header read.
//
// Exception: a Chopsticks devnet gives its genesis block a synthetic hash (0x4545…45) that is not the hash of
// its header; ask the node (Client.BlockHash(ctx, 0) or Client.GenesisHash) for block #0.
func (h *Header) Hash() Hash { return hash.Blake2_256(h.Encode()) }

// wireHeader is the JSON form of a header (chain_getHeader, chain_newHead notifications).
type wireHeader struct {
	ParentHash     Hash            `json:"parentHash"`
	Number         json.RawMessage `json:"number"`
	StateRoot      Hash            `json:"stateRoot"`
	ExtrinsicsRoot Hash            `json:"extrinsicsRoot"`
	Digest         struct {
		Logs []hexBytes `json:"logs"`
	} `json:"digest"`
}

// UnmarshalJSON parses the node's JSON header. The number may be a hex string (as Substrate sends it) or a
// JSON number.
func (h *Header) UnmarshalJSON(b []byte) error {
	var w wireHeader
	if err := json.Unmarshal(b, &w); err != nil {
		return fmt.Errorf("chain: header: %w", err)
	}
	n, err := parseNumber(w.Number)
	if err != nil {
		return fmt.Errorf("chain: header number: %w", err)
	}
	h.ParentHash, h.Number, h.StateRoot, h.ExtrinsicsRoot = w.ParentHash, n, w.StateRoot, w.ExtrinsicsRoot
	h.Digest = make([][]byte, len(w.Digest.Logs))
	for i, l := range w.Digest.Logs {
		h.Digest[i] = l
	}
	return nil
}

// MarshalJSON writes the node's JSON form, so headers round-trip.
func (h Header) MarshalJSON() ([]byte, error) {
	logs := make([]hexBytes, len(h.Digest))
	for i, l := range h.Digest {
		logs[i] = l
	}
	return json.Marshal(map[string]any{
		"parentHash":     h.ParentHash,
		"number":         "0x" + strconv.FormatUint(h.Number, 16),
		"stateRoot":      h.StateRoot,
		"extrinsicsRoot": h.ExtrinsicsRoot,
		"digest":         map[string]any{"logs": logs},
	})
}

func parseNumber(raw json.RawMessage) (uint64, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		if rest, ok := strings.CutPrefix(s, "0x"); ok {
			return strconv.ParseUint(rest, 16, 64)
		}
		return strconv.ParseUint(s, 10, 64)
	}
	var n uint64
	if err := json.Unmarshal(raw, &n); err != nil {
		return 0, fmt.Errorf("%s is neither a hex string nor a number", raw)
	}
	return n, nil
}

// hexBytes is a byte string in 0x-hex JSON form.
type hexBytes []byte

func (b hexBytes) MarshalText() ([]byte, error) { return []byte("0x" + hex.EncodeToString(b)), nil }

func (b *hexBytes) UnmarshalText(t []byte) error {
	s := strings.TrimPrefix(string(t), "0x")
	out := make([]byte, hex.DecodedLen(len(s)))
	if _, err := hex.Decode(out, []byte(s)); err != nil {
		return fmt.Errorf("chain: hex value: %w", err)
	}
	*b = out
	return nil
}

// Head is a block the client followed as best or finalised head, with the moment it was first seen.
type Head struct {
	Number uint64
	Hash   Hash
	Header Header
	// Seen is when the client learned of this head.
	Seen time.Time
}

// Block is a block with its extrinsics still encoded (decoding them needs the metadata of the runtime that
// executed the block, see Client.BlockRuntime).
type Block struct {
	Hash   Hash
	Header Header
	// Extrinsics are the block's extrinsics, each exactly as included (with its compact length prefix).
	Extrinsics [][]byte
}

// ExtrinsicHash is the hash by which nodes and explorers name an extrinsic: blake2_256 of its full encoding,
// length prefix included.
func ExtrinsicHash(encoded []byte) Hash { return hash.Blake2_256(encoded) }

// FindExtrinsic returns the index of the extrinsic with hash h in the block, which is also the
// ApplyExtrinsic phase index of its events. No decoding is needed to find it.
func (b *Block) FindExtrinsic(h Hash) (index int, ok bool) {
	for i, x := range b.Extrinsics {
		if ExtrinsicHash(x) == h {
			return i, true
		}
	}
	return 0, false
}

// RuntimeVersion is a runtime's version record (state_getRuntimeVersion).
type RuntimeVersion struct {
	SpecName           string       `json:"specName"`
	ImplName           string       `json:"implName"`
	AuthoringVersion   uint32       `json:"authoringVersion"`
	SpecVersion        uint32       `json:"specVersion"`
	ImplVersion        uint32       `json:"implVersion"`
	TransactionVersion uint32       `json:"transactionVersion"`
	StateVersion       uint8        `json:"stateVersion"`
	APIs               []APIVersion `json:"apis"`
}

// APIVersion is one runtime API the runtime implements: its identifier (BLAKE2b with an 8-byte digest of the
// trait name, e.g. "Core" → 0xdf6acb689907609b) and the trait version.
type APIVersion struct {
	ID      [8]byte
	Version uint32
}

// UnmarshalJSON parses the node's ["0x…", version] pair.
func (a *APIVersion) UnmarshalJSON(b []byte) error {
	var pair [2]json.RawMessage
	if err := json.Unmarshal(b, &pair); err != nil {
		return fmt.Errorf("chain: runtime API version %s: %w", b, err)
	}
	var id hexBytes
	if err := json.Unmarshal(pair[0], &id); err != nil {
		return fmt.Errorf("chain: runtime API id %s: %w", pair[0], err)
	}
	if len(id) != 8 {
		return fmt.Errorf("chain: runtime API id %s: want 8 bytes", pair[0])
	}
	copy(a.ID[:], id)
	if err := json.Unmarshal(pair[1], &a.Version); err != nil {
		return fmt.Errorf("chain: runtime API version %s: %w", pair[1], err)
	}
	return nil
}

// MarshalJSON writes the node's ["0x…", version] form.
func (a APIVersion) MarshalJSON() ([]byte, error) {
	return json.Marshal([]any{hexBytes(a.ID[:]), a.Version})
}

// APIVersion returns the version of the runtime API trait named name ("Core", "Metadata",
// "NeuronInfoRuntimeApi", …) and whether the runtime implements it at all. It works with V14 metadata too,
// which does not describe runtime APIs.
func (v *RuntimeVersion) APIVersion(name string) (uint32, bool) {
	id := APIID(name)
	for _, a := range v.APIs {
		if a.ID == id {
			return a.Version, true
		}
	}
	return 0, false
}

// APIID is the identifier of a runtime API trait as listed in RuntimeVersion.APIs.
func APIID(name string) [8]byte {
	h, err := blake2b.New(8, nil)
	if err != nil {
		// Unreachable: 8 is a valid digest size and there is no key.
		panic(err)
	}
	h.Write([]byte(name))
	var id [8]byte
	h.Sum(id[:0])
	return id
}
