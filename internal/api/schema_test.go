package api_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestSwaggerUIIsSelfContained loads the Swagger UI page the way a browser
// would and checks that everything it needs comes from this server: no CDN,
// so the docs work on a machine with no internet access.
func TestSwaggerUIIsSelfContained(t *testing.T) {
	s, _ := newServer(t, identitiesConfig())

	for _, path := range []string{"/schema/swagger", "/schema/swagger/"} {
		page := do(t, s, http.MethodGet, path, "")
		if page.status != 200 || !strings.HasPrefix(page.header.Get("Content-Type"), "text/html") {
			t.Fatalf("GET %s: %d %q", path, page.status, page.header.Get("Content-Type"))
		}
		html := string(page.body)
		for _, want := range []string{`<div id="swagger-ui">`, "SwaggerUIBundle(", `"swaggerJsonUrl":"/schema/openapi.json"`, "validatorUrl: null"} {
			if !strings.Contains(html, want) {
				t.Errorf("%s: page lacks %q", path, want)
			}
		}

		// Every resource the page loads (src=, href=, CSS url()) is a path on
		// this server, and this server serves it.
		refs := regexp.MustCompile(`(?:src|href)\s*=\s*["']([^"']+)["']`).FindAllStringSubmatch(html, -1)
		if len(refs) < 4 {
			t.Fatalf("%s: found only %d resource references", path, len(refs))
		}
		for _, m := range refs {
			ref := m[1]
			if !strings.HasPrefix(ref, "/") || strings.HasPrefix(ref, "//") {
				t.Errorf("%s references %q, which is not on this server", path, ref)
				continue
			}
			res := do(t, s, http.MethodGet, ref, "")
			if res.status != 200 || len(res.body) == 0 {
				t.Errorf("resource %s: status %d, %d bytes", ref, res.status, len(res.body))
				continue
			}
			body := string(res.body)
			if strings.HasSuffix(ref, ".css") {
				for _, u := range regexp.MustCompile(`url\(\s*["']?([^)"']+)`).FindAllStringSubmatch(body, -1) {
					if strings.Contains(u[1], "//") && !strings.HasPrefix(u[1], "data:") {
						t.Errorf("%s loads %q", ref, u[1])
					}
				}
			}
			for _, cdn := range []string{"unpkg.com", "cdn.jsdelivr.net", "cdnjs.cloudflare.com", "fonts.googleapis.com", "fonts.gstatic.com"} {
				if strings.Contains(body, cdn) {
					t.Errorf("%s references the CDN %s", ref, cdn)
				}
			}
		}
	}

	// huma's own docs page (which loads from a CDN) is not served.
	if r := do(t, s, http.MethodGet, "/docs", ""); r.status != http.StatusNotFound {
		t.Errorf("/docs: %d, want 404", r.status)
	}
}

func TestOpenAPIDocument(t *testing.T) {
	s, _ := newServer(t, identitiesConfig())
	r := do(t, s, http.MethodGet, "/schema/openapi.json", "")
	if r.status != 200 {
		t.Fatalf("openapi.json: %d", r.status)
	}
	var doc struct {
		OpenAPI string `json:"openapi"`
		Info    struct {
			Title, Version string
		} `json:"info"`
		Paths map[string]map[string]struct {
			OperationID string                `json:"operationId"`
			Security    []map[string][]string `json:"security"`
			Parameters  []struct {
				Name, In string
			} `json:"parameters"`
			Responses map[string]json.RawMessage `json:"responses"`
		} `json:"paths"`
		Components struct {
			SecuritySchemes map[string]struct {
				Type, Scheme string
			} `json:"securitySchemes"`
		} `json:"components"`
	}
	if err := json.Unmarshal(r.body, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" || doc.Info.Title != "Pylon-Go" || doc.Info.Version != "test" {
		t.Errorf("openapi %q, info %+v", doc.OpenAPI, doc.Info)
	}
	for _, name := range []string{"openAccessToken", "identityToken", "metricsToken"} {
		if sc := doc.Components.SecuritySchemes[name]; sc.Type != "http" || sc.Scheme != "bearer" {
			t.Errorf("security scheme %s = %+v", name, sc)
		}
	}

	ident := doc.Paths["/api/v1/identity/{identity_name}/subnet/{netuid}/echo"]["get"]
	var params []string
	for _, p := range ident.Parameters {
		params = append(params, p.In+":"+p.Name)
	}
	slices.Sort(params)
	if !slices.Equal(params, []string{"path:identity_name", "path:netuid"}) || ident.OperationID != "echo-subnet-identity" {
		t.Errorf("identity route: id %q params %v", ident.OperationID, params)
	}
	if len(ident.Security) != 1 || ident.Security[0]["identityToken"] == nil {
		t.Errorf("identity route security %v", ident.Security)
	}
	if _, ok := ident.Responses["308"]; !ok {
		t.Errorf("identity route does not document the 308 redirect")
	}
	open := doc.Paths["/api/v1/subnet/{netuid}/echo"]["get"]
	if len(open.Security) != 2 {
		t.Errorf("open route security %v, want open-access or identity token", open.Security)
	}
	if h := doc.Paths["/health"]["get"]; h.Security == nil || len(h.Security) != 0 {
		t.Errorf("/health security %v, want explicitly none", h.Security)
	}
	for _, p := range []string{"/api/v1/identities", "/metrics", "/ready", "/api/_unstable/openaccess/subnet/{netuid}/echo", "/api/v1/block/echo"} {
		if _, ok := doc.Paths[p]; !ok {
			t.Errorf("document lacks %s", p)
		}
	}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			if _, ok := op.Responses["422"]; ok {
				t.Errorf("%s %s documents 422; validation errors are 400", method, path)
			}
		}
	}
	if _, ok := doc.Paths["/api/v1/subnet/{netuid}/echo"]["get"].Responses["400"]; !ok {
		t.Errorf("open route does not document 400")
	}
}
