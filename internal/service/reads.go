package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/maypok86/otter/v2"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/singleflight"

	"github.com/pylon-go/pylon/internal/config"
	"github.com/pylon-go/pylon/internal/keys"
	"github.com/pylon-go/pylon/internal/subtensor"
)

// Defaults applied by NewReads to zero Options fields.
const (
	DefaultCacheBytes  = 64 << 20
	DefaultLoadTimeout = 2 * time.Minute
	DefaultSoftLimit   = 100
	DefaultHardLimit   = 150
)

// Options configure Reads.
type Options struct {
	// Netuids are the subnets whose neurons are prefetched at every new head
	// and served by the recent endpoint (config.Config.CachedNetuids).
	Netuids []uint16
	// SoftLimitBlocks and HardLimitBlocks bound the age of recent neurons:
	// older than the soft limit they are served with a warning, older than
	// the hard limit not at all.
	SoftLimitBlocks, HardLimitBlocks uint64
	// CacheBytes bounds the cache of encoded answers (approximately: the
	// bodies and the values they were built from).
	CacheBytes uint64
	// LoadTimeout bounds one chain read shared by concurrent requests; it
	// runs detached from the request that started it, so that request's
	// deadline does not fail the others waiting for it.
	LoadTimeout time.Duration
	// Identities resolves identities' hotkeys (own certificate); nil means a
	// resolver for the current user's default wallet path.
	Identities *Identities
	// Logger receives prefetch failures; nil discards.
	Logger *slog.Logger
	// Registerer, if set, registers the pylon_cache_* metrics.
	Registerer prometheus.Registerer
}

// At selects the block of a read: Latest, or a block by number.
type At struct {
	number uint64
	byNum  bool
}

// Latest is the latest block the service follows.
var Latest = At{}

// AtBlock is the block with number n.
func AtBlock(n uint64) At { return At{number: n, byNum: true} }

// kind is the kind of a cached answer.
type kind uint8

const (
	kindBlock kind = iota + 1
	kindNeurons
	kindValidators
	kindHyperparameters
	kindCertificates
	kindCertificate
)

var kindNames = [...]string{"", "block", "neurons", "validators", "hyperparameters", "certificates", "certificate"}

func (k kind) String() string { return kindNames[k] }

// key identifies an answer. Data at a block hash never changes, so an entry
// under a key is valid forever; only the size bound evicts.
type key struct {
	kind   kind
	netuid uint16
	hash   [32]byte
	hotkey keys.AccountID
}

func (k key) String() string {
	return k.kind.String() + "/" + strconv.Itoa(int(k.netuid)) + "/" + fmt.Sprintf("%x/%x", k.hash, k.hotkey)
}

// Reads answers the read API from a block-aware cache over package
// subtensor. It is safe for concurrent use.
//
// Answers are cached by (kind, netuid, block hash) as ready-to-send Entries.
// Concurrent misses of one key share one chain read. "Latest" is the head the
// service follows, moved by Run, which also prefetches the neurons (and the
// validators derived from them) of Options.Netuids at every new head, so
// that reads of the latest block are cache hits.
type Reads struct {
	// st is the chain, nil until attached (NewReads or Attach); reads fail
	// until then with pending's error, or ErrNoChain.
	st       atomic.Pointer[subtensor.Client]
	pending  atomic.Pointer[Error]
	attached chan struct{}
	once     sync.Once

	opts  Options
	log   *slog.Logger
	ids   *Identities
	cache *otter.Cache[key, *Entry]
	// hashes maps finalised block numbers to their blocks: a finalised
	// number's hash never changes, so "block n" reads need no chain call once
	// resolved.
	hashes *otter.Cache[uint64, subtensor.Block]
	group  singleflight.Group
	m      *metrics

	latest    atomic.Pointer[subtensor.Block]
	recent    map[uint16]*recentSlot
	blockWake chan subtensor.Block
}

