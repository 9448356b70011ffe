package devnet

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
)

// Options configure the bootstrap (devnet/lib/world.mjs). Zero values take the defaults; values
// at the top level apply to every subnet unless the subnet sets its own.
type Options struct {
	// Subnets lists the subnets to create, in netuid order. nil = two subnets, the first with
	// commit-reveal off and the second with commit-reveal (v2, hash) on.
	Subnets []SubnetOptions `json:"subnets,omitempty"`
	// Neurons per subnet including the owner's uid 0 (default 16, at most 256).
	Neurons int `json:"neurons,omitempty"`
	// Tempo (default 10).
	Tempo int `json:"tempo,omitempty"`
	// WeightsRateLimit in blocks (default 0).
	WeightsRateLimit int `json:"weightsRateLimit,omitempty"`
	// ServingRateLimit in blocks (default 0, so tests may serve an axon again at once).
	ServingRateLimit int `json:"servingRateLimit,omitempty"`
	// Validators: neurons 0…Validators-1 stake alpha and MaxAllowedValidators is set to this
	// (default min(4, neurons)).
	Validators int `json:"validators,omitempty"`
	// Axons: neurons 0…Axons-1 serve an axon with a TLS certificate (default min(6, neurons)).
	Axons int `json:"axons,omitempty"`
}

// SubnetOptions override Options for one subnet.
type SubnetOptions struct {
	CommitReveal     bool `json:"commitReveal"`
	Neurons          int  `json:"neurons,omitempty"`
	Tempo            int  `json:"tempo,omitempty"`
	WeightsRateLimit int  `json:"weightsRateLimit,omitempty"`
	ServingRateLimit int  `json:"servingRateLimit,omitempty"`
	Validators       int  `json:"validators,omitempty"`
	Axons            int  `json:"axons,omitempty"`
}

// World is what the bootstrap built, as read back from the chain.
type World struct {
	// Sudo is the sudo key's URI (//Alice), SudoAddress its SS58 address.
	Sudo        string   `json:"sudo"`
	SudoAddress string   `json:"sudoAddress"`
	GenesisHash string   `json:"genesisHash"`
	SpecVersion uint32   `json:"specVersion"`
	Block       BlockRef `json:"block"` // the head when the bootstrap finished
	// WalletDir holds the bittensor wallets: <WalletDir>/<Neuron.Wallet>/hotkeys/<Neuron.HotkeyName>;
	// one wallet (coldkey) per owner and validator, one per group of four miners.
	WalletDir string `json:"walletDir"`
	ElapsedMs int64  `json:"elapsedMs"`
	// Steps says in which blocks the bootstrap's steps landed (a diagnostic, e.g. "funding in #2").
	Steps   []string `json:"steps"`
	Subnets []Subnet `json:"subnets"`
}

// Subnet is one bootstrapped subnet with its hyperparameters as read back.
type Subnet struct {
	Index                int      `json:"index"`
	Netuid               uint16   `json:"netuid"`
	Tempo                uint16   `json:"tempo"`
	CommitReveal         bool     `json:"commitReveal"`
	WeightsRateLimit     uint64   `json:"weightsRateLimit"`
	ServingRateLimit     uint64   `json:"servingRateLimit"`
	MaxAllowedValidators uint16   `json:"maxAllowedValidators"`
	Owner                Owner    `json:"owner"`
	Neurons              []Neuron `json:"neurons"`
}

// Owner is a subnet owner's key pair (neuron 0 of the subnet).
type Owner struct {
	Coldkey string `json:"coldkey"`
	Hotkey  string `json:"hotkey"`
}

// Neuron is one registered neuron. Keys are deterministic: the same on every fresh devnet.
// Seeds are 32-byte sr25519 mini secrets (0x hex), usable as Tx signers.
type Neuron struct {
	Index            int          `json:"index"`
	UID              uint16       `json:"uid"`
	Hotkey           string       `json:"hotkey"`
	HotkeyPublicKey  string       `json:"hotkeyPublicKey"`
	HotkeySeed       string       `json:"hotkeySeed"`
	Coldkey          string       `json:"coldkey"`
	ColdkeyPublicKey string       `json:"coldkeyPublicKey"`
	ColdkeySeed      string       `json:"coldkeySeed"`
	Wallet           string       `json:"wallet"`
	HotkeyName       string       `json:"hotkeyName"`
	Validator        bool         `json:"validator"` // staked by the bootstrap
	ValidatorPermit  bool         `json:"validatorPermit"`
	Stake            string       `json:"stake"` // TotalHotkeyAlpha on the subnet, rao, decimal
	Axon             *Axon        `json:"axon"`
	Certificate      *Certificate `json:"certificate"`
}

// Subnet returns the subnet with this netuid, or nil.
func (w *World) Subnet(netuid uint16) *Subnet {
	for i := range w.Subnets {
		if w.Subnets[i].Netuid == netuid {
			return &w.Subnets[i]
		}
	}
	return nil
}

