package pylon_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/pylon-go/pylon"
)

// flaky is an httptest server that plays a script: each request gets the
// next step, the last step repeating. It records the requests.
type flaky struct {
	*httptest.Server
	mu     sync.Mutex
	script []step
	seen   []seenRequest
}

type seenRequest struct {
	method, path, query, timeout string
	body                         []byte
	at                           time.Time
}

type step func(w http.ResponseWriter, r *http.Request)

// dropConnection closes the connection without answering: the client sees a
// request error.
func dropConnection(w http.ResponseWriter, _ *http.Request) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err == nil {
		_ = conn.Close()
	}
}

// answer replies as the real service does: JSON for success,
// application/problem+json with Pylon's detail for errors.
func answer(status int, body any, headers ...string) step {
	return func(w http.ResponseWriter, _ *http.Request) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		w.Header().Set("X-Request-ID", "req-"+strconv.Itoa(status))
		out := body
		if status >= 400 {
			w.Header().Set("Content-Type", "application/problem+json")
			detail, _ := body.(string)
			out = pylon.Problem{Title: http.StatusText(status), Status: status, Detail: detail, RequestID: "req-" + strconv.Itoa(status)}
		} else {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(out)
	}
}

func newFlaky(t *testing.T, script ...step) *flaky {
	f := &flaky{script: script}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		i := min(len(f.seen), len(f.script)-1)
		f.seen = append(f.seen, seenRequest{method: r.Method, path: r.URL.Path, query: r.URL.RawQuery, timeout: r.Header.Get("X-Pylon-Timeout"), body: body, at: time.Now()})
		s := f.script[i]
		f.mu.Unlock()
		s(w, r)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *flaky) requests() []seenRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]seenRequest(nil), f.seen...)
}

// fastRetry is DefaultRetry without the waiting, so the tests do not sleep.
var fastRetry = pylon.DefaultRetry.With(pylon.WaitFixed(time.Millisecond))

