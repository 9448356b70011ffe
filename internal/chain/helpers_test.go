package chain

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/pylon-go/pylon/internal/chain/rpc"
	"github.com/pylon-go/pylon/internal/chain/rpc/rpctest"
	"github.com/pylon-go/pylon/internal/chain/scale"
	"github.com/pylon-go/pylon/internal/sharedtest"
)

// The recorded finney data of ../shared/testdata/finney (see its README).
const (
	spec318V15File = "spec318_metadata_v15_at_version.json" // JSON string: the state_call answer
	spec318Version = "spec318_runtime_version.json"
	spec343V14File = "spec343_metadata_v14_state_getMetadata.hex"
	spec343V15File = "spec343_metadata_v15_at_version.hex" // the state_call answer
	recordingsFile = "sdk_websocket_recordings.json"
)

// recordedHex returns a recorded metadata file as the 0x-hex string a node would send.
func recordedHex(tb testing.TB, file string) string {
	tb.Helper()
	raw := sharedtest.ReadFile(tb, "finney", file)
	if strings.HasSuffix(file, ".json") {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			tb.Fatal(err)
		}
		return s
	}
	return strings.TrimSpace(string(raw))
}

// recordings is sdk_websocket_recordings.json: test → method → params key → response.
type recordings map[string]map[string]map[string]json.RawMessage

var (
	recOnce       sync.Once
	recData       recordings
	errRecordings error
)

func loadRecordings(tb testing.TB) recordings {
	tb.Helper()
	raw := sharedtest.ReadFile(tb, "finney", recordingsFile)
	recOnce.Do(func() { errRecordings = json.Unmarshal(raw, &recData) })
	if errRecordings != nil {
		tb.Fatal(errRecordings)
	}
	return recData
}

// recorded returns one recorded response object ({"result": …} or {"error": …}, or a {"__cycle__": […]}).
func (r recordings) recorded(tb testing.TB, test, method, params string) json.RawMessage {
	tb.Helper()
	resp, ok := r[test][method][params]
	if !ok {
		tb.Fatalf("recordings: no %s %s %s", test, method, params)
	}
	return resp
}

