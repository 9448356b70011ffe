package jobs

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/pylon-go/pylon/internal/chain/extrinsic"
	"github.com/pylon-go/pylon/internal/service"
	"github.com/pylon-go/pylon/internal/store"
	"github.com/pylon-go/pylon/internal/subtensor"
	"github.com/pylon-go/pylon/internal/timelock"
	"github.com/pylon-go/pylon/internal/weights"
)

// persistTimeout bounds the store writes that record what the chain did:
// they run detached from cancellation (a shutdown must not lose the news that
// an extrinsic landed), but not forever.
const persistTimeout = 15 * time.Second

// runner is the goroutine running one job.
type runner struct {
	jobID  string
	cancel context.CancelFunc
	done   chan struct{}
}

// Run resumes the unfinished jobs found in the store, runs every job accepted
// meanwhile, and returns when ctx is cancelled and every runner has stopped.
// A runner stopped mid-attempt leaves its job as the store has it; the next
// Run resumes it (see the package documentation). It returns an error only
// if it is called while already running.
func (s *Service) Run(ctx context.Context) error {
	s.mu.Lock()
	if s.runCtx != nil {
		s.mu.Unlock()
		return errors.New("jobs: Run is already running")
	}
	s.runCtx = ctx
	s.mu.Unlock()

	// Jobs need the chain: wait for it (a node unreachable at start-up).
	select {
	case <-s.attached:
		s.resume(ctx)
	case <-ctx.Done():
	}
	<-ctx.Done()

	s.mu.Lock()
	s.runCtx = nil
	for _, r := range s.runners {
		r.cancel()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return nil
}

// resume restarts the unfinished jobs, newest first (one per identity and
// mechanism: the store keeps no more). A job whose identity is gone, or now
// has another netuid or hotkey, is cancelled: its weights were meant for a
// neuron this service no longer signs for.
func (s *Service) resume(ctx context.Context) {
	var (
		unfinished []store.Job
		err        error
	)
	for attempt := 1; ; attempt++ {
		if unfinished, err = s.st.Unfinished(ctx); err == nil {
			break
		}
		s.log.Error("weights jobs: listing unfinished jobs", slog.Any("error", err))
		if !sleep(ctx, s.backoff(attempt)) {
			return
		}
	}
	for i := range unfinished {
		j := unfinished[i]
		id, ok := s.ids[j.Identity]
		var reason string
		switch {
		case !ok:
			reason = fmt.Sprintf("identity %s is no longer configured to set weights", j.Identity)
		case id.Netuid != j.Netuid:
			reason = fmt.Sprintf("identity %s now serves subnet %d; the job was for subnet %d", j.Identity, id.Netuid, j.Netuid)
		case id.Hotkey.SS58() != j.Hotkey:
			reason = fmt.Sprintf("identity %s now signs with hotkey %s; the job was for %s", j.Identity, id.Hotkey.SS58(), j.Hotkey)
		}
		if reason != "" {
			if _, err := s.finish(ctx, j, store.StatusCancelled, eventCancelled, reason, ""); err != nil {
				s.log.Error("weights jobs: cancelling a job", slog.String("job", j.ID), slog.Any("error", err))
			}
			continue
		}
		s.log.Info("weights job resumed", slog.String("job", j.ID), slog.String("identity", j.Identity),
			slog.Int("mechanism", int(j.Mechanism)), slog.String("status", string(j.Status)))
		s.start(j)
	}
}

// start runs job j in its own goroutine, replacing the runner of an older
// job of the same key. It does nothing when Run is not running (Run resumes
// the job from the store) or when the job already runs.
func (s *Service) start(j store.Job) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.runCtx == nil || j.Status.Final() {
		return
	}
	k := keyOf(j)
	prev := s.runners[k]
	if prev != nil && prev.jobID == j.ID {
		return
	}
	if prev != nil {
		prev.cancel()
	}
	svc := s.runCtx
	ctx, cancel := context.WithCancel(svc)
	r := &runner{jobID: j.ID, cancel: cancel, done: make(chan struct{})}
	s.runners[k] = r
	s.wg.Go(func() {
		defer close(r.done)
		defer cancel()
		if prev != nil {
			// The superseded job's runner may be following an extrinsic it
			// sent before this job existed. This job's first attempt waits
			// for it, so that it reads that extrinsic's effect (LastUpdate)
			// instead of racing it into SettingWeightsTooFast.
			<-prev.done
		}
		jr := &jobRun{s: s, svc: svc, id: s.ids[j.Identity],
			log: s.log.With(slog.String("job", j.ID), slog.String("identity", j.Identity), slog.Int("mechanism", int(j.Mechanism)))}
		jr.run(ctx, j)
		s.mu.Lock()
		if s.runners[k] == r {
			delete(s.runners, k)
		}
		s.mu.Unlock()
	})
}

