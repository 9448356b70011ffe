package chain

import (
	"context"
	"fmt"
	"iter"

	"github.com/pylon-go/pylon/internal/chain/metadata"
)

// storageEntry resolves pallet.item in the runtime that wrote the state of block at (BlockRuntime): storage
// layouts change with runtime upgrades, and a block's state is migrated only in the block after an upgrade.
func (c *Client) storageEntry(ctx context.Context, at Hash, pallet, item string) (*Runtime, *metadata.StorageEntry, error) {
	rt, err := c.BlockRuntime(ctx, at)
	if err != nil {
		return nil, nil, err
	}
	e, err := rt.Metadata.StorageEntry(pallet, item)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: storage %s.%s at block %s (spec %d): %w", ErrNotInRuntime, pallet, item, at, rt.SpecVersion, err)
	}
	return rt, e, nil
}

// Storage reads the storage item pallet.item at block at into dst, one key value per hasher for a map
// (each encoded as its declared key type, see metadata.Registry.Encode), none for a plain value. The value
// decodes into dst through the item's declared type (see metadata.Registry.DecodeInto).
//
// found reports whether the key holds a value. When it does not, an item with a default (ValueQuery) decodes
// its default into dst, as the runtime would read it; an optional item (OptionQuery) leaves dst untouched.
// An item the block's runtime does not have gives ErrNotInRuntime.
func (c *Client) Storage(ctx context.Context, at Hash, pallet, item string, dst any, keys ...any) (found bool, err error) {
	_, e, err := c.storageEntry(ctx, at, pallet, item)
	if err != nil {
		return false, err
	}
	key, err := e.Key(keys...)
	if err != nil {
		return false, fmt.Errorf("chain: storage %s.%s key: %w", pallet, item, err)
	}
	raw, found, err := c.StorageRaw(ctx, at, key)
	if err != nil {
		return false, err
	}
	if !found && e.Modifier == metadata.Optional {
		return false, nil
	}
	if err := e.DecodeValue(raw, dst); err != nil {
		return found, fmt.Errorf("chain: storage %s.%s at %s: %w", pallet, item, at, err)
	}
	return found, nil
}

// StorageRaw reads the value under a full storage key at block at, undecoded. found is false when the key
// holds no value.
func (c *Client) StorageRaw(ctx context.Context, at Hash, key []byte) (value []byte, found bool, err error) {
	var v *hexBytes
	if err := c.call(ctx, ErrUnknownBlock, "state_getStorage", &v, hexBytes(key), at); err != nil {
		return nil, false, err
	}
	if v == nil {
		return nil, false, nil
	}
	return *v, true, nil
}

// StorageKey returns the full storage key of pallet.item with the given keys in the runtime of block at, for
// callers that cache or batch raw reads.
func (c *Client) StorageKey(ctx context.Context, at Hash, pallet, item string, keys ...any) ([]byte, error) {
	_, e, err := c.storageEntry(ctx, at, pallet, item)
	if err != nil {
		return nil, err
	}
	key, err := e.Key(keys...)
	if err != nil {
		return nil, fmt.Errorf("chain: storage %s.%s key: %w", pallet, item, err)
	}
	return key, nil
}

// StorageItem is one entry of a storage map met while iterating (StorageIter).
type StorageItem struct {
	// Key is the full storage key.
	Key []byte
	// Keys are the decoded map keys, one per hasher, including the ones given to StorageIter. For
	// reversible hashers (Blake2_128Concat, Twox64Concat, Identity) KeyPart.Value holds the key value.
	Keys []metadata.KeyPart
	// Value is the SCALE-encoded value.
	Value []byte

	entry    *metadata.StorageEntry
	registry *metadata.Registry
	types    []metadata.TypeID
}

// Decode decodes the value into dst (see metadata.Registry.DecodeInto).
func (it *StorageItem) Decode(dst any) error {
	return it.entry.DecodeValue(it.Value, dst)
}

