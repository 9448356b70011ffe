package subtensor

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/pylon-go/pylon/internal/chain"
	"github.com/pylon-go/pylon/internal/keys"
)

// Pallet, storage and runtime-API names: this file is where the service
// meets subtensor's vocabulary.
const (
	palletSubtensor   = "SubtensorModule"
	neuronInfoAPI     = "NeuronInfoRuntimeApi"
	getNeuronsLite    = "get_neurons_lite"
	getSubnetState    = "get_subnet_state"
	itemCertificates  = "NeuronCertificates"
	itemUids          = "Uids"
	itemCRVersion     = "CommitRevealWeightsVersion"
	operationBlock    = "block"
	operationBlockAt  = "block_hash"
	operationNeurons  = "neurons"
	operationHyper    = "hyperparameters"
	operationCerts    = "certificates"
	operationCert     = "certificate"
	operationUID      = "uid"
	operationSubState = "subnet_state"
)

// BlockAt returns the block with number n on the node's best chain;
// ErrBlockNotFound when the chain has no such block (yet).
func (c *Client) BlockAt(ctx context.Context, n uint64) (Block, error) {
	var b Block
	err := c.read(ctx, operationBlockAt, n, func(ctx context.Context, cc *chain.Client) error {
		h, err := cc.BlockHash(ctx, n)
		if err != nil {
			return err
		}
		b = Block{Number: n, Hash: h}
		return nil
	})
	return b, err
}

// BlockInfo returns when block b was authored (Timestamp.Now; the zero time
// for the genesis block, which has none).
func (c *Client) BlockInfo(ctx context.Context, b Block) (BlockInfo, error) {
	info := BlockInfo{Block: b}
	err := c.read(ctx, operationBlock, b.Number, func(ctx context.Context, cc *chain.Client) error {
		var err error
		info.Time, err = timestampAt(ctx, cc, b)
		return err
	})
	return info, err
}

// timestampAt reads Timestamp.Now at block b; the zero time for a block
// without one (the genesis block sets no timestamp).
func timestampAt(ctx context.Context, cc *chain.Client, b Block) (time.Time, error) {
	var ms uint64
	found, err := cc.Storage(ctx, b.Hash, "Timestamp", "Now", &ms)
	if err != nil || !found {
		return time.Time{}, err
	}
	return time.UnixMilli(int64(ms)).UTC(), nil
}

// Neurons returns every neuron of the subnet at block b in uid order
// (NeuronInfoRuntimeApi_get_neurons_lite); none when the subnet does not
// exist.
func (c *Client) Neurons(ctx context.Context, b Block, netuid uint16) ([]Neuron, error) {
	var out []Neuron
	err := c.read(ctx, operationNeurons, b.Number, func(ctx context.Context, cc *chain.Client) error {
		var err error
		out, err = neuronsAt(ctx, cc, b, netuid)
		return err
	})
	return out, err
}

// SubnetState returns the subnet's state at block b
// (SubnetInfoRuntimeApi_get_subnet_state); ErrSubnetNotFound when the subnet
// does not exist.
func (c *Client) SubnetState(ctx context.Context, b Block, netuid uint16) (*SubnetState, error) {
	var out *SubnetState
	err := c.read(ctx, operationSubState, b.Number, func(ctx context.Context, cc *chain.Client) error {
		var err error
		out, err = subnetStateAt(ctx, cc, b, netuid)
		return err
	})
	return out, err
}

