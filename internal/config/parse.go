package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/caarlos0/env/v11"
)

// Networks maps the network names Pylon accepts to their node URLs.
var Networks = map[string]string{
	"finney":  "wss://entrypoint-finney.opentensor.ai:443",
	"test":    "wss://test.finney.opentensor.ai:443",
	"archive": "wss://archive.chain.opentensor.ai:443",
	"local":   "ws://127.0.0.1:9944",
}

// ResolveNetwork turns a network setting into node URLs: a known name
// (finney, test, archive, local) maps to its URL, a ws://, wss://, http:// or
// https:// URL is used as is, and a comma-separated list gives several nodes
// for the chain layer to fail over between. Duplicates are dropped. Errors
// never quote a URL, which may hold an API key.
func ResolveNetwork(setting string) ([]NodeURL, error) {
	var out []NodeURL
	for part := range strings.SplitSeq(setting, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			return nil, errors.New("is empty or has an empty entry in its comma-separated list")
		}
		u, err := resolveOne(part)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(out, NodeURL{u}) {
			out = append(out, NodeURL{u})
		}
	}
	return out, nil
}

func resolveOne(s string) (string, error) {
	if !strings.Contains(s, "://") {
		if u, ok := Networks[strings.ToLower(s)]; ok {
			return u, nil
		}
		return "", fmt.Errorf("unknown network name %q: use finney, test, archive or local, or a ws://, wss://, http:// or https:// node URL", s)
	}
	u, err := url.Parse(s)
	if err != nil {
		// url.Error quotes the URL, which may hold an API key: keep only the reason.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return "", fmt.Errorf("a node URL cannot be parsed: %w", err)
	}
	switch u.Scheme {
	case "ws", "wss", "http", "https":
	default:
		return "", fmt.Errorf("node URL scheme %q is not ws, wss, http or https", u.Scheme)
	}
	if u.Host == "" {
		return "", fmt.Errorf("node URL %s has no host", redactURL(s))
	}
	if strings.Contains(u.Host, ":") && !strings.HasSuffix(u.Host, "]") {
		_, port, err := net.SplitHostPort(u.Host)
		if p, perr := strconv.ParseUint(port, 10, 16); err != nil || perr != nil || p == 0 {
			return "", fmt.Errorf("node URL %s has an invalid host:port", redactURL(s))
		}
	}
	return s, nil
}

// parsers give the numeric and boolean settings messages that say what was
// expected, quoting the (non-secret) value.
var parsers = map[reflect.Type]env.ParserFunc{
	reflect.TypeFor[int](): func(v string) (any, error) {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return nil, fmt.Errorf("must be a whole number, got %q", v)
		}
		return n, nil
	},
	reflect.TypeFor[uint64](): func(v string) (any, error) {
		n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("must be a whole number from 0 to %d, got %q", uint64(math.MaxUint64), v)
		}
		return n, nil
	},
	reflect.TypeFor[float64](): func(v string) (any, error) {
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("must be a number, got %q", v)
		}
		return f, nil
	},
	reflect.TypeFor[bool](): func(v string) (any, error) {
		// The spellings pydantic (and so Pylon) accepts.
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "1", "true", "t", "yes", "y", "on":
			return true, nil
		case "0", "false", "f", "no", "n", "off":
			return false, nil
		}
		return nil, fmt.Errorf("must be true or false, got %q", v)
	},
}

// parseList reads a list setting: a JSON list of strings, as Pylon expects,
// or (for convenience) a comma-separated list.
func parseList(raw string) ([]string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, nil
	}
	if strings.HasPrefix(raw, "[") {
		var out []string
		if err := json.Unmarshal([]byte(raw), &out); err != nil {
			return nil, fmt.Errorf("is not a JSON list of strings such as [\"sn1\",\"sn2\"]: %w", err)
		}
		return out, nil
	}
	var out []string
	for p := range strings.SplitSeq(raw, ",") {
		if p = strings.TrimSpace(p); p == "" {
			return nil, errors.New("has an empty entry in its comma-separated list")
		}
		out = append(out, p)
	}
	return out, nil
}

func parseNetuid(s string) (uint16, error) {
	n, err := strconv.ParseUint(strings.TrimSpace(s), 10, 16)
	if err != nil {
		return 0, fmt.Errorf("must be a netuid, a whole number from 0 to 65535, got %q", s)
	}
	return uint16(n), nil
}

// parseNetuidList reads a JSON list of netuids ([1, 2]) or a comma-separated
// one (1,2).
func parseNetuidList(raw string) ([]uint16, error) {
	raw = strings.TrimSpace(raw)
	var items []string
	if strings.HasPrefix(raw, "[") {
		var js []json.RawMessage
		if err := json.Unmarshal([]byte(raw), &js); err != nil {
			return nil, fmt.Errorf("is not a JSON list of netuids such as [1, 2]: %w", err)
		}
		for _, j := range js {
			items = append(items, strings.Trim(string(j), `"`))
		}
	} else if raw != "" {
		items = strings.Split(raw, ",")
	}
	out := make([]uint16, 0, len(items))
	for _, it := range items {
		n, err := parseNetuid(it)
		if err != nil {
			return nil, fmt.Errorf("entry %q: %w", strings.TrimSpace(it), err)
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out, nil
}

func checkListenAddress(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("must be host:port such as 0.0.0.0:8000, got %q", addr)
	}
	if p, err := strconv.ParseUint(port, 10, 16); err != nil || (p == 0 && port != "0") {
		return fmt.Errorf("port %q is not a number from 0 to 65535", port)
	}
	if strings.ContainsAny(host, " /") {
		return fmt.Errorf("host %q is not a host name or IP address", host)
	}
	return nil
}

// checkPostgresURL validates a PostgreSQL URL without ever quoting it, since
// it may carry a password.
func checkPostgresURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New("is not a valid URL")
	}
	if u.Scheme != "postgres" && u.Scheme != "postgresql" {
		return errors.New("must be a postgres:// or postgresql:// URL (for SQLite set PYLON_DATABASE_PATH instead)")
	}
	if u.Host == "" {
		return errors.New("has no host")
	}
	return nil
}
