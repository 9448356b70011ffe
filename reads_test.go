package pylon_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/pylon-go/pylon"
	"github.com/pylon-go/pylon/pylontest"
)

// TestReadsThroughTheClient calls every read method against the real service
// (pylontest.NewServer on the devnet) and checks the answers against the
// world the bootstrap built, and the freshness every read reports.
func TestReadsThroughTheClient(t *testing.T) {
	sub := world.Subnets[1] // commit-reveal on
	owner := sub.Neurons[0]
	srv := pylontest.NewServer(t,
		pylontest.WithChainEndpoint(dn.URL),
		pylontest.WithIdentity("sn1", sub.Netuid),
		pylontest.WithSetting("PYLON_BITTENSOR_WALLET_PATH", world.WalletDir),
		pylontest.WithSetting("PYLON_ID_SN1_WALLET_NAME", owner.Wallet),
		pylontest.WithSetting("PYLON_ID_SN1_HOTKEY_NAME", owner.HotkeyName),
	)
	c := srv.Client
	ctx := context.Background()
	fresh := func(name string, resp *pylon.Response, b pylon.Block) {
		t.Helper()
		if resp == nil || resp.Freshness == nil || resp.Freshness.Block != b || resp.Freshness.Age < 0 {
			t.Errorf("%s: freshness %+v for block %+v", name, resp, b)
		}
	}

	latest, resp, err := c.LatestBlock(ctx)
	if err != nil {
		t.Fatal(err)
	}
	fresh("LatestBlock", resp, latest.Block)
	if latest.Number < int64(world.Block.Number) || latest.Timestamp <= 0 {
		t.Errorf("latest block %+v; the world ended at %+v", latest, world.Block)
	}
	b, resp, err := c.Block(ctx, int64(world.Block.Number))
	if err != nil || b.Hash != world.Block.Hash {
		t.Errorf("Block(%d) = %+v, %v; world hash %s", world.Block.Number, b, err, world.Block.Hash)
	} else {
		fresh("Block", resp, b.Block)
	}
	if _, _, err := c.Block(ctx, latest.Number+1000); !errors.Is(err, pylon.ErrNotFound) {
		t.Errorf("a future block: %v", err)
	}

	recent, resp, err := c.RecentNeurons(ctx, sub.Netuid)
	if err != nil || len(recent.Neurons) != len(sub.Neurons) {
		t.Fatalf("RecentNeurons: %v", err)
	}
	fresh("RecentNeurons", resp, recent.Block)
	if _, _, err := c.RecentNeurons(ctx, world.Subnets[0].Netuid); !errors.Is(err, pylon.ErrNotFound) {
		t.Errorf("recent neurons of a subnet that is not cached: %v", err)
	}

	vals, resp, err := c.LatestValidators(ctx, sub.Netuid)
	if err != nil {
		t.Fatal(err)
	}
	fresh("LatestValidators", resp, vals.Block)
	atBlock, _, err := c.Validators(ctx, sub.Netuid, vals.Block.Number)
	if err != nil || len(atBlock.Validators) != len(vals.Validators) || atBlock.Block != vals.Block {
		t.Errorf("Validators at the same block: %+v, %v", atBlock, err)
	}
	for i, v := range vals.Validators {
		if !v.ValidatorPermit || (i > 0 && v.Stakes.Total > vals.Validators[i-1].Stakes.Total) {
			t.Errorf("validator %d (uid %d) out of order or without a permit", i, v.UID)
		}
	}

	certs, resp, err := c.Certificates(ctx, sub.Netuid)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Freshness == nil {
		t.Error("Certificates: no freshness")
	}
	for _, n := range sub.Neurons {
		cert, _, err := c.Certificate(ctx, sub.Netuid, n.Hotkey)
		switch {
		case n.Certificate == nil:
			if !errors.Is(err, pylon.ErrNotFound) {
				t.Errorf("uid %d without a certificate: %v", n.UID, err)
			}
		case err != nil || "0x"+cert.PublicKey != n.Certificate.PublicKey || certs[n.Hotkey] != *cert:
			t.Errorf("uid %d: %+v, %v; listed %+v; world %s", n.UID, cert, err, certs[n.Hotkey], n.Certificate.PublicKey)
		}
	}
	own, _, err := c.OwnCertificate(ctx)
	if err != nil || "0x"+own.PublicKey != owner.Certificate.PublicKey || own.Algorithm != pylon.CertificateAlgorithmEd25519 {
		t.Errorf("OwnCertificate = %+v, %v", own, err)
	}

	h, resp, err := c.LatestHyperparameters(ctx, sub.Netuid)
	if err != nil {
		t.Fatal(err)
	}
	fresh("LatestHyperparameters", resp, h.Block)
	if h.Netuid != sub.Netuid || h.Tempo != sub.Tempo || h.WeightsRateLimit != sub.WeightsRateLimit || !h.CommitRevealWeightsEnabled ||
		h.CommitRevealPeriod == 0 || string(h.Values["commit_reveal_weights_enabled"]) != "true" || !strings.HasPrefix(h.Source, "SubnetInfoRuntimeApi_get_subnet_hyperparams") {
		t.Errorf("hyperparameters %+v; world %+v", h, sub)
	}
	old, _, err := c.Hyperparameters(ctx, sub.Netuid, int64(world.Block.Number))
	if err != nil || old.Block.Hash != world.Block.Hash || old.Tempo != sub.Tempo {
		t.Errorf("Hyperparameters at the world's block: %+v, %v", old, err)
	}
	if _, _, err := c.Hyperparameters(ctx, 999, h.Block.Number); !errors.Is(err, pylon.ErrNotFound) {
		t.Errorf("a subnet that does not exist: %v", err)
	}
	if _, _, err := c.Hyperparameters(ctx, sub.Netuid, h.Block.Number+1000); !errors.Is(err, pylon.ErrNotFound) {
		t.Errorf("a block that does not exist: %v", err)
	}
}
