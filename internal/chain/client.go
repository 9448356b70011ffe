package chain

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pylon-go/pylon/internal/chain/metadata"
	"github.com/pylon-go/pylon/internal/chain/rpc"
)

// Defaults applied by Dial to zero fields of Options.
const (
	DefaultBlockTime         = 12 * time.Second
	DefaultReadyBlocks       = 5
	DefaultConnectWait       = 5 * time.Second
	DefaultLoadTimeout       = 2 * time.Minute
	DefaultMetadataCacheSize = 8
	DefaultBlockCacheSize    = 4096
	// MaxPageSize is the largest page state_getKeysPaged serves (Substrate rejects more than 1000).
	MaxPageSize = 1000
)

// Options configure a Client. The zero value is usable: zero fields take the defaults above.
type Options struct {
	// Logger receives head, runtime-upgrade and subscription events. Nil discards. Also passed to the RPC
	// client unless RPC.Logger is set.
	Logger *slog.Logger
	// Registerer, if set, registers the pylon_chain_* metrics (and the RPC client's, unless RPC.Registerer
	// is set). Nil registers nothing.
	Registerer prometheus.Registerer

	// BlockTime is the chain's expected block interval: the unit of ReadyBlocks and of head polling. Also
	// passed to the RPC client unless RPC.BlockTime is set.
	BlockTime time.Duration
	// ReadyBlocks: Ready fails when the best head has not changed for ReadyBlocks × BlockTime. Negative
	// disables the age check (Ready then only needs a head to have been seen): for a devnet that produces
	// blocks on demand.
	ReadyBlocks int
	// ConnectWait bounds how long a call made while the client is reconnecting waits for a connection
	// before failing with ErrUnavailable, so a request fails fast with a clear error instead of at its
	// deadline while no node is reachable. Short reconnects (well under a second) are still ridden out.
	// Negative: wait until the call's own deadline (the RPC client's behaviour).
	ConnectWait time.Duration
	// LoadTimeout bounds one shared load of a runtime version, header or metadata, which runs detached from
	// the caller that started it (see Runtime).
	LoadTimeout time.Duration
	// MetadataCacheSize is how many runtimes' metadata are kept (by spec version). A handful covers the
	// runtimes of every block a service reads.
	MetadataCacheSize int
	// BlockCacheSize is how many block hashes' runtime versions and headers are kept.
	BlockCacheSize int
	// PageSize is how many keys one state_getKeysPaged call asks for while iterating a map (at most
	// MaxPageSize).
	PageSize int
	// PollInterval is how often heads and the runtime version are polled when the endpoint cannot carry
	// subscriptions (HTTP). Default BlockTime / 2.
	PollInterval time.Duration

	// RPC configures the underlying JSON-RPC client (timeouts, keepalive, failover, backoff).
	RPC rpc.Options
}

func (o *Options) withDefaults() Options {
	out := *o
	if out.Logger == nil {
		out.Logger = slog.New(slog.DiscardHandler)
	}
	if out.BlockTime <= 0 {
		out.BlockTime = DefaultBlockTime
	}
	if out.ReadyBlocks == 0 {
		out.ReadyBlocks = DefaultReadyBlocks
	}
	if out.ConnectWait == 0 {
		out.ConnectWait = DefaultConnectWait
	}
	if out.LoadTimeout <= 0 {
		out.LoadTimeout = DefaultLoadTimeout
	}
	if out.MetadataCacheSize <= 0 {
		out.MetadataCacheSize = DefaultMetadataCacheSize
	}
	if out.BlockCacheSize <= 0 {
		out.BlockCacheSize = DefaultBlockCacheSize
	}
	if out.PageSize <= 0 || out.PageSize > MaxPageSize {
		out.PageSize = MaxPageSize
	}
	if out.PollInterval <= 0 {
		out.PollInterval = out.BlockTime / 2
	}
	if out.RPC.Logger == nil {
		out.RPC.Logger = out.Logger
	}
	if out.RPC.Registerer == nil {
		out.RPC.Registerer = out.Registerer
	}
	if out.RPC.BlockTime == 0 {
		out.RPC.BlockTime = out.BlockTime
	}
	return out
}

// Client is the chain facade: head tracking, blocks, runtime versions and metadata, storage, runtime-API
// calls and events, each at an explicit block. Safe for concurrent use; one Client serves the whole process.
type Client struct {
	rpc  *rpc.Client
	opts Options
	log  *slog.Logger
	m    *metrics

	ctx    context.Context // lives until Close
	cancel context.CancelFunc
	wg     sync.WaitGroup

	heads *tracker

	versions  *loader[Hash, RuntimeVersion]
	headers   *loader[Hash, Header]
	metadatas *loader[uint32, *metadata.Metadata]

	genesisMu sync.Mutex
	genesis   Hash

	closeOnce sync.Once
	closeErr  error
}