// jobRun is the state of one job's runner.
type jobRun struct {
	s   *Service
	svc context.Context // the service's lifetime: bounds submissions, which supersession must not cut short
	id  Identity
	log *slog.Logger
	// waitingFor is the block the last waiting event named, so a wait is
	// recorded once, not once per block.
	waitingFor uint64
}

// run drives the job through its states until it is final or ctx ends.
// Every step takes the job as the store last returned it and returns the
// job as its last Update returned it, so a concurrent change (supersession)
// shows up as store.ErrConflict at the next write.
func (r *jobRun) run(ctx context.Context, j store.Job) {
	failures := 0
	for !j.Status.Final() && ctx.Err() == nil {
		var (
			next store.Job
			err  error
		)
		switch j.Status {
		case store.StatusPending:
			next, err = r.pending(ctx, j)
		case store.StatusRunning:
			next, err = r.running(ctx, j)
		case store.StatusCommitted:
			next, err = r.committed(ctx, j)
		default:
			return
		}
		switch {
		case err == nil:
			j, failures = next, 0
		case errors.Is(err, store.ErrConflict), errors.Is(err, store.ErrInvalidTransition):
			// Someone else changed the job: a newer request superseded it.
			fresh, gerr := r.s.st.Get(ctx, j.ID)
			if gerr != nil {
				r.log.Warn("weights job: re-reading after a conflict", slog.Any("error", gerr))
				if !sleep(ctx, r.s.backoff(failures+1)) {
					return
				}
				failures++
				continue
			}
			if fresh.Status.Final() {
				r.log.Info("weights job stopped", slog.String("status", string(fresh.Status)))
			}
			j = fresh
		case ctx.Err() != nil:
			return
		default:
			// The store or the chain failed outside an attempt; the job on
			// disk is as before. Back off and take it up again from there.
			failures++
			r.log.Error("weights job: step failed", slog.Any("error", err), slog.Int("failures", failures))
			if !sleep(ctx, r.s.backoff(failures)) {
				return
			}
			if fresh, gerr := r.s.st.Get(ctx, j.ID); gerr == nil {
				j = fresh
			}
		}
	}
}

