package subtensor

import (
	"context"
	"errors"
	"fmt"

	"github.com/pylon-go/pylon/internal/chain"
	"github.com/pylon-go/pylon/internal/chain/rpc"
)

// Errors callers branch on. ErrBlockNotFound and ErrUnknownBlock are the
// chain layer's sentinels, re-exported so that callers above this package
// need not import it.
var (
	// ErrBlockNotFound: the chain has no block with that number (yet) or
	// hash.
	ErrBlockNotFound = chain.ErrBlockNotFound
	// ErrUnknownBlock: the node no longer holds the block's state (pruned).
	ErrUnknownBlock = chain.ErrUnknownBlock
	// ErrSubnetNotFound: the subnet does not exist at that block.
	ErrSubnetNotFound = errors.New("subtensor: subnet not found")
)

// Archive routing reasons, as Pylon labels them.
const (
	ReasonStaleBlock   = "stale_block"
	ReasonUnknownBlock = "unknown_block"
)

// ArchiveError is a read that went to the archive node and failed there
// too. Reason says why the archive node was asked (ReasonStaleBlock: the
// block is older than the cutoff; ReasonUnknownBlock: the main node no
// longer holds its state, Main says how it answered).
type ArchiveError struct {
	Reason    string
	Operation string
	Block     uint64
	// Main is the main node's error (ReasonUnknownBlock only).
	Main error
	// Err is the archive node's error (or why it could not be reached).
	Err error
}

func (e *ArchiveError) Error() string {
	if e.Reason == ReasonStaleBlock {
		return fmt.Sprintf("block %d is older than the archive cutoff, and the archive node failed: %v", e.Block, e.Err)
	}
	return fmt.Sprintf("the main node no longer holds the state of block %d (%v), and the archive node failed: %v", e.Block, e.Main, e.Err)
}

// Unwrap returns the archive node's error, so that errors.Is finds a
// deadline or a closed client behind it.
func (e *ArchiveError) Unwrap() error { return e.Err }

// IsUnavailable reports whether err means that no node could be asked: none
// was reachable, the connection broke mid-request, or the client is closed.
// Such a read may succeed when retried later (the API answers 503), unlike a
// node's refusal or an undecodable answer (502).
func IsUnavailable(err error) bool {
	return errors.Is(err, chain.ErrUnavailable) || errors.Is(err, chain.ErrClosed) ||
		errors.Is(err, rpc.ErrConnectionLost) || errors.Is(err, rpc.ErrNotConnected) || errors.Is(err, rpc.ErrClientClosed)
}

// status is the operation outcome label of pylon_bittensor_operation_duration_seconds.
func status(err error) string {
	switch {
	case err == nil:
		return "success"
	case errors.Is(err, context.Canceled):
		return "cancelled"
	case errors.Is(err, ErrUnknownBlock):
		return "unknown_block"
	default:
		return "error"
	}
}
