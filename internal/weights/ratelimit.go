package weights

// NextAllowedBlock is the first block in which the chain accepts weights (or a
// commit) from a uid again (CHAIN.md §8.3: allowed iff LastUpdate == 0 or
// block − LastUpdate ≥ WeightsSetRateLimit). A LastUpdate of 0 (never set) or a
// limit of 0 allows it at once, i.e. at now.
//
// lastUpdate is LastUpdate[netuidIndex][uid] (set weights and commits both move
// it); the result is an inclusion block. An extrinsic submitted while the best
// block is n is validated and included as block n+1 at the earliest, so the
// runner may submit once best+1 ≥ the result, and should wait rather than fail
// with SettingWeightsTooFast / CommittingWeightsTooFast.
func NextAllowedBlock(lastUpdate, rateLimit, now uint64) uint64 {
	if lastUpdate == 0 || rateLimit == 0 {
		return now
	}
	next := lastUpdate + rateLimit
	if next < lastUpdate { // overflow: never in practice, but never wrap to "allowed"
		return ^uint64(0)
	}
	return max(next, now)
}

// RateLimitAllows is the chain's check_rate_limit for a registered uid: whether
// an extrinsic included in block may set weights.
func RateLimitAllows(lastUpdate, rateLimit, block uint64) bool {
	if lastUpdate == 0 {
		return true
	}
	var since uint64
	if block > lastUpdate {
		since = block - lastUpdate // the chain's saturating_sub
	}
	return since >= rateLimit
}
