// Package rpc is a JSON-RPC 2.0 client for Substrate nodes over WebSocket (calls and subscriptions) or HTTP
// POST (calls only). It knows Substrate's generic methods (chain_getHeader, chain_subscribeNewHeads,
// state_subscribeRuntimeVersion) and nothing about any particular chain's pallets. One Client serves every
// caller of the process and is built to stay up.
//
// # Calls
//
// Calls are multiplexed over one connection: sequential integer ids, positional (array) params, one reader
// goroutine matching replies to waiting callers, one writer goroutine. Every call is bounded by its context,
// or by Options.CallTimeout when the context has no deadline. Node errors come back as *Error. The read
// limit is 64 MiB (metadata exceeds 1 MB).
//
// Writes go through the writer goroutine rather than concurrent conn.Write calls (coder/websocket allows
// those) because that library closes the connection when a Write's context ends mid-frame: one caller's
// short deadline must not kill the socket every caller shares. As a bonus, a request whose caller gave up
// before the writer reached it is never sent.
//
// # Subscriptions
//
// Notifications are routed by params.subscription (opaque ids) and delivered on a bounded channel per
// subscription. The reader goroutine never waits for a consumer; when a consumer's buffer is full the
// subscription's OverflowPolicy applies: EndOnOverflow (the default) ends it with ErrSubscriptionOverflow,
// DropOldest discards the oldest item and counts it (the head and runtime-version helpers use it: for
// "latest" streams the newest item supersedes older ones). Blocking was rejected: one stuck consumer would
// stall every call and subscription on the connection.
//
// The subscribe reply is processed on the reader goroutine, which registers the subscription before reading
// the next message, so no later notification can miss it. Notifications that arrive before the reply (the
// Chopsticks devnet sends the first state_subscribeRuntimeVersion notification first) are buffered, while a
// subscribe request is in flight, and delivered once the reply names their id.
//
// # Reconnection
//
// A connection is replaced when a read or write fails, when a WebSocket ping gets no pong within
// Options.PingTimeout (pings run every Options.PingInterval and at once when a call times out, which catches
// half-dead sockets quickly), and, if Options.StallBlocks is set, when the best block has not advanced for
// StallBlocks × BlockTime on the client's own chain_subscribeNewHeads. Reconnection rounds are spaced by a
// capped exponential backoff with jitter (the first round after a long-lived connection is immediate).
//
//   - In-flight calls whose request had left fail at once with ErrConnectionLost; they are not repeated,
//     since the node may have executed them. Requests that had not left are sent on the next connection.
//   - Calls made while the client reconnects wait for the new connection within their own deadline, then
//     fail with ErrNotConnected wrapping the context error. Waiting suits the service: reconnects usually
//     take well under a second, and failing fast would make every caller write its own retry loop.
//   - Resumable subscriptions are subscribed again on the new connection; the consumer first receives a
//     Notification with Resumed set, meaning "items may have been missed: re-read what you follow".
//     Non-resumable ones (author_submitAndWatchExtrinsic) end with ErrConnectionLost and are never re-sent;
//     confirm such an extrinsic by scanning blocks.
//
// # Several endpoints
//
// Dial takes URLs in order of preference. At every connect, all endpoints are probed concurrently (connect,
// chain_getHeader). Lag is measured within that round: the best head is the highest number any endpoint
// reported, and an endpoint is healthy if it answered and trails the best by at most Options.MaxLagBlocks.
// The first healthy endpoint in the list wins; the endpoint just abandoned for stalling or lagging is taken
// only if nothing else is healthy. While connected, with several endpoints, all are probed every
// Options.LagCheckInterval and a lagging current endpoint is abandoned. There is no fail-back to a preferred
// endpoint while the current one is healthy: switching would end watched extrinsics for no gain. Client.Endpoint
// and the pylon_chain_rpc_endpoint_current gauge say which endpoint is in use; endpoint names never include
// paths, queries or credentials, since node URLs often carry API keys.
//
// # Observability
//
// With Options.Registerer set, the client registers pylon_chain_rpc_calls_total{method,outcome},
// pylon_chain_rpc_call_duration_seconds{method}, pylon_chain_rpc_reconnects_total{endpoint,reason},
// pylon_chain_rpc_endpoint_current{endpoint}, pylon_chain_rpc_head_lag_blocks{endpoint},
// pylon_chain_rpc_notifications_dropped_total{method,reason} and pylon_chain_rpc_endpoint_probes_total.
// Client.Stats and Client.CallCount give the per-method call counts without Prometheus. The client's own
// traffic (probes, stall watch) is not counted as calls.
//
// # Testing
//
// Package rpctest is an in-process node for unit tests; package faultproxy sits between a client and any
// node (test server or devnet) to inject half-dead sockets, drops, refusals and latency.
package rpc
