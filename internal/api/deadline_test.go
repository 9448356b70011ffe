package api_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/pylon-go/pylon/internal/api"
)

func TestTimeoutHeaderSetsTheHandlerDeadline(t *testing.T) {
	s, _ := newServer(t, identitiesConfig())
	cases := []struct {
		name   string
		header []string
		want   time.Duration
	}{
		{"absent: the default", nil, 60 * time.Second},
		{"fractional seconds", []string{"X-Pylon-Timeout", "2.5"}, 2500 * time.Millisecond},
		{"integer seconds, padded", []string{"X-Pylon-Timeout", " 45 "}, 45 * time.Second},
		{"above the maximum: capped", []string{"X-Pylon-Timeout", "1000"}, 300 * time.Second},
		{"exactly the maximum", []string{"X-Pylon-Timeout", "300"}, 300 * time.Second},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := time.Now()
			r := do(t, s, http.MethodGet, "/api/v1/subnet/1/echo", openToken, c.header...)
			after := time.Now()
			if r.status != http.StatusOK {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			got := decode[echoBody](t, r).Deadline
			// The deadline was set between before and after, so it lies in
			// [before+want, after+want]: a bound, not a timing assumption.
			if got.Before(before.Add(c.want)) || got.After(after.Add(c.want)) {
				t.Errorf("handler deadline %v not within [%v, %v] (timeout %v)", got, before.Add(c.want), after.Add(c.want), c.want)
			}
		})
	}
}

func TestTimeoutHeaderInvalid(t *testing.T) {
	s, _ := newServer(t, identitiesConfig())
	for _, v := range [][]string{{"abc"}, {"0"}, {"-1"}, {"NaN"}, {"Inf"}, {"+Inf"}, {""}, {"1e400"}, {"5s"}, {"1", "2"}} {
		var headers []string
		for _, h := range v {
			headers = append(headers, "X-Pylon-Timeout", h)
		}
		r := do(t, s, http.MethodGet, "/api/v1/subnet/1/echo", openToken, headers...)
		if r.status != http.StatusBadRequest {
			t.Errorf("X-Pylon-Timeout %q: status %d, want 400", v, r.status)
			continue
		}
		p := r.problem(t)
		if !strings.Contains(p.Detail, "X-Pylon-Timeout") || len(p.Errors) != 1 || p.Errors[0].Location != "header.X-Pylon-Timeout" {
			t.Errorf("X-Pylon-Timeout %q: problem %+v", v, p)
		}
	}
}

func TestDeadlinePassing(t *testing.T) {
	s, logs := newServer(t, identitiesConfig())

	// A handler that respects its context is cancelled with DeadlineExceeded.
	observed := make(chan error, 1)
	api.RegisterBlock(s, api.V1, huma.Operation{OperationID: "wait-ctx", Summary: "wait", Method: http.MethodGet, Path: "/block/wait-ctx"},
		func(ctx context.Context, _ *struct{}) (*echoOutput, error) {
			<-ctx.Done()
			observed <- ctx.Err()
			return nil, ctx.Err()
		})
	// A handler that ignores its context still gets its caller a 504 on time;
	// what it writes later is dropped.
	release := make(chan struct{})
	finished := make(chan struct{})
	api.RegisterBlock(s, api.V1, huma.Operation{OperationID: "stuck", Summary: "stuck", Method: http.MethodGet, Path: "/block/stuck"},
		func(context.Context, *struct{}) (*echoOutput, error) {
			defer close(finished)
			<-release
			return &echoOutput{}, nil
		})

	r := do(t, s, http.MethodGet, "/api/v1/block/wait-ctx", openToken, "X-Pylon-Timeout", "0.05")
	if r.status != http.StatusGatewayTimeout {
		t.Fatalf("status %d, want 504: %s", r.status, r.body)
	}
	if p := r.problem(t); !strings.Contains(p.Detail, "deadline of 50ms") {
		t.Errorf("detail %q", p.Detail)
	}
	if err := <-observed; !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("handler saw %v, want context.DeadlineExceeded", err)
	}

	r = do(t, s, http.MethodGet, "/api/v1/block/stuck", openToken, "X-Pylon-Timeout", "0.05")
	if r.status != http.StatusGatewayTimeout {
		t.Fatalf("stuck handler: status %d, want 504: %s", r.status, r.body)
	}
	r.problem(t)
	close(release)
	<-finished
	if !strings.Contains(logs.String(), `"route":"/api/v1/block/stuck","path":"/api/v1/block/stuck","status":504`) {
		t.Errorf("504 not logged:\n%s", logs.String())
	}
}
