package metadata

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/pylon-go/pylon/internal/chain/hash"
	"github.com/pylon-go/pylon/internal/chain/scale"
)

// ErrNoValue means a storage entry with the Optional modifier has no value.
var ErrNoValue = errors.New("metadata: storage value absent")

// ErrKeyMismatch means a storage key does not belong to the entry.
var ErrKeyMismatch = errors.New("metadata: storage key does not match entry")

// Hasher is a storage key hasher, in frame-metadata's variant order.
type Hasher uint8

// Storage hashers.
const (
	Blake2_128 Hasher = iota
	Blake2_256
	Blake2_128Concat
	Twox128
	Twox256
	Twox64Concat
	Identity
)

var hasherNames = [...]string{"Blake2_128", "Blake2_256", "Blake2_128Concat", "Twox128", "Twox256", "Twox64Concat", "Identity"}

// String returns the hasher name as in frame-metadata.
func (h Hasher) String() string {
	if int(h) < len(hasherNames) {
		return hasherNames[h]
	}
	return fmt.Sprintf("Hasher(%d)", h)
}

// hashLen is the length of the hash part of the hasher's output.
func (h Hasher) hashLen() int {
	switch h {
	case Blake2_128, Twox128, Blake2_128Concat:
		return 16
	case Blake2_256, Twox256:
		return 32
	case Twox64Concat:
		return 8
	}
	return 0
}

// Reversible reports whether the key value can be read back from the hashed
// key (the hash is followed by the key itself, or there is no hash).
func (h Hasher) Reversible() bool {
	return h == Blake2_128Concat || h == Twox64Concat || h == Identity
}

// Hash appends the hasher's output for the encoded key to dst.
func (h Hasher) Hash(dst, key []byte) []byte {
	switch h {
	case Blake2_128:
		s := hash.Blake2_128(key)
		return append(dst, s[:]...)
	case Blake2_256:
		s := hash.Blake2_256(key)
		return append(dst, s[:]...)
	case Blake2_128Concat:
		s := hash.Blake2_128(key)
		return append(append(dst, s[:]...), key...)
	case Twox128:
		s := hash.Twox128(key)
		return append(dst, s[:]...)
	case Twox256:
		s := hash.Twox256(key)
		return append(dst, s[:]...)
	case Twox64Concat:
		s := hash.Twox64(key)
		return append(append(dst, s[:]...), key...)
	}
	return append(dst, key...)
}

// Modifier says what reading an absent storage value gives.
type Modifier uint8

// Storage modifiers: Optional entries read as None when absent, DefaultValue
// entries as their declared default.
const (
	Optional Modifier = iota
	DefaultValue
)

// StorageEntry is one storage item of a pallet. A plain value has no hashers;
// a map has one hasher per key.
type StorageEntry struct {
	Pallet    *Pallet
	Name      string
	Modifier  Modifier
	Hashers   []Hasher
	KeyType   TypeID // valid only for maps
	ValueType TypeID
	Default   []byte
	Docs      []string
}

// IsMap reports whether the entry is keyed.
func (s *StorageEntry) IsMap() bool { return len(s.Hashers) > 0 }

// KeyTypes returns the type of each key, one per hasher: for a single-hasher
// map the key type itself, for an N-map the elements of the key tuple.
func (s *StorageEntry) KeyTypes() ([]TypeID, error) {
	switch len(s.Hashers) {
	case 0:
		return nil, nil
	case 1:
		return []TypeID{s.KeyType}, nil
	}
	r := s.Pallet.md.Types
	t, err := r.Type(s.KeyType)
	if err != nil {
		return nil, err
	}
	if t.Kind != KindTuple || len(t.Tuple) != len(s.Hashers) {
		return nil, fmt.Errorf("%w: storage %s.%s has %d hashers but key type %s", ErrInvalidMetadata, s.Pallet.Name, s.Name, len(s.Hashers), r.Name(s.KeyType))
	}
	return t.Tuple, nil
}

// Prefix returns twox128(pallet prefix) ‖ twox128(entry name), the key of a
// plain value and the common prefix of every key of a map.
func (s *StorageEntry) Prefix() []byte {
	p := hash.Twox128([]byte(s.Pallet.StoragePrefix))
	n := hash.Twox128([]byte(s.Name))
	return append(p[:], n[:]...)
}

