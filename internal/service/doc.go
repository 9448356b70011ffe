// Package service owns the use cases behind the HTTP API: the block-aware
// cache of read answers, the recent-neurons prefetch, and the identities'
// hotkeys. It speaks in Pylon's wire models (package pylon) on one side and
// package subtensor's raw values on the other; it knows neither HTTP nor
// JSON-RPC and SCALE.
//
// # The cache
//
// Every answer is an Entry keyed by (kind, netuid, block hash): data at a
// block hash never changes, so an entry never expires and only a size bound
// (Options.CacheBytes, W-TinyLFU via otter) evicts. An entry holds the JSON
// body encoded once, its gzip form compressed once, and a strong ETag for
// each, so a hit costs no encoding at all. Concurrent misses of one key share
// one chain read (singleflight); that read runs detached from the request
// that started it, bounded by Options.LoadTimeout, so one caller giving up
// does not fail the others. Errors are not cached.
//
// Validators are derived from the neurons entry of the same block, and one
// certificate from the subnet's certificates, so they cost no chain read of
// their own. Finalised block numbers are mapped to their hashes once.
//
// # Latest and prefetch
//
// "Latest" is the head the service follows: Run moves it at every new best
// block and, at the same moment, loads that block's own entry and the
// neurons and validators of Options.Netuids (the identities' subnets and
// PYLON_RECENT_OBJECTS_NETUIDS), one worker per subnet. A request for the
// latest neurons of such a subnet is then a cache hit; one arriving while the
// prefetch still runs joins it.
//
// # Recent neurons
//
// RecentNeurons serves the newest prefetched neurons of a kept subnet. They
// are those of the latest block while prefetching works; when it fails they
// age: past Options.SoftLimitBlocks they are served with a warning (the API
// sends a Warning header), past Options.HardLimitBlocks they are refused
// (503, naming the last refresh error). A subnet that is not kept is 404.
package service