// pending waits until the job is due, reads the chain, and makes an attempt
// — or waits for the weights rate limit, or ends the job when its epoch is
// over or the weights became invalid.
func (r *jobRun) pending(ctx context.Context, j store.Job) (store.Job, error) {
	if !sleep(ctx, time.Until(j.NextAttemptAt)) {
		return j, ctx.Err()
	}
	s := r.s
	if s.chain.Load() == nil {
		return j, service.ErrNoChain
	}
	head := s.chain.Load().Head()
	auto := j.Options.Mode != store.ModeNow
	if auto && j.Target != nil && head.Number > j.Target.End {
		return s.finish(ctx, j, store.StatusExpired, eventExpired,
			fmt.Sprintf("the chain passed the end of the job's epoch (block %d > %d) before the weights landed", head.Number, j.Target.End), "")
	}
	start := time.Now()
	mode := modeOf(j)
	f, err := s.readFacts(ctx, r.id, j.Mechanism, head)
	if err != nil {
		return r.retry(ctx, j, stepOf(j), nil, err, attemptError, "", start)
	}
	plan, sub, err := f.prepare(j.Weights, s.opts.MinVersionKey)
	if err != nil {
		var se *service.Error
		if errors.As(err, &se) && se.Kind == service.KindBadRequest {
			s.m.attempted(mode, attemptError, "", time.Since(start))
			return s.finish(ctx, j, store.StatusFailed, eventFailed, "the weights cannot be set at block "+fmt.Sprint(head.Number)+": "+se.Detail, "")
		}
		return r.retry(ctx, j, stepOf(j), nil, err, attemptError, "", start)
	}
	mode = string(sub.Mode)

	// Wait for the rate limit rather than collect SettingWeightsTooFast.
	next, last := f.nextAllowed(plan.SignerUID)
	if next > head.Number+1 {
		why := fmt.Sprintf("the weights rate limit (%d blocks since the last update at block %d) allows weights again from block %d",
			f.hyper.WeightsRateLimit, last, next)
		switch {
		case !auto:
			s.m.attempted(mode, attemptWaiting, "", time.Since(start))
			return s.finish(ctx, j, store.StatusFailed, eventFailed, "mode=now: "+why+"; the best block is "+fmt.Sprint(head.Number), "")
		case j.Target != nil && next-1 > j.Target.End:
			return s.finish(ctx, j, store.StatusExpired, eventExpired, why+", after the job's epoch ends at block "+fmt.Sprint(j.Target.End), "")
		}
		if r.waitingFor != next {
			j, err = s.st.Update(ctx, j, event(eventWaiting, waitingDetail{Reason: "rate_limit", UntilBlock: next, LastUpdate: last,
				RateLimit: f.hyper.WeightsRateLimit, Block: head.Number}))
			if err != nil {
				return j, err
			}
			r.waitingFor = next
			r.log.Info("weights job waits for the rate limit", slog.Uint64("until_block", next), slog.Uint64("block", head.Number))
		}
		// An extrinsic submitted on top of block next−1 lands in block next.
		if _, err := s.chain.Load().Chain().WaitForBlock(ctx, next-1); err != nil {
			return j, err
		}
		return j, nil
	}
	r.waitingFor = 0

	// Claim the attempt and, for a commit, persist what its reveal needs
	// before anything is sent.
	step := stepSet
	call := subtensor.WeightsCall{Name: sub.Call, Netuid: j.Netuid, Mechanism: j.Mechanism}
	j.Status = store.StatusRunning
	j.Attempts++
	j.Submission = &store.Submission{Mode: string(sub.Mode), Call: sub.Call, RevealCall: sub.RevealCall, CommitRevealVersion: sub.CommitRevealVersion}
	switch sub.Mode {
	case weights.ModeSetWeights:
		call.UIDs, call.Values, call.VersionKey = plan.UIDs, plan.Values, plan.VersionKey
	case weights.ModeCommitRevealHash:
		step = stepCommit
		salt, err := weights.NewSalt(nil)
		if err != nil {
			return r.retry(ctx, j, step, nil, err, attemptError, "", start)
		}
		c := weights.Commit{Hotkey: r.id.Hotkey.PublicKey(), NetuidIndex: f.netuidIndex, UIDs: plan.UIDs, Values: plan.Values,
			Salt: salt, VersionKey: plan.VersionKey}
		call.CommitHash = c.Hash()
		j.Commit = &store.CommitState{Salt: salt, UIDs: plan.UIDs, Values: plan.Values, VersionKey: plan.VersionKey,
			NetuidIndex: f.netuidIndex, Hash: "0x" + hex.EncodeToString(call.CommitHash[:])}
	case weights.ModeTimelock:
		step = stepCommit
		aim := revealAim{Head: head.Number, HeadTime: f.blockTime, NetuidIndex: f.netuidIndex, Tempo: f.hyper.Tempo,
			RevealPeriod: f.hyper.CommitRevealPeriod, BlockTime: s.opts.BlockTime}
		if f.epochs != nil {
			aim.Tempo = f.epochs.Tempo
			if f.epochs.NextEpochStart != nil {
				aim.NextEpochStart = f.epochs.NextEpochStart
			} else if n, err := timelock.NextEpochStart(f.epochs.LastEpochBlock, f.epochs.PendingEpochAt, uint64(f.epochs.Tempo)); err == nil {
				aim.NextEpochStart = &n
			}
		}
		round, _, err := revealRound(aim)
		if err == nil {
			call.Commit, err = sealWeights(r.id.Hotkey.PublicKey(), plan, round, nil)
		}
		if err != nil {
			return r.retry(ctx, j, step, nil, err, attemptError, "", start)
		}
		call.RevealRound, call.CommitRevealVersion = round, sub.CommitRevealVersion
		j.Commit = &store.CommitState{UIDs: plan.UIDs, Values: plan.Values, VersionKey: plan.VersionKey,
			NetuidIndex: f.netuidIndex, RevealRound: round}
	}
	j, err = s.st.Update(ctx, j, event(store.EventAttempt, attemptDetail{Attempt: j.Attempts, Step: step, Mode: mode,
		Call: sub.Call, Block: head.Number, UIDs: len(plan.UIDs)}))
	if err != nil {
		return j, err
	}
	return r.submit(ctx, j, step, call, start)
}

