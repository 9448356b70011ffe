package weights

import (
	"errors"
	"maps"
	"math"
	"slices"
)

// CheckRequest validates a weights request on its own, without chain state:
// everything the HTTP layer can reject before it schedules a job. validHotkey
// checks SS58 syntax (internal/keys provides one); nil accepts any non-empty
// string. Every problem of the first failing kind is reported, so a client can
// fix all its bad hotkeys at once.
func CheckRequest(weights map[string]float64, validHotkey func(string) bool) error {
	if len(weights) == 0 {
		return invalid(ErrNoWeights, "no weights given")
	}
	hotkeys := slices.Sorted(maps.Keys(weights))
	var bad []string
	for _, hk := range hotkeys {
		if hk == "" || (validHotkey != nil && !validHotkey(hk)) {
			bad = append(bad, hk)
		}
	}
	if len(bad) > 0 {
		return invalidHotkeys(ErrInvalidHotkey, bad, "%d hotkeys are not valid SS58 addresses: %q", len(bad), bad)
	}
	var nonFinite, negative []string
	allZero := true
	for _, hk := range hotkeys {
		w := weights[hk]
		switch {
		case math.IsNaN(w) || math.IsInf(w, 0):
			nonFinite = append(nonFinite, hk)
		case w < 0:
			negative = append(negative, hk)
		case w > 0:
			allZero = false
		}
	}
	if len(nonFinite) > 0 {
		return invalidHotkeys(ErrNotFinite, nonFinite, "weights of %q are not finite numbers", nonFinite)
	}
	if len(negative) > 0 {
		return invalidHotkeys(ErrNegative, negative, "weights of %q are negative", negative)
	}
	if allZero {
		return invalid(ErrAllZero, "all %d weights are zero", len(weights))
	}
	return nil
}

// Subnet holds the chain facts, read by the caller at one block, that decide
// whether a weights vector is acceptable (CHAIN.md §5.4, §7.2).
type Subnet struct {
	Netuid    uint16
	Mechanism uint8
	// Block is the block the facts were read at (reported back in the Plan).
	Block uint64
	// UIDs maps every hotkey registered in the subnet (SS58) to its uid.
	UIDs map[string]uint16
	// Size is SubnetworkN, the number of uids in the subnet.
	Size uint16
	// MinAllowedWeights and MaxWeightsLimit are the hyperparameters of the same names.
	MinAllowedWeights uint16
	MaxWeightsLimit   uint16
	// WeightsVersionKey is the hyperparameter weights_version: the smallest
	// version key the chain accepts (0 accepts any).
	WeightsVersionKey uint64
	// Permitted tells whether the signer may set weights on other uids (it holds a
	// validator permit or owns the subnet). nil skips the check.
	Permitted *bool
}

// Request is what a weights job asks for.
type Request struct {
	// Weights maps hotkeys (SS58) to non-negative weights of any scale.
	Weights map[string]float64
	// Signer is the SS58 address of the hotkey that signs the extrinsic.
	Signer string
	// VersionKey is the configured version key; the chain minimum raises it.
	VersionKey uint64
	// ValidHotkey checks SS58 syntax, as for CheckRequest.
	ValidHotkey func(string) bool
}

// Plan is a validated weights vector, ready to be submitted at the block its
// facts came from.
type Plan struct {
	Normalised
	// Block is Subnet.Block.
	Block uint64
	// SignerUID is the uid of the signing hotkey.
	SignerUID uint16
	// VersionKey is the value to send: max(configured, WeightsVersionKey).
	VersionKey uint64
	// Dropped lists the requested hotkeys that are not registered in the subnet,
	// sorted. They are left out (Pylon logs a warning); the caller should report
	// them.
	Dropped []string
}

