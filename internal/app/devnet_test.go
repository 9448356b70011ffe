package app_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/pylon-go/pylon"
	"github.com/pylon-go/pylon/internal/app"
	"github.com/pylon-go/pylon/internal/chain/rpc/faultproxy"
	"github.com/pylon-go/pylon/internal/config"
	"github.com/pylon-go/pylon/internal/devnet"
)

// The assembled service against the devnet: every read over real HTTP,
// checked against the polkadot-js oracle (never against the Go chain code),
// plus the cache's promises (one chain call for concurrent misses, prefetched
// latest reads, ETag/304, gzip).

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

const (
	openTok  = "open-token-e2e"
	sn1Tok   = "sn1-token-e2e"
	sn2Tok   = "sn2-token-e2e"
	seedTok  = "seed-token-e2e"
	metricsT = "metrics-token-e2e"
)

type service struct {
	URL string
	app *app.App
}

func ctxT(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// serve builds the service from PYLON_* settings, as the binary does, and
// serves it on a loopback port until the test ends.
func serve(t *testing.T, env ...string) *service {
	t.Helper()
	dir := t.TempDir()
	envFile := filepath.Join(dir, "empty.env")
	if err := os.WriteFile(envFile, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(append([]string{
		"HOME=" + dir, "PYLON_ENV_FILE=" + envFile, "PYLON_LISTEN_ADDRESS=127.0.0.1:0",
		"PYLON_DATABASE_PATH=" + filepath.Join(dir, "pylon.db"), "PYLON_SHUTDOWN_GRACE_PERIOD_SECONDS=5",
	}, env...))
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(ctxT(t), cfg, app.Options{Version: "e2e"})
	if err != nil {
		t.Fatal(err)
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- a.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
		if err := a.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return &service{URL: "http://" + ln.Addr().String(), app: a}
}

// identityEnv configures identity name (upper-case in variables) acting for
// neuron n of subnet s, with the world's wallets.
func identityEnv(name, token string, s *devnet.Subnet, n devnet.Neuron) []string {
	p := "PYLON_ID_" + strings.ToUpper(name) + "_"
	return []string{p + "WALLET_NAME=" + n.Wallet, p + "HOTKEY_NAME=" + n.HotkeyName, p + "NETUID=" + strconv.Itoa(int(s.Netuid)), p + "TOKEN=" + token}
}

// standardEnv: sn1 is the owner of the first subnet, sn2 a miner of the same
// subnet that has no certificate. Only the first subnet is cached
// (prefetched): the identities' subnets, and no PYLON_RECENT_OBJECTS_NETUIDS.
func standardEnv() []string {
	s0 := &world.Subnets[0]
	env := []string{
		"PYLON_BITTENSOR_NETWORK=" + dn.URL, "PYLON_BITTENSOR_ARCHIVE_NETWORK=" + dn.URL,
		"PYLON_BITTENSOR_WALLET_PATH=" + world.WalletDir,
		"PYLON_OPEN_ACCESS_TOKEN=" + openTok, "PYLON_METRICS_TOKEN=" + metricsT,
		`PYLON_IDENTITIES=["sn1","sn2"]`,
	}
	env = append(env, identityEnv("sn1", sn1Tok, s0, s0.Neurons[0])...)
	return append(env, identityEnv("sn2", sn2Tok, s0, s0.Neurons[len(s0.Neurons)-1])...)
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

// noDecompress keeps gzip bodies as sent.
var noDecompress = &http.Client{Transport: &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 256}}

func get(t *testing.T, url, token string, headers ...string) answer {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, url, http.NoBody)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := noDecompress.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{status: res.StatusCode, header: res.Header, body: body}
}

// getJSON GETs url with the open-access token, expects 200 and decodes the
// body into a new T; the freshness headers must name the body's block.
func getJSON[T any](t *testing.T, url string) (T, answer) {
	t.Helper()
	a := get(t, url, openTok)
	var v T
	if a.status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, a.status, a.body)
	}
	if err := json.Unmarshal(a.body, &v); err != nil {
		t.Fatalf("GET %s: %v: %s", url, err, a.body)
	}
	return v, a
}

func problem(t *testing.T, a answer) pylon.Problem {
	t.Helper()
	var p pylon.Problem
	if err := json.Unmarshal(a.body, &p); err != nil || a.header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("problem body %s (%s): %v", a.body, a.header.Get("Content-Type"), err)
	}
	return p
}

func subnetURL(s *service, netuid uint16, path string) string {
	return fmt.Sprintf("%s/api/v1/subnet/%d%s", s.URL, netuid, path)
}