// running resumes a job found in the middle of an attempt (after a restart):
// if the attempt sent an extrinsic, it is tracked until its fate is known —
// never sent again; if it sent nothing, the job is simply pending again.
func (r *jobRun) running(ctx context.Context, j store.Job) (store.Job, error) {
	hist, err := r.s.st.History(ctx, j.ID)
	if err != nil {
		return j, err
	}
	p, step, ok := unresolved(hist, r.id.Hotkey.PublicKey())
	if !ok {
		j.Status, j.NextAttemptAt = store.StatusPending, time.Time{}
		return r.s.st.Update(ctx, j, event(eventResumed, reasonDetail{Reason: "the interrupted attempt sent no extrinsic; trying again"}))
	}
	return r.resumeTracking(ctx, j, step, p)
}

// resumeTracking takes up an extrinsic a previous run sent and did not see
// the end of, saying so in the history.
func (r *jobRun) resumeTracking(ctx context.Context, j store.Job, step string, p extrinsic.Pending) (store.Job, error) {
	j, err := r.s.st.Update(ctx, j, event(eventTracking, submittedDetail{Step: step, Call: p.Call, Hash: p.Hash.String(),
		Nonce: p.Nonce, Birth: p.Birth, EraEnd: p.EraEnd}))
	if err != nil {
		return j, err
	}
	return r.track(ctx, j, step, p)
}

// committed follows a job whose commit is on chain: the hash commit's reveal
// (submitted here, in the reveal window), or the chain's own reveal of a
// timelocked commit.
func (r *jobRun) committed(ctx context.Context, j store.Job) (store.Job, error) {
	if !sleep(ctx, time.Until(j.NextAttemptAt)) {
		return j, ctx.Err()
	}
	s := r.s
	if s.chain.Load() == nil {
		return j, service.ErrNoChain
	}
	c := j.Commit
	if c == nil || j.Submission == nil {
		return s.finish(ctx, j, store.StatusFailed, eventFailed, "committed without its commit state", "")
	}
	if j.Submission.Mode == string(weights.ModeTimelock) {
		return r.awaitTimelockReveal(ctx, j)
	}
	hist, err := s.st.History(ctx, j.ID)
	if err != nil {
		return j, err
	}
	if p, step, ok := unresolved(hist, r.id.Hotkey.PublicKey()); ok {
		return r.resumeTracking(ctx, j, step, p)
	}
	head := s.chain.Load().Head()
	switch {
	case head.Number >= c.RevealLast: // a reveal sent now lands in head+1 at the earliest
		return s.finish(ctx, j, store.StatusExpired, eventExpired,
			fmt.Sprintf("the reveal window of the commit in block %d (blocks %d–%d) passed without a reveal", c.Block, c.RevealFirst, c.RevealLast), "")
	case head.Number+1 < c.RevealFirst:
		if _, err := s.chain.Load().Chain().WaitForBlock(ctx, c.RevealFirst-1); err != nil {
			return j, err
		}
		return j, nil
	}
	start := time.Now()
	f, err := s.readFacts(ctx, r.id, j.Mechanism, head)
	if err != nil {
		return r.retry(ctx, j, stepReveal, nil, err, attemptError, "", start)
	}
	uid, _, ok := f.signer()
	if !ok {
		return s.finish(ctx, j, store.StatusFailed, eventFailed,
			fmt.Sprintf("hotkey %s is no longer registered in subnet %d; its commit cannot be revealed", r.id.Hotkey.SS58(), j.Netuid), "")
	}
	if next, last := f.nextAllowed(uid); next > head.Number+1 {
		if next > c.RevealLast {
			return s.finish(ctx, j, store.StatusExpired, eventExpired, fmt.Sprintf(
				"the weights rate limit (last update at block %d) allows the reveal only from block %d, after the reveal window ends at block %d",
				last, next, c.RevealLast), "")
		}
		if _, err := s.chain.Load().Chain().WaitForBlock(ctx, next-1); err != nil {
			return j, err
		}
		return j, nil
	}
	j.Attempts++
	j, err = s.st.Update(ctx, j, event(store.EventAttempt, attemptDetail{Attempt: j.Attempts, Step: stepReveal, Mode: j.Submission.Mode,
		Call: j.Submission.RevealCall, Block: head.Number, UIDs: len(c.UIDs)}))
	if err != nil {
		return j, err
	}
	call := subtensor.WeightsCall{Name: j.Submission.RevealCall, Netuid: j.Netuid, Mechanism: j.Mechanism,
		UIDs: c.UIDs, Values: c.Values, Salt: c.Salt, VersionKey: c.VersionKey}
	return r.submit(ctx, j, stepReveal, call, start)
}

