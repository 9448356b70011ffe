package extrinsic

// SubtensorPoolErrors names subtensor's custom transaction-validity codes ("Custom error: N" in a 1010
// rejection; CHAIN.md §8.1, sub:common/src/transaction_error.rs). A custom code is opaque without the
// runtime's source, and metadata does not carry the table, so it is data here: it only ever shapes error
// messages (PoolError.CustomName) and Options.CustomErrorNames replaces it. It belongs with the other
// subtensor names once internal/subtensor exists.
var SubtensorPoolErrors = map[uint8]string{
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