// Key returns the full storage key for the given key values, one per hasher
// (none for a plain value), each SCALE-encoded as its declared key type.
func (s *StorageEntry) Key(keys ...any) ([]byte, error) {
	if len(keys) != len(s.Hashers) {
		return nil, fmt.Errorf("%w: storage %s.%s takes %d keys, got %d", ErrTypeMismatch, s.Pallet.Name, s.Name, len(s.Hashers), len(keys))
	}
	return s.PrefixKey(keys...)
}

// PrefixKey returns the key prefix shared by all entries whose first
// len(keys) keys are the given ones, for iterating a map with
// state_getKeysPaged. With no keys it is Prefix.
func (s *StorageEntry) PrefixKey(keys ...any) ([]byte, error) {
	if len(keys) > len(s.Hashers) {
		return nil, fmt.Errorf("%w: storage %s.%s takes %d keys, got %d", ErrTypeMismatch, s.Pallet.Name, s.Name, len(s.Hashers), len(keys))
	}
	types, err := s.KeyTypes()
	if err != nil {
		return nil, err
	}
	out := s.Prefix()
	r := s.Pallet.md.Types
	var e scale.Encoder
	for i, k := range keys {
		e.Reset()
		if err := r.EncodeTo(&e, types[i], k); err != nil {
			return nil, fmt.Errorf("storage %s.%s key %d: %w", s.Pallet.Name, s.Name, i, err)
		}
		out = s.Hashers[i].Hash(out, e.Bytes())
	}
	return out, nil
}

// KeyPart is one decoded key of a storage key: the hash bytes the hasher
// produced (empty for Identity) and, for reversible hashers, the key value.
type KeyPart struct {
	Hasher   Hasher
	Hash     []byte
	Value    any    // decoded key value; nil when !HasValue
	Raw      []byte // SCALE encoding of the key value; nil when !HasValue
	HasValue bool
}

// DecodeKey splits a full storage key of this entry into its keys by walking
// the hashers. Values are recovered for Blake2_128Concat, Twox64Concat and
// Identity; other hashers give only the hash.
func (s *StorageEntry) DecodeKey(key []byte) ([]KeyPart, error) {
	prefix := s.Prefix()
	if !bytes.HasPrefix(key, prefix) {
		return nil, fmt.Errorf("%w: %s.%s", ErrKeyMismatch, s.Pallet.Name, s.Name)
	}
	types, err := s.KeyTypes()
	if err != nil {
		return nil, err
	}
	r := s.Pallet.md.Types
	d := scale.NewDecoder(key[len(prefix):])
	parts := make([]KeyPart, len(s.Hashers))
	for i, h := range s.Hashers {
		p := KeyPart{Hasher: h}
		if p.Hash, err = d.Next(h.hashLen()); err != nil {
			return nil, fmt.Errorf("%w: %s.%s key %d hash: %w", ErrKeyMismatch, s.Pallet.Name, s.Name, i, err)
		}
		if h.Reversible() {
			start := d.Offset()
			if p.Value, err = r.DecodeFrom(d, types[i]); err != nil {
				return nil, fmt.Errorf("%w: %s.%s key %d: %w", ErrKeyMismatch, s.Pallet.Name, s.Name, i, err)
			}
			p.Raw = key[len(prefix)+start : len(prefix)+d.Offset()]
			p.HasValue = true
			if h != Identity && !bytes.Equal(h.Hash(nil, p.Raw)[:h.hashLen()], p.Hash) {
				return nil, fmt.Errorf("%w: %s.%s key %d: hash does not match key", ErrKeyMismatch, s.Pallet.Name, s.Name, i)
			}
		}
		parts[i] = p
	}
	if err := d.Finish(); err != nil {
		return nil, fmt.Errorf("%w: %s.%s: %w", ErrKeyMismatch, s.Pallet.Name, s.Name, err)
	}
	return parts, nil
}

// DecodeValue decodes a storage value into dst (see Registry.DecodeInto). A
// nil raw means the node returned no value: a DefaultValue entry then decodes
// its declared default, an Optional entry returns ErrNoValue.
func (s *StorageEntry) DecodeValue(raw []byte, dst any) error {
	if raw == nil {
		if s.Modifier == Optional {
			return fmt.Errorf("%w: %s.%s", ErrNoValue, s.Pallet.Name, s.Name)
		}
		raw = s.Default
	}
	if err := s.Pallet.md.Types.DecodeInto(s.ValueType, raw, dst); err != nil {
		return fmt.Errorf("storage %s.%s: %w", s.Pallet.Name, s.Name, err)
	}
	return nil
}
