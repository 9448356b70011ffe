package timelock_test

import (
	"fmt"
	"time"

	"github.com/pylon-go/pylon/internal/timelock"
)

// Building a timelocked weights commit on a legacy-epoch runtime: payload,
// reveal round from chain data, ciphertext. On a stateful-epoch runtime use
// StatefulRevealBlock with get_next_epoch_start_block instead.
func ExampleNetwork_Encrypt() {
	var hotkey [32]byte // the signing hotkey's raw public key
	p := timelock.WeightsPayload{Hotkey: hotkey, UIDs: []uint16{1, 2, 3}, Values: []uint16{100, 200, 300}, VersionKey: 42}
	msg, err := p.Encode()
	if err != nil {
		panic(err)
	}
	q := timelock.Quicknet()
	// Head block 1000 of netuid 1, tempo 360, commit_reveal_period 1, 12 s blocks.
	target := timelock.LegacyRevealBlock(1000, 1, 360, 1)
	round := q.RoundForBlock(1000, target, 12*time.Second, time.Unix(1_750_000_000, 0))
	commit, err := q.Encrypt(round, msg, nil) // nil: crypto/rand
	if err != nil {
		panic(err)
	}
	fmt.Println(target, round, len(msg), len(commit))
	// Output: 1084 19065880 55 299
}