// NewReads returns the read service over st. With st nil every read answers
// ErrNoChain, or the error given to Connecting, until Attach gives it a
// chain.
func NewReads(st *subtensor.Client, opts Options) (*Reads, error) {
	if opts.CacheBytes == 0 {
		opts.CacheBytes = DefaultCacheBytes
	}
	if opts.LoadTimeout <= 0 {
		opts.LoadTimeout = DefaultLoadTimeout
	}
	if opts.SoftLimitBlocks == 0 {
		opts.SoftLimitBlocks = DefaultSoftLimit
	}
	if opts.HardLimitBlocks == 0 {
		opts.HardLimitBlocks = DefaultHardLimit
	}
	r := &Reads{opts: opts, log: opts.Logger, ids: opts.Identities, recent: map[uint16]*recentSlot{},
		blockWake: make(chan subtensor.Block, 1), attached: make(chan struct{})}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	if r.ids == nil {
		r.ids = NewIdentities(keys.DefaultWalletPath)
	}
	var err error
	r.cache, err = otter.New(&otter.Options[key, *Entry]{
		MaximumWeight: opts.CacheBytes,
		Weigher:       func(_ key, e *Entry) uint32 { return e.weight() },
	})
	if err != nil {
		return nil, fmt.Errorf("service: cache: %w", err)
	}
	if r.hashes, err = otter.New(&otter.Options[uint64, subtensor.Block]{MaximumSize: 1 << 14}); err != nil {
		return nil, fmt.Errorf("service: cache: %w", err)
	}
	for _, n := range opts.Netuids {
		r.recent[n] = newRecentSlot()
	}
	if r.m, err = newMetrics(opts.Registerer, r.cache); err != nil {
		return nil, err
	}
	if st != nil {
		r.Attach(st)
	}
	return r, nil
}

// Connecting records why the service has no chain yet (the last failed
// connection attempt): reads answer 503 with it until Attach.
func (r *Reads) Connecting(err error) {
	r.pending.Store(&Error{Kind: KindUnavailable, Detail: "not connected to the chain yet: " + err.Error(), Err: err})
}

// Attach gives the service its chain; only the first call counts. Run starts
// following its head.
func (r *Reads) Attach(st *subtensor.Client) {
	r.once.Do(func() {
		h := st.Head()
		r.latest.Store(&h)
		r.st.Store(st)
		r.pending.Store(nil)
		close(r.attached)
	})
}

// chain returns the chain, or why there is none.
func (r *Reads) chain() (*subtensor.Client, error) {
	if st := r.st.Load(); st != nil {
		return st, nil
	}
	if p := r.pending.Load(); p != nil {
		return nil, p
	}
	return nil, ErrNoChain
}

// Ready reports whether the chain head is fresh (api.Readiness).
func (r *Reads) Ready(ctx context.Context) error {
	st, err := r.chain()
	if err != nil {
		return err
	}
	return st.Chain().Ready(ctx) //nolint:wrapcheck // the chain's reason is the readiness answer
}

