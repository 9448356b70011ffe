package store

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pylon-go/pylon/internal/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func TestSQLite(t *testing.T) {
	runSuite(t, func(t *testing.T, clock *fakeClock) backend {
		path := filepath.Join(t.TempDir(), "pylon.db")
		return backend{open: func(t *testing.T) Store {
			s, err := Open(context.Background(), path, WithClock(clock.Now))
			if err != nil {
				t.Fatal(err)
			}
			return s
		}}
	})
}

func TestPostgres(t *testing.T) {
	runSuite(t, func(t *testing.T, clock *fakeClock) backend {
		url := pgtest.NewDatabase(t)
		return backend{open: func(t *testing.T) Store {
			s, err := Open(context.Background(), url, WithClock(clock.Now))
			if err != nil {
				t.Fatal(err)
			}
			return s
		}}
	})
}

// TestSQLiteFileSurvivesReopen: the default store is a file that outlives the
// process's handle, reachable under each spelling Open accepts.
func TestSQLiteFileSurvivesReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sub", "pylon.db")
	if _, err := Open(ctx, path); err == nil || !strings.Contains(err.Error(), "directory") {
		t.Fatalf("missing directory: %v", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	j, _ := mustCreate(t, s, newJob("sn1", 1, 0))
	closeStore(t, s)
	if fi, err := os.Stat(path); err != nil || fi.Size() == 0 {
		t.Fatalf("database file: %v %v", fi, err)
	}
	for _, target := range []string{path, "sqlite://" + path, "file:" + path} {
		s, err := Open(ctx, target)
		if err != nil {
			t.Fatalf("%s: %v", target, err)
		}
		if g := mustGet(t, s, j.ID); g.Identity != "sn1" || g.Weights["5B"] != 0.8 {
			t.Fatalf("%s: %+v", target, g)
		}
		closeStore(t, s)
	}
}

func TestOpenRejects(t *testing.T) {
	ctx := context.Background()
	for _, target := range []string{"", "mysql://x", "redis://localhost", ":memory:", "a.db?mode=ro"} {
		if s, err := Open(ctx, target); err == nil {
			_ = s.Close()
			t.Errorf("Open(%q) succeeded", target)
		}
	}
}
