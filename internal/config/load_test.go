package config

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// environ builds an os.Environ()-style list with a HOME and an empty .env
// file, so tests never read the developer's real ./.env, plus kv pairs.
func environ(t *testing.T, kv ...string) []string {
	t.Helper()
	if len(kv)%2 != 0 {
		t.Fatalf("environ: odd number of arguments")
	}
	envFile := filepath.Join(t.TempDir(), "empty.env")
	if err := os.WriteFile(envFile, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	out := []string{"HOME=/home/op", "PYLON_ENV_FILE=" + envFile}
	for i := 0; i < len(kv); i += 2 {
		out = append(out, kv[i]+"="+kv[i+1])
	}
	return out
}

func mustLoad(t *testing.T, env []string) *Config {
	t.Helper()
	cfg, err := Load(env)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return cfg
}

// problems loads env, expects it to be invalid and returns the problems.
func problems(t *testing.T, env []string) []Problem {
	t.Helper()
	_, err := Load(env)
	if err == nil {
		t.Fatalf("Load succeeded, want an error")
	}
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("error %v does not match ErrInvalid", err)
	}
	var cerr *Error
	if !errors.As(err, &cerr) {
		t.Fatalf("error %T is not *config.Error", err)
	}
	return cerr.Problems
}

var (
	secretEq = cmp.Options{
		cmp.Comparer(func(a, b Secret) bool { return a.Value() == b.Value() }),
		cmp.Comparer(func(a, b NodeURL) bool { return a.Value() == b.Value() }),
	}
)

func urls(raw ...string) []NodeURL {
	out := make([]NodeURL, len(raw))
	for i, r := range raw {
		out[i] = NodeURL{r}
	}
	return out
}

// twoIdentities is a complete, valid identities-mode configuration.
func twoIdentities() []string {
	return []string{
		"PYLON_IDENTITIES", `["sn1", "val-2"]`,
		"PYLON_ID_SN1_WALLET_NAME", "owner",
		"PYLON_ID_SN1_HOTKEY_NAME", "hk1",
		"PYLON_ID_SN1_NETUID", "1",
		"PYLON_ID_SN1_TOKEN", "tok-sn1-secret",
		"PYLON_ID_VAL-2_WALLET_NAME", "validator",
		"PYLON_ID_VAL-2_HOTKEY_NAME", "default",
		"PYLON_ID_VAL-2_NETUID", "12",
		"PYLON_ID_VAL-2_TOKEN", "tok-val2-secret",
		"PYLON_ID_VAL-2_HOTKEY_PASSWORD", "hunter2-password",
		"PYLON_OPEN_ACCESS_TOKEN", "open-secret",
		"PYLON_METRICS_TOKEN", "metrics-secret",
	}
}

func TestLoadDefaults(t *testing.T) {
	cfg := mustLoad(t, environ(t))
	want := &Config{
		Mode:    ModeIdentities,
		EnvFile: cfg.EnvFile,
		Chain: Chain{
			Endpoints:           urls("wss://entrypoint-finney.opentensor.ai:443"),
			ArchiveEndpoints:    urls("wss://archive.chain.opentensor.ai:443"),
			ArchiveBlocksCutoff: 300,
			WalletPath:          "/home/op/.bittensor/wallets",
			BlockDuration:       12 * time.Second,
		},
		HTTP: HTTP{
			ListenAddress:         "0.0.0.0:8000",
			DefaultRequestTimeout: 60 * time.Second,
			MaxRequestTimeout:     300 * time.Second,
			ShutdownGracePeriod:   30 * time.Second,
		},
		RecentObjects: RecentObjects{SoftLimitBlocks: 100, HardLimitBlocks: 150, RefreshLeadBlocks: 10, Netuids: []uint16{}},
		Weights:       Weights{Retry: Retry{Attempts: 200, Delay: time.Second}},
		Commitments:   Retry{Attempts: 10, Delay: time.Second},
		Database:      Database{Path: "./pylon.db"},
		Log:           Log{Format: "text"},
		Environment:   "production",
		Warnings:      []string{"no identities and no PYLON_OPEN_ACCESS_TOKEN are configured: every /api route will answer 403"},
	}
	if diff := cmp.Diff(want, cfg, secretEq); diff != "" {
		t.Errorf("defaults (-want +got):\n%s", diff)
	}
	if got := cfg.RecentObjects.RefreshInterval(cfg.Chain.BlockDuration); got != 18*time.Minute {
		t.Errorf("refresh interval = %v, want 18m (Pylon: 90 blocks x 12 s)", got)
	}
}

