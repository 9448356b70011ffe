package subtensor

import (
	"context"
	"fmt"

	"github.com/pylon-go/pylon/internal/chain/extrinsic"
	"github.com/pylon-go/pylon/internal/chain/scale"
	"github.com/pylon-go/pylon/internal/weights"
)

// PoolErrorNames names subtensor's custom transaction-validity codes, the N of
// "Custom error: N" in a pool rejection (CHAIN.md §8.1,
// sub:common/src/transaction_error.rs). Metadata does not carry this table,
// so it is data here; it only ever shapes error messages
// (extrinsic.PoolError.CustomName). Give it to the submitter as
// extrinsic.Options.CustomErrorNames.
var PoolErrorNames = map[uint8]string{
	0:   "ColdkeyInSwapSchedule",
	1:   "StakeAmountTooLow",
	2:   "BalanceTooLow",
	3:   "SubnetNotExists",
	4:   "HotkeyAccountDoesntExist",
	5:   "NotEnoughStakeToWithdraw",
	6:   "RateLimitExceeded",
	7:   "InsufficientLiquidity",
	8:   "SlippageTooHigh",
	9:   "TransferDisallowed",
	10:  "HotKeyNotRegisteredInNetwork",
	11:  "InvalidIpAddress",
	12:  "ServingRateLimitExceeded",
	13:  "InvalidPort",
	14:  "ZeroMaxAmount",
	15:  "InvalidRevealRound",
	16:  "CommitNotFound",
	17:  "CommitBlockNotInRevealRange",
	18:  "InputLengthsUnequal",
	19:  "UidNotFound",
	20:  "EvmKeyAssociateRateLimitExceeded",
	21:  "ColdkeySwapDisputed",
	22:  "InvalidRealAccount",
	23:  "FailedShieldedTxParsing",
	24:  "InvalidShieldedTxPubKeyHash",
	25:  "NonAssociatedColdKey",
	26:  "DelegateTakeTooLow",
	27:  "DelegateTakeTooHigh",
	255: "BadRequest",
}

// WeightsCall is one weights extrinsic of SubtensorModule: Name is the call
// weights.ChooseMode picked from the runtime (set_weights,
// set_mechanism_weights, commit_weights, reveal_weights,
// commit_timelocked_mechanism_weights, …), and the fields its arguments.
// Which fields a call uses follows its name; the rest are ignored.
type WeightsCall struct {
	Name      string
	Netuid    uint16
	Mechanism uint8
	// UIDs, Values and VersionKey: set_* and reveal_* (and the payload of a
	// timelocked commit, which is encrypted into Commit by the caller).
	UIDs       []uint16
	Values     []uint16
	VersionKey uint64
	// Salt: reveal_*.
	Salt []uint16
	// CommitHash: commit_weights and commit_mechanism_weights.
	CommitHash [32]byte
	// Commit, RevealRound: the timelocked and crv3 commits;
	// CommitRevealVersion only the timelocked ones (storage
	// CommitRevealWeightsVersion, which they must match).
	Commit              []byte
	RevealRound         uint64
	CommitRevealVersion uint16
}

// Call builds the extrinsic call with its arguments by name, so that it is
// encoded against the runtime it is signed for (indices and types from that
// runtime's metadata). A mechanism other than 0 for a call that takes none is
// an error: such a call would set mechanism 0.
func (w WeightsCall) Call() (extrinsic.Call, error) {
	args := map[string]any{"netuid": w.Netuid}
	switch w.Name {
	case weights.CallSetMechanismWeights, weights.CallCommitMechanismWeights, weights.CallRevealMechanismWeights,
		weights.CallCommitTimelockedMechanismWeights, weights.CallCommitCRV3MechanismWeights:
		args["mecid"] = w.Mechanism
	default:
		if w.Mechanism != 0 {
			return extrinsic.Call{}, fmt.Errorf("subtensor: %s takes no mechanism, asked for mechanism %d", w.Name, w.Mechanism)
		}
	}
	switch w.Name {
	case weights.CallSetWeights, weights.CallSetMechanismWeights:
		args["dests"], args["weights"], args["version_key"] = w.UIDs, w.Values, w.VersionKey
	case weights.CallCommitWeights, weights.CallCommitMechanismWeights:
		args["commit_hash"] = w.CommitHash
	case weights.CallRevealWeights, weights.CallRevealMechanismWeights:
		args["uids"], args["values"], args["salt"], args["version_key"] = w.UIDs, w.Values, w.Salt, w.VersionKey
	case weights.CallCommitTimelockedWeights, weights.CallCommitTimelockedMechanismWeights:
		args["commit"], args["reveal_round"], args["commit_reveal_version"] = w.Commit, w.RevealRound, w.CommitRevealVersion
	case weights.CallCommitCRV3Weights, weights.CallCommitCRV3MechanismWeights:
		args["commit"], args["reveal_round"] = w.Commit, w.RevealRound
	default:
		return extrinsic.Call{}, fmt.Errorf("subtensor: %q is not a weights call", w.Name)
	}
	return extrinsic.NewNamedCall(palletSubtensor, w.Name, args), nil
}

// ServeAxonTLS is serve_axon_tls: where the neuron serves and, since the call
// has no separate certificate update, the certificate to store
// (CHAIN.md §7.3). It overwrites the whole axon, so callers that only want a
// certificate pass the axon's current values.
type ServeAxonTLS struct {
	Netuid       uint16
	Version      uint32
	IP           scale.Uint128
	Port         uint16
	IPType       uint8
	Protocol     uint8
	Placeholder1 uint8
	Placeholder2 uint8
	// Certificate is algorithm ‖ public key (keys.CertificateKeypair.ChainArgument).
	Certificate []byte
}

// Call builds the extrinsic call.
func (s ServeAxonTLS) Call() extrinsic.Call {
	return extrinsic.NewNamedCall(palletSubtensor, "serve_axon_tls", map[string]any{
		"netuid": s.Netuid, "version": s.Version, "ip": s.IP, "port": s.Port, "ip_type": s.IPType,
		"protocol": s.Protocol, "placeholder1": s.Placeholder1, "placeholder2": s.Placeholder2,
		"certificate": s.Certificate,
	})
}

// ServeAxonTLSFor is the call that stores a certificate while keeping the
// axon as it is.
func ServeAxonTLSFor(netuid uint16, a AxonInfo, certificate []byte) ServeAxonTLS {
	return ServeAxonTLS{
		Netuid: netuid, Version: a.Version, IP: a.IP, Port: a.Port, IPType: a.IPType, Protocol: a.Protocol,
		Placeholder1: a.Placeholder1, Placeholder2: a.Placeholder2, Certificate: certificate,
	}
}

// Submit signs and submits a call through the process's submitter (see
// extrinsic.Submitter.Submit for the outcomes). Writes always go to the main
// node.
func (c *Client) Submit(ctx context.Context, signer extrinsic.Signer, call extrinsic.Call, opts ...extrinsic.SubmitOption) (*extrinsic.Result, error) {
	return c.submitter.Submit(ctx, signer, call, opts...)
}

// Track follows an extrinsic recorded before a restart (extrinsic.Submitter.Track).
func (c *Client) Track(ctx context.Context, p extrinsic.Pending) (*extrinsic.Result, error) {
	return c.submitter.Track(ctx, p)
}