// Validators are the staked neurons of the subnet.
func (s *Subnet) Validators() []Neuron {
	var out []Neuron
	for i := range s.Neurons {
		if s.Neurons[i].Validator {
			out = append(out, s.Neurons[i])
		}
	}
	return out
}

// HotkeyFile is the path of the neuron's hotkey keyfile in the world's wallet directory.
func (w *World) HotkeyFile(n Neuron) string {
	return filepath.Join(w.WalletDir, n.Wallet, "hotkeys", n.HotkeyName)
}

// Bootstrap builds the world on this devnet (a fresh chain) and writes the wallets into
// <Dir>/wallets. The same options on a fresh chain give the same World except block hashes and
// timings.
func (d *Devnet) Bootstrap(ctx context.Context, opts Options) (*World, error) {
	walletDir := filepath.Join(d.Dir, "wallets")
	if err := os.MkdirAll(walletDir, 0o700); err != nil {
		return nil, fmt.Errorf("devnet: %w", err)
	}
	params := struct {
		Options
		WalletDir string `json:"walletDir"`
	}{opts, walletDir}
	var w World
	if err := d.oracle.Do(ctx, "bootstrap", params, &w); err != nil {
		return nil, fmt.Errorf("devnet bootstrap: %w", err)
	}
	d.worldMu.Lock()
	d.world = &w
	d.worldMu.Unlock()
	return &w, nil
}

// World returns the last world bootstrapped on this devnet, or nil.
func (d *Devnet) World() *World {
	d.worldMu.Lock()
	defer d.worldMu.Unlock()
	return d.world
}

// TxResult is the outcome of a setup transaction.
type TxResult struct {
	Hash        string   `json:"hash"`
	BlockHash   string   `json:"blockHash"`
	BlockNumber uint64   `json:"blockNumber"`
	Index       int      `json:"index"`
	OK          bool     `json:"ok"`
	Error       *string  `json:"error"`
	Events      []string `json:"events"`
}

// Tx signs call ("pallet.method" in polkadot-js names, e.g. "subtensorModule.setWeights") with
// signer (a //URI such as //Bob, or a 0x mini-secret seed such as Neuron.HotkeySeed), submits it,
// builds a block in Manual mode and waits for inclusion. A dispatch error is an error. For test
// setup only: the code under test must sign and submit by itself.
func (d *Devnet) Tx(ctx context.Context, signer, call string, args ...any) (*TxResult, error) {
	return d.tx(ctx, signer, call, false, args)
}

// Sudo is Tx of sudo.sudo(call) signed by //Alice, e.g.
// d.Sudo(ctx, "adminUtils.sudoSetWeightsSetRateLimit", netuid, 5).
func (d *Devnet) Sudo(ctx context.Context, call string, args ...any) (*TxResult, error) {
	return d.tx(ctx, "//Alice", call, true, args)
}

func (d *Devnet) tx(ctx context.Context, signer, call string, sudo bool, args []any) (*TxResult, error) {
	var out TxResult
	err := d.oracle.Do(ctx, "tx", map[string]any{"signer": signer, "call": call, "args": argsOrEmpty(args), "sudo": sudo}, &out)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// Upgrade describes a runtime upgrade performed by UpgradeRuntime.
type Upgrade struct {
	Block      uint64 `json:"block"` // N: the block holding set_code
	Hash       string `json:"hash"`
	SpecBefore uint32 `json:"specBefore"`
	SpecAfter  uint32 `json:"specAfter"`
}

// UpgradeRuntime performs the real runtime upgrade of DEVNET.md §6: sudo(system.set_code(<:code of
// the spec-218 chain spec>)) in block N, one more block for the migrations (N+1), then re-applies
// the bootstrapped hyperparameters (migrate_rao resets every Tempo to 30) in block N+2. It returns
// N. Start the devnet with Config{Runtime: Spec204}.
func (d *Devnet) UpgradeRuntime(ctx context.Context) (uint64, error) {
	u, err := d.UpgradeRuntimeDetail(ctx)
	if err != nil {
		return 0, err
	}
	return u.Block, nil
}

// UpgradeRuntimeDetail is UpgradeRuntime returning the block hash and spec versions too.
func (d *Devnet) UpgradeRuntimeDetail(ctx context.Context) (*Upgrade, error) {
	spec := d.cfg.UpgradeSpec
	if spec == "" {
		var err error
		if spec, err = chainSpecPath(Config{Runtime: Spec218}); err != nil {
			return nil, err
		}
	}
	abs, err := filepath.Abs(spec)
	if err != nil {
		return nil, fmt.Errorf("devnet: %w", err)
	}
	var u Upgrade
	if err := d.oracle.Do(ctx, "upgrade", map[string]any{"specPath": abs}, &u); err != nil {
		return nil, fmt.Errorf("devnet upgrade: %w", err)
	}
	if w := d.World(); w != nil {
		if err := d.oracle.Do(ctx, "reapply", map[string]any{"subnets": w.Subnets}, nil); err != nil {
			return nil, fmt.Errorf("devnet upgrade: re-apply hyperparameters: %w", err)
		}
	}
	return &u, nil
}
