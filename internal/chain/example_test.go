package chain

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/pylon-go/pylon/internal/chain/rpc/rpctest"
)

// The examples run against an in-process node (the unit tests' fake chain) serving recorded finney
// metadata (spec 343) and data; against a real node only the URL changes.

// exampleTB lets the examples use the unit tests' fake chain: a failure panics, cleanups run at done.
type exampleTB struct {
	testing.TB
	cleanups []func()
}

func (e *exampleTB) Helper()                   {}
func (e *exampleTB) Fatal(args ...any)         { panic(fmt.Sprint(args...)) }
func (e *exampleTB) Fatalf(f string, a ...any) { panic(fmt.Sprintf(f, a...)) }
func (e *exampleTB) Cleanup(f func())          { e.cleanups = append(e.cleanups, f) }
func (e *exampleTB) done() {
	for _, f := range slices.Backward(e.cleanups) {
		f()
	}
}

// Reading at the latest block: pin the head once, then read storage with that block's runtime.
func Example() {
	tb := &exampleTB{}
	defer tb.done()
	node := newFakeChain(tb) // stands in for ws://127.0.0.1:9944 or wss://entrypoint-finney.opentensor.ai:443
	node.SetHead(3)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client, err := Dial(ctx, []string{node.URL()}, Options{BlockTime: 12 * time.Second})
	if err != nil {
		fmt.Println("dial:", err)
		return
	}
	defer func() { _ = client.Close() }()

	head := client.Head() // every read below sees the state of this one block
	rt, err := client.Runtime(ctx, head.Hash)
	if err != nil {
		fmt.Println("runtime:", err)
		return
	}
	fmt.Printf("block #%d runs %s spec %d (transaction version %d), metadata V%d\n",
		head.Number, rt.SpecName, rt.SpecVersion, rt.TransactionVersion, rt.Metadata.Version)

	var tempo uint16
	found, err := client.Storage(ctx, head.Hash, "SubtensorModule", "Tempo", &tempo, uint16(1))
	if err != nil {
		fmt.Println("storage:", err)
		return
	}
	fmt.Println("tempo of subnet 1:", tempo, "stored:", found) // absent: the declared default
	// Output:
	// block #3 runs node-subtensor spec 343 (transaction version 1), metadata V15
	// tempo of subnet 1: 360 stored: false
}

// Iterating one subnet's entries of a double map, page by page.
func ExampleClient_StorageIter() {
	tb := &exampleTB{}
	defer tb.done()
	node := newFakeChain(tb)
	ctx := context.Background()
	client, err := Dial(ctx, []string{node.URL()}, Options{})
	if err != nil {
		fmt.Println("dial:", err)
		return
	}
	defer func() { _ = client.Close() }()
	// The node holds Keys(1, uid) for uids 0..2.
	rt, _ := client.Runtime(ctx, client.Head().Hash)
	entry, _ := rt.Metadata.StorageEntry("SubtensorModule", "Keys")
	for uid := range uint16(3) {
		key, _ := entry.Key(uint16(1), uid)
		acct := account(1, uid)
		node.setStorage(key, acct[:])
	}

	for it, err := range client.StorageIter(ctx, client.Head().Hash, "SubtensorModule", "Keys", uint16(1)) {
		if err != nil {
			fmt.Println("iterate:", err)
			return
		}
		var uid uint16
		var hotkey [32]byte
		if err := it.DecodeKey(1, &uid); err != nil {
			fmt.Println(err)
			return
		}
		if err := it.Decode(&hotkey); err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("uid %d: hotkey %x…\n", uid, hotkey[:4])
	}
	// Unordered output:
	// uid 0: hotkey 0000090a…
	// uid 1: hotkey 01001617…
	// uid 2: hotkey 02002324…
}

// Calling a runtime API with the metadata's declared types: arguments are encoded from Go values, the answer
// decoded into a Go type (field names for typed results, `scale` tags for Vec<u8>-wrapped ones).
func ExampleClient_RuntimeCall() {
	tb := &exampleTB{}
	defer tb.done()
	node := newFakeChain(tb)
	var answer string
	if err := jsonUnmarshal(loadRecordings(tb).recordedResult(tb, "metagraph", "state_call",
		`["NeuronInfoRuntimeApi_get_neurons_lite", "0100", "0xdb13c066e2c63969f140164fb3bfe7a0aaa7b71407fc0fe525d68e57329ef9d0"]`), &answer); err != nil {
		fmt.Println(err)
		return
	}
	node.setStateCall(func(string, []byte) (any, *rpctest.Error) { return answer, nil })

	ctx := context.Background()
	client, err := Dial(ctx, []string{node.URL()}, Options{})
	if err != nil {
		fmt.Println("dial:", err)
		return
	}
	defer func() { _ = client.Close() }()

	var neurons []struct {
		UID      uint16 `scale:",compact"`
		AxonInfo struct{ Port uint16 }
	}
	if err := client.RuntimeCall(ctx, client.Head().Hash, "NeuronInfoRuntimeApi", "get_neurons_lite", &neurons, uint16(1)); err != nil {
		fmt.Println("runtime call:", err)
		return
	}
	fmt.Println(len(neurons), "neurons; uid 0 serves on port", neurons[0].AxonInfo.Port)
	// Output:
	// 1024 neurons; uid 0 serves on port 6028
}

// Following new best heads in process; a slow reader gets the newest head, never a backlog.
func ExampleClient_SubscribeHeads() {
	tb := &exampleTB{}
	defer tb.done()
	node := newFakeChain(tb)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	client, err := Dial(ctx, []string{node.URL()}, Options{})
	if err != nil {
		fmt.Println("dial:", err)
		return
	}
	defer func() { _ = client.Close() }()

	heads := client.SubscribeHeads(ctx)
	fmt.Println("current head #", (<-heads).Number)
	node.AdvanceHead()
	fmt.Println("new head #", (<-heads).Number)
	node.SetHead(10) // blocks 3..10 arrive while nobody reads
	if _, err := client.WaitForBlock(ctx, 10); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("newest head #", (<-heads).Number)
	// Output:
	// current head # 1
	// new head # 2
	// newest head # 10
}
