package extrinsic

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/pylon-go/pylon/internal/chain/rpc"
)

const blockHex = "0xf0aa135ddac82c7b5ea0de2b021945381bc6a449fdd44386d9956fa0a5ee1e05"

// Every status form: Substrate's strings and objects (CHAIN.md §6.5), Chopsticks' {"ready":null} and fake
// broadcast (DEVNET.md §9.1), and spellings that differ only in case or underscores.
func TestParseStatus(t *testing.T) {
	for _, tc := range []struct {
		raw     string
		kind    statusKind
		hasHash bool
	}{
		{`"future"`, statusFuture, false},
		{`"ready"`, statusReady, false},
		{`{"ready":null}`, statusReady, false},
		{`{"future":null}`, statusFuture, false},
		{`{"broadcast":["12D3KooWQgG8BL8VB6aXdzvnadkbJiQ6HnoxjSjrD9kuXuGGhP46"]}`, statusBroadcast, false},
		{`{"broadcast":["5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"]}`, statusBroadcast, false},
		{`{"inBlock":"` + blockHex + `"}`, statusInBlock, true},
		{`{"InBlock":"` + blockHex + `"}`, statusInBlock, true},
		{`{"in_block":"` + blockHex + `"}`, statusInBlock, true},
		{`{"retracted":"` + blockHex + `"}`, statusRetracted, true},
		{`{"finalityTimeout":"` + blockHex + `"}`, statusFinalityTimeout, true},
		{`{"finalized":"` + blockHex + `"}`, statusFinalized, true}, //nolint:misspell // the node's spelling
		{`{"usurped":"` + blockHex + `"}`, statusUsurped, true},
		{`{"usurped":null}`, statusUsurped, false},
		{`"dropped"`, statusDropped, false},
		{`{"dropped":null}`, statusDropped, false},
		{`"invalid"`, statusInvalid, false},
		{`"Invalid"`, statusInvalid, false},
		{`{"invalid":{"exhaustsResources":null}}`, statusInvalid, false},
		{`{"invalid":{"future":null}}`, statusInvalid, false},
		{`{"unknown":{"cannotLookup":null}}`, statusInvalid, false},
	} {
		st, err := parseStatus(json.RawMessage(tc.raw))
		if err != nil || st.kind != tc.kind || st.hasHash != tc.hasHash {
			t.Errorf("%s: %v %v %v", tc.raw, st.kind, st.hasHash, err)
			continue
		}
		if tc.hasHash && "0x"+hex.EncodeToString(st.hash[:]) != blockHex {
			t.Errorf("%s: hash %x", tc.raw, st.hash)
		}
	}
	if st, _ := parseStatus(json.RawMessage(`{"invalid":{"exhaustsResources":null}}`)); st.detail != `{"exhaustsResources":null}` {
		t.Errorf("invalid detail %q", st.detail)
	}
	for _, bad := range []string{`"sealed"`, `{}`, `{"inBlock":"0x12"}`, `{"finalized":null}`, `{"a":1,"b":2}`, `17`, `null`} { //nolint:misspell // the node's spelling
		if st, err := parseStatus(json.RawMessage(bad)); err == nil {
			t.Errorf("%s parsed as %v", bad, st.kind)
		}
	}
}

// testCustomNames is a caller's table of custom pool error names (internal/subtensor has the real one).
var testCustomNames = map[uint8]string{3: "SubnetNotExists", 6: "RateLimitExceeded", 19: "UidNotFound"}