func checkFreshness(t *testing.T, a answer, b pylon.Block) {
	t.Helper()
	if a.header.Get(pylon.HeaderBlockNumber) != strconv.FormatInt(b.Number, 10) || a.header.Get(pylon.HeaderBlockHash) != b.Hash {
		t.Errorf("freshness headers %s %s, body block %+v", a.header.Get(pylon.HeaderBlockNumber), a.header.Get(pylon.HeaderBlockHash), b)
	}
	if age, err := strconv.ParseFloat(a.header.Get(pylon.HeaderBlockAge), 64); err != nil || age < 0 {
		t.Errorf("age header %q", a.header.Get(pylon.HeaderBlockAge))
	}
}

// oracleStakes decodes get_subnet_state with polkadot-js (spec 218 wraps it
// in Vec<u8>; the layout, CHAIN.md §5.5, is given as a tuple) and returns
// alpha, tao and total stake in rao by hotkey.
func oracleStakes(t *testing.T, netuid uint16, at string) map[string][3]string {
	t.Helper()
	const layout = "Option<(Compact<u16>,Vec<AccountId32>,Vec<AccountId32>,Vec<bool>,Vec<bool>,Vec<Compact<u16>>," +
		"Vec<Compact<u64>>,Vec<Compact<u64>>,Vec<Compact<u16>>,Vec<Compact<u16>>,Vec<Compact<u16>>,Vec<Compact<u16>>," +
		"Vec<Compact<u16>>,Vec<Compact<u64>>,Vec<Compact<u64>>,Vec<Compact<u64>>,Vec<Compact<u64>>,Vec<Vec<Compact<u64>>>)>"
	raw, err := dn.Oracle().CallWith(ctxT(t), devnet.ReadOptions{At: at, Decode: layout, Format: "primitive"},
		"call.subnetInfoRuntimeApi.getSubnetState", netuid)
	if err != nil {
		t.Fatal(err)
	}
	var fields []json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	var hotkeys []string
	if err := json.Unmarshal(fields[1], &hotkeys); err != nil {
		t.Fatal(err)
	}
	list := func(i int) []string {
		var vs []json.RawMessage
		if err := json.Unmarshal(fields[i], &vs); err != nil {
			t.Fatal(err)
		}
		out := make([]string, len(vs))
		for j, v := range vs {
			out[j] = strings.Trim(string(v), `"`)
		}
		return out
	}
	alpha, tao, total := list(14), list(15), list(16)
	out := map[string][3]string{}
	for i, hk := range hotkeys {
		out[hk] = [3]string{alpha[i], tao[i], total[i]}
	}
	return out
}

// oracleNeuron is polkadot-js' get_neurons_lite entry with the ratios
// devnet.NeuronLite leaves out.
type oracleNeuron struct {
	devnet.NeuronLite
	Rank           uint16 `json:"rank"`
	Trust          uint16 `json:"trust"`
	ValidatorTrust uint16 `json:"validator_trust"`
}

