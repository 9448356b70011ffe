// Package weights owns the pure core of weight setting: turning a validator's
// {hotkey: weight} request into the u16 vectors the chain accepts, checking them
// against the chain's rules before anything is submitted, the epoch arithmetic
// that decides when a job is due and when it is too late, the commit-reveal v2
// hash and reveal timing, the choice of submission call, and the rate limit.
//
// Nothing here performs I/O. The caller (the weights runner, the HTTP layer)
// reads chain facts elsewhere and passes them in as plain values, so every rule
// can be tested exactly against the chain's own arithmetic and against
// independent oracles (testdata/README.md).
//
// References: CHAIN.md §7.1 (normalisation), §7.2 (set weights checks), §7.4
// (commit-reveal, chain side), §8.3 (rate limit), §9 (epochs); CRYPTO.md §7
// (hash commit); PYLON-API.md §6 (weight jobs).
package weights