// awaitTimelockReveal watches for the chain's reveal of a timelocked commit:
// the reveal sets LastUpdate inside the reveal epoch. A commit the chain
// could not decrypt or rejected at reveal leaves no trace but that absence
// (CRYPTO.md §6.8), so a window that passes without it fails the job.
func (r *jobRun) awaitTimelockReveal(ctx context.Context, j store.Job) (store.Job, error) {
	s, c := r.s, j.Commit
	head := s.chain.Load().Head()
	if head.Number < c.RevealFirst {
		_, err := s.chain.Load().Chain().WaitForBlock(ctx, c.RevealFirst)
		return j, err
	}
	uid, ok, err := s.chain.Load().UID(ctx, head, j.Netuid, r.id.Hotkey.AccountID())
	if err != nil {
		return j, err
	}
	var last uint64
	if ok {
		lu, err := s.chain.Load().LastUpdate(ctx, head, c.NetuidIndex)
		if err != nil {
			return j, err
		}
		if int(uid) < len(lu) {
			last = lu[uid]
		}
	}
	switch {
	case last >= c.RevealFirst:
		return s.finish(ctx, j, store.StatusLanded, eventRevealed, fmt.Sprintf("revealed by the chain in block %d", last), "", last)
	case head.Number > c.RevealLast:
		return s.finish(ctx, j, store.StatusFailed, eventFailed, fmt.Sprintf(
			"the chain did not reveal the timelocked commit of block %d by block %d (drand round %d): it drops commits it cannot decrypt or whose weights it rejects without an error",
			c.Block, c.RevealLast, c.RevealRound), "")
	}
	_, err = s.chain.Load().Chain().WaitForBlock(ctx, head.Number+1)
	return j, err
}

// submit sends the attempt's extrinsic and settles the job with the outcome.
// The extrinsic is recorded in the job's history (hash, nonce, era) in the
// same store write that checks the job is still current, immediately before
// it is sent, under the key's gate; so a superseded job sends nothing, and a
// restart finds what was sent.
func (r *jobRun) submit(ctx context.Context, j store.Job, step string, wc subtensor.WeightsCall, start time.Time) (store.Job, error) {
	s := r.s
	call, err := wc.Call()
	if err != nil {
		return r.retry(ctx, j, step, nil, err, attemptError, "", start)
	}
	// Bounded by the attempt deadline and the service's life, not by the
	// job's runner: once sent, an extrinsic is followed to its end.
	actx, cancel := context.WithTimeout(r.svc, s.opts.AttemptTimeout)
	defer cancel()
	g := s.gate(keyOf(j))
	cur := j
	res, err := s.chain.Load().Submit(actx, r.id.Hotkey, call, extrinsic.BeforeSend(func(ctx context.Context, p extrinsic.Pending) (func(), error) {
		g.Lock()
		if cerr := ctx.Err(); cerr != nil {
			g.Unlock()
			return nil, cerr
		}
		updated, uerr := s.st.Update(ctx, cur, event(store.EventSubmitted, submittedDetail{Step: step, Call: p.Call, Hash: p.Hash.String(),
			Nonce: p.Nonce, Birth: p.Birth, EraEnd: p.EraEnd}))
		if uerr != nil {
			g.Unlock()
			return nil, uerr
		}
		cur = updated
		return g.Unlock, nil
	}))
	j = cur
	if errors.Is(err, extrinsic.ErrNotSent) {
		s.m.attempted(modeOf(j), attemptNotSent, "", time.Since(start))
		return j, err // a store conflict: superseded
	}
	if inDoubt(res, err) {
		r.log.Warn("weights job: the extrinsic's fate is unknown; tracking it until its era ends",
			slog.String("hash", res.Hash.String()), slog.Uint64("era_end", res.EraEnd), slog.Any("error", err))
		return r.track(ctx, j, step, pendingOf(res))
	}
	return r.settle(ctx, j, step, res, err, start)
}

