package jobs

import (
	"encoding/json"
	"time"

	"github.com/pylon-go/pylon/internal/chain"
	"github.com/pylon-go/pylon/internal/chain/extrinsic"
	"github.com/pylon-go/pylon/internal/store"
)

// Steps of a job: what an extrinsic does for it.
const (
	stepSet    = "set"    // set_weights / set_mechanism_weights
	stepCommit = "commit" // a hash or timelocked commit
	stepReveal = "reveal" // the reveal of a hash commit
)

// Event kinds the runner writes besides the store's own (created, status)
// and store.EventAttempt, EventSubmitted, EventIncluded, EventError.
const (
	eventWaiting   = "waiting"   // the weights rate limit holds the job until a block
	eventResumed   = "resumed"   // an interrupted attempt was found to have sent nothing
	eventTracking  = "tracking"  // an extrinsic sent before a restart is being looked for
	eventRevealed  = "revealed"  // the chain revealed a timelocked commit
	eventFailed    = "failed"    // why the job failed
	eventExpired   = "expired"   // why the job expired
	eventCancelled = "cancelled" // why the job was cancelled
)

// Event details. Salts never appear in them: a salt is secret until its
// reveal is on chain, and the history is readable through the API.
type (
	attemptDetail struct {
		Attempt int    `json:"attempt"`
		Step    string `json:"step"`
		Mode    string `json:"mode"`
		Call    string `json:"call"`
		Block   uint64 `json:"block"`
		UIDs    int    `json:"uids"`
	}
	submittedDetail struct {
		Step   string `json:"step"`
		Call   string `json:"call"`
		Hash   string `json:"hash"`
		Nonce  uint64 `json:"nonce"`
		Birth  uint64 `json:"birth"`
		EraEnd uint64 `json:"era_end"`
	}
	includedDetail struct {
		Step      string `json:"step"`
		Call      string `json:"call"`
		Hash      string `json:"hash"`
		Block     uint64 `json:"block"`
		BlockHash string `json:"block_hash"`
		Index     uint32 `json:"index"`
	}
	errorDetail struct {
		Step    string     `json:"step"`
		Hash    string     `json:"hash,omitempty"`
		Outcome string     `json:"outcome"`
		Message string     `json:"message"`
		Module  string     `json:"module,omitempty"`
		RetryAt *time.Time `json:"retry_at,omitempty"`
	}
	waitingDetail struct {
		Reason     string `json:"reason"`
		UntilBlock uint64 `json:"until_block"`
		LastUpdate uint64 `json:"last_update"`
		RateLimit  uint64 `json:"rate_limit"`
		Block      uint64 `json:"block"`
	}
	reasonDetail struct {
		Reason string `json:"reason"`
		Module string `json:"module,omitempty"`
		Block  uint64 `json:"block,omitempty"`
	}
)

func event(kind string, detail any) store.Event {
	b, err := json.Marshal(detail)
	if err != nil {
		// Every detail type is plain data; this cannot happen.
		panic("jobs: event detail: " + err.Error())
	}
	return store.Event{Kind: kind, Detail: b}
}

// unresolved finds the last extrinsic the job recorded as sent whose fate
// the history does not tell (no included or error event names its hash): an
// extrinsic that may be in a block, in a pool, or nowhere. signer is the
// job's hotkey.
func unresolved(hist []store.Event, signer [32]byte) (extrinsic.Pending, string, bool) {
	var (
		p     extrinsic.Pending
		step  string
		found bool
	)
	for _, e := range hist {
		switch e.Kind {
		case store.EventSubmitted:
			var d submittedDetail
			if json.Unmarshal(e.Detail, &d) != nil {
				continue
			}
			h, err := chain.ParseHash(d.Hash)
			if err != nil {
				continue
			}
			p = extrinsic.Pending{Call: d.Call, Hash: h, Signer: signer, Nonce: d.Nonce, Birth: d.Birth, EraEnd: d.EraEnd}
			step, found = d.Step, true
		case store.EventIncluded, store.EventError:
			var d struct {
				Hash string `json:"hash"`
			}
			if found && json.Unmarshal(e.Detail, &d) == nil && d.Hash == p.Hash.String() {
				found = false
			}
		}
	}
	return p, step, found
}
