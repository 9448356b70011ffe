package rpc

import (
	"encoding/json"
	"errors"
	"fmt"
)

// Sentinel errors. Errors returned by this package wrap them, so check with errors.Is.
var (
	// ErrConnectionLost: the connection the request was sent on broke before the reply came. The request may
	// or may not have been executed by the node; only idempotent requests are safe to repeat. For a watched
	// extrinsic, confirm inclusion by scanning blocks instead of submitting again.
	ErrConnectionLost = errors.New("rpc: connection lost")

	// ErrNotConnected: the client had no usable connection to any endpoint before the call's context ended.
	// The request was never sent. The error also wraps the context's error.
	ErrNotConnected = errors.New("rpc: not connected to any endpoint")

	// ErrClientClosed: the client was closed.
	ErrClientClosed = errors.New("rpc: client closed")

	// ErrNoEndpoints: Dial was given no endpoint URL.
	ErrNoEndpoints = errors.New("rpc: no endpoints given")

	// ErrSubscriptionsUnsupported: the current endpoint uses HTTP, which cannot carry notifications.
	ErrSubscriptionsUnsupported = errors.New("rpc: subscriptions need a WebSocket endpoint")

	// ErrSubscriptionOverflow ends a subscription with the EndOnOverflow policy whose consumer fell behind by
	// more than the buffer.
	ErrSubscriptionOverflow = errors.New("rpc: subscription buffer overflow (consumer too slow)")

	// ErrSubscriptionClosed ends a subscription that the node closed with an error notification.
	ErrSubscriptionClosed = errors.New("rpc: subscription closed by the node")

	// ErrInvalidResponse: the node sent something that is not a well-formed JSON-RPC reply.
	ErrInvalidResponse = errors.New("rpc: invalid response")
)

// Error is a JSON-RPC error object returned by a node, together with where it came from.
// Match it with errors.As; compare Code with the node's documented codes (e.g. 1010 invalid transaction,
// 4003 unknown or pruned block).
type Error struct {
	// Code is the JSON-RPC error code.
	Code int
	// Message is the node's error message.
	Message string
	// Data is the optional error data exactly as sent (for Substrate often a string with the reason,
	// e.g. "Custom error: 6"); nil when absent.
	Data json.RawMessage
	// Method is the JSON-RPC method that failed.
	Method string
	// Endpoint names the node that answered (credentials stripped, see Client.Endpoint).
	Endpoint string
}

// maxDataInMessage caps how much of Data is copied into Error(), which ends up in logs.
const maxDataInMessage = 256

func (e *Error) Error() string {
	msg := fmt.Sprintf("rpc: %s on %s: error %d: %s", e.Method, e.Endpoint, e.Code, e.Message)
	if len(e.Data) > 0 && string(e.Data) != "null" {
		data := e.Data
		if len(data) > maxDataInMessage {
			return msg + " (data: " + string(data[:maxDataInMessage]) + "…)"
		}
		msg += " (data: " + string(data) + ")"
	}
	return msg
}

// wireError is the JSON-RPC error object on the wire.
type wireError struct {
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data,omitempty"`
}

func (w *wireError) toError(method, endpoint string) *Error {
	return &Error{Code: w.Code, Message: w.Message, Data: w.Data, Method: method, Endpoint: endpoint}
}
