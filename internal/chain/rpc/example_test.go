package rpc_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pylon-go/pylon/internal/chain/rpc"
	"github.com/pylon-go/pylon/internal/chain/rpc/rpctest"
)

func Example() {
	node := rpctest.New() // stands in for a subtensor node
	defer node.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client, err := rpc.Dial(ctx, []string{node.URL()}, rpc.Options{})
	if err != nil {
		fmt.Println("dial:", err)
		return
	}
	defer func() { _ = client.Close() }()

	var header struct {
		Number string `json:"number"`
	}
	if err := client.Call(ctx, "chain_getHeader", &header); err != nil {
		fmt.Println("call:", err)
		return
	}
	fmt.Println("best block", header.Number)

	heads, err := client.SubscribeNewHeads(ctx)
	if err != nil {
		fmt.Println("subscribe:", err)
		return
	}
	node.AdvanceHead()
	for range 2 {
		n := <-heads.Notifications()
		_ = json.Unmarshal(n.Result, &header)
		fmt.Println("new head", header.Number)
	}
	fmt.Println("calls of chain_getHeader:", client.CallCount("chain_getHeader"))
	// Output:
	// best block 0x1
	// new head 0x1
	// new head 0x2
	// calls of chain_getHeader: 1
}

// A production client: several endpoints in order of preference, stall detection on, metrics registered.
func ExampleDial() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client, err := rpc.Dial(ctx, []string{
		"wss://entrypoint-finney.opentensor.ai:443",
		"wss://archive.chain.opentensor.ai:443",
	}, rpc.Options{
		Logger:      slog.Default(),
		Registerer:  prometheus.DefaultRegisterer,
		BlockTime:   12 * time.Second,
		StallBlocks: 5, // no new best block for a minute: replace the connection
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() { _ = client.Close() }()
	fmt.Println("using", client.Endpoint())
}

// Following heads across reconnects: after a Resumed item, notifications may have been missed, so re-read
// what is being followed.
func ExampleClient_SubscribeNewHeads() {
	var client *rpc.Client // from rpc.Dial
	ctx := context.Background()

	heads, err := client.SubscribeNewHeads(ctx)
	if err != nil {
		return
	}
	for n := range heads.Notifications() {
		if n.Resumed {
			var best json.RawMessage
			_ = client.Call(ctx, "chain_getHeader", &best) // re-sync: blocks may have been missed
		}
		if n.Result != nil {
			_ = n.Result // handle the header
		}
	}
	fmt.Println("subscription over:", heads.Err())
}

// Watching an extrinsic: the subscription is not resumable, so a broken connection ends it with
// ErrConnectionLost instead of submitting the extrinsic twice; the caller then looks for it in blocks.
func ExampleClient_Subscribe() {
	var client *rpc.Client // from rpc.Dial
	ctx := context.Background()

	watch, err := client.Subscribe(ctx, rpc.SubscribeRequest{
		Method:      "author_submitAndWatchExtrinsic",
		Unsubscribe: "author_unwatchExtrinsic",
		Params:      []any{"0x…signed extrinsic…"},
		Resumable:   false,
	})
	var nodeErr *rpc.Error
	switch {
	case errors.As(err, &nodeErr) && nodeErr.Code == 1010:
		fmt.Println("invalid transaction:", string(nodeErr.Data))
		return
	case err != nil:
		fmt.Println(err)
		return
	}
	for status := range watch.Notifications() {
		fmt.Println("status", string(status.Result))
	}
	if errors.Is(watch.Err(), rpc.ErrConnectionLost) {
		fmt.Println("connection lost: scan new blocks for the extrinsic instead of resubmitting")
	}
}
