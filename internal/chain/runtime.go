package chain

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/pylon-go/pylon/internal/chain/metadata"
	"github.com/pylon-go/pylon/internal/chain/rpc"
)

// Runtime is one runtime version with its metadata. Values are shared between callers and must not be
// modified; the metadata is immutable.
type Runtime struct {
	RuntimeVersion
	Metadata *metadata.Metadata
}

// Runtime returns the runtime in the state of block at: the code that answers runtime-API calls at at, and
// the runtime a transaction built on at must be signed for (its SpecVersion and TransactionVersion).
//
// The runtime version is read per block hash (state_getRuntimeVersion, cached) and the metadata per spec
// version (cached, loaded at a block of that runtime), so a read at any block, old or new, decodes with that
// block's own runtime and a runtime upgrade is followed without a restart. Concurrent first loads of one
// block's version or one spec's metadata share a single request; the shared load runs detached from the
// caller that started it, so one caller's deadline never fails the others.
//
// A block's own extrinsics, events and storage were produced by the runtime of its parent, which differs
// from this one in the block that upgrades the runtime: see BlockRuntime.
func (c *Client) Runtime(ctx context.Context, at Hash) (*Runtime, error) {
	v, err := c.runtimeVersion(ctx, at)
	if err != nil {
		return nil, err
	}
	md, err := c.metadatas.get(ctx, v.SpecVersion, func(ctx context.Context) (*metadata.Metadata, error) {
		return c.loadMetadata(ctx, at, v.SpecVersion)
	})
	if err != nil {
		return nil, err
	}
	return &Runtime{RuntimeVersion: v, Metadata: md}, nil
}

// BlockRuntime returns the runtime that executed block at: the runtime of its parent. Its metadata
// describes the block's extrinsics and events and the layout of the storage the block wrote. It differs
// from Runtime(at) only in a block that upgrades the runtime (System.set_code): that block was executed by
// the old runtime, its migrations run in the next block, yet state_getRuntimeVersion(at) already reports
// the new one. Block #0 has no parent and is its own.
func (c *Client) BlockRuntime(ctx context.Context, at Hash) (*Runtime, error) {
	h, err := c.Header(ctx, at)
	if err != nil {
		return nil, err
	}
	if h.Number == 0 {
		return c.Runtime(ctx, at)
	}
	return c.Runtime(ctx, h.ParentHash)
}

// runtimeVersion returns the runtime version in the state of block at (cached per hash).
func (c *Client) runtimeVersion(ctx context.Context, at Hash) (RuntimeVersion, error) {
	return c.versions.get(ctx, at, func(ctx context.Context) (RuntimeVersion, error) {
		var v *RuntimeVersion
		if err := c.call(ctx, ErrUnknownBlock, "state_getRuntimeVersion", &v, at); err != nil {
			return RuntimeVersion{}, err
		}
		if v == nil {
			// Chopsticks answers null for a block it does not hold.
			return RuntimeVersion{}, fmt.Errorf("%w: no runtime version for block %s", ErrUnknownBlock, at)
		}
		return *v, nil
	})
}

// metadataV15Arg is the argument of Metadata_metadata_at_version asking for V15: u32 15, little-endian.
var metadataV15Arg = []byte{0x0f, 0, 0, 0}

// loadMetadata fetches the metadata of spec at block at, a block of that runtime: V15 through the Metadata
// runtime API (only V15 describes runtime APIs), else V14 through state_getMetadata when the runtime lacks
// the API or answers None.
func (c *Client) loadMetadata(ctx context.Context, at Hash, spec uint32) (*metadata.Metadata, error) {
	start := time.Now()
	md, err := c.loadMetadataV15(ctx, at)
	if errors.Is(err, errNoV15) {
		c.log.Info("chain: runtime serves no V15 metadata; using V14", "spec_version", spec, "reason", err)
		md, err = c.loadMetadataV14(ctx, at)
	}
	if err != nil {
		return nil, fmt.Errorf("chain: metadata of spec %d at %s: %w", spec, at, err)
	}
	if err := checkSpec(md, spec); err != nil {
		return nil, fmt.Errorf("chain: metadata at %s: %w", at, err)
	}
	c.m.metadataLoaded(spec, md.Version)
	c.log.Info("chain: loaded metadata", "spec_version", spec, "metadata", md.Version, "at", at,
		"duration", time.Since(start).Round(time.Millisecond))
	return md, nil
}

// errNoV15 marks answers meaning "this runtime cannot serve V15" (as opposed to transport failures, which
// must not silently downgrade to V14).
var errNoV15 = errors.New("no V15 metadata")

func (c *Client) loadMetadataV15(ctx context.Context, at Hash) (*metadata.Metadata, error) {
	out, err := c.stateCall(ctx, at, "Metadata_metadata_at_version", metadataV15Arg)
	var rpcErr *rpc.Error
	switch {
	case err == nil:
	case errors.As(err, &rpcErr) && !errors.Is(err, ErrUnknownBlock):
		// The runtime does not export the method (older Metadata API) or traps in it.
		return nil, fmt.Errorf("%w: %w", errNoV15, err)
	default:
		return nil, err
	}
	md, err := metadata.Decode(out)
	switch {
	case errors.Is(err, metadata.ErrNoMetadata):
		return nil, fmt.Errorf("%w: Metadata_metadata_at_version(15) answered None", errNoV15)
	case err != nil:
		return nil, err
	case md.Version != 15:
		return nil, fmt.Errorf("%w: asked for V15, got V%d", errNoV15, md.Version)
	}
	return md, nil
}

