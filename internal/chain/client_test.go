package chain

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pylon-go/pylon/internal/chain/metadata"
	"github.com/pylon-go/pylon/internal/chain/rpc"
	"github.com/pylon-go/pylon/internal/chain/rpc/rpctest"
)

func TestDialLoadsHeadAndRuntime(t *testing.T) {
	f := newFakeChain(t)
	f.SetHead(7)
	c := dial(t, []string{f.URL()}, testOptions())

	if h := c.Head(); h.Number != 7 || h.Hash != hashOf(7) || h.Seen.IsZero() {
		t.Fatalf("head %d %s", h.Number, h.Hash)
	}
	if h := c.FinalizedHead(); h.Number != 7 {
		t.Fatalf("finalised %d", h.Number)
	}
	rt, err := c.Runtime(testCtx(t), c.Head().Hash)
	if err != nil {
		t.Fatal(err)
	}
	if rt.SpecVersion != 343 || rt.TransactionVersion != 1 || rt.Metadata.Version != 15 {
		t.Fatalf("spec %d tx %d metadata V%d", rt.SpecVersion, rt.TransactionVersion, rt.Metadata.Version)
	}
	if n := c.RPC().CallCount("state_call"); n != 1 {
		t.Fatalf("%d state_call requests, want 1 (the metadata, at Dial)", n)
	}
	if n := c.RPC().CallCount("state_getMetadata"); n != 0 {
		t.Fatalf("V14 fetched %d times although V15 was served", n)
	}
}

// Metadata is fetched once per spec version however many callers ask at once for however many blocks, and
// each block's runtime version once.
func TestRuntimeSharedLoadsUnderConcurrency(t *testing.T) {
	f := newFakeChain(t)
	f.setSpecAt(func(n uint64) uint32 {
		if n <= 5 {
			return 318
		}
		return 343
	})
	f.SetHead(5)
	c := dial(t, []string{f.URL()}, testOptions())
	if rt, err := c.Runtime(testCtx(t), c.Head().Hash); err != nil || rt.SpecVersion != 318 {
		t.Fatalf("runtime at #5: %v", err)
	}
	if n := c.RPC().CallCount("state_call"); n != 1 {
		t.Fatalf("%d metadata loads after Dial, want 1", n)
	}

	f.mu.Lock()
	f.metaDelay = 50 * time.Millisecond // keep the first load in flight while the others arrive
	f.mu.Unlock()
	f.SetHead(20)
	ctx := testCtx(t)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range uint64(15) {
				n := 6 + (i+uint64(g))%15
				rt, err := c.Runtime(ctx, hashOf(n))
				switch {
				case err != nil:
					errs <- err
					return
				case rt.SpecVersion != 343 || rt.Metadata.Version != 15:
					errs <- fmt.Errorf("block %d: spec %d V%d", n, rt.SpecVersion, rt.Metadata.Version)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := c.RPC().CallCount("state_call"); n != 2 {
		t.Fatalf("%d metadata loads, want 2 (one per spec version)", n)
	}
	for n := uint64(6); n <= 20; n++ {
		if got := f.versionRequests()[hashOf(n)]; got != 1 {
			t.Fatalf("block %d: runtime version requested %d times, want 1", n, got)
		}
	}

	// Reads of known (spec, block) pairs fetch nothing.
	before := c.RPC().Stats().Methods
	for n := uint64(1); n <= 20; n++ {
		if n > 5 {
			if _, err := c.Runtime(ctx, hashOf(n)); err != nil {
				t.Fatal(err)
			}
		}
	}
	after := c.RPC().Stats().Methods
	for _, m := range []string{"state_call", "state_getRuntimeVersion", "state_getMetadata"} {
		if before[m].Calls != after[m].Calls {
			t.Fatalf("%s: %d calls became %d on cached reads", m, before[m].Calls, after[m].Calls)
		}
	}
}

// A caller that gives up does not fail the others waiting for the same load, and the load still lands.
func TestRuntimeSharedLoadSurvivesImpatientCaller(t *testing.T) {
	f := newFakeChain(t)
	f.setSpecAt(func(n uint64) uint32 {
		if n <= 2 {
			return 318
		}
		return 343
	})
	f.SetHead(2)
	c := dial(t, []string{f.URL()}, testOptions())
	f.mu.Lock()
	f.metaDelay = 200 * time.Millisecond
	f.mu.Unlock()
	f.SetHead(3)

	impatient, cancel := context.WithCancel(context.Background())
	started := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		close(started)
		_, err := c.Runtime(impatient, hashOf(3))
		done <- err
	}()
	<-started
	patient := make(chan error, 1)
	go func() {
		_, err := c.Runtime(testCtx(t), hashOf(3))
		patient <- err
	}()
	cancel()
	if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
		t.Fatalf("impatient caller: %v", err)
	}
	if err := <-patient; err != nil {
		t.Fatalf("patient caller failed with the impatient one: %v", err)
	}
	if n := c.RPC().CallCount("state_call"); n != 2 {
		t.Fatalf("%d metadata loads, want 2", n)
	}
}

