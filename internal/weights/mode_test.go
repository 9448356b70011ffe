package weights

import (
	"errors"
	"testing"
)

func TestChooseMode(t *testing.T) {
	modern := []string{CallSetWeights, CallSetMechanismWeights, CallCommitWeights, CallRevealWeights,
		CallCommitMechanismWeights, CallRevealMechanismWeights, CallCommitTimelockedWeights,
		CallCommitTimelockedMechanismWeights, CallCommitCRV3MechanismWeights}
	legacyCRV3 := []string{CallSetWeights, CallCommitWeights, CallRevealWeights, CallCommitCRV3Weights}
	old := []string{CallSetWeights, CallCommitWeights, CallRevealWeights}
	for name, tc := range map[string]struct {
		f    ModeFacts
		want Submission
		err  error
	}{
		"disabled, mechanism-aware runtime": {
			f:    ModeFacts{Calls: modern},
			want: Submission{Mode: ModeSetWeights, Call: CallSetMechanismWeights, TakesMechanism: true},
		},
		"disabled, old runtime": {
			f:    ModeFacts{Calls: old},
			want: Submission{Mode: ModeSetWeights, Call: CallSetWeights},
		},
		"disabled, old runtime, mechanism 1": {f: ModeFacts{Calls: old, Mechanism: 1}, err: ErrNoSuitableCall},
		"enabled, modern runtime: timelocked mechanism commit with the storage version": {
			f:    ModeFacts{CommitRevealEnabled: true, Calls: modern, CommitRevealVersion: 4, Mechanism: 2},
			want: Submission{Mode: ModeTimelock, Call: CallCommitTimelockedMechanismWeights, TakesMechanism: true, CommitRevealVersion: 4},
		},
		"enabled, timelocked without mechanisms": {
			f:    ModeFacts{CommitRevealEnabled: true, Calls: []string{CallSetWeights, CallCommitTimelockedWeights, CallCommitWeights, CallRevealWeights}, CommitRevealVersion: 4},
			want: Submission{Mode: ModeTimelock, Call: CallCommitTimelockedWeights, CommitRevealVersion: 4},
		},
		"enabled, crv3 runtime": {
			f:    ModeFacts{CommitRevealEnabled: true, Calls: legacyCRV3, CommitRevealVersion: 3},
			want: Submission{Mode: ModeTimelock, Call: CallCommitCRV3Weights},
		},
		"enabled, hash-only runtime": {
			f:    ModeFacts{CommitRevealEnabled: true, Calls: old},
			want: Submission{Mode: ModeCommitRevealHash, Call: CallCommitWeights, RevealCall: CallRevealWeights},
		},
		"enabled, hash with mechanisms": {
			f:    ModeFacts{CommitRevealEnabled: true, Mechanism: 1, Calls: []string{CallCommitMechanismWeights, CallRevealMechanismWeights, CallCommitWeights, CallRevealWeights}},
			want: Submission{Mode: ModeCommitRevealHash, Call: CallCommitMechanismWeights, RevealCall: CallRevealMechanismWeights, TakesMechanism: true},
		},
		"enabled, commit without reveal":         {f: ModeFacts{CommitRevealEnabled: true, Calls: []string{CallCommitWeights}}, err: ErrNoSuitableCall},
		"enabled, mechanism 1 on a crv3 runtime": {f: ModeFacts{CommitRevealEnabled: true, Mechanism: 1, Calls: legacyCRV3}, err: ErrNoSuitableCall},
		"nothing":                                {f: ModeFacts{}, err: ErrNoSuitableCall},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := ChooseMode(tc.f)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("err = %v, want %v", err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("ChooseMode = %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}