// Dial connects to the endpoints (in order of preference, see rpc.Dial), reads the best and finalised heads
// and the runtime at the best head (version and metadata), and starts following new heads and runtime
// upgrades. It fails if no endpoint answers or the runtime's metadata cannot be loaded: a client that cannot
// decode anything is of no use.
func Dial(ctx context.Context, endpoints []string, opts Options) (*Client, error) {
	o := opts.withDefaults()
	m, err := newMetrics(o.Registerer)
	if err != nil {
		return nil, err
	}
	rc, err := rpc.Dial(ctx, endpoints, o.RPC)
	if err != nil {
		return nil, fmt.Errorf("chain: %w", err)
	}
	c := &Client{rpc: rc, opts: o, log: o.Logger, m: m}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	c.heads = newTracker(c)
	c.versions = &loader[Hash, RuntimeVersion]{cache: newLRU[Hash, RuntimeVersion](o.BlockCacheSize), timeout: o.LoadTimeout, keyOf: Hash.String}
	c.headers = &loader[Hash, Header]{cache: newLRU[Hash, Header](o.BlockCacheSize), timeout: o.LoadTimeout, keyOf: Hash.String}
	c.metadatas = &loader[uint32, *metadata.Metadata]{
		cache: newLRU[uint32, *metadata.Metadata](o.MetadataCacheSize), timeout: o.LoadTimeout,
		keyOf: func(v uint32) string { return fmt.Sprint(v) },
	}
	if err := c.start(ctx); err != nil {
		return nil, errors.Join(err, c.Close())
	}
	return c, nil
}

func (c *Client) start(ctx context.Context) error {
	best, err := c.fetchBestHeader(ctx)
	if err != nil {
		return fmt.Errorf("chain: reading the best head: %w", err)
	}
	c.heads.update(kindBest, best, true)
	if fin, err := c.fetchFinalizedHeader(ctx); err != nil {
		// Finality is informative here; the follower retries.
		c.log.Warn("chain: reading the finalised head", "err", err)
	} else {
		c.heads.update(kindFinalized, fin, true)
	}
	rt, err := c.Runtime(ctx, best.Hash())
	if err != nil {
		return fmt.Errorf("chain: loading the runtime at the best head: %w", err)
	}
	c.heads.setRuntime(rt.RuntimeVersion)
	c.m.setSpec(rt.SpecVersion)
	c.log.Info("chain: connected", "endpoint", c.rpc.Endpoint(), "best", best.Number,
		"spec", rt.SpecName, "spec_version", rt.SpecVersion, "metadata", rt.Metadata.Version)

	c.goFollow(func() { c.followHeads(kindBest) })
	c.goFollow(func() { c.followHeads(kindFinalized) })
	c.goFollow(c.followRuntime)
	return nil
}

func (c *Client) goFollow(fn func()) {
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		fn()
	}()
}

// Close stops following heads, ends every head subscription channel, closes the connection and waits for
// the client's goroutines. Calls made afterwards fail with ErrClosed. It is safe to call more than once.
func (c *Client) Close() error {
	c.closeOnce.Do(func() {
		c.cancel()
		c.closeErr = c.rpc.Close()
		c.wg.Wait()
		c.heads.close()
	})
	return c.closeErr
}

// RPC returns the underlying JSON-RPC client, for layers that need methods this facade does not wrap
// (author_submitAndWatchExtrinsic, system_accountNextIndex, payment_queryInfo). It shares the connection,
// failover and metrics.
func (c *Client) RPC() *rpc.Client { return c.rpc }

// Endpoint names the endpoint in use (see rpc.Client.Endpoint); "" while reconnecting.
func (c *Client) Endpoint() string { return c.rpc.Endpoint() }

// call makes one JSON-RPC call and maps its error (see mapError). While the client is reconnecting the call
// waits at most ConnectWait for a connection, so callers learn quickly that no node is reachable.
func (c *Client) call(ctx context.Context, notFound error, method string, result any, params ...any) error {
	if c.opts.ConnectWait > 0 && c.rpc.Endpoint() == "" {
		cctx, cancel := context.WithCancelCause(ctx)
		defer cancel(nil)
		// Give up only if the connection is still missing when the wait ends: a request that was sent on a
		// connection that came back in time keeps its full deadline.
		t := time.AfterFunc(c.opts.ConnectWait, func() {
			if c.rpc.Endpoint() == "" {
				cancel(errConnectWait)
			}
		})
		defer t.Stop()
		ctx = cctx
	}
	return mapError(ctx, method, c.rpc.Call(ctx, method, result, params...), notFound)
}

