package store

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"time"
)

// jobRow is a job as columns, in jobColumns order. Block numbers and other
// uint64 values are stored as signed 64-bit integers (both databases' widest
// integer); values beyond 2⁶³ are refused rather than wrapped.
type jobRow struct {
	id, identity, hotkey                 string
	netuid, mechanism, seq               int64
	weights, options                     string
	status                               string
	version                              int64
	epochFormula                         sql.NullString
	epochIndex, windowStart, windowEnd   sql.NullInt64
	attempts                             int64
	nextAttemptAt                        sql.NullInt64
	lastError, lastErrorModule           sql.NullString
	submission, commitState              sql.NullString
	commitBlock                          sql.NullInt64
	resultBlock                          sql.NullInt64
	resultBlockHash, resultExtrinsicHash sql.NullString
	resultExtrinsicIndex                 sql.NullInt64
	createdAt, updatedAt                 int64
	finishedAt                           sql.NullInt64
}

func (r *jobRow) args() []any {
	return []any{r.id, r.identity, r.hotkey, r.netuid, r.mechanism, r.seq, r.weights, r.options, r.status, r.version,
		r.epochFormula, r.epochIndex, r.windowStart, r.windowEnd, r.attempts, r.nextAttemptAt,
		r.lastError, r.lastErrorModule, r.submission, r.commitState, r.commitBlock,
		r.resultBlock, r.resultBlockHash, r.resultExtrinsicHash, r.resultExtrinsicIndex,
		r.createdAt, r.updatedAt, r.finishedAt}
}

func (r *jobRow) dest() []any {
	return []any{&r.id, &r.identity, &r.hotkey, &r.netuid, &r.mechanism, &r.seq, &r.weights, &r.options, &r.status, &r.version,
		&r.epochFormula, &r.epochIndex, &r.windowStart, &r.windowEnd, &r.attempts, &r.nextAttemptAt,
		&r.lastError, &r.lastErrorModule, &r.submission, &r.commitState, &r.commitBlock,
		&r.resultBlock, &r.resultBlockHash, &r.resultExtrinsicHash, &r.resultExtrinsicIndex,
		&r.createdAt, &r.updatedAt, &r.finishedAt}
}

type encoder struct{ err error }

func (e *encoder) u64(name string, v uint64) int64 {
	if v > math.MaxInt64 {
		if e.err == nil {
			e.err = fmt.Errorf("%w: %s %d does not fit the database", ErrInvalidJob, name, v)
		}
		return 0 // never stored: e.err fails the encoding
	}
	return int64(v)
}

func (e *encoder) json(name string, v any) string {
	b, err := json.Marshal(v)
	if err != nil && e.err == nil {
		e.err = fmt.Errorf("%w: %s: %w", ErrInvalidJob, name, err)
	}
	return string(b)
}

func some(v int64) sql.NullInt64    { return sql.NullInt64{Int64: v, Valid: true} }
func someS(v string) sql.NullString { return sql.NullString{String: v, Valid: true} }

func micros(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return some(t.UTC().UnixMicro())
}

