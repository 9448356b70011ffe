package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"strings"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed migrations
var migrations embed.FS

// migrationTable is goose's version table; named for this service so a shared
// PostgreSQL database can hold other applications' goose tables too.
const migrationTable = "pylon_schema_version"

// Option configures a store.
type Option func(*config)

type config struct {
	now    func() time.Time
	random io.Reader
	log    *slog.Logger
}

// WithClock sets the clock for timestamps (default time.Now).
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithRandom sets the randomness for job ids (default crypto/rand).
func WithRandom(r io.Reader) Option { return func(c *config) { c.random = r } }

// WithLogger sets the logger (default: discard).
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.log = l } }

func newConfig(opts []Option) config {
	c := config{now: time.Now, random: rand.Reader}
	for _, o := range opts {
		o(&c)
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	return c
}

// dialect holds what differs between the databases; the SQL text is otherwise
// shared ($n placeholders work in both drivers).
type dialect struct {
	name       string
	goose      goose.Dialect
	migrations string
	// forUpdate locks the row read before an update (PostgreSQL); SQLite
	// transactions already hold the write lock from BEGIN IMMEDIATE.
	forUpdate string
}

var (
	sqliteDialect   = dialect{name: "sqlite", goose: goose.DialectSQLite3, migrations: "migrations/sqlite"}
	postgresDialect = dialect{name: "postgres", goose: goose.DialectPostgres, migrations: "migrations/postgres", forUpdate: " FOR UPDATE"}
)

// sqlStore implements Store on database/sql for both dialects.
type sqlStore struct {
	db      *sql.DB
	d       dialect
	cfg     config
	onClose func() error
}

// migrate brings the schema up to date. PostgreSQL serialises concurrent
// migrators with goose's advisory session lock; SQLite callers hold a file lock
// around this call.
func migrate(ctx context.Context, db *sql.DB, d dialect, log *slog.Logger) error {
	fsys, err := fs.Sub(migrations, d.migrations)
	if err != nil {
		return fmt.Errorf("store: migrations: %w", err)
	}
	opts := []goose.ProviderOption{goose.WithTableName(migrationTable), goose.WithDisableGlobalRegistry(true)}
	if d.name == postgresDialect.name {
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return fmt.Errorf("store: migration lock: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(d.goose, db, fsys, opts...)
	if err != nil {
		return fmt.Errorf("store: migrations: %w", err)
	}
	results, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("store: migrate %s: %w", d.name, err)
	}
	for _, r := range results {
		log.InfoContext(ctx, "store: migration applied", "dialect", d.name, "version", r.Source.Version, "path", r.Source.Path, "duration", r.Duration)
	}
	return nil
}

const jobColumns = `id, identity, hotkey, netuid, mechanism, seq, weights, options, status, version,
	epoch_formula, epoch_index, window_start, window_end, attempts, next_attempt_at,
	last_error, last_error_module, submission, commit_state, commit_block,
	result_block, result_block_hash, result_extrinsic_hash, result_extrinsic_index,
	created_at, updated_at, finished_at`

// unfinishedSQL is the SQL list of unfinished statuses, the same list the
// migrations' partial unique index names (a test checks both agree). It is
// built from constants only, so queries may splice it in.
var unfinishedSQL = sqlList(unfinishedStatuses)

func sqlList(ss []Status) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = "'" + string(s) + "'"
	}
	return "(" + strings.Join(q, ", ") + ")"
}

// now reads the clock at the resolution the database keeps (microseconds), so
// a job returned by Create or Update equals the one Get reads back.
func (s *sqlStore) now() time.Time { return s.cfg.now().UTC().Truncate(time.Microsecond) }

func (s *sqlStore) Close() error {
	err := s.db.Close()
	if s.onClose != nil {
		if cerr := s.onClose(); err == nil {
			err = cerr
		}
	}
	return err
}

