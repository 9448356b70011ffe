package subtensor

import (
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pylon-go/pylon/internal/chain/extrinsic"
	"github.com/pylon-go/pylon/internal/devnet"
	"github.com/pylon-go/pylon/internal/keys"
	"github.com/pylon-go/pylon/internal/weights"
)

// signerOf is the hotkey of a world neuron.
func signerOf(t *testing.T, n devnet.Neuron) (*keys.Keypair, keys.AccountID) {
	t.Helper()
	seed, err := hex.DecodeString(strings.TrimPrefix(n.HotkeySeed, "0x"))
	if err != nil {
		t.Fatal(err)
	}
	kp, err := keys.KeypairFromSeed(seed)
	if err != nil {
		t.Fatal(err)
	}
	id := kp.AccountID()
	return kp, id
}

func devnetRead(at string) devnet.ReadOptions { return devnet.ReadOptions{At: at} }

// TestWeightsReadsMatchOracle: the reads the weights runner and the
// certificate write rely on, at one block, against polkadot-js — the calls
// the runtime offers (spec 218: set and hash commit-reveal, no timelocked
// commits, no mechanisms), LastUpdate, axons (and none for a neuron that
// never served), the legacy epoch schedule.
func TestWeightsReadsMatchOracle(t *testing.T) {
	ctx := testCtx(t)
	c := newClient(t, dial(t, dn.URL), Options{})
	head := c.Head()
	calls, err := c.Calls(ctx, head)
	if err != nil {
		t.Fatal(err)
	}
	if !containsAll(calls, weights.CallSetWeights, weights.CallCommitWeights, weights.CallRevealWeights, "serve_axon_tls") ||
		slices.Contains(calls, weights.CallCommitTimelockedMechanismWeights) || slices.Contains(calls, weights.CallSetMechanismWeights) {
		t.Errorf("calls of spec 218: %v", calls)
	}
	mode, err := weights.ChooseMode(weights.ModeFacts{Calls: calls})
	if err != nil || mode.Call != weights.CallSetWeights {
		t.Errorf("mode without commit-reveal: %+v, %v", mode, err)
	}
	mode, err = weights.ChooseMode(weights.ModeFacts{CommitRevealEnabled: true, Calls: calls})
	if err != nil || mode.Mode != weights.ModeCommitRevealHash || mode.RevealCall != weights.CallRevealWeights {
		t.Errorf("mode with commit-reveal: %+v, %v", mode, err)
	}
	for _, sub := range world.Subnets {
		count, supported, err := c.Mechanisms(ctx, head, sub.Netuid)
		if err != nil || supported || count != 1 {
			t.Errorf("netuid %d mechanisms: %d, supported %v, %v", sub.Netuid, count, supported, err)
		}
		st, err := c.EpochState(ctx, head, sub.Netuid)
		if err != nil || st != nil {
			t.Errorf("netuid %d: stateful epochs %+v, %v on a legacy runtime", sub.Netuid, st, err)
		}
		lu, err := c.LastUpdate(ctx, head, sub.Netuid)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := dn.Oracle().QueryWith(ctx, devnetRead(head.Hash.String()), "query.subtensorModule.lastUpdate", sub.Netuid)
		if err != nil {
			t.Fatal(err)
		}
		if want := numbersOf(t, raw); !slices.Equal(lu, want) || len(lu) != len(sub.Neurons) {
			t.Errorf("netuid %d LastUpdate %v, oracle %v", sub.Netuid, lu, want)
		}
		served := 0
		for _, n := range sub.Neurons {
			hk, _ := keys.ParseAccountID(n.Hotkey)
			got, err := c.Axon(ctx, head, sub.Netuid, hk)
			if err != nil {
				t.Fatal(err)
			}
			want, err := dn.Oracle().Axon(ctx, sub.Netuid, n.Hotkey, head.Hash.String())
			if err != nil {
				t.Fatal(err)
			}
			if want == nil {
				if got != nil {
					t.Errorf("uid %d: axon %+v, the oracle has none", n.UID, got)
				}
			} else {
				served++
				if got == nil || got.Port != want.Port || got.Addr().String() != want.IP || got.IPType != want.IPType ||
					got.Protocol != want.Protocol || got.Version != want.Version || got.Block != want.Block {
					t.Errorf("uid %d: axon %+v, oracle %+v", n.UID, got, want)
				}
			}
		}
		if served == 0 || served == len(sub.Neurons) {
			t.Errorf("netuid %d: %d of %d neurons serve; the world has both kinds", sub.Netuid, served, len(sub.Neurons))
		}
	}
}

