package config

import (
	"fmt"
	"log/slog"
	"net/url"
	"strings"
)

// masked is what a set Secret prints as.
const masked = "***"

// Secret holds a token, password or credential-bearing URL. Every way of
// printing it (fmt verbs, slog, JSON, text marshalling) shows "***" or
// "(unset)", so a Secret that ends up in a log line or an error message does
// not leak. Value is the one way to read it, so reads are easy to audit.
type Secret struct {
	value string
}

// NewSecret wraps s.
func NewSecret(s string) Secret { return Secret{value: s} }

// Value returns the secret itself. Use it only where the secret is consumed
// (a constant-time comparison, a key decryption, a database connection).
func (s Secret) Value() string { return s.value }

// IsSet reports whether the secret is non-empty.
func (s Secret) IsSet() bool { return s.value != "" }

// String returns "***", or "(unset)" for an empty secret.
func (s Secret) String() string {
	if s.value == "" {
		return "(unset)"
	}
	return masked
}

// GoString masks the secret under %#v too.
func (s Secret) GoString() string { return "config.Secret(" + s.String() + ")" }

// Format masks the secret under every fmt verb, including %x and %q.
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = fmt.Fprint(f, s.GoString())
		return
	}
	_, _ = fmt.Fprint(f, s.String())
}

// LogValue masks the secret in slog output.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalText masks the secret in JSON and other text encodings.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// redactURL drops the credentials and the query (where API keys often sit)
// from a URL that is about to be logged.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable URL)"
	}
	hadUser := u.User != nil
	u.User = nil
	if u.RawQuery != "" {
		u.RawQuery = masked
	}
	s := u.String()
	if hadUser {
		s = strings.Replace(s, "://", "://"+masked+"@", 1)
	}
	return s
}

// NodeURL is the URL of a subtensor node. Providers often put API keys in the
// user info or the query, so a NodeURL prints (fmt, slog, JSON) with those
// parts masked; Value returns it whole for the chain layer to dial.
type NodeURL struct {
	raw string
}

// Value returns the full URL.
func (u NodeURL) Value() string { return u.raw }

// String returns the URL with credentials and query masked.
func (u NodeURL) String() string { return redactURL(u.raw) }

// Format masks under every fmt verb.
func (u NodeURL) Format(f fmt.State, _ rune) { _, _ = fmt.Fprint(f, u.String()) }

// LogValue masks in slog output.
func (u NodeURL) LogValue() slog.Value { return slog.StringValue(u.String()) }

// MarshalText masks in JSON and other text encodings.
func (u NodeURL) MarshalText() ([]byte, error) { return []byte(u.String()), nil }