func (s *sqlStore) Create(ctx context.Context, nj NewJob) (Job, []string, error) {
	if err := validateNew(nj); err != nil {
		return Job{}, nil, err
	}
	now := s.now()
	id, err := newID(now, s.cfg.random)
	if err != nil {
		return Job{}, nil, err
	}
	if nj.Options.Mode == "" {
		nj.Options.Mode = ModeAuto
	}
	j := Job{
		ID: id, Identity: nj.Identity, Hotkey: nj.Hotkey, Netuid: nj.Netuid, Mechanism: nj.Mechanism,
		Weights: nj.Weights, Options: nj.Options, Status: StatusPending, Version: 1,
		Target: nj.Target, NextAttemptAt: nj.NextAttemptAt, CreatedAt: now, UpdatedAt: now,
	}
	if j.NextAttemptAt.IsZero() {
		j.NextAttemptAt = now
	}
	j.NextAttemptAt = j.NextAttemptAt.UTC().Truncate(time.Microsecond)
	row, err := encodeJob(j)
	if err != nil {
		return Job{}, nil, err
	}

	var superseded []string
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		// Locks the key: concurrent Creates of one key queue here (the row lock
		// on PostgreSQL, the database write lock on SQLite), so each sees the
		// previous one's job and seq follows commit order.
		if err := tx.QueryRowContext(ctx, `INSERT INTO weight_job_keys (identity, netuid, mechanism, seq) VALUES ($1, $2, $3, 1)
			ON CONFLICT (identity, netuid, mechanism) DO UPDATE SET seq = weight_job_keys.seq + 1
			RETURNING seq`, j.Identity, int64(j.Netuid), int64(j.Mechanism)).Scan(&j.Seq); err != nil {
			return fmt.Errorf("store: create: key: %w", err)
		}
		old, err := unfinishedOfKey(ctx, tx, j.Identity, j.Netuid, j.Mechanism)
		if err != nil {
			return err
		}
		for _, o := range old {
			if _, err := tx.ExecContext(ctx, `UPDATE weight_jobs SET status = 'superseded', version = version + 1, updated_at = $2, finished_at = $2
				WHERE id = $1`, o.id, now.UnixMicro()); err != nil {
				return fmt.Errorf("store: create: supersede %s: %w", o.id, err)
			}
			if err := insertEvent(ctx, tx, o.id, now, EventStatus, map[string]any{"from": o.status, "to": StatusSuperseded, "by": j.ID}); err != nil {
				return err
			}
			superseded = append(superseded, o.id)
		}
		row.seq = j.Seq
		if _, err := tx.ExecContext(ctx, `INSERT INTO weight_jobs (`+jobColumns+`) VALUES
			($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,
			 $21, $22, $23, $24, $25, $26, $27, $28)`, row.args()...); err != nil {
			return fmt.Errorf("store: create: insert: %w", err)
		}
		detail := map[string]any{"options": j.Options, "target": j.Target, "count": len(j.Weights)}
		if len(superseded) > 0 {
			detail["supersedes"] = superseded
		}
		return insertEvent(ctx, tx, j.ID, now, EventCreated, detail)
	})
	if err != nil {
		return Job{}, nil, err
	}
	return j, superseded, nil
}

type keyJob struct {
	id     string
	status Status
}

func unfinishedOfKey(ctx context.Context, tx *sql.Tx, identity string, netuid uint16, mech uint8) ([]keyJob, error) {
	//nolint:gosec // G202: unfinishedSQL holds constants only.
	rows, err := tx.QueryContext(ctx, `SELECT id, status FROM weight_jobs
		WHERE identity = $1 AND netuid = $2 AND mechanism = $3 AND status IN `+unfinishedSQL+` ORDER BY seq`,
		identity, int64(netuid), int64(mech))
	if err != nil {
		return nil, fmt.Errorf("store: unfinished jobs of key: %w", err)
	}
	defer func() { _ = rows.Close() }()
	var out []keyJob
	for rows.Next() {
		var k keyJob
		if err := rows.Scan(&k.id, &k.status); err != nil {
			return nil, fmt.Errorf("store: unfinished jobs of key: %w", err)
		}
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: unfinished jobs of key: %w", err)
	}
	return out, nil
}