func oracleNeurons(t *testing.T, netuid uint16, at string) []oracleNeuron {
	t.Helper()
	var out []oracleNeuron
	if err := dn.Oracle().Do(ctxT(t), "neuronsLite", map[string]any{"netuid": netuid, "at": at}, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func units(t *testing.T, rao string) float64 {
	t.Helper()
	n, err := strconv.ParseUint(rao, 10, 64)
	if err != nil {
		t.Fatalf("rao %q: %v", rao, err)
	}
	return float64(n) / 1e9
}

// TestNeuronsOverHTTPMatchOracle: the neurons JSON of every bootstrapped
// subnet equals what polkadot-js reads at the same block: keys, uids, axons
// (IP text, port, protocol), permits, stakes, ratios, and the certificates.
func TestNeuronsOverHTTPMatchOracle(t *testing.T) {
	s := serve(t, standardEnv()...)
	ctx := ctxT(t)
	for _, sub := range world.Subnets {
		t.Run(fmt.Sprint("netuid ", sub.Netuid), func(t *testing.T) {
			got, a := getJSON[pylon.SubnetNeurons](t, subnetURL(s, sub.Netuid, "/block/latest/neurons"))
			checkFreshness(t, a, got.Block)
			at := got.Block.Hash
			want := oracleNeurons(t, sub.Netuid, at)
			permits, err := dn.Oracle().ValidatorPermits(ctx, sub.Netuid, at)
			if err != nil {
				t.Fatal(err)
			}
			stakes := oracleStakes(t, sub.Netuid, at)
			if len(got.Neurons) != len(want) || len(want) != len(sub.Neurons) {
				t.Fatalf("%d neurons, oracle %d, world %d", len(got.Neurons), len(want), len(sub.Neurons))
			}
			for _, w := range want {
				g, ok := got.Neurons[w.Hotkey]
				if !ok {
					t.Errorf("hotkey %s missing", w.Hotkey)
					continue
				}
				axon, err := dn.Oracle().Axon(ctx, sub.Netuid, w.Hotkey, at)
				if err != nil {
					t.Fatal(err)
				}
				wantAxon := pylon.AxonInfo{IP: "0.0.0.0"}
				if axon != nil {
					wantAxon = pylon.AxonInfo{IP: axon.IP, Port: int(axon.Port), Protocol: pylon.AxonProtocol(axon.Protocol)}
				}
				st := stakes[w.Hotkey]
				var stake float64
				if len(w.Stake) > 0 {
					stake = units(t, w.Stake[0][1])
				}
				wantN := pylon.Neuron{
					UID: w.UID, Hotkey: w.Hotkey, Coldkey: w.Coldkey, Active: w.Active, AxonInfo: wantAxon,
					Stake: stake, Emission: units(t, w.Emission), Incentive: float64(w.Incentive) / 65535,
					Consensus: float64(w.Consensus) / 65535, Dividends: float64(w.Dividends) / 65535,
					Rank: float64(w.Rank) / 65535, Trust: float64(w.Trust) / 65535, ValidatorTrust: float64(w.ValidatorTrust) / 65535,
					LastUpdate: int64(w.LastUpdate), ValidatorPermit: permits[w.UID], PruningScore: int(w.PruningScore),
					Stakes: pylon.Stakes{Alpha: units(t, st[0]), Tao: units(t, st[1]), Total: units(t, st[2])},
				}
				if g != wantN {
					t.Errorf("uid %d:\n got  %+v\n want %+v", w.UID, g, wantN)
				}
				if w.ValidatorPermit != permits[w.UID] {
					t.Errorf("uid %d: the oracle's permit disagrees with ValidatorPermit storage", w.UID)
				}
			}
			// The world's validators are staked and hold permits.
			for _, n := range sub.Validators() {
				if g := got.Neurons[n.Hotkey]; !g.ValidatorPermit || g.Stakes.Alpha == 0 {
					t.Errorf("validator uid %d: %+v", n.UID, g)
				}
			}

			certs, ca := getJSON[pylon.Certificates](t, subnetURL(s, sub.Netuid, "/block/latest/certificates"))
			if ca.header.Get(pylon.HeaderBlockHash) != at {
				t.Fatalf("certificates read at %s, neurons at %s", ca.header.Get(pylon.HeaderBlockHash), at)
			}
			for _, w := range want {
				c, err := dn.Oracle().Certificate(ctx, sub.Netuid, w.Hotkey, at)
				if err != nil {
					t.Fatal(err)
				}
				g, listed := certs[w.Hotkey]
				switch {
				case c == nil && listed:
					t.Errorf("uid %d: certificate %+v, the oracle has none", w.UID, g)
				case c != nil && (!listed || g.PublicKey != strings.TrimPrefix(c.PublicKey, "0x") || int(g.Algorithm) != int(c.Algorithm)):
					t.Errorf("uid %d: certificate %+v, oracle %+v", w.UID, g, c)
				}
			}
			if len(certs) == 0 {
				t.Error("no certificates; the world serves six")
			}
		})
	}
}

// TestValidatorsOverHTTP: permit holders by total stake (oracle's subnet
// state), largest first, ties by uid.
func TestValidatorsOverHTTP(t *testing.T) {
	s := serve(t, standardEnv()...)
	ctx := ctxT(t)
	for _, sub := range world.Subnets {
		got, a := getJSON[pylon.SubnetValidators](t, subnetURL(s, sub.Netuid, "/block/latest/validators"))
		checkFreshness(t, a, got.Block)
		permits, err := dn.Oracle().ValidatorPermits(ctx, sub.Netuid, got.Block.Hash)
		if err != nil {
			t.Fatal(err)
		}
		stakes := oracleStakes(t, sub.Netuid, got.Block.Hash)
		hotkeys, err := dn.Oracle().Hotkeys(ctx, sub.Netuid, got.Block.Hash)
		if err != nil {
			t.Fatal(err)
		}
		type v struct {
			uid   uint16
			total uint64
			hk    string
		}
		var want []v
		for _, h := range hotkeys {
			if permits[h.UID] {
				total, _ := strconv.ParseUint(stakes[h.Hotkey][2], 10, 64)
				want = append(want, v{h.UID, total, h.Hotkey})
			}
		}
		slices.SortStableFunc(want, func(a, b v) int {
			if a.total != b.total {
				if a.total > b.total {
					return -1
				}
				return 1
			}
			return int(a.uid) - int(b.uid)
		})
		if len(got.Validators) != len(want) {
			t.Fatalf("%d validators, want %d", len(got.Validators), len(want))
		}
		for i := range want {
			if got.Validators[i].UID != want[i].uid || got.Validators[i].Hotkey != want[i].hk {
				t.Errorf("validator %d: uid %d, want %d", i, got.Validators[i].UID, want[i].uid)
			}
		}
	}
}

// TestHyperparametersOverHTTP: the values the bootstrap set, and every value
// polkadot-js decodes from get_subnet_hyperparams (v1 layout, CHAIN.md §5.4).
func TestHyperparametersOverHTTP(t *testing.T) {
	s := serve(t, standardEnv()...)
	ctx := ctxT(t)
	names := []string{"rho", "kappa", "immunity_period", "min_allowed_weights", "max_weights_limit", "tempo",
		"min_difficulty", "max_difficulty", "weights_version", "weights_rate_limit", "adjustment_interval", "activity_cutoff",
		"registration_allowed", "target_regs_per_interval", "min_burn", "max_burn", "bonds_moving_avg", "max_regs_per_block",
		"serving_rate_limit", "max_validators", "adjustment_alpha", "difficulty", "commit_reveal_period",
		"commit_reveal_weights_enabled", "alpha_high", "alpha_low", "liquid_alpha_enabled"}
	types := make([]string, len(names))
	for i, n := range names {
		switch n {
		case "registration_allowed", "commit_reveal_weights_enabled", "liquid_alpha_enabled":
			types[i] = "bool"
		case "min_difficulty", "max_difficulty", "weights_version", "weights_rate_limit", "min_burn", "max_burn",
			"bonds_moving_avg", "serving_rate_limit", "adjustment_alpha", "difficulty", "commit_reveal_period":
			types[i] = "Compact<u64>"
		default:
			types[i] = "Compact<u16>"
		}
	}
	for _, sub := range world.Subnets {
		got, a := getJSON[pylon.Hyperparameters](t, subnetURL(s, sub.Netuid, "/block/latest/hyperparameters"))
		checkFreshness(t, a, got.Block)
		if got.Netuid != sub.Netuid || got.Tempo != 10 || got.WeightsRateLimit != sub.WeightsRateLimit ||
			got.CommitRevealWeightsEnabled != sub.CommitReveal || got.CommitRevealVersion != nil {
			t.Errorf("netuid %d: %+v; world: tempo %d, rate limit %d, commit-reveal %v", sub.Netuid, got, sub.Tempo, sub.WeightsRateLimit, sub.CommitReveal)
		}
		raw, err := dn.Oracle().CallWith(ctx, devnet.ReadOptions{At: got.Block.Hash, Decode: "(" + strings.Join(types, ",") + ")"},
			"call.subnetInfoRuntimeApi.getSubnetHyperparams", sub.Netuid)
		if err != nil {
			t.Fatal(err)
		}
		var want []json.RawMessage
		if err := json.Unmarshal(raw, &want); err != nil {
			t.Fatal(err)
		}
		if len(got.Values) != len(names) {
			t.Errorf("%d values, want %d", len(got.Values), len(names))
		}
		for i, n := range names {
			// polkadot-js writes integers beyond 2^53 as hex strings in JSON;
			// compare numerically.
			if !sameNumber(t, got.Values[n], want[i]) {
				t.Errorf("netuid %d %s = %s, oracle %s", sub.Netuid, n, got.Values[n], want[i])
			}
		}
		if got.MaxWeightsLimit != 65535 || string(got.Values["tempo"]) != "10" {
			t.Errorf("typed fields %+v", got)
		}
	}
	a := get(t, subnetURL(s, 999, "/block/latest/hyperparameters"), openTok)
	if p := problem(t, a); a.status != http.StatusNotFound || !strings.Contains(p.Detail, "Subnet 999 not found") {
		t.Errorf("missing subnet: %d %s", a.status, a.body)
	}
}

// sameNumber compares a JSON value with polkadot-js' rendering of it (a
// number, a bool, or a 0x hex string for large integers).
func sameNumber(t *testing.T, got, want json.RawMessage) bool {
	t.Helper()
	w := strings.Trim(string(want), `"`)
	if strings.HasPrefix(w, "0x") {
		n, err := strconv.ParseUint(w[2:], 16, 64)
		if err != nil {
			t.Fatalf("oracle value %s: %v", want, err)
		}
		w = strconv.FormatUint(n, 10)
	}
	return string(got) == w
}

// TestBlocksAndBadInput: block reads against the oracle, an unknown block is
// 404 with Pylon's text, and bad input is 400 naming the problem.
func TestBlocksAndBadInput(t *testing.T) {
	s := serve(t, standardEnv()...)
	ctx := ctxT(t)
	latest, a := getJSON[pylon.BlockInfo](t, s.URL+"/api/v1/block/latest")
	checkFreshness(t, a, latest.Block)
	head, err := dn.Oracle().Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ts, err := dn.Oracle().QueryWith(ctx, devnet.ReadOptions{At: latest.Hash}, "query.timestamp.now")
	if err != nil {
		t.Fatal(err)
	}
	ms, _ := strconv.ParseInt(strings.Trim(string(ts), `"`), 10, 64)
	if uint64(latest.Number) != head.Number || latest.Hash != head.Hash || latest.Timestamp != ms/1000 {
		t.Errorf("latest %+v; oracle head %+v, timestamp %d ms", latest, head, ms)
	}
	subLatest, _ := getJSON[pylon.BlockInfo](t, subnetURL(s, world.Subnets[0].Netuid, "/block/latest"))
	if subLatest != latest {
		t.Errorf("subnet-level latest block %+v, block-level %+v", subLatest, latest)
	}

	n := head.Number - 1
	hash, err := dn.BlockHash(ctx, n)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := getJSON[pylon.BlockInfo](t, fmt.Sprintf("%s/api/v1/block/%d", s.URL, n))
	if uint64(b.Number) != n || b.Hash != hash || b.Timestamp > latest.Timestamp {
		t.Errorf("block %d: %+v, oracle hash %s", n, b, hash)
	}

	future := head.Number + 1000
	netuid := world.Subnets[0].Netuid
	for _, path := range []string{
		fmt.Sprintf("%s/api/v1/block/%d", s.URL, future),
		subnetURL(s, netuid, fmt.Sprintf("/block/%d/neurons", future)),
		subnetURL(s, netuid, fmt.Sprintf("/neurons/%d", future)),
		subnetURL(s, netuid, fmt.Sprintf("/block/%d/validators", future)),
		subnetURL(s, netuid, fmt.Sprintf("/block/%d/hyperparameters", future)),
	} {
		a := get(t, path, openTok)
		if p := problem(t, a); a.status != http.StatusNotFound || p.Detail != fmt.Sprintf("Block %d not found.", future) {
			t.Errorf("GET %s: %d %q", path, a.status, p.Detail)
		}
	}
	for path, want := range map[string]string{
		s.URL + "/api/v1/block/abc":                                                            "block_number",
		s.URL + "/api/v1/block/-1":                                                             "block_number",
		subnetURL(s, netuid, "/block/1x/neurons"):                                              "block_number",
		subnetURL(s, netuid, "/block/latest/certificates/x"):                                   "hotkey must be an SS58 address",
		subnetURL(s, netuid, "/certificates/5F4tQyWrhfGVcNhoqeiNsR6KjD4wMZ2kfhLj4oHYuyHbZAc4"): "hotkey must be an SS58 address",
		s.URL + "/api/v1/subnet/70000/block/latest/neurons":                                    "netuid must be a whole number",
	} {
		a := get(t, path, openTok)
		if p := problem(t, a); a.status != http.StatusBadRequest || !strings.Contains(p.Detail, want) {
			t.Errorf("GET %s: %d %q, want 400 mentioning %q", path, a.status, p.Detail, want)
		}
	}
	if a := get(t, s.URL+"/ready", ""); a.status != http.StatusOK {
		t.Errorf("/ready: %d %s", a.status, a.body)
	}
}

// TestCertificatesOfIdentitiesAndOldPaths: the identity's own certificate,
// one hotkey's certificate, and the Nov-2025 paths answer what the newer
// paths answer.
func TestCertificatesOfIdentitiesAndOldPaths(t *testing.T) {
	s := serve(t, standardEnv()...)
	s0 := world.Subnets[0]
	owner := s0.Neurons[0]
	wantKey := strings.TrimPrefix(owner.Certificate.PublicKey, "0x")

	for _, path := range []string{"/block/latest/certificates/self", "/certificates/self"} {
		a := get(t, fmt.Sprintf("%s/api/v1/identity/sn1/subnet/%d%s", s.URL, s0.Netuid, path), sn1Tok)
		var c pylon.Certificate
		if a.status != http.StatusOK || json.Unmarshal(a.body, &c) != nil || c.PublicKey != wantKey || c.Algorithm != pylon.CertificateAlgorithmEd25519 {
			t.Errorf("own certificate via %s: %d %s, want %s", path, a.status, a.body, wantKey)
		}
		// sn2's hotkey serves no axon, so it has no certificate.
		a = get(t, fmt.Sprintf("%s/api/v1/identity/sn2/subnet/%d%s", s.URL, s0.Netuid, path), sn2Tok)
		if p := problem(t, a); a.status != http.StatusNotFound || p.Detail != "Certificate not found or error fetching." {
			t.Errorf("own certificate of sn2 via %s: %d %q", path, a.status, p.Detail)
		}
	}
	for _, path := range []string{"/block/latest/certificates/", "/certificates/"} {
		c, _ := getJSON[pylon.Certificate](t, subnetURL(s, s0.Netuid, path+owner.Hotkey))
		if c.PublicKey != wantKey {
			t.Errorf("%s: %+v", path, c)
		}
		a := get(t, subnetURL(s, s0.Netuid, path+world.SudoAddress), openTok)
		if p := problem(t, a); a.status != http.StatusNotFound || p.Detail != "Certificate not found or error fetching." {
			t.Errorf("%s of a hotkey without one: %d %q", path, a.status, p.Detail)
		}
	}
	same := func(a, b string) {
		x, y := get(t, a, openTok), get(t, b, openTok)
		if x.status != http.StatusOK || !bytes.Equal(x.body, y.body) || x.header.Get("ETag") != y.header.Get("ETag") {
			t.Errorf("%s and %s answer differently", a, b)
		}
	}
	same(subnetURL(s, s0.Netuid, "/neurons/latest"), subnetURL(s, s0.Netuid, "/block/latest/neurons"))
	same(subnetURL(s, s0.Netuid, "/certificates"), subnetURL(s, s0.Netuid, "/block/latest/certificates"))
	latest, _ := getJSON[pylon.BlockInfo](t, s.URL+"/api/v1/block/latest")
	same(subnetURL(s, s0.Netuid, fmt.Sprintf("/neurons/%d", latest.Number)), subnetURL(s, s0.Netuid, fmt.Sprintf("/block/%d/neurons", latest.Number)))
	same(fmt.Sprintf("%s/api/_unstable/openaccess/subnet/%d/block/latest/neurons", s.URL, s0.Netuid), subnetURL(s, s0.Netuid, "/block/latest/neurons"))
}

// TestSeedMode: a configuration in the seed format serves the seed-era
// certificate paths for its one wallet, with the seed's 404 text.
func TestSeedMode(t *testing.T) {
	sub := world.Subnets[0]
	n := sub.Neurons[1]
	s := serve(t, "AUTH_TOKEN="+seedTok, "BITTENSOR_NETUID="+strconv.Itoa(int(sub.Netuid)),
		"BITTENSOR_NETWORK="+dn.URL, "BITTENSOR_ARCHIVE_NETWORK="+dn.URL, "BITTENSOR_WALLET_PATH="+world.WalletDir,
		"BITTENSOR_WALLET_NAME="+n.Wallet, "BITTENSOR_WALLET_HOTKEY_NAME="+n.HotkeyName)
	certs := map[string]pylon.Certificate{}
	a := get(t, s.URL+"/api/v1/certificates", seedTok)
	if a.status != http.StatusOK || json.Unmarshal(a.body, &certs) != nil {
		t.Fatalf("/api/v1/certificates: %d %s", a.status, a.body)
	}
	withCert := 0
	for _, x := range sub.Neurons {
		if x.Certificate == nil {
			if _, ok := certs[x.Hotkey]; ok {
				t.Errorf("uid %d listed without a certificate", x.UID)
			}
			continue
		}
		withCert++
		if certs[x.Hotkey].PublicKey != strings.TrimPrefix(x.Certificate.PublicKey, "0x") {
			t.Errorf("uid %d: %+v", x.UID, certs[x.Hotkey])
		}
	}
	if len(certs) != withCert {
		t.Errorf("%d certificates, want %d", len(certs), withCert)
	}
	var self, one pylon.Certificate
	if a := get(t, s.URL+"/api/v1/certificates/self", seedTok); a.status != http.StatusOK || json.Unmarshal(a.body, &self) != nil ||
		self.PublicKey != strings.TrimPrefix(n.Certificate.PublicKey, "0x") {
		t.Errorf("/api/v1/certificates/self: %d %s", a.status, a.body)
	}
	if a := get(t, s.URL+"/api/v1/certificates/"+sub.Neurons[2].Hotkey, seedTok); a.status != http.StatusOK || json.Unmarshal(a.body, &one) != nil ||
		one.PublicKey != strings.TrimPrefix(sub.Neurons[2].Certificate.PublicKey, "0x") {
		t.Errorf("/api/v1/certificates/{hotkey}: %d %s", a.status, a.body)
	}
	a = get(t, s.URL+"/api/v1/certificates/"+world.SudoAddress, seedTok)
	var body map[string]any
	if err := json.Unmarshal(a.body, &body); err != nil || a.status != http.StatusNotFound || body["detail"] != "Certificate not found or error fetching." {
		t.Errorf("no certificate: %d %s", a.status, a.body)
	}
	if a := get(t, s.URL+"/api/v1/certificates", "wrong"); a.status != http.StatusForbidden {
		t.Errorf("wrong token: %d", a.status)
	}
}

// opCount is the number of reads timed under operation (all statuses).
func opCount(t *testing.T, s *service, operation string) uint64 {
	t.Helper()
	mfs, err := s.app.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	var n uint64
	for _, mf := range mfs {
		if mf.GetName() != "pylon_bittensor_operation_duration_seconds" {
			continue
		}
		for _, m := range mf.GetMetric() {
			if label(m, "operation") == operation {
				n += m.GetHistogram().GetSampleCount()
			}
		}
	}
	return n
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

// TestConcurrentMissesShareOneChainCall: 200 concurrent requests for the
// latest neurons of a subnet that is not prefetched cause one neurons read:
// exactly two state_call requests to the node (get_neurons_lite and
// get_subnet_state, made once each), counted by the RPC client.
func TestConcurrentMissesShareOneChainCall(t *testing.T) {
	s := serve(t, standardEnv()...)
	sub := world.Subnets[1] // not among the cached subnets
	rpc := s.app.Chain().RPC()
	// The service's start-up prefetch of the first subnet must be over, so
	// that only the requests below call the node.
	latest, err := s.app.Reads().LatestBlock()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.app.Reads().WaitRecent(ctxT(t), world.Subnets[0].Netuid, latest.Number); err != nil {
		t.Fatal(err)
	}
	calls, ops := rpc.CallCount("state_call"), opCount(t, s, "neurons")

	const n = 200
	start := make(chan struct{})
	answers := make([]answer, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			answers[i] = get(t, subnetURL(s, sub.Netuid, "/block/latest/neurons"), openTok)
		})
	}
	close(start)
	wg.Wait()

	for i, a := range answers {
		if a.status != http.StatusOK || !bytes.Equal(a.body, answers[0].body) {
			t.Fatalf("answer %d: %d, differs from the first: %v", i, a.status, !bytes.Equal(a.body, answers[0].body))
		}
	}
	if got := rpc.CallCount("state_call") - calls; got != 2 {
		t.Errorf("%d state_call requests, want 2 (one get_neurons_lite, one get_subnet_state)", got)
	}
	if got := opCount(t, s, "neurons") - ops; got != 1 {
		t.Errorf("%d neurons reads, want 1", got)
	}
	var body pylon.SubnetNeurons
	if err := json.Unmarshal(answers[0].body, &body); err != nil || uint64(body.Block.Number) != latest.Number || len(body.Neurons) != len(sub.Neurons) {
		t.Errorf("body block %+v with %d neurons: %v", body.Block, len(body.Neurons), err)
	}
}

// TestNewHeadIsPrefetched: after a new block, the prefetch reads the cached
// subnet's neurons; the first request for them is already a hit and calls
// the node for nothing.
func TestNewHeadIsPrefetched(t *testing.T) {
	s := serve(t, standardEnv()...)
	ctx := ctxT(t)
	netuid := world.Subnets[0].Netuid
	hash, err := dn.NewBlock(ctx)
	if err != nil {
		t.Fatal(err)
	}
	head, err := s.app.Chain().WaitForBlock(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	for head.Hash.String() != hash {
		if head, err = s.app.Chain().WaitForBlock(ctx, head.Number+1); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.app.Reads().WaitRecent(ctx, netuid, head.Number); err != nil {
		t.Fatal(err)
	}
	rpc := s.app.Chain().RPC()
	stats := rpc.Stats()
	before := map[string]uint64{}
	for m, st := range stats.Methods {
		before[m] = st.Calls
	}

	for _, path := range []string{"/block/latest/neurons", "/block/latest/validators", "/block/recent/neurons"} {
		a := get(t, subnetURL(s, netuid, path), openTok)
		if a.status != http.StatusOK || a.header.Get(pylon.HeaderBlockHash) != hash {
			t.Errorf("%s: %d at %s, want the new block %s", path, a.status, a.header.Get(pylon.HeaderBlockHash), hash)
		}
	}
	for m, st := range rpc.Stats().Methods {
		if st.Calls != before[m] {
			t.Errorf("%s was called %d times by the requests; the prefetch should have made them hits", m, st.Calls-before[m])
		}
	}
}

// TestConditionalRequestsAndGzip: the strong ETag answers 304 to
// If-None-Match, gzip is sent pre-compressed when accepted, with its own tag.
func TestConditionalRequestsAndGzip(t *testing.T) {
	s := serve(t, standardEnv()...)
	url := subnetURL(s, world.Subnets[0].Netuid, "/block/latest/neurons")
	plain := get(t, url, openTok)
	etag := plain.header.Get("ETag")
	if plain.status != http.StatusOK || !strings.HasPrefix(etag, `"`) || plain.header.Get("Content-Encoding") != "" ||
		plain.header.Get("Content-Type") != "application/json" || !strings.Contains(plain.header.Get("Vary"), "Accept-Encoding") {
		t.Fatalf("plain answer: %d %v", plain.status, plain.header)
	}
	if n, _ := strconv.Atoi(plain.header.Get("Content-Length")); n != len(plain.body) {
		t.Errorf("Content-Length %s for %d bytes", plain.header.Get("Content-Length"), len(plain.body))
	}

	gz := get(t, url, openTok, "Accept-Encoding", "gzip, deflate")
	gzTag := gz.header.Get("ETag")
	if gz.status != http.StatusOK || gz.header.Get("Content-Encoding") != "gzip" || gzTag == etag || len(gz.body) >= len(plain.body) {
		t.Fatalf("gzip answer: %d %v, %d bytes (plain %d)", gz.status, gz.header, len(gz.body), len(plain.body))
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz.body))
	if err != nil {
		t.Fatal(err)
	}
	unzipped, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(unzipped, plain.body) {
		t.Errorf("gzip body does not decompress to the plain body: %v", err)
	}

	for _, c := range []struct {
		ifNoneMatch, encoding string
		want                  int
	}{
		{etag, "", http.StatusNotModified},
		{"W/" + etag, "", http.StatusNotModified},
		{`"other", ` + etag, "", http.StatusNotModified},
		{"*", "", http.StatusNotModified},
		{gzTag, "gzip", http.StatusNotModified},
		{etag, "gzip", http.StatusOK}, // another representation
		{`"other"`, "", http.StatusOK},
	} {
		headers := []string{"If-None-Match", c.ifNoneMatch}
		if c.encoding != "" {
			headers = append(headers, "Accept-Encoding", c.encoding)
		}
		a := get(t, url, openTok, headers...)
		if a.status != c.want {
			t.Errorf("If-None-Match %s, Accept-Encoding %q: %d, want %d", c.ifNoneMatch, c.encoding, a.status, c.want)
		}
		if a.status == http.StatusNotModified && (len(a.body) != 0 || a.header.Get("ETag") == "" || a.header.Get(pylon.HeaderBlockNumber) == "") {
			t.Errorf("304 with %d body bytes, headers %v", len(a.body), a.header)
		}
	}
}

// TestRecentNeurons: a cached subnet's recent neurons are the latest block's,
// with their age; a subnet that is not cached is 404.
func TestRecentNeurons(t *testing.T) {
	s := serve(t, standardEnv()...)
	s0, s1 := world.Subnets[0], world.Subnets[1]
	recent, a := getJSON[pylon.SubnetNeurons](t, subnetURL(s, s0.Netuid, "/block/recent/neurons"))
	checkFreshness(t, a, recent.Block)
	latest, _ := getJSON[pylon.SubnetNeurons](t, subnetURL(s, s0.Netuid, "/block/latest/neurons"))
	if recent.Block != latest.Block || len(recent.Neurons) != len(s0.Neurons) || a.header.Get("Warning") != "" {
		t.Errorf("recent %+v (%d neurons, warning %q), latest %+v", recent.Block, len(recent.Neurons), a.header.Get("Warning"), latest.Block)
	}
	a = get(t, subnetURL(s, s1.Netuid, "/block/recent/neurons"), openTok)
	if p := problem(t, a); a.status != http.StatusNotFound || !strings.Contains(p.Detail, "PYLON_RECENT_OBJECTS_NETUIDS") {
		t.Errorf("uncached subnet: %d %q", a.status, p.Detail)
	}
	// Listed in PYLON_RECENT_OBJECTS_NETUIDS, the second subnet is kept too.
	s2 := serve(t, append(standardEnv(), fmt.Sprintf("PYLON_RECENT_OBJECTS_NETUIDS=[%d]", s1.Netuid))...)
	if r, _ := getJSON[pylon.SubnetNeurons](t, subnetURL(s2, s1.Netuid, "/block/recent/neurons")); len(r.Neurons) != len(s1.Neurons) {
		t.Errorf("recent neurons of the listed subnet: %d", len(r.Neurons))
	}
}

// TestStartsWithoutTheChain: the node refuses connections when the service
// starts; the service serves anyway, answers reads and /ready with 503 and
// the reason, keeps connecting, and serves reads once the node is back.
func TestStartsWithoutTheChain(t *testing.T) {
	p, err := faultproxy.New(strings.TrimPrefix(dn.URL, "ws://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	p.Refuse(true)
	env := standardEnv()
	for i, kv := range env {
		if strings.HasPrefix(kv, "PYLON_BITTENSOR_NETWORK=") || strings.HasPrefix(kv, "PYLON_BITTENSOR_ARCHIVE_NETWORK=") {
			k, _, _ := strings.Cut(kv, "=")
			env[i] = k + "=ws://" + p.Addr()
		}
	}
	s := serve(t, env...)
	netuid := world.Subnets[0].Netuid
	for _, path := range []string{"/ready", fmt.Sprintf("/api/v1/subnet/%d/block/latest/neurons", netuid)} {
		a := get(t, s.URL+path, openTok)
		if p := problem(t, a); a.status != http.StatusServiceUnavailable || !strings.Contains(p.Detail, "not connected to the chain yet") {
			t.Errorf("%s while the node refuses: %d %q", path, a.status, p.Detail)
		}
	}

	p.Refuse(false)
	if err := s.app.Reads().WaitRecent(ctxT(t), netuid, 0); err != nil {
		t.Fatal(err)
	}
	got, _ := getJSON[pylon.SubnetNeurons](t, subnetURL(s, netuid, "/block/latest/neurons"))
	if len(got.Neurons) != len(world.Subnets[0].Neurons) {
		t.Errorf("%d neurons after connecting", len(got.Neurons))
	}
	if a := get(t, s.URL+"/ready", ""); a.status != http.StatusOK {
		t.Errorf("/ready after connecting: %d %s", a.status, a.body)
	}
}