func TestLoadFullConfiguration(t *testing.T) {
	pwFile := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pwFile, []byte("file-password\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := environ(t, append(twoIdentities(),
		"PYLON_IDENTITIES", `["sn1", "val-2", "sn3"]`,
		"PYLON_ID_SN3_WALLET_NAME", "w3",
		"PYLON_ID_SN3_HOTKEY_NAME", "h3",
		"PYLON_ID_SN3_NETUID", "3",
		"PYLON_ID_SN3_TOKEN", "tok-sn3-secret",
		"PYLON_ID_SN3_HOTKEY_PASSWORD_FILE", pwFile,
		"PYLON_BITTENSOR_NETWORK", "ws://10.0.0.1:9944, local",
		"PYLON_BITTENSOR_ARCHIVE_NETWORK", "wss://archive.example:443",
		"PYLON_BITTENSOR_ARCHIVE_BLOCKS_CUTOFF", "500",
		"PYLON_BITTENSOR_WALLET_PATH", "/wallets",
		"PYLON_BLOCK_DURATION_SECONDS", "0.25",
		"PYLON_LISTEN_ADDRESS", "127.0.0.1:9000",
		"PYLON_DEFAULT_REQUEST_TIMEOUT_SECONDS", "2.5",
		"PYLON_MAX_REQUEST_TIMEOUT_SECONDS", "10",
		"PYLON_SHUTDOWN_GRACE_PERIOD_SECONDS", "0",
		"PYLON_RECENT_OBJECTS_SOFT_LIMIT_BLOCKS", "20",
		"PYLON_RECENT_OBJECTS_HARD_LIMIT_BLOCKS", "30",
		"PYLON_RECENT_OBJECTS_REFRESH_LEAD_BLOCKS", "5",
		"PYLON_RECENT_OBJECTS_NETUIDS", "[4, 1, 4]",
		"PYLON_WEIGHTS_RETRY_ATTEMPTS", "3",
		"PYLON_WEIGHTS_RETRY_DELAY_SECONDS", "0.5",
		"PYLON_WEIGHTS_MIN_VERSION_KEY", "1023",
		"PYLON_COMMITMENT_RETRY_ATTEMPTS", "4",
		"PYLON_COMMITMENT_RETRY_DELAY_SECONDS", "2",
		"PYLON_DATABASE_URL", "postgresql://pylon:dbpass@db:5432/pylon",
		"PYLON_LOG_FORMAT", "JSON",
		"PYLON_LOG_LEVEL", "warning",
		"PYLON_ENVIRONMENT", "staging",
		"PYLON_DEBUG", "yes",
	)...)
	cfg := mustLoad(t, env)

	wantIDs := []Identity{
		{Name: "sn1", WalletName: "owner", HotkeyName: "hk1", Netuid: 1, Token: NewSecret("tok-sn1-secret")},
		{Name: "val-2", WalletName: "validator", HotkeyName: "default", Netuid: 12, Token: NewSecret("tok-val2-secret"), HotkeyPassword: NewSecret("hunter2-password")},
		{Name: "sn3", WalletName: "w3", HotkeyName: "h3", Netuid: 3, Token: NewSecret("tok-sn3-secret"), HotkeyPassword: NewSecret("file-password")},
	}
	if diff := cmp.Diff(wantIDs, cfg.Identities, secretEq); diff != "" {
		t.Errorf("identities (-want +got):\n%s", diff)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"open token", cfg.OpenAccessToken.Value(), "open-secret"},
		{"metrics token", cfg.MetricsToken.Value(), "metrics-secret"},
		{"endpoints", cfg.Chain.Endpoints, urls("ws://10.0.0.1:9944", "ws://127.0.0.1:9944")},
		{"archive endpoints", cfg.Chain.ArchiveEndpoints, urls("wss://archive.example:443")},
		{"cutoff", cfg.Chain.ArchiveBlocksCutoff, 500},
		{"wallet path", cfg.Chain.WalletPath, "/wallets"},
		{"block duration", cfg.Chain.BlockDuration, 250 * time.Millisecond},
		{"listen", cfg.HTTP.ListenAddress, "127.0.0.1:9000"},
		{"default timeout", cfg.HTTP.DefaultRequestTimeout, 2500 * time.Millisecond},
		{"max timeout", cfg.HTTP.MaxRequestTimeout, 10 * time.Second},
		{"grace", cfg.HTTP.ShutdownGracePeriod, time.Duration(0)},
		{"recent", cfg.RecentObjects, RecentObjects{SoftLimitBlocks: 20, HardLimitBlocks: 30, RefreshLeadBlocks: 5, Netuids: []uint16{4, 1}}},
		{"cached netuids", cfg.CachedNetuids(), []uint16{1, 3, 4, 12}},
		{"weights", cfg.Weights, Weights{Retry: Retry{Attempts: 3, Delay: 500 * time.Millisecond}, MinVersionKey: 1023}},
		{"commitments", cfg.Commitments, Retry{Attempts: 4, Delay: 2 * time.Second}},
		{"database url", cfg.Database.URL.Value(), "postgresql://pylon:dbpass@db:5432/pylon"},
		{"log", cfg.Log, Log{Format: "json", Level: -4 + 8}}, // slog.LevelWarn
		{"environment", cfg.Environment, "staging"},
		{"debug", cfg.Debug, true},
		{"warnings", len(cfg.Warnings), 0},
	}
	for _, c := range checks {
		if diff := cmp.Diff(c.want, c.got, secretEq); diff != "" {
			t.Errorf("%s (-want +got):\n%s", c.name, diff)
		}
	}
	if id, ok := cfg.Identity("val-2"); !ok || id.Netuid != 12 {
		t.Errorf("Identity(val-2) = %+v, %v", id, ok)
	}
	if _, ok := cfg.Identity("nope"); ok {
		t.Errorf("Identity(nope) found")
	}
}

