package api_test

import (
	"testing"

	"github.com/pylon-go/pylon/internal/api"
)

// The read routes themselves are tested on the devnet (internal/app); these
// are the header rules they apply.

func TestAcceptsGzip(t *testing.T) {
	for header, want := range map[string]bool{
		"":                              false,
		"gzip":                          true,
		"GZIP":                          true,
		"x-gzip":                        true,
		"deflate, gzip;q=0.5":           true,
		"gzip;q=0":                      false,
		"gzip; q=0.000":                 false,
		"br, deflate":                   false,
		"*":                             true,
		"*;q=0":                         false,
		"*, gzip;q=0":                   false,
		"identity":                      false,
		"br;q=1.0, gzip;q=0.8, *;q=0.1": true,
	} {
		if got := api.AcceptsGzip(header); got != want {
			t.Errorf("Accept-Encoding %q: gzip %v, want %v", header, got, want)
		}
	}
}

func TestNoneMatch(t *testing.T) {
	const etag = `"abc"`
	for header, want := range map[string]bool{
		"":            false,
		`"abc"`:       true,
		`W/"abc"`:     true,
		`"x", "abc"`:  true,
		`"x",W/"abc"`: true,
		"*":           true,
		`"abcd"`:      false,
		`abc`:         false,
		`"abc-gzip"`:  false,
	} {
		if got := api.NoneMatch(header, etag); got != want {
			t.Errorf("If-None-Match %q against %s: %v, want %v", header, etag, got, want)
		}
	}
}