// DecodeKey decodes map key i into dst through its declared type, e.g. an AccountId32 key into a [32]byte.
// The hasher of key i must be reversible.
func (it *StorageItem) DecodeKey(i int, dst any) error {
	if i < 0 || i >= len(it.Keys) || i >= len(it.types) {
		return fmt.Errorf("chain: storage key %d of %d", i, len(it.Keys))
	}
	p := it.Keys[i]
	if !p.HasValue {
		return fmt.Errorf("chain: storage key %d uses %s, which does not keep the key value", i, p.Hasher)
	}
	return it.registry.DecodeInto(it.types[i], p.Raw, dst)
}

// StorageIter iterates over the entries of the storage map pallet.item at block at whose first keys are the
// given ones (none: the whole map; for a double map, the first key selects one "row", e.g. one subnet).
// Keys are listed page by page with state_getKeysPaged (never the unpaged state_getKeys, which some nodes
// lack and which has no bound) and their values read with one state_queryStorageAt per page. Entries come in
// storage-key order, not in key-value order. Stop early by breaking out of the loop; an error is yielded once
// and ends the iteration.
//
//	for it, err := range client.StorageIter(ctx, at, "Pallet", "Map", uint16(1)) {
//		if err != nil { return err }
//		var v T
//		if err := it.Decode(&v); err != nil { return err }
//	}
func (c *Client) StorageIter(ctx context.Context, at Hash, pallet, item string, keys ...any) iter.Seq2[*StorageItem, error] {
	return func(yield func(*StorageItem, error) bool) {
		rt, e, err := c.storageEntry(ctx, at, pallet, item)
		if err != nil {
			yield(nil, err)
			return
		}
		if !e.IsMap() {
			yield(nil, fmt.Errorf("chain: storage %s.%s is a plain value, not a map", pallet, item))
			return
		}
		prefix, err := e.PrefixKey(keys...)
		if err != nil {
			yield(nil, fmt.Errorf("chain: storage %s.%s prefix: %w", pallet, item, err))
			return
		}
		types, err := e.KeyTypes()
		if err != nil {
			yield(nil, fmt.Errorf("chain: storage %s.%s key types: %w", pallet, item, err))
			return
		}
		var start *hexBytes
		for {
			var page []hexBytes
			if err := c.call(ctx, ErrUnknownBlock, "state_getKeysPaged", &page, hexBytes(prefix), c.opts.PageSize, start, at); err != nil {
				yield(nil, err)
				return
			}
			if len(page) == 0 {
				return
			}
			values, err := c.queryStorageAt(ctx, at, page)
			if err != nil {
				yield(nil, err)
				return
			}
			for _, k := range page {
				v, ok := values[string(k)]
				if !ok {
					continue // removed between listing and reading cannot happen at a fixed block; be lenient
				}
				parts, err := e.DecodeKey(k)
				if err != nil {
					yield(nil, fmt.Errorf("chain: storage %s.%s key %x: %w", pallet, item, []byte(k), err))
					return
				}
				if !yield(&StorageItem{Key: k, Keys: parts, Value: v, entry: e, registry: rt.Metadata.Types, types: types}, nil) {
					return
				}
			}
			if len(page) < c.opts.PageSize {
				return
			}
			last := page[len(page)-1]
			start = &last
		}
	}
}

// queryStorageAt reads the values of keys at block at in one call; keys without a value are left out.
func (c *Client) queryStorageAt(ctx context.Context, at Hash, keys []hexBytes) (map[string][]byte, error) {
	var sets []struct {
		Changes [][2]*hexBytes `json:"changes"`
	}
	if err := c.call(ctx, ErrUnknownBlock, "state_queryStorageAt", &sets, keys, at); err != nil {
		return nil, err
	}
	out := make(map[string][]byte, len(keys))
	for _, s := range sets {
		for _, ch := range s.Changes {
			if ch[0] != nil && ch[1] != nil {
				out[string(*ch[0])] = *ch[1]
			}
		}
	}
	return out, nil
}
