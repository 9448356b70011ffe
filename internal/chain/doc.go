// Package chain is the client facade over a Substrate node: it follows the best and finalised heads,
// resolves the runtime (version and metadata) of any block, and reads blocks, storage, runtime APIs and
// events at an explicit block, decoded with that block's own runtime. It is generic Substrate: it knows FRAME
// conventions (System.Events, Timestamp.Now, the Metadata runtime API) and no chain's pallet names, which
// belong to the layers above (internal/subtensor). Transport is package rpc; decoding is package metadata.
//
// # Reads are pinned to a block
//
// Every read takes a block hash. "Latest" is Client.Head().Hash at the moment the caller decides, so that
// the several reads of one answer see the same state, and a result can be cached under its block hash
// forever. A hash the node does not know gives ErrBlockNotFound for headers and blocks; state the node no
// longer holds (pruned) gives ErrUnknownBlock, the signal to retry on an archive node.
//
//	head := client.Head()
//	var tempo uint16
//	found, err := client.Storage(ctx, head.Hash, "SubtensorModule", "Tempo", &tempo, uint16(1))
//	for it, err := range client.StorageIter(ctx, head.Hash, "SubtensorModule", "Keys", uint16(1)) { … }
//	err = client.RuntimeCall(ctx, head.Hash, "NeuronInfoRuntimeApi", "get_neurons_lite", &neurons, uint16(1))
//	events, err := client.Events(ctx, blockHash)
//
// # Runtimes and metadata
//
// Client.Runtime(ctx, at) returns the runtime in the state of block at: state_getRuntimeVersion(at),
// cached per block hash (bounded LRU), and the metadata of that spec version, cached per spec version
// (bounded) and loaded at a block of that runtime: V15 via Metadata_metadata_at_version(15), else V14 via
// state_getMetadata when the runtime lacks the API or answers None (never on a transport error). The spec
// version inside the loaded metadata (System.Version) must match the one the node reported. Concurrent first
// loads of the same block's version or the same spec's metadata share one request, and that request runs
// detached from the caller that started it, so one caller giving up never fails the others. Reads of the
// same (spec, block) never fetch metadata again.
//
// Which runtime decodes what:
//
//   - Runtime(at) — the code in at's state: runtime-API calls at at (RuntimeCall), and signing a transaction
//     built on at (SpecVersion, TransactionVersion, metadata for call encoding and signed extensions).
//   - BlockRuntime(at) = Runtime(parent of at) — the runtime that executed block at: its extrinsics, its
//     events (Events) and the storage it wrote (Storage, StorageIter). The two differ only in a block that
//     upgrades the runtime: that block ran the old code and its state is migrated only in the next block,
//     yet the node reports the new version at it.
//
// A state_subscribeRuntimeVersion subscription (polling over HTTP) follows upgrades while running: each new
// spec version is counted in pylon_chain_runtime_upgrades_total and its metadata is loaded as soon as a
// best head runs it.
//
// # Head tracking
//
// Dial reads the best and finalised heads, then follows chain_subscribeNewHeads and
// chain_subscribeFinalizedHeads (polling chain_getHeader every PollInterval while the endpoint is HTTP).
// Block hashes are computed locally from the header (blake2_256 of its SCALE encoding), so a head's number
// and hash always belong together. Heads only move forward, except after a reconnect: the rpc layer marks
// the resumed subscription, the client re-reads the head from the (possibly new) node and that view wins.
// Head and FinalizedHead return the latest heads; SubscribeHeads delivers them in process with latest-wins
// channels (a slow consumer skips heads and delays nobody); WaitForBlock waits for a number; Ready (the
// service's readiness check) fails with ErrNotReady when no new best head came within ReadyBlocks ×
// BlockTime.
//
// # Failures
//
// Node errors keep their *rpc.Error (errors.As) and are also mapped to ErrBlockNotFound / ErrUnknownBlock
// (errors.Is). A call made while the client reconnects waits at most ConnectWait for a connection and then
// fails with ErrUnavailable, instead of hanging until its deadline; a call whose connection breaks fails at
// once with rpc.ErrConnectionLost. Items a runtime does not have give ErrNotInRuntime naming the item and
// spec version.
//
// # Metrics
//
// With Options.Registerer: pylon_chain_head_number, pylon_chain_head_age_seconds,
// pylon_chain_finalised_number, pylon_chain_runtime_spec_version, pylon_chain_runtime_upgrades_total and
// pylon_chain_metadata_loads_total{spec_version,metadata_version}, besides the rpc client's
// pylon_chain_rpc_* metrics.
package chain