func (c *Client) loadMetadataV14(ctx context.Context, at Hash) (*metadata.Metadata, error) {
	var raw *hexBytes
	if err := c.call(ctx, ErrUnknownBlock, "state_getMetadata", &raw, at); err != nil {
		return nil, err
	}
	if raw == nil {
		return nil, fmt.Errorf("%w: no metadata for block %s", ErrUnknownBlock, at)
	}
	return metadata.Decode(*raw)
}

// checkSpec compares the spec version inside the metadata (the standard System.Version constant) with the
// one the node reported for the block: decoding with another runtime's metadata must never happen silently.
// Runtimes without that constant are not checked.
func checkSpec(md *metadata.Metadata, spec uint32) error {
	k, err := md.Constant("System", "Version")
	if err != nil {
		return nil //nolint:nilerr // no System.Version constant: nothing to compare with
	}
	var v struct{ SpecVersion uint32 }
	if err := k.Decode(&v); err != nil {
		return nil //nolint:nilerr // an unusual RuntimeVersion layout: nothing to compare with
	}
	if v.SpecVersion != spec {
		return fmt.Errorf("the node reports spec %d but serves the metadata of spec %d", spec, v.SpecVersion)
	}
	return nil
}

// stateCall runs a runtime-API method by its state_call name with encoded arguments at block at.
func (c *Client) stateCall(ctx context.Context, at Hash, name string, args []byte) ([]byte, error) {
	var out hexBytes
	if err := c.call(ctx, ErrUnknownBlock, "state_call", &out, name, hexBytes(args), at); err != nil {
		return nil, err
	}
	return out, nil
}

// followRuntime keeps the latest runtime version current: a state_subscribeRuntimeVersion subscription
// (polling on HTTP), plus a fresh read after subscribing (Chopsticks sends its first notification before
// the subscription id) and after every reconnect. A new spec version is counted as an upgrade, and its
// metadata is loaded at once, so the first read after an upgrade does not pay for it.
func (c *Client) followRuntime() {
	retry := newRetry(c.opts.BlockTime)
	for c.ctx.Err() == nil {
		if c.isHTTP() {
			c.pollRuntime()
			continue
		}
		sub, err := c.rpc.SubscribeRuntimeVersion(c.ctx)
		if err != nil {
			if c.ctx.Err() == nil && !errors.Is(err, rpc.ErrSubscriptionsUnsupported) {
				c.log.Warn("chain: subscribing to runtime versions", "err", err)
			}
			if !c.sleep(retry.next()) {
				return
			}
			continue
		}
		retry.reset()
		c.readLatestRuntime()
		for n := range sub.Notifications() {
			if n.Resumed {
				c.readLatestRuntime()
			}
			if n.Result == nil {
				continue
			}
			var v RuntimeVersion
			if err := json.Unmarshal(n.Result, &v); err != nil {
				c.log.Warn("chain: undecodable runtime version notification", "err", err)
				continue
			}
			c.noteRuntime(v)
		}
		if c.ctx.Err() != nil {
			return
		}
		c.log.Warn("chain: runtime version subscription ended; subscribing again", "err", sub.Err())
		if !c.sleep(retry.next()) {
			return
		}
	}
}

func (c *Client) readLatestRuntime() {
	ctx, cancel := context.WithTimeout(c.ctx, c.opts.LoadTimeout)
	defer cancel()
	var v RuntimeVersion
	if err := c.call(ctx, ErrUnknownBlock, "state_getRuntimeVersion", &v); err != nil {
		if c.ctx.Err() == nil {
			c.log.Warn("chain: reading the runtime version", "err", err)
		}
		return
	}
	c.noteRuntime(v)
}

func (c *Client) pollRuntime() {
	for c.isHTTP() {
		c.readLatestRuntime()
		if !c.sleep(c.opts.PollInterval) {
			return
		}
	}
}

// noteRuntime records the latest runtime version the node announced.
func (c *Client) noteRuntime(v RuntimeVersion) {
	prev := c.heads.setRuntime(v)
	c.m.setSpec(v.SpecVersion)
	if prev.SpecVersion == 0 || prev.SpecVersion == v.SpecVersion {
		return
	}
	c.m.upgrades.Inc()
	c.log.Info("chain: runtime upgrade", "from_spec", prev.SpecVersion, "to_spec", v.SpecVersion,
		"transaction_version", v.TransactionVersion)
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		c.prefetchRuntime(v.SpecVersion)
	}()
}

// prefetchRuntime loads the metadata of spec once a best head runs it. The announcement may arrive just
// before the head that carries the new code, so a few heads are tried.
func (c *Client) prefetchRuntime(spec uint32) {
	ctx, cancel := context.WithTimeout(c.ctx, c.opts.LoadTimeout)
	defer cancel()
	head := c.Head()
	for range 5 {
		rt, err := c.Runtime(ctx, head.Hash)
		if err != nil {
			if c.ctx.Err() == nil {
				c.log.Warn("chain: loading the new runtime", "spec_version", spec, "err", err)
			}
			return
		}
		if rt.SpecVersion == spec {
			return
		}
		if head, err = c.WaitForBlock(ctx, head.Number+1); err != nil {
			return
		}
	}
}
