package api_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/pylon-go/pylon/internal/api"
)

type weightsInput struct {
	Netuid uint16 `path:"netuid"`
	Limit  int    `query:"limit" minimum:"1" maximum:"10" default:"5"`
	Body   struct {
		Weights map[string]float64 `json:"weights" minProperties:"1" doc:"hotkey to weight"`
	}
}

type countOutput struct {
	Body struct {
		Detail string `json:"detail"`
		Count  int    `json:"count"`
	}
}

// registerFailing adds block-level routes that fail in each way a handler can.
func registerFailing(s *api.Server) {
	op := func(id string) huma.Operation {
		return huma.Operation{OperationID: id, Summary: id, Method: http.MethodGet, Path: "/block/fail/" + id}
	}
	api.RegisterBlock(s, api.V1, op("not-found"), func(context.Context, *struct{}) (*echoOutput, error) {
		return nil, huma.Error404NotFound("Certificate not found or error fetching.")
	})
	api.RegisterBlock(s, api.V1, op("internal"), func(context.Context, *struct{}) (*echoOutput, error) {
		return nil, errors.New("connect postgres://pylon:hunter2@db: refused")
	})
	api.RegisterBlock(s, api.V1, op("bad-gateway"), func(context.Context, *struct{}) (*echoOutput, error) {
		return nil, huma.Error502BadGateway("the node answered: RPC error", errors.New("ws frame details"))
	})
	api.RegisterBlock(s, api.V1, op("panic"), func(context.Context, *struct{}) (*echoOutput, error) {
		panic("index out of range in the secret sauce")
	})
	api.RegisterBlock(s, api.V1, op("deadline"), func(context.Context, *struct{}) (*echoOutput, error) {
		return nil, fmt.Errorf("reading neurons: %w", context.DeadlineExceeded)
	})
	api.RegisterSubnet(s, api.V1, huma.Operation{OperationID: "put-weights", Summary: "put weights", Method: http.MethodPut, Path: "/weights"},
		func(_ context.Context, in *weightsInput) (*countOutput, error) {
			out := &countOutput{}
			out.Body.Detail, out.Body.Count = "weights update scheduled", len(in.Body.Weights)
			return out, nil
		})
}