func client(t *testing.T, url string, retry pylon.Retry) *pylon.Client {
	t.Helper()
	c, err := pylon.NewClient(pylon.Config{Address: url, OpenAccessToken: "open", IdentityName: "sn1", IdentityToken: "sn1-token", Retry: retry})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

var identitiesBody = pylon.IdentitiesResponse{Identities: map[string]uint16{"sn1": 1}}

func TestRetriesRequestErrorsAndTimeouts(t *testing.T) {
	for name, failure := range map[string]step{
		"connection dropped": dropConnection,
		"504":                answer(http.StatusGatewayTimeout, "the request did not finish within its deadline"),
	} {
		t.Run(name, func(t *testing.T) {
			script := []step{failure, failure, answer(http.StatusOK, identitiesBody)}
			f := newFlaky(t, script...)
			ids, resp, err := client(t, f.URL, fastRetry).Identities(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(ids.Identities, identitiesBody.Identities) || resp.Attempts != 3 || len(f.requests()) != 3 {
				t.Errorf("got %v after %d attempts (%d requests), want success on the 3rd", ids.Identities, resp.Attempts, len(f.requests()))
			}
		})
	}

	t.Run("gives up after three", func(t *testing.T) {
		f := newFlaky(t, answer(http.StatusGatewayTimeout, "the request did not finish within its deadline"))
		_, resp, err := client(t, f.URL, fastRetry).Identities(context.Background())
		if !errors.Is(err, pylon.ErrTimeout) || resp.Attempts != 3 || len(f.requests()) != 3 {
			t.Errorf("error %v after %d attempts, want ErrTimeout after 3", err, len(f.requests()))
		}
	})

	t.Run("request error", func(t *testing.T) {
		f := newFlaky(t, dropConnection)
		_, resp, err := client(t, f.URL, fastRetry).Identities(context.Background())
		var re *pylon.RequestError
		if !errors.As(err, &re) || resp != nil || len(f.requests()) != 3 || re.Path != "/api/v1/identities" || re.Method != http.MethodGet {
			t.Errorf("error %#v (response %v) after %d requests, want a *RequestError after 3", err, resp, len(f.requests()))
		}
	})
}

func TestDoesNotRetryAnswers(t *testing.T) {
	for _, status := range []int{http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound, http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable} {
		f := newFlaky(t, answer(status, "no"), answer(http.StatusOK, identitiesBody))
		_, resp, err := client(t, f.URL, fastRetry).Identities(context.Background())
		var re *pylon.ResponseError
		if !errors.As(err, &re) || re.StatusCode != status || re.Detail != "no" || resp.Attempts != 1 || len(f.requests()) != 1 {
			t.Errorf("%d: error %v after %d requests, want the answer after one", status, err, len(f.requests()))
		}
	}
}

// TestRetriesOnlyWhatIsSafeToRepeat: PUT weights is retried (the latest
// request wins, so a repeat replaces itself); generating a key pair (POST) is
// not, whatever the failure.
func TestRetriesOnlyWhatIsSafeToRepeat(t *testing.T) {
	identities := answer(http.StatusOK, identitiesBody)
	timeout := answer(http.StatusGatewayTimeout, "the request did not finish within its deadline")
	ok := answer(http.StatusOK, pylon.SetWeightsResponse{Detail: "weights update scheduled", Count: 2})

	f := newFlaky(t, identities, timeout, dropConnection, ok)
	weights := map[string]float64{"hk1": 0.75, "hk2": 0.25}
	out, resp, err := client(t, f.URL, fastRetry).PutWeights(context.Background(), weights, pylon.WithMechanism(2), pylon.WithMode(pylon.WeightsModeNow))
	if err != nil || out.Count != 2 || resp.Attempts != 3 {
		t.Fatalf("PutWeights = %+v, %+v, %v; want success on the 3rd attempt", out, resp, err)
	}
	reqs := f.requests()
	for _, r := range reqs[1:] {
		if r.method != http.MethodPut || r.path != "/api/v1/identity/sn1/subnet/1/mechanism/2/weights" || r.query != "mode=now" || string(r.body) != `{"weights":{"hk1":0.75,"hk2":0.25}}` {
			t.Errorf("request %s %s?%s %s", r.method, r.path, r.query, r.body)
		}
	}

	for name, failure := range map[string]step{"504": timeout, "connection dropped": dropConnection} {
		f := newFlaky(t, identities, failure, answer(http.StatusCreated, pylon.CertificateKeypair{}))
		_, _, err := client(t, f.URL, fastRetry).GenerateCertificateKeypair(context.Background(), pylon.CertificateAlgorithmEd25519)
		if err == nil || len(f.requests()) != 2 {
			t.Errorf("POST after %s: error %v, %d requests; want the failure after one POST (plus the identities read)", name, err, len(f.requests())-1)
		}
		if r := f.requests()[1]; r.method != http.MethodPost || string(r.body) != `{"algorithm":1}` {
			t.Errorf("POST %s %s", r.path, r.body)
		}
	}
}

// TestRetryAfter: a wait that would outlast the caller's deadline is not
// started; the call returns the answer it has, with Retry-After in it.
func TestRetryAfter(t *testing.T) {
	f := newFlaky(t, answer(http.StatusGatewayTimeout, "busy", "Retry-After", "3600"), answer(http.StatusOK, identitiesBody))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, _, err := client(t, f.URL, fastRetry).Identities(ctx)
	var re *pylon.ResponseError
	if !errors.As(err, &re) || re.RetryAfter != time.Hour || len(f.requests()) != 1 {
		t.Errorf("error %v after %d requests; want the 504 with Retry-After 1h after one", err, len(f.requests()))
	}
}

// TestRetryStopsWithTheContext: a caller who cancels is not retried for.
func TestRetryStopsWithTheContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := newFlaky(t, func(w http.ResponseWriter, r *http.Request) {
		cancel()
		answer(http.StatusGatewayTimeout, "slow")(w, r)
	})
	_, _, err := client(t, f.URL, pylon.DefaultRetry.With(pylon.WaitFixed(time.Hour))).Identities(ctx)
	if err == nil || len(f.requests()) != 1 {
		t.Errorf("error %v after %d requests; want one", err, len(f.requests()))
	}
}

func TestRetryPolicies(t *testing.T) {
	if pylon.DefaultRetry.Attempts() != 3 || pylon.NoRetry.Attempts() != 1 || (pylon.Retry{}).Attempts() != 3 {
		t.Errorf("attempts: default %d, none %d, zero %d", pylon.DefaultRetry.Attempts(), pylon.NoRetry.Attempts(), (pylon.Retry{}).Attempts())
	}
	// tenacity's wait_exponential_jitter(initial=0.1, jitter=0.2).
	for range 100 {
		if d := pylon.DefaultRetry.Delay(1); d < 100*time.Millisecond || d > 300*time.Millisecond {
			t.Fatalf("first delay %v, want 0.1 s + [0, 0.2 s]", d)
		}
		if d := pylon.DefaultRetry.Delay(2); d < 200*time.Millisecond || d > 400*time.Millisecond {
			t.Fatalf("second delay %v, want 0.2 s + [0, 0.2 s]", d)
		}
		if d := pylon.DefaultRetry.Delay(30); d != time.Minute {
			t.Fatalf("delay 30 %v, want the 60 s cap", d)
		}
		if d := pylon.NoRetry.With(pylon.WaitRandom(300*time.Millisecond, 100*time.Millisecond)).Delay(1); d < 100*time.Millisecond || d > 300*time.Millisecond {
			t.Fatalf("random delay %v", d)
		}
	}

	custom := pylon.DefaultRetry.With(pylon.StopAfterAttempt(5), pylon.RetryIf(func(err error) bool {
		var re *pylon.ResponseError
		return errors.As(err, &re) && re.StatusCode == http.StatusServiceUnavailable
	}), pylon.WaitFixed(time.Millisecond))
	if custom.Attempts() != 5 || pylon.DefaultRetry.Attempts() != 3 || !pylon.DefaultRetry.ShouldRetry(&pylon.RequestError{Err: io.EOF}) {
		t.Fatal("With modified DefaultRetry")
	}
	f := newFlaky(t, answer(http.StatusServiceUnavailable, "starting"))
	_, resp, err := client(t, f.URL, custom).Identities(context.Background())
	var re *pylon.ResponseError
	if !errors.As(err, &re) || re.StatusCode != http.StatusServiceUnavailable || resp.Attempts != 5 || len(f.requests()) != 5 {
		t.Errorf("custom policy: %v after %d requests, want the 503 after 5", err, len(f.requests()))
	}

	if pylon.IsTransient(&pylon.RequestError{Err: context.Canceled}) || !pylon.IsTransient(&pylon.RequestError{Err: context.DeadlineExceeded}) ||
		!pylon.IsTransient(&pylon.ResponseError{StatusCode: 504}) || pylon.IsTransient(&pylon.ResponseError{StatusCode: 503}) || pylon.IsTransient(errors.New("x")) {
		t.Error("IsTransient")
	}
}

// TestNetuidDiscoveredOnce: concurrent identity calls on a fresh client ask
// /api/v1/identities once between them.
func TestNetuidDiscoveredOnce(t *testing.T) {
	var mu sync.Mutex
	identityReads := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v1/identities" {
			mu.Lock()
			identityReads++
			mu.Unlock()
			answer(http.StatusOK, identitiesBody)(w, r)
			return
		}
		if r.URL.Path != "/api/v1/identity/sn1/subnet/1/mechanism/0/block/9/weights/status" || r.Header.Get("Authorization") != "Bearer sn1-token" {
			answer(http.StatusNotFound, "unexpected "+r.URL.Path)(w, r)
			return
		}
		answer(http.StatusOK, pylon.WeightsStatus{WeightsSubmitted: true})(w, r)
	}))
	defer srv.Close()
	c := client(t, srv.URL, pylon.NoRetry)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			st, _, err := c.WeightsStatus(context.Background(), 9)
			if err != nil || !st.WeightsSubmitted {
				t.Errorf("WeightsStatus = %+v, %v", st, err)
			}
		})
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if identityReads != 1 {
		t.Errorf("/api/v1/identities read %d times, want once", identityReads)
	}
}

