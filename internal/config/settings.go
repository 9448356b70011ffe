package config

// The structs in this file are the single list of variables the service reads:
// their env tags drive parsing (github.com/caarlos0/env), their envDefault
// tags are the defaults, and the template test checks deploy/env.template
// against them. Add a setting here and the test tells you to document it.

// settings are the PYLON_* variables of the current format.
type settings struct {
	// Chain.
	Network             string  `env:"PYLON_BITTENSOR_NETWORK" envDefault:"finney"`
	ArchiveNetwork      string  `env:"PYLON_BITTENSOR_ARCHIVE_NETWORK" envDefault:"archive"`
	ArchiveBlocksCutoff int     `env:"PYLON_BITTENSOR_ARCHIVE_BLOCKS_CUTOFF" envDefault:"300"`
	WalletPath          string  `env:"PYLON_BITTENSOR_WALLET_PATH" envDefault:"~/.bittensor/wallets"`
	BlockDuration       float64 `env:"PYLON_BLOCK_DURATION_SECONDS" envDefault:"12"`

	// Access. PYLON_ID_<NAME>_* are in identitySettings.
	Identities      string `env:"PYLON_IDENTITIES" envDefault:"[]"`
	OpenAccessToken string `env:"PYLON_OPEN_ACCESS_TOKEN"`
	MetricsToken    string `env:"PYLON_METRICS_TOKEN"`

	// HTTP.
	ListenAddress         string  `env:"PYLON_LISTEN_ADDRESS" envDefault:"0.0.0.0:8000"`
	DefaultRequestTimeout float64 `env:"PYLON_DEFAULT_REQUEST_TIMEOUT_SECONDS" envDefault:"60"`
	MaxRequestTimeout     float64 `env:"PYLON_MAX_REQUEST_TIMEOUT_SECONDS" envDefault:"300"`
	ShutdownGracePeriod   float64 `env:"PYLON_SHUTDOWN_GRACE_PERIOD_SECONDS" envDefault:"30"`

	// Recent-objects cache.
	RecentSoftLimit   int    `env:"PYLON_RECENT_OBJECTS_SOFT_LIMIT_BLOCKS" envDefault:"100"`
	RecentHardLimit   int    `env:"PYLON_RECENT_OBJECTS_HARD_LIMIT_BLOCKS" envDefault:"150"`
	RecentRefreshLead int    `env:"PYLON_RECENT_OBJECTS_REFRESH_LEAD_BLOCKS" envDefault:"10"`
	RecentNetuids     string `env:"PYLON_RECENT_OBJECTS_NETUIDS" envDefault:"[]"`

	// Weights and commitments.
	WeightsRetryAttempts    int     `env:"PYLON_WEIGHTS_RETRY_ATTEMPTS" envDefault:"200"`
	WeightsRetryDelay       float64 `env:"PYLON_WEIGHTS_RETRY_DELAY_SECONDS" envDefault:"1"`
	WeightsMinVersionKey    uint64  `env:"PYLON_WEIGHTS_MIN_VERSION_KEY" envDefault:"0"`
	CommitmentRetryAttempts int     `env:"PYLON_COMMITMENT_RETRY_ATTEMPTS" envDefault:"10"`
	CommitmentRetryDelay    float64 `env:"PYLON_COMMITMENT_RETRY_DELAY_SECONDS" envDefault:"1"`
	DatabasePath            string  `env:"PYLON_DATABASE_PATH" envDefault:"./pylon.db"`
	DatabaseURL             string  `env:"PYLON_DATABASE_URL"`
	LogFormat               string  `env:"PYLON_LOG_FORMAT" envDefault:"text"`
	LogLevel                string  `env:"PYLON_LOG_LEVEL" envDefault:"info"`
	Environment             string  `env:"PYLON_ENVIRONMENT" envDefault:"production"`
	Debug                   bool    `env:"PYLON_DEBUG" envDefault:"false"`
}

// fileSettings name the .env files. They are read from the real environment
// only: a file cannot name another file.
type fileSettings struct {
	// EnvFile is the .env file; a missing default file is fine, a missing
	// file named explicitly is an error.
	EnvFile string `env:"PYLON_ENV_FILE" envDefault:"./.env"`
	// IdentitiesEnvFile is an extra file for the PYLON_ID_* variables (as in
	// Pylon); its values take precedence over EnvFile's.
	IdentitiesEnvFile string `env:"PYLON_ID_ENV_FILE"`
}

// identitySettings are read once per identity with the prefix
// PYLON_ID_<NAME>_, NAME being the identity name in upper case (as Pylon
// does).
type identitySettings struct {
	WalletName         string `env:"WALLET_NAME"`
	HotkeyName         string `env:"HOTKEY_NAME"`
	Netuid             string `env:"NETUID"`
	Token              string `env:"TOKEN"`
	HotkeyPassword     string `env:"HOTKEY_PASSWORD"`
	HotkeyPasswordFile string `env:"HOTKEY_PASSWORD_FILE"`
}