// recordedResult returns the result of a recorded response.
func (r recordings) recordedResult(tb testing.TB, test, method, params string) json.RawMessage {
	tb.Helper()
	var resp struct {
		Result json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal(r.recorded(tb, test, method, params), &resp); err != nil {
		tb.Fatal(err)
	}
	return resp.Result
}

// fakeChain is an rpctest node that serves a chain of linked headers (headerOf), a runtime
// version per block number, and the recorded metadata of specs 318 and 343. It exercises the client's
// plumbing (caching, fallbacks, paging, head tracking); chain behaviour itself is tested on the devnet.
type fakeChain struct {
	*rpctest.Server
	t testing.TB

	mu          sync.Mutex
	specAt      func(n uint64) uint32                                // runtime spec of block n
	versionReqs map[Hash]int                                         // state_getRuntimeVersion requests per block hash
	metadataFor map[uint32]string                                    // spec → V15 state_call answer ("" = the method fails)
	v14For      map[uint32]string                                    // spec → state_getMetadata answer
	versions    map[uint32]json.RawMessage                           // spec → runtime version object
	stateCall   func(name string, args []byte) (any, *rpctest.Error) // other state_call methods
	storage     map[string]string                                    // key hex → value hex (no 0x), for the head's state
	metaDelay   time.Duration                                        // how long a metadata answer takes (widens races, asserts nothing)
	rvSubs      map[string]*rpctest.Conn                             // state_subscribeRuntimeVersion subscriptions
	head        uint64
	headSubs    map[string]headSubscriber // chain_subscribeNewHeads / FinalizedHeads subscriptions
	notifyMu    sync.Mutex                // orders notifications: a subscription's first one comes first
}

type headSubscriber struct {
	conn   *rpctest.Conn
	method string // the notification method
}

var (
	chainMu     sync.Mutex
	chainHeader []Header // the fake chain's headers by number, each linked to its parent's hash
)

// headerOf is block n of the fake chain: a header whose parent hash is the hash of block n-1.
func headerOf(n uint64) Header {
	chainMu.Lock()
	defer chainMu.Unlock()
	for uint64(len(chainHeader)) <= n {
		m := uint64(len(chainHeader))
		h := Header{Number: m, Digest: [][]byte{{0x06, 0x61, 0x75, 0x72, 0x61, 0x04, byte(m)}}}
		h.StateRoot[0], h.ExtrinsicsRoot[0] = byte(m), byte(m>>8)
		if m > 0 {
			h.ParentHash = chainHeader[m-1].Hash()
		}
		chainHeader = append(chainHeader, h)
	}
	return chainHeader[n]
}

func hashOf(n uint64) Hash {
	h := headerOf(n)
	return h.Hash()
}

func newFakeChain(t testing.TB) *fakeChain {
	t.Helper()
	f := &fakeChain{
		Server:      rpctest.New(),
		t:           t,
		specAt:      func(uint64) uint32 { return 343 },
		versionReqs: map[Hash]int{},
		metadataFor: map[uint32]string{318: recordedHex(t, spec318V15File), 343: recordedHex(t, spec343V15File)},
		v14For:      map[uint32]string{343: recordedHex(t, spec343V14File)},
		versions:    map[uint32]json.RawMessage{},
		storage:     map[string]string{},
		rvSubs:      map[string]*rpctest.Conn{},
		head:        1,
		headSubs:    map[string]headSubscriber{},
	}
	t.Cleanup(f.Close)
	f.versions[318] = json.RawMessage(sharedtest.ReadFile(t, "finney", spec318Version))
	f.versions[343] = loadRecordings(t).recordedResult(t, "metagraph", "state_getRuntimeVersion",
		`["0x7348409fe36728fa2ac7f0886346fd35b79804d294046d152ba1baccd9d0be3a"]`)

	f.HandleFunc("chain_getHeader", func(p json.RawMessage) (any, *rpctest.Error) {
		n, ok, err := f.blockParam(p, 0)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, nil
		}
		return headerOf(n), nil
	})
	f.HandleFunc("chain_getBlockHash", func(p json.RawMessage) (any, *rpctest.Error) {
		var params []uint64
		if err := json.Unmarshal(p, &params); err != nil || len(params) != 1 {
			return nil, &rpctest.Error{Code: -32602, Message: "want [number]"}
		}
		if params[0] > f.Head() || params[0] == 0 {
			return nil, nil
		}
		return hashOf(params[0]), nil
	})
	f.HandleFunc("chain_getFinalizedHead", func(json.RawMessage) (any, *rpctest.Error) { return hashOf(f.Head()), nil })
	for method, notification := range map[string]string{"chain_subscribeNewHeads": "chain_newHead", "chain_subscribeFinalizedHeads": "chain_finalizedHead"} {
		f.Handle(method, func(c *rpctest.Conn, req rpctest.Request) {
			f.notifyMu.Lock()
			defer f.notifyMu.Unlock()
			id := f.NewSubscriptionID()
			f.mu.Lock()
			f.headSubs[id] = headSubscriber{conn: c, method: notification}
			head := f.head
			f.mu.Unlock()
			c.Reply(req.ID, id)
			c.Notify(notification, id, headerOf(head)) // the current head first, as nodes do
		})
	}
	for _, method := range []string{"chain_unsubscribeNewHeads", "chain_unsubscribeFinalizedHeads", "state_unsubscribeRuntimeVersion"} {
		f.HandleFunc(method, func(p json.RawMessage) (any, *rpctest.Error) {
			var ids []string
			_ = json.Unmarshal(p, &ids)
			f.mu.Lock()
			defer f.mu.Unlock()
			for _, id := range ids {
				delete(f.headSubs, id)
				delete(f.rvSubs, id)
			}
			return true, nil
		})
	}
	f.HandleFunc("state_getRuntimeVersion", func(p json.RawMessage) (any, *rpctest.Error) {
		n, ok, err := f.blockParam(p, 0)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, nil
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		if has, _ := hasParam(p, 0); has {
			f.versionReqs[hashOf(n)]++
		}
		return f.versions[f.specAt(n)], nil
	})
	f.Handle("state_call", func(c *rpctest.Conn, req rpctest.Request) {
		var params []string
		if err := json.Unmarshal(req.Params, &params); err != nil || len(params) != 3 {
			c.ReplyError(req.ID, rpctest.Error{Code: -32602, Message: "want [name, args, hash]"})
			return
		}
		n, ok, rerr := f.blockParam(req.Params, 2)
		switch {
		case rerr != nil:
			c.ReplyError(req.ID, *rerr)
			return
		case !ok:
			c.ReplyError(req.ID, rpctest.Error{Code: 4003, Message: "Client error: UnknownBlock: Header was not found in the database: " + params[2]})
			return
		}
		args, err := hex.DecodeString(strings.TrimPrefix(params[1], "0x"))
		if err != nil {
			c.ReplyError(req.ID, rpctest.Error{Code: -32602, Message: "bad args"})
			return
		}
		if params[0] == "Metadata_metadata_at_version" {
			f.mu.Lock()
			md, delay := f.metadataFor[f.specAt(n)], f.metaDelay
			f.mu.Unlock()
			select {
			case <-time.After(delay):
			case <-c.Done():
				return
			}
			if md == "" {
				c.ReplyError(req.ID, rpctest.Error{Code: 4003, Message: "Client error: Execution failed: Other: Exported method Metadata_metadata_at_version is not found"})
				return
			}
			c.Reply(req.ID, md)
			return
		}
		f.mu.Lock()
		fn := f.stateCall
		f.mu.Unlock()
		if fn == nil {
			c.ReplyError(req.ID, rpctest.Error{Code: 4003, Message: "Client error: Execution failed: Other: Exported method " + params[0] + " is not found"})
			return
		}
		res, rerr2 := fn(params[0], args)
		if rerr2 != nil {
			c.ReplyError(req.ID, *rerr2)
			return
		}
		c.Reply(req.ID, res)
	})
	f.Handle("state_subscribeRuntimeVersion", func(c *rpctest.Conn, req rpctest.Request) {
		f.notifyMu.Lock() // no announcement may overtake the first notification
		defer f.notifyMu.Unlock()
		id := f.NewSubscriptionID()
		f.mu.Lock()
		f.rvSubs[id] = c
		v := f.versions[f.specAt(f.head)]
		f.mu.Unlock()
		c.Notify("state_runtimeVersion", id, v) // before the reply, as Chopsticks does
		c.Reply(req.ID, id)
	})
	f.HandleFunc("state_getMetadata", func(p json.RawMessage) (any, *rpctest.Error) {
		n, ok, err := f.blockParam(p, 0)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, nil
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		return f.v14For[f.specAt(n)], nil
	})
	f.HandleFunc("state_getKeysPaged", func(p json.RawMessage) (any, *rpctest.Error) {
		var params []json.RawMessage
		var prefix string
		var count int
		var start *string
		if err := json.Unmarshal(p, &params); err != nil || len(params) < 3 {
			return nil, &rpctest.Error{Code: -32602, Message: "want [prefix, count, start, hash]"}
		}
		if json.Unmarshal(params[0], &prefix) != nil || json.Unmarshal(params[1], &count) != nil || json.Unmarshal(params[2], &start) != nil {
			return nil, &rpctest.Error{Code: -32602, Message: "bad params"}
		}
		if count > 1000 {
			return nil, &rpctest.Error{Code: -32602, Message: "count exceeds maximum value"}
		}
		prefix = strings.TrimPrefix(prefix, "0x")
		after := prefix
		if start != nil {
			after = strings.TrimPrefix(*start, "0x")
		}
		f.mu.Lock()
		keys := make([]string, 0, len(f.storage))
		for k := range f.storage {
			if strings.HasPrefix(k, prefix) && (k > after || (start == nil && k == after)) {
				keys = append(keys, k)
			}
		}
		f.mu.Unlock()
		slices.Sort(keys)
		out := []string{}
		for _, k := range keys[:min(count, len(keys))] {
			out = append(out, "0x"+k)
		}
		return out, nil
	})
	f.HandleFunc("state_queryStorageAt", func(p json.RawMessage) (any, *rpctest.Error) {
		var params []json.RawMessage
		var keys []string
		if err := json.Unmarshal(p, &params); err != nil || len(params) < 1 || json.Unmarshal(params[0], &keys) != nil {
			return nil, &rpctest.Error{Code: -32602, Message: "want [keys, hash]"}
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		changes := [][2]*string{}
		for _, k := range keys {
			var v *string
			if raw, ok := f.storage[strings.TrimPrefix(k, "0x")]; ok {
				x := "0x" + raw
				v = &x
			}
			changes = append(changes, [2]*string{&k, v})
		}
		return []any{map[string]any{"block": hashOf(f.head), "changes": changes}}, nil
	})
	f.HandleFunc("state_getStorage", func(p json.RawMessage) (any, *rpctest.Error) {
		var params []string
		if err := json.Unmarshal(p, &params); err != nil || len(params) == 0 {
			return nil, &rpctest.Error{Code: -32602, Message: "want [key, hash]"}
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		v, ok := f.storage[strings.TrimPrefix(params[0], "0x")]
		if !ok {
			return nil, nil
		}
		return "0x" + v, nil
	})
	return f
}

// hasParam reports whether positional parameter i is present and not null.
func hasParam(p json.RawMessage, i int) (bool, error) {
	var params []json.RawMessage
	if len(p) > 0 {
		if err := json.Unmarshal(p, &params); err != nil {
			return false, err
		}
	}
	return i < len(params) && string(params[i]) != "null", nil
}

// blockParam resolves positional parameter i, a block hash, to a block number: absent or null is the head;
// ok is false for a hash that is not on the chain.
func (f *fakeChain) blockParam(p json.RawMessage, i int) (n uint64, ok bool, _ *rpctest.Error) {
	var params []json.RawMessage
	if len(p) > 0 {
		if err := json.Unmarshal(p, &params); err != nil {
			return 0, false, &rpctest.Error{Code: -32602, Message: err.Error()}
		}
	}
	head := f.Head()
	if i >= len(params) || string(params[i]) == "null" {
		return head, true, nil
	}
	var h Hash
	if err := json.Unmarshal(params[i], &h); err != nil {
		return 0, false, &rpctest.Error{Code: -32602, Message: err.Error()}
	}
	for n := uint64(0); n <= head; n++ {
		if hashOf(n) == h {
			return n, true, nil
		}
	}
	return 0, false, nil
}

// Head is the fake chain's best block number.
func (f *fakeChain) Head() uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.head
}

// SetHead makes block n the best (and finalised) block and notifies head subscribers.
func (f *fakeChain) SetHead(n uint64) {
	f.notifyMu.Lock()
	defer f.notifyMu.Unlock()
	f.mu.Lock()
	f.head = n
	subs := make(map[string]headSubscriber, len(f.headSubs))
	for id, s := range f.headSubs {
		subs[id] = s
	}
	f.mu.Unlock()
	for id, s := range subs {
		select {
		case <-s.conn.Done():
			f.mu.Lock()
			delete(f.headSubs, id)
			f.mu.Unlock()
		default:
			s.conn.Notify(s.method, id, headerOf(n))
		}
	}
}

// AdvanceHead makes the next block the best.
func (f *fakeChain) AdvanceHead() { f.SetHead(f.Head() + 1) }

// HeadSubscribers is how many head subscriptions (best and finalised) are live.
func (f *fakeChain) HeadSubscribers() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, s := range f.headSubs {
		select {
		case <-s.conn.Done():
		default:
			n++
		}
	}
	return n
}

