package chain

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/pylon-go/pylon/internal/chain/rpc"
)

// Sentinel errors. Errors returned by this package wrap them (and, for node errors, the *rpc.Error), so
// check with errors.Is and errors.As.
var (
	// ErrBlockNotFound: the node knows no block with that number or hash (chain_getBlockHash,
	// chain_getHeader or chain_getBlock answered null, or a devnet's "Block … not found"). A number beyond
	// the best block is not found, as is a hash from another chain or fork the node never imported.
	ErrBlockNotFound = errors.New("chain: block not found")

	// ErrUnknownBlock: the node cannot serve state at that block: JSON-RPC error 4003 with "UnknownBlock" /
	// "unknown Block" / "State already discarded" (a pruned node asked about an old block), or no runtime
	// version for the block. An archive node may still answer: this is the archive fallback trigger.
	ErrUnknownBlock = errors.New("chain: state of the block is not available on this node")

	// ErrNotInRuntime: the runtime of the block has no such pallet, storage item, call, runtime API or
	// method. Runtime upgrades add and remove items, so this is an expected answer for some blocks. The
	// error also wraps metadata.ErrNotFound.
	ErrNotInRuntime = errors.New("chain: not in this runtime")

	// ErrUnavailable: no node was reachable within Options.ConnectWait while the client reconnected. The
	// request was never sent; the error wraps rpc.ErrNotConnected but not the caller's context error,
	// since the caller's deadline did not pass.
	ErrUnavailable = errors.New("chain: no node reachable")

	// ErrNotReady: the head is stale or was never seen (Client.Ready).
	ErrNotReady = errors.New("chain: not ready")

	// ErrClosed: the client was closed.
	ErrClosed = errors.New("chain: client closed")
)

// errConnectWait is the cause of a call's context ending because ConnectWait passed while reconnecting.
var errConnectWait = errors.New("chain: connect wait passed")

// isUnknownBlockError reports whether a node error says the block (or its state) is unknown to the node.
// Substrate reports both an unknown hash and pruned state as a "Client error" (4003); Chopsticks answers
// code 1 "Block 0x… not found".
func isUnknownBlockError(e *rpc.Error) bool {
	msg := strings.ToLower(e.Message)
	if data := strings.ToLower(string(e.Data)); data != "" && data != "null" {
		msg += " " + data
	}
	switch {
	case strings.Contains(msg, "unknownblock"),
		strings.Contains(msg, "unknown block"),
		strings.Contains(msg, "state already discarded"),
		strings.Contains(msg, "header was not found"):
		return true
	case strings.HasPrefix(msg, "block 0x") && strings.HasSuffix(msg, " not found"):
		return true
	}
	return false
}

// mapError turns transport and node errors into the package's sentinels. notFound is what an unknown block
// means for the method (ErrBlockNotFound for header and block reads, ErrUnknownBlock for state reads).
func mapError(ctx context.Context, method string, err, notFound error) error {
	if err == nil {
		return nil
	}
	var rpcErr *rpc.Error
	switch {
	case errors.As(err, &rpcErr) && isUnknownBlockError(rpcErr):
		return fmt.Errorf("%w: %w", notFound, err)
	case errors.Is(err, rpc.ErrClientClosed):
		return fmt.Errorf("%w: %w", ErrClosed, err)
	case errors.Is(err, rpc.ErrNotConnected) && errors.Is(context.Cause(ctx), errConnectWait):
		// The caller's own context is still alive: the wait for a connection was cut short on purpose.
		// Report that, not a deadline, so callers answer "unavailable" rather than "timed out".
		return fmt.Errorf("%w for %s (the client is reconnecting): %w", ErrUnavailable, method, rpc.ErrNotConnected)
	}
	return err
}