func TestDebugLowersDefaultLogLevelOnly(t *testing.T) {
	cfg := mustLoad(t, environ(t, "PYLON_DEBUG", "true"))
	if cfg.Log.Level.String() != "DEBUG" {
		t.Errorf("PYLON_DEBUG=true: level %v, want DEBUG", cfg.Log.Level)
	}
	cfg = mustLoad(t, environ(t, "PYLON_DEBUG", "true", "PYLON_LOG_LEVEL", "error"))
	if cfg.Log.Level.String() != "ERROR" {
		t.Errorf("explicit level must win over PYLON_DEBUG: got %v", cfg.Log.Level)
	}
}

// TestEachBadVariable changes one variable of a valid configuration at a time
// and checks that exactly one problem comes back, naming that variable.
func TestEachBadVariable(t *testing.T) {
	cases := []struct {
		key, value string
		wantVar    string // defaults to key
		wantMsg    string
	}{
		{"PYLON_BITTENSOR_ARCHIVE_BLOCKS_CUTOFF", "abc", "", `must be a whole number, got "abc"`},
		{"PYLON_BITTENSOR_ARCHIVE_BLOCKS_CUTOFF", "0", "", "must be at least 1"},
		{"PYLON_BLOCK_DURATION_SECONDS", "fast", "", `must be a number, got "fast"`},
		{"PYLON_BLOCK_DURATION_SECONDS", "NaN", "", "must be a number"},
		{"PYLON_BLOCK_DURATION_SECONDS", "-1", "", "must be more than 0 seconds"},
		{"PYLON_IDENTITIES", `["sn1",`, "", "is not a JSON list of strings"},
		{"PYLON_IDENTITIES", `["sn1", "SN1"]`, "", `identity "SN1" is listed twice`},
		{"PYLON_IDENTITIES", `["sn1", "bad name"]`, "", `identity name "bad name" must be`},
		{"PYLON_ID_SN1_NETUID", "70000", "", "must be a netuid, a whole number from 0 to 65535"},
		{"PYLON_ID_SN1_NETUID", "-1", "", "must be a netuid"},
		{"PYLON_ID_SN1_NETUID", "", "", `is required for identity "sn1" but not set`},
		{"PYLON_ID_SN1_WALLET_NAME", "", "", `is required for identity "sn1" but not set`},
		{"PYLON_ID_SN1_HOTKEY_NAME", " ", "", `is required for identity "sn1" but not set`},
		{"PYLON_ID_SN1_TOKEN", "", "", `is required for identity "sn1" but not set`},
		{"PYLON_ID_SN1_TOKEN", "has space", "", "must not contain spaces"},
		{"PYLON_ID_SN1_TOKEN", "tok-val2-secret", "PYLON_ID_VAL-2_TOKEN", "is the same token as PYLON_ID_SN1_TOKEN"},
		{"PYLON_ID_SN1_TOKEN", "open-secret", "", "is the same token as PYLON_OPEN_ACCESS_TOKEN"},
		{"PYLON_ID_SN1_HOTKEY_PASSWORD_FILE", "/nonexistent/pw", "", "cannot read the password file"},
		{"PYLON_ID_VAL-2_HOTKEY_PASSWORD_FILE", "/etc/hostname", "", "set either PYLON_ID_VAL-2_HOTKEY_PASSWORD or PYLON_ID_VAL-2_HOTKEY_PASSWORD_FILE, not both"},
		{"PYLON_OPEN_ACCESS_TOKEN", "a\tb", "", "must not contain spaces or control characters"},
		{"PYLON_BITTENSOR_NETWORK", "test", "PYLON_BITTENSOR_ARCHIVE_NETWORK", "must be set together with PYLON_BITTENSOR_NETWORK"},
		{"PYLON_BITTENSOR_ARCHIVE_NETWORK", "archive", "PYLON_BITTENSOR_NETWORK", "must be set together with PYLON_BITTENSOR_ARCHIVE_NETWORK"},
		{"PYLON_LISTEN_ADDRESS", "8000", "", "must be host:port"},
		{"PYLON_LISTEN_ADDRESS", "0.0.0.0:http", "", `port "http" is not a number`},
		{"PYLON_DEFAULT_REQUEST_TIMEOUT_SECONDS", "301", "", "301 s is more than PYLON_MAX_REQUEST_TIMEOUT_SECONDS (300 s)"},
		{"PYLON_MAX_REQUEST_TIMEOUT_SECONDS", "0", "", "must be more than 0 seconds"},
		{"PYLON_MAX_REQUEST_TIMEOUT_SECONDS", "1e30", "", "is too large"},
		{"PYLON_SHUTDOWN_GRACE_PERIOD_SECONDS", "-2", "", "must not be negative"},
		{"PYLON_RECENT_OBJECTS_SOFT_LIMIT_BLOCKS", "150", "", "150 must be less than PYLON_RECENT_OBJECTS_HARD_LIMIT_BLOCKS (150)"},
		{"PYLON_RECENT_OBJECTS_REFRESH_LEAD_BLOCKS", "100", "", "100 must be less than PYLON_RECENT_OBJECTS_SOFT_LIMIT_BLOCKS (100)"},
		{"PYLON_RECENT_OBJECTS_NETUIDS", "[1, 70000]", "", `entry "70000": must be a netuid`},
		{"PYLON_RECENT_OBJECTS_NETUIDS", "[1,", "", "is not a JSON list of netuids"},
		{"PYLON_WEIGHTS_RETRY_ATTEMPTS", "0", "", "must be at least 1"},
		{"PYLON_WEIGHTS_RETRY_DELAY_SECONDS", "soon", "", `must be a number, got "soon"`},
		{"PYLON_WEIGHTS_MIN_VERSION_KEY", "-5", "", "must be a whole number from 0 to"},
		{"PYLON_COMMITMENT_RETRY_ATTEMPTS", "x", "", `must be a whole number, got "x"`},
		{"PYLON_DATABASE_URL", "mysql://u:p@h/db", "", "must be a postgres:// or postgresql:// URL"},
		{"PYLON_DATABASE_URL", "postgres:///db", "", "has no host"},
		{"PYLON_DATABASE_PATH", "   ", "", "must not be empty"},
		{"PYLON_LOG_FORMAT", "xml", "", `must be text or json, got "xml"`},
		{"PYLON_LOG_LEVEL", "loud", "", `must be debug, info, warn or error, got "loud"`},
		{"PYLON_DEBUG", "maybe", "", `must be true or false, got "maybe"`},
	}
	for _, c := range cases {
		t.Run(c.key+"="+c.value, func(t *testing.T) {
			env := environ(t, append(twoIdentities(), c.key, c.value)...)
			got := problems(t, env)
			want := c.wantVar
			if want == "" {
				want = c.key
			}
			if len(got) != 1 || got[0].Variable != want || !strings.Contains(got[0].Message, c.wantMsg) {
				t.Errorf("problems = %q\nwant one problem for %s containing %q", got, want, c.wantMsg)
			}
		})
	}
}