// SubnetNeurons returns the neurons of the subnet at block b with their
// stakes and the block's time: get_neurons_lite, get_subnet_state and
// Timestamp.Now at the same block, read concurrently from the same node. A
// subnet that does not exist has no neurons (Pylon answers an empty list).
func (c *Client) SubnetNeurons(ctx context.Context, b Block, netuid uint16) (*SubnetNeurons, error) {
	out := &SubnetNeurons{Block: BlockInfo{Block: b}, Netuid: netuid}
	err := c.read(ctx, operationNeurons, b.Number, func(ctx context.Context, cc *chain.Client) error {
		g, gctx := errgroup.WithContext(ctx)
		var state *SubnetState
		g.Go(func() error {
			var err error
			out.Neurons, err = neuronsAt(gctx, cc, b, netuid)
			return err
		})
		g.Go(func() error {
			var err error
			state, err = subnetStateAt(gctx, cc, b, netuid)
			if errors.Is(err, ErrSubnetNotFound) {
				return nil
			}
			return err
		})
		g.Go(func() error {
			var err error
			out.Block.Time, err = timestampAt(gctx, cc, b)
			return err
		})
		if err := g.Wait(); err != nil {
			return err
		}
		if state != nil {
			out.Stakes = state.HotkeyStakes()
		} else {
			out.Stakes = map[keys.AccountID]Stakes{}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func neuronsAt(ctx context.Context, cc *chain.Client, b Block, netuid uint16) ([]Neuron, error) {
	var ns []Neuron
	if err := cc.RuntimeCall(ctx, b.Hash, neuronInfoAPI, getNeuronsLite, &ns, netuid); err != nil {
		return nil, err
	}
	return ns, nil
}

func subnetStateAt(ctx context.Context, cc *chain.Client, b Block, netuid uint16) (*SubnetState, error) {
	var st *SubnetState
	if err := cc.RuntimeCall(ctx, b.Hash, subnetInfoAPI, getSubnetState, &st, netuid); err != nil {
		return nil, err
	}
	if st == nil {
		return nil, fmt.Errorf("%w: netuid %d at block %d", ErrSubnetNotFound, netuid, b.Number)
	}
	return st, nil
}

// Hyperparameters returns the subnet's hyperparameters at block b, from the
// newest hyperparameter API the block's runtime offers, with the
// commit-reveal version from storage. ErrSubnetNotFound when the subnet does
// not exist.
func (c *Client) Hyperparameters(ctx context.Context, b Block, netuid uint16) (*Hyperparameters, error) {
	var out *Hyperparameters
	err := c.read(ctx, operationHyper, b.Number, func(ctx context.Context, cc *chain.Client) error {
		var err error
		out, err = hyperparametersAt(ctx, cc, b, netuid)
		return err
	})
	return out, err
}

func hyperparametersAt(ctx context.Context, cc *chain.Client, b Block, netuid uint16) (*Hyperparameters, error) {
	rt, err := cc.Runtime(ctx, b.Hash)
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, name := range hyperparamMethods {
		m, err := chain.RuntimeAPIMethod(rt, subnetInfoAPI, name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		args, err := m.EncodeArgs(netuid)
		if err != nil {
			return nil, fmt.Errorf("subtensor: %s arguments: %w", m.FullName(), err)
		}
		h := &Hyperparameters{Block: BlockInfo{Block: b}, Netuid: netuid, Source: m.FullName()}
		g, gctx := errgroup.WithContext(ctx)
		g.Go(func() error {
			raw, err := cc.RuntimeCallRaw(gctx, b.Hash, m.FullName(), args)
			if err != nil {
				return err
			}
			h.Params, err = decodeHyperparams(m, rt.Metadata.Types, raw)
			if errors.Is(err, errNoSubnet) {
				return fmt.Errorf("%w: netuid %d at block %d", ErrSubnetNotFound, netuid, b.Number)
			}
			return err
		})
		g.Go(func() error {
			v, err := commitRevealVersion(gctx, cc, b)
			h.CommitRevealVersion = v
			return err
		})
		g.Go(func() error {
			var err error
			h.Block.Time, err = timestampAt(gctx, cc, b)
			return err
		})
		if err := g.Wait(); err != nil {
			return nil, err
		}
		if err := h.fillTyped(); err != nil {
			return nil, err
		}
		return h, nil
	}
	return nil, fmt.Errorf("subtensor: no hyperparameter API in spec %d: %w", rt.SpecVersion, errors.Join(errs...))
}

// commitRevealVersion reads CommitRevealWeightsVersion (its default when
// unset); nil when the block's runtime has no such item.
func commitRevealVersion(ctx context.Context, cc *chain.Client, b Block) (*uint16, error) {
	var v uint16
	_, err := cc.Storage(ctx, b.Hash, palletSubtensor, itemCRVersion, &v)
	if errors.Is(err, chain.ErrNotInRuntime) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &v, nil
}

// Certificates returns every neuron certificate of the subnet at block b
// (NeuronCertificates), by hotkey.
func (c *Client) Certificates(ctx context.Context, b Block, netuid uint16) (Certificates, error) {
	out := Certificates{}
	err := c.read(ctx, operationCerts, b.Number, func(ctx context.Context, cc *chain.Client) error {
		clear(out)
		for it, err := range cc.StorageIter(ctx, b.Hash, palletSubtensor, itemCertificates, netuid) {
			if err != nil {
				return err
			}
			var hotkey keys.AccountID
			if err := it.DecodeKey(1, &hotkey); err != nil {
				return fmt.Errorf("subtensor: %s key: %w", itemCertificates, err)
			}
			var cert Certificate
			if err := it.Decode(&cert); err != nil {
				return fmt.Errorf("subtensor: %s of %s: %w", itemCertificates, hotkey, err)
			}
			out[hotkey] = cert
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Certificate returns the hotkey's certificate on the subnet at block b, or
// nil when it has none.
func (c *Client) Certificate(ctx context.Context, b Block, netuid uint16, hotkey keys.AccountID) (*Certificate, error) {
	var out *Certificate
	err := c.read(ctx, operationCert, b.Number, func(ctx context.Context, cc *chain.Client) error {
		var cert Certificate
		found, err := cc.Storage(ctx, b.Hash, palletSubtensor, itemCertificates, &cert, netuid, [32]byte(hotkey))
		if err == nil && found {
			out = &cert
		}
		return err
	})
	return out, err
}

// UID returns the hotkey's uid on the subnet at block b; ok is false when the
// hotkey is not registered there.
func (c *Client) UID(ctx context.Context, b Block, netuid uint16, hotkey keys.AccountID) (uid uint16, ok bool, err error) {
	err = c.read(ctx, operationUID, b.Number, func(ctx context.Context, cc *chain.Client) error {
		var e error
		ok, e = cc.Storage(ctx, b.Hash, palletSubtensor, itemUids, &uid, netuid, [32]byte(hotkey))
		return e
	})
	return uid, ok, err
}

// Age returns how long before now the block was authored, never negative
// (a node's clock may run ahead of ours).
func (b BlockInfo) Age(now time.Time) time.Duration {
	if b.Time.IsZero() || now.Before(b.Time) {
		return 0
	}
	return now.Sub(b.Time)
}