func TestMetadataFallsBackToV14(t *testing.T) {
	t.Run("method missing", func(t *testing.T) {
		f := newFakeChain(t)
		f.metadataFor[343] = "" // the runtime does not export Metadata_metadata_at_version
		c := dial(t, []string{f.URL()}, testOptions())
		rt, err := c.Runtime(testCtx(t), c.Head().Hash)
		if err != nil {
			t.Fatal(err)
		}
		if rt.Metadata.Version != 14 || rt.SpecVersion != 343 {
			t.Fatalf("V%d spec %d", rt.Metadata.Version, rt.SpecVersion)
		}
		if c.RPC().CallCount("state_getMetadata") != 1 || c.RPC().CallCount("state_call") != 1 {
			t.Fatalf("calls: %+v", c.RPC().Stats().Methods)
		}
		// V14 has no runtime-API descriptions: a clear error, naming the method and spec.
		err = c.RuntimeCall(testCtx(t), c.Head().Hash, "NeuronInfoRuntimeApi", "get_neurons_lite", nil, uint16(1))
		if !errors.Is(err, ErrNotInRuntime) {
			t.Fatalf("RuntimeCall on V14: %v", err)
		}
		t.Log(err)
	})
	t.Run("answers None", func(t *testing.T) {
		f := newFakeChain(t)
		f.metadataFor[343] = "0x00"
		c := dial(t, []string{f.URL()}, testOptions())
		rt, err := c.Runtime(testCtx(t), c.Head().Hash)
		if err != nil {
			t.Fatal(err)
		}
		if rt.Metadata.Version != 14 {
			t.Fatalf("V%d", rt.Metadata.Version)
		}
	})
	t.Run("not on an unknown block", func(t *testing.T) {
		f := newFakeChain(t)
		c := dial(t, []string{f.URL()}, testOptions())
		_, err := c.loadMetadata(testCtx(t), hashOf(99), 343) // a block the node does not have
		if !errors.Is(err, ErrUnknownBlock) {
			t.Fatalf("%v", err)
		}
		if n := c.RPC().CallCount("state_getMetadata"); n != 0 {
			t.Fatalf("fell back to V14 (%d calls) on an unknown block", n)
		}
	})
}

// Metadata whose System.Version disagrees with the version the node reported is refused.
func TestMetadataSpecMismatchRefused(t *testing.T) {
	f := newFakeChain(t)
	f.SetHead(3)
	c := dial(t, []string{f.URL()}, testOptions())
	f.mu.Lock()
	f.versions[318] = f.versions[343] // the node claims 343 for spec-318 blocks …
	f.specAt = func(n uint64) uint32 {
		if n == 4 {
			return 318 // … and serves the spec-318 metadata at block 4
		}
		return 343
	}
	f.metadataFor[343] = f.metadataFor[318]
	f.mu.Unlock()
	f.SetHead(4)
	c.metadatas.cache = newLRU[uint32, *metadata.Metadata](1) // forget 343
	_, err := c.Runtime(testCtx(t), hashOf(4))
	if err == nil {
		t.Fatal("metadata of spec 318 accepted as 343")
	}
	t.Log(err)
}

