package scale

import "errors"

// Errors reported by the decoder. Callers test them with errors.Is; the
// returned errors wrap them with the offset and the value being read.
var (
	// ErrShortInput means the input ended before the value did.
	ErrShortInput = errors.New("scale: unexpected end of input")
	// ErrLengthTooLarge means a length prefix promises more elements than the
	// remaining input can hold.
	ErrLengthTooLarge = errors.New("scale: length prefix exceeds remaining input")
	// ErrInvalidBool means a bool byte was neither 0 nor 1.
	ErrInvalidBool = errors.New("scale: invalid bool")
	// ErrInvalidOption means an Option or Result tag byte was neither 0 nor 1.
	ErrInvalidOption = errors.New("scale: invalid option or result tag")
	// ErrNonCanonicalCompact means a compact integer used a longer mode than its
	// value needs; the chain's codec rejects such encodings, so we do too.
	ErrNonCanonicalCompact = errors.New("scale: non-canonical compact encoding")
	// ErrOverflow means a value does not fit the destination type.
	ErrOverflow = errors.New("scale: value out of range")
	// ErrInvalidUTF8 means a string was not valid UTF-8.
	ErrInvalidUTF8 = errors.New("scale: string is not valid UTF-8")
	// ErrTrailingBytes means input remained after the complete value was read.
	ErrTrailingBytes = errors.New("scale: trailing bytes after value")
	// ErrTooDeep means recursive values nest deeper than MaxNesting.
	ErrTooDeep = errors.New("scale: value nests too deeply")
	// ErrUnsupportedType means the static codec cannot map a Go type to SCALE.
	ErrUnsupportedType = errors.New("scale: unsupported Go type")
)
