package pylon_test

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"strings"
	"testing"

	"github.com/pylon-go/pylon"
	"github.com/pylon-go/pylon/pylontest"
)

// TestIdentities calls the real service with each kind of token: the
// open-access token, and an identity's token alone (accepted on open-access
// routes, as in Pylon).
func TestIdentities(t *testing.T) {
	srv := pylontest.NewServer(t, pylontest.WithIdentity("sn1", 1), pylontest.WithIdentity("sn2", 12))
	want := map[string]uint16{"sn1": 1, "sn2": 12}

	sn2, _ := srv.Identity("sn2")
	identityOnly, err := srv.NewClient(pylon.Config{IdentityName: sn2.Name, IdentityToken: sn2.Token})
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]*pylon.Client{"open-access token": srv.Client, "identity token": identityOnly} {
		ids, resp, err := c.Identities(context.Background())
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !maps.Equal(ids.Identities, want) {
			t.Errorf("%s: identities %v, want %v", name, ids.Identities, want)
		}
		if resp.StatusCode != http.StatusOK || resp.Attempts != 1 || resp.RequestID == "" || resp.RequestID != resp.Header.Get("X-Request-ID") {
			t.Errorf("%s: response %+v", name, resp)
		}
		if resp.Freshness != nil {
			t.Errorf("%s: freshness %+v on a response without block headers", name, resp.Freshness)
		}
	}

	n, err := identityOnly.IdentityNetuid(context.Background())
	if err != nil || n != 12 {
		t.Errorf("IdentityNetuid = %d, %v; want 12", n, err)
	}
}

// TestErrorsFromTheRealService checks the mapping of the service's own
// error answers, and that none of them is retried.
func TestErrorsFromTheRealService(t *testing.T) {
	srv := pylontest.NewServer(t, pylontest.WithIdentity("sn1", 1))
	retrying := pylon.DefaultRetry // the default policy: 4xx must not be retried anyway

	cases := []struct {
		name     string
		cfg      pylon.Config
		call     func(*pylon.Client) (*pylon.Response, error)
		status   int
		sentinel error
		detail   string
	}{{
		name:     "wrong token",
		cfg:      pylon.Config{OpenAccessToken: "not-the-token"},
		status:   http.StatusForbidden,
		sentinel: pylon.ErrForbidden,
		detail:   "Invalid authorization token",
	}, {
		name:     "malformed Authorization header",
		cfg:      pylon.Config{OpenAccessToken: "two words"}, // "Bearer two words"
		status:   http.StatusUnauthorized,
		sentinel: pylon.ErrUnauthorized,
		detail:   "Invalid Authorization header format. Expected: Bearer <token>",
	}, {
		name:     "unknown path",
		cfg:      pylon.Config{OpenAccessToken: srv.OpenAccessToken, Address: "/no/such/prefix"},
		status:   http.StatusNotFound,
		sentinel: pylon.ErrNotFound,
		detail:   "no route GET /no/such/prefix/api/v1/identities",
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg
			cfg.Retry = retrying
			prefix := cfg.Address
			c, err := pylon.NewClient(pylon.Config{Address: srv.URL + prefix, OpenAccessToken: cfg.OpenAccessToken, Retry: cfg.Retry})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			_, resp, err := c.Identities(context.Background())
			if !errors.Is(err, tc.sentinel) {
				t.Fatalf("error %v, want %v", err, tc.sentinel)
			}
			var re *pylon.ResponseError
			if !errors.As(err, &re) {
				t.Fatalf("error %T, want *pylon.ResponseError", err)
			}
			if re.StatusCode != tc.status || !strings.HasPrefix(re.Detail, tc.detail) || re.Problem == nil || re.Problem.Status != tc.status {
				t.Errorf("ResponseError %+v, want status %d, detail %q", re, tc.status, tc.detail)
			}
			if resp == nil || resp.Attempts != 1 || re.RequestID == "" || re.RequestID != resp.RequestID {
				t.Errorf("response %+v (request id %q): want one attempt and the request id", resp, re.RequestID)
			}
			if !strings.Contains(err.Error(), re.RequestID) || strings.Contains(err.Error(), "not-the-token") {
				t.Errorf("message %q: want the request id and no token", err)
			}
			for _, other := range []error{pylon.ErrUnauthorized, pylon.ErrForbidden, pylon.ErrNotFound, pylon.ErrBadGateway, pylon.ErrTimeout} {
				if !errors.Is(other, tc.sentinel) && errors.Is(err, other) {
					t.Errorf("error also matches %v", other)
				}
			}
		})
	}
}