func encodeJob(j Job) (jobRow, error) {
	var e encoder
	r := jobRow{
		id: j.ID, identity: j.Identity, hotkey: j.Hotkey,
		netuid: int64(j.Netuid), mechanism: int64(j.Mechanism), seq: j.Seq,
		weights: e.json("weights", j.Weights), options: e.json("options", j.Options),
		status: string(j.Status), version: j.Version, attempts: int64(j.Attempts),
		nextAttemptAt: micros(j.NextAttemptAt),
		createdAt:     j.CreatedAt.UTC().UnixMicro(), updatedAt: j.UpdatedAt.UTC().UnixMicro(),
		finishedAt: micros(j.FinishedAt),
	}
	if t := j.Target; t != nil {
		r.epochFormula = someS(t.Formula)
		r.epochIndex = some(e.u64("epoch", t.Epoch))
		r.windowStart = some(e.u64("window start", t.Start))
		r.windowEnd = some(e.u64("window end", t.End))
	}
	if le := j.LastError; le != nil {
		r.lastError = someS(le.Message)
		if le.Module != "" {
			r.lastErrorModule = someS(le.Module)
		}
	}
	if j.Submission != nil {
		r.submission = someS(e.json("submission", j.Submission))
	}
	if c := j.Commit; c != nil {
		r.commitState = someS(e.json("commit", c))
		if c.Block > 0 {
			r.commitBlock = some(e.u64("commit block", c.Block))
		}
	}
	if res := j.Result; res != nil {
		r.resultBlock = some(e.u64("result block", res.Block))
		r.resultBlockHash = someS(res.BlockHash)
		r.resultExtrinsicHash = someS(res.ExtrinsicHash)
		r.resultExtrinsicIndex = some(int64(res.ExtrinsicIndex))
	}
	return r, e.err
}

type scanner interface{ Scan(dest ...any) error }

func scanJob(sc scanner) (Job, error) {
	var r jobRow
	if err := sc.Scan(r.dest()...); err != nil {
		return Job{}, err
	}
	// The integer columns hold what encodeJob wrote from the Job's unsigned
	// fields (uint64s only up to 2⁶³-1), so converting back cannot wrap.
	//nolint:gosec // G115: netuid and mechanism were written from a uint16 and a uint8.
	j := Job{
		ID: r.id, Identity: r.identity, Hotkey: r.hotkey,
		Netuid: uint16(r.netuid), Mechanism: uint8(r.mechanism), Seq: r.seq,
		Status: Status(r.status), Version: r.version, Attempts: int(r.attempts),
		CreatedAt: time.UnixMicro(r.createdAt).UTC(), UpdatedAt: time.UnixMicro(r.updatedAt).UTC(),
	}
	if err := json.Unmarshal([]byte(r.weights), &j.Weights); err != nil {
		return Job{}, fmt.Errorf("job %s: weights: %w", r.id, err)
	}
	if err := json.Unmarshal([]byte(r.options), &j.Options); err != nil {
		return Job{}, fmt.Errorf("job %s: options: %w", r.id, err)
	}
	if r.nextAttemptAt.Valid {
		j.NextAttemptAt = time.UnixMicro(r.nextAttemptAt.Int64).UTC()
	}
	if r.finishedAt.Valid {
		j.FinishedAt = time.UnixMicro(r.finishedAt.Int64).UTC()
	}
	if r.epochFormula.Valid {
		//nolint:gosec // G115: columns encodeJob wrote from uint64s ≤ 2⁶³-1.
		j.Target = &Target{Formula: r.epochFormula.String, Epoch: uint64(r.epochIndex.Int64),
			Start: uint64(r.windowStart.Int64), End: uint64(r.windowEnd.Int64)}
	}
	if r.lastError.Valid {
		j.LastError = &JobError{Message: r.lastError.String, Module: r.lastErrorModule.String}
	}
	if r.submission.Valid {
		j.Submission = new(Submission)
		if err := json.Unmarshal([]byte(r.submission.String), j.Submission); err != nil {
			return Job{}, fmt.Errorf("job %s: submission: %w", r.id, err)
		}
	}
	if r.commitState.Valid {
		j.Commit = new(CommitState)
		if err := json.Unmarshal([]byte(r.commitState.String), j.Commit); err != nil {
			return Job{}, fmt.Errorf("job %s: commit state: %w", r.id, err)
		}
	}
	if r.resultBlock.Valid {
		//nolint:gosec // G115: columns encodeJob wrote from a uint64 ≤ 2⁶³-1 and a uint32.
		j.Result = &Result{Block: uint64(r.resultBlock.Int64), BlockHash: r.resultBlockHash.String,
			ExtrinsicHash: r.resultExtrinsicHash.String, ExtrinsicIndex: uint32(r.resultExtrinsicIndex.Int64)}
	}
	return j, nil
}