func TestNetworkOverriddenTogetherIsValid(t *testing.T) {
	for _, pair := range [][2]string{{"local", "local"}, {"finney", "archive"}, {"test", "wss://a.example"}} {
		cfg := mustLoad(t, environ(t, "PYLON_BITTENSOR_NETWORK", pair[0], "PYLON_BITTENSOR_ARCHIVE_NETWORK", pair[1]))
		if len(cfg.Chain.Endpoints) != 1 || len(cfg.Chain.ArchiveEndpoints) != 1 {
			t.Errorf("%v: endpoints %v %v", pair, cfg.Chain.Endpoints, cfg.Chain.ArchiveEndpoints)
		}
	}
}

func TestAllProblemsListedAtOnce(t *testing.T) {
	env := environ(t,
		"PYLON_IDENTITIES", `["a", "b"]`,
		"PYLON_ID_A_WALLET_NAME", "w",
		"PYLON_ID_A_HOTKEY_NAME", "h",
		"PYLON_ID_A_NETUID", "x1",
		"PYLON_ID_A_TOKEN", "same",
		"PYLON_ID_B_TOKEN", "same",
		"PYLON_BLOCK_DURATION_SECONDS", "zero",
		"PYLON_DEFAULT_REQUEST_TIMEOUT_SECONDS", "500",
		"PYLON_RECENT_OBJECTS_SOFT_LIMIT_BLOCKS", "200",
		"PYLON_LOG_FORMAT", "yaml",
		"PYLON_BITTENSOR_NETWORK", "nowhere",
		"PYLON_BITTENSOR_ARCHIVE_NETWORK", "archive",
	)
	got := problems(t, env)
	var vars []string
	for _, p := range got {
		vars = append(vars, p.Variable)
	}
	want := []string{
		"PYLON_BITTENSOR_NETWORK",                // unknown network name
		"PYLON_BLOCK_DURATION_SECONDS",           // not a number
		"PYLON_DEFAULT_REQUEST_TIMEOUT_SECONDS",  // more than the max
		"PYLON_ID_A_NETUID",                      // not a netuid
		"PYLON_ID_B_HOTKEY_NAME",                 // missing
		"PYLON_ID_B_NETUID",                      // missing
		"PYLON_ID_B_TOKEN",                       // duplicate of A's
		"PYLON_ID_B_WALLET_NAME",                 // missing
		"PYLON_LOG_FORMAT",                       // not text/json
		"PYLON_RECENT_OBJECTS_SOFT_LIMIT_BLOCKS", // not below the hard limit
	}
	slices.Sort(vars)
	if diff := cmp.Diff(want, vars); diff != "" {
		t.Errorf("problem variables (-want +got):\n%s\nall: %q", diff, got)
	}
	// The message quotes no token.
	_, err := Load(env)
	if strings.Contains(err.Error(), "same") && !strings.Contains(err.Error(), "same token as") {
		t.Errorf("error quotes a token: %v", err)
	}
	if n := strings.Count(err.Error(), "\n  "); n != len(want) {
		t.Errorf("error text has %d problem lines, want %d:\n%v", n, len(want), err)
	}
}

