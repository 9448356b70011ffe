// Package subtensor is Bittensor on top of the generic chain layer: the only
// package that knows subtensor's pallet, storage-item and runtime-API names.
// It reads blocks, neurons (NeuronInfoLite with the subnet state's stakes),
// hyperparameters, certificates and uids at an explicit block, decodes them
// with that block's own runtime, and routes each read to the main or the
// archive node.
//
// Values are kept raw: AccountIDs, u16 ratios, rao. Turning them into
// Pylon's JSON (SS58, ratios / 65535, rao / 1e9) is the service layer's job,
// so the same reads serve the HTTP API and the weights runner (which needs
// uids of hotkeys, permits, last updates, tempo and the commit-reveal
// settings as numbers).
//
// # Writes
//
// The calls the service makes — weights (set, hash commit and reveal,
// timelocked commits, with or without a mechanism) and serve_axon_tls — are
// built here by name with their arguments by name (WeightsCall,
// ServeAxonTLS) and encoded against the runtime they are signed for. Submit
// and Track go through the process's one extrinsic.Submitter, always on the
// main node, with subtensor's custom pool error names (PoolErrorNames). The
// reads behind them are here too: the calls a runtime offers, LastUpdate,
// axons, hash commits, mechanism counts and the stateful epoch schedule.
//
// # Blocks
//
// Every read takes a Block (number and hash). Head returns the best block;
// BlockAt resolves a number, with ErrBlockNotFound for a block the chain does
// not have yet. Reads at a hash are immutable and safe to cache forever.
//
// # Old runtimes
//
// Runtimes up to spec ≈ 218 declared every runtime-API result as Vec<u8>
// holding the SCALE value. The chain layer unwraps such results and decodes
// the inner bytes with the static codec, driven by the `scale` tags of the Go
// types here; the choice rests on the declared output type in the metadata,
// never on a spec number. The hyperparameter API of those runtimes encoded a
// missing subnet as an empty vector instead of None, which is handled the
// same way (by the declared type).
//
// # Hyperparameters
//
// The newest hyperparameter API the block's runtime declares is used:
// get_subnet_hyperparams_v3 (named entries), else _v2, else v1. Every value
// the runtime returns is kept under its Rust name (Hyperparameters.Params);
// the ones the service acts on are also typed. The commit-reveal version
// comes from storage CommitRevealWeightsVersion (default 4), absent on
// runtimes that predate it.
//
// # Archive routing
//
// As in Pylon (PYLON-API.md §5.3): a block more than ArchiveCutoff blocks
// behind the head is read from the archive node (reason "stale_block");
// otherwise from the main node, and again from the archive node when the
// main node no longer holds the block's state (chain.ErrUnknownBlock, reason
// "unknown_block"). When the archive fails too the read fails with an
// *ArchiveError, which the API answers with 502 and the node's reason. The
// archive node is dialled on first use; when it is the main endpoint there is
// no second connection and no fallback.
//
// # Metrics
//
// pylon_bittensor_operation_duration_seconds{operation,status} times every
// read (status success, error, unknown_block or cancelled), and
// pylon_bittensor_fallback_total{reason,operation} counts archive routing.
package subtensor