// TestUnknownIdentity: the identity is not among the service's, which the
// client learns from /api/v1/identities before using any identity route.
func TestUnknownIdentity(t *testing.T) {
	srv := pylontest.NewServer(t, pylontest.WithIdentity("sn1", 1))
	sn1, _ := srv.Identity("sn1")
	c, err := srv.NewClient(pylon.Config{IdentityName: "ghost", IdentityToken: sn1.Token})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = c.OwnCertificate(context.Background())
	if !errors.Is(err, pylon.ErrNotFound) || !strings.Contains(err.Error(), `identity "ghost" is not among the service's identities`) {
		t.Errorf("error %v, want ErrNotFound naming the identity", err)
	}
}

func TestMisconfigured(t *testing.T) {
	for name, cfg := range map[string]pylon.Config{
		"no address":              {},
		"no scheme":               {Address: "localhost:8000"},
		"not http":                {Address: "ftp://example.com"},
		"no host":                 {Address: "http://"},
		"query":                   {Address: "http://example.com/?x=1"},
		"identity without token":  {Address: "http://example.com", IdentityName: "sn1"},
		"token without identity":  {Address: "http://example.com", IdentityToken: "t"},
		"identity name with path": {Address: "http://example.com", IdentityName: "a/b", IdentityToken: "t"},
		"negative connect":        {Address: "http://example.com", ConnectTimeout: -1},
	} {
		c, err := pylon.NewClient(cfg)
		var me *pylon.MisconfiguredError
		if c != nil || !errors.Is(err, pylon.ErrMisconfigured) || !errors.As(err, &me) || len(me.Problems) != 1 {
			t.Errorf("%s: NewClient = %v, %v; want one problem matching ErrMisconfigured", name, c, err)
		}
	}

	// Calls that need a token the configuration lacks fail before any
	// request is made.
	noTokens, err := pylon.NewClient(pylon.Config{Address: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := noTokens.Identities(context.Background()); !errors.Is(err, pylon.ErrMisconfigured) {
		t.Errorf("open-access call without a token: %v", err)
	}
	openOnly, err := pylon.NewClient(pylon.Config{Address: "http://127.0.0.1:1", OpenAccessToken: "t"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := openOnly.PutWeights(context.Background(), map[string]float64{"hk": 1}); !errors.Is(err, pylon.ErrMisconfigured) {
		t.Errorf("identity call without an identity: %v", err)
	}
}

func TestConfigFromEnv(t *testing.T) {
	t.Setenv("PYLON_CLIENT_ADDRESS", " http://127.0.0.1:8000 ")
	t.Setenv("PYLON_CLIENT_OPEN_ACCESS_TOKEN", "open")
	t.Setenv("PYLON_CLIENT_IDENTITY_NAME", "sn1")
	t.Setenv("PYLON_CLIENT_IDENTITY_TOKEN", "sn1-token")
	t.Setenv("PYLON_CLIENT_TIMEOUT__READ", "2.5")
	t.Setenv("PYLON_CLIENT_TIMEOUT__CONNECT", "1")
	cfg, err := pylon.ConfigFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	want := pylon.Config{Address: "http://127.0.0.1:8000", OpenAccessToken: "open", IdentityName: "sn1", IdentityToken: "sn1-token",
		Timeout: 2500 * 1e6, ConnectTimeout: 1e9}
	if cfg.Address != want.Address || cfg.OpenAccessToken != want.OpenAccessToken || cfg.IdentityName != want.IdentityName ||
		cfg.IdentityToken != want.IdentityToken || cfg.Timeout != want.Timeout || cfg.ConnectTimeout != want.ConnectTimeout {
		t.Errorf("ConfigFromEnv = %+v, want %+v", cfg, want)
	}
	if _, err := pylon.NewClient(cfg); err != nil {
		t.Errorf("NewClient(ConfigFromEnv()): %v", err)
	}

	t.Setenv("PYLON_CLIENT_TIMEOUT__READ", "soon")
	if _, err := pylon.ConfigFromEnv(); !errors.Is(err, pylon.ErrMisconfigured) || !strings.Contains(err.Error(), "PYLON_CLIENT_TIMEOUT__READ") {
		t.Errorf("bad timeout: %v", err)
	}
}

func TestClose(t *testing.T) {
	srv := pylontest.NewServer(t)
	c, err := srv.NewClient(pylon.Config{OpenAccessToken: srv.OpenAccessToken})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Identities(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, _, err := c.Identities(context.Background()); !errors.Is(err, pylon.ErrClosed) {
		t.Errorf("after Close: %v, want ErrClosed", err)
	}
	if _, err := c.IdentityNetuid(context.Background()); !errors.Is(err, pylon.ErrClosed) {
		t.Errorf("IdentityNetuid after Close: %v, want ErrClosed", err)
	}
}

// TestDo sends requests in the generic form, against the real service and
// against the mock.
func TestDo(t *testing.T) {
	srv := pylontest.NewServer(t, pylontest.WithIdentity("sn1", 3))
	ids, resp, err := pylon.Do(context.Background(), srv.Client, pylon.IdentitiesRequest{})
	if err != nil || ids.Identities["sn1"] != 3 || resp.StatusCode != http.StatusOK {
		t.Fatalf("Do(IdentitiesRequest) = %+v, %+v, %v", ids, resp, err)
	}

	mock := pylontest.NewMockClient().
		On(pylontest.MethodPutWeights, pylontest.WorkNormally(pylon.SetWeightsResponse{Detail: "weights update scheduled", Count: 2})).
		On(pylontest.MethodCertificates, pylontest.WorkNormally(pylon.Certificates{"hk": {Algorithm: 1, PublicKey: "ab"}}))
	weights := map[string]float64{"hk1": 0.8, "hk2": 0.5}
	out, _, err := pylon.Do(context.Background(), mock, pylon.SetWeightsRequest{Weights: weights})
	if err != nil || out.Count != 2 {
		t.Fatalf("Do(SetWeightsRequest) = %+v, %v", out, err)
	}
	certs, _, err := pylon.Do(context.Background(), mock, pylon.CertificatesRequest{Netuid: 7})
	if err != nil || (*certs)["hk"].PublicKey != "ab" {
		t.Fatalf("Do(CertificatesRequest) = %v, %v", certs, err)
	}
	if _, _, err := pylon.Do(context.Background(), mock, pylon.PutWeightsRequest{Weights: weights, WeightsOptions: pylon.WeightsOptions{MechanismID: 2, DryRun: true}}); err != nil {
		t.Fatal(err)
	}
	puts := pylontest.Requests[pylon.PutWeightsRequest](mock)
	if len(puts) != 2 || !maps.Equal(puts[0].Weights, weights) || puts[0].MechanismID != 0 || puts[1].MechanismID != 2 || !puts[1].DryRun {
		t.Errorf("recorded %+v", puts)
	}
	if got := pylontest.Requests[pylon.CertificatesRequest](mock); len(got) != 1 || got[0].Netuid != 7 {
		t.Errorf("recorded %+v", got)
	}
}

// TestNetuidRediscovery: the identity's netuid changes while a client has
// it cached (the operator moved the identity to another subnet, with that
// subnet's hotkey, and restarted the service). The service answers 308; the
// client re-reads /api/v1/identities and sends the request again, at the new
// netuid. Later the identity is removed, and the service's own 404 for an
// unknown identity reaches the caller.
func TestNetuidRediscovery(t *testing.T) {
	a, b := world.Subnets[0], world.Subnets[1]
	first := startService(t, chainConfig(t, dn.URL, chainIdentity{"sn1", sn1Token, a.Netuid, a.Neurons[0]}), "127.0.0.1:0")
	c, err := pylon.NewClient(pylon.Config{Address: first.URL, IdentityName: "sn1", IdentityToken: sn1Token, Retry: pylon.NoRetry})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()

	cert, resp, err := c.OwnCertificate(ctx)
	if err != nil || "0x"+cert.PublicKey != a.Neurons[0].Certificate.PublicKey || resp.Attempts != 1 {
		t.Fatalf("before the move: %+v, %+v, %v", cert, resp, err)
	}

	first.stop()
	second := startService(t, chainConfig(t, dn.URL, chainIdentity{"sn1", sn1Token, b.Netuid, b.Neurons[0]}), first.addr)
	cert, resp, err = c.OwnCertificate(ctx)
	if err != nil || "0x"+cert.PublicKey != b.Neurons[0].Certificate.PublicKey {
		t.Fatalf("after the move: %+v, %v", cert, err)
	}
	if resp.Attempts != 2 {
		t.Errorf("attempts %d; want 2 (308, then the new netuid)", resp.Attempts)
	}
	if n, err := c.IdentityNetuid(ctx); err != nil || n != b.Netuid {
		t.Errorf("IdentityNetuid = %d, %v; want %d", n, err, b.Netuid)
	}

	second.stop()
	startService(t, chainConfig(t, dn.URL), first.addr)
	_, _, err = c.OwnCertificate(ctx)
	var re *pylon.ResponseError
	if !errors.Is(err, pylon.ErrNotFound) || !errors.As(err, &re) || re.Detail != "Identity 'sn1' not found" {
		t.Errorf("identity removed: %v, want the service's 404", err)
	}
}