// Netuids returns the subnets whose recent neurons are kept.
func (r *Reads) Netuids() []uint16 {
	out := make([]uint16, 0, len(r.recent))
	for n := range r.recent {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// LatestBlock returns the latest block the service follows.
func (r *Reads) LatestBlock() (subtensor.Block, error) {
	if _, err := r.chain(); err != nil {
		return subtensor.Block{}, err
	}
	return *r.latest.Load(), nil
}

// resolve turns an At into a block, with the chain to read it from.
func (r *Reads) resolve(ctx context.Context, at At) (*subtensor.Client, subtensor.Block, error) {
	st, err := r.chain()
	if err != nil {
		return nil, subtensor.Block{}, err
	}
	if !at.byNum {
		return st, *r.latest.Load(), nil
	}
	if b, ok := r.hashes.GetIfPresent(at.number); ok {
		return st, b, nil
	}
	b, err := st.BlockAt(ctx, at.number)
	switch {
	case errors.Is(err, subtensor.ErrBlockNotFound):
		return nil, b, notFound(detailBlockNotFoundFmt, at.number)
	case err != nil:
		return nil, b, classify(err, fmt.Sprintf("the hash of block %d", at.number))
	}
	if at.number <= st.FinalizedNumber() {
		r.hashes.Set(at.number, b)
	}
	return st, b, nil
}

// get returns the entry under k, loading it with load on a miss. Concurrent
// misses of one key share one load, which runs detached from the request
// that started it (bounded by LoadTimeout) and fills the cache; each caller
// waits as long as its own context allows.
func (r *Reads) get(ctx context.Context, k key, load func(ctx context.Context) (*Entry, error)) (*Entry, error) {
	if e, ok := r.cache.GetIfPresent(k); ok {
		r.m.lookup(k.kind, true)
		return e, nil
	}
	r.m.lookup(k.kind, false)
	ch := r.group.DoChan(k.String(), func() (any, error) {
		// A load that finished between the miss and joining the group has
		// filled the cache already.
		if e, ok := r.cache.GetIfPresent(k); ok {
			return e, nil
		}
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.opts.LoadTimeout)
		defer cancel()
		e, err := load(lctx)
		if err != nil {
			return nil, err
		}
		r.cache.Set(k, e)
		return e, nil
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return nil, res.Err
		}
		e, _ := res.Val.(*Entry)
		return e, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("service: waiting for %s: %w", k.kind, ctx.Err())
	}
}

// Block returns the block's number, hash and timestamp.
func (r *Reads) Block(ctx context.Context, at At) (*Entry, error) {
	st, b, err := r.resolve(ctx, at)
	if err != nil {
		return nil, err
	}
	return r.blockEntry(ctx, st, b)
}

func (r *Reads) blockEntry(ctx context.Context, st *subtensor.Client, b subtensor.Block) (*Entry, error) {
	return r.get(ctx, key{kind: kindBlock, hash: b.Hash}, func(ctx context.Context) (*Entry, error) {
		info, err := st.BlockInfo(ctx, b)
		if err != nil {
			return nil, classify(err, fmt.Sprintf("the timestamp of block %d", b.Number))
		}
		return newEntry(info, wireBlockInfo(info), info)
	})
}

// blockInfo returns the block with its time, from the block's cached entry.
func (r *Reads) blockInfo(ctx context.Context, st *subtensor.Client, b subtensor.Block) (subtensor.BlockInfo, error) {
	e, err := r.blockEntry(ctx, st, b)
	if err != nil {
		return subtensor.BlockInfo{}, err
	}
	return e.Block, nil
}

// Neurons returns the subnet's neurons (Pylon's SubnetNeurons). A subnet that
// does not exist has none, as in Pylon.
func (r *Reads) Neurons(ctx context.Context, netuid uint16, at At) (*Entry, error) {
	st, b, err := r.resolve(ctx, at)
	if err != nil {
		return nil, err
	}
	return r.neuronsEntry(ctx, st, netuid, b)
}

func (r *Reads) neuronsEntry(ctx context.Context, st *subtensor.Client, netuid uint16, b subtensor.Block) (*Entry, error) {
	return r.get(ctx, key{kind: kindNeurons, netuid: netuid, hash: b.Hash}, func(ctx context.Context) (*Entry, error) {
		sn, err := st.SubnetNeurons(ctx, b, netuid)
		if err != nil {
			return nil, classify(err, fmt.Sprintf("the neurons of subnet %d at block %d", netuid, b.Number))
		}
		return newEntry(sn.Block, wireNeurons(sn), sn)
	})
}

// Validators returns the subnet's neurons holding a validator permit, by
// total stake (largest first, ties by uid). It is derived from the neurons
// at the same block, so it costs no chain read of its own.
func (r *Reads) Validators(ctx context.Context, netuid uint16, at At) (*Entry, error) {
	st, b, err := r.resolve(ctx, at)
	if err != nil {
		return nil, err
	}
	return r.validatorsEntry(ctx, st, netuid, b)
}

func (r *Reads) validatorsEntry(ctx context.Context, st *subtensor.Client, netuid uint16, b subtensor.Block) (*Entry, error) {
	return r.get(ctx, key{kind: kindValidators, netuid: netuid, hash: b.Hash}, func(ctx context.Context) (*Entry, error) {
		ne, err := r.neuronsEntry(ctx, st, netuid, b)
		if err != nil {
			return nil, err
		}
		sn, _ := ne.value.(*subtensor.SubnetNeurons)
		return newEntry(sn.Block, wireValidators(sn), nil)
	})
}

// SubnetNeurons returns the subnet's neurons as raw values, from the same
// cache as Neurons (for the weights use case: uids, permits, last updates).
func (r *Reads) SubnetNeurons(ctx context.Context, netuid uint16, at At) (*subtensor.SubnetNeurons, error) {
	e, err := r.Neurons(ctx, netuid, at)
	if err != nil {
		return nil, err
	}
	sn, _ := e.value.(*subtensor.SubnetNeurons)
	return sn, nil
}

// Hyperparameters returns the subnet's hyperparameters; a subnet that does
// not exist is KindNotFound.
func (r *Reads) Hyperparameters(ctx context.Context, netuid uint16, at At) (*Entry, error) {
	st, b, err := r.resolve(ctx, at)
	if err != nil {
		return nil, err
	}
	return r.get(ctx, key{kind: kindHyperparameters, netuid: netuid, hash: b.Hash}, func(ctx context.Context) (*Entry, error) {
		h, err := st.Hyperparameters(ctx, b, netuid)
		if errors.Is(err, subtensor.ErrSubnetNotFound) {
			return nil, &Error{Kind: KindNotFound, Detail: fmt.Sprintf("Subnet %d not found at block %d.", netuid, b.Number), Err: err}
		}
		if err != nil {
			return nil, classify(err, fmt.Sprintf("the hyperparameters of subnet %d at block %d", netuid, b.Number))
		}
		return newEntry(h.Block, wireHyperparameters(h), h)
	})
}

// Certificates returns the subnet's neuron certificates by hotkey.
func (r *Reads) Certificates(ctx context.Context, netuid uint16, at At) (*Entry, error) {
	st, b, err := r.resolve(ctx, at)
	if err != nil {
		return nil, err
	}
	return r.certificatesEntry(ctx, st, netuid, b)
}

func (r *Reads) certificatesEntry(ctx context.Context, st *subtensor.Client, netuid uint16, b subtensor.Block) (*Entry, error) {
	return r.get(ctx, key{kind: kindCertificates, netuid: netuid, hash: b.Hash}, func(ctx context.Context) (*Entry, error) {
		info, err := r.blockInfo(ctx, st, b)
		if err != nil {
			return nil, err
		}
		cs, err := st.Certificates(ctx, b, netuid)
		if err != nil {
			return nil, classify(err, fmt.Sprintf("the certificates of subnet %d at block %d", netuid, b.Number))
		}
		return newEntry(info, wireCertificates(cs), cs)
	})
}

// Certificate returns one hotkey's certificate; none is KindNotFound with
// Pylon's detail. It is taken from the subnet's certificates at the block,
// so that many callers asking for many hotkeys cost one listing per block.
func (r *Reads) Certificate(ctx context.Context, netuid uint16, at At, hotkey keys.AccountID) (*Entry, error) {
	st, b, err := r.resolve(ctx, at)
	if err != nil {
		return nil, err
	}
	return r.get(ctx, key{kind: kindCertificate, netuid: netuid, hash: b.Hash, hotkey: hotkey}, func(ctx context.Context) (*Entry, error) {
		all, err := r.certificatesEntry(ctx, st, netuid, b)
		if err != nil {
			return nil, err
		}
		cs, _ := all.value.(subtensor.Certificates)
		c, ok := cs[hotkey]
		if !ok {
			return nil, &Error{Kind: KindNotFound, Detail: detailCertificateNotFound}
		}
		return newEntry(all.Block, wireCertificate(c), nil)
	})
}

// OwnCertificate returns the certificate of the identity's hotkey on its
// subnet at the latest block.
func (r *Reads) OwnCertificate(ctx context.Context, id config.Identity) (*Entry, error) {
	if _, err := r.chain(); err != nil {
		return nil, err
	}
	hk, err := r.ids.Hotkey(ctx, id)
	if err != nil {
		return nil, err
	}
	return r.Certificate(ctx, id.Netuid, Latest, hk)
}