// GenesisHash returns the hash of block #0 (chain_getBlockHash(0)), cached once known. Transactions commit
// to it (CheckGenesis). It is read from the node, never computed: a Chopsticks devnet's genesis hash is
// synthetic.
func (c *Client) GenesisHash(ctx context.Context) (Hash, error) {
	c.genesisMu.Lock()
	g := c.genesis
	c.genesisMu.Unlock()
	if !g.IsZero() {
		return g, nil
	}
	g, err := c.BlockHash(ctx, 0)
	if err != nil {
		return Hash{}, err
	}
	c.genesisMu.Lock()
	c.genesis = g
	c.genesisMu.Unlock()
	return g, nil
}

// BlockHash returns the hash of block number n on the node's best chain. A number beyond the best block
// gives ErrBlockNotFound.
func (c *Client) BlockHash(ctx context.Context, n uint64) (Hash, error) {
	var h *Hash
	if err := c.call(ctx, ErrBlockNotFound, "chain_getBlockHash", &h, n); err != nil {
		return Hash{}, err
	}
	if h == nil {
		return Hash{}, fmt.Errorf("%w: no block #%d", ErrBlockNotFound, n)
	}
	return *h, nil
}

// Header returns the header of the block with the given hash (cached: a header never changes). A hash the
// node does not know gives ErrBlockNotFound.
func (c *Client) Header(ctx context.Context, at Hash) (Header, error) {
	return c.headers.get(ctx, at, func(ctx context.Context) (Header, error) {
		var h *Header
		if err := c.call(ctx, ErrBlockNotFound, "chain_getHeader", &h, at); err != nil {
			return Header{}, err
		}
		if h == nil {
			return Header{}, fmt.Errorf("%w: no block %s", ErrBlockNotFound, at)
		}
		return *h, nil
	})
}

// Block returns the block with the given hash: its header and its extrinsics, still encoded. A hash the node
// does not know gives ErrBlockNotFound.
func (c *Client) Block(ctx context.Context, at Hash) (*Block, error) {
	var res *struct {
		Block struct {
			Header     Header     `json:"header"`
			Extrinsics []hexBytes `json:"extrinsics"`
		} `json:"block"`
	}
	if err := c.call(ctx, ErrBlockNotFound, "chain_getBlock", &res, at); err != nil {
		return nil, err
	}
	if res == nil {
		return nil, fmt.Errorf("%w: no block %s", ErrBlockNotFound, at)
	}
	b := &Block{Hash: at, Header: res.Block.Header, Extrinsics: make([][]byte, len(res.Block.Extrinsics))}
	for i, x := range res.Block.Extrinsics {
		b.Extrinsics[i] = x
	}
	c.headers.cache.add(at, b.Header)
	return b, nil
}

func (c *Client) fetchBestHeader(ctx context.Context) (Header, error) {
	var h *Header
	if err := c.call(ctx, ErrBlockNotFound, "chain_getHeader", &h); err != nil {
		return Header{}, err
	}
	if h == nil {
		return Header{}, fmt.Errorf("%w: the node has no best block", ErrBlockNotFound)
	}
	c.headers.cache.add(h.Hash(), *h)
	return *h, nil
}

func (c *Client) fetchFinalizedHeader(ctx context.Context) (Header, error) {
	var h Hash
	if err := c.call(ctx, ErrBlockNotFound, "chain_getFinalizedHead", &h); err != nil {
		return Header{}, err
	}
	return c.Header(ctx, h)
}

// Timestamp returns the time block at was authored: the standard FRAME Timestamp.Now storage value
// (milliseconds since the Unix epoch) in the block's state.
func (c *Client) Timestamp(ctx context.Context, at Hash) (time.Time, error) {
	var ms uint64
	found, err := c.Storage(ctx, at, "Timestamp", "Now", &ms)
	if err != nil {
		return time.Time{}, err
	}
	if !found {
		return time.Time{}, fmt.Errorf("chain: block %s has no Timestamp.Now", at)
	}
	return time.UnixMilli(int64(ms)).UTC(), nil
}

// isHTTP reports whether the endpoint in use cannot carry subscriptions.
func (c *Client) isHTTP() bool {
	ep := c.rpc.Endpoint()
	return strings.HasPrefix(ep, "http://") || strings.HasPrefix(ep, "https://")
}

// sleep waits d or until the client closes; false means closed.
func (c *Client) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-c.ctx.Done():
		return false
	}
}
