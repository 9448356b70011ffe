package extrinsic_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pylon-go/pylon/internal/chain"
	"github.com/pylon-go/pylon/internal/chain/extrinsic"
)

// How the weights runner sets weights: one Submitter for the process, the call by name (encoded with the
// runtime at the head), the typed outcome decides what happens next. (Not run: it needs a chain.)
func ExampleSubmitter_Submit() {
	ctx := context.Background()
	client, err := chain.Dial(ctx, []string{"wss://entrypoint-finney.opentensor.ai:443"}, chain.Options{})
	if err != nil {
		panic(err)
	}
	defer func() { _ = client.Close() }()
	submitter, err := extrinsic.NewSubmitter(client, extrinsic.Options{
		Logger:     slog.Default(),
		Registerer: prometheus.DefaultRegisterer,
	})
	if err != nil {
		panic(err)
	}
	var hotkey extrinsic.Signer // a *keys.Keypair loaded from the wallet

	call := extrinsic.NewNamedCall("SubtensorModule", "set_mechanism_weights", map[string]any{
		"netuid": uint16(1), "mecid": uint8(0),
		"dests": []uint16{0, 1}, "weights": []uint16{16384, 65535},
		"version_key": uint64(9003000),
	})
	res, err := submitter.Submit(ctx, hotkey, call)

	var dispatch *extrinsic.DispatchError
	var pool *extrinsic.PoolError
	switch {
	case err == nil:
		fmt.Printf("weights set in block #%d (%s, extrinsic %d)\n", res.BlockNumber, res.BlockHash, res.Index)
	case errors.As(err, &dispatch):
		// In a block, rejected by the runtime: e.g. "SubtensorModule.SettingWeightsTooFast".
		fmt.Println("rejected on chain:", dispatch.Name())
	case errors.As(err, &pool):
		// Never entered the pool: e.g. custom 6 RateLimitExceeded; nothing to wait for.
		fmt.Println("refused at submission:", pool.Reason, pool.CustomName)
	case errors.Is(err, extrinsic.ErrEraExpired), errors.Is(err, extrinsic.ErrDropped),
		errors.Is(err, extrinsic.ErrInvalid), errors.Is(err, extrinsic.ErrUsurped):
		// Not included (for an expired era, certainly: every block of it was read). Try again with a new
		// extrinsic if the epoch allows.
		fmt.Println("not included:", err)
	default:
		// Transport or context trouble after submission: it may still land until res.EraEnd.
		fmt.Println("unknown:", err)
	}
}