// track follows an extrinsic whose fate is unknown (sent before a restart, or
// whose watch ended without a verdict) until it is found in a block or its era
// is over, and settles the job accordingly.
func (r *jobRun) track(ctx context.Context, j store.Job, step string, p extrinsic.Pending) (store.Job, error) {
	start := time.Now()
	r.log.Info("weights job: tracking an extrinsic sent earlier", slog.String("hash", p.Hash.String()), slog.String("step", step),
		slog.Uint64("era_end", p.EraEnd))
	for failures := 1; ; failures++ {
		res, err := r.s.chain.Load().Track(r.svc, p)
		if r.svc.Err() != nil {
			return j, r.svc.Err() // shutting down: the next start tracks it again
		}
		// Track ends with a block (success or dispatch error) or with the era
		// over; anything else leaves the extrinsic's fate open.
		if res.Included() || errors.Is(err, extrinsic.ErrEraExpired) {
			return r.settle(ctx, j, step, res, err, start)
		}
		// A read failed before the era ended: the extrinsic may still land,
		// so sending anything now could land the weights twice. Look again.
		r.log.Warn("weights job: tracking failed; trying again", slog.String("hash", p.Hash.String()), slog.Any("error", err))
		if !sleep(r.svc, r.s.backoff(failures)) {
			return j, r.svc.Err()
		}
	}
}

// inDoubt reports whether a submission may or may not be in a block: it
// reached the node, and neither a block nor a definite "never" came back.
func inDoubt(res *extrinsic.Result, err error) bool {
	if err == nil || res == nil || res.Submitted.IsZero() || res.Included() {
		return false
	}
	switch extrinsic.OutcomeOf(err) {
	case extrinsic.OutcomeInvalid, extrinsic.OutcomeUsurped, extrinsic.OutcomeEraExpired, extrinsic.OutcomePoolRejected:
		return false
	}
	// Dropped (a peer may still include it), future, a lost watch or a
	// deadline after sending.
	return true
}

func pendingOf(res *extrinsic.Result) extrinsic.Pending {
	return extrinsic.Pending{Call: res.Call, Hash: res.Hash, Signer: res.Signer, Nonce: res.Nonce, Birth: res.Birth, EraEnd: res.EraEnd}
}

// permanentErrors are dispatch errors that say the weights themselves are
// wrong for the chain: trying again cannot help. (Prepare checks for all of
// them first; the chain may have changed in between.)
var permanentErrors = map[string]bool{
	"WeightVecNotEqualSize": true, "DuplicateUids": true, "UidVecContainInvalidOne": true,
	"UidsLengthExceedUidsInSubNet": true, "WeightVecLengthIsLow": true, "MaxWeightExceeded": true,
	"IncorrectWeightVersionKey": true, "CanNotSetRootNetworkWeights": true,
	"InvalidRevealCommitHashNotMatch": true, "NoWeightsCommitFound": true,
}

