package extrinsic

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
)

// statusKind is a transaction status of author_submitAndWatchExtrinsic (sc_transaction_pool_api's
// TransactionStatus).
type statusKind int

const (
	statusFuture statusKind = iota
	statusReady
	statusBroadcast
	statusInBlock
	statusRetracted
	statusFinalityTimeout
	statusFinalized
	statusUsurped
	statusDropped
	statusInvalid
)

var statusNames = map[string]statusKind{
	"future":          statusFuture,
	"ready":           statusReady,
	"broadcast":       statusBroadcast,
	"inblock":         statusInBlock,
	"retracted":       statusRetracted,
	"finalitytimeout": statusFinalityTimeout,
	"finalized":       statusFinalized, //nolint:misspell // the node's spelling
	"usurped":         statusUsurped,
	"dropped":         statusDropped,
	"invalid":         statusInvalid,
	// Not a Substrate status: Chopsticks sends the TransactionValidityError of an extrinsic it drops while
	// building a block, {"invalid":{…}} or {"unknown":{…}}, on the watch. Either way it is gone.
	"unknown": statusInvalid,
}

// txStatus is one parsed status notification. Hash is the block for inBlock, retracted, finalityTimeout
// and finalised, and the replacing transaction for usurped.
type txStatus struct {
	kind    statusKind
	hash    [32]byte
	hasHash bool
	// detail is the value of an object form that is not a hash, e.g. Chopsticks' reason for dropping an
	// extrinsic while building a block: {"invalid":{"exhaustsResources":null}}.
	detail string
}

// parseStatus reads a status in any of the forms nodes send: a bare string ("future", "ready", "dropped",
// "invalid"), or an object with one key whose value is a hash, a list (broadcast peers) or null
// (Chopsticks' {"ready":null}). Keys are matched without regard to case or underscores, so "inBlock",
// "InBlock" and "in_block" are one status.
func parseStatus(raw json.RawMessage) (txStatus, error) {
	var name string
	var value json.RawMessage
	if err := json.Unmarshal(raw, &name); err != nil {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(raw, &obj); err != nil || len(obj) != 1 {
			return txStatus{}, fmt.Errorf("extrinsic: unrecognised transaction status %s", truncate(raw))
		}
		for k, v := range obj {
			name, value = k, v
		}
	}
	kind, ok := statusNames[strings.ToLower(strings.ReplaceAll(name, "_", ""))]
	if !ok {
		return txStatus{}, fmt.Errorf("extrinsic: unrecognised transaction status %s", truncate(raw))
	}
	st := txStatus{kind: kind}
	if v := string(value); v != "" && v != "null" {
		st.detail = truncate(value)
	}
	switch kind {
	case statusInBlock, statusRetracted, statusFinalityTimeout, statusFinalized, statusUsurped:
		h, err := parseHash(value)
		if err != nil {
			// A block status without its block is useless for inclusion; a usurper's hash is only
			// informative.
			if kind != statusUsurped {
				return txStatus{}, fmt.Errorf("extrinsic: transaction status %s: %w", truncate(raw), err)
			}
			break
		}
		st.hash, st.hasHash = h, true
	}
	return st, nil
}

// parseHash reads a JSON "0x…" 32-byte hash.
func parseHash(raw json.RawMessage) ([32]byte, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return [32]byte{}, fmt.Errorf("not a hash: %s", truncate(raw))
	}
	b, err := hex.DecodeString(strings.TrimPrefix(s, "0x"))
	if err != nil || len(b) != 32 {
		return [32]byte{}, fmt.Errorf("not a 32-byte hash: %q", s)
	}
	return [32]byte(b), nil
}

func truncate(raw []byte) string {
	const limit = 120
	if len(raw) > limit {
		return string(raw[:limit]) + "…"
	}
	return string(raw)
}
