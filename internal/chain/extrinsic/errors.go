package extrinsic

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/pylon-go/pylon/internal/chain/metadata"
	"github.com/pylon-go/pylon/internal/chain/rpc"
)

// Sentinel outcomes of a submitted extrinsic that did not make it into a block. Errors returned by
// Submitter wrap them; check with errors.Is.
var (
	// ErrDropped: the node's pool dropped the extrinsic (full pool, or replaced by a better transaction
	// from the same account). This node will not include it; a peer that received it before could, until
	// its era ends (Result.EraEnd).
	ErrDropped = errors.New("extrinsic: dropped from the transaction pool")
	// ErrInvalid: the pool found the extrinsic invalid after accepting it (typically its nonce was used by
	// another transaction that landed first). It will not be included.
	ErrInvalid = errors.New("extrinsic: became invalid in the transaction pool")
	// ErrUsurped: another extrinsic with the same sender and nonce replaced it in the pool.
	ErrUsurped = errors.New("extrinsic: usurped by another transaction with the same nonce")
	// ErrFutureTimeout: the pool held the extrinsic as "future" (its nonce is ahead of the account's)
	// for longer than Options.FutureTimeout blocks. It is still in the pool and may be included, at the
	// latest before its era ends (Result.EraEnd); the signer's nonce is re-read on the next submission.
	ErrFutureTimeout = errors.New("extrinsic: waiting as a future transaction for too long")
	// ErrEraExpired: the extrinsic's mortality passed without it appearing in a block (confirmed by
	// scanning every block of its era). It can no longer be included.
	ErrEraExpired = errors.New("extrinsic: era expired before inclusion")
	// ErrFinalityTimeout: the extrinsic was included but the node gave up waiting for that block's
	// finality (status finalityTimeout). The Result names the block.
	ErrFinalityTimeout = errors.New("extrinsic: finality timeout")
	// ErrNotInBlock: the node reported the extrinsic in a block that does not contain it.
	ErrNotInBlock = errors.New("extrinsic: reported block does not contain the extrinsic")
	// ErrNotSent: the BeforeSend callback declined the extrinsic, so it was never sent (the callback's
	// error is wrapped too).
	ErrNotSent = errors.New("extrinsic: not sent")
)

// DispatchError is the runtime's rejection of an included extrinsic: System.ExtrinsicFailed among its
// events. The fee (if any) was paid and the nonce used. Module errors are resolved through the metadata of
// the runtime that executed the block, so their names are right across runtime upgrades.
type DispatchError struct {
	// Dispatch is the decoded sp_runtime::DispatchError; errors.As also finds its *metadata.ModuleError.
	Dispatch *metadata.DispatchError
	// BlockHash, BlockNumber and Index locate the extrinsic.
	BlockHash   [32]byte
	BlockNumber uint64
	Index       uint32
}

// Name is the error's name: "Pallet.Error" for module errors (e.g. "SubtensorModule.SettingWeightsTooFast"),
// the variant otherwise ("BadOrigin", "Token.FundsUnavailable").
func (e *DispatchError) Name() string {
	d := e.Dispatch
	switch {
	case d == nil:
		return "unknown"
	case d.Module != nil:
		return d.Module.Pallet + "." + d.Module.Name
	case d.Detail != "":
		return d.Name + "." + d.Detail
	}
	return d.Name
}

// Module returns the pallet error, or nil when the dispatch error is not a module error.
func (e *DispatchError) Module() *metadata.ModuleError {
	if e.Dispatch == nil {
		return nil
	}
	return e.Dispatch.Module
}

func (e *DispatchError) Error() string {
	msg := fmt.Sprintf("extrinsic: failed in block #%d (index %d): %s", e.BlockNumber, e.Index, e.Name())
	if m := e.Module(); m != nil && len(m.Docs) > 0 {
		msg += ": " + strings.Join(m.Docs, " ")
	}
	return msg
}

// Unwrap returns the decoded dispatch error (whose Unwrap gives the *metadata.ModuleError).
func (e *DispatchError) Unwrap() error {
	if e.Dispatch == nil {
		return nil
	}
	return e.Dispatch
}

// Pool error codes of Substrate's author RPC (sc-rpc-api author/error.rs). 1010 and 1011 carry a validity
// reason; the others are pool states.
const (
	CodeInvalidTransaction = 1010
	CodeUnknownValidity    = 1011
	CodeTemporarilyBanned  = 1012
	CodeAlreadyImported    = 1013
	CodeTooLowPriority     = 1014
	CodeCycleDetected      = 1015
	CodeImmediatelyDropped = 1016
	CodeUnactionable       = 1017
	CodeNoTagsProvided     = 1018
	CodeInvalidBlockID     = 1019
	CodeRejectedFuture     = 1020
)

