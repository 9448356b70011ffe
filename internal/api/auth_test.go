package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pylon-go/pylon"
	"github.com/pylon-go/pylon/internal/api"
	"github.com/pylon-go/pylon/internal/config"
)

type authCase struct {
	name     string
	path     string
	token    string
	header   string // raw Authorization header, overriding token
	want     int
	identity string // for 200: the identity the handler saw
	netuid   int    // for 200 on echo routes: the netuid the handler saw
	detail   string // for errors: a fragment of the problem detail
}

func runAuthCases(t *testing.T, s *api.Server, cases []authCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var headers []string
			if c.header != "" {
				headers = []string{"Authorization", c.header}
			}
			r := do(t, s, http.MethodGet, c.path, c.token, headers...)
			if r.status != c.want {
				t.Fatalf("GET %s: status %d, want %d; body %s", c.path, r.status, c.want, r.body)
			}
			if c.want >= 300 {
				p := r.problem(t)
				if !strings.Contains(p.Detail, c.detail) {
					t.Errorf("detail %q, want it to contain %q", p.Detail, c.detail)
				}
				if c.want == http.StatusUnauthorized && r.header.Get("WWW-Authenticate") == "" {
					t.Errorf("401 without WWW-Authenticate")
				}
				return
			}
			if strings.Contains(c.path, "echo") || strings.HasSuffix(c.path, "/own") {
				got := decode[echoBody](t, r)
				if got.Identity != c.identity || got.Netuid != c.netuid {
					t.Errorf("handler saw identity %q netuid %d, want %q %d", got.Identity, got.Netuid, c.identity, c.netuid)
				}
			}
		})
	}
}

func TestAuthIdentitiesMode(t *testing.T) {
	s, _ := newServer(t, identitiesConfig())
	const (
		open     = "/api/v1/subnet/1/echo"
		openUns  = "/api/_unstable/openaccess/subnet/1/echo"
		ident    = "/api/v1/identity/sn1/subnet/1/echo"
		identUns = "/api/_unstable/identity/sn1/subnet/1/echo"
		own      = "/api/v1/identity/sn1/subnet/1/own"
		block    = "/api/v1/block/echo"
		blockUns = "/api/_unstable/openaccess/block/echo"
	)
	runAuthCases(t, s, []authCase{
		// Open access: the open-access token or any identity's token.
		{name: "open/no header", path: open, want: 401, detail: "Authorization header is required"},
		{name: "open/basic scheme", path: open, header: "Basic " + openToken, want: 401, detail: "Expected: Bearer <token>"},
		{name: "open/bearer without token", path: open, header: "Bearer", want: 401, detail: "Expected: Bearer <token>"},
		{name: "open/two tokens", path: open, header: "Bearer a b", want: 401, detail: "Expected: Bearer <token>"},
		{name: "open/wrong token", path: open, token: "nope", want: 403, detail: "Invalid authorization token"},
		{name: "open/metrics token", path: open, token: metricsToken, want: 403, detail: "Invalid authorization token"},
		{name: "open/open token", path: open, token: openToken, want: 200, netuid: 1},
		{name: "open/lower-case scheme", path: open, header: "bearer " + openToken, want: 200, netuid: 1},
		{name: "open/identity token", path: open, token: sn2Token, want: 200, netuid: 1},
		{name: "open/bad netuid", path: "/api/v1/subnet/x1/echo", token: openToken, want: 400, detail: `netuid must be a whole number from 0 to 65535, got "x1"`},
		{name: "open/netuid out of range", path: "/api/v1/subnet/65536/echo", token: openToken, want: 400, detail: "65536"},
		{name: "open unstable/open token", path: openUns, token: openToken, want: 200, netuid: 1},
		{name: "open unstable/no header", path: openUns, want: 401},

		// Identity routes: that identity's token only.
		{name: "identity/no header", path: ident, want: 401},
		{name: "identity/malformed", path: ident, header: "Token " + sn1Token, want: 401},
		{name: "identity/wrong token", path: ident, token: "nope", want: 403, detail: "Invalid authorization token"},
		{name: "identity/other identity's token", path: ident, token: sn2Token, want: 403},
		{name: "identity/open-access token", path: ident, token: openToken, want: 403},
		{name: "identity/own token", path: ident, token: sn1Token, want: 200, identity: "sn1", netuid: 1},
		{name: "identity/unknown identity", path: "/api/v1/identity/sn9/subnet/1/echo", token: sn1Token, want: 404, detail: "Identity 'sn9' not found"},
		{name: "identity/wrong netuid, wrong token", path: "/api/v1/identity/sn1/subnet/2/echo", token: sn2Token, want: 403},
		{name: "identity/bad netuid", path: "/api/v1/identity/sn1/subnet/one/echo", token: sn1Token, want: 400, detail: "netuid must be a whole number"},
		{name: "identity-only/own token", path: own, token: sn1Token, want: 200, identity: "sn1", netuid: 1},
		{name: "identity-only/open token", path: own, token: openToken, want: 403},
		{name: "identity-only/not under open access", path: "/api/v1/subnet/1/own", token: openToken, want: 404},
		{name: "identity unstable/own token", path: identUns, token: sn1Token, want: 200, identity: "sn1", netuid: 1},
		{name: "identity unstable/other token", path: identUns, token: sn2Token, want: 403},

		// Block-level: like open access.
		{name: "block/open token", path: block, token: openToken, want: 200, netuid: -1},
		{name: "block/identity token", path: block, token: sn1Token, want: 200, netuid: -1},
		{name: "block/no header", path: block, want: 401},
		{name: "block/wrong token", path: block, token: "nope", want: 403},
		{name: "block unstable/open token", path: blockUns, token: openToken, want: 200, netuid: -1},

		// Service routes.
		{name: "identities/open token", path: "/api/v1/identities", token: openToken, want: 200},
		{name: "identities/identity token", path: "/api/v1/identities", token: sn2Token, want: 200},
		{name: "identities/no header", path: "/api/v1/identities", want: 401},
		{name: "metrics/no header", path: "/metrics", want: 401},
		{name: "metrics/open token", path: "/metrics", token: openToken, want: 403},
		{name: "metrics/identity token", path: "/metrics", token: sn1Token, want: 403},
		{name: "metrics/metrics token", path: "/metrics", token: metricsToken, want: 200},
		{name: "health/no token", path: "/health", want: 200},
		{name: "ready/no token, nothing wired", path: "/ready", want: 503, detail: "not ready: no chain connection is wired into this build yet"},

		// Seed paths exist only in seed mode.
		{name: "seed path/outside seed mode", path: "/api/v1/seed/echo", token: openToken, want: 404, detail: "no route GET /api/v1/seed/echo"},
	})

	r := do(t, s, http.MethodGet, "/api/v1/identities", openToken)
	want := pylon.IdentitiesResponse{Identities: map[string]uint16{"sn1": 1, "sn2": 2}}
	if diff := cmp.Diff(want, decode[pylon.IdentitiesResponse](t, r)); diff != "" {
		t.Errorf("identities (-want +got):\n%s", diff)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("identities Content-Type %q", ct)
	}
}

