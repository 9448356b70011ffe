package service

import (
	"context"
	"errors"
	"fmt"

	"github.com/pylon-go/pylon/internal/subtensor"
)

// Kind classifies a failed read for the HTTP layer.
type Kind int

// Kinds of failure.
const (
	// KindBadRequest: the request itself is wrong (400).
	KindBadRequest Kind = iota + 1
	// KindNotFound: no such block, subnet, certificate or cached subnet (404).
	KindNotFound
	// KindBadGateway: a node answered, but with an error or something that
	// cannot be decoded, or the archive fallback failed too (502).
	KindBadGateway
	// KindUnavailable: no node could be asked, or the recent data is too old
	// to serve (503).
	KindUnavailable
)

// Error is a read that failed in a way the caller should hear about, with a
// detail meant for a person (it names the node's reason, never secrets).
type Error struct {
	Kind   Kind
	Detail string
	Err    error
}

func (e *Error) Error() string {
	if e.Err != nil && e.Detail == "" {
		return e.Err.Error()
	}
	return e.Detail
}

func (e *Error) Unwrap() error { return e.Err }

// Details Pylon's clients know word for word.
const (
	detailCertificateNotFound = "Certificate not found or error fetching."
	detailBlockNotFoundFmt    = "Block %d not found."
)

// ErrNoChain is what every read answers when the service was built without a
// chain connection (a test server of the HTTP surface).
var ErrNoChain = &Error{Kind: KindUnavailable, Detail: "this service runs without a chain connection (no PYLON_BITTENSOR_NETWORK endpoint was given to it)"}

func notFound(format string, args ...any) *Error {
	return &Error{Kind: KindNotFound, Detail: fmt.Sprintf(format, args...)}
}

// classify turns a chain read's error into an *Error, keeping context errors
// as they are (the HTTP layer answers 504 for a deadline). what names the
// read for the detail, e.g. "the neurons of subnet 1 at block 42".
func classify(err error, what string) error {
	var se *Error
	var ae *subtensor.ArchiveError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &se):
		return err
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return err
	case errors.As(err, &ae):
		return &Error{Kind: KindBadGateway, Detail: fmt.Sprintf("reading %s: %v", what, ae), Err: err}
	case subtensor.IsUnavailable(err):
		return &Error{Kind: KindUnavailable, Detail: fmt.Sprintf("reading %s: no chain node is available: %v", what, err), Err: err}
	case errors.Is(err, subtensor.ErrUnknownBlock):
		return &Error{Kind: KindBadGateway, Detail: fmt.Sprintf("reading %s: the node no longer holds that block's state and no archive node is configured: %v", what, err), Err: err}
	default:
		return &Error{Kind: KindBadGateway, Detail: fmt.Sprintf("reading %s from the chain failed: %v", what, err), Err: err}
	}
}
