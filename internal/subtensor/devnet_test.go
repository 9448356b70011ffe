package subtensor

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/pylon-go/pylon/internal/chain"
	"github.com/pylon-go/pylon/internal/devnet"
	"github.com/pylon-go/pylon/internal/keys"
)

// One devnet for the package (DEVNET.md §7): the default world, two subnets
// of 16 neurons, the second with commit-reveal on.
var (
	dn    *devnet.Devnet
	world *devnet.World
)

func TestMain(m *testing.M) {
	os.Exit(devnet.RunTests(m, devnet.Config{}, func(ctx context.Context, d *devnet.Devnet) error {
		w, err := d.Bootstrap(ctx, devnet.Options{})
		dn, world = d, w
		return err
	}))
}

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// dial connects a chain client to url for one test.
func dial(t *testing.T, url string) *chain.Client {
	t.Helper()
	c, err := chain.Dial(testCtx(t), []string{url}, chain.Options{ReadyBlocks: -1, BlockTime: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func newClient(t *testing.T, main *chain.Client, opts Options) *Client {
	t.Helper()
	c, err := New(main, opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// oracleSubnetState decodes get_subnet_state with polkadot-js. Spec 218 wraps
// the result in Vec<u8>, so the oracle is told the layout (CHAIN.md §5.5) as
// a tuple; polkadot-js decodes it with its own codec.
func oracleSubnetState(t *testing.T, netuid uint16, at string) []json.RawMessage {
	t.Helper()
	const layout = "Option<(Compact<u16>,Vec<AccountId32>,Vec<AccountId32>,Vec<bool>,Vec<bool>,Vec<Compact<u16>>," +
		"Vec<Compact<u64>>,Vec<Compact<u64>>,Vec<Compact<u16>>,Vec<Compact<u16>>,Vec<Compact<u16>>,Vec<Compact<u16>>," +
		"Vec<Compact<u16>>,Vec<Compact<u64>>,Vec<Compact<u64>>,Vec<Compact<u64>>,Vec<Compact<u64>>,Vec<Vec<Compact<u64>>>)>"
	raw, err := dn.Oracle().CallWith(testCtx(t), devnet.ReadOptions{At: at, Decode: layout, Format: "primitive"},
		"call.subnetInfoRuntimeApi.getSubnetState", netuid)
	if err != nil {
		t.Fatal(err)
	}
	var fields []json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		t.Fatalf("subnet state %s: %v", raw, err)
	}
	return fields
}

// numbers reads a JSON list of integers that polkadot-js renders as numbers
// or, beyond 2^53, as strings.
func numbers(t *testing.T, raw json.RawMessage) []string {
	t.Helper()
	var vs []json.RawMessage
	if err := json.Unmarshal(raw, &vs); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = strings.Trim(string(v), `"`)
	}
	return out
}

func decodeJSON[T any](t *testing.T, raw json.RawMessage) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	return v
}

// TestSubnetNeuronsMatchOracle reads every bootstrapped subnet's neurons with
// their stakes and checks them field by field against polkadot-js'
// get_neurons_lite and get_subnet_state, and against the storage the
// bootstrap wrote (axons, certificates' owners, Alpha).
func TestSubnetNeuronsMatchOracle(t *testing.T) {
	ctx := testCtx(t)
	c := newClient(t, dial(t, dn.URL), Options{})
	head := c.Head()
	at := head.Hash.String()
	for _, sub := range world.Subnets {
		t.Run(fmt.Sprint("netuid ", sub.Netuid), func(t *testing.T) {
			got, err := c.SubnetNeurons(ctx, head, sub.Netuid)
			if err != nil {
				t.Fatal(err)
			}
			want, err := dn.Oracle().NeuronsLite(ctx, sub.Netuid, at)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Neurons) != len(want) || len(want) != len(sub.Neurons) {
				t.Fatalf("%d neurons, oracle %d, world %d", len(got.Neurons), len(want), len(sub.Neurons))
			}
			for i, w := range want {
				g := got.Neurons[i]
				if g.Hotkey.String() != w.Hotkey || g.Coldkey.String() != w.Coldkey || g.UID != w.UID || g.Netuid != w.Netuid ||
					g.Active != w.Active || g.ValidatorPermit != w.ValidatorPermit || g.LastUpdate != w.LastUpdate ||
					g.PruningScore != w.PruningScore || fmt.Sprint(g.Emission) != w.Emission || g.Incentive != w.Incentive ||
					g.Consensus != w.Consensus || g.Dividends != w.Dividends {
					t.Errorf("uid %d: got %+v\noracle %+v", i, g, w)
				}
				a := g.AxonInfo
				if a.IP.String() != w.AxonInfo.IP || a.Port != w.AxonInfo.Port || a.Protocol != w.AxonInfo.Protocol ||
					a.IPType != w.AxonInfo.IPType || a.Version != w.AxonInfo.Version || a.Block != w.AxonInfo.Block {
					t.Errorf("uid %d axon %+v, oracle %+v", i, a, w.AxonInfo)
				}
				if len(g.Stake) != len(w.Stake) {
					t.Errorf("uid %d: %d stake entries, oracle %d", i, len(g.Stake), len(w.Stake))
				}
				for j := range min(len(g.Stake), len(w.Stake)) {
					if g.Stake[j].Coldkey.String() != w.Stake[j][0] || fmt.Sprint(g.Stake[j].Amount) != w.Stake[j][1] {
						t.Errorf("uid %d stake %d: %+v, oracle %v", i, j, g.Stake[j], w.Stake[j])
					}
				}
			}
			// Axons as stored, rendered by the oracle: the text Pylon sends.
			for _, n := range sub.Neurons {
				if n.Axon == nil {
					continue
				}
				g := got.Neurons[n.UID]
				if g.AxonInfo.Addr().String() != n.Axon.IP || g.AxonInfo.Port != n.Axon.Port {
					t.Errorf("uid %d axon %s:%d, stored %s:%d", n.UID, g.AxonInfo.Addr(), g.AxonInfo.Port, n.Axon.IP, n.Axon.Port)
				}
			}

			// Stakes: the oracle's subnet state, zipped by hotkey.
			state := oracleSubnetState(t, sub.Netuid, at)
			hotkeys := decodeJSON[[]string](t, state[1])
			alpha, tao, total := numbers(t, state[14]), numbers(t, state[15]), numbers(t, state[16])
			if len(got.Stakes) != len(hotkeys) {
				t.Errorf("%d stakes, oracle state has %d hotkeys", len(got.Stakes), len(hotkeys))
			}
			for i, hk := range hotkeys {
				id, err := keys.ParseAccountID(hk)
				if err != nil {
					id = keys.AccountID(mustHex(t, hk))
				}
				s := got.Stakes[id]
				if fmt.Sprint(s.Alpha) != alpha[i] || fmt.Sprint(s.Tao) != tao[i] || fmt.Sprint(s.Total) != total[i] {
					t.Errorf("stakes of %s: %+v, oracle alpha %s tao %s total %s", hk, s, alpha[i], tao[i], total[i])
				}
			}
			// The validators the bootstrap staked hold stake on the subnet.
			for _, n := range sub.Validators() {
				if got.Stakes[got.Neurons[n.UID].Hotkey].Alpha == 0 {
					t.Errorf("validator uid %d has no alpha stake", n.UID)
				}
			}
			if got.Block.Time.IsZero() || got.Block.Block != head {
				t.Errorf("block %+v", got.Block)
			}
		})
	}
}

// TestHyperparametersMatchOracle: the values the bootstrap set (tempo 10,
// weights rate limit 0, commit-reveal off on the first subnet and on on the
// second), and every value polkadot-js decodes from get_subnet_hyperparams.
func TestHyperparametersMatchOracle(t *testing.T) {
	ctx := testCtx(t)
	c := newClient(t, dial(t, dn.URL), Options{})
	head := c.Head()
	names := []string{"rho", "kappa", "immunity_period", "min_allowed_weights", "max_weights_limit", "tempo",
		"min_difficulty", "max_difficulty", "weights_version", "weights_rate_limit", "adjustment_interval", "activity_cutoff",
		"registration_allowed", "target_regs_per_interval", "min_burn", "max_burn", "bonds_moving_avg", "max_regs_per_block",
		"serving_rate_limit", "max_validators", "adjustment_alpha", "difficulty", "commit_reveal_period",
		"commit_reveal_weights_enabled", "alpha_high", "alpha_low", "liquid_alpha_enabled"}
	layout := map[string]string{}
	for _, n := range names {
		switch n {
		case "registration_allowed", "commit_reveal_weights_enabled", "liquid_alpha_enabled":
			layout[n] = "bool"
		case "min_difficulty", "max_difficulty", "weights_version", "weights_rate_limit", "min_burn", "max_burn",
			"bonds_moving_avg", "serving_rate_limit", "adjustment_alpha", "difficulty", "commit_reveal_period":
			layout[n] = "Compact<u64>"
		default:
			layout[n] = "Compact<u16>"
		}
	}
	tuple := make([]string, len(names))
	for i, n := range names {
		tuple[i] = layout[n]
	}
	for _, sub := range world.Subnets {
		h, err := c.Hyperparameters(ctx, head, sub.Netuid)
		if err != nil {
			t.Fatal(err)
		}
		if h.Tempo != 10 || h.Tempo != sub.Tempo || h.WeightsRateLimit != sub.WeightsRateLimit ||
			h.CommitRevealWeightsEnabled != sub.CommitReveal || h.Source != "SubnetInfoRuntimeApi_get_subnet_hyperparams" {
			t.Errorf("netuid %d: %+v, world %+v", sub.Netuid, h, sub)
		}
		if h.CommitRevealVersion != nil {
			t.Errorf("commit-reveal version %d on a runtime without CommitRevealWeightsVersion", *h.CommitRevealVersion)
		}
		if v, _ := h.Param("max_validators"); v.String() != fmt.Sprint(sub.MaxAllowedValidators) {
			t.Errorf("max_validators %s, world %d", v, sub.MaxAllowedValidators)
		}
		raw, err := dn.Oracle().CallWith(ctx, devnet.ReadOptions{At: head.Hash.String(), Decode: "(" + strings.Join(tuple, ",") + ")", Format: "primitive"},
			"call.subnetInfoRuntimeApi.getSubnetHyperparams", sub.Netuid)
		if err != nil {
			t.Fatal(err)
		}
		want := decodeJSON[[]json.RawMessage](t, raw)
		if len(h.Params) != len(want) {
			t.Fatalf("%d params, oracle %d", len(h.Params), len(want))
		}
		for i, p := range h.Params {
			if p.Name != names[i] || p.Value.String() != strings.Trim(string(want[i]), `"`) {
				t.Errorf("netuid %d param %d: %s = %s, oracle %s = %s", sub.Netuid, i, p.Name, p.Value, names[i], want[i])
			}
		}
	}
	if _, err := c.Hyperparameters(ctx, head, 999); !errors.Is(err, ErrSubnetNotFound) {
		t.Errorf("missing subnet: %v", err)
	}
}

// TestCertificatesMatchOracle: the bootstrap served axons with certificates
// for the first neurons of each subnet.
func TestCertificatesMatchOracle(t *testing.T) {
	ctx := testCtx(t)
	c := newClient(t, dial(t, dn.URL), Options{})
	head := c.Head()
	for _, sub := range world.Subnets {
		all, err := c.Certificates(ctx, head, sub.Netuid)
		if err != nil {
			t.Fatal(err)
		}
		withCert := 0
		for _, n := range sub.Neurons {
			hk, _ := keys.ParseAccountID(n.Hotkey)
			want, err := dn.Oracle().Certificate(ctx, sub.Netuid, n.Hotkey, head.Hash.String())
			if err != nil {
				t.Fatal(err)
			}
			one, err := c.Certificate(ctx, head, sub.Netuid, hk)
			if err != nil {
				t.Fatal(err)
			}
			got, listed := all[hk]
			if want == nil {
				if one != nil || listed {
					t.Errorf("uid %d: certificate %+v / listed %v; the oracle has none", n.UID, one, listed)
				}
			} else {
				withCert++
				if one == nil || !listed || "0x"+hex.EncodeToString(one.PublicKey) != want.PublicKey || one.Algorithm != want.Algorithm ||
					!bytes.Equal(got.PublicKey, one.PublicKey) || got.Algorithm != one.Algorithm {
					t.Errorf("uid %d: certificate %+v, listed %+v, oracle %+v", n.UID, one, got, want)
				}
			}
		}
		if withCert == 0 || len(all) != withCert {
			t.Errorf("netuid %d: %d listed, %d with a certificate", sub.Netuid, len(all), withCert)
		}
	}
}

func TestBlocksAndUIDs(t *testing.T) {
	ctx := testCtx(t)
	c := newClient(t, dial(t, dn.URL), Options{})
	head := c.Head()
	b, err := c.BlockAt(ctx, head.Number)
	if err != nil || b != head {
		t.Fatalf("BlockAt(head) = %+v, %v; head %+v", b, err, head)
	}
	if _, err := c.BlockAt(ctx, head.Number+1000); !errors.Is(err, ErrBlockNotFound) {
		t.Errorf("a future block: %v, want ErrBlockNotFound", err)
	}
	info, err := c.BlockInfo(ctx, head)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := dn.Oracle().QueryWith(ctx, devnet.ReadOptions{At: head.Hash.String()}, "query.timestamp.now")
	if err != nil {
		t.Fatal(err)
	}
	if ms := decodeJSON[int64](t, raw); info.Time.UnixMilli() != ms {
		t.Errorf("timestamp %v (%d ms), oracle %d ms", info.Time, info.Time.UnixMilli(), ms)
	}
	sub := world.Subnets[0]
	for _, n := range sub.Neurons[:3] {
		hk, _ := keys.ParseAccountID(n.Hotkey)
		uid, ok, err := c.UID(ctx, head, sub.Netuid, hk)
		if err != nil || !ok || uid != n.UID {
			t.Errorf("UID(%s) = %d, %v, %v; want %d", n.Hotkey, uid, ok, err, n.UID)
		}
	}
	stranger, _ := keys.ParseAccountID(world.SudoAddress)
	if _, ok, err := c.UID(ctx, head, sub.Netuid, stranger); ok || err != nil {
		t.Errorf("unregistered hotkey: %v, %v", ok, err)
	}
	if ns, err := c.Neurons(ctx, head, 999); err != nil || len(ns) != 0 {
		t.Errorf("neurons of a missing subnet: %d, %v", len(ns), err)
	}
	if _, err := c.SubnetState(ctx, head, 999); !errors.Is(err, ErrSubnetNotFound) {
		t.Errorf("state of a missing subnet: %v", err)
	}
}

// metricValue reads a counter's value or a histogram's sample count.
func metricValue(t *testing.T, m prometheus.Metric) float64 {
	t.Helper()
	var out dto.Metric
	if err := m.Write(&out); err != nil {
		t.Fatal(err)
	}
	if h := out.GetHistogram(); h != nil {
		return float64(h.GetSampleCount())
	}
	return out.GetCounter().GetValue()
}

// pruningNode is a JSON-RPC-over-HTTP front of the devnet that behaves like
// a pruned node for the blocks in pruned: state reads at those hashes fail
// with Substrate's 4003 UnknownBlock error; everything else is forwarded.
type pruningNode struct {
	*httptest.Server
	mu     sync.Mutex
	pruned map[string]bool
	// stateReads counts forwarded state reads by block hash.
	stateReads map[string]int
	refused    atomic.Int64
}

func newPruningNode(t *testing.T) *pruningNode {
	p := &pruningNode{pruned: map[string]bool{}, stateReads: map[string]int{}}
	p.Server = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.Close)
	return p
}

