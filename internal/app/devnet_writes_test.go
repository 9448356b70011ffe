package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pylon-go/pylon"
	"github.com/pylon-go/pylon/internal/devnet"
)

// The write routes over real HTTP as the binary assembles them: the seed
// format's PUT /api/v1/subnet/weights (on the commit-reveal subnet, so the
// commit and its automatic reveal) and POST /api/v1/certificates/self, the
// identity routes' other spellings (mechanism, _unstable, Nov-2025), and the
// weights metrics.

// noRedirect sees a 308 as it is sent.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func send(t *testing.T, method, url, token, body string) answer {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{status: res.StatusCode, header: res.Header, body: b}
}

func seedServe(t *testing.T, sub devnet.Subnet, n devnet.Neuron) *service {
	t.Helper()
	return serve(t, "AUTH_TOKEN="+seedTok, "BITTENSOR_NETUID="+strconv.Itoa(int(sub.Netuid)),
		"BITTENSOR_NETWORK="+dn.URL, "BITTENSOR_ARCHIVE_NETWORK="+dn.URL, "BITTENSOR_WALLET_PATH="+world.WalletDir,
		"BITTENSOR_WALLET_NAME="+n.Wallet, "BITTENSOR_WALLET_HOTKEY_NAME="+n.HotkeyName, "WEIGHTS_RETRY_DELAY_SECONDS=0.2")
}