func TestSeedMode(t *testing.T) {
	seed := []string{
		"BITTENSOR_NETUID", "12",
		"BITTENSOR_NETWORK", "ws://127.0.0.1:9944",
		"BITTENSOR_ARCHIVE_NETWORK", "ws://127.0.0.1:9944",
		"BITTENSOR_WALLET_PATH", "~/wallets",
		"BITTENSOR_WALLET_NAME", "validator",
		"BITTENSOR_WALLET_HOTKEY_NAME", "hk",
		"AUTH_TOKEN", "abc",
		"TEMPO", "99",
		"WEIGHTS_RETRY_ATTEMPTS", "5",
		"WEIGHTS_RETRY_DELAY_SECONDS", "2",
		"COMMIT_CYCLE_LENGTH", "3",
		"METAGRAPH_CACHE_TTL", "600",
		"PYLON_DB_URI", "sqlite+aiosqlite:////app/db/pylon.db",
		"PYLON_DOCKER_IMAGE_NAME", "bittensor_pylon",
		"SENTRY_DSN", "",
		"DEBUG", "False",
	}
	cfg := mustLoad(t, environ(t, seed...))
	if cfg.Mode != ModeSeed {
		t.Fatalf("mode %v, want seed", cfg.Mode)
	}
	wantIDs := []Identity{{Name: "default", WalletName: "validator", HotkeyName: "hk", Netuid: 12, Token: NewSecret("abc")}}
	if diff := cmp.Diff(wantIDs, cfg.Identities, secretEq); diff != "" {
		t.Errorf("seed identity (-want +got):\n%s", diff)
	}
	if cfg.OpenAccessToken.Value() != "abc" || cfg.MetricsToken.Value() != "abc" {
		t.Errorf("AUTH_TOKEN must guard open access and metrics too")
	}
	if cfg.SeedTempo != 99 || cfg.Weights.Attempts != 5 || cfg.Weights.Delay != 2*time.Second {
		t.Errorf("tempo %d, weights %+v", cfg.SeedTempo, cfg.Weights)
	}
	if cfg.Chain.WalletPath != "/home/op/wallets" || cfg.Chain.Endpoints[0].Value() != "ws://127.0.0.1:9944" {
		t.Errorf("chain %+v", cfg.Chain)
	}
	if diff := cmp.Diff([]string{"COMMIT_CYCLE_LENGTH", "METAGRAPH_CACHE_TTL", "PYLON_DB_URI", "PYLON_DOCKER_IMAGE_NAME"}, cfg.Ignored); diff != "" {
		t.Errorf("ignored (-want +got):\n%s", diff)
	}
	if len(cfg.Warnings) != 0 {
		t.Errorf("warnings: %q", cfg.Warnings)
	}

	// The seed example from Pylon's README: network only, no archive network.
	cfg = mustLoad(t, environ(t, "BITTENSOR_NETUID", "1", "BITTENSOR_NETWORK", "test",
		"BITTENSOR_WALLET_NAME", "w", "BITTENSOR_WALLET_HOTKEY_NAME", "h", "AUTH_TOKEN", "t"))
	if cfg.Chain.ArchiveEndpoints[0].Value() != Networks["archive"] || len(cfg.Warnings) != 1 || !strings.Contains(cfg.Warnings[0], "BITTENSOR_ARCHIVE_NETWORK") {
		t.Errorf("seed with network only: archive %v, warnings %q", cfg.Chain.ArchiveEndpoints, cfg.Warnings)
	}
}

