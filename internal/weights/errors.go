package weights

import (
	"errors"
	"fmt"
)

// ErrInvalidWeights matches every *ValidationError: the request cannot be
// submitted as it is, and retrying will not help until the request or the chain
// changes. The HTTP layer maps it to a 4xx.
var ErrInvalidWeights = errors.New("invalid weights")

// The specific validation failures. Each *ValidationError matches exactly one of
// them (and ErrInvalidWeights) under errors.Is. Where the check mirrors a chain
// rule, the chain's error name is in ValidationError.Chain.
var (
	ErrNoWeights           = errors.New("no weights")
	ErrInvalidHotkey       = errors.New("hotkey is not a valid SS58 address")
	ErrNotFinite           = errors.New("weight is not a finite number")
	ErrNegative            = errors.New("weight is negative")
	ErrAllZero             = errors.New("all weights are zero")
	ErrNoneRegistered      = errors.New("none of the hotkeys is registered in the subnet")
	ErrSignerNotRegistered = errors.New("signing hotkey is not registered in the subnet")
	ErrRootNetwork         = errors.New("weights cannot be set on the root network")
	ErrUIDOutOfRange       = errors.New("uid is not below the subnet size")
	ErrDuplicateUID        = errors.New("two hotkeys map to the same uid")
	ErrTooFewWeights       = errors.New("fewer weights than the subnet's minimum")
	ErrMaxWeightExceeded   = errors.New("a weight exceeds the subnet's max weight limit")
	ErrVersionKeyTooLow    = errors.New("version key is below the subnet's weights version")
	ErrNoValidatorPermit   = errors.New("signing hotkey has no validator permit")
)

// ValidationError reports why weights were rejected, naming the offending
// hotkeys or uids so a client can fix its request.
type ValidationError struct {
	// Err is the specific sentinel (ErrNegative, ErrTooFewWeights, …).
	Err error
	// Message is a complete human-readable sentence.
	Message string
	// Chain names the chain error this check pre-empts ("WeightVecLengthIsLow"),
	// empty when the rule is the service's own.
	Chain string
	// Hotkeys and UIDs name the offending entries, when there are any.
	Hotkeys []string
	UIDs    []uint16
}

// Error implements error.
func (e *ValidationError) Error() string { return e.Message }

// Unwrap makes errors.Is match both the specific sentinel and ErrInvalidWeights.
func (e *ValidationError) Unwrap() []error { return []error{e.Err, ErrInvalidWeights} }

func invalid(kind error, format string, args ...any) *ValidationError {
	return &ValidationError{Err: kind, Message: fmt.Sprintf(format, args...)}
}

func invalidUIDs(kind error, uids []uint16, format string, args ...any) *ValidationError {
	e := invalid(kind, format, args...)
	e.UIDs = uids
	return e
}

func invalidHotkeys(kind error, hotkeys []string, format string, args ...any) *ValidationError {
	e := invalid(kind, format, args...)
	e.Hotkeys = hotkeys
	return e
}

func (e *ValidationError) chain(name string) *ValidationError {
	e.Chain = name
	return e
}