// announceRuntime notifies runtime-version subscribers of the head's runtime.
func (f *fakeChain) announceRuntime() {
	f.notifyMu.Lock()
	defer f.notifyMu.Unlock()
	f.mu.Lock()
	v := f.versions[f.specAt(f.head)]
	subs := make(map[string]*rpctest.Conn, len(f.rvSubs))
	for id, c := range f.rvSubs {
		subs[id] = c
	}
	f.mu.Unlock()
	for id, c := range subs {
		c.Notify("state_runtimeVersion", id, v)
	}
}

// setStorage stores a value under a key (both raw bytes).
func (f *fakeChain) setStorage(key, value []byte) {
	f.mu.Lock()
	f.storage[hex.EncodeToString(key)] = hex.EncodeToString(value)
	f.mu.Unlock()
}

func (f *fakeChain) setStateCall(fn func(name string, args []byte) (any, *rpctest.Error)) {
	f.mu.Lock()
	f.stateCall = fn
	f.mu.Unlock()
}

func (f *fakeChain) setSpecAt(fn func(n uint64) uint32) {
	f.mu.Lock()
	f.specAt = fn
	f.mu.Unlock()
}

func (f *fakeChain) versionRequests() map[Hash]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[Hash]int, len(f.versionReqs))
	for k, v := range f.versionReqs {
		out[k] = v
	}
	return out
}

