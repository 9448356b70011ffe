package api

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strings"

	"github.com/danielgtaylor/huma/v2"
)

// Version is an API version prefix.
type Version string

const (
	// V1 is the stable API: /api/v1/...
	V1 Version = "v1"
	// Unstable is Pylon's preview API: /api/_unstable/...
	Unstable Version = "_unstable"
)

// openBase is where a version's open-access routes live: /api/v1 for v1,
// /api/_unstable/openaccess for unstable (Pylon's layout).
func (v Version) openBase() string {
	if v == Unstable {
		return "/api/_unstable/openaccess"
	}
	return "/api/" + string(v)
}

func (v Version) identityBase() string {
	return "/api/" + string(v) + "/identity/{identity_name}"
}

// opIDPrefix keeps operation ids unique across versions.
func (v Version) opIDPrefix() string {
	if v == Unstable {
		return "unstable-"
	}
	return ""
}

// Handler is a typed huma handler: I is the input struct (path, query and
// header parameters, Body), O the output struct (Body, headers).
type Handler[I, O any] func(ctx context.Context, in *I) (*O, error)

// Register adds one operation at op.Path (the full path) guarded by access.
// Prefer the family helpers below, which build Pylon's paths; Register is for
// routes outside those families, such as /api/v1/identities.
//
// op.OperationID and op.Summary are required. Errors the handler returns
// become problem+json: huma.Error404NotFound(...) and friends set the
// status; any other error is a 500 whose cause is logged, not sent; an
// error wrapping context.DeadlineExceeded is a 504.
func Register[I, O any](s *Server, access Access, op huma.Operation, h Handler[I, O]) {
	if op.OperationID == "" || op.Summary == "" {
		panic(fmt.Sprintf("api: %s %s: OperationID and Summary are required", op.Method, op.Path))
	}
	if access == AccessIdentity {
		if declaresPathParam(reflect.TypeFor[I](), "identity_name") {
			panic(fmt.Sprintf("api: %s: inputs must not declare identity_name; read the identity with IdentityFrom(ctx)", op.OperationID))
		}
		addPathParam(&op, "identity_name", "The identity's name, as listed by /api/v1/identities.", &huma.Schema{Type: huma.TypeString})
	}
	if strings.Contains(op.Path, "{netuid}") && !declaresPathParam(reflect.TypeFor[I](), "netuid") {
		addPathParam(&op, "netuid", "The subnet.", &huma.Schema{Type: huma.TypeInteger, Minimum: ptr(0.0), Maximum: ptr(65535.0)})
	}
	op.Metadata = maps.Clone(op.Metadata)
	if op.Metadata == nil {
		op.Metadata = map[string]any{}
	}
	op.Metadata[metaAccess] = access
	op.Security, op.Errors = securityFor(access, op.Errors)
	if access == AccessIdentity {
		if op.Responses == nil {
			op.Responses = map[string]*huma.Response{}
		}
		op.Responses["308"] = &huma.Response{
			Description: "The netuid in the path is not the identity's: the Location header points at the identity's netuid.",
			Headers:     map[string]*huma.Param{"Location": {Schema: &huma.Schema{Type: huma.TypeString}}},
		}
	}
	huma.Register(s.api, op, h)
}

// RegisterSubnet adds an endpoint of the subnet family at both of Pylon's
// prefixes, as Pylon's identity controller inherits every open-access route:
//
//	open access: /api/<v>/subnet/{netuid}<op.Path>            (AccessOpen)
//	identity:    /api/<v>/identity/{identity_name}/subnet/{netuid}<op.Path> (AccessIdentity)
//
// (for Unstable the open-access prefix is /api/_unstable/openaccess). op.Path
// is Pylon's endpoint path, e.g. "/block/latest/neurons". The same handler
// serves both; it tells them apart with IdentityFrom, and reads the subnet
// from its input's `path:"netuid"` field or NetuidFrom. The identity variant's
// operation id gets the suffix "-identity".
func RegisterSubnet[I, O any](s *Server, v Version, op huma.Operation, h Handler[I, O]) {
	open := op
	open.Path = v.openBase() + "/subnet/{netuid}" + op.Path
	open.OperationID = v.opIDPrefix() + op.OperationID
	open.Tags = append(slices.Clone(op.Tags), "open access")
	Register(s, AccessOpen, open, h)
	RegisterIdentity(s, v, op, h)
}