// Pool rejections as a Substrate node words them (message "Invalid Transaction" with the reason in data,
// sc-rpc-api author/error.rs) and as Chopsticks does (the validity as JSON in the message, DEVNET.md §9.3).
func TestParsePoolError(t *testing.T) {
	for _, tc := range []struct {
		code       int
		message    string
		data       string
		reason     string
		custom     int
		customName string
	}{
		{1010, "Invalid Transaction", `"Custom error: 6"`, ReasonCustom, 6, "RateLimitExceeded"},
		{1010, "Invalid Transaction", `"Custom error: 19"`, ReasonCustom, 19, "UidNotFound"},
		{1010, "Invalid Transaction", `"Custom error: 200"`, ReasonCustom, 200, ""},
		{1010, "Invalid Transaction", `"Transaction has a bad signature"`, ReasonBadProof, -1, ""},
		{1010, "Invalid Transaction", `"Transaction is outdated"`, ReasonStale, -1, ""},
		{1010, "Invalid Transaction", `"Transaction will be valid in the future"`, ReasonFuture, -1, ""},
		{1010, "Invalid Transaction", `"Inability to pay some fees (e.g. account balance too low)"`, ReasonPayment, -1, ""},
		{1010, "Invalid Transaction", `"Transaction has an ancient birth block"`, ReasonAncientBirthBlock, -1, ""},
		{1010, "Invalid Transaction", `"Transaction would exhaust the block limits"`, ReasonExhaustsResources, -1, ""},
		{1010, "Invalid Transaction", `"Invalid signing address"`, ReasonBadSigner, -1, ""},
		{1010, `{"invalid":{"badProof":null}}`, "", ReasonBadProof, -1, ""},
		{1010, `{"invalid":{"stale":null}}`, "", ReasonStale, -1, ""},
		{1010, `{"invalid":{"payment":null}}`, "", ReasonPayment, -1, ""},
		{1010, `{"invalid":{"custom":6}}`, "", ReasonCustom, 6, "RateLimitExceeded"},
		{1010, `{"invalid":"stale"}`, "", ReasonStale, -1, ""},
		{1011, `{"unknown":{"cannotLookup":null}}`, "", ReasonCannotLookup, -1, ""},
		{1011, "Unknown Transaction Validity", `"CannotLookup"`, ReasonCannotLookup, -1, ""},
		{1011, "Unknown Transaction Validity", `"Custom(3)"`, ReasonCustom, 3, "SubnetNotExists"},
		{1012, "Transaction is temporarily banned", "", ReasonTemporarilyBanned, -1, ""},
		{1013, "Transaction Already Imported", `"0x1234"`, ReasonAlreadyImported, -1, ""},
		{1014, "Priority is too low: (10 vs 10)", `"The transaction has too low priority to replace another transaction already in the pool."`, ReasonTooLowPriority, -1, ""},
		{1016, "Immediately Dropped", `"The transaction couldn't enter the pool because of the limit"`, ReasonImmediatelyDropped, -1, ""},
		{1010, "Invalid Transaction", `"something new"`, "", -1, ""},
	} {
		var data json.RawMessage
		if tc.data != "" {
			data = json.RawMessage(tc.data)
		}
		re := &rpc.Error{Code: tc.code, Message: tc.message, Data: data, Method: "author_submitAndWatchExtrinsic"}
		pe := parsePoolError(re, testCustomNames)
		if pe == nil {
			t.Fatalf("%d %s: not a pool error", tc.code, tc.message)
		}
		if pe.Reason != tc.reason || pe.Custom != tc.custom || pe.CustomName != tc.customName || pe.Code != tc.code {
			t.Errorf("%d %s %s: %+v", tc.code, tc.message, tc.data, pe)
		}
		var back *rpc.Error
		if !errors.As(pe, &back) || back != re {
			t.Errorf("%v does not unwrap to the rpc error", pe)
		}
		if tc.customName != "" && !strings.Contains(pe.Error(), tc.customName) {
			t.Errorf("message %q lacks %s", pe.Error(), tc.customName)
		}
		if tc.reason == "" && !strings.Contains(pe.Error(), "something new") {
			t.Errorf("unrecognised reason not shown: %q", pe.Error())
		}
	}
	if pe := parsePoolError(&rpc.Error{Code: 4003, Message: "Client error"}, nil); pe != nil {
		t.Errorf("4003 taken for a pool error: %v", pe)
	}
	stale := parsePoolError(&rpc.Error{Code: 1010, Message: `{"invalid":{"stale":null}}`}, nil)
	low := parsePoolError(&rpc.Error{Code: 1014, Message: "Priority is too low"}, nil)
	proof := parsePoolError(&rpc.Error{Code: 1010, Message: `{"invalid":{"badProof":null}}`}, nil)
	if !stale.NonceTaken() || !low.NonceTaken() || proof.NonceTaken() {
		t.Error("NonceTaken")
	}
}
