package rpc

import (
	"log/slog"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Defaults applied by Dial to zero fields of Options.
const (
	DefaultCallTimeout        = 60 * time.Second
	DefaultDialTimeout        = 15 * time.Second
	DefaultWriteTimeout       = 30 * time.Second
	DefaultReadLimit          = 64 << 20
	DefaultPingInterval       = 15 * time.Second
	DefaultPingTimeout        = 10 * time.Second
	DefaultBlockTime          = 12 * time.Second
	DefaultMaxLagBlocks       = 3
	DefaultLagCheckInterval   = time.Minute
	DefaultSubscriptionBuffer = 128
	DefaultBackoffInitial     = 250 * time.Millisecond
	DefaultBackoffMax         = 30 * time.Second
)

// Options configure a Client. The zero value is usable: zero fields take the defaults above. For durations
// and counts where "off" makes sense, a negative value turns the feature off.
type Options struct {
	// Logger receives connection events (connects, failovers, reconnect reasons). Nil discards.
	Logger *slog.Logger
	// Registerer, if set, registers the pylon_chain_rpc_* metrics. Nil registers nothing.
	Registerer prometheus.Registerer

	// CallTimeout bounds a call whose context has no deadline. A context deadline always wins, even a
	// longer one. Negative: calls without a context deadline wait indefinitely.
	CallTimeout time.Duration
	// DialTimeout bounds connecting to one endpoint, including the health probe that follows.
	DialTimeout time.Duration
	// WriteTimeout bounds writing one message to the socket; a write that takes longer means the socket is
	// dead, and the connection is replaced.
	WriteTimeout time.Duration
	// ReadLimit is the largest message accepted from a node, in bytes. Metadata exceeds 1 MB.
	ReadLimit int64

	// PingInterval is how often a WebSocket ping checks that the node still answers. Negative disables
	// keepalive pings (a call that times out still triggers a ping).
	PingInterval time.Duration
	// PingTimeout is how long a ping may go unanswered before the connection is declared dead and replaced.
	PingTimeout time.Duration

	// BlockTime is the chain's expected block interval, the unit of StallBlocks.
	BlockTime time.Duration
	// StallBlocks, when positive, makes the client watch new heads on its own subscription and replace the
	// connection when the best block number has not increased for StallBlocks × BlockTime. Zero or negative
	// disables stall detection: leave it off for chains that produce blocks only on demand (a Chopsticks
	// devnet in Manual mode), or every quiet period would be taken for a dead node.
	StallBlocks int
	// MaxLagBlocks is how far an endpoint's best block may trail the best block seen across all endpoints
	// before it is considered unhealthy. Negative disables lag checks. Only meaningful with several endpoints.
	MaxLagBlocks int
	// LagCheckInterval is how often, with several endpoints, every endpoint is probed to compare heads; a
	// current endpoint lagging by more than MaxLagBlocks is replaced. Negative disables periodic checks
	// (endpoints are still compared at every connect).
	LagCheckInterval time.Duration

	// Backoff spaces reconnection rounds while no endpoint can be reached.
	Backoff Backoff

	// SubscriptionBuffer is the default channel capacity of a subscription.
	SubscriptionBuffer int

	// HTTPClient is used for http(s) endpoints and for the WebSocket handshake. Nil uses a client with
	// pooled connections suitable for many concurrent calls.
	HTTPClient *http.Client
}

// Backoff is a capped exponential backoff with jitter: before reconnection round n (from 0) the client waits a
// random duration in [d/2, d] where d = min(Max, Initial × 2^n). The round counter restarts once a connection
// has stayed up for Max.
type Backoff struct {
	Initial time.Duration
	Max     time.Duration
}

// delay returns the jittered wait before round n.
func (b Backoff) delay(n int) time.Duration {
	d := b.Initial
	for i := 0; i < n && d < b.Max; i++ {
		d *= 2
	}
	d = min(d, b.Max)
	if d <= 1 {
		return d
	}
	half := d / 2
	return half + rand.N(d-half+1) //nolint:gosec // jitter needs no cryptographic randomness
}

func defaultDuration(v *time.Duration, def time.Duration) {
	if *v == 0 {
		*v = def
	}
}

// withDefaults fills zero fields.
func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	defaultDuration(&o.CallTimeout, DefaultCallTimeout)
	defaultDuration(&o.DialTimeout, DefaultDialTimeout)
	defaultDuration(&o.WriteTimeout, DefaultWriteTimeout)
	defaultDuration(&o.PingInterval, DefaultPingInterval)
	defaultDuration(&o.PingTimeout, DefaultPingTimeout)
	defaultDuration(&o.BlockTime, DefaultBlockTime)
	defaultDuration(&o.LagCheckInterval, DefaultLagCheckInterval)
	defaultDuration(&o.Backoff.Initial, DefaultBackoffInitial)
	defaultDuration(&o.Backoff.Max, DefaultBackoffMax)
	o.Backoff.Max = max(o.Backoff.Max, o.Backoff.Initial)
	if o.ReadLimit <= 0 {
		o.ReadLimit = DefaultReadLimit
	}
	if o.MaxLagBlocks == 0 {
		o.MaxLagBlocks = DefaultMaxLagBlocks
	}
	if o.SubscriptionBuffer <= 0 {
		o.SubscriptionBuffer = DefaultSubscriptionBuffer
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Transport: defaultTransport()}
	}
	return o
}

// defaultTransport is a clone of http.DefaultTransport that keeps more idle
// connections per host. A program that replaced http.DefaultTransport with
// another RoundTripper gets that one as is.
func defaultTransport() http.RoundTripper {
	tr, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		return http.DefaultTransport
	}
	tr = tr.Clone()
	tr.MaxIdleConnsPerHost = 64
	return tr
}
