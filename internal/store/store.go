// Package store persists weight jobs: the requests a validator made, what the
// runner did with them, and the full history of each, so that jobs survive a
// restart and clients can ask what became of their weights.
//
// One interface, Store, has two implementations behind Open: SQLite (the
// default, a file, pure Go via modernc.org/sqlite) and PostgreSQL (pgx), each
// with its own embedded goose migrations. Both pass the same behavioural test
// suite against real databases.
//
// The store knows nothing of the chain or HTTP: statuses, epochs, blocks and
// hashes are plain values the weights runner and the HTTP layer put in and take
// out. It does enforce two rules itself, because only a transaction can:
// latest wins (Create supersedes the older unfinished job of the same identity,
// netuid and mechanism atomically), and optimistic concurrency (Update applies
// only to the version of a job the caller read, and only along an allowed status
// transition), so a stale runner cannot resurrect a superseded job.
package store

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// Store is the durable home of weight jobs. All methods are safe for concurrent
// use, also from several processes sharing one database.
type Store interface {
	// Create persists a new pending job — call it before acknowledging the
	// request — and, in the same transaction, marks every unfinished job with
	// the same (identity, netuid, mechanism) superseded (latest wins). It
	// returns the new job and the ids of the jobs it superseded, so the caller
	// can stop their runners.
	Create(ctx context.Context, nj NewJob) (Job, []string, error)
	// Get returns a job, or ErrNotFound.
	Get(ctx context.Context, id string) (Job, error)
	// History returns a job's events, oldest first, or ErrNotFound.
	History(ctx context.Context, id string) ([]Event, error)
	// Update writes the mutable fields of j (status, target, attempts, next
	// attempt, last error, submission, commit state, result) if the stored job
	// still has version j.Version and may move from its stored status to
	// j.Status, and appends events to its history (a status change is recorded
	// on its own). It returns the job as stored, with the new version. A stale
	// version gives ErrConflict, a forbidden transition ErrInvalidTransition.
	Update(ctx context.Context, j Job, events ...Event) (Job, error)
	// Unfinished returns the jobs that are not final, newest first, at most one
	// per (identity, netuid, mechanism): what a restarted service resumes.
	Unfinished(ctx context.Context) ([]Job, error)
	// SubmittedInEpoch reports whether weights of an identity and mechanism
	// reached the chain inside a block window (see EpochQuery).
	SubmittedInEpoch(ctx context.Context, q EpochQuery) (bool, error)
	// Close releases the database.
	Close() error
}

// Errors callers branch on.
var (
	ErrNotFound          = errors.New("store: job not found")
	ErrConflict          = errors.New("store: job changed since it was read")
	ErrInvalidTransition = errors.New("store: status transition not allowed")
	ErrInvalidJob        = errors.New("store: invalid job")
)

// Status is where a job stands.
type Status string

// Job statuses. pending, running and committed are unfinished; the rest are
// final.
const (
	// StatusPending: waiting for its next attempt (or its first).
	StatusPending Status = "pending"
	// StatusRunning: an attempt is in progress.
	StatusRunning Status = "running"
	// StatusCommitted: a commit is on chain and the reveal is outstanding
	// (commit-reveal v2, or a timelocked commit whose reveal is being watched).
	StatusCommitted Status = "committed"
	// StatusLanded: the weights are on chain.
	StatusLanded Status = "landed"
	// StatusFailed: gave up (invalid weights, attempts exhausted, a permanent
	// chain error).
	StatusFailed Status = "failed"
	// StatusExpired: the target epoch ended (or the reveal window passed) first.
	StatusExpired Status = "expired"
	// StatusSuperseded: a newer request for the same identity, netuid and
	// mechanism replaced it.
	StatusSuperseded Status = "superseded"
	// StatusCancelled: stopped on purpose (e.g. the identity's hotkey changed
	// across a restart).
	StatusCancelled Status = "cancelled"
)

// Statuses lists every status.
var Statuses = []Status{StatusPending, StatusRunning, StatusCommitted, StatusLanded, StatusFailed, StatusExpired, StatusSuperseded, StatusCancelled}

// unfinishedStatuses are the statuses that are not final. The migrations'
// partial unique index spells out the same list.
var unfinishedStatuses = []Status{StatusPending, StatusRunning, StatusCommitted}

// Final reports whether a job in this status is finished for good.
func (s Status) Final() bool {
	switch s {
	case StatusLanded, StatusFailed, StatusExpired, StatusSuperseded, StatusCancelled:
		return true
	}
	return false
}

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	for _, k := range Statuses {
		if s == k {
			return true
		}
	}
	return false
}

// transitions is the state machine. An unfinished status may also stay as it
// is (an update of attempts, errors, commit state); a final one never changes.
var transitions = map[Status][]Status{
	StatusPending:   {StatusPending, StatusRunning, StatusFailed, StatusExpired, StatusSuperseded, StatusCancelled},
	StatusRunning:   {StatusRunning, StatusPending, StatusCommitted, StatusLanded, StatusFailed, StatusExpired, StatusSuperseded, StatusCancelled},
	StatusCommitted: {StatusCommitted, StatusLanded, StatusFailed, StatusExpired, StatusSuperseded, StatusCancelled},
}

// CanTransition reports whether a job may move from one status to another.
func CanTransition(from, to Status) bool {
	for _, s := range transitions[from] {
		if s == to {
			return to.Valid()
		}
	}
	return false
}

// Mode is how the job was asked to be scheduled.
type Mode string

// Scheduling modes.
const (
	// ModeAuto: the runner submits in the job's target epoch, retrying until it
	// lands or the epoch ends (Pylon's behaviour).
	ModeAuto Mode = "auto"
	// ModeNow: submit at once, without waiting for a particular point in the
	// epoch (caller-driven scheduling).
	ModeNow Mode = "now"
)