// The recorded 4003 answer of a pruned node (retry_archive) maps to ErrUnknownBlock, keeps the node's error,
// and is not cached: the recording's second answer (an archive node's) then succeeds.
func TestUnknownBlockRecorded4003(t *testing.T) {
	rec := loadRecordings(t)
	const pruned = "0x6c0da8a9dd5994d374d43210dc401f000b2fe02541bc2e7cd54719655d751a18"
	var cycle struct {
		Cycle []struct {
			Result json.RawMessage `json:"result"`
			Error  *rpctest.Error  `json:"error"`
		} `json:"__cycle__"`
	}
	if err := json.Unmarshal(rec.recorded(t, "retry_archive", "state_getRuntimeVersion", `["`+pruned+`"]`), &cycle); err != nil || len(cycle.Cycle) != 2 {
		t.Fatalf("recording: %v", err)
	}
	f := newFakeChain(t)
	c := dial(t, []string{f.URL()}, testOptions())
	var mu sync.Mutex
	calls := 0
	f.HandleFunc("state_getRuntimeVersion", func(p json.RawMessage) (any, *rpctest.Error) {
		var params []string
		_ = json.Unmarshal(p, &params)
		if len(params) == 0 || params[0] != pruned {
			return f.versions[343], nil
		}
		mu.Lock()
		r := cycle.Cycle[calls%2]
		calls++
		mu.Unlock()
		if r.Error != nil {
			return nil, r.Error
		}
		return r.Result, nil
	})

	_, err := c.runtimeVersion(testCtx(t), MustParseHash(pruned))
	if !errors.Is(err, ErrUnknownBlock) {
		t.Fatalf("not ErrUnknownBlock: %v", err)
	}
	var rpcErr *rpc.Error
	if !errors.As(err, &rpcErr) || rpcErr.Code != 4003 {
		t.Fatalf("node error lost: %v", err)
	}
	t.Log(err)
	v, err := c.runtimeVersion(testCtx(t), MustParseHash(pruned))
	if err != nil || v.SpecVersion != 273 {
		t.Fatalf("second attempt: %v, spec %d", err, v.SpecVersion)
	}
}

func TestUnknownBlockErrorForms(t *testing.T) {
	for _, tc := range []struct {
		code int
		msg  string
		want bool
	}{
		{4003, "Client error: Api called for an unknown Block: State already discarded for 0x6c0d", true},
		{4003, "Client error: UnknownBlock: Header was not found in the database: 0x01", true},
		{1, "Block 0x0102 not found", true},
		{4003, "Client error: Execution failed: Other: Exported method Foo_bar is not found", false},
		{1010, "Invalid Transaction", false},
	} {
		if got := isUnknownBlockError(&rpc.Error{Code: tc.code, Message: tc.msg}); got != tc.want {
			t.Errorf("%d %q: %v", tc.code, tc.msg, got)
		}
	}
}

func TestBlockNotFound(t *testing.T) {
	f := newFakeChain(t)
	f.SetHead(3)
	c := dial(t, []string{f.URL()}, testOptions())
	ctx := testCtx(t)

	if _, err := c.BlockHash(ctx, 4); !errors.Is(err, ErrBlockNotFound) {
		t.Fatalf("BlockHash beyond the head: %v", err)
	}
	h, err := c.BlockHash(ctx, 2)
	if err != nil || h != hashOf(2) {
		t.Fatalf("BlockHash(2) = %s, %v", h, err)
	}
	if _, err := c.Header(ctx, hashOf(9)); !errors.Is(err, ErrBlockNotFound) {
		t.Fatalf("Header of an unknown hash: %v", err)
	}
	// The block's state is not there either: a state read says so with the archive-fallback error.
	if _, err := c.Runtime(ctx, hashOf(9)); !errors.Is(err, ErrUnknownBlock) {
		t.Fatalf("Runtime at an unknown hash: %v", err)
	}
	f.HandleFunc("chain_getBlock", func(json.RawMessage) (any, *rpctest.Error) { return nil, nil })
	if _, err := c.Block(ctx, hashOf(9)); !errors.Is(err, ErrBlockNotFound) {
		t.Fatalf("Block of an unknown hash: %v", err)
	}
	// Chopsticks answers an error instead of null.
	f.HandleFunc("chain_getHeader", func(json.RawMessage) (any, *rpctest.Error) {
		return nil, &rpctest.Error{Code: 1, Message: "Block " + hashOf(8).String() + " not found"}
	})
	if _, err := c.Header(ctx, hashOf(8)); !errors.Is(err, ErrBlockNotFound) {
		t.Fatalf("Header with a devnet's not-found error: %v", err)
	}
}

