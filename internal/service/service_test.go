package service

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/pylon-go/pylon"
	"github.com/pylon-go/pylon/internal/chain"
	"github.com/pylon-go/pylon/internal/chain/scale"
	"github.com/pylon-go/pylon/internal/config"
	"github.com/pylon-go/pylon/internal/keys"
	"github.com/pylon-go/pylon/internal/subtensor"
)

// The service's logic that needs no chain: encoding, conversions, ordering,
// staleness. Reads against the real runtime are tested in internal/app,
// through the HTTP server, on the devnet.

func account(b byte) keys.AccountID {
	var a keys.AccountID
	for i := range a {
		a[i] = b
	}
	return a
}

func TestEntryIsEncodedOnceInBothCodings(t *testing.T) {
	body := pylon.Certificates{"5F": {Algorithm: 1, PublicKey: "00ab"}}
	block := subtensor.BlockInfo{Block: subtensor.Block{Number: 7}, Time: time.Unix(1767225600, 0)}
	e, err := newEntry(block, body, nil)
	if err != nil {
		t.Fatal(err)
	}
	if string(e.JSON) != `{"5F":{"algorithm":1,"public_key":"00ab"}}` {
		t.Errorf("JSON %s", e.JSON)
	}
	zr, err := gzip.NewReader(bytes.NewReader(e.Gzip))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(plain, e.JSON) {
		t.Fatalf("gzip body decompresses to %q, %v", plain, err)
	}
	again, err := newEntry(block, body, nil)
	if err != nil {
		t.Fatal(err)
	}
	if e.ETag != again.ETag || e.GzipETag != again.GzipETag || !bytes.Equal(e.Gzip, again.Gzip) {
		t.Error("the same body gave different tags or compressed bytes")
	}
	if !strings.HasPrefix(e.ETag, `"`) || !strings.HasSuffix(e.ETag, `"`) || strings.HasPrefix(e.ETag, "W/") || e.ETag == e.GzipETag {
		t.Errorf("tags %s and %s: want two different strong tags", e.ETag, e.GzipETag)
	}
	other, _ := newEntry(block, pylon.Certificates{}, nil)
	if other.ETag == e.ETag {
		t.Error("different bodies share a tag")
	}
}

