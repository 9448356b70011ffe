package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/pylon-go/pylon/internal/config"
)

// Access is who may call an operation. Every operation declares one (the
// registration helpers do it); the auth middleware enforces it, and an
// operation without one is refused, so a route cannot be left open by
// accident.
type Access int

const (
	// AccessPublic needs no token: /health, /ready.
	AccessPublic Access = iota + 1
	// AccessOpen takes the open-access token or any identity's token.
	AccessOpen
	// AccessIdentity takes the token of the identity named by the
	// {identity_name} path parameter; a {netuid} that is not the identity's
	// gets a 308 redirect to the identity's netuid.
	AccessIdentity
	// AccessSeed takes the token of the seed-format identity (AUTH_TOKEN) and
	// acts as that identity.
	AccessSeed
	// AccessMetrics takes the metrics token; with none configured it answers
	// 403.
	AccessMetrics
)

func (a Access) String() string {
	switch a {
	case AccessPublic:
		return "public"
	case AccessOpen:
		return "open access"
	case AccessIdentity:
		return "identity"
	case AccessSeed:
		return "seed"
	case AccessMetrics:
		return "metrics"
	default:
		return "Access(" + strconv.Itoa(int(a)) + ")"
	}
}

// Operation metadata keys.
const (
	metaAccess = "pylon.access"
)

// OpenAPI security scheme names.
const (
	schemeOpen     = "openAccessToken"
	schemeIdentity = "identityToken"
	schemeMetrics  = "metricsToken"
)

// Pylon's messages (pylon_service/guards.py), kept word for word because
// clients and operators know them.
const (
	detailNoAuth      = "Authorization header is required"
	detailBadAuth     = "Invalid Authorization header format. Expected: Bearer <token>"
	detailWrongToken  = "Invalid authorization token"
	detailNoMetrics   = "Metrics are disabled: PYLON_METRICS_TOKEN is not set"
	detailBadNetuidFn = "netuid must be a whole number from 0 to 65535, got %q"
)

// digest is the SHA-256 of a token. Tokens are compared by digest so the
// comparison takes the same time whatever the tokens' lengths and contents.
type digest [sha256.Size]byte

func digestOf(token string) digest { return sha256.Sum256([]byte(token)) }

// matches reports whether d equals any of set, looking at every element (no
// early exit) in constant time.
func (d digest) matches(set ...digest) bool {
	ok := 0
	for i := range set {
		ok |= subtle.ConstantTimeCompare(d[:], set[i][:])
	}
	return ok == 1
}

// guard holds what the auth middleware checks tokens against.
type guard struct {
	identities   map[string]guardedIdentity
	openAccess   []digest // the open-access token and every identity's token
	metrics      []digest // empty: /metrics is disabled
	seedIdentity string   // the seed-format identity, "" outside seed mode
}

type guardedIdentity struct {
	config.Identity
	token digest
}

func newGuard(cfg *config.Config) *guard {
	g := &guard{identities: map[string]guardedIdentity{}}
	if cfg.OpenAccessToken.IsSet() {
		g.openAccess = append(g.openAccess, digestOf(cfg.OpenAccessToken.Value()))
	}
	if cfg.MetricsToken.IsSet() {
		g.metrics = append(g.metrics, digestOf(cfg.MetricsToken.Value()))
	}
	for _, id := range cfg.Identities {
		d := digestOf(id.Token.Value())
		g.identities[id.Name] = guardedIdentity{Identity: id, token: d}
		g.openAccess = append(g.openAccess, d)
	}
	if cfg.Mode == config.ModeSeed && len(cfg.Identities) == 1 {
		g.seedIdentity = cfg.Identities[0].Name
	}
	return g
}

// bearer extracts the token of an "Authorization: Bearer <token>" header,
// accepting the scheme in any case as Pylon does.
func bearer(header string) (token, problem string) {
	if header == "" {
		return "", detailNoAuth
	}
	parts := strings.Fields(header)
	if len(parts) != 2 || !strings.EqualFold(parts[0], "bearer") {
		return "", detailBadAuth
	}
	return parts[1], ""
}

