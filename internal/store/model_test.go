package store

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestTransitions pins the state machine table.
func TestTransitions(t *testing.T) {
	allowed := map[Status]string{
		// to:          pending running committed landed failed expired superseded cancelled
		StatusPending:   "1 1 0 0 1 1 1 1",
		StatusRunning:   "1 1 1 1 1 1 1 1",
		StatusCommitted: "0 0 1 1 1 1 1 1",
	}
	for _, from := range Statuses {
		row := allowed[from]
		if row == "" {
			row = "0 0 0 0 0 0 0 0"
		}
		for i, to := range Statuses {
			want := row[2*i] == '1'
			if got := CanTransition(from, to); got != want {
				t.Errorf("CanTransition(%s, %s) = %v, want %v", from, to, got, want)
			}
		}
		if from.Final() != (allowed[from] == "") {
			t.Errorf("%s.Final() = %v", from, from.Final())
		}
	}
	if CanTransition(StatusPending, "bogus") || Status("bogus").Valid() {
		t.Error("unknown status accepted")
	}
}

func TestNewID(t *testing.T) {
	at := time.UnixMilli(0x0123456789ab)
	id, err := newID(at, bytes.NewReader(bytes.Repeat([]byte{0xff}, 10)))
	if err != nil {
		t.Fatal(err)
	}
	// RFC 9562 layout: 48-bit ms timestamp, version 7, variant 10.
	if id != "01234567-89ab-7fff-bfff-ffffffffffff" {
		t.Errorf("id %s", id)
	}
	if _, err := newID(at, bytes.NewReader(nil)); err == nil {
		t.Error("no randomness accepted")
	}
	re := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	prev := ""
	for i := range 50 {
		id, err := newID(at.Add(time.Duration(i)*time.Millisecond), bytes.NewReader(bytes.Repeat([]byte{byte(i)}, 10)))
		if err != nil || !re.MatchString(id) || id <= prev {
			t.Fatalf("id %q after %q: %v", id, prev, err)
		}
		prev = id
	}
}

// TestMigrationsMatchStatuses: the schema's CHECK and partial index name the
// same statuses as the code.
func TestMigrationsMatchStatuses(t *testing.T) {
	for _, dir := range []string{"migrations/sqlite", "migrations/postgres"} {
		b, err := migrations.ReadFile(dir + "/00001_weight_jobs.sql")
		if err != nil {
			t.Fatal(err)
		}
		sqlText := string(b)
		if !strings.Contains(sqlText, "WHERE status IN "+unfinishedSQL) {
			t.Errorf("%s: partial index does not cover exactly %s", dir, unfinishedSQL)
		}
		if !strings.Contains(sqlText, "CHECK (status IN "+sqlList(Statuses)+")") {
			t.Errorf("%s: CHECK does not list exactly %s", dir, sqlList(Statuses))
		}
	}
}