// TestWritesLandOnChain: weights, a hash commit and a certificate submitted
// through the client land as polkadot-js reads them back.
func TestWritesLandOnChain(t *testing.T) {
	ctx := testCtx(t)
	c := newClient(t, dial(t, dn.URL), Options{})
	t.Cleanup(dn.ProduceBlocks(200 * time.Millisecond))

	plain, cr := world.Subnets[0], world.Subnets[1]
	if plain.CommitReveal || !cr.CommitReveal {
		t.Fatalf("world subnets %v / %v", plain.CommitReveal, cr.CommitReveal)
	}
	v := plain.Neurons[1]
	kp, _ := signerOf(t, v)
	call, err := WeightsCall{Name: weights.CallSetWeights, Netuid: plain.Netuid, UIDs: []uint16{0, 1, 2}, Values: []uint16{100, 200, 400}}.Call()
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Submit(ctx, kp, call)
	if err != nil {
		t.Fatalf("set_weights: %v", err)
	}
	got, err := dn.Oracle().Weights(ctx, plain.Netuid, v.UID, res.BlockHash.String())
	if err != nil {
		t.Fatal(err)
	}
	// The chain max-upscales: [100,200,400] → [16384, 32768, 65535].
	if fmt.Sprint(got) != "[{0 16384} {1 32768} {2 65535}]" {
		t.Errorf("stored weights %v", got)
	}

	cv := cr.Neurons[2]
	ckp, chk := signerOf(t, cv)
	commit := weights.Commit{Hotkey: chk, NetuidIndex: cr.Netuid, UIDs: []uint16{0, 1}, Values: []uint16{1, 65535}, Salt: []uint16{7, 7, 7}}
	call, err = WeightsCall{Name: weights.CallCommitWeights, Netuid: cr.Netuid, CommitHash: commit.Hash()}.Call()
	if err != nil {
		t.Fatal(err)
	}
	res, err = c.Submit(ctx, ckp, call)
	if err != nil {
		t.Fatalf("commit_weights: %v", err)
	}
	at := Block{Number: res.BlockNumber, Hash: res.BlockHash}
	mine, err := c.WeightCommits(ctx, at, cr.Netuid, chk)
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := dn.Oracle().WeightCommits(ctx, cr.Netuid, cv.Hotkey, res.BlockHash.String())
	if err != nil {
		t.Fatal(err)
	}
	h := commit.Hash()
	if len(mine) != 1 || len(theirs) != 1 || mine[0].Hash != h || theirs[0].Hash != "0x"+hex.EncodeToString(h[:]) ||
		mine[0].CommitBlock != res.BlockNumber || theirs[0].CommitBlock != res.BlockNumber ||
		mine[0].FirstRevealBlock != theirs[0].FirstRevealBlock || mine[0].LastRevealBlock != theirs[0].LastRevealBlock {
		t.Errorf("commits: ours %+v, oracle %+v", mine, theirs)
	}

	// A certificate for a serving neuron, keeping its axon.
	sv := plain.Neurons[0]
	skp, shk := signerOf(t, sv)
	axon, err := c.Axon(ctx, c.Head(), plain.Netuid, shk)
	if err != nil || axon == nil {
		t.Fatalf("axon of uid %d: %+v, %v", sv.UID, axon, err)
	}
	cert, err := keys.GenerateCertificateKeypair(nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err = c.Submit(ctx, skp, ServeAxonTLSFor(plain.Netuid, *axon, cert.ChainArgument()).Call(), extrinsic.WaitInBlock())
	if err != nil {
		t.Fatalf("serve_axon_tls: %v", err)
	}
	stored, err := dn.Oracle().Certificate(ctx, plain.Netuid, sv.Hotkey, res.BlockHash.String())
	if err != nil {
		t.Fatal(err)
	}
	if stored == nil || stored.Algorithm != 1 || stored.PublicKey != "0x"+cert.PublicKeyHex() {
		t.Errorf("stored certificate %+v, want %s", stored, cert.PublicKeyHex())
	}
	after, err := dn.Oracle().Axon(ctx, plain.Netuid, sv.Hotkey, res.BlockHash.String())
	if err != nil {
		t.Fatal(err)
	}
	if after == nil || after.IP != axon.Addr().String() || after.Port != axon.Port || after.Protocol != axon.Protocol || after.Version != axon.Version {
		t.Errorf("axon after: %+v, before %+v", after, axon)
	}
}
