package subtensor

import (
	"context"
	"errors"
	"fmt"

	"github.com/pylon-go/pylon/internal/chain"
	"github.com/pylon-go/pylon/internal/keys"
)

// Storage items and runtime-API methods behind weight setting and serving.
const (
	itemLastUpdate        = "LastUpdate"
	itemAxons             = "Axons"
	itemWeightCommits     = "WeightCommits"
	itemMechanismCount    = "MechanismCountCurrent"
	itemTempo             = "Tempo"
	itemSubnetEpochIndex  = "SubnetEpochIndex"
	itemLastEpochBlock    = "LastEpochBlock"
	itemPendingEpochAt    = "PendingEpochAt"
	getNextEpochStart     = "get_next_epoch_start_block"
	operationCalls        = "calls"
	operationLastUpdate   = "last_update"
	operationAxon         = "axon"
	operationMechanisms   = "mechanisms"
	operationEpochs       = "epochs"
	operationWeightCommit = "weight_commits"
)

// Calls lists the names of the SubtensorModule calls the runtime of block b
// offers, in metadata order: what decides how weights can be submitted
// (weights.ChooseMode), read from the metadata rather than assumed from a
// spec version.
func (c *Client) Calls(ctx context.Context, b Block) ([]string, error) {
	var out []string
	err := c.read(ctx, operationCalls, b.Number, func(ctx context.Context, cc *chain.Client) error {
		rt, err := cc.Runtime(ctx, b.Hash)
		if err != nil {
			return err
		}
		p, err := rt.Metadata.Pallet(palletSubtensor)
		if err != nil {
			return fmt.Errorf("subtensor: spec %d: %w", rt.SpecVersion, err)
		}
		out = make([]string, 0, len(p.Calls))
		for _, call := range p.Calls {
			out = append(out, call.Name)
		}
		return nil
	})
	return out, err
}

// LastUpdate returns LastUpdate[netuidIndex] at block b: per uid, the block of
// its last weights (set, commit or reveal), 0 for never. netuidIndex is the
// storage index (netuid + mechanism·4096; the netuid for mechanism 0).
func (c *Client) LastUpdate(ctx context.Context, b Block, netuidIndex uint16) ([]uint64, error) {
	var out []uint64
	err := c.read(ctx, operationLastUpdate, b.Number, func(ctx context.Context, cc *chain.Client) error {
		_, err := cc.Storage(ctx, b.Hash, palletSubtensor, itemLastUpdate, &out, netuidIndex)
		return err
	})
	return out, err
}

// Axon returns the hotkey's axon on the subnet at block b (Axons), or nil
// when it never served one.
func (c *Client) Axon(ctx context.Context, b Block, netuid uint16, hotkey keys.AccountID) (*AxonInfo, error) {
	var out *AxonInfo
	err := c.read(ctx, operationAxon, b.Number, func(ctx context.Context, cc *chain.Client) error {
		var a AxonInfo
		found, err := cc.Storage(ctx, b.Hash, palletSubtensor, itemAxons, &a, netuid, [32]byte(hotkey))
		if err == nil && found {
			out = &a
		}
		return err
	})
	return out, err
}

// Mechanisms returns how many mechanisms the subnet has at block b
// (MechanismCountCurrent; ids 0 … count−1). supported is false on runtimes
// without mechanisms, whose subnets have only mechanism 0.
func (c *Client) Mechanisms(ctx context.Context, b Block, netuid uint16) (count uint8, supported bool, err error) {
	err = c.read(ctx, operationMechanisms, b.Number, func(ctx context.Context, cc *chain.Client) error {
		_, err := cc.Storage(ctx, b.Hash, palletSubtensor, itemMechanismCount, &count, netuid)
		if errors.Is(err, chain.ErrNotInRuntime) {
			count = 1
			return nil
		}
		supported = err == nil
		return err
	})
	return count, supported, err
}

// WeightCommit is one pending commit-reveal v2 commit (WeightCommits): the
// hash, the block that included it and the blocks in which its reveal is
// accepted.
type WeightCommit struct {
	Hash             [32]byte
	CommitBlock      uint64
	FirstRevealBlock uint64
	LastRevealBlock  uint64
}

// WeightCommits returns the hotkey's pending hash commits on the subnet's
// storage index at block b (WeightCommits[netuidIndex][hotkey]), oldest
// first.
func (c *Client) WeightCommits(ctx context.Context, b Block, netuidIndex uint16, hotkey keys.AccountID) ([]WeightCommit, error) {
	var out []WeightCommit
	err := c.read(ctx, operationWeightCommit, b.Number, func(ctx context.Context, cc *chain.Client) error {
		var raw []struct {
			Hash   [32]byte
			Commit uint64
			First  uint64
			Last   uint64
		}
		if _, err := cc.Storage(ctx, b.Hash, palletSubtensor, itemWeightCommits, &raw, netuidIndex, [32]byte(hotkey)); err != nil {
			return err
		}
		out = make([]WeightCommit, len(raw))
		for i, r := range raw {
			out[i] = WeightCommit{Hash: r.Hash, CommitBlock: r.Commit, FirstRevealBlock: r.First, LastRevealBlock: r.Last}
		}
		return nil
	})
	return out, err
}

// hasStorage reports whether the runtime has the SubtensorModule storage item.
func hasStorage(rt *chain.Runtime, item string) bool {
	_, err := rt.Metadata.StorageEntry(palletSubtensor, item)
	return err == nil
}

// EpochState is a subnet's epoch schedule on a runtime with stateful epochs
// (spec ≥ 423, CHAIN.md §9.2), read at one block.
type EpochState struct {
	Tempo          uint16
	EpochIndex     uint64
	LastEpochBlock uint64
	PendingEpochAt uint64
	// NextEpochStart is the runtime API's get_next_epoch_start_block, nil
	// when the runtime does not offer it (then it follows from the storage
	// values).
	NextEpochStart *uint64
}

// EpochState returns the subnet's stateful epoch schedule at block b, or nil
// when the block's runtime has the legacy modulo schedule (no
// LastEpochBlock in its metadata). The runtime, not a spec number, decides.
func (c *Client) EpochState(ctx context.Context, b Block, netuid uint16) (*EpochState, error) {
	var out *EpochState
	err := c.read(ctx, operationEpochs, b.Number, func(ctx context.Context, cc *chain.Client) error {
		rt, err := cc.Runtime(ctx, b.Hash)
		if err != nil {
			return err
		}
		if !hasStorage(rt, itemLastEpochBlock) {
			return nil // legacy schedule
		}
		st := &EpochState{}
		if _, err := cc.Storage(ctx, b.Hash, palletSubtensor, itemTempo, &st.Tempo, netuid); err != nil {
			return err
		}
		if _, err := cc.Storage(ctx, b.Hash, palletSubtensor, itemLastEpochBlock, &st.LastEpochBlock, netuid); err != nil {
			return err
		}
		for item, dst := range map[string]*uint64{itemSubnetEpochIndex: &st.EpochIndex, itemPendingEpochAt: &st.PendingEpochAt} {
			if _, err := cc.Storage(ctx, b.Hash, palletSubtensor, item, dst, netuid); err != nil && !errors.Is(err, chain.ErrNotInRuntime) {
				return err
			}
		}
		if _, err := chain.RuntimeAPIMethod(rt, subnetInfoAPI, getNextEpochStart); err == nil {
			var next *uint64
			if err := cc.RuntimeCall(ctx, b.Hash, subnetInfoAPI, getNextEpochStart, &next, netuid); err != nil {
				return err
			}
			st.NextEpochStart = next
		}
		out = st
		return nil
	})
	return out, err
}
