// Package config owns Pylon-Go's settings: the PYLON_* environment variables
// (the same names Bittensor Pylon reads), the .env file they may come from,
// the seed-era variables of Pylon's first release, and the validation that
// turns all of them into one checked Config.
//
// Load reports every problem at once, each naming its variable, so an
// operator fixes a broken deployment in one pass. Secrets (tokens, hotkey
// passwords, database URLs) are held in Secret values that print masked, so
// logging a Config never leaks them.
//
// The package knows nothing about the rest of the service: other packages read
// a *Config; nothing here reaches the chain, the disk beyond the .env and
// password files, or the network.
package config

import (
	"fmt"
	"log/slog"
	"slices"
	"time"
)

// Mode says which configuration format the settings came from.
type Mode int

const (
	// ModeIdentities is the current Pylon format: PYLON_IDENTITIES plus
	// PYLON_ID_<NAME>_* per identity, an open-access token and a metrics token.
	ModeIdentities Mode = iota
	// ModeSeed is the format of Pylon's first release: one wallet
	// (BITTENSOR_*), one netuid and a single AUTH_TOKEN guarding every route.
	// It is served as one implicit identity named SeedIdentityName.
	ModeSeed
)

// SeedIdentityName is the name of the one identity a seed-format
// configuration defines.
const SeedIdentityName = "default"

// String returns the mode's name as logged at start-up.
func (m Mode) String() string {
	switch m {
	case ModeIdentities:
		return "identities"
	case ModeSeed:
		return "seed"
	default:
		return fmt.Sprintf("Mode(%d)", int(m))
	}
}

// Config is the validated configuration of one Pylon-Go process.
type Config struct {
	// Mode is the format the settings were written in.
	Mode Mode
	// EnvFile is the .env file that was read, or "" when none was.
	EnvFile string

	Chain Chain

	// Identities are the neurons this service signs for, in the order
	// PYLON_IDENTITIES lists them. Names are unique, as are tokens.
	Identities []Identity
	// OpenAccessToken guards the open-access (read-only) routes. In seed mode
	// it is AUTH_TOKEN.
	OpenAccessToken Secret
	// MetricsToken guards /metrics; unset means /metrics answers 403. In seed
	// mode it is AUTH_TOKEN.
	MetricsToken Secret

	HTTP          HTTP
	RecentObjects RecentObjects
	Weights       Weights
	Commitments   Retry
	Database      Database
	Log           Log

	// Environment names the deployment (PYLON_ENVIRONMENT), e.g. production.
	Environment string
	// Debug is PYLON_DEBUG. It only lowers the default log level to debug:
	// unlike Pylon's framework debug mode it never puts internals in
	// responses.
	Debug bool

	// SeedTempo is the static epoch length (TEMPO) of a seed-format
	// configuration; 0 in identities mode, where the tempo comes from the
	// chain.
	SeedTempo int

	// Ignored lists the variables that were set but are accepted only for
	// compatibility and have no effect (see IgnoredVariables).
	Ignored []string
	// Warnings are problems that do not stop start-up (unknown PYLON_*
	// variables, risky but legal combinations). The caller logs them.
	Warnings []string
}

// Chain holds where the subtensor nodes are and where the wallets live.
type Chain struct {
	// Endpoints are the main network's node URLs (PYLON_BITTENSOR_NETWORK
	// resolved: a name, a URL or a comma-separated list of them), in order;
	// the chain layer fails over between them.
	Endpoints []NodeURL
	// ArchiveEndpoints are the same for the archive network, which serves
	// blocks more than ArchiveBlocksCutoff behind the head.
	ArchiveEndpoints []NodeURL
	// ArchiveBlocksCutoff is how many blocks behind the head a read must be to
	// go to the archive node.
	ArchiveBlocksCutoff int
	// WalletPath is the directory holding the wallets, with ~ expanded.
	WalletPath string
	// BlockDuration is the expected time between blocks.
	BlockDuration time.Duration
}

// Identity is one neuron the service acts for: a wallet's hotkey on a subnet,
// reachable under /api/v1/identity/<Name>/subnet/<Netuid>/ with its Token.
type Identity struct {
	Name       string
	WalletName string
	HotkeyName string
	Netuid     uint16
	Token      Secret
	// HotkeyPassword decrypts a $NACL-encrypted hotkey file; unset for the
	// usual unencrypted hotkey.
	HotkeyPassword Secret
}

// LogValue prints the identity with its secrets masked.
func (id Identity) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("name", id.Name),
		slog.Int("netuid", int(id.Netuid)),
		slog.String("wallet", id.WalletName),
		slog.String("hotkey", id.HotkeyName),
		slog.Any("token", id.Token),
		slog.Any("hotkey_password", id.HotkeyPassword),
	)
}

// HTTP holds the listener and request deadline settings.
type HTTP struct {
	// ListenAddress is host:port, e.g. 0.0.0.0:8000.
	ListenAddress string
	// DefaultRequestTimeout applies when a request has no X-Pylon-Timeout.
	DefaultRequestTimeout time.Duration
	// MaxRequestTimeout caps X-Pylon-Timeout.
	MaxRequestTimeout time.Duration
	// ShutdownGracePeriod bounds how long in-flight requests may run after a
	// shutdown signal.
	ShutdownGracePeriod time.Duration
}