// settle records an attempt's outcome: landed, committed (then the reveal),
// or a retry — or the end of the job when retrying cannot help.
func (r *jobRun) settle(ctx context.Context, j store.Job, step string, res *extrinsic.Result, err error, start time.Time) (store.Job, error) {
	s := r.s
	mode := modeOf(j)
	var de *extrinsic.DispatchError
	included := res != nil && res.Included() && (err == nil || errors.Is(err, extrinsic.ErrFinalityTimeout))
	switch {
	case included:
		inc := includedDetail{Step: step, Call: res.Call, Hash: res.Hash.String(), Block: res.BlockNumber, BlockHash: res.BlockHash.String(), Index: res.Index}
		result := &store.Result{Block: res.BlockNumber, BlockHash: res.BlockHash.String(), ExtrinsicHash: res.Hash.String(), ExtrinsicIndex: res.Index}
		r.log.Info("weights job: extrinsic included", slog.String("step", step), slog.Uint64("block", res.BlockNumber), slog.String("hash", res.Hash.String()))
		if step == stepCommit {
			return r.committedAt(ctx, j, res, inc, result, start)
		}
		s.m.attempted(mode, attemptLanded, "", time.Since(start))
		j.Result = result
		return s.finishWith(ctx, j, store.StatusLanded, event(store.EventIncluded, inc))
	case errors.As(err, &de):
		name, module := de.Name(), ""
		if me := de.Module(); me != nil {
			module = me.Name
		}
		s.m.attempted(mode, attemptDispatch, name, time.Since(start))
		msg := fmt.Sprintf("%s rejected the %s extrinsic in block %d: %s", "the chain", step, de.BlockNumber, name)
		switch {
		case step == stepReveal && module == "RevealTooEarly":
			// The window computed from the commit's block was a block off;
			// try again at the next block, without backoff.
			return r.retryAt(ctx, j, step, res, msg, module, time.Now())
		case step == stepReveal && module == "ExpiredWeightCommit":
			return s.finish(ctx, j, store.StatusExpired, eventExpired, msg, module)
		case permanentErrors[module]:
			return s.finish(ctx, j, store.StatusFailed, eventFailed, msg, module)
		}
		return r.retry(ctx, j, step, res, err, "", module, start)
	}
	outcome := attemptError
	var pe *extrinsic.PoolError
	switch {
	case errors.As(err, &pe):
		outcome = attemptPoolRejected
	case errors.Is(err, extrinsic.ErrEraExpired), errors.Is(err, extrinsic.ErrInvalid), errors.Is(err, extrinsic.ErrUsurped),
		errors.Is(err, extrinsic.ErrDropped), errors.Is(err, extrinsic.ErrFutureTimeout):
		outcome = attemptNotIncluded
	}
	return r.retry(ctx, j, step, res, err, outcome, "", start)
}

// committedAt records a commit in block res: the job becomes committed, with
// the window in which its reveal is accepted (for a hash commit, the runner
// reveals in it; a timelocked one the chain reveals).
func (r *jobRun) committedAt(ctx context.Context, j store.Job, res *extrinsic.Result, inc includedDetail, result *store.Result, start time.Time) (store.Job, error) {
	s := r.s
	at := subtensor.Block{Number: res.BlockNumber, Hash: res.BlockHash}
	sched, period, err := r.revealSchedule(ctx, j, at)
	var window weights.BlockRange
	if err == nil {
		window, err = weights.RevealWindow(sched, res.BlockNumber, period)
	}
	pctx, cancel := persistCtx(ctx)
	defer cancel()
	if err != nil {
		// The commit is on chain; only its window is unknown. Record the
		// commit now and fail the job with the reason: a reveal at a guessed
		// block could only be rejected.
		j.Commit.Block = res.BlockNumber
		j.Result = result
		j2, uerr := s.st.Update(pctx, j, event(store.EventIncluded, inc))
		if uerr != nil {
			return j, uerr
		}
		return s.finish(ctx, j2, store.StatusFailed, eventFailed, fmt.Sprintf("the commit landed in block %d, but its reveal window cannot be computed: %v", res.BlockNumber, err), "")
	}
	j.Commit.Block, j.Commit.RevealFirst, j.Commit.RevealLast = res.BlockNumber, window.First, window.Last
	j.Status = store.StatusCommitted
	j.NextAttemptAt = time.Time{}
	if j.Submission.Mode == string(weights.ModeTimelock) {
		// The timelocked commit is the extrinsic that puts the weights on
		// chain; the chain reveals them itself.
		j.Result = result
	}
	s.m.attempted(modeOf(j), attemptCommitted, "", time.Since(start))
	return s.st.Update(pctx, j, event(store.EventIncluded, inc))
}

// revealSchedule reads the epoch schedule and reveal period at the commit's
// block: the chain attributes the commit to the epoch of that block.
func (r *jobRun) revealSchedule(ctx context.Context, j store.Job, at subtensor.Block) (weights.Schedule, uint64, error) {
	h, err := r.s.chain.Load().Hyperparameters(ctx, at, j.Netuid)
	if err != nil {
		return nil, 0, err
	}
	st, err := r.s.chain.Load().EpochState(ctx, at, j.Netuid)
	if err != nil {
		return nil, 0, err
	}
	sched, err := scheduleFrom(j.Netuid, at.Number, h.Tempo, st)
	return sched, h.CommitRevealPeriod, err
}

