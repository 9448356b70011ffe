// Package rpc is a JSON-RPC 2.0 client for Substrate nodes over WebSocket (calls and subscriptions) or HTTP
// (calls only). It knows Substrate's generic methods (chain_getHeader, chain_subscribeNewHeads,
// state_subscribeRuntimeVersion) and nothing about any particular chain's pallets.
//
// One Client serves every caller of the process and is built to stay up:
//
//   - Calls are multiplexed over one connection: sequential request ids, one reader goroutine matching
//     replies to waiting callers, one writer goroutine. Every call is bounded by its context (or
//     Options.CallTimeout). Node errors come back as *Error.
//   - Subscriptions deliver on bounded channels. The reader never blocks on a consumer; what happens to a
//     slow consumer is the subscription's OverflowPolicy. Notifications that arrive before the subscribe
//     reply are kept until the reply registers the subscription.
//   - A broken connection is replaced with capped, jittered exponential backoff. In-flight calls fail at once
//     with ErrConnectionLost; calls made while reconnecting wait for the new connection within their deadline.
//     Resumable subscriptions are re-established and say so with a Resumed notification; others (watched
//     extrinsics) end with ErrConnectionLost and are never re-sent.
//   - Half-dead sockets are detected by WebSocket pings (also sent at once when a call times out) and,
//     optionally, by watching the best head stall for Options.StallBlocks block times.
//   - With several endpoints, the client picks the first healthy one in the given order, where healthy means
//     answering and not lagging more than Options.MaxLagBlocks behind the best head seen; it fails over on
//     errors, stalls and lag.
//   - Prometheus metrics (pylon_chain_rpc_*) when a Registerer is given, and Stats for plain Go access.
package rpc
