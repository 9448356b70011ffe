package rpc

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"sync/atomic"
)

// session is one live connection to one endpoint: a WebSocket connection, or for http(s) endpoints a
// stateless request channel. A session never reconnects; the Client replaces it.
type session interface {
	endpoint() endpoint
	// call sends one request and waits for its reply. hook, if set, runs on the reader goroutine when a
	// successful reply arrives, before any later message is processed (used to register subscriptions).
	// It returns errNotSent if the session closed before the request left, so the caller may retry it.
	call(ctx context.Context, method string, params []any, hook replyHook) (json.RawMessage, error)
	// close tears the session down; in-flight calls fail. reason labels the reconnect metric.
	close(cause error, reason string)
	done() <-chan struct{}
	isClosed() bool
	// cause is why the session closed (valid after done is closed).
	cause() error
	reason() string
}

// replyHook runs on the reader goroutine for a successful reply; an error it returns becomes the call's error.
type replyHook func(s *wsSession, result json.RawMessage) error

// errNotSent reports that a request never left the client, so repeating it on another connection is safe.
var errNotSent = errors.New("rpc: request not sent")

// Reasons a session ends, used as the reason label of the reconnects metric.
const (
	reasonReadError   = "read_error"
	reasonWriteError  = "write_error"
	reasonPingTimeout = "ping_timeout"
	reasonStall       = "head_stall"
	reasonLag         = "head_lag"
	reasonHTTPError   = "http_error"
	reasonResubscribe = "resubscribe_failed"
	reasonProbe       = "probe"
	reasonClosed      = "client_closed"
)

// Call states: a request is queued, then either taken by the writer (sent) or given up before that
// (abandoned by its caller, or failed because the session closed). The transitions are CAS, so exactly one
// side decides whether the bytes may have reached the node.
const (
	callQueued int32 = iota
	callSent
	callDropped
)

// pendingCall is a request waiting for its reply.
type pendingCall struct {
	method string
	state  atomic.Int32
	hook   replyHook
	reply  chan callReply // capacity 1: whoever removes the call from the pending map sends exactly once
}

type callReply struct {
	result json.RawMessage
	err    error
}

// request is the JSON-RPC request object; params is always an array (positional parameters).
type request struct {
	JSONRPC string `json:"jsonrpc"`
	ID      uint64 `json:"id"`
	Method  string `json:"method"`
	Params  []any  `json:"params"`
}

func encodeRequest(id uint64, method string, params []any) ([]byte, error) {
	if params == nil {
		params = []any{}
	}
	return json.Marshal(request{JSONRPC: "2.0", ID: id, Method: method, Params: params})
}

// inMessage is any message from the node: a reply (id + result or error) or a notification (method + params).
type inMessage struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Params json.RawMessage `json:"params"`
	Result json.RawMessage `json:"result"`
	Error  *wireError      `json:"error"`
}

type notificationParams struct {
	Subscription json.RawMessage `json:"subscription"`
	Result       json.RawMessage `json:"result"`
	Error        json.RawMessage `json:"error"`
}

// subscriptionKey turns a subscription id (a JSON string such as "0x…", or a number on some nodes) into a map
// key. The id is opaque; only its identity matters.
func subscriptionKey(raw json.RawMessage) (string, bool) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", false
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil || s == "" {
			return "", false
		}
		return s, true
	}
	if _, err := strconv.ParseUint(string(raw), 10, 64); err == nil {
		return "n:" + string(raw), true // prefixed so a numeric id never equals a string id
	}
	return "", false
}