func TestHeadFollowsSubscription(t *testing.T) {
	f := newFakeChain(t)
	c := dial(t, []string{f.URL()}, testOptions())
	ctx := testCtx(t)
	heads := c.SubscribeHeads(ctx)
	if h := <-heads; h.Number != 1 {
		t.Fatalf("first head %d", h.Number)
	}
	f.AdvanceHead()
	h, err := c.WaitForBlock(ctx, 2)
	if err != nil || h.Hash != hashOf(2) {
		t.Fatalf("WaitForBlock: %v %s", err, h.Hash)
	}
	if h := <-heads; h.Number != 2 {
		t.Fatalf("subscriber got %d", h.Number)
	}

	// A consumer that does not read keeps only the newest head.
	for range 5 {
		f.AdvanceHead()
	}
	if _, err := c.WaitForBlock(ctx, 7); err != nil {
		t.Fatal(err)
	}
	if h := <-heads; h.Number != 7 {
		t.Fatalf("slow subscriber got %d, want the newest (7)", h.Number)
	}

	// Header cache: the head's header is known without a request.
	before := c.RPC().CallCount("chain_getHeader")
	if hdr, err := c.Header(ctx, hashOf(7)); err != nil || hdr.Number != 7 {
		t.Fatal(err)
	}
	if c.RPC().CallCount("chain_getHeader") != before {
		t.Fatal("the head's header was fetched again")
	}
}

// After the connection drops, the resumed subscription makes the client re-read the head from the node, and
// heads keep coming.
func TestHeadResyncAfterReconnect(t *testing.T) {
	f := newFakeChain(t)
	c := dial(t, []string{f.URL()}, testOptions())
	ctx := testCtx(t)
	f.SetHead(3)
	if _, err := c.WaitForBlock(ctx, 3); err != nil {
		t.Fatal(err)
	}
	reads := c.RPC().CallCount("chain_getHeader")
	f.DropAll()
	f.SetHead(5) // moved on while the client was away
	if h, err := c.WaitForBlock(ctx, 5); err != nil || h.Hash != hashOf(5) {
		t.Fatalf("%v %s", err, h.Hash)
	}
	eventually(t, "the head is re-read after the reconnect", func() bool { return c.RPC().CallCount("chain_getHeader") > reads })
	f.AdvanceHead()
	if _, err := c.WaitForBlock(ctx, 6); err != nil {
		t.Fatal(err)
	}
	if c.RPC().Stats().Reconnects == 0 {
		t.Fatal("no reconnect recorded")
	}
}

func TestHeadPollingOverHTTP(t *testing.T) {
	f := newFakeChain(t)
	opts := testOptions()
	opts.PollInterval = 10 * time.Millisecond
	c := dial(t, []string{f.HTTPURL()}, opts)
	if c.Head().Number != 1 {
		t.Fatal(c.Head().Number)
	}
	f.SetHead(4)
	ctx := testCtx(t)
	if h, err := c.WaitForBlock(ctx, 4); err != nil || h.Hash != hashOf(4) {
		t.Fatalf("%v %s", err, h.Hash)
	}
	if rt, err := c.Runtime(ctx, hashOf(4)); err != nil || rt.SpecVersion != 343 {
		t.Fatalf("runtime over HTTP: %v", err)
	}
}

func TestReady(t *testing.T) {
	f := newFakeChain(t)
	opts := testOptions()
	opts.BlockTime = 12 * time.Second
	opts.ReadyBlocks = 2
	c := dial(t, []string{f.URL()}, opts)
	seen := c.Head().Seen
	if err := c.readyAt(seen.Add(23 * time.Second)); err != nil {
		t.Fatalf("fresh head not ready: %v", err)
	}
	err := c.readyAt(seen.Add(25 * time.Second))
	if !errors.Is(err, ErrNotReady) {
		t.Fatalf("stale head ready: %v", err)
	}
	t.Log(err)
	if err := c.Ready(testCtx(t)); err != nil {
		t.Fatalf("Ready right after Dial: %v", err)
	}
	_ = c.Close()
	if err := c.Ready(testCtx(t)); !errors.Is(err, ErrClosed) {
		t.Fatalf("closed client: %v", err)
	}
}