func TestSeedModeProblems(t *testing.T) {
	cases := []struct {
		name string
		kv   []string
		want map[string]string // variable -> message fragment
	}{
		{
			name: "empty AUTH_TOKEN and nothing else",
			kv:   []string{"AUTH_TOKEN", ""},
			want: map[string]string{
				"AUTH_TOKEN":                   "must not be empty",
				"BITTENSOR_NETUID":             "is required in the seed format",
				"BITTENSOR_WALLET_NAME":        "is required in the seed format",
				"BITTENSOR_WALLET_HOTKEY_NAME": "is required in the seed format",
			},
		},
		{
			name: "mixed with identities and current tokens",
			kv: append(twoIdentities(), "AUTH_TOKEN", "abc", "BITTENSOR_NETUID", "1",
				"BITTENSOR_WALLET_NAME", "w", "BITTENSOR_WALLET_HOTKEY_NAME", "h"),
			want: map[string]string{
				"PYLON_IDENTITIES":        "cannot be combined with the seed-format variables (AUTH_TOKEN, BITTENSOR_NETUID is set)",
				"PYLON_OPEN_ACCESS_TOKEN": "cannot be combined with the seed format",
				"PYLON_METRICS_TOKEN":     "cannot be combined with the seed format",
			},
		},
		{
			name: "seed variable and its PYLON_ twin",
			kv: []string{"AUTH_TOKEN", "abc", "BITTENSOR_NETUID", "1", "BITTENSOR_WALLET_NAME", "w", "BITTENSOR_WALLET_HOTKEY_NAME", "h",
				"BITTENSOR_NETWORK", "local", "PYLON_BITTENSOR_NETWORK", "finney", "PYLON_BITTENSOR_ARCHIVE_NETWORK", "archive"},
			want: map[string]string{"BITTENSOR_NETWORK": "both BITTENSOR_NETWORK and PYLON_BITTENSOR_NETWORK are set"},
		},
		{
			name: "bad seed values are named by their seed variable",
			kv: []string{"AUTH_TOKEN", "abc", "BITTENSOR_NETUID", "x", "BITTENSOR_WALLET_NAME", "w", "BITTENSOR_WALLET_HOTKEY_NAME", "h",
				"BITTENSOR_NETWORK", "moon", "BITTENSOR_ARCHIVE_BLOCKS_CUTOFF", "many", "TEMPO", "0", "WEIGHTS_RETRY_ATTEMPTS", "lots"},
			want: map[string]string{
				"BITTENSOR_NETUID":                "must be a netuid",
				"BITTENSOR_NETWORK":               `unknown network name "moon"`,
				"BITTENSOR_ARCHIVE_BLOCKS_CUTOFF": `must be a whole number, got "many"`,
				"TEMPO":                           "must be at least 1",
				"WEIGHTS_RETRY_ATTEMPTS":          `must be a whole number, got "lots"`,
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := map[string]string{}
			for _, p := range problems(t, environ(t, c.kv...)) {
				got[p.Variable] = p.Message
			}
			if len(got) != len(c.want) {
				t.Errorf("got %d problems, want %d: %q", len(got), len(c.want), got)
			}
			for v, frag := range c.want {
				if !strings.Contains(got[v], frag) {
					t.Errorf("%s: message %q, want it to contain %q", v, got[v], frag)
				}
			}
		})
	}
}

func TestEnvFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "pylon.env")
	content := "# comment\nPYLON_LISTEN_ADDRESS=127.0.0.1:1111\nPYLON_ENVIRONMENT=from-file\nexport PYLON_LOG_LEVEL=debug\n"
	if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}

	t.Run("real environment wins over the file", func(t *testing.T) {
		cfg := mustLoad(t, []string{"HOME=/h", "PYLON_ENV_FILE=" + file, "PYLON_ENVIRONMENT=from-env"})
		if cfg.HTTP.ListenAddress != "127.0.0.1:1111" || cfg.Environment != "from-env" || cfg.Log.Level.String() != "DEBUG" {
			t.Errorf("listen %q, environment %q, level %v", cfg.HTTP.ListenAddress, cfg.Environment, cfg.Log.Level)
		}
		if cfg.EnvFile != file {
			t.Errorf("EnvFile = %q, want %q", cfg.EnvFile, file)
		}
	})
	t.Run("a missing default ./.env is fine", func(t *testing.T) {
		t.Chdir(t.TempDir())
		cfg := mustLoad(t, []string{"HOME=/h"})
		if cfg.EnvFile != "" {
			t.Errorf("EnvFile = %q, want none", cfg.EnvFile)
		}
	})
	t.Run("the default ./.env is read when present", func(t *testing.T) {
		wd := t.TempDir()
		t.Chdir(wd)
		if err := os.WriteFile(".env", []byte("PYLON_ENVIRONMENT=dotenv\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if cfg := mustLoad(t, []string{"HOME=/h"}); cfg.Environment != "dotenv" {
			t.Errorf("environment %q, want dotenv", cfg.Environment)
		}
	})
	t.Run("a missing explicit file is an error", func(t *testing.T) {
		got := problems(t, []string{"HOME=/h", "PYLON_ENV_FILE=" + filepath.Join(dir, "missing.env")})
		if len(got) != 1 || got[0].Variable != "PYLON_ENV_FILE" || !strings.Contains(got[0].Message, "missing.env") {
			t.Errorf("problems %q", got)
		}
	})
	t.Run("identities file overrides the env file", func(t *testing.T) {
		idFile := filepath.Join(dir, "ids.env")
		ids := "PYLON_IDENTITIES=[\"a\"]\nPYLON_ID_A_WALLET_NAME=w\nPYLON_ID_A_HOTKEY_NAME=h\nPYLON_ID_A_NETUID=7\nPYLON_ID_A_TOKEN=t\nPYLON_ENVIRONMENT=from-ids\n"
		if err := os.WriteFile(idFile, []byte(ids), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg := mustLoad(t, []string{"HOME=/h", "PYLON_ENV_FILE=" + file, "PYLON_ID_ENV_FILE=" + idFile})
		if len(cfg.Identities) != 1 || cfg.Identities[0].Netuid != 7 || cfg.Environment != "from-ids" {
			t.Errorf("identities %+v, environment %q", cfg.Identities, cfg.Environment)
		}
	})
}

func TestResolveNetwork(t *testing.T) {
	cases := []struct {
		in      string
		want    []NodeURL
		wantErr string
	}{
		{"finney", urls("wss://entrypoint-finney.opentensor.ai:443"), ""},
		{"FINNEY", urls("wss://entrypoint-finney.opentensor.ai:443"), ""},
		{"test", urls("wss://test.finney.opentensor.ai:443"), ""},
		{"archive", urls("wss://archive.chain.opentensor.ai:443"), ""},
		{"local", urls("ws://127.0.0.1:9944"), ""},
		{"ws://node:9944", urls("ws://node:9944"), ""},
		{"https://node.example/rpc", urls("https://node.example/rpc"), ""},
		{"wss://a:443, finney ,wss://a:443", urls("wss://a:443", "wss://entrypoint-finney.opentensor.ai:443"), ""},
		{"devnet", nil, `unknown network name "devnet"`},
		{"ftp://node", nil, `scheme "ftp"`},
		{"ws://", nil, "has no host"},
		{"finney,", nil, "empty entry"},
		{"", nil, "is empty"},
	}
	for _, c := range cases {
		got, err := ResolveNetwork(c.in)
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("ResolveNetwork(%q) error %v, want %q", c.in, err, c.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("ResolveNetwork(%q): %v", c.in, err)
			continue
		}
		if diff := cmp.Diff(c.want, got, secretEq); diff != "" {
			t.Errorf("ResolveNetwork(%q) (-want +got):\n%s", c.in, diff)
		}
	}
}

func TestWarningsAndIgnoredVariables(t *testing.T) {
	env := environ(t, append(twoIdentities(),
		"PYLON_LISTEN_PORT", "typo",
		"PYLON_ID_SN9_TOKEN", "orphan",
		"PYLON_CLIENT_ADDRESS", "http://localhost:8000",
		"PYLON_SENTRY_DSN", "https://key@sentry.example/1",
		"PYLON_OTEL_SERVICE_NAME", "x",
		"PYLON_COMMIT_CYCLE_LENGTH", "3",
		"PYLON_EVM_RPC_URL", "",
	)...)
	cfg := mustLoad(t, env)
	wantWarn := []string{
		"PYLON_ID_SN9_TOKEN is set but matches no identity listed in PYLON_IDENTITIES; it is ignored",
		"PYLON_LISTEN_PORT is not a Pylon-Go setting and is ignored (a typo?)",
	}
	if diff := cmp.Diff(wantWarn, cfg.Warnings); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"PYLON_COMMIT_CYCLE_LENGTH", "PYLON_OTEL_SERVICE_NAME", "PYLON_SENTRY_DSN"}, cfg.Ignored); diff != "" {
		t.Errorf("ignored (-want +got):\n%s", diff)
	}
}