// RecentObjects configures the proactive "recent neurons" cache.
type RecentObjects struct {
	// SoftLimitBlocks: older entries are served with a staleness warning.
	SoftLimitBlocks int
	// HardLimitBlocks: older entries are not served.
	HardLimitBlocks int
	// RefreshLeadBlocks: refresh this many blocks before the soft limit.
	RefreshLeadBlocks int
	// Netuids are subnets to cache in addition to every identity's subnet.
	Netuids []uint16
}

// RefreshInterval is how often the recent cache is refreshed: (soft limit −
// lead) blocks.
func (r RecentObjects) RefreshInterval(block time.Duration) time.Duration {
	return time.Duration(r.SoftLimitBlocks-r.RefreshLeadBlocks) * block
}

// Retry is a bounded retry policy with a base delay.
type Retry struct {
	Attempts int
	Delay    time.Duration
}

// Weights configures the weight-setting jobs.
type Weights struct {
	Retry
	// MinVersionKey is a floor for the version_key sent with weights; the
	// subnet's weights_version hyperparameter is used when it is larger.
	MinVersionKey uint64
}

// Database says where weight jobs are persisted: PostgreSQL when URL is set,
// otherwise the embedded SQLite file at Path.
type Database struct {
	Path string
	// URL is a postgres:// or postgresql:// URL; it may carry a password.
	URL Secret
}

// Log configures the process logger.
type Log struct {
	// Format is "text" or "json".
	Format string
	Level  slog.Level
}

// Identity returns the identity with the given name.
func (c *Config) Identity(name string) (Identity, bool) {
	for _, id := range c.Identities {
		if id.Name == name {
			return id, true
		}
	}
	return Identity{}, false
}

// CachedNetuids returns the subnets the recent-objects cache keeps warm: every
// identity's netuid plus RecentObjects.Netuids, sorted, without duplicates.
func (c *Config) CachedNetuids() []uint16 {
	out := slices.Clone(c.RecentObjects.Netuids)
	for _, id := range c.Identities {
		out = append(out, id.Netuid)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// LogValue renders the effective settings for the start-up log line, with
// every secret masked and node URLs stripped of credentials.
func (c *Config) LogValue() slog.Value {
	ids := make([]slog.Attr, 0, len(c.Identities))
	for _, id := range c.Identities {
		ids = append(ids, slog.Any(id.Name, id))
	}
	db := []slog.Attr{slog.String("path", c.Database.Path)}
	if c.Database.URL.IsSet() {
		db = []slog.Attr{slog.String("url", redactURL(c.Database.URL.Value()))}
	}
	return slog.GroupValue(
		slog.String("mode", c.Mode.String()),
		slog.String("env_file", c.EnvFile),
		slog.Group("chain",
			slog.Any("endpoints", c.Chain.Endpoints),
			slog.Any("archive_endpoints", c.Chain.ArchiveEndpoints),
			slog.Int("archive_blocks_cutoff", c.Chain.ArchiveBlocksCutoff),
			slog.String("wallet_path", c.Chain.WalletPath),
			slog.Duration("block_duration", c.Chain.BlockDuration),
		),
		slog.Attr{Key: "identities", Value: slog.GroupValue(ids...)},
		slog.Any("open_access_token", c.OpenAccessToken),
		slog.Any("metrics_token", c.MetricsToken),
		slog.Group("http",
			slog.String("listen_address", c.HTTP.ListenAddress),
			slog.Duration("default_request_timeout", c.HTTP.DefaultRequestTimeout),
			slog.Duration("max_request_timeout", c.HTTP.MaxRequestTimeout),
			slog.Duration("shutdown_grace_period", c.HTTP.ShutdownGracePeriod),
		),
		slog.Group("recent_objects",
			slog.Int("soft_limit_blocks", c.RecentObjects.SoftLimitBlocks),
			slog.Int("hard_limit_blocks", c.RecentObjects.HardLimitBlocks),
			slog.Int("refresh_lead_blocks", c.RecentObjects.RefreshLeadBlocks),
			slog.Any("netuids", c.RecentObjects.Netuids),
		),
		slog.Group("weights",
			slog.Int("retry_attempts", c.Weights.Attempts),
			slog.Duration("retry_delay", c.Weights.Delay),
			slog.Uint64("min_version_key", c.Weights.MinVersionKey),
		),
		slog.Group("commitments",
			slog.Int("retry_attempts", c.Commitments.Attempts),
			slog.Duration("retry_delay", c.Commitments.Delay),
		),
		slog.Attr{Key: "database", Value: slog.GroupValue(db...)},
		slog.Group("log", slog.String("format", c.Log.Format), slog.String("level", c.Log.Level.String())),
		slog.String("environment", c.Environment),
		slog.Bool("debug", c.Debug),
		slog.Int("seed_tempo", c.SeedTempo),
		slog.Any("ignored", c.Ignored),
	)
}