// RegisterIdentity adds an identity-only endpoint (setting weights, own
// certificate, commitments) at
// /api/<v>/identity/{identity_name}/subnet/{netuid}<op.Path>. The handler
// gets the identity from IdentityFrom.
func RegisterIdentity[I, O any](s *Server, v Version, op huma.Operation, h Handler[I, O]) {
	op.Path = v.identityBase() + "/subnet/{netuid}" + op.Path
	op.OperationID = v.opIDPrefix() + op.OperationID + "-identity"
	op.Tags = append(slices.Clone(op.Tags), "identity")
	Register(s, AccessIdentity, op, h)
}

// RegisterBlock adds a block-level endpoint (no subnet) at
// /api/v1<op.Path> or /api/_unstable/openaccess<op.Path>; op.Path starts with
// /block, e.g. "/block/latest". It takes the open-access token or any
// identity's token.
func RegisterBlock[I, O any](s *Server, v Version, op huma.Operation, h Handler[I, O]) {
	if !strings.HasPrefix(op.Path, "/block") {
		panic(fmt.Sprintf("api: block-level path %q must start with /block", op.Path))
	}
	op.Path = v.openBase() + op.Path
	op.OperationID = v.opIDPrefix() + op.OperationID
	op.Tags = append(slices.Clone(op.Tags), "block")
	Register(s, AccessOpen, op, h)
}

// RegisterSeed adds one of the seed-era paths of Pylon's first release at
// /api/v1<op.Path> (e.g. "/subnet/weights", "/certificates/self"). They exist
// only when the configuration is in the seed format: they act for its one
// identity (IdentityFrom) and take AUTH_TOKEN. Outside seed mode the call does
// nothing, so the routes answer 404.
func RegisterSeed[I, O any](s *Server, op huma.Operation, h Handler[I, O]) {
	if s.guard.seedIdentity == "" {
		return
	}
	op.Path = "/api/v1" + op.Path
	op.OperationID = "seed-" + op.OperationID
	op.Tags = append(slices.Clone(op.Tags), "seed format")
	Register(s, AccessSeed, op, h)
}

// securityFor documents the access kind in OpenAPI and lists the error
// statuses the guard can produce.
func securityFor(access Access, errs []int) ([]map[string][]string, []int) {
	add := func(codes ...int) {
		for _, c := range codes {
			if !slices.Contains(errs, c) {
				errs = append(errs, c)
			}
		}
	}
	errs = slices.Clone(errs)
	var sec []map[string][]string
	switch access {
	case AccessPublic:
		sec = []map[string][]string{}
	case AccessOpen:
		sec = []map[string][]string{{schemeOpen: {}}, {schemeIdentity: {}}}
		add(http.StatusUnauthorized, http.StatusForbidden)
	case AccessIdentity:
		sec = []map[string][]string{{schemeIdentity: {}}}
		add(http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound)
	case AccessSeed:
		sec = []map[string][]string{{schemeIdentity: {}}}
		add(http.StatusUnauthorized, http.StatusForbidden)
	case AccessMetrics:
		sec = []map[string][]string{{schemeMetrics: {}}}
		add(http.StatusUnauthorized, http.StatusForbidden)
	}
	if access != AccessPublic {
		add(http.StatusBadRequest, http.StatusGatewayTimeout)
	}
	slices.Sort(errs)
	return sec, errs
}

// declaresPathParam reports whether the input struct (or a struct embedded
// in it) has a field tagged path:"name".
func declaresPathParam(t reflect.Type, name string) bool {
	if t.Kind() != reflect.Struct {
		return false
	}
	for f := range t.Fields() {
		if f.Tag.Get("path") == name {
			return true
		}
		if f.Anonymous && declaresPathParam(f.Type, name) {
			return true
		}
	}
	return false
}

// addPathParam documents a path parameter the input struct does not declare.
func addPathParam(op *huma.Operation, name, doc string, schema *huma.Schema) {
	op.Parameters = append(slices.Clone(op.Parameters), &huma.Param{
		Name: name, In: "path", Required: true, Description: doc, Schema: schema,
	})
}

func ptr[T any](v T) *T { return &v }
