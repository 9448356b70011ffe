package extrinsic_test

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pylon-go/pylon/internal/chain"
	"github.com/pylon-go/pylon/internal/chain/extrinsic"
	"github.com/pylon-go/pylon/internal/chain/hash"
	"github.com/pylon-go/pylon/internal/chain/metadata"
	"github.com/pylon-go/pylon/internal/chain/rpc"
	"github.com/pylon-go/pylon/internal/chain/rpc/rpctest"
	"github.com/pylon-go/pylon/internal/keys"
)

// The devnet (Chopsticks) sends only ready, broadcast, inBlock and finalised, and drops a transaction that
// fails to apply with an "invalid" status; a real node also says future, retracted, usurped, dropped and
// finalityTimeout. These tests play such a node: rpctest answers the JSON-RPC methods and scripts the
// status notifications, and fakeChain stands in for the chain facade (heads, blocks, the recorded spec-343
// runtime). They exercise the watch's decisions, not the chain.

// fakeChain implements extrinsic.Chain over scripted blocks.
type fakeChain struct {
	rpc *rpc.Client
	rt  *chain.Runtime

	mu        sync.Mutex
	head      uint64
	blocks    map[chain.Hash]*chain.Block
	events    map[chain.Hash][]metadata.EventRecord
	subs      []chan chain.Head
	finalSubs []chan chain.Head
}

func blockHash(n uint64) chain.Hash {
	return hash.Blake2_256(binary.LittleEndian.AppendUint64([]byte("block"), n))
}

func newFakeChain(t *testing.T, srv *rpctest.Server) *fakeChain {
	t.Helper()
	ctx := context.Background()
	rc, err := rpc.Dial(ctx, []string{srv.URL()}, rpc.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rc.Close() })
	md := finney(t, spec343V15)
	f := &fakeChain{
		rpc:    rc,
		rt:     &chain.Runtime{RuntimeVersion: chain.RuntimeVersion{SpecVersion: 343, TransactionVersion: 1}, Metadata: md},
		head:   100,
		blocks: map[chain.Hash]*chain.Block{},
		events: map[chain.Hash][]metadata.EventRecord{},
	}
	for n := uint64(0); n <= f.head; n++ {
		f.blocks[blockHash(n)] = &chain.Block{Hash: blockHash(n), Header: chain.Header{Number: n}}
	}
	return f
}

func (f *fakeChain) RPC() *rpc.Client { return f.rpc }

func (f *fakeChain) Head() chain.Head {
	f.mu.Lock()
	defer f.mu.Unlock()
	return chain.Head{Number: f.head, Hash: blockHash(f.head), Seen: time.Now()}
}

func (f *fakeChain) WaitForBlock(_ context.Context, _ uint64) (chain.Head, error) {
	return f.Head(), nil
}