// seedSettings are the variables of Pylon's first release (no prefix).
// Those with a current equivalent are listed in seedEquivalents and parsed
// through it; the struct fixes their names and defaults.
type seedSettings struct {
	Netuid              string `env:"BITTENSOR_NETUID"`
	Network             string `env:"BITTENSOR_NETWORK" envDefault:"finney"`
	ArchiveNetwork      string `env:"BITTENSOR_ARCHIVE_NETWORK" envDefault:"archive"`
	ArchiveBlocksCutoff string `env:"BITTENSOR_ARCHIVE_BLOCKS_CUTOFF" envDefault:"300"`
	WalletPath          string `env:"BITTENSOR_WALLET_PATH" envDefault:"~/.bittensor/wallets"`
	WalletName          string `env:"BITTENSOR_WALLET_NAME"`
	HotkeyName          string `env:"BITTENSOR_WALLET_HOTKEY_NAME"`
	AuthToken           string `env:"AUTH_TOKEN"`
	Tempo               int    `env:"TEMPO" envDefault:"360"`
	WeightsRetries      string `env:"WEIGHTS_RETRY_ATTEMPTS" envDefault:"200"`
	WeightsRetryDelay   string `env:"WEIGHTS_RETRY_DELAY_SECONDS" envDefault:"1"`
	Debug               string `env:"DEBUG" envDefault:"false"`
}

// ignoredSettings are Pylon variables this service accepts so that an
// existing .env keeps working, but which have no effect: Sentry and
// OpenTelemetry export are not implemented (logs and /metrics cover
// observability), the EVM endpoints are not offered, the Docker image name
// belongs to Pylon's Python launcher, _created series are never exported, and
// the commit-window settings were already unused in Pylon.
type ignoredSettings struct {
	SentryDSN                 string `env:"PYLON_SENTRY_DSN"`
	SentryEnvironment         string `env:"PYLON_SENTRY_ENVIRONMENT"`
	OtelServiceNamespace      string `env:"PYLON_OTEL_SERVICE_NAMESPACE"`
	OtelServiceName           string `env:"PYLON_OTEL_SERVICE_NAME"`
	OtelServiceVersion        string `env:"PYLON_OTEL_SERVICE_VERSION"`
	OtelServiceInstanceID     string `env:"PYLON_OTEL_SERVICE_INSTANCE_ID"`
	OtelDeploymentEnvironment string `env:"PYLON_OTEL_DEPLOYMENT_ENVIRONMENT"`
	OtelCollectorEndpoint     string `env:"PYLON_OTEL_COLLECTOR_ENDPOINT"`
	EVMRPCURL                 string `env:"PYLON_EVM_RPC_URL"`
	EVMArchiveRPCURL          string `env:"PYLON_EVM_ARCHIVE_RPC_URL"`
	EVMArchiveBlocksCutoff    string `env:"PYLON_EVM_ARCHIVE_BLOCKS_CUTOFF"`
	DockerImageName           string `env:"PYLON_DOCKER_IMAGE_NAME"`
	PrometheusDisableCreated  string `env:"PYLON_PROMETHEUS_DISABLE_CREATED_SERIES"`
	CommitCycleLength         string `env:"PYLON_COMMIT_CYCLE_LENGTH"`
	CommitWindowStartOffset   string `env:"PYLON_COMMIT_WINDOW_START_OFFSET"`
	CommitWindowEndBuffer     string `env:"PYLON_COMMIT_WINDOW_END_BUFFER"`
}

// seedIgnoredSettings are the seed-era variables with no effect: the
// commit-window settings (unused even then), the metagraph cache that had no
// endpoint, the Python launcher's image name, the seed's own database
// settings (weight jobs use PYLON_DATABASE_*), and Sentry.
type seedIgnoredSettings struct {
	CommitCycleLength       string `env:"COMMIT_CYCLE_LENGTH"`
	CommitWindowStartOffset string `env:"COMMIT_WINDOW_START_OFFSET"`
	CommitWindowEndBuffer   string `env:"COMMIT_WINDOW_END_BUFFER"`
	MetagraphCacheTTL       string `env:"METAGRAPH_CACHE_TTL"`
	MetagraphCacheMaxsize   string `env:"METAGRAPH_CACHE_MAXSIZE"`
	DockerImageName         string `env:"PYLON_DOCKER_IMAGE_NAME"`
	DBURI                   string `env:"PYLON_DB_URI"`
	DBDir                   string `env:"PYLON_DB_DIR"`
	SentryDSN               string `env:"SENTRY_DSN"`
	SentryEnvironment       string `env:"SENTRY_ENVIRONMENT"`
}

// seedEquivalents maps each seed variable that has a current counterpart to
// it. In seed mode the seed variable's value is parsed as if it were the
// PYLON_ one (so validation is shared), and problems name the seed variable.
var seedEquivalents = map[string]string{
	"BITTENSOR_NETWORK":               "PYLON_BITTENSOR_NETWORK",
	"BITTENSOR_ARCHIVE_NETWORK":       "PYLON_BITTENSOR_ARCHIVE_NETWORK",
	"BITTENSOR_ARCHIVE_BLOCKS_CUTOFF": "PYLON_BITTENSOR_ARCHIVE_BLOCKS_CUTOFF",
	"BITTENSOR_WALLET_PATH":           "PYLON_BITTENSOR_WALLET_PATH",
	"WEIGHTS_RETRY_ATTEMPTS":          "PYLON_WEIGHTS_RETRY_ATTEMPTS",
	"WEIGHTS_RETRY_DELAY_SECONDS":     "PYLON_WEIGHTS_RETRY_DELAY_SECONDS",
	"DEBUG":                           "PYLON_DEBUG",
}

// seedTriggers are the variables whose presence selects seed mode: they
// exist only in the seed format (BITTENSOR_NETWORK and friends are also used
// by other Bittensor tools, so they do not count).
var seedTriggers = []string{"AUTH_TOKEN", "BITTENSOR_NETUID"}