// Canonical reasons of a *PoolError, in the names of sp_runtime's InvalidTransaction and
// UnknownTransaction variants (and the pool states for the other codes).
const (
	ReasonCall                = "Call"
	ReasonPayment             = "Payment"
	ReasonFuture              = "Future"
	ReasonStale               = "Stale"
	ReasonBadProof            = "BadProof"
	ReasonAncientBirthBlock   = "AncientBirthBlock"
	ReasonExhaustsResources   = "ExhaustsResources"
	ReasonCustom              = "Custom"
	ReasonBadMandatory        = "BadMandatory"
	ReasonMandatoryValidation = "MandatoryValidation"
	ReasonBadSigner           = "BadSigner"
	ReasonCannotLookup        = "CannotLookup"
	ReasonNoUnsignedValidator = "NoUnsignedValidator"
	ReasonTemporarilyBanned   = "TemporarilyBanned"
	ReasonAlreadyImported     = "AlreadyImported"
	ReasonTooLowPriority      = "TooLowPriority"
	ReasonCycleDetected       = "CycleDetected"
	ReasonImmediatelyDropped  = "ImmediatelyDropped"
)

// PoolError is the node's refusal of an extrinsic at submission (JSON-RPC errors 1010–1020): it never
// entered the pool, so nothing was or will be executed.
type PoolError struct {
	// Code is the JSON-RPC error code (CodeInvalidTransaction, …).
	Code int
	// Reason is the canonical reason (ReasonBadProof, ReasonStale, ReasonCustom, …), or "" when the
	// node's text was not recognised (Message and Data still say it).
	Reason string
	// Custom is the runtime's custom error code for ReasonCustom ("Custom error: 6"), else -1.
	Custom int
	// CustomName names Custom through Options.CustomErrorNames (e.g. "RateLimitExceeded"), or "".
	CustomName string
	// Message and Data are the node's, as sent (Data is the JSON text, e.g. "\"Custom error: 6\"").
	Message string
	Data    string

	rpc *rpc.Error
}

func (e *PoolError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "extrinsic: rejected at submission (%d", e.Code)
	if e.Reason != "" {
		b.WriteString(" " + e.Reason)
	}
	b.WriteString(")")
	switch {
	case e.Custom >= 0 && e.CustomName != "":
		fmt.Fprintf(&b, ": custom error %d (%s)", e.Custom, e.CustomName)
	case e.Custom >= 0:
		fmt.Fprintf(&b, ": custom error %d", e.Custom)
	default:
		if detail := e.detail(); detail != "" {
			b.WriteString(": " + detail)
		}
	}
	return b.String()
}

func (e *PoolError) detail() string {
	msg := e.Message
	if d := dataText(e.Data); d != "" {
		msg += ": " + d
	}
	return msg
}

// Unwrap returns the node's *rpc.Error.
func (e *PoolError) Unwrap() error {
	if e.rpc == nil {
		return nil
	}
	return e.rpc
}

// NonceTaken reports whether the rejection means the nonce was already used or is held by another pool
// transaction (Stale, or too low a priority to replace it): retrying with a re-read nonce is safe, since
// nothing entered the pool.
func (e *PoolError) NonceTaken() bool {
	return e.Reason == ReasonStale || e.Code == CodeTooLowPriority
}

var customRE = regexp.MustCompile(`(?i)custom(?:\s*error)?\s*[:(]?\s*(\d+)`)

// parsePoolError turns a node's JSON-RPC error into a *PoolError when its code is one of the pool's, and
// nil otherwise. Nodes word the same rejection differently: Substrate sends message "Invalid Transaction"
// with data "Custom error: 6" or "Transaction has a bad signature"; Chopsticks sends the validity as JSON
// in the message, {"invalid":{"badProof":null}} or {"invalid":{"custom":6}}. Both are read.
func parsePoolError(e *rpc.Error, names map[uint8]string) *PoolError {
	if e.Code < CodeInvalidTransaction || e.Code > CodeRejectedFuture {
		return nil
	}
	pe := &PoolError{Code: e.Code, Custom: -1, Message: e.Message, Data: string(e.Data), rpc: e}
	switch e.Code {
	case CodeTemporarilyBanned:
		pe.Reason = ReasonTemporarilyBanned
	case CodeAlreadyImported:
		pe.Reason = ReasonAlreadyImported
	case CodeTooLowPriority:
		pe.Reason = ReasonTooLowPriority
	case CodeCycleDetected:
		pe.Reason = ReasonCycleDetected
	case CodeImmediatelyDropped:
		pe.Reason = ReasonImmediatelyDropped
	}
	if pe.Reason == "" {
		for _, text := range []string{e.Message, dataText(pe.Data)} {
			if r, custom := validityReason(text); r != "" {
				pe.Reason, pe.Custom = r, custom
				break
			}
		}
	}
	if pe.Custom >= 0 && pe.Custom <= 255 {
		pe.CustomName = names[uint8(pe.Custom)]
	}
	return pe
}