// testOptions are client options for unit tests: quick reconnects, no stall or lag checks.
func testOptions() Options {
	return Options{
		BlockTime:   time.Second,
		ReadyBlocks: -1,
		RPC: rpc.Options{
			Backoff:          rpc.Backoff{Initial: 10 * time.Millisecond, Max: 100 * time.Millisecond},
			LagCheckInterval: -1,
		},
	}
}

func dial(t testing.TB, urls []string, opts Options) *Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := Dial(ctx, urls, opts)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// patience bounds every wait in the unit tests; reaching it is a failure, never an expected outcome.
const patience = time.Minute

// eventually polls cond until it holds, failing the test after patience. For state the test cannot be told
// about (a connection noticed lost); it asserts nothing about how long that takes.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(patience)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for: %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// ourGoroutines lists goroutines running code of package chain (not of its tests or of package rpc).
func ourGoroutines() []string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "github.com/pylon-go/pylon/internal/chain.(*") && !strings.Contains(g, "_test.go") {
			out = append(out, g)
		}
	}
	return out
}

func testCtx(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	t.Cleanup(cancel)
	return ctx
}

// u16LE is the SCALE encoding of a u16.
func u16LE(v uint16) []byte {
	b, err := scale.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func jsonUnmarshal(raw []byte, v any) error { return json.Unmarshal(raw, v) }

// counterValue reads a counter.
func counterValue(c prometheus.Counter) float64 {
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		panic(err)
	}
	return m.GetCounter().GetValue()
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprint(err))
	}
	return string(b)
}