// authorize is the huma middleware enforcing each operation's Access.
func (s *Server) authorize(hctx huma.Context, next func(huma.Context)) {
	op := hctx.Operation()
	access, _ := op.Metadata[metaAccess].(Access)
	if access == 0 {
		// Registered around the helpers; refuse rather than serve unguarded.
		s.writeErr(hctx, http.StatusInternalServerError, "this route declares no access kind")
		noteError(hctx.Context(), fmt.Errorf("api: operation %s %s has no access kind", op.Method, op.Path))
		return
	}
	if access == AccessPublic {
		next(hctx)
		return
	}
	if access == AccessMetrics && len(s.guard.metrics) == 0 {
		s.writeErr(hctx, http.StatusForbidden, detailNoMetrics)
		return
	}

	token, problem := bearer(hctx.Header("Authorization"))
	if problem != "" {
		hctx.SetHeader("WWW-Authenticate", `Bearer realm="pylon"`)
		s.writeErr(hctx, http.StatusUnauthorized, problem)
		return
	}
	d := digestOf(token)

	switch access {
	case AccessOpen:
		if !d.matches(s.guard.openAccess...) {
			s.writeErr(hctx, http.StatusForbidden, detailWrongToken)
			return
		}
	case AccessMetrics:
		if !d.matches(s.guard.metrics...) {
			s.writeErr(hctx, http.StatusForbidden, detailWrongToken)
			return
		}
	case AccessIdentity, AccessSeed:
		name := s.guard.seedIdentity
		if access == AccessIdentity {
			name = hctx.Param("identity_name")
		}
		id, ok := s.guard.identities[name]
		if !ok {
			s.writeErr(hctx, http.StatusNotFound, fmt.Sprintf("Identity '%s' not found", truncate(name, 64)))
			return
		}
		if !d.matches(id.token) {
			s.writeErr(hctx, http.StatusForbidden, detailWrongToken)
			return
		}
		hctx = huma.WithValue(hctx, identityKey, id.Identity)
		noteIdentity(hctx.Context(), id.Name)
	}

	if netuidParamIndex(op.Path) >= 0 {
		raw := hctx.Param("netuid")
		n, err := strconv.ParseUint(raw, 10, 16)
		if err != nil {
			s.writeErr(hctx, http.StatusBadRequest, fmt.Sprintf(detailBadNetuidFn, truncate(raw, 32)))
			return
		}
		if id, ok := IdentityFrom(hctx.Context()); ok && access == AccessIdentity && n != uint64(id.Netuid) {
			// Pylon answers 308 so the client re-reads /identities and retries
			// at the identity's netuid; the Location says where that is.
			loc := redirectToNetuid(hctx, op.Path, id.Netuid)
			hctx.SetHeader("Location", loc)
			s.writeErr(hctx, http.StatusPermanentRedirect,
				fmt.Sprintf("identity '%s' serves netuid %d, not %d; use %s", id.Name, id.Netuid, n, loc))
			return
		}
		hctx = huma.WithValue(hctx, netuidKey, uint16(n))
	}
	next(hctx)
}

// netuidParamIndex is the index of the {netuid} segment in a path template,
// or -1.
func netuidParamIndex(template string) int {
	for i, seg := range strings.Split(template, "/") {
		if seg == "{netuid}" {
			return i
		}
	}
	return -1
}

// redirectToNetuid is the request's URL with the netuid segment replaced.
func redirectToNetuid(hctx huma.Context, template string, netuid uint16) string {
	u := hctx.URL()
	segs := strings.Split(u.EscapedPath(), "/")
	if i := netuidParamIndex(template); i >= 0 && i < len(segs) {
		segs[i] = strconv.Itoa(int(netuid))
	}
	loc := strings.Join(segs, "/")
	if u.RawQuery != "" {
		loc += "?" + u.RawQuery
	}
	return loc
}

func (s *Server) writeErr(hctx huma.Context, status int, detail string) {
	_ = huma.WriteErr(s.api, hctx, status, detail)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
