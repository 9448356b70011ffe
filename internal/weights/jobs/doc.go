// Package jobs makes weights requests durable and sees them onto the chain:
// it validates a request against the chain (package weights' rules, facts
// read through package subtensor), persists it as a job (package store)
// before the caller is answered, and runs every job until its weights are on
// chain, its epoch is over, or it is superseded — across restarts.
//
// # Accepting
//
// Service.Submit reads the facts at the latest block (neurons, hyperparameters,
// the runtime's calls, LastUpdate, mechanisms, epoch state), runs
// weights.Prepare and weights.ChooseMode, fixes the job's target: the window of
// the epoch containing that block (weights.Schedule: the stateful schedule
// where the runtime keeps one, the legacy formula otherwise), and persists the
// job with store.Create, which supersedes the identity's unfinished job for
// the same netuid and mechanism in the same transaction. A dry run stops
// before persisting and reports the exact vectors, version key and mode.
//
// # The runner's state machine
//
//	pending ──due──▶ read facts at the head ──┬─ weights invalid now ──────────▶ failed
//	   ▲                                      ├─ head > epoch end ─────────────▶ expired
//	   │                                      ├─ rate limit: wait for the block (pending; once past the epoch: expired)
//	   │                                      └─ claim: running, attempts+1 (commit state saved here)
//	   │                                                   │ BeforeSend: record hash/nonce/era (version-checked) → send
//	   │                                                   ▼
//	   └─ retry with backoff ◀── not included / refused / dispatch error (retryable)
//	                               included: set ─▶ landed; commit ─▶ committed (reveal window stored)
//	committed (hash) ── in the reveal window, rate limit permitting ─▶ reveal ─▶ landed
//	                  └─ window passed ─▶ expired;  RevealTooEarly ─▶ next block
//	committed (timelock) ── LastUpdate moves inside the reveal epoch ─▶ landed; window passed ─▶ failed
//
// Every attempt chooses the mode again from the chain (commit-reveal on or
// off, its version, the calls the runtime has). Attempts are bounded by the
// configured count; mode=now makes exactly one (its reveal, for a hash
// commit, still retries inside the reveal window); the backoff doubles from
// the base delay and stops at ten times it. Each attempt's submission is
// bounded by the attempt deadline, after which the extrinsic is tracked, not
// abandoned.
//
// # Exactly once
//
// Nothing is sent without a durable record first: the claim (running) and,
// immediately before sending, the extrinsic's hash, nonce and mortal era in
// the job's history (extrinsic.BeforeSend), written by an Update that also
// checks the job is still current. An extrinsic whose fate is unknown — the
// watch ended, the deadline passed, or the process died after sending — is
// tracked (extrinsic.Submitter.Track: blocks are scanned for its hash until it
// is found or its era has ended) and never sent again while it could still be
// included. A job found running at start-up without an unresolved
// submission sent nothing and is simply pending again. So a job's weights
// land at most once per attempt, and a new attempt starts only once the
// previous extrinsic certainly did not land.
//
// # Supersession
//
// A newer request for the same identity, netuid and mechanism supersedes the
// older job atomically in the store. In this process, acceptance and sending
// are ordered by a per-key gate: Submit holds it while it persists the new job,
// and a runner holds it from the version-checked record of its extrinsic until
// the node has answered the submission. Hence: once the newer job is persisted
// (before its caller is answered), no older job of the key sends anything; an
// extrinsic the older job sent before that may still land (it is then
// followed to its end by the older job's runner, whose result is logged — the
// job itself stays superseded), and the newer job's runner waits for that
// runner to finish before its first attempt, so it sees the older extrinsic's
// effect on LastUpdate and waits for the rate limit instead of failing. Several
// processes sharing one database get the store's guarantee only: the version
// check before sending stops a superseded job, but an extrinsic recorded just
// before the superseding commit may be sent just after it.
//
// # Restart
//
// Run resumes the unfinished jobs newest first, one per key, and cancels those
// whose identity is gone or now has another netuid or hotkey. Pending jobs
// re-read the chain (and wait for the rate limit again), running ones track
// what they sent, committed ones continue with their reveal (salt and payload
// are in the store since before the commit was sent).
//
// # Metrics
//
// pylon_apply_weights_job_duration_seconds{mode,outcome},
// pylon_apply_weights_attempt_duration_seconds{mode,outcome},
// pylon_weights_jobs_total{mode,outcome} and
// pylon_weights_attempts_total{mode,outcome,error}. Salts, keys and weights
// never reach logs, metrics or the job history.
package jobs
