package api_test

import (
	"bufio"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/pylon-go/pylon/internal/api"
)

// metricValue finds the sample of family name with exactly the given labels.
func metricValue(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) (float64, bool) {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	metrics:
		for _, m := range f.GetMetric() {
			if len(m.GetLabel()) != len(labels) {
				continue
			}
			for _, l := range m.GetLabel() {
				if labels[l.GetName()] != l.GetValue() {
					continue metrics
				}
			}
			switch f.GetType() {
			case dto.MetricType_COUNTER:
				return m.GetCounter().GetValue(), true
			case dto.MetricType_GAUGE:
				return m.GetGauge().GetValue(), true
			case dto.MetricType_HISTOGRAM:
				return float64(m.GetHistogram().GetSampleCount()), true
			default:
				t.Fatalf("unexpected metric type %v", f.GetType())
			}
		}
	}
	return 0, false
}

func TestMetricsUseRouteTemplates(t *testing.T) {
	reg := api.NewRegistry()
	s, _ := newServer(t, identitiesConfig(), func(o *api.Options) { o.Registry = reg })

	// Two subnets, one template.
	do(t, s, http.MethodGet, "/api/v1/subnet/1/echo", openToken)
	do(t, s, http.MethodGet, "/api/v1/subnet/7/echo", openToken)
	do(t, s, http.MethodGet, "/api/v1/subnet/7/echo", "wrong")
	do(t, s, http.MethodGet, "/api/v1/identity/sn1/subnet/1/echo", sn1Token)
	do(t, s, http.MethodGet, "/random/probe/1", "")
	do(t, s, http.MethodGet, "/random/probe/2", "")
	do(t, s, "BREW", "/api/v1/identities", openToken)

	tmpl := "/api/v1/subnet/{netuid}/echo"
	checks := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"pylon_requests_total", map[string]string{"route": tmpl, "method": "GET", "status": "200"}, 2},
		{"pylon_requests_total", map[string]string{"route": tmpl, "method": "GET", "status": "403"}, 1},
		{"pylon_requests_total", map[string]string{"route": "/api/v1/identity/{identity_name}/subnet/{netuid}/echo", "method": "GET", "status": "200"}, 1},
		{"pylon_requests_total", map[string]string{"route": "unmatched", "method": "GET", "status": "404"}, 2},
		{"pylon_requests_total", map[string]string{"route": "unmatched", "method": "other", "status": "405"}, 1},
		{"pylon_request_duration_seconds", map[string]string{"route": tmpl, "method": "GET", "status": "200"}, 2},
		{"pylon_requests_in_progress", map[string]string{"route": tmpl, "method": "GET"}, 0},
	}
	for _, c := range checks {
		got, ok := metricValue(t, reg, c.name, c.labels)
		if !ok || got != c.want {
			t.Errorf("%s%v = %v (found %v), want %v", c.name, c.labels, got, ok, c.want)
		}
	}

	// The raw paths never become labels.
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if strings.Contains(l.GetValue(), "/subnet/7") || strings.Contains(l.GetValue(), "probe") {
					t.Errorf("%s has a raw-path label %s=%q", f.GetName(), l.GetName(), l.GetValue())
				}
			}
		}
	}

	// /metrics serves the same registry, with the runtime collectors.
	r := do(t, s, http.MethodGet, "/metrics", metricsToken)
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/plain") {
		t.Fatalf("/metrics: %d %q", r.status, r.header.Get("Content-Type"))
	}
	text := string(r.body)
	for _, want := range []string{
		`pylon_requests_total{method="GET",route="/api/v1/subnet/{netuid}/echo",status="200"} 2`,
		`pylon_requests_in_progress{method="GET",route="/metrics"} 1`,
		"# TYPE pylon_request_duration_seconds histogram",
		"go_goroutines ",
		"process_cpu_seconds_total ",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	for _, secret := range []string{openToken, metricsToken, sn1Token} {
		if strings.Contains(text, secret) {
			t.Errorf("/metrics leaks a token")
		}
	}
}

func TestRequestIDs(t *testing.T) {
	s, logs := newServer(t, identitiesConfig())
	generated := regexp.MustCompile(`^[0-9a-f]{32}$`)

	r := do(t, s, http.MethodGet, "/api/v1/identities", openToken, "X-Request-ID", "client-id.42:abc")
	if got := r.header.Get("X-Request-ID"); got != "client-id.42:abc" {
		t.Errorf("sane id not echoed: %q", got)
	}
	for _, bad := range []string{"has space", strings.Repeat("a", 129), "new\x00line", "quote\""} {
		r := do(t, s, http.MethodGet, "/api/v1/identities", openToken, "X-Request-ID", bad)
		if got := r.header.Get("X-Request-ID"); !generated.MatchString(got) {
			t.Errorf("id %q: response id %q, want a generated one", bad, got)
		}
	}
	r1 := do(t, s, http.MethodGet, "/health", "")
	r2 := do(t, s, http.MethodGet, "/health", "")
	id1, id2 := r1.header.Get("X-Request-ID"), r2.header.Get("X-Request-ID")
	if !generated.MatchString(id1) || id1 == id2 {
		t.Errorf("generated ids %q %q", id1, id2)
	}
	// Error bodies carry the same id.
	r = do(t, s, http.MethodGet, "/api/v1/identity/sn1/subnet/1/echo", "wrong", "X-Request-ID", "trace-me")
	if p := r.problem(t); p.RequestID != "trace-me" {
		t.Errorf("problem request_id %q", p.RequestID)
	}
	if !strings.Contains(logs.String(), `"request_id":"trace-me"`) {
		t.Errorf("log lacks the request id")
	}
}

func TestRequestLog(t *testing.T) {
	s, logs := newServer(t, identitiesConfig())
	do(t, s, http.MethodGet, "/api/v1/identity/sn2/subnet/2/echo", sn2Token, "X-Request-ID", "req-1")
	do(t, s, http.MethodGet, "/health", "", "X-Request-ID", "req-2")

	var lines []map[string]any
	sc := bufio.NewScanner(strings.NewReader(logs.String()))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("log line %q: %v", sc.Text(), err)
		}
		if m["msg"] == "request" {
			lines = append(lines, m)
		}
	}
	if len(lines) != 2 {
		t.Fatalf("%d request lines, want 2:\n%s", len(lines), logs.String())
	}
	first := lines[0]
	for k, want := range map[string]any{
		"request_id": "req-1", "method": "GET", "route": "/api/v1/identity/{identity_name}/subnet/{netuid}/echo",
		"path": "/api/v1/identity/sn2/subnet/2/echo", "status": float64(200), "identity": "sn2", "level": "INFO",
	} {
		if first[k] != want {
			t.Errorf("log %s = %v, want %v", k, first[k], want)
		}
	}
	if _, ok := first["duration"].(float64); !ok {
		t.Errorf("log has no duration: %v", first)
	}
	// Health checks are logged at debug level so they do not drown the log.
	if lines[1]["level"] != "DEBUG" || lines[1]["route"] != "/health" {
		t.Errorf("health log line %v", lines[1])
	}
	if strings.Contains(logs.String(), sn2Token) {
		t.Errorf("the log contains a token")
	}
}
