package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// secretValues are the secrets set by twoIdentities plus a database URL;
// none may appear in any rendering of the Config.
var secretValues = []string{"tok-sn1-secret", "tok-val2-secret", "hunter2-password", "open-secret", "metrics-secret", "dbpass", "nodekey"}

func TestConfigNeverPrintsSecrets(t *testing.T) {
	env := environ(t, append(twoIdentities(),
		"PYLON_DATABASE_URL", "postgres://pylon:dbpass@db/pylon",
		"PYLON_BITTENSOR_NETWORK", "wss://user:nodekey@node.example/ws?apikey=nodekey",
		"PYLON_BITTENSOR_ARCHIVE_NETWORK", "archive",
	)...)
	cfg := mustLoad(t, env)

	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("effective settings", "config", cfg)
	var text bytes.Buffer
	slog.New(slog.NewTextHandler(&text, nil)).Info("effective settings", "config", cfg)
	js, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	renderings := map[string]string{
		"slog JSON": logged.String(),
		"slog text": text.String(),
		"%v":        fmt.Sprintf("%v", cfg),
		"%+v":       fmt.Sprintf("%+v", cfg),
		"%#v":       fmt.Sprintf("%#v", cfg),
		"%v ids":    fmt.Sprintf("%v", cfg.Identities),
		"%q":        fmt.Sprintf("%q", cfg.OpenAccessToken),
		"%x":        fmt.Sprintf("%x", cfg.MetricsToken),
		"json":      string(js),
	}
	for name, out := range renderings {
		for _, s := range secretValues {
			if strings.Contains(out, s) {
				t.Errorf("%s rendering leaks %q:\n%s", name, s, out)
			}
		}
		if !strings.Contains(out, masked) {
			t.Errorf("%s rendering shows no masked secret:\n%s", name, out)
		}
	}

	// The start-up line still says what matters.
	for _, want := range []string{`"sn1":{"name":"sn1","netuid":1,"wallet":"owner","hotkey":"hk1","token":"***","hotkey_password":"(unset)"}`,
		`"hotkey_password":"***"`, `"url":"postgres://***@db/pylon"`, `"endpoints":["wss://***@node.example/ws?***"]`} {
		if !strings.Contains(logged.String(), want) {
			t.Errorf("start-up log lacks %s:\n%s", want, logged.String())
		}
	}
}

func TestSecret(t *testing.T) {
	var unset Secret
	if unset.IsSet() || unset.String() != "(unset)" || unset.Value() != "" {
		t.Errorf("zero Secret: set=%v string=%q", unset.IsSet(), unset.String())
	}
	s := NewSecret("v")
	if !s.IsSet() || s.Value() != "v" || s.String() != masked {
		t.Errorf("Secret(v): set=%v value=%q print=%q", s.IsSet(), s.Value(), s.String())
	}
}

func TestNodeURLProblemsDoNotQuoteKeys(t *testing.T) {
	for _, bad := range []string{"wss://user:nodekey@", "wss://node.example:port?apikey=nodekey", "wss://user:nodekey@host:1:2/"} {
		got := problems(t, environ(t, "PYLON_BITTENSOR_NETWORK", bad, "PYLON_BITTENSOR_ARCHIVE_NETWORK", "archive"))
		if len(got) != 1 || got[0].Variable != "PYLON_BITTENSOR_NETWORK" || strings.Contains(got[0].Message, "nodekey") {
			t.Errorf("%s: problems %q (must name the variable and not quote the key)", bad, got)
		}
	}
}