func TestWireNeuron(t *testing.T) {
	n := subtensor.Neuron{
		Hotkey: account(1), Coldkey: account(2), UID: 5, Active: true,
		AxonInfo: subtensor.AxonInfo{IP: scale.Uint128From64(3405803783), Port: 8091, Protocol: 4},
		Stake:    []subtensor.StakeEntry{{Coldkey: account(2), Amount: 2_500_000_000}},
		Rank:     0, Emission: 500_000_000, Incentive: 65535, Consensus: 13107, Trust: 0, ValidatorTrust: 32768,
		Dividends: 1, LastUpdate: 42, ValidatorPermit: true, PruningScore: 65535,
	}
	got := wireNeuron(&n, subtensor.Stakes{Alpha: 1_000_000_000, Tao: 250_000_000, Total: 1_250_000_000})
	want := pylon.Neuron{
		UID: 5, Hotkey: account(1).String(), Coldkey: account(2).String(), Active: true,
		AxonInfo: pylon.AxonInfo{IP: "203.0.113.7", Port: 8091, Protocol: pylon.AxonProtocolHTTP},
		Stake:    2.5, Emission: 0.5, Incentive: 1, Consensus: 0.2, ValidatorTrust: 32768.0 / 65535, Dividends: 1.0 / 65535,
		LastUpdate: 42, ValidatorPermit: true, PruningScore: 65535,
		Stakes: pylon.Stakes{Alpha: 1, Tao: 0.25, Total: 1.25},
	}
	if got != want {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	// No stake entry (the devnet's runtime leaves the list empty): 0.
	n.Stake = nil
	if got := wireNeuron(&n, subtensor.Stakes{}); got.Stake != 0 || got.Stakes != (pylon.Stakes{}) {
		t.Errorf("no stake: %+v", got)
	}
}

// TestWireCertificateKeepsZeros: Pylon's turbobt stripped the "0x" prefix
// with str.strip("0x"), which also removes leading and trailing '0'
// characters of the key; the key must come out whole.
func TestWireCertificateKeepsZeros(t *testing.T) {
	key := []byte{0x00, 0x0a, 0xbc, 0x00}
	got := wireCertificate(subtensor.Certificate{PublicKey: key, Algorithm: 1})
	if got.PublicKey != "000abc00" || got.Algorithm != pylon.CertificateAlgorithmEd25519 {
		t.Errorf("certificate %+v, want public key 000abc00", got)
	}
}

func TestValidatorsOrder(t *testing.T) {
	sn := &subtensor.SubnetNeurons{Stakes: map[keys.AccountID]subtensor.Stakes{}}
	stake := []uint64{5, 9, 9, 1, 9, 7}
	permit := []bool{true, true, true, true, false, true}
	for i := range stake {
		hk := account(byte(10 + i))
		sn.Neurons = append(sn.Neurons, subtensor.Neuron{Hotkey: hk, UID: uint16(i), ValidatorPermit: permit[i]})
		sn.Stakes[hk] = subtensor.Stakes{Total: stake[i]}
	}
	got := wireValidators(sn)
	var uids []uint16
	for _, v := range got.Validators {
		uids = append(uids, v.UID)
	}
	// Largest total stake first; uids 1 and 2 tie and keep uid order; uid 4
	// has no permit.
	if want := []uint16{1, 2, 5, 0, 3}; !equal(uids, want) {
		t.Errorf("order %v, want %v", uids, want)
	}
}

func equal[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestWireHyperparameters(t *testing.T) {
	four := uint16(4)
	h := &subtensor.Hyperparameters{
		Netuid: 3, Source: "SubnetInfoRuntimeApi_get_subnet_hyperparams_v2", Tempo: 360, CommitRevealVersion: &four,
		Params: []subtensor.Hyperparameter{
			{Name: "tempo", Value: subtensor.Value{Kind: subtensor.KindUint, Uint: scale.Uint128From64(360)}},
			{Name: "max_difficulty", Value: subtensor.Value{Kind: subtensor.KindUint, Uint: scale.Uint128From64(1<<64 - 1)}},
			{Name: "huge", Value: subtensor.Value{Kind: subtensor.KindUint, Uint: scale.Uint128{Hi: 1}}},
			{Name: "alpha_sigmoid_steepness", Value: subtensor.Value{Kind: subtensor.KindFixed, Fixed: -2.5}},
			{Name: "liquid_alpha_enabled", Value: subtensor.Value{Kind: subtensor.KindBool}},
		},
	}
	e, err := newEntry(h.Block, wireHyperparameters(h), h)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		CommitRevealVersion *int                       `json:"commit_reveal_version"`
		Values              map[string]json.RawMessage `json:"hyperparameters"`
	}
	if err := json.Unmarshal(e.JSON, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"tempo": "360", "max_difficulty": "18446744073709551615", "huge": "18446744073709551616",
		"alpha_sigmoid_steepness": "-2.5", "liquid_alpha_enabled": "false"}
	for k, v := range want {
		if string(got.Values[k]) != v {
			t.Errorf("%s = %s, want %s", k, got.Values[k], v)
		}
	}
	if got.CommitRevealVersion == nil || *got.CommitRevealVersion != 4 {
		t.Errorf("commit_reveal_version %v", got.CommitRevealVersion)
	}
}

func TestStaleness(t *testing.T) {
	r, err := NewReads(nil, Options{SoftLimitBlocks: 2, HardLimitBlocks: 4})
	if err != nil {
		t.Fatal(err)
	}
	e, _ := newEntry(subtensor.BlockInfo{Block: subtensor.Block{Number: 10}}, pylon.SubnetNeurons{}, nil)
	refresh := errors.New("the node said no")
	for head, want := range map[uint64]struct {
		age     uint64
		warning bool
		refused bool
	}{
		9: {0, false, false}, 10: {0, false, false}, 12: {2, false, false}, 13: {3, true, false}, 14: {4, true, false}, 15: {5, false, true},
	} {
		st, err := r.staleness(1, e, refresh, head)
		var se *Error
		switch {
		case st.AgeBlocks != want.age || (st.Warning != "") != want.warning:
			t.Errorf("head %d: %+v, want age %d, warning %v", head, st, want.age, want.warning)
		case want.refused && (!errors.As(err, &se) || se.Kind != KindUnavailable || !strings.Contains(se.Detail, "the node said no") ||
			!strings.Contains(se.Detail, "PYLON_RECENT_OBJECTS_HARD_LIMIT_BLOCKS")):
			t.Errorf("head %d: %v, want a 503 naming the limit and the refresh error", head, err)
		case !want.refused && err != nil:
			t.Errorf("head %d: %v", head, err)
		}
	}
}

func TestWithoutChain(t *testing.T) {
	r, err := NewReads(nil, Options{Netuids: []uint16{1}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	calls := map[string]error{}
	_, calls["block"] = r.Block(ctx, Latest)
	_, calls["neurons"] = r.Neurons(ctx, 1, AtBlock(5))
	_, _, calls["recent"] = r.RecentNeurons(ctx, 1)
	_, calls["validators"] = r.Validators(ctx, 1, Latest)
	_, calls["hyperparameters"] = r.Hyperparameters(ctx, 1, Latest)
	_, calls["certificates"] = r.Certificates(ctx, 1, Latest)
	_, calls["certificate"] = r.Certificate(ctx, 1, Latest, account(1))
	_, calls["own certificate"] = r.OwnCertificate(ctx, config.Identity{Name: "sn1", Netuid: 1})
	calls["ready"] = r.Ready(ctx)
	for name, err := range calls {
		if !errors.Is(err, ErrNoChain) {
			t.Errorf("%s: %v, want ErrNoChain", name, err)
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := r.Run(ctx); err != nil {
		t.Errorf("Run: %v", err)
	}
}

// TestClassify: chain failures become the kinds the API answers with
// (502 for a node's error or a failed archive fallback, 503 when no node can
// be asked); deadlines stay deadlines (504).
func TestClassify(t *testing.T) {
	nodeSaid := errors.New("wasm trap: unreachable")
	for name, c := range map[string]struct {
		err  error
		kind Kind
		text string
	}{
		"archive fallback failed": {&subtensor.ArchiveError{Reason: subtensor.ReasonUnknownBlock, Block: 7, Main: subtensor.ErrUnknownBlock, Err: nodeSaid},
			KindBadGateway, "the archive node failed: wasm trap"},
		"stale block, archive failed": {&subtensor.ArchiveError{Reason: subtensor.ReasonStaleBlock, Block: 7, Err: nodeSaid},
			KindBadGateway, "older than the archive cutoff"},
		"node error":         {nodeSaid, KindBadGateway, "from the chain failed: wasm trap"},
		"pruned, no archive": {fmt.Errorf("read: %w", subtensor.ErrUnknownBlock), KindBadGateway, "no archive node is configured"},
		"no node":            {fmt.Errorf("read: %w", chain.ErrUnavailable), KindUnavailable, "no chain node is available"},
		"client closed":      {chain.ErrClosed, KindUnavailable, "no chain node is available"},
	} {
		err := classify(c.err, "the neurons of subnet 1 at block 7")
		var se *Error
		if !errors.As(err, &se) || se.Kind != c.kind || !strings.Contains(se.Detail, c.text) || !strings.Contains(se.Detail, "subnet 1 at block 7") {
			t.Errorf("%s: %v (%+v), want kind %d mentioning %q", name, err, se, c.kind, c.text)
		}
		if !errors.Is(err, c.err) {
			t.Errorf("%s: the cause is not kept", name)
		}
	}
	deadline := fmt.Errorf("read: %w", context.DeadlineExceeded)
	if err := classify(deadline, "x"); err != deadline { //nolint:errorlint // the very same error must come back
		t.Errorf("deadline: %v", err)
	}
}