func doBody(t *testing.T, s *api.Server, method, target, token, body string, headers ...string) response {
	t.Helper()
	req := httptest.NewRequestWithContext(context.Background(), method, target, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] != "" {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	return response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
}

func TestProblemResponses(t *testing.T) {
	s, logs := newServer(t, identitiesConfig())
	registerFailing(s)

	cases := []struct {
		name, method, path, body string
		header                   string // an X-Pylon-Timeout value
		want                     int
		detail                   string // fragment of the detail
		notInBody                string // internals that must not leak
	}{
		{name: "handler 404 keeps Pylon's message", method: "GET", path: "/api/v1/block/fail/not-found", want: 404, detail: "Certificate not found or error fetching."},
		{name: "plain error is a 500 without internals", method: "GET", path: "/api/v1/block/fail/internal", want: 500, detail: "internal server error", notInBody: "hunter2"},
		{name: "5xx keeps the message, not the cause", method: "GET", path: "/api/v1/block/fail/bad-gateway", want: 502, detail: "the node answered: RPC error", notInBody: "ws frame"},
		{name: "panic is a 500 without internals", method: "GET", path: "/api/v1/block/fail/panic", want: 500, detail: "internal server error", notInBody: "secret sauce"},
		{name: "deadline error is a 504", method: "GET", path: "/api/v1/block/fail/deadline", want: 504, detail: "did not finish within its deadline of 1m0s"},
		{name: "validation is 400, not 422", method: "PUT", path: "/api/v1/subnet/1/weights?limit=99", body: `{"weights":{"hk":1}}`, want: 400, detail: "query.limit: expected number <= 10"},
		{name: "empty weights is 400", method: "PUT", path: "/api/v1/subnet/1/weights", body: `{"weights":{}}`, want: 400, detail: "body.weights"},
		{name: "wrong type is 400", method: "PUT", path: "/api/v1/subnet/1/weights", body: `{"weights":{"hk":"high"}}`, want: 400, detail: "expected number"},
		{name: "broken JSON is 400 and not echoed", method: "PUT", path: "/api/v1/subnet/1/weights", body: `{"weights": {"hk": 1,, "secret-ish"`, want: 400, notInBody: "secret-ish"},
		{name: "unknown route is a 404 problem", method: "GET", path: "/api/v1/nothing/here", want: 404, detail: "no route GET /api/v1/nothing/here"},
		{name: "unknown route is a 404 even with a bad timeout", method: "GET", path: "/api/v1/nothing/here?t", header: "nope", want: 404, detail: "no route GET /api/v1/nothing/here"},
		{name: "wrong method is a 405 problem", method: "DELETE", path: "/api/v1/identities", want: 405, detail: "DELETE is not allowed here"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := doBody(t, s, c.method, c.path, openToken, c.body, "X-Pylon-Timeout", c.header)
			if r.status != c.want {
				t.Fatalf("%s %s: status %d, want %d; body %s", c.method, c.path, r.status, c.want, r.body)
			}
			p := r.problem(t)
			if !strings.Contains(p.Detail, c.detail) {
				t.Errorf("detail %q, want it to contain %q", p.Detail, c.detail)
			}
			if c.notInBody != "" && bytes.Contains(r.body, []byte(c.notInBody)) {
				t.Errorf("body leaks %q: %s", c.notInBody, r.body)
			}
			if c.want == 405 && r.header.Get("Allow") == "" {
				t.Errorf("405 without Allow header")
			}
		})
	}

	// The causes of the 5xx answers are in the log, tied to the request.
	log := logs.String()
	for _, want := range []string{"connect postgres://pylon:hunter2@db: refused", "ws frame details", "panic: index out of range in the secret sauce", "goroutine ", "reading neurons: context deadline exceeded"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q", want)
		}
	}

	// A valid request still works, also with a field this server does not
	// know (Pylon ignores unknown fields, so newer clients get through).
	for _, body := range []string{`{"weights":{"hk1":0.8,"hk2":0.5}}`, `{"weights":{"hk1":0.8,"hk2":0.5},"mechanism_id":0}`} {
		r := doBody(t, s, http.MethodPut, "/api/v1/identity/sn1/subnet/1/weights", sn1Token, body)
		if r.status != 200 || !strings.Contains(string(r.body), `"count":2`) || strings.Contains(string(r.body), "$schema") {
			t.Errorf("valid PUT %s: %d %s", body, r.status, r.body)
		}
	}
}

func TestRegistrationMistakesPanic(t *testing.T) {
	s, _ := newServer(t, identitiesConfig())
	type withIdentity struct {
		Name string `path:"identity_name"`
	}
	cases := map[string]func(){
		"missing operation id": func() {
			api.RegisterBlock(s, api.V1, huma.Operation{Summary: "x", Method: "GET", Path: "/block/x"}, echo)
		},
		"block path outside /block": func() {
			api.RegisterBlock(s, api.V1, huma.Operation{OperationID: "x", Summary: "x", Method: "GET", Path: "/latest"}, echo)
		},
		"identity input declares identity_name": func() {
			api.RegisterIdentity(s, api.V1, huma.Operation{OperationID: "y", Summary: "y", Method: "GET", Path: "/y"},
				func(context.Context, *withIdentity) (*echoOutput, error) { return nil, nil })
		},
		"bypassing the helpers": func() {
			huma.Register(s.API(), huma.Operation{OperationID: "z", Summary: "z", Method: "GET", Path: "/z"}, echo)
		},
	}
	for name, f := range cases {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("no panic")
				}
			}()
			f()
		})
	}
}
