package weights

import (
	"errors"
	"fmt"
	"slices"
)

// Mode is how weights reach the chain.
type Mode string

// Submission modes.
const (
	// ModeSetWeights sets weights directly (commit-reveal disabled).
	ModeSetWeights Mode = "set_weights"
	// ModeTimelock commits drand-timelocked weights; the chain reveals them
	// itself (commit-reveal v3/v4, what Pylon and turbobt use).
	ModeTimelock Mode = "timelock"
	// ModeCommitRevealHash commits a blake2 hash and reveals the weights with a
	// second extrinsic in the reveal epoch (commit-reveal v2).
	ModeCommitRevealHash Mode = "commit_reveal_v2"
)

// Call names in the SubtensorModule pallet, as they appear in runtime metadata.
const (
	CallSetWeights                       = "set_weights"
	CallSetMechanismWeights              = "set_mechanism_weights"
	CallCommitTimelockedMechanismWeights = "commit_timelocked_mechanism_weights"
	CallCommitTimelockedWeights          = "commit_timelocked_weights"
	CallCommitCRV3MechanismWeights       = "commit_crv3_mechanism_weights"
	CallCommitCRV3Weights                = "commit_crv3_weights"
	CallCommitMechanismWeights           = "commit_mechanism_weights"
	CallRevealMechanismWeights           = "reveal_mechanism_weights"
	CallCommitWeights                    = "commit_weights"
	CallRevealWeights                    = "reveal_weights"
)

// ErrNoSuitableCall means the runtime offers no call that can submit weights in
// the mode the subnet requires (for example a mechanism other than 0 on a
// runtime without the *_mechanism_* calls).
var ErrNoSuitableCall = errors.New("runtime has no suitable weights call")

// ModeFacts are the chain facts that decide the submission mode, read at the
// block of the attempt.
type ModeFacts struct {
	// CommitRevealEnabled is the subnet's commit_reveal_weights_enabled.
	CommitRevealEnabled bool
	// Mechanism is the mechanism id the weights are for.
	Mechanism uint8
	// Calls lists the SubtensorModule call names in the runtime's metadata (or at
	// least those named above).
	Calls []string
	// CommitRevealVersion is storage CommitRevealWeightsVersion; it is passed
	// through to the timelocked commit calls, which require it to match.
	CommitRevealVersion uint16
}

// Submission is the chosen way to submit: enough for the runner to build the
// extrinsic(s) and for a dry run to report what would happen.
type Submission struct {
	Mode Mode `json:"mode"`
	// Call is the (first) extrinsic: set, or commit.
	Call string `json:"call"`
	// RevealCall is the second extrinsic of ModeCommitRevealHash.
	RevealCall string `json:"reveal_call,omitempty"`
	// TakesMechanism is whether the calls carry a mecid argument.
	TakesMechanism bool `json:"takes_mechanism"`
	// CommitRevealVersion is the version argument of the commit_timelocked_*
	// calls (0 for the others, which take none).
	CommitRevealVersion uint16 `json:"commit_reveal_version,omitempty"`
}

// ChooseMode picks the submission mode from what the runtime offers
// (PYLON-API.md §6.2). Commit-reveal disabled: set_mechanism_weights when the
// runtime has it (mechanism-aware runtimes), else set_weights. Enabled: a
// timelocked commit when the runtime has one — preferring
// commit_timelocked_mechanism_weights, then commit_timelocked_weights, then the
// older commit_crv3_* calls — else the hash commit with a manual reveal
// (commit_mechanism_weights/reveal_mechanism_weights, else
// commit_weights/reveal_weights). Calls without a mecid argument serve only
// mechanism 0.
func ChooseMode(f ModeFacts) (Submission, error) {
	has := func(name string) bool { return slices.Contains(f.Calls, name) }
	mech0 := f.Mechanism == 0
	if !f.CommitRevealEnabled {
		switch {
		case has(CallSetMechanismWeights):
			return Submission{Mode: ModeSetWeights, Call: CallSetMechanismWeights, TakesMechanism: true}, nil
		case mech0 && has(CallSetWeights):
			return Submission{Mode: ModeSetWeights, Call: CallSetWeights}, nil
		}
		return Submission{}, fmt.Errorf("%w: commit-reveal is disabled and there is no %s (nor %s for mechanism 0), mechanism %d",
			ErrNoSuitableCall, CallSetMechanismWeights, CallSetWeights, f.Mechanism)
	}
	switch {
	case has(CallCommitTimelockedMechanismWeights):
		return Submission{Mode: ModeTimelock, Call: CallCommitTimelockedMechanismWeights, TakesMechanism: true, CommitRevealVersion: f.CommitRevealVersion}, nil
	case mech0 && has(CallCommitTimelockedWeights):
		return Submission{Mode: ModeTimelock, Call: CallCommitTimelockedWeights, CommitRevealVersion: f.CommitRevealVersion}, nil
	case has(CallCommitCRV3MechanismWeights):
		return Submission{Mode: ModeTimelock, Call: CallCommitCRV3MechanismWeights, TakesMechanism: true}, nil
	case mech0 && has(CallCommitCRV3Weights):
		return Submission{Mode: ModeTimelock, Call: CallCommitCRV3Weights}, nil
	case has(CallCommitMechanismWeights) && has(CallRevealMechanismWeights):
		return Submission{Mode: ModeCommitRevealHash, Call: CallCommitMechanismWeights, RevealCall: CallRevealMechanismWeights, TakesMechanism: true}, nil
	case mech0 && has(CallCommitWeights) && has(CallRevealWeights):
		return Submission{Mode: ModeCommitRevealHash, Call: CallCommitWeights, RevealCall: CallRevealWeights}, nil
	}
	return Submission{}, fmt.Errorf("%w: commit-reveal is enabled but there is no timelocked or hash commit call for mechanism %d",
		ErrNoSuitableCall, f.Mechanism)
}