// dataText returns the error data as plain text: the string itself for a JSON string, else the JSON.
func dataText(data string) string {
	if data == "" || data == "null" {
		return ""
	}
	var s string
	if json.Unmarshal([]byte(data), &s) == nil {
		return s
	}
	return data
}

// validityReason recognises a transaction-validity error in one text: the JSON object form
// ({"invalid":{"stale":null}}, {"unknown":{"cannotLookup":null}}, {"invalid":{"custom":6}}), Substrate's
// Display strings, or a bare variant name. custom is -1 unless the reason is ReasonCustom.
func validityReason(text string) (reason string, custom int) {
	text = strings.TrimSpace(text)
	if text == "" {
		return "", -1
	}
	if strings.HasPrefix(text, "{") {
		if r, c, ok := validityFromJSON(text); ok {
			return r, c
		}
	}
	if m := customRE.FindStringSubmatch(text); m != nil {
		n, err := strconv.Atoi(m[1])
		if err == nil {
			return ReasonCustom, n
		}
	}
	lower := strings.ToLower(text)
	for _, p := range displayPatterns {
		if strings.Contains(lower, p.text) {
			return p.reason, -1
		}
	}
	return "", -1
}

// displayPatterns are fragments of sp_runtime's Display texts for InvalidTransaction and
// UnknownTransaction, and the variant names themselves, lower-cased. Order matters where fragments
// overlap ("bad signer" before "bad signature").
var displayPatterns = []struct{ text, reason string }{
	{"bad signature", ReasonBadProof},
	{"badproof", ReasonBadProof},
	{"outdated", ReasonStale},
	{"stale", ReasonStale},
	{"valid in the future", ReasonFuture},
	{"future", ReasonFuture},
	{"pay some fees", ReasonPayment},
	{"payment", ReasonPayment},
	{"ancient birth block", ReasonAncientBirthBlock},
	{"ancientbirthblock", ReasonAncientBirthBlock},
	{"exhaust the block limits", ReasonExhaustsResources},
	{"exhaustsresources", ReasonExhaustsResources},
	{"invalid signing address", ReasonBadSigner},
	{"badsigner", ReasonBadSigner},
	{"labelled as mandatory", ReasonBadMandatory},
	{"badmandatory", ReasonBadMandatory},
	{"dispatch is mandatory", ReasonMandatoryValidation},
	{"mandatoryvalidation", ReasonMandatoryValidation},
	{"call is not expected", ReasonCall},
	{"could not lookup information", ReasonCannotLookup},
	{"cannotlookup", ReasonCannotLookup},
	{"unsigned validator", ReasonNoUnsignedValidator},
	{"nounsignedvalidator", ReasonNoUnsignedValidator},
	{"custom error", ReasonCustom}, // "InvalidTransaction custom error" without a code
}

// validityFromJSON reads {"invalid"|"unknown": "variant" | {"variant": value}}.
func validityFromJSON(text string) (reason string, custom int, ok bool) {
	var outer map[string]json.RawMessage
	if json.Unmarshal([]byte(text), &outer) != nil || len(outer) != 1 {
		return "", -1, false
	}
	for _, inner := range outer {
		var name string
		var value json.RawMessage
		if json.Unmarshal(inner, &name) != nil {
			var m map[string]json.RawMessage
			if json.Unmarshal(inner, &m) != nil || len(m) != 1 {
				return "", -1, false
			}
			for k, v := range m {
				name, value = k, v
			}
		}
		reason = canonicalVariant(name)
		if reason == ReasonCustom {
			var n int
			if json.Unmarshal(value, &n) != nil {
				n = -1
			}
			return reason, n, true
		}
		return reason, -1, reason != ""
	}
	return "", -1, false
}

var variantNames = map[string]string{}

func init() {
	for _, r := range []string{ReasonCall, ReasonPayment, ReasonFuture, ReasonStale, ReasonBadProof,
		ReasonAncientBirthBlock, ReasonExhaustsResources, ReasonCustom, ReasonBadMandatory,
		ReasonMandatoryValidation, ReasonBadSigner, ReasonCannotLookup, ReasonNoUnsignedValidator} {
		variantNames[strings.ToLower(r)] = r
	}
}

// canonicalVariant maps "badProof", "BadProof" or "bad_proof" to ReasonBadProof.
func canonicalVariant(name string) string {
	return variantNames[strings.ToLower(strings.ReplaceAll(name, "_", ""))]
}