func (f *fakeChain) subscribe(ctx context.Context, finalised bool) <-chan chain.Head {
	ch := make(chan chain.Head, 1)
	ch <- f.Head()
	f.mu.Lock()
	if finalised {
		f.finalSubs = append(f.finalSubs, ch)
	} else {
		f.subs = append(f.subs, ch)
	}
	f.mu.Unlock()
	out := make(chan chain.Head)
	go func() {
		defer close(out)
		for {
			select {
			case h := <-ch:
				select {
				case out <- h:
				case <-ctx.Done():
					return
				}
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}

func (f *fakeChain) SubscribeHeads(ctx context.Context) <-chan chain.Head {
	return f.subscribe(ctx, false)
}
func (f *fakeChain) SubscribeFinalizedHeads(ctx context.Context) <-chan chain.Head {
	return f.subscribe(ctx, true)
}

func (f *fakeChain) GenesisHash(context.Context) (chain.Hash, error) { return blockHash(0), nil }

func (f *fakeChain) BlockHash(_ context.Context, n uint64) (chain.Hash, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if n > f.head {
		return chain.Hash{}, chain.ErrBlockNotFound
	}
	return blockHash(n), nil
}

func (f *fakeChain) Block(_ context.Context, at chain.Hash) (*chain.Block, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, ok := f.blocks[at]
	if !ok {
		return nil, chain.ErrBlockNotFound
	}
	return b, nil
}

func (f *fakeChain) Runtime(context.Context, chain.Hash) (*chain.Runtime, error) { return f.rt, nil }
func (f *fakeChain) BlockRuntime(context.Context, chain.Hash) (*chain.Runtime, error) {
	return f.rt, nil
}

func (f *fakeChain) Events(_ context.Context, at chain.Hash) ([]metadata.EventRecord, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.events[at], nil
}

// addBlock appends block head+1 holding the given extrinsics (each followed by ExtrinsicSuccess) and
// announces it as best and finalised head.
func (f *fakeChain) addBlock(xs ...[]byte) chain.Hash {
	f.mu.Lock()
	f.head++
	h := blockHash(f.head)
	f.blocks[h] = &chain.Block{Hash: h, Header: chain.Header{Number: f.head}, Extrinsics: xs}
	for i := range xs {
		f.events[h] = append(f.events[h], metadata.EventRecord{
			Phase:  metadata.Phase{Kind: metadata.PhaseApplyExtrinsic, ExtrinsicIndex: uint32(i)},
			Pallet: "System", Name: "ExtrinsicSuccess",
		})
	}
	head := chain.Head{Number: f.head, Hash: h, Seen: time.Now()}
	for _, ch := range append(append([]chan chain.Head(nil), f.subs...), f.finalSubs...) {
		select { // latest wins, as in the facade
		case <-ch:
		default:
		}
		ch <- head
	}
	f.mu.Unlock()
	return h
}

// watch is one author_submitAndWatchExtrinsic the scripted node received.
type watch struct {
	conn *rpctest.Conn
	id   string
	xt   []byte
}

func (w watch) send(status string) {
	w.conn.Notify("author_extrinsicUpdate", w.id, json.RawMessage(status))
}

// scriptedNode answers nonces (always 7) and hands every watch to the test.
func scriptedNode(t *testing.T) (*rpctest.Server, <-chan watch) {
	t.Helper()
	srv := rpctest.New()
	t.Cleanup(srv.Close)
	srv.HandleFunc("system_accountNextIndex", func(json.RawMessage) (any, *rpctest.Error) { return 7, nil })
	srv.HandleFunc("author_unwatchExtrinsic", func(json.RawMessage) (any, *rpctest.Error) { return true, nil })
	watches := make(chan watch, 4)
	srv.Handle("author_submitAndWatchExtrinsic", func(c *rpctest.Conn, req rpctest.Request) {
		var params []string
		if err := json.Unmarshal(req.Params, &params); err != nil || len(params) != 1 {
			c.ReplyError(req.ID, rpctest.Error{Code: -32602, Message: "bad params"})
			return
		}
		xt, err := hex.DecodeString(strings.TrimPrefix(params[0], "0x"))
		if err != nil {
			c.ReplyError(req.ID, rpctest.Error{Code: -32602, Message: "bad hex"})
			return
		}
		id := srv.NewSubscriptionID()
		c.Reply(req.ID, id)
		watches <- watch{conn: c, id: id, xt: xt}
	})
	return srv, watches
}

type harness struct {
	t       *testing.T
	srv     *rpctest.Server
	f       *fakeChain
	s       *extrinsic.Submitter
	watches <-chan watch
	key     *keys.Keypair
}

func newHarness(t *testing.T, opts extrinsic.Options) *harness {
	t.Helper()
	srv, watches := scriptedNode(t)
	f := newFakeChain(t, srv)
	s, err := extrinsic.NewSubmitter(f, opts)
	if err != nil {
		t.Fatal(err)
	}
	key, err := keys.KeypairFromURI("//Alice")
	if err != nil {
		t.Fatal(err)
	}
	return &harness{t: t, srv: srv, f: f, s: s, watches: watches, key: key}
}

// submit starts a submission and returns the node's view of it and the eventual outcome.
func (h *harness) submit(opts ...extrinsic.SubmitOption) (watch, <-chan submission) {
	h.t.Helper()
	done := make(chan submission, 1)
	go func() {
		res, err := h.s.Submit(context.Background(), h.key, extrinsic.NewCall("System", "remark", []byte("x")), opts...)
		done <- submission{res, err}
	}()
	select {
	case w := <-h.watches:
		return w, done
	case got := <-done:
		h.t.Fatalf("submission ended before the node saw it: %v", got.err)
	}
	return watch{}, nil
}

func TestWatchTerminalStatuses(t *testing.T) {
	for _, tc := range []struct {
		statuses []string
		want     error
		outcome  extrinsic.Outcome
	}{
		{[]string{`"ready"`, `{"usurped":"` + blockHex + `"}`}, extrinsic.ErrUsurped, extrinsic.OutcomeUsurped},
		{[]string{`"future"`, `"dropped"`}, extrinsic.ErrDropped, extrinsic.OutcomeDropped},
		{[]string{`"ready"`, `{"broadcast":["peer"]}`, `"invalid"`}, extrinsic.ErrInvalid, extrinsic.OutcomeInvalid},
		{[]string{`{"ready":null}`, `{"invalid":{"stale":null}}`}, extrinsic.ErrInvalid, extrinsic.OutcomeInvalid},
	} {
		h := newHarness(t, extrinsic.Options{})
		w, done := h.submit()
		for _, st := range tc.statuses {
			w.send(st)
		}
		got := <-done
		if !errors.Is(got.err, tc.want) || got.res.Outcome != tc.outcome || got.res.Included() {
			t.Errorf("%v: %v (%+v)", tc.statuses, got.err, got.res)
		}
		// The failure makes the next submission re-read the nonce.
		before := h.srv.Requests("system_accountNextIndex")
		w2, done2 := h.submit()
		w2.send(`{"inBlock":"` + h.f.addBlock(w2.xt).String() + `"}`)
		if got := <-done2; got.err != nil || h.srv.Requests("system_accountNextIndex") != before+1 {
			t.Errorf("%v: next submission %v, nonce reads %d→%d", tc.statuses, got.err, before, h.srv.Requests("system_accountNextIndex"))
		}
	}
}

const blockHex = "0xf0aa135ddac82c7b5ea0de2b021945381bc6a449fdd44386d9956fa0a5ee1e05"

// Without a failure, the nonce is counted locally: two submissions read it once.
func TestWatchNonceCountedLocally(t *testing.T) {
	h := newHarness(t, extrinsic.Options{})
	var nonces []uint64
	for range 2 {
		w, done := h.submit()
		w.send(`{"inBlock":"` + h.f.addBlock(w.xt).String() + `"}`)
		got := <-done
		if got.err != nil {
			t.Fatal(got.err)
		}
		nonces = append(nonces, got.res.Nonce)
	}
	if nonces[0] != 7 || nonces[1] != 8 || h.srv.Requests("system_accountNextIndex") != 1 {
		t.Errorf("nonces %v, %d reads", nonces, h.srv.Requests("system_accountNextIndex"))
	}
}

// Stuck as "future" while FutureTimeout blocks pass: ErrFutureTimeout, naming the era's end.
func TestWatchFutureTimeout(t *testing.T) {
	h := newHarness(t, extrinsic.Options{FutureTimeout: 3})
	w, done := h.submit()
	w.send(`"future"`)
	got := h.produceUntil(done)
	if !errors.Is(got.err, extrinsic.ErrFutureTimeout) || got.res.Outcome != extrinsic.OutcomeFutureTimeout {
		t.Fatalf("%v", got.err)
	}
	if !strings.Contains(got.err.Error(), "until block #") {
		t.Errorf("message %q does not say how long it may still land", got.err)
	}
}

// produceUntil adds an empty block every few milliseconds until the submission ends, as a chain does
// while a transaction waits.
func (h *harness) produceUntil(done <-chan submission) submission {
	h.t.Helper()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case got := <-done:
			return got
		case <-tick.C:
			h.f.addBlock()
		}
	}
}

// Waiting for finality: an in-block status that is retracted does not count; finalised does, and the
// result names the finalised block.
func TestWatchFinalisedAfterRetraction(t *testing.T) {
	h := newHarness(t, extrinsic.Options{})
	w, done := h.submit(extrinsic.WaitFinalised())
	first := h.f.addBlock(w.xt)
	w.send(`{"inBlock":"` + first.String() + `"}`)
	w.send(`{"retracted":"` + first.String() + `"}`)
	second := h.f.addBlock(w.xt)
	w.send(`{"inBlock":"` + second.String() + `"}`)
	w.send(`{"finalized":"` + second.String() + `"}`) //nolint:misspell // the node's spelling
	got := <-done
	if got.err != nil || got.res.BlockHash != second || !got.res.Finalised || got.res.Scanned {
		t.Fatalf("%v %+v", got.err, got.res)
	}
	if len(got.res.Events) != 1 || got.res.Events[0].Name != "ExtrinsicSuccess" {
		t.Errorf("events %+v", got.res.Events)
	}
}

func TestWatchFinalityTimeout(t *testing.T) {
	h := newHarness(t, extrinsic.Options{WaitFinalised: true})
	w, done := h.submit()
	b := h.f.addBlock(w.xt)
	w.send(`{"inBlock":"` + b.String() + `"}`)
	w.send(`{"finalityTimeout":"` + b.String() + `"}`)
	got := <-done
	if !errors.Is(got.err, extrinsic.ErrFinalityTimeout) || got.res.BlockHash != b || got.res.Finalised || got.res.Outcome != extrinsic.OutcomeFinality {
		t.Fatalf("%v %+v", got.err, got.res)
	}
}

// A node that reports a block without the extrinsic in it is not believed.
func TestWatchReportedBlockLacksExtrinsic(t *testing.T) {
	h := newHarness(t, extrinsic.Options{})
	w, done := h.submit()
	w.send(`{"inBlock":"` + h.f.addBlock().String() + `"}`)
	if got := <-done; !errors.Is(got.err, extrinsic.ErrNotInBlock) {
		t.Fatalf("%v", got.err)
	}
}

// The node never sends a block status, but heads pass the era's end: the submitter scans the era's blocks.
// Found → the result is from the scan; not found → ErrEraExpired.
func TestWatchSilentNodeEraEnd(t *testing.T) {
	for _, included := range []bool{true, false} {
		h := newHarness(t, extrinsic.Options{EraPeriod: 4})
		w, done := h.submit()
		w.send(`"ready"`)
		var in chain.Hash
		if included {
			h.f.addBlock()
			in = h.f.addBlock(w.xt)
		}
		for h.f.Head().Number < 106 {
			h.f.addBlock()
		}
		got := <-done
		switch {
		case included && (got.err != nil || got.res.BlockHash != in || !got.res.Scanned):
			t.Errorf("included: %v %+v", got.err, got.res)
		case !included && (!errors.Is(got.err, extrinsic.ErrEraExpired) || got.res.EraEnd != 103):
			t.Errorf("not included: %v %+v", got.err, got.res)
		}
	}
}

// A refusal at submission is a *PoolError; when it says the nonce is taken the submitter rebuilds once with
// the node's nonce, and otherwise not at all.
func TestSubmitPoolErrors(t *testing.T) {
	srv, watches := scriptedNode(t)
	var mu sync.Mutex
	replies := []rpctest.Error{
		{Code: 1010, Message: "Invalid Transaction", Data: "Transaction is outdated"},
		{Code: 1010, Message: "Invalid Transaction", Data: "Custom error: 6"},
	}
	srv.Handle("author_submitAndWatchExtrinsic", func(c *rpctest.Conn, req rpctest.Request) {
		mu.Lock()
		defer mu.Unlock()
		if len(replies) > 0 {
			e := replies[0]
			replies = replies[1:]
			c.ReplyError(req.ID, e)
			return
		}
		c.ReplyError(req.ID, rpctest.Error{Code: 1014, Message: "Priority is too low: (1 vs 1)"})
	})
	_ = watches
	f := newFakeChain(t, srv)
	s, err := extrinsic.NewSubmitter(f, extrinsic.Options{CustomErrorNames: map[uint8]string{6: "RateLimitExceeded"}})
	if err != nil {
		t.Fatal(err)
	}
	key, err := keys.KeypairFromURI("//Bob")
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Submit(context.Background(), key, extrinsic.NewCall("System", "remark", []byte("x")))
	var pe *extrinsic.PoolError
	if !errors.As(err, &pe) || pe.Custom != 6 || pe.CustomName != "RateLimitExceeded" || res.Outcome != extrinsic.OutcomePoolRejected {
		t.Fatalf("%v", err)
	}
	if !strings.Contains(err.Error(), "RateLimitExceeded") || srv.Requests("author_submitAndWatchExtrinsic") != 2 || srv.Requests("system_accountNextIndex") != 2 {
		t.Errorf("%q after %d submissions and %d nonce reads", err, srv.Requests("author_submitAndWatchExtrinsic"), srv.Requests("system_accountNextIndex"))
	}
	// 1014 twice: one retry, then the error.
	_, err = s.Submit(context.Background(), key, extrinsic.NewCall("System", "remark", []byte("x")))
	if !errors.As(err, &pe) || pe.Code != extrinsic.CodeTooLowPriority || srv.Requests("author_submitAndWatchExtrinsic") != 4 {
		t.Errorf("%v after %d submissions", err, srv.Requests("author_submitAndWatchExtrinsic"))
	}
}