// TestOwnHTTPClient: a caller's http.Client sends the requests, is not
// modified, and does not make the client follow redirects.
func TestOwnHTTPClient(t *testing.T) {
	f := newFlaky(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v1/identities" {
			answer(http.StatusOK, identitiesBody)(w, r)
			return
		}
		http.Redirect(w, r, "/elsewhere", http.StatusPermanentRedirect)
	})
	used := 0
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		used++
		return http.DefaultTransport.RoundTrip(r)
	})}
	c, err := pylon.NewClient(pylon.Config{Address: f.URL, IdentityName: "sn1", IdentityToken: "sn1-token", HTTPClient: hc, Retry: pylon.NoRetry})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, _, err = c.OwnCertificate(context.Background())
	var re *pylon.ResponseError
	if !errors.As(err, &re) || re.StatusCode != http.StatusPermanentRedirect {
		t.Fatalf("error %v, want the 308 itself", err)
	}
	if hc.CheckRedirect != nil || used == 0 {
		t.Errorf("the caller's client was modified or not used (%d requests)", used)
	}
	// 308, re-discovery, 308 again: the client gives up rather than loop.
	if n := len(f.requests()); n != 4 {
		t.Errorf("%d requests, want 4 (identities, 308, identities, 308)", n)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestPathEscaping: path parameters travel escaped, exactly once.
func TestPathEscaping(t *testing.T) {
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.RequestURI
		answer(http.StatusOK, pylon.Certificate{Algorithm: 1, PublicKey: "ab"})(w, r)
	}))
	defer srv.Close()
	c, err := pylon.NewClient(pylon.Config{Address: srv.URL + "/pylon%20proxy/", OpenAccessToken: "open", Retry: pylon.NoRetry})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, _, err := c.Certificate(context.Background(), 4, "odd/hot key%"); err != nil {
		t.Fatal(err)
	}
	if want := "/pylon%20proxy/api/v1/subnet/4/block/latest/certificates/odd%2Fhot%20key%25"; got != want {
		t.Errorf("request URI %s, want %s", got, want)
	}
}