func TestIdentityNetuidMismatchRedirects(t *testing.T) {
	s, _ := newServer(t, identitiesConfig())
	for _, c := range []struct{ path, want string }{
		{"/api/v1/identity/sn1/subnet/2/echo?block=5", "/api/v1/identity/sn1/subnet/1/echo?block=5"},
		{"/api/v1/identity/sn2/subnet/1/own", "/api/v1/identity/sn2/subnet/2/own"},
		{"/api/_unstable/identity/sn1/subnet/7/echo", "/api/_unstable/identity/sn1/subnet/1/echo"},
	} {
		token := sn1Token
		if strings.Contains(c.path, "sn2") {
			token = sn2Token
		}
		r := do(t, s, http.MethodGet, c.path, token)
		if r.status != http.StatusPermanentRedirect || r.header.Get("Location") != c.want {
			t.Errorf("GET %s: %d Location %q, want 308 %q", c.path, r.status, r.header.Get("Location"), c.want)
			continue
		}
		if p := r.problem(t); !strings.Contains(p.Detail, "serves netuid") {
			t.Errorf("detail %q", p.Detail)
		}
		// Following the redirect works.
		if r2 := do(t, s, http.MethodGet, r.header.Get("Location"), token); r2.status != http.StatusOK {
			t.Errorf("GET %s after redirect: %d %s", r.header.Get("Location"), r2.status, r2.body)
		}
	}
}

func TestMetricsDisabledWithoutToken(t *testing.T) {
	cfg := identitiesConfig()
	cfg.MetricsToken = config.Secret{}
	s, _ := newServer(t, cfg)
	for _, tok := range []string{"", metricsToken, openToken} {
		r := do(t, s, http.MethodGet, "/metrics", tok)
		if r.status != http.StatusForbidden {
			t.Fatalf("token %q: status %d, want 403", tok, r.status)
		}
		if p := r.problem(t); !strings.Contains(p.Detail, "PYLON_METRICS_TOKEN is not set") {
			t.Errorf("detail %q", p.Detail)
		}
	}
}

func TestAuthSeedMode(t *testing.T) {
	s, _ := newServer(t, seedConfig())
	runAuthCases(t, s, []authCase{
		{name: "seed path/AUTH_TOKEN", path: "/api/v1/seed/echo", token: seedToken, want: 200, identity: "default", netuid: 12},
		{name: "seed path/no header", path: "/api/v1/seed/echo", want: 401},
		{name: "seed path/wrong token", path: "/api/v1/seed/echo", token: "nope", want: 403},
		{name: "open/AUTH_TOKEN", path: "/api/v1/subnet/12/echo", token: seedToken, want: 200, netuid: 12},
		{name: "open/wrong token", path: "/api/v1/subnet/12/echo", token: "nope", want: 403},
		{name: "identity/AUTH_TOKEN", path: "/api/v1/identity/default/subnet/12/echo", token: seedToken, want: 200, identity: "default", netuid: 12},
		{name: "identity/other netuid", path: "/api/v1/identity/default/subnet/1/echo", token: seedToken, want: 308},
		{name: "block/AUTH_TOKEN", path: "/api/v1/block/echo", token: seedToken, want: 200, netuid: -1},
		{name: "metrics/AUTH_TOKEN", path: "/metrics", token: seedToken, want: 200},
		{name: "metrics/no header", path: "/metrics", want: 401},
		{name: "identities/AUTH_TOKEN", path: "/api/v1/identities", token: seedToken, want: 200},
		{name: "health", path: "/health", want: 200},
	})
	r := do(t, s, http.MethodGet, "/api/v1/identities", seedToken)
	if diff := cmp.Diff(map[string]uint16{"default": 12}, decode[pylon.IdentitiesResponse](t, r).Identities); diff != "" {
		t.Errorf("identities (-want +got):\n%s", diff)
	}
}
