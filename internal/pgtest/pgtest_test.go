package pgtest

import (
	"context"
	"database/sql"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

// TestNewDatabase: two tests' databases are separate, the server answers over
// TCP as the real PostgreSQL 15 it claims to be.
func TestNewDatabase(t *testing.T) {
	a, b := NewDatabase(t), NewDatabase(t)
	if a == b {
		t.Fatal("two tests share a database")
	}
	db, err := sql.Open("pgx", a)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	var version, name string
	if err := db.QueryRowContext(context.Background(), "SELECT version(), current_database()").Scan(&version, &name); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(version, "PostgreSQL ") || !strings.Contains(a, "/"+name+"?") {
		t.Fatalf("version %q, database %q, url %s", version, name, a)
	}
	t.Log(version)
	if _, err := db.ExecContext(context.Background(), "CREATE TABLE x (id int)"); err != nil {
		t.Fatal(err)
	}
	other, err := sql.Open("pgx", b)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = other.Close() }()
	var n int
	if err := other.QueryRowContext(context.Background(), "SELECT count(*) FROM pg_tables WHERE tablename = 'x'").Scan(&n); err != nil || n != 0 {
		t.Fatalf("table leaked across databases: %d, %v", n, err)
	}
}

// TestWatchdogCleansUpAfterCrash starts a second cluster and closes the
// watchdog's pipe without the "done" line, as the death of the test process
// would: the watchdog must stop the server and remove its directory.
func TestWatchdogCleansUpAfterCrash(t *testing.T) {
	if _, err := findBinary("initdb"); err != nil {
		t.Skip(errNotInstalled)
	}
	c, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	pidFile, err := os.ReadFile(c.Dir + "/data/postmaster.pid")
	if err != nil {
		t.Fatal(err)
	}
	pid := strings.SplitN(string(pidFile), "\n", 2)[0]
	_ = c.admin.Close()
	_ = c.wdPipe.Close() // the test process "dies"
	if err := c.watchdog.Wait(); err != nil {
		t.Fatalf("watchdog: %v", err)
	}
	if _, err := os.Stat(c.Dir); !os.IsNotExist(err) {
		t.Fatalf("cluster directory %s still there: %v", c.Dir, err)
	}
	// The postmaster has exited (it may linger as a zombie until init reaps it)
	// and nothing listens on the port any more.
	if stat, err := os.ReadFile("/proc/" + pid + "/stat"); err == nil {
		if f := strings.Fields(string(stat)); len(f) > 2 && f[2] != "Z" {
			t.Fatalf("postmaster %s still running: %s", pid, stat)
		}
	}
	if conn, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(c.Port))); err == nil {
		_ = conn.Close()
		t.Fatalf("something still listens on port %d", c.Port)
	}
}
