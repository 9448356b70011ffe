package rpc

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestBackoffStaysWithinBounds(t *testing.T) {
	b := Backoff{Initial: 100 * time.Millisecond, Max: 2 * time.Second}
	for n := range 40 {
		ceiling := min(b.Initial<<min(n, 20), b.Max)
		for range 50 {
			d := b.delay(n)
			if d < ceiling/2 || d > ceiling {
				t.Fatalf("delay(%d) = %v, want within [%v, %v]", n, d, ceiling/2, ceiling)
			}
		}
	}
}

func TestSubscriptionKey(t *testing.T) {
	for _, tc := range []struct {
		raw  string
		want string
		ok   bool
	}{
		{`"0x0123456789abcdef0123456789abcdef"`, "0x0123456789abcdef0123456789abcdef", true},
		{`"abc"`, "abc", true},
		{`42`, "n:42", true}, // numeric ids must not collide with the string "42"
		{`"42"`, "42", true},
		{`null`, "", false},
		{`""`, "", false},
		{`{}`, "", false},
		{``, "", false},
	} {
		got, ok := subscriptionKey(json.RawMessage(tc.raw))
		if got != tc.want || ok != tc.ok {
			t.Errorf("subscriptionKey(%s) = %q, %v; want %q, %v", tc.raw, got, ok, tc.want, tc.ok)
		}
	}
}

func TestParseEndpoints(t *testing.T) {
	eps, err := parseEndpoints([]string{
		"wss://user:pw@node.example:443/key123?apikey=x",
		"wss://node.example:443/other-key",
		"http://127.0.0.1:9944",
	})
	if err != nil {
		t.Fatal(err)
	}
	names := []string{eps[0].name, eps[1].name, eps[2].name}
	want := []string{"wss://node.example:443", "wss://node.example:443#2", "http://127.0.0.1:9944"}
	for i := range want {
		if names[i] != want[i] {
			t.Errorf("name %d = %q, want %q", i, names[i], want[i])
		}
	}
	if eps[0].http || !eps[2].http {
		t.Errorf("transport flags wrong: %+v", eps)
	}
	for _, bad := range []string{"ftp://x", "ws://", "::not a url", "node.example:9944"} {
		_, err := parseEndpoints([]string{bad})
		if err == nil {
			t.Errorf("%q accepted", bad)
			continue
		}
		if strings.Contains(err.Error(), "not a url") {
			t.Errorf("error quotes the URL: %v", err)
		}
	}
}

func TestParseBlockNumber(t *testing.T) {
	n, err := parseBlockNumber(json.RawMessage(`{"number":"0x68a3b2","parentHash":"0x00"}`))
	if err != nil || n != 0x68a3b2 {
		t.Errorf("got %d, %v", n, err)
	}
	for _, bad := range []string{`null`, `{"number":"zz"}`, `[]`, `{"number":""}`} {
		if _, err := parseBlockNumber(json.RawMessage(bad)); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

func TestErrorMessageTruncatesData(t *testing.T) {
	e := &Error{Code: 1, Message: "m", Data: json.RawMessage(`"` + strings.Repeat("x", 1000) + `"`), Method: "a", Endpoint: "ws://h"}
	if l := len(e.Error()); l > 400 {
		t.Errorf("message is %d bytes long", l)
	}
}