func (s *sqlStore) Get(ctx context.Context, id string) (Job, error) {
	j, err := scanJob(s.db.QueryRowContext(ctx, `SELECT `+jobColumns+` FROM weight_jobs WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Job{}, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	if err != nil {
		return Job{}, fmt.Errorf("store: get %s: %w", id, err)
	}
	return j, nil
}

func (s *sqlStore) History(ctx context.Context, id string) ([]Event, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT seq, job_id, at, kind, detail FROM weight_job_events WHERE job_id = $1 ORDER BY seq`, id)
	if err != nil {
		return nil, fmt.Errorf("store: history %s: %w", id, err)
	}
	defer func() { _ = rows.Close() }()
	var out []Event
	for rows.Next() {
		var (
			e      Event
			at     int64
			detail string
		)
		if err := rows.Scan(&e.Seq, &e.JobID, &at, &e.Kind, &detail); err != nil {
			return nil, fmt.Errorf("store: history %s: %w", id, err)
		}
		e.At = time.UnixMicro(at).UTC()
		e.Detail = json.RawMessage(detail)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: history %s: %w", id, err)
	}
	if len(out) == 0 {
		// Create always writes an event, so no events means no job — unless
		// something else removed them; ask.
		if _, err := s.Get(ctx, id); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *sqlStore) Update(ctx context.Context, j Job, events ...Event) (Job, error) {
	if !j.Status.Valid() {
		return Job{}, fmt.Errorf("%w: unknown status %q", ErrInvalidJob, j.Status)
	}
	for _, e := range events {
		if e.Kind == "" {
			return Job{}, fmt.Errorf("%w: event without a kind", ErrInvalidJob)
		}
		if e.Detail != nil && !json.Valid(e.Detail) {
			return Job{}, fmt.Errorf("%w: event %s: detail is not JSON", ErrInvalidJob, e.Kind)
		}
	}
	now := s.now()
	var out Job
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var (
			cur     Status
			version int64
		)
		err := tx.QueryRowContext(ctx, `SELECT status, version FROM weight_jobs WHERE id = $1`+s.d.forUpdate, j.ID).Scan(&cur, &version)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: %s", ErrNotFound, j.ID)
		}
		if err != nil {
			return fmt.Errorf("store: update %s: %w", j.ID, err)
		}
		if version != j.Version {
			return fmt.Errorf("%w: job %s is at version %d (%s), the update was made from version %d", ErrConflict, j.ID, version, cur, j.Version)
		}
		if !CanTransition(cur, j.Status) {
			return fmt.Errorf("%w: job %s from %s to %s", ErrInvalidTransition, j.ID, cur, j.Status)
		}
		upd := j
		upd.UpdatedAt = now
		switch {
		case j.Status.Final() && !cur.Final():
			upd.FinishedAt = now
		case !j.Status.Final():
			upd.FinishedAt = time.Time{}
		}
		row, err := encodeJob(upd)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE weight_jobs SET status = $3, version = version + 1,
			epoch_formula = $4, epoch_index = $5, window_start = $6, window_end = $7,
			attempts = $8, next_attempt_at = $9, last_error = $10, last_error_module = $11,
			submission = $12, commit_state = $13, commit_block = $14,
			result_block = $15, result_block_hash = $16, result_extrinsic_hash = $17, result_extrinsic_index = $18,
			updated_at = $19, finished_at = $20
			WHERE id = $1 AND version = $2`,
			j.ID, j.Version, row.status, row.epochFormula, row.epochIndex, row.windowStart, row.windowEnd,
			row.attempts, row.nextAttemptAt, row.lastError, row.lastErrorModule,
			row.submission, row.commitState, row.commitBlock,
			row.resultBlock, row.resultBlockHash, row.resultExtrinsicHash, row.resultExtrinsicIndex,
			row.updatedAt, row.finishedAt)
		if err != nil {
			return fmt.Errorf("store: update %s: %w", j.ID, err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return fmt.Errorf("%w: job %s changed during the update", ErrConflict, j.ID)
		}
		if cur != j.Status {
			if err := insertEvent(ctx, tx, j.ID, now, EventStatus, map[string]any{"from": cur, "to": j.Status}); err != nil {
				return err
			}
		}
		for _, e := range events {
			at := e.At
			if at.IsZero() {
				at = now
			}
			if err := insertEventRaw(ctx, tx, j.ID, at, e.Kind, e.Detail); err != nil {
				return err
			}
		}
		out, err = scanJob(tx.QueryRowContext(ctx, `SELECT `+jobColumns+` FROM weight_jobs WHERE id = $1`, j.ID))
		if err != nil {
			return fmt.Errorf("store: update %s: read back: %w", j.ID, err)
		}
		return nil
	})
	if err != nil {
		return Job{}, err
	}
	return out, nil
}

func (s *sqlStore) Unfinished(ctx context.Context) ([]Job, error) {
	//nolint:gosec // G202: unfinishedSQL holds constants only.
	rows, err := s.db.QueryContext(ctx, `SELECT `+jobColumns+` FROM weight_jobs
		WHERE status IN `+unfinishedSQL+` ORDER BY created_at DESC, seq DESC, id DESC`)
	if err != nil {
		return nil, fmt.Errorf("store: unfinished: %w", err)
	}
	defer func() { _ = rows.Close() }()
	type key struct {
		identity string
		netuid   uint16
		mech     uint8
	}
	seen := map[key]bool{}
	var out []Job
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, fmt.Errorf("store: unfinished: %w", err)
		}
		// The unique index allows one per key; stay correct without it.
		k := key{j.Identity, j.Netuid, j.Mechanism}
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, j)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: unfinished: %w", err)
	}
	return out, nil
}

func (s *sqlStore) SubmittedInEpoch(ctx context.Context, q EpochQuery) (bool, error) {
	if q.End < q.Start || q.End > math.MaxInt64 {
		return false, fmt.Errorf("%w: window [%d, %d]", ErrInvalidJob, q.Start, q.End)
	}
	var one int
	err := s.db.QueryRowContext(ctx, `SELECT 1 FROM weight_jobs
		WHERE identity = $1 AND netuid = $2 AND mechanism = $3 AND status IN ('committed', 'landed')
		AND COALESCE(commit_block, result_block) BETWEEN $4 AND $5 LIMIT 1`,
		q.Identity, int64(q.Netuid), int64(q.Mechanism), int64(q.Start), int64(q.End)).Scan(&one) //nolint:gosec // G115: Start ≤ End ≤ MaxInt64, checked above.
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: submitted in epoch: %w", err)
	}
	return true, nil
}

func (s *sqlStore) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

func insertEvent(ctx context.Context, tx *sql.Tx, jobID string, at time.Time, kind string, detail any) error {
	b, err := json.Marshal(detail)
	if err != nil {
		return fmt.Errorf("store: event %s: %w", kind, err)
	}
	return insertEventRaw(ctx, tx, jobID, at, kind, b)
}

func insertEventRaw(ctx context.Context, tx *sql.Tx, jobID string, at time.Time, kind string, detail json.RawMessage) error {
	if len(detail) == 0 {
		detail = json.RawMessage("{}")
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO weight_job_events (job_id, at, kind, detail) VALUES ($1, $2, $3, $4)`,
		jobID, at.UTC().UnixMicro(), kind, string(detail)); err != nil {
		return fmt.Errorf("store: event %s: %w", kind, err)
	}
	return nil
}

func validateNew(nj NewJob) error {
	var problems []string
	if strings.TrimSpace(nj.Identity) == "" {
		problems = append(problems, "identity is empty")
	}
	if strings.TrimSpace(nj.Hotkey) == "" {
		problems = append(problems, "hotkey is empty")
	}
	if len(nj.Weights) == 0 {
		problems = append(problems, "no weights")
	}
	for hk, w := range nj.Weights {
		if math.IsNaN(w) || math.IsInf(w, 0) {
			problems = append(problems, fmt.Sprintf("weight of %q is not finite", hk))
		}
	}
	switch nj.Options.Mode {
	case "", ModeAuto, ModeNow:
	default:
		problems = append(problems, fmt.Sprintf("unknown mode %q", nj.Options.Mode))
	}
	if nj.Target != nil && nj.Target.End < nj.Target.Start {
		problems = append(problems, fmt.Sprintf("target window [%d, %d] is empty", nj.Target.Start, nj.Target.End))
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", ErrInvalidJob, strings.Join(problems, "; "))
	}
	return nil
}