// Prepare turns a request into the vectors to submit, checking every rule the
// chain applies to set_weights that can be checked from the given facts
// (CHAIN.md §7.2), so that a doomed extrinsic is never sent — and, above all, a
// doomed commit is never made: the chain drops bad commit-reveal weights
// silently at reveal time (§7.4).
//
// Not checked here, because they need facts this package does not take: stake
// (NotEnoughStakeToSetWeights) and the rate limit (see NextAllowedBlock).
//
// Unregistered hotkeys are dropped and listed in Plan.Dropped; it is an error
// only when none remain.
func Prepare(req Request, sn Subnet) (Plan, error) {
	if err := CheckRequest(req.Weights, req.ValidHotkey); err != nil {
		return Plan{}, err
	}
	if sn.Netuid == 0 {
		return Plan{}, invalid(ErrRootNetwork, "weights cannot be set on the root network (netuid 0)").chain("CanNotSetRootNetworkWeights")
	}
	signerUID, ok := sn.UIDs[req.Signer]
	if !ok {
		return Plan{}, invalidHotkeys(ErrSignerNotRegistered, []string{req.Signer},
			"signing hotkey %s is not registered in subnet %d at block %d", req.Signer, sn.Netuid, sn.Block).chain("HotKeyNotRegisteredInSubNet")
	}

	byUID := make(map[uint16]float64, len(req.Weights))
	owner := make(map[uint16]string, len(req.Weights))
	var dropped []string
	for _, hk := range slices.Sorted(maps.Keys(req.Weights)) {
		uid, ok := sn.UIDs[hk]
		if !ok {
			dropped = append(dropped, hk)
			continue
		}
		if uid >= sn.Size {
			return Plan{}, invalidUIDs(ErrUIDOutOfRange, []uint16{uid},
				"hotkey %s maps to uid %d, but subnet %d has %d uids", hk, uid, sn.Netuid, sn.Size).chain("UidVecContainInvalidOne")
		}
		// A consistent snapshot maps each uid to one hotkey; a torn one might not.
		if prev, dup := owner[uid]; dup {
			e := invalidUIDs(ErrDuplicateUID, []uint16{uid}, "hotkeys %s and %s both map to uid %d", prev, hk, uid).chain("DuplicateUids")
			e.Hotkeys = []string{prev, hk}
			return Plan{}, e
		}
		owner[uid] = hk
		byUID[uid] = req.Weights[hk]
	}
	if len(byUID) == 0 {
		return Plan{}, invalidHotkeys(ErrNoneRegistered, dropped,
			"none of the %d hotkeys is registered in subnet %d at block %d", len(dropped), sn.Netuid, sn.Block)
	}
	norm, err := Normalise(byUID)
	if err != nil {
		var ve *ValidationError
		if errors.As(err, &ve) && errors.Is(ve.Err, ErrAllZero) && len(dropped) > 0 {
			ve.Message += " once the unregistered hotkeys are dropped"
			ve.Hotkeys = dropped
		}
		return Plan{}, err
	}
	plan := Plan{
		Normalised: norm,
		Block:      sn.Block,
		SignerUID:  signerUID,
		VersionKey: EffectiveVersionKey(req.VersionKey, sn.WeightsVersionKey),
		Dropped:    dropped,
	}
	self := isSelfWeight(signerUID, norm.UIDs)
	if sn.Permitted != nil && !*sn.Permitted && !self {
		return Plan{}, invalidHotkeys(ErrNoValidatorPermit, []string{req.Signer},
			"hotkey %s has no validator permit in subnet %d and may only set a single weight on itself (uid %d)",
			req.Signer, sn.Netuid, signerUID).chain("NeuronNoValidatorPermit")
	}
	if minLen := MinWeights(sn.MinAllowedWeights, sn.Size); !self && len(norm.UIDs) < minLen {
		return Plan{}, invalid(ErrTooFewWeights,
			"%d weights on registered hotkeys, subnet %d requires at least %d (min(min_allowed_weights %d, subnet size %d))",
			len(norm.UIDs), sn.Netuid, minLen, sn.MinAllowedWeights, sn.Size).chain("WeightVecLengthIsLow")
	}
	if !self && !MaxWeightLimited(norm.Values, sn.MaxWeightsLimit) {
		return Plan{}, invalid(ErrMaxWeightExceeded,
			"the largest weight is more than max_weight_limit %d/65535 of the total in subnet %d; spread the weights over more uids",
			sn.MaxWeightsLimit, sn.Netuid).chain("MaxWeightExceeded")
	}
	if !VersionKeyAccepted(sn.WeightsVersionKey, plan.VersionKey) {
		return Plan{}, invalid(ErrVersionKeyTooLow, "version key %d is below the subnet's weights_version %d",
			plan.VersionKey, sn.WeightsVersionKey).chain("IncorrectWeightVersionKey")
	}
	return plan, nil
}

// isSelfWeight is the chain's is_self_weight: exactly one weight, on the
// signer's own uid. Such a vector is exempt from the permit, length and
// max-weight rules.
func isSelfWeight(signerUID uint16, uids []uint16) bool {
	return len(uids) == 1 && uids[0] == signerUID
}

// MinWeights is the chain's minimum vector length (check_length):
// min(MinAllowedWeights, SubnetworkN).
func MinWeights(minAllowedWeights, subnetSize uint16) int {
	return int(min(minAllowedWeights, subnetSize))
}

// MaxWeightLimited reports whether the chain accepts values under a
// max_weights_limit: true when the limit is 65535; otherwise subtensor's
// check_vec_max_limited, reproduced bit for bit. The chain computes in
// substrate-fixed I32F32 (32 fractional bits) with truncating division:
//
//	max_i floor(v_i·2³² / Σv) ≤ floor(limit·2³² / 65535)
//
// which can accept a vector that exact arithmetic would reject by less than
// 2⁻³². values must already be max-upscaled (largest = 65535), as Normalise
// produces; for such a vector the chain's own upscale step is the identity. The
// chain's I32F32 sum overflows at 2³¹ (more than 32767 weights at 65535), far
// beyond any subnet's size.
func MaxWeightLimited(values []uint16, limit uint16) bool {
	if limit == U16Max {
		return true
	}
	var sum uint64
	for _, v := range values {
		sum += uint64(v)
	}
	if sum == 0 {
		return true // the chain's normalise leaves an all-zero vector as it is
	}
	bound := (uint64(limit) << 32) / U16Max
	for _, v := range values {
		if (uint64(v)<<32)/sum > bound {
			return false
		}
	}
	return true
}

// EffectiveVersionKey is the version key to send: the configured one, raised to
// the subnet's minimum (CHAIN.md §7.2).
func EffectiveVersionKey(configured, subnetMin uint64) uint64 {
	return max(configured, subnetMin)
}

// VersionKeyAccepted is the chain's check_version_key: a subnet minimum of 0
// accepts anything, otherwise the key must reach it.
func VersionKeyAccepted(subnetMin, versionKey uint64) bool {
	return subnetMin == 0 || versionKey >= subnetMin
}