// TestSeedWrites: in the seed format, PUT /api/v1/subnet/weights schedules
// the weights (commit-reveal subnet: commit, then the reveal without another
// request), and POST /api/v1/certificates/self stores a certificate (201) or
// answers 400 with Pylon's detail.
func TestSeedWrites(t *testing.T) {
	sub := world.Subnets[1]
	if !sub.CommitReveal {
		t.Fatal("the second subnet has commit-reveal off")
	}
	n := sub.Neurons[4]
	s := seedServe(t, sub, n)
	t.Cleanup(dn.ProduceBlocks(300 * time.Millisecond))
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()

	w := map[string]float64{}
	for i, x := range sub.Neurons {
		w[x.Hotkey] = float64(1 + i%3)
	}
	body, _ := json.Marshal(pylon.SetWeightsRequest{Weights: w})
	a := send(t, http.MethodPut, s.URL+"/api/v1/subnet/weights", seedTok, string(body))
	var put pylon.SetWeightsResponse
	if a.status != http.StatusOK || json.Unmarshal(a.body, &put) != nil || put.Detail != "weights update scheduled" || put.Count != len(w) || put.JobID == "" {
		t.Fatalf("seed PUT: %d %s", a.status, a.body)
	}
	// The seed identity is "default"; its job is readable at its identity route.
	jobURL := s.URL + put.StatusURL
	if !strings.HasPrefix(put.StatusURL, fmt.Sprintf("/api/v1/identity/default/subnet/%d/weights/jobs/", sub.Netuid)) {
		t.Errorf("status URL %s", put.StatusURL)
	}
	var job pylon.WeightsJob
	for {
		a := get(t, jobURL, seedTok)
		if a.status != http.StatusOK || json.Unmarshal(a.body, &job) != nil {
			t.Fatalf("job: %d %s", a.status, a.body)
		}
		if job.FinishedAt != nil {
			break
		}
		select {
		case <-time.After(100 * time.Millisecond):
		case <-ctx.Done():
			t.Fatalf("job never finished: %s", a.body)
		}
	}
	if job.Status != "landed" || job.Mode != "commit_reveal_v2" || job.Commit == nil || job.Commit.Block == 0 || job.Result == nil ||
		job.Result.Block < job.Commit.RevealFirstBlock || job.Result.Block > job.Commit.RevealLastBlock {
		b, _ := json.Marshal(job)
		t.Fatalf("job %s", b)
	}
	if bytes.Contains(mustJSON(t, job), []byte("salt")) {
		t.Error("the job shows its salt")
	}
	stored, err := dn.Oracle().Weights(ctx, sub.Netuid, n.UID, job.Result.BlockHash)
	if err != nil || len(stored) != len(sub.Neurons) {
		t.Fatalf("stored %v, %v", stored, err)
	}
	for _, x := range stored {
		if want := uint16(float64(1+int(x.UID)%3) / 3 * 65535); x.Weight != want && x.Weight != want+1 {
			t.Errorf("uid %d: stored %d, want %d", x.UID, x.Weight, want)
		}
	}

	// Certificates: this neuron serves an axon.
	a = send(t, http.MethodPost, s.URL+"/api/v1/certificates/self", seedTok, `{"algorithm": 1}`)
	var kp pylon.CertificateKeypair
	if a.status != http.StatusCreated || json.Unmarshal(a.body, &kp) != nil || len(kp.PrivateKey) != 64 {
		t.Fatalf("seed POST certificates/self: %d %s", a.status, a.body)
	}
	if c, err := dn.Oracle().Certificate(ctx, sub.Netuid, n.Hotkey, ""); err != nil || c == nil || c.PublicKey != "0x"+kp.PublicKey {
		t.Errorf("stored certificate %+v, %v", c, err)
	}

	// A seed wallet whose neuron never served an axon: 400, as the seed answered failures.
	idle := sub.Neurons[len(sub.Neurons)-1]
	s2 := seedServe(t, sub, idle)
	a = send(t, http.MethodPost, s2.URL+"/api/v1/certificates/self", seedTok, `{}`)
	p := problem(t, a)
	if a.status != http.StatusBadRequest || p.Detail != "Could not generate certificate pair." || len(p.Errors) != 1 || !strings.Contains(p.Errors[0].Message, "never served an axon") {
		t.Errorf("no axon: %d %s", a.status, a.body)
	}

	// The weights metrics count the job.
	m := get(t, s.URL+"/metrics", seedTok)
	for _, want := range []string{
		`pylon_weights_jobs_total{mode="commit_reveal_v2",outcome="landed"} 1`,
		`pylon_weights_attempts_total{error="",mode="commit_reveal_v2",outcome="committed"} 1`,
		`pylon_apply_weights_job_duration_seconds_count{mode="commit_reveal_v2",outcome="landed"} 1`,
		`pylon_apply_weights_attempt_duration_seconds_count{mode="commit_reveal_v2",outcome="landed"} 1`,
	} {
		if !strings.Contains(string(m.body), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// TestWriteRouteSpellings: every path of the weights and certificate writes
// is served — v1 and _unstable, with and without a mechanism, and the
// Nov-2025 certificate path — and the job, status and certificate routes
// check the identity like every identity route.
func TestWriteRouteSpellings(t *testing.T) {
	s := serve(t, standardEnv()...)
	s0 := world.Subnets[0]
	w := fmt.Sprintf(`{"weights": {%q: 1, %q: 2}}`, s0.Neurons[1].Hotkey, s0.Neurons[2].Hotkey)
	for _, path := range []string{
		"/api/v1/identity/sn1/subnet/%d/weights?dry_run=true",
		"/api/v1/identity/sn1/subnet/%d/mechanism/0/weights?dry_run=true",
		"/api/_unstable/identity/sn1/subnet/%d/weights?dry_run=true",
		"/api/_unstable/identity/sn1/subnet/%d/mechanism/0/weights?dry_run=true&mode=now",
	} {
		a := send(t, http.MethodPut, s.URL+fmt.Sprintf(path, s0.Netuid), sn1Tok, w)
		var r pylon.SetWeightsResponse
		if a.status != http.StatusOK || json.Unmarshal(a.body, &r) != nil || !r.DryRun || r.Mode != "set_weights" || len(r.UIDs) != 2 {
			t.Errorf("PUT %s: %d %s", path, a.status, a.body)
		}
	}
	// Mechanism 1 on a runtime without mechanisms names the problem.
	a := send(t, http.MethodPut, s.URL+fmt.Sprintf("/api/v1/identity/sn1/subnet/%d/mechanism/1/weights", s0.Netuid), sn1Tok, w)
	if p := problem(t, a); a.status != http.StatusBadRequest || !strings.Contains(p.Detail, "no subnet mechanisms") {
		t.Errorf("mechanism 1: %d %s", a.status, a.body)
	}
	// A body that is not Pylon's shape is a 400 naming the field.
	a = send(t, http.MethodPut, s.URL+fmt.Sprintf("/api/v1/identity/sn1/subnet/%d/weights", s0.Netuid), sn1Tok, `{"weights": {"x": "heavy"}}`)
	if p := problem(t, a); a.status != http.StatusBadRequest || !strings.Contains(p.Detail, "weights") {
		t.Errorf("bad body: %d %s", a.status, a.body)
	}
	// Every kind of bad weights is a 400 whose detail names the problem, before the chain is asked to do anything.
	hk := s0.Neurons[1].Hotkey
	for _, c := range []struct{ body, want string }{
		{fmt.Sprintf(`{"weights": {%q: 1e999}}`, hk), "1e999"},
		{fmt.Sprintf(`{"weights": {%q: -1}}`, hk), "negative"},
		{fmt.Sprintf(`{"weights": {%q: 0}}`, hk), "zero"},
		{`{"weights": {}}`, "no weights"},
		{`{"weights": {"5NotAnAddress": 1}}`, "SS58"},
		{`{"weights": {"5NotAnAddress": 1`, "JSON"},
	} {
		a := send(t, http.MethodPut, s.URL+fmt.Sprintf("/api/v1/identity/sn1/subnet/%d/weights?dry_run=true", s0.Netuid), sn1Tok, c.body)
		if p := problem(t, a); a.status != http.StatusBadRequest || !strings.Contains(p.Detail+fmt.Sprint(p.Errors), c.want) {
			t.Errorf("PUT %s: %d %s, want a 400 saying %q", c.body, a.status, a.body, c.want)
		}
	}
	// The identity guard applies: another identity's token is refused, a wrong netuid redirects.
	if a := send(t, http.MethodPut, s.URL+fmt.Sprintf("/api/v1/identity/sn1/subnet/%d/weights?dry_run=true", s0.Netuid), sn2Tok, w); a.status != http.StatusForbidden {
		t.Errorf("sn2's token on sn1's route: %d", a.status)
	}
	if a := send(t, http.MethodPut, s.URL+fmt.Sprintf("/api/v1/identity/sn1/subnet/%d/weights?dry_run=true", s0.Netuid+1), sn1Tok, w); a.status != http.StatusPermanentRedirect {
		t.Errorf("wrong netuid: %d", a.status)
	}
	for _, path := range []string{
		"/api/v1/identity/sn1/subnet/%d/mechanism/0/block/5/weights/status",
		"/api/_unstable/identity/sn1/subnet/%d/mechanism/0/block/5/weights/status",
	} {
		a := get(t, s.URL+fmt.Sprintf(path, s0.Netuid), sn1Tok)
		var st pylon.WeightsStatus
		if a.status != http.StatusOK || json.Unmarshal(a.body, &st) != nil || st.WeightsSubmitted {
			t.Errorf("GET %s: %d %s", path, a.status, a.body)
		}
	}
	if a := get(t, s.URL+fmt.Sprintf("/api/v1/identity/sn1/subnet/%d/weights/jobs/nope", s0.Netuid), sn1Tok); a.status != http.StatusNotFound {
		t.Errorf("unknown job: %d %s", a.status, a.body)
	}
	// The certificate write exists at the current/Nov-2025 path and under _unstable; sn2 (a neuron
	// without an axon) gets Pylon's 502.
	for _, path := range []string{"/api/v1/identity/sn2/subnet/%d/certificates/self", "/api/_unstable/identity/sn2/subnet/%d/certificates/self"} {
		a := send(t, http.MethodPost, s.URL+fmt.Sprintf(path, s0.Netuid), sn2Tok, `{"algorithm": 1}`)
		if p := problem(t, a); a.status != http.StatusBadGateway || p.Detail != "Could not generate certificate pair." {
			t.Errorf("POST %s: %d %s", path, a.status, a.body)
		}
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
