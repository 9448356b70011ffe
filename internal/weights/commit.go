package weights

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"golang.org/x/crypto/blake2b"

	"github.com/pylon-go/pylon/internal/chain/scale"
)

// SaltLength is the number of random u16 in a commit salt, as the SDK uses.
const SaltLength = 8

// Chain limits behind the storage index (subtensor subnets/mechanism.rs).
const (
	maxSubnets    = 4096 // GLOBAL_MAX_SUBNET_COUNT
	maxMechanisms = 16   // MAX_MECHANISM_COUNT_PER_SUBNET
)

// ErrNetuidIndex reports a netuid or mechanism id outside what the chain's
// storage index can address.
var ErrNetuidIndex = errors.New("netuid or mechanism id out of range")

// NetuidIndex is the chain's NetUidStorageIndex: mecid × 4096 + netuid
// (CHAIN.md §4). It keys Weights, LastUpdate and the commits, and it is what the
// commit-reveal v2 hash covers. For mechanism 0 it equals the netuid.
func NetuidIndex(netuid uint16, mechanism uint8) (uint16, error) {
	if netuid >= maxSubnets || mechanism >= maxMechanisms {
		return 0, fmt.Errorf("%w: netuid %d (< %d), mechanism %d (< %d)", ErrNetuidIndex, netuid, maxSubnets, mechanism, maxMechanisms)
	}
	return uint16(mechanism)*maxSubnets + netuid, nil
}

// NewSalt draws SaltLength random u16 (little-endian pairs of bytes) from r,
// or from crypto/rand when r is nil. The salt keeps a commit's weights secret
// until the reveal; persist it with the job before the commit is submitted.
func NewSalt(r io.Reader) ([]uint16, error) {
	if r == nil {
		r = rand.Reader
	}
	var buf [2 * SaltLength]byte
	if _, err := io.ReadFull(r, buf[:]); err != nil {
		return nil, fmt.Errorf("weights: salt: %w", err)
	}
	salt := make([]uint16, SaltLength)
	for i := range salt {
		salt[i] = binary.LittleEndian.Uint16(buf[2*i:])
	}
	return salt, nil
}

// Commit is the content of a commit-reveal v2 (hash) commit: exactly the
// arguments the reveal will carry, plus who signs and where.
type Commit struct {
	// Hotkey is the signing hotkey's 32-byte public key (AccountId32).
	Hotkey [32]byte
	// NetuidIndex is NetuidIndex(netuid, mechanism).
	NetuidIndex uint16
	UIDs        []uint16
	Values      []uint16
	Salt        []uint16
	VersionKey  uint64
}

// Preimage is the SCALE encoding the chain hashes (CRYPTO.md §7; subtensor
// get_commit_hash): AccountId32 ‖ u16 netuid_index ‖ Vec<u16> uids ‖ Vec<u16>
// values ‖ Vec<u16> salt ‖ u64 version_key, all little-endian, vectors
// prefixed with their compact length.
func (c Commit) Preimage() []byte {
	b := make([]byte, 0, 32+2+3*5+2*(len(c.UIDs)+len(c.Values)+len(c.Salt))+8)
	b = append(b, c.Hotkey[:]...)
	b = binary.LittleEndian.AppendUint16(b, c.NetuidIndex)
	b = appendU16Vec(b, c.UIDs)
	b = appendU16Vec(b, c.Values)
	b = appendU16Vec(b, c.Salt)
	return binary.LittleEndian.AppendUint64(b, c.VersionKey)
}

// Hash is the commit hash submitted by commit_weights: unkeyed blake2b-256 of
// the preimage (BlakeTwo256).
func (c Commit) Hash() [32]byte { return blake2b.Sum256(c.Preimage()) }

func appendU16Vec(b []byte, v []uint16) []byte {
	b = scale.AppendCompact(b, uint64(len(v)))
	for _, x := range v {
		b = binary.LittleEndian.AppendUint16(b, x)
	}
	return b
}

// RevealPhase is where a block stands relative to a commit's reveal epoch.
type RevealPhase int

// Reveal phases, named after the chain errors a reveal gets outside the window.
const (
	// RevealTooEarly: the reveal epoch has not started (RevealTooEarly).
	RevealTooEarly RevealPhase = iota
	// RevealOpen: a reveal included in this block is accepted.
	RevealOpen
	// RevealExpired: the reveal epoch is over (ExpiredWeightCommit).
	RevealExpired
)

// String implements fmt.Stringer.
func (p RevealPhase) String() string {
	switch p {
	case RevealTooEarly:
		return "too_early"
	case RevealOpen:
		return "open"
	case RevealExpired:
		return "expired"
	}
	return fmt.Sprintf("RevealPhase(%d)", int(p))
}

// RevealEpoch is the only epoch in which the chain accepts the reveal of a
// commit included in commitBlock: Index(commitBlock) + revealPeriod, where
// revealPeriod is the subnet's commit_reveal_period (RevealPeriodEpochs).
func RevealEpoch(s Schedule, commitBlock, revealPeriod uint64) (uint64, error) {
	ce, err := s.Index(commitBlock)
	if err != nil {
		return 0, err
	}
	e, err := addChecked(ce, revealPeriod)
	if err != nil {
		return 0, err
	}
	return e, nil
}

// RevealWindow is the range of inclusion blocks in which the reveal of a commit
// included in commitBlock is accepted: the blocks of RevealEpoch. The runner
// submits while best+1 lies in it (an extrinsic lands one block after the best
// block at the earliest); before it the chain answers RevealTooEarly, after it
// ExpiredWeightCommit.
func RevealWindow(s Schedule, commitBlock, revealPeriod uint64) (BlockRange, error) {
	e, err := RevealEpoch(s, commitBlock, revealPeriod)
	if err != nil {
		return BlockRange{}, err
	}
	return s.EpochBlocks(e)
}

// RevealPhaseAt tells how a reveal included in block would fare.
func RevealPhaseAt(s Schedule, commitBlock, revealPeriod, block uint64) (RevealPhase, error) {
	target, err := RevealEpoch(s, commitBlock, revealPeriod)
	if err != nil {
		return 0, err
	}
	cur, err := s.Index(block)
	if err != nil {
		return 0, err
	}
	switch {
	case cur < target:
		return RevealTooEarly, nil
	case cur == target:
		return RevealOpen, nil
	}
	return RevealExpired, nil
}
