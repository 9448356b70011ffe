package subtensor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pylon-go/pylon/internal/chain"
	"github.com/pylon-go/pylon/internal/chain/extrinsic"
)

// DefaultArchiveCutoff is Pylon's PYLON_BITTENSOR_ARCHIVE_BLOCKS_CUTOFF.
const DefaultArchiveCutoff = 300

// Options configure a Client.
type Options struct {
	// Archive returns the archive node's client, connecting on first use; it
	// is called for every archive read and should cache its client. Nil means
	// there is no archive distinct from the main node: every read goes to the
	// main node and nothing falls back.
	Archive func(ctx context.Context) (*chain.Client, error)
	// ArchiveCutoff: blocks more than this many behind the head are read from
	// the archive node. Zero means DefaultArchiveCutoff.
	ArchiveCutoff uint64
	// Logger receives routing events; nil discards.
	Logger *slog.Logger
	// Registerer, if set, registers the pylon_bittensor_* metrics.
	Registerer prometheus.Registerer
	// Submitter signs and submits the writes (weights, serve_axon_tls). It
	// owns the signers' nonces, so the process has one; nil builds one over
	// the main client with PoolErrorNames and no metrics.
	Submitter *extrinsic.Submitter
}

// Client reads Bittensor data through a main chain client and, for old or
// pruned blocks, an archive one. It is safe for concurrent use.
type Client struct {
	main      *chain.Client
	submitter *extrinsic.Submitter
	archive   func(ctx context.Context) (*chain.Client, error)
	cutoff    uint64
	log       *slog.Logger
	m         *metrics
}

// New returns a Client reading through main.
func New(main *chain.Client, opts Options) (*Client, error) {
	if main == nil {
		return nil, errors.New("subtensor: a main chain client is required")
	}
	m, err := newMetrics(opts.Registerer)
	if err != nil {
		return nil, err
	}
	c := &Client{main: main, submitter: opts.Submitter, archive: opts.Archive, cutoff: opts.ArchiveCutoff, log: opts.Logger, m: m}
	if c.cutoff == 0 {
		c.cutoff = DefaultArchiveCutoff
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.submitter == nil {
		if c.submitter, err = extrinsic.NewSubmitter(main, extrinsic.Options{CustomErrorNames: PoolErrorNames, Logger: c.log}); err != nil {
			return nil, fmt.Errorf("subtensor: %w", err)
		}
	}
	return c, nil
}

// Chain returns the main chain client (head tracking, readiness, the RPC
// client for submissions).
func (c *Client) Chain() *chain.Client { return c.main }

// Head returns the latest best block of the main node.
func (c *Client) Head() Block {
	h := c.main.Head()
	return Block{Number: h.Number, Hash: h.Hash}
}

// FinalizedNumber returns the number of the latest finalised block (0 until
// the node reported one).
func (c *Client) FinalizedNumber() uint64 { return c.main.FinalizedHead().Number }

// SubscribeHeads delivers best blocks: the current one at once, then each new
// one. A slow consumer skips blocks (the channel holds the newest unread
// one). The channel closes when ctx ends or the chain client is closed.
func (c *Client) SubscribeHeads(ctx context.Context) <-chan Block {
	in := c.main.SubscribeHeads(ctx)
	out := make(chan Block, 1)
	go func() {
		defer close(out)
		for h := range in {
			b := Block{Number: h.Number, Hash: h.Hash}
			select {
			case out <- b:
				continue
			default:
			}
			// Replace the unread older block: latest wins.
			select {
			case <-out:
			default:
			}
			select {
			case out <- b:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}

// read runs fn against the node that should hold block b's state (see the
// package documentation on archive routing) and records the operation.
func (c *Client) read(ctx context.Context, op string, b uint64, fn func(ctx context.Context, cc *chain.Client) error) error {
	start := time.Now()
	err := c.route(ctx, op, b, fn)
	c.m.observe(op, err, time.Since(start))
	return err
}

func (c *Client) route(ctx context.Context, op string, b uint64, fn func(ctx context.Context, cc *chain.Client) error) error {
	if c.archive != nil {
		if head := c.main.Head().Number; head > b && head-b > c.cutoff {
			c.m.fellBack(ReasonStaleBlock, op)
			err := c.onArchive(ctx, fn)
			if err != nil {
				return &ArchiveError{Reason: ReasonStaleBlock, Operation: op, Block: b, Err: err}
			}
			return nil
		}
	}
	err := fn(ctx, c.main)
	if err == nil || c.archive == nil || !missingOnMain(op, err) || ctx.Err() != nil {
		return err
	}
	c.m.fellBack(ReasonUnknownBlock, op)
	c.log.Debug("subtensor: main node lacks the block's state; asking the archive node", "operation", op, "block", b, "err", err)
	if aerr := c.onArchive(ctx, fn); aerr != nil {
		return &ArchiveError{Reason: ReasonUnknownBlock, Operation: op, Block: b, Main: err, Err: aerr}
	}
	return nil
}

// missingOnMain reports whether err says the main node lacks the block a read
// is at: its state was discarded (ErrUnknownBlock), or, for a read at a block
// hash, the node does not know the hash at all (ErrBlockNotFound: a node that
// lags or followed another fork after a failover). Which of the two a node
// answers first depends on which of a read's concurrent requests fails first,
// so both must lead to the archive. A block number beyond the head
// (operationBlockAt) is not found anywhere: no fallback.
func missingOnMain(op string, err error) bool {
	return errors.Is(err, ErrUnknownBlock) || (op != operationBlockAt && errors.Is(err, ErrBlockNotFound))
}

func (c *Client) onArchive(ctx context.Context, fn func(ctx context.Context, cc *chain.Client) error) error {
	ac, err := c.archive(ctx)
	if err != nil {
		return fmt.Errorf("connecting to the archive node: %w", err)
	}
	return fn(ctx, ac)
}
