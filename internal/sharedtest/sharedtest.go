// Package sharedtest locates the project's shared reference data (recorded chain
// traffic, known-answer vectors, devnet chain specs) for tests.
//
// The data lives outside the repository, in ../shared/testdata relative to the
// repository root. PYLON_TESTDATA_DIR points elsewhere when set. A test that asks
// for a file that is missing fails with a message naming it: there are no silent
// skips.
package sharedtest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// EnvDir names the environment variable that overrides the testdata directory.
const EnvDir = "PYLON_TESTDATA_DIR"

// RepoRoot returns the directory holding the project's go.mod, searching upwards
// from the working directory (go test runs in the package directory).
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("sharedtest: working directory: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("sharedtest: no go.mod above the working directory")
		}
		dir = parent
	}
}

// Dir returns the shared testdata directory: $PYLON_TESTDATA_DIR, or
// <repo root>/../shared/testdata.
func Dir() (string, error) {
	if d := os.Getenv(EnvDir); d != "" {
		return d, nil
	}
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	return filepath.Join(filepath.Dir(root), "shared", "testdata"), nil
}

// Path returns the path of a file below the shared testdata directory and fails
// the test if it does not exist.
func Path(tb testing.TB, elem ...string) string {
	tb.Helper()
	dir, err := Dir()
	if err != nil {
		tb.Fatal(err)
	}
	p := filepath.Join(append([]string{dir}, elem...)...)
	if _, err := os.Stat(p); err != nil {
		tb.Fatalf("shared test data %s is missing (set %s to the shared/testdata directory): %v", p, EnvDir, err)
	}
	return p
}

// ReadFile returns the contents of a file below the shared testdata directory
// and fails the test if it cannot be read.
func ReadFile(tb testing.TB, elem ...string) []byte {
	tb.Helper()
	b, err := os.ReadFile(Path(tb, elem...))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}