// Options are the caller's choices for a job.
type Options struct {
	Mode Mode `json:"mode"`
}

// Target is the epoch a job is for, fixed when it is scheduled: the window of
// the epoch containing the block at scheduling time.
type Target struct {
	// Formula names the epoch model ("legacy" or "stateful").
	Formula string `json:"formula"`
	// Epoch is the chain's epoch index.
	Epoch uint64 `json:"epoch"`
	// Start and End delimit the window, both inclusive; the job is due while
	// the chain's latest block ≤ End.
	Start uint64 `json:"start"`
	End   uint64 `json:"end"`
}

// JobError is the last error an attempt met.
type JobError struct {
	Message string `json:"message"`
	// Module is the chain's module error name (e.g. "SettingWeightsTooFast"),
	// when the failure was a dispatch error.
	Module string `json:"module,omitempty"`
}

// Submission records how the runner submits this job: the mode and calls it
// chose from the runtime (the weights package decides; the store only keeps
// it).
type Submission struct {
	Mode                string `json:"mode"`
	Call                string `json:"call"`
	RevealCall          string `json:"reveal_call,omitempty"`
	CommitRevealVersion uint16 `json:"commit_reveal_version,omitempty"`
}

// CommitState is what a commit needs to be revealed (or watched), persisted
// before the commit is submitted: a crash between submitting and recording
// would otherwise lose the salt and leave a commit nobody can reveal.
type CommitState struct {
	// Salt, UIDs, Values and VersionKey are exactly the reveal's arguments
	// (commit-reveal v2).
	Salt       []uint16 `json:"salt,omitempty"`
	UIDs       []uint16 `json:"uids"`
	Values     []uint16 `json:"values"`
	VersionKey uint64   `json:"version_key"`
	// NetuidIndex is the storage index the hash covers.
	NetuidIndex uint16 `json:"netuid_index"`
	// Hash is the commit hash, 0x-hex (v2).
	Hash string `json:"hash,omitempty"`
	// RevealRound is the drand round of a timelocked commit.
	RevealRound uint64 `json:"reveal_round,omitempty"`
	// Block is the block that included the commit, 0 until known.
	Block uint64 `json:"block,omitempty"`
	// RevealFirst and RevealLast delimit the inclusion blocks in which the
	// reveal is accepted, once Block is known.
	RevealFirst uint64 `json:"reveal_first,omitempty"`
	RevealLast  uint64 `json:"reveal_last,omitempty"`
}

// Result identifies the extrinsic that put the weights on chain (set_weights,
// the reveal, or the timelocked commit).
type Result struct {
	Block          uint64 `json:"block"`
	BlockHash      string `json:"block_hash"`
	ExtrinsicHash  string `json:"extrinsic_hash"`
	ExtrinsicIndex uint32 `json:"extrinsic_index"`
}

// NewJob is a request to persist.
type NewJob struct {
	// Identity is the Pylon identity name.
	Identity string
	// Hotkey is the identity's hotkey (SS58) when the job was made; a job whose
	// identity has another hotkey after a restart is cancelled.
	Hotkey    string
	Netuid    uint16
	Mechanism uint8
	// Weights is the request as received: hotkey → weight.
	Weights map[string]float64
	Options Options
	// Target may be left nil and set by the runner's first attempt.
	Target *Target
	// NextAttemptAt is when the runner should first try; zero means now.
	NextAttemptAt time.Time
}

// Job is a stored weight job.
type Job struct {
	ID        string
	Identity  string
	Hotkey    string
	Netuid    uint16
	Mechanism uint8
	// Seq orders the jobs of one (identity, netuid, mechanism): the highest is
	// the latest request. It comes from a per-key counter bumped inside Create's
	// transaction, so it follows commit order even across processes.
	Seq     int64
	Weights map[string]float64
	Options Options

	Status Status
	// Version increases with every update; Update requires the current one.
	Version int64

	Target        *Target
	Attempts      int
	NextAttemptAt time.Time // zero when none is planned
	LastError     *JobError
	Submission    *Submission
	Commit        *CommitState
	Result        *Result

	CreatedAt  time.Time
	UpdatedAt  time.Time
	FinishedAt time.Time // zero until the status is final
}

// Event is an entry of a job's history.
type Event struct {
	// Seq orders events (assigned by the store; ignored by Update).
	Seq   int64
	JobID string
	At    time.Time
	// Kind says what happened: EventCreated, EventStatus, or the runner's own
	// kinds (EventAttempt, EventSubmitted, …).
	Kind string
	// Detail is a JSON object with the particulars; nil means {}.
	Detail json.RawMessage
}

// Event kinds written by the store itself, and suggested kinds for the runner.
const (
	EventCreated   = "created"   // {"options":…, "supersedes":[ids]}
	EventStatus    = "status"    // {"from":…, "to":…, "by": id when superseded}
	EventAttempt   = "attempt"   // the runner started an attempt
	EventSubmitted = "submitted" // an extrinsic was sent
	EventIncluded  = "included"  // an extrinsic was included in a block
	EventError     = "error"     // an attempt failed
)

// EpochQuery asks whether an identity's weights for a mechanism reached the
// chain inside a window: whether some job of that identity, netuid and
// mechanism is landed or committed with its first extrinsic (the commit for
// commit-reveal, else the set_weights or timelocked commit that landed)
// included in a block in [Start, End]. A commit whose reveal later failed has
// no landed or committed job and does not count.
type EpochQuery struct {
	Identity   string
	Netuid     uint16
	Mechanism  uint8
	Start, End uint64
}