// retry ends an attempt that did not put anything on chain: the job is
// pending again after the backoff (a reveal stays committed), unless it was
// its one attempt (mode now) or its last.
func (r *jobRun) retry(ctx context.Context, j store.Job, step string, res *extrinsic.Result, cause error, outcome, module string, start time.Time) (store.Job, error) {
	s := r.s
	if outcome != "" {
		name := module
		var pe *extrinsic.PoolError
		if errors.As(cause, &pe) {
			name = pe.CustomName
		}
		s.m.attempted(modeOf(j), outcome, name, time.Since(start))
	}
	msg := "attempt failed"
	if cause != nil {
		msg = errorText(cause)
	}
	if j.Status == store.StatusPending {
		// A failure before the claim (reading the chain) still counts as an
		// attempt: Pylon retries block-read failures as attempts too.
		j.Attempts++
	}
	switch {
	case j.Options.Mode == store.ModeNow && step != stepReveal:
		return s.finish(ctx, j, store.StatusFailed, eventFailed, "mode=now made its one attempt: "+msg, module)
	case j.Attempts >= s.opts.RetryAttempts:
		return s.finish(ctx, j, store.StatusFailed, eventFailed, fmt.Sprintf("gave up after %d attempts: %s", j.Attempts, msg), module)
	}
	return r.retryAt(ctx, j, step, res, msg, module, time.Now().Add(s.backoff(j.Attempts)))
}

func (r *jobRun) retryAt(ctx context.Context, j store.Job, step string, res *extrinsic.Result, msg, module string, at time.Time) (store.Job, error) {
	at = at.UTC()
	d := errorDetail{Step: step, Outcome: "retry", Message: msg, Module: module, RetryAt: &at}
	if res != nil {
		d.Hash = res.Hash.String()
	}
	if j.Status == store.StatusRunning {
		j.Status = store.StatusPending
	}
	j.NextAttemptAt = at
	j.LastError = &store.JobError{Message: msg, Module: module}
	r.log.Warn("weights job: attempt failed", slog.String("step", step), slog.Int("attempt", j.Attempts), slog.String("error", msg),
		slog.Time("retry_at", at))
	pctx, cancel := persistCtx(ctx)
	defer cancel()
	return r.s.st.Update(pctx, j, event(store.EventError, d))
}

// finish moves the job to a final status with the reason in its history.
func (s *Service) finish(ctx context.Context, j store.Job, status store.Status, kind, reason, module string, block ...uint64) (store.Job, error) {
	d := reasonDetail{Reason: reason, Module: module}
	if len(block) > 0 {
		d.Block = block[0]
	}
	if status == store.StatusFailed {
		j.LastError = &store.JobError{Message: reason, Module: module}
	}
	return s.finishWith(ctx, j, status, event(kind, d))
}

func (s *Service) finishWith(ctx context.Context, j store.Job, status store.Status, e store.Event) (store.Job, error) {
	j.Status, j.NextAttemptAt = status, time.Time{}
	pctx, cancel := persistCtx(ctx)
	defer cancel()
	out, err := s.st.Update(pctx, j, e)
	if err != nil {
		return j, err
	}
	s.m.finished(modeOf(out), status, out.FinishedAt.Sub(out.CreatedAt))
	s.log.Info("weights job finished", slog.String("job", out.ID), slog.String("status", string(status)), slog.Int("attempts", out.Attempts),
		slog.String("event", e.Kind), slog.String("detail", string(e.Detail)))
	return out, nil
}

// backoff is the delay before attempt n+1: the base doubled per attempt,
// capped at ten times the base (PYLON-API.md §6.1).
func (s *Service) backoff(n int) time.Duration {
	base := s.opts.RetryDelay
	d := base
	for i := 1; i < n && d < 10*base; i++ {
		d *= 2
	}
	return min(d, 10*base)
}

func modeOf(j store.Job) string {
	if j.Submission == nil || j.Submission.Mode == "" {
		return modeUnknown
	}
	return j.Submission.Mode
}

func stepOf(j store.Job) string {
	if j.Submission != nil && j.Submission.Mode != string(weights.ModeSetWeights) && j.Submission.Mode != "" {
		return stepCommit
	}
	return stepSet
}

// errorText is an error's message for the job's history: one line, bounded.
func errorText(err error) string {
	msg := strings.ReplaceAll(err.Error(), "\n", " ")
	if len(msg) > 500 {
		msg = msg[:500] + "…"
	}
	return msg
}

// persistCtx detaches a store write that records what the chain did from
// the runner's cancellation, with a bound of its own.
func persistCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), persistTimeout)
}

// sleep waits for d or ctx, reporting false when ctx ended first.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