// While no node is reachable, a call fails within ConnectWait with ErrUnavailable, not at its deadline and
// not as a deadline error; once the node is back, calls work again.
func TestUnavailableFailsFast(t *testing.T) {
	f := newFakeChain(t)
	opts := testOptions()
	opts.ConnectWait = 50 * time.Millisecond
	c := dial(t, []string{f.URL()}, opts)
	ctx := testCtx(t)

	// The node accepts connections but fails the health probe (it hangs up on chain_getHeader), so the
	// client cannot get a connection back.
	f.Handle("chain_getHeader", func(conn *rpctest.Conn, _ rpctest.Request) { conn.Close() })
	f.DropAll()
	eventually(t, "the client notices the lost connection", func() bool { return c.Endpoint() == "" })
	_, err := c.BlockHash(ctx, 1)
	switch {
	case !errors.Is(err, ErrUnavailable) || !errors.Is(err, rpc.ErrNotConnected):
		t.Fatalf("not ErrUnavailable: %v", err)
	case errors.Is(err, context.DeadlineExceeded):
		t.Fatalf("reported as a deadline: %v", err)
	case ctx.Err() != nil:
		t.Fatal("the call ran to its deadline")
	}
	t.Log(err)

	f.HandleFunc("chain_getHeader", func(json.RawMessage) (any, *rpctest.Error) { return headerOf(f.Head()), nil })
	eventually(t, "the client reconnects", func() bool { return c.Endpoint() != "" })
	if h, err := c.BlockHash(ctx, 1); err != nil || h != hashOf(1) {
		t.Fatalf("after recovery: %v", err)
	}
}

// Close stops every goroutine of the client and ends head subscriptions.
func TestCloseEndsEverything(t *testing.T) {
	f := newFakeChain(t)
	c := dial(t, []string{f.URL()}, testOptions())
	heads := c.SubscribeHeads(context.Background())
	<-heads
	_ = c.Close()
	if _, ok := <-heads; ok {
		t.Fatal("head channel still open")
	}
	if _, err := c.WaitForBlock(testCtx(t), 100); !errors.Is(err, ErrClosed) {
		t.Fatalf("WaitForBlock after Close: %v", err)
	}
	if _, err := c.BlockHash(testCtx(t), 1); !errors.Is(err, ErrClosed) {
		t.Fatalf("call after Close: %v", err)
	}
	if ch := c.SubscribeHeads(context.Background()); ch != nil {
		if _, ok := <-ch; ok {
			t.Fatal("subscription after Close delivered a head")
		}
	}
	eventually(t, "no goroutine of package chain is left", func() bool { return len(ourGoroutines()) == 0 })
}

func TestMetricsRegistered(t *testing.T) {
	f := newFakeChain(t)
	reg := prometheus.NewRegistry()
	opts := testOptions()
	opts.Registerer = reg
	c := dial(t, []string{f.URL()}, opts)
	f.SetHead(5)
	if _, err := c.WaitForBlock(testCtx(t), 5); err != nil {
		t.Fatal(err)
	}
	for _, m := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"pylon_chain_head_number", nil, 5},
		{"pylon_chain_runtime_spec_version", nil, 343},
		{"pylon_chain_metadata_loads_total", map[string]string{"spec_version": "343", "metadata_version": "15"}, 1},
		{"pylon_chain_runtime_upgrades_total", nil, 0},
	} {
		if got, ok := metricValue(t, reg, m.name, m.labels); !ok || got != m.want {
			t.Errorf("%s%v = %v (present %v), want %v", m.name, m.labels, got, ok, m.want)
		}
	}
	eventually(t, "the finalised head follows", func() bool { v, _ := metricValue(t, reg, "pylon_chain_finalised_number", nil); return v == 5 })
	if age, ok := metricValue(t, reg, "pylon_chain_head_age_seconds", nil); !ok || age < 0 {
		t.Errorf("head age %v %v", age, ok)
	}
	if _, ok := metricValue(t, reg, "pylon_chain_rpc_calls_total", map[string]string{"method": "state_call", "outcome": "ok"}); !ok {
		t.Error("the rpc client's metrics are not registered")
	}
	// A second client on the same registry shares the collectors.
	dial(t, []string{f.URL()}, opts)
}

// metricValue reads a counter or gauge from reg; labels must match exactly the given pairs.
func metricValue(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) (float64, bool) {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			got := map[string]string{}
			for _, l := range m.GetLabel() {
				got[l.GetName()] = l.GetValue()
			}
			match := true
			for k, v := range labels {
				match = match && got[k] == v
			}
			if !match {
				continue
			}
			switch {
			case m.GetCounter() != nil:
				return m.GetCounter().GetValue(), true
			case m.GetGauge() != nil:
				return m.GetGauge().GetValue(), true
			}
		}
	}
	return 0, false
}
