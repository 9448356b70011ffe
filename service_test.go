package pylon_test

import (
	"bytes"
	"context"
	"errors"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/pylon-go/pylon"
	"github.com/pylon-go/pylon/internal/keys"
)

// buildPylon builds the pylon binary from this module into a temporary
// directory.
func buildPylon(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go tool is needed to build the binary: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "pylon")
	build := exec.CommandContext(context.Background(), goTool, "build", "-o", bin, "./cmd/pylon")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestServiceManager(t *testing.T) {
	bin := buildPylon(t)
	t.Run("runs the binary", func(t *testing.T) { testServiceManagerRunsTheBinary(t, bin) })
	t.Run("reports a failed start", func(t *testing.T) { testServiceManagerReportsAFailedStart(t, bin) })
}

// testServiceManagerRunsTheBinary starts the real pylon binary with an env
// file, talks to it with the client (both kinds of token), and stops it.
func testServiceManagerRunsTheBinary(t *testing.T, bin string) {
	dir := t.TempDir()
	envFile := filepath.Join(dir, "pylon.env")
	settings := strings.Join([]string{
		`PYLON_IDENTITIES=["sn1"]`,
		"PYLON_ID_SN1_WALLET_NAME=w", "PYLON_ID_SN1_HOTKEY_NAME=h", "PYLON_ID_SN1_NETUID=5", "PYLON_ID_SN1_TOKEN=" + sn1Token,
		"PYLON_OPEN_ACCESS_TOKEN=" + openToken,
		"PYLON_LOG_FORMAT=json",
		"PYLON_BITTENSOR_WALLET_PATH=" + filepath.Join(dir, "wallets"),
		"PYLON_BITTENSOR_NETWORK=" + dn.URL, "PYLON_BITTENSOR_ARCHIVE_NETWORK=" + dn.URL,
	}, "\n")
	if err := os.WriteFile(envFile, []byte(settings+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// The service loads its identities' hotkeys at start-up.
	hotkey, err := keys.KeypairFromURI("//Pylon//service-manager")
	if err != nil {
		t.Fatal(err)
	}
	if err := keys.WriteKeyfile(context.Background(), filepath.Join(dir, "wallets", "w", "hotkeys", "h"), hotkey); err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	ctx := context.Background()
	m, err := pylon.StartService(ctx, pylon.ServiceOptions{
		Binary: bin, EnvFile: envFile, Dir: dir, Logs: logs,
		Env: []string{"HOME=" + dir, "PYLON_ENVIRONMENT=service-manager-test"},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if m.PID() <= 0 || !strings.HasPrefix(m.URL(), "http://127.0.0.1:") {
		t.Errorf("PID %d, URL %s", m.PID(), m.URL())
	}

	for _, cfg := range []pylon.Config{{OpenAccessToken: openToken}, {IdentityName: "sn1", IdentityToken: sn1Token}} {
		c, err := m.NewClient(cfg)
		if err != nil {
			t.Fatal(err)
		}
		ids, _, err := c.Identities(ctx)
		if err != nil || !maps.Equal(ids.Identities, map[string]uint16{"sn1": 5}) {
			t.Errorf("Identities = %+v, %v", ids, err)
		}
		_ = c.Close()
	}
	bad, _ := m.NewClient(pylon.Config{OpenAccessToken: "wrong"})
	if _, _, err := bad.Identities(ctx); !errors.Is(err, pylon.ErrForbidden) {
		t.Errorf("wrong token against the binary: %v", err)
	}

	if err := m.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := m.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	for _, want := range []string{`"environment":"service-manager-test"`, `"msg":"listening"`, `"msg":"stopped"`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("logs lack %s:\n%s", want, logs)
		}
	}
	if strings.Contains(logs.String(), sn1Token) {
		t.Error("the logs contain a token")
	}
	if _, _, err := bad.Identities(ctx); err == nil {
		t.Error("the service still answers after Close")
	}
}

// testServiceManagerReportsAFailedStart: a configuration the service
// rejects ends the start with the service's own explanation.
func testServiceManagerReportsAFailedStart(t *testing.T, bin string) {
	dir := t.TempDir()
	_, err := pylon.StartService(context.Background(), pylon.ServiceOptions{
		Binary: bin, Dir: dir,
		Env: []string{"HOME=" + dir, "PYLON_ENV_FILE=" + filepath.Join(dir, "missing.env"), `PYLON_IDENTITIES=["a"]`},
	})
	if err == nil || !strings.Contains(err.Error(), "exited before answering /health") || !strings.Contains(err.Error(), "PYLON_ID_A_TOKEN: is required") {
		t.Errorf("error %v", err)
	}

	if _, err := pylon.StartService(context.Background(), pylon.ServiceOptions{Binary: filepath.Join(dir, "no-such-pylon")}); err == nil {
		t.Error("a missing binary started")
	}
	if _, err := pylon.StartService(context.Background(), pylon.ServiceOptions{Image: "pylon-go:test", Docker: filepath.Join(dir, "no-docker")}); err == nil || !strings.Contains(err.Error(), "docker is not available") {
		t.Errorf("an image without docker: %v", err)
	}
}
