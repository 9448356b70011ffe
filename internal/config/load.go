package config

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"
	"github.com/joho/godotenv"
)

// ErrInvalid is matched (errors.Is) by the *Error Load returns when the
// settings are wrong, as opposed to, say, an unreadable .env file.
var ErrInvalid = errors.New("invalid configuration")

// Problem is one thing wrong with the settings.
type Problem struct {
	// Variable is the environment variable at fault (or, for a .env file that
	// cannot be read, PYLON_ENV_FILE).
	Variable string
	// Message says what is wrong, never quoting a secret.
	Message string
}

// String renders the problem as "VARIABLE: message".
func (p Problem) String() string { return p.Variable + ": " + p.Message }

// Error lists every problem found by Load.
type Error struct {
	Problems []Problem
}

// Error renders all problems, one per line after a summary line.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "invalid configuration (%d problem", len(e.Problems))
	if len(e.Problems) != 1 {
		b.WriteString("s")
	}
	b.WriteString("):")
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	return b.String()
}

// Is makes errors.Is(err, ErrInvalid) true for an *Error.
func (e *Error) Is(target error) bool { return target == ErrInvalid }

// identityNameRE limits identity names to what fits both a URL path segment
// and an environment variable name.
var identityNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`)

// Load reads the configuration from environ (os.Environ() form, "KEY=value")
// and the .env file it names, validates it and returns it. The process
// environment wins over the .env file. On invalid settings it returns an
// error matching ErrInvalid that lists every problem (see *Error).
func Load(environ []string) (*Config, error) {
	l := &loader{
		real:    envMap(environ),
		display: map[string]string{},
		failed:  map[string]bool{},
	}
	cfg := l.load()
	if len(l.problems) > 0 {
		return nil, &Error{Problems: l.problems}
	}
	cfg.Warnings = l.warnings
	return cfg, nil
}

// loader carries the state of one Load call.
type loader struct {
	real     map[string]string // the process environment
	env      map[string]string // .env files overlaid by the process environment
	display  map[string]string // PYLON_* key -> seed variable it was copied from
	failed   map[string]bool   // keys that did not parse; skip checks that depend on them
	problems []Problem
	warnings []string
}

func (l *loader) problem(key, format string, args ...any) {
	l.problems = append(l.problems, Problem{Variable: l.name(key), Message: fmt.Sprintf(format, args...)})
	l.failed[key] = true
}

func (l *loader) warn(format string, args ...any) {
	l.warnings = append(l.warnings, fmt.Sprintf(format, args...))
}

// name is the variable a problem about key should name: in seed mode the seed
// variable the value came from.
func (l *loader) name(key string) string {
	if d, ok := l.display[key]; ok {
		return d
	}
	return key
}

// has reports whether key is set to a non-empty value.
func (l *loader) has(key string) bool { return l.env[key] != "" }

// present reports whether key is set at all, even to "".
func (l *loader) present(key string) bool {
	_, ok := l.env[key]
	return ok
}

func (l *loader) load() *Config {
	cfg := &Config{}
	l.readFiles(cfg)

	if l.seedMode() {
		cfg.Mode = ModeSeed
		l.prepareSeed()
	}

	var s settings
	l.parse(&s, "")

	l.chain(cfg, &s)
	if cfg.Mode == ModeSeed {
		l.seedIdentity(cfg)
	} else {
		l.identities(cfg, &s)
	}
	l.http(cfg, &s)
	l.recent(cfg, &s)
	l.jobs(cfg, &s)
	l.database(cfg, &s)
	l.logging(cfg, &s)
	cfg.Environment = strings.TrimSpace(s.Environment)
	cfg.Debug = s.Debug
	l.ignoredAndUnknown(cfg)
	return cfg
}

// readFiles loads PYLON_ENV_FILE (default ./.env) and PYLON_ID_ENV_FILE and
// builds l.env with the process environment on top.
func (l *loader) readFiles(cfg *Config) {
	var fsets fileSettings
	// Cannot fail: only string fields.
	_ = env.ParseWithOptions(&fsets, env.Options{Environment: l.real})

	l.env = map[string]string{}
	if m, ok := l.readFile("PYLON_ENV_FILE", fsets.EnvFile, l.real["PYLON_ENV_FILE"] != ""); ok {
		maps(l.env, m)
		cfg.EnvFile = fsets.EnvFile
	}
	if fsets.IdentitiesEnvFile != "" {
		if m, ok := l.readFile("PYLON_ID_ENV_FILE", fsets.IdentitiesEnvFile, true); ok {
			maps(l.env, m)
		}
	}
	maps(l.env, l.real)
}

func (l *loader) readFile(key, path string, explicit bool) (map[string]string, bool) {
	f, err := os.Open(path) //nolint:gosec // The operator names the file on purpose.
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) && !explicit {
			return nil, false
		}
		l.problem(key, "cannot read %s: %v", path, err)
		return nil, false
	}
	defer func() { _ = f.Close() }()
	m, err := godotenv.Parse(f)
	if err != nil {
		l.problem(key, "%s is not a valid .env file: %v", path, err)
		return nil, false
	}
	return m, true
}

func maps(dst, src map[string]string) {
	for k, v := range src {
		dst[k] = v
	}
}

// seedMode reports whether the settings are in the seed format: a variable
// that only the seed format has is present.
func (l *loader) seedMode() bool {
	return slices.ContainsFunc(seedTriggers, l.present)
}

// prepareSeed rejects mixtures of the two formats and copies each seed
// variable onto its current equivalent so the shared validation applies.
func (l *loader) prepareSeed() {
	var triggers []string
	for _, k := range seedTriggers {
		if l.present(k) {
			triggers = append(triggers, k)
		}
	}
	found := strings.Join(triggers, ", ")
	if ids := strings.TrimSpace(l.env["PYLON_IDENTITIES"]); ids != "" && ids != "[]" {
		l.problem("PYLON_IDENTITIES", "cannot be combined with the seed-format variables (%s is set): "+
			"use either the seed format (one wallet, AUTH_TOKEN) or PYLON_IDENTITIES with PYLON_ID_<NAME>_*", found)
	}
	for _, k := range []string{"PYLON_OPEN_ACCESS_TOKEN", "PYLON_METRICS_TOKEN"} {
		if l.has(k) {
			l.problem(k, "cannot be combined with the seed format (%s is set): AUTH_TOKEN guards every route there; "+
				"remove %s or move to PYLON_IDENTITIES", found, k)
		}
	}
	for _, seedKey := range sortedKeys(seedEquivalents) {
		pylonKey := seedEquivalents[seedKey]
		if !l.present(seedKey) {
			continue
		}
		if l.has(pylonKey) {
			l.problem(seedKey, "both %s and %s are set; in the seed format set only %s", seedKey, pylonKey, seedKey)
			continue
		}
		l.env[pylonKey] = l.env[seedKey]
		l.display[pylonKey] = seedKey
	}
	if l.has("BITTENSOR_NETWORK") && !l.has("BITTENSOR_ARCHIVE_NETWORK") {
		l.warn("BITTENSOR_NETWORK is set but BITTENSOR_ARCHIVE_NETWORK is not, so blocks older than the archive " +
			"cutoff are read from the finney archive node; set BITTENSOR_ARCHIVE_NETWORK as well")
	}
}

// parse fills dst (a pointer to a tagged struct) from l.env, turning each
// parse error into a problem naming its variable.
func (l *loader) parse(dst any, prefix string) {
	err := env.ParseWithOptions(dst, env.Options{Environment: l.env, Prefix: prefix, FuncMap: parsers})
	if err == nil {
		return
	}
	keys := fieldKeys(reflect.TypeOf(dst).Elem(), prefix)
	var agg env.AggregateError
	if !errors.As(err, &agg) {
		l.problem(prefix, "%v", err)
		return
	}
	for _, e := range agg.Errors {
		var pe env.ParseError
		if errors.As(e, &pe) {
			l.problem(keys[pe.Name], "%v", pe.Err)
			continue
		}
		l.problem(prefix, "%v", e)
	}
}

// fieldKeys maps struct field names to their variable names.
func fieldKeys(t reflect.Type, prefix string) map[string]string {
	out := map[string]string{}
	for f := range t.Fields() {
		key, _, _ := strings.Cut(f.Tag.Get("env"), ",")
		out[f.Name] = prefix + key
	}
	return out
}

func (l *loader) chain(cfg *Config, s *settings) {
	c := &cfg.Chain

	// Pylon 2.3.0: the main and archive networks are overridden together or
	// not at all, because a custom main network with the default archive
	// would quietly read old blocks from a different chain.
	if cfg.Mode == ModeIdentities {
		main, archive := "PYLON_BITTENSOR_NETWORK", "PYLON_BITTENSOR_ARCHIVE_NETWORK"
		switch {
		case l.has(main) && !l.has(archive):
			l.problem(archive, "must be set together with %s (both or neither, as in Pylon 2.3.0); "+
				"for a node that keeps every block, set it to the same value", main)
		case l.has(archive) && !l.has(main):
			l.problem(main, "must be set together with %s (both or neither, as in Pylon 2.3.0)", archive)
		}
	}

	var err error
	if c.Endpoints, err = ResolveNetwork(s.Network); err != nil {
		l.problem("PYLON_BITTENSOR_NETWORK", "%v", err)
	}
	if c.ArchiveEndpoints, err = ResolveNetwork(s.ArchiveNetwork); err != nil {
		l.problem("PYLON_BITTENSOR_ARCHIVE_NETWORK", "%v", err)
	}
	c.ArchiveBlocksCutoff = s.ArchiveBlocksCutoff
	l.atLeast("PYLON_BITTENSOR_ARCHIVE_BLOCKS_CUTOFF", s.ArchiveBlocksCutoff, 1)

	c.WalletPath = l.expandHome("PYLON_BITTENSOR_WALLET_PATH", strings.TrimSpace(s.WalletPath))
	c.BlockDuration = l.seconds("PYLON_BLOCK_DURATION_SECONDS", s.BlockDuration, false)
}

func (l *loader) expandHome(key, p string) string {
	if p == "" {
		l.problem(key, "must not be empty")
		return ""
	}
	if p != "~" && !strings.HasPrefix(p, "~/") {
		return p
	}
	home := l.real["HOME"]
	if home == "" {
		var err error
		if home, err = os.UserHomeDir(); err != nil {
			l.problem(key, "cannot expand ~ in %q: %v", p, err)
			return p
		}
	}
	return filepath.Join(home, strings.TrimPrefix(p, "~"))
}

// seedIdentity builds the one implicit identity of a seed configuration.
func (l *loader) seedIdentity(cfg *Config) {
	var s seedSettings
	l.parse(&s, "")
	cfg.SeedTempo = s.Tempo
	l.atLeast("TEMPO", s.Tempo, 1)

	id := Identity{Name: SeedIdentityName}
	id.WalletName = l.required("BITTENSOR_WALLET_NAME", s.WalletName, "in the seed format")
	id.HotkeyName = l.required("BITTENSOR_WALLET_HOTKEY_NAME", s.HotkeyName, "in the seed format")
	if n := l.required("BITTENSOR_NETUID", s.Netuid, "in the seed format"); n != "" {
		id.Netuid = l.netuid("BITTENSOR_NETUID", n)
	}
	if s.AuthToken == "" {
		l.problem("AUTH_TOKEN", "must not be empty: in the seed format it guards every route")
	} else {
		l.checkToken("AUTH_TOKEN", s.AuthToken)
	}
	id.Token = NewSecret(s.AuthToken)
	cfg.Identities = []Identity{id}
	cfg.OpenAccessToken = id.Token
	cfg.MetricsToken = id.Token
}

func (l *loader) required(key, value, context string) string {
	value = strings.TrimSpace(value)
	if value == "" {
		l.problem(key, "is required %s but not set", context)
	}
	return value
}

func (l *loader) netuid(key, raw string) uint16 {
	n, err := parseNetuid(raw)
	if err != nil {
		l.problem(key, "%v", err)
	}
	return n
}

// checkToken rejects tokens that cannot travel in an Authorization header.
// It never quotes the token.
func (l *loader) checkToken(key, token string) {
	if strings.IndexFunc(token, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0 {
		l.problem(key, "must not contain spaces or control characters (it is sent as \"Authorization: Bearer <token>\")")
	}
}

// identities reads PYLON_IDENTITIES and each identity's PYLON_ID_<NAME>_*.
func (l *loader) identities(cfg *Config, s *settings) {
	cfg.OpenAccessToken = NewSecret(s.OpenAccessToken)
	cfg.MetricsToken = NewSecret(s.MetricsToken)
	if s.OpenAccessToken != "" {
		l.checkToken("PYLON_OPEN_ACCESS_TOKEN", s.OpenAccessToken)
	}
	if s.MetricsToken != "" {
		l.checkToken("PYLON_METRICS_TOKEN", s.MetricsToken)
	}

	names, err := parseList(s.Identities)
	if err != nil {
		l.problem("PYLON_IDENTITIES", "%v", err)
		return
	}
	seen := map[string]string{}   // upper-case name -> name
	tokens := map[string]string{} // token -> variable holding it
	for _, k := range []string{"PYLON_OPEN_ACCESS_TOKEN", "PYLON_METRICS_TOKEN"} {
		if v := l.env[k]; v != "" {
			if _, dup := tokens[v]; !dup {
				tokens[v] = k
			}
		}
	}
	for _, name := range names {
		if !identityNameRE.MatchString(name) {
			l.problem("PYLON_IDENTITIES", "identity name %q must be 1 to 64 letters, digits, '_' or '-', starting with a letter or digit", name)
			continue
		}
		upper := strings.ToUpper(name)
		if prev, dup := seen[upper]; dup {
			l.problem("PYLON_IDENTITIES", "identity %q is listed twice (names are compared ignoring case, like the PYLON_ID_%s_* variables; first: %q)", name, upper, prev)
			continue
		}
		seen[upper] = name
		if id, ok := l.identity(name, tokens); ok {
			cfg.Identities = append(cfg.Identities, id)
		}
	}
	if len(cfg.Identities) == 0 && !cfg.OpenAccessToken.IsSet() {
		l.warn("no identities and no PYLON_OPEN_ACCESS_TOKEN are configured: every /api route will answer 403")
	}
}

func (l *loader) identity(name string, tokens map[string]string) (Identity, bool) {
	prefix := identityPrefix(name)
	var s identitySettings
	l.parse(&s, prefix)
	before := len(l.problems)
	context := fmt.Sprintf("for identity %q", name)

	id := Identity{Name: name}
	id.WalletName = l.required(prefix+"WALLET_NAME", s.WalletName, context)
	id.HotkeyName = l.required(prefix+"HOTKEY_NAME", s.HotkeyName, context)
	if n := l.required(prefix+"NETUID", s.Netuid, context); n != "" {
		id.Netuid = l.netuid(prefix+"NETUID", n)
	}
	tokenKey := prefix + "TOKEN"
	if s.Token == "" {
		l.problem(tokenKey, "is required %s but not set", context)
	} else {
		l.checkToken(tokenKey, s.Token)
		if other, dup := tokens[s.Token]; dup {
			l.problem(tokenKey, "is the same token as %s; every identity needs a token of its own, "+
				"different from the open-access and metrics tokens", other)
		} else {
			tokens[s.Token] = tokenKey
		}
		id.Token = NewSecret(s.Token)
	}
	id.HotkeyPassword = l.hotkeyPassword(prefix, s)
	return id, len(l.problems) == before
}

// identityPrefix is the variable prefix of an identity's settings.
func identityPrefix(name string) string { return "PYLON_ID_" + strings.ToUpper(name) + "_" }

func (l *loader) hotkeyPassword(prefix string, s identitySettings) Secret {
	pw, file := prefix+"HOTKEY_PASSWORD", prefix+"HOTKEY_PASSWORD_FILE"
	switch {
	case s.HotkeyPassword != "" && s.HotkeyPasswordFile != "":
		l.problem(file, "set either %s or %s, not both", pw, file)
	case s.HotkeyPasswordFile != "":
		b, err := os.ReadFile(s.HotkeyPasswordFile)
		if err != nil {
			l.problem(file, "cannot read the password file: %v", err)
			return Secret{}
		}
		// A file written by echo or a secrets manager ends in a newline that
		// is not part of the password.
		p := strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
		if p == "" {
			l.problem(file, "the password file %s is empty", s.HotkeyPasswordFile)
		}
		return NewSecret(p)
	case s.HotkeyPassword != "":
		return NewSecret(s.HotkeyPassword)
	}
	return Secret{}
}

func (l *loader) http(cfg *Config, s *settings) {
	h := &cfg.HTTP
	h.ListenAddress = strings.TrimSpace(s.ListenAddress)
	if err := checkListenAddress(h.ListenAddress); err != nil {
		l.problem("PYLON_LISTEN_ADDRESS", "%v", err)
	}
	h.DefaultRequestTimeout = l.seconds("PYLON_DEFAULT_REQUEST_TIMEOUT_SECONDS", s.DefaultRequestTimeout, false)
	h.MaxRequestTimeout = l.seconds("PYLON_MAX_REQUEST_TIMEOUT_SECONDS", s.MaxRequestTimeout, false)
	if !l.failed["PYLON_DEFAULT_REQUEST_TIMEOUT_SECONDS"] && !l.failed["PYLON_MAX_REQUEST_TIMEOUT_SECONDS"] &&
		h.DefaultRequestTimeout > h.MaxRequestTimeout {
		l.problem("PYLON_DEFAULT_REQUEST_TIMEOUT_SECONDS", "%g s is more than PYLON_MAX_REQUEST_TIMEOUT_SECONDS (%g s)",
			s.DefaultRequestTimeout, s.MaxRequestTimeout)
	}
	h.ShutdownGracePeriod = l.seconds("PYLON_SHUTDOWN_GRACE_PERIOD_SECONDS", s.ShutdownGracePeriod, true)
}

func (l *loader) recent(cfg *Config, s *settings) {
	r := &cfg.RecentObjects
	r.SoftLimitBlocks, r.HardLimitBlocks, r.RefreshLeadBlocks = s.RecentSoftLimit, s.RecentHardLimit, s.RecentRefreshLead
	soft, hard, lead := "PYLON_RECENT_OBJECTS_SOFT_LIMIT_BLOCKS", "PYLON_RECENT_OBJECTS_HARD_LIMIT_BLOCKS", "PYLON_RECENT_OBJECTS_REFRESH_LEAD_BLOCKS"
	l.atLeast(soft, r.SoftLimitBlocks, 1)
	l.atLeast(hard, r.HardLimitBlocks, 1)
	l.atLeast(lead, r.RefreshLeadBlocks, 0)
	if !l.failed[soft] && !l.failed[hard] && r.SoftLimitBlocks >= r.HardLimitBlocks {
		l.problem(soft, "%d must be less than %s (%d)", r.SoftLimitBlocks, hard, r.HardLimitBlocks)
	}
	if !l.failed[soft] && !l.failed[lead] && r.RefreshLeadBlocks >= r.SoftLimitBlocks {
		l.problem(lead, "%d must be less than %s (%d): the cache is refreshed every (soft limit - lead) blocks",
			r.RefreshLeadBlocks, soft, r.SoftLimitBlocks)
	}
	netuids, err := parseNetuidList(s.RecentNetuids)
	if err != nil {
		l.problem("PYLON_RECENT_OBJECTS_NETUIDS", "%v", err)
	}
	r.Netuids = netuids
}

func (l *loader) jobs(cfg *Config, s *settings) {
	cfg.Weights.Attempts = s.WeightsRetryAttempts
	l.atLeast("PYLON_WEIGHTS_RETRY_ATTEMPTS", s.WeightsRetryAttempts, 1)
	cfg.Weights.Delay = l.seconds("PYLON_WEIGHTS_RETRY_DELAY_SECONDS", s.WeightsRetryDelay, true)
	cfg.Weights.MinVersionKey = s.WeightsMinVersionKey
	cfg.Commitments.Attempts = s.CommitmentRetryAttempts
	l.atLeast("PYLON_COMMITMENT_RETRY_ATTEMPTS", s.CommitmentRetryAttempts, 1)
	cfg.Commitments.Delay = l.seconds("PYLON_COMMITMENT_RETRY_DELAY_SECONDS", s.CommitmentRetryDelay, true)
}

func (l *loader) database(cfg *Config, s *settings) {
	cfg.Database.Path = strings.TrimSpace(s.DatabasePath)
	if s.DatabaseURL == "" {
		if cfg.Database.Path == "" {
			l.problem("PYLON_DATABASE_PATH", "must not be empty")
		}
		return
	}
	// The URL may hold a password, so messages describe it without quoting it.
	if err := checkPostgresURL(s.DatabaseURL); err != nil {
		l.problem("PYLON_DATABASE_URL", "%v", err)
	}
	if l.has("PYLON_DATABASE_PATH") {
		l.problem("PYLON_DATABASE_PATH", "cannot be combined with PYLON_DATABASE_URL: set the SQLite path or the PostgreSQL URL, not both")
	}
	cfg.Database.URL = NewSecret(s.DatabaseURL)
}

func (l *loader) logging(cfg *Config, s *settings) {
	cfg.Log.Format = strings.ToLower(strings.TrimSpace(s.LogFormat))
	if cfg.Log.Format != "text" && cfg.Log.Format != "json" {
		l.problem("PYLON_LOG_FORMAT", "must be text or json, got %q", s.LogFormat)
	}
	lvl := strings.TrimSpace(s.LogLevel)
	// PYLON_DEBUG lowers the default level; an explicit level still wins.
	if s.Debug && !l.has("PYLON_LOG_LEVEL") {
		lvl = "debug"
	}
	if strings.EqualFold(lvl, "warning") {
		lvl = "warn"
	}
	if err := cfg.Log.Level.UnmarshalText([]byte(lvl)); err != nil {
		l.problem("PYLON_LOG_LEVEL", "must be debug, info, warn or error, got %q", s.LogLevel)
	}
}

// ignoredAndUnknown records the compatibility-only variables that are set and
// warns about PYLON_* variables nobody reads, which are usually typos.
func (l *loader) ignoredAndUnknown(cfg *Config) {
	known := map[string]bool{}
	for _, t := range []any{settings{}, fileSettings{}} {
		for _, v := range tagKeys(t) {
			known[v] = true
		}
	}
	for _, v := range IgnoredVariables() {
		if l.has(v) {
			cfg.Ignored = append(cfg.Ignored, v)
		}
		known[v] = true
	}
	listed := map[string]bool{}
	for _, id := range cfg.Identities {
		listed[identityPrefix(id.Name)] = true
	}
	for _, k := range sortedKeys(l.env) {
		if known[k] || !strings.HasPrefix(k, "PYLON_") {
			continue
		}
		switch {
		case strings.HasPrefix(k, "PYLON_CLIENT_"), k == "PYLON_TESTDATA_DIR":
			// The Python client's and the test suite's settings often share the .env.
		case strings.HasPrefix(k, "PYLON_ID_"):
			if !identityVarOf(k, listed) {
				l.warn("%s is set but matches no identity listed in PYLON_IDENTITIES; it is ignored", k)
			}
		default:
			l.warn("%s is not a Pylon-Go setting and is ignored (a typo?)", k)
		}
	}
}

func identityVarOf(key string, prefixes map[string]bool) bool {
	for p := range prefixes {
		if suffix, ok := strings.CutPrefix(key, p); ok && slices.Contains(tagKeys(identitySettings{}), suffix) {
			return true
		}
	}
	return false
}

// IgnoredVariables lists the variables accepted for compatibility with Pylon
// (current and seed format) that have no effect, sorted.
func IgnoredVariables() []string {
	out := append(tagKeys(ignoredSettings{}), tagKeys(seedIgnoredSettings{})...)
	slices.Sort(out)
	return slices.Compact(out)
}

// Variables lists every variable the service reads, sorted: the PYLON_*
// settings, the .env file names, the per-identity variables with <NAME> in
// place of the identity name, the seed-format variables, and the ignored
// compatibility variables.
func Variables() []string {
	var out []string
	for _, t := range []any{settings{}, fileSettings{}, seedSettings{}} {
		out = append(out, tagKeys(t)...)
	}
	for _, k := range tagKeys(identitySettings{}) {
		out = append(out, "PYLON_ID_<NAME>_"+k)
	}
	out = append(out, IgnoredVariables()...)
	slices.Sort(out)
	return slices.Compact(out)
}

// Defaults maps each variable with a default to that default, as the
// envDefault tags state it.
func Defaults() map[string]string {
	out := map[string]string{}
	for _, t := range []any{settings{}, fileSettings{}, seedSettings{}} {
		for f := range reflect.TypeOf(t).Fields() {
			key, _, _ := strings.Cut(f.Tag.Get("env"), ",")
			if d, ok := f.Tag.Lookup("envDefault"); ok {
				out[key] = d
			}
		}
	}
	return out
}

func tagKeys(v any) []string {
	var out []string
	for f := range reflect.TypeOf(v).Fields() {
		if key, _, _ := strings.Cut(f.Tag.Get("env"), ","); key != "" {
			out = append(out, key)
		}
	}
	return out
}

func (l *loader) atLeast(key string, v, low int) {
	if !l.failed[key] && v < low {
		l.problem(key, "must be at least %d, got %d", low, v)
	}
}

// maxSeconds bounds every duration setting; far beyond any sensible value
// and far below time.Duration's overflow.
const maxSeconds = 1e7

// seconds converts a seconds setting to a duration, checking it is finite
// and positive (or non-negative when zeroOK).
func (l *loader) seconds(key string, v float64, zeroOK bool) time.Duration {
	if l.failed[key] {
		return 0
	}
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		l.problem(key, "must be a finite number of seconds")
	case v < 0 || (v == 0 && !zeroOK):
		if zeroOK {
			l.problem(key, "must not be negative, got %g", v)
		} else {
			l.problem(key, "must be more than 0 seconds, got %g", v)
		}
	case v > maxSeconds:
		l.problem(key, "%g s is too large (at most %g)", v, float64(maxSeconds))
	default:
		return time.Duration(v * float64(time.Second))
	}
	return 0
}

// envMap turns os.Environ() form into a map; later entries win, as in the
// process environment.
func envMap(environ []string) map[string]string {
	m := make(map[string]string, len(environ))
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && k != "" {
			m[k] = v
		}
	}
	return m
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