func (p *pruningNode) prune(h chain.Hash) {
	p.mu.Lock()
	p.pruned[h.String()] = true
	p.mu.Unlock()
}

func (p *pruningNode) reads(h chain.Hash) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stateReads[h.String()]
}

func (p *pruningNode) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var req struct {
		ID     json.RawMessage `json:"id"`
		Method string          `json:"method"`
		Params []any           `json:"params"`
	}
	if err := json.Unmarshal(body, &req); err == nil && strings.HasPrefix(req.Method, "state_") {
		for _, param := range req.Params {
			s, _ := param.(string)
			p.mu.Lock()
			pruned := p.pruned[s]
			if len(s) == 66 {
				p.stateReads[s]++
			}
			p.mu.Unlock()
			if pruned {
				p.refused.Add(1)
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"error":{"code":4003,"message":"Client error: Api called for an unknown Block: State already discarded for %s"}}`, req.ID, s)
				return
			}
		}
	}
	fwd, err := http.NewRequestWithContext(r.Context(), http.MethodPost, dn.HTTPURL, bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	fwd.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(fwd)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer res.Body.Close()
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.Copy(w, res.Body)
}

// TestArchiveRouting: a read at a block whose state the main node pruned goes
// to the archive node (unknown_block); a read older than the cutoff goes
// straight there (stale_block); when the archive fails too the error is an
// *ArchiveError naming both.
func TestArchiveRouting(t *testing.T) {
	ctx := testCtx(t)
	node := newPruningNode(t)
	main := dial(t, node.URL)
	archive := dial(t, dn.URL)
	var archiveDials atomic.Int64
	c := newClient(t, main, Options{ArchiveCutoff: 1000, Archive: func(context.Context) (*chain.Client, error) {
		archiveDials.Add(1)
		return archive, nil
	}})
	head := c.Head()
	old, err := c.BlockAt(ctx, head.Number-1)
	if err != nil {
		t.Fatal(err)
	}
	direct, err := newClient(t, archive, Options{}).SubnetNeurons(ctx, old, world.Subnets[0].Netuid)
	if err != nil {
		t.Fatal(err)
	}

	node.prune(old.Hash)
	got, err := c.SubnetNeurons(ctx, old, world.Subnets[0].Netuid)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Neurons) != len(direct.Neurons) || len(got.Neurons) == 0 || got.Block != direct.Block {
		t.Fatalf("fallback read of %d neurons at %+v, the archive's own %d at %+v", len(got.Neurons), got.Block, len(direct.Neurons), direct.Block)
	}
	for i := range got.Neurons {
		if got.Neurons[i].Hotkey != direct.Neurons[i].Hotkey || got.Neurons[i].LastUpdate != direct.Neurons[i].LastUpdate {
			t.Errorf("uid %d differs from the archive's own read", i)
		}
	}
	if n := metricValue(t, c.m.fallback.WithLabelValues(ReasonUnknownBlock, operationNeurons)); n != 1 || node.refused.Load() == 0 {
		t.Errorf("unknown_block fallbacks %v, refused %d; want 1 and some", n, node.refused.Load())
	}

	// A hash neither node knows: both fail. The main node's error is the first
	// of the read's concurrent requests to fail: a state read (its state is
	// "discarded") or the header (not found); either goes to the archive.
	ghost := Block{Number: head.Number - 1, Hash: chain.Hash{0xde, 0xad}}
	node.prune(ghost.Hash)
	_, err = c.SubnetNeurons(ctx, ghost, world.Subnets[0].Netuid)
	var ae *ArchiveError
	if !errors.As(err, &ae) || ae.Reason != ReasonUnknownBlock || (!errors.Is(ae.Main, ErrUnknownBlock) && !errors.Is(ae.Main, ErrBlockNotFound)) || ae.Err == nil {
		t.Fatalf("error %v, want an *ArchiveError for unknown_block", err)
	}
	// A block number beyond the head exists nowhere: not found, no archive read.
	fallbacks := metricValue(t, c.m.fallback.WithLabelValues(ReasonUnknownBlock, operationBlockAt))
	if _, err := c.BlockAt(ctx, head.Number+1000); !errors.Is(err, ErrBlockNotFound) || errors.As(err, &ae) {
		t.Errorf("BlockAt beyond the head: %v, want ErrBlockNotFound from the main node", err)
	}
	if after := metricValue(t, c.m.fallback.WithLabelValues(ReasonUnknownBlock, operationBlockAt)); after != fallbacks {
		t.Errorf("BlockAt beyond the head fell back to the archive (%v → %v)", fallbacks, after)
	}

	// Older than the cutoff: the main node is not asked at all.
	stale := newClient(t, main, Options{ArchiveCutoff: 1, Archive: func(context.Context) (*chain.Client, error) { return archive, nil }})
	older, err := stale.BlockAt(ctx, head.Number-2)
	if err != nil {
		t.Fatal(err)
	}
	before := node.reads(older.Hash)
	if _, err := stale.Hyperparameters(ctx, older, world.Subnets[0].Netuid); err != nil {
		t.Fatal(err)
	}
	if n := metricValue(t, stale.m.fallback.WithLabelValues(ReasonStaleBlock, operationHyper)); n != 1 {
		t.Errorf("stale_block fallbacks %v, want 1", n)
	}
	if after := node.reads(older.Hash); after != before {
		t.Errorf("the main node was asked %d times about a block past the cutoff", after-before)
	}
	timed, ok := stale.m.duration.WithLabelValues(operationHyper, "success").(prometheus.Metric)
	if !ok {
		t.Fatal("a histogram observer that is not a metric")
	}
	if n := metricValue(t, timed); n != 1 {
		t.Errorf("%v hyperparameter reads timed, want 1", n)
	}
	if archiveDials.Load() == 0 {
		t.Error("the archive was never asked for")
	}
}
