package config

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// templateLine matches a setting line of deploy/env.template, commented out
// or not: "# PYLON_X=default".
var templateLine = regexp.MustCompile(`^#?\s*([A-Z][A-Z0-9_<>-]*)=(.*)$`)

// TestEnvTemplateDocumentsEverySetting keeps deploy/env.template honest: every
// variable the code reads (derived from the settings structs' tags) is listed
// with the default the code uses, and the template lists nothing the code
// does not read.
func TestEnvTemplateDocumentsEverySetting(t *testing.T) {
	f, err := os.Open(filepath.Join("..", "..", "deploy", "env.template"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()

	documented := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if m := templateLine.FindStringSubmatch(sc.Text()); m != nil {
			if _, dup := documented[m[1]]; dup {
				t.Errorf("%s is documented twice", m[1])
			}
			documented[m[1]] = m[2]
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}

	vars := Variables()
	if len(vars) < 60 {
		t.Fatalf("Variables() found only %d variables; is the struct-tag walk broken?", len(vars))
	}
	defaults := Defaults()
	for _, v := range vars {
		got, ok := documented[v]
		if !ok {
			t.Errorf("%s is read by the code but missing from deploy/env.template", v)
			continue
		}
		if got != defaults[v] {
			t.Errorf("deploy/env.template shows %s=%q, but the default is %q", v, got, defaults[v])
		}
	}
	for v := range documented {
		if !slices.Contains(vars, v) {
			t.Errorf("deploy/env.template documents %s, which the code does not read", v)
		}
	}
	if !slices.Contains(vars, "PYLON_ID_<NAME>_HOTKEY_PASSWORD_FILE") || !slices.Contains(vars, "AUTH_TOKEN") ||
		!slices.Contains(vars, "PYLON_SENTRY_DSN") || !slices.Contains(vars, "PYLON_ENV_FILE") {
		t.Errorf("Variables() misses a family: %s", strings.Join(vars, " "))
	}
}
