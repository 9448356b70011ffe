// Package extrinsic owns signed transactions: building calls by pallet and call name from the runtime's
// metadata, signing version-4 extrinsics with the runtime's own transaction-extension list, and (in
// Submitter) assigning nonces, submitting, watching and reporting what happened on chain.
//
// # Building and signing
//
// A Call names a pallet, a call and its arguments; it is encoded only against the metadata of the runtime
// the extrinsic is built for, so call indices and argument types follow runtime upgrades. Sign lays out
//
//	Compact(len) ‖ 0x84 ‖ MultiAddress::Id(signer) ‖ MultiSignature::Sr25519(sig) ‖ extra ‖ call
//
// and signs call ‖ extra ‖ implicit (blake2b-256 of it beyond 256 bytes). The extension list is walked
// in metadata order (CHAIN.md §6.2): zero-sized parts contribute nothing, known identifiers get values
// (spec and transaction version, genesis, mortality, nonce, tip, CheckMetadataHash disabled), other
// Option parts are None, and anything else fails with an *UnknownExtensionError naming the extension:
// a runtime upgrade that adds a data-carrying extension must stop signing loudly, not produce
// transactions that are rejected (or mean something else).
//
// Mortality is always used by Submitter (DefaultEraPeriod blocks): a transaction that was never included
// stops being a risk at a known block, which is what lets the submitter say "it will not land" after a
// lost connection without ever sending it twice.
//
// # Submitting
//
// Submitter keeps one nonce per signing account, seeded from system_accountNextIndex and advanced locally,
// so concurrent submissions from one key get consecutive nonces; building and submitting are serialised per
// account so nonces reach the pool in order, while waiting for inclusion is not. Any failure that may have
// left the local count wrong (a rejection at submission, an extrinsic dropped, invalid or usurped later,
// an expired era, a lost connection) makes the next submission re-read it from the node, whose count
// includes the account's transactions waiting in its pool. A rejection saying the nonce was taken (Stale,
// or 1014) is rebuilt once with the node's nonce: nothing entered the pool, so nothing is sent twice. The
// node wants the account as an SS58 address; the chain layer may not import internal/keys, so a few lines
// here encode it, with the runtime's System.SS58Prefix.
//
// Every extrinsic is built on the best head, with that block's runtime (spec and transaction version,
// metadata for the call and the extensions) and a mortal era born there (never at #0, whose hash a
// Chopsticks devnet makes up); the birth and genesis hashes are the node's (chain_getBlockHash), never
// computed from headers.
//
// Submission uses author_submitAndWatchExtrinsic and accepts both status forms nodes send (strings from
// Substrate, {"ready":null} objects from Chopsticks). Where subscriptions are unavailable (HTTP endpoints)
// it uses author_submitExtrinsic and scans new blocks for the extrinsic's hash; it does the same when the
// watch is lost with its connection, or when heads pass the era's end without a block status, up to the
// era's end — and never sends again. Once included, the block's raw extrinsics give the index (by hash,
// no decoding), the block's events are decoded with the runtime that executed it, and
// System.ExtrinsicFailed becomes a *DispatchError naming the pallet error (e.g.
// SubtensorModule.SettingWeightsTooFast).
//
// # Surviving a restart
//
// A caller that must never send the same thing twice (the weights runner) registers BeforeSend: it learns
// the hash, nonce and era of each extrinsic before it is sent, can make that durable, and can still decline
// (ErrNotSent). After a restart, Track takes that record and finds out by scanning blocks — never by
// sending — whether the extrinsic was included, failed, or can no longer be included (ErrEraExpired).
//
// Errors are typed for callers that branch (the weights runner): *DispatchError (the runtime ran the call
// and rejected it), *PoolError (the node refused the extrinsic at submission: code, reason and, for
// "Custom error: N", the name from Options.CustomErrorNames), the sentinels ErrDropped, ErrInvalid, ErrUsurped (the
// node's verdict: not included), ErrEraExpired (certainly not included: every block of its era was read),
// ErrFutureTimeout (still in the pool, may land until its era ends), ErrFinalityTimeout, ErrNotInBlock and
// ErrNotSent, and *UnknownExtensionError (ErrUnknownExtension).
// Result.Outcome and the pylon_extrinsic_submissions_total metric classify the same way (OutcomeOf).
//
// The package is generic Substrate: it knows FRAME's extension identifiers and System events; which pallet
// to call and with what, and the names of a runtime's custom pool errors, are the caller's.
package extrinsic
