package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/pylon-go/pylon/internal/keys"
)

func runCmd(t *testing.T, env []string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, env, &out, &errb)
	return code, out.String(), errb.String()
}

// testEnv is a valid identities-mode environment listening on a free port,
// with an empty .env so the developer's own ./.env is never read, and the
// identities' hotkey files in the default wallet directory under HOME.
func testEnv(t *testing.T, extra ...string) []string {
	t.Helper()
	envFile := filepath.Join(t.TempDir(), "empty.env")
	if err := os.WriteFile(envFile, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	for _, wh := range [][2]string{{"w1", "h1"}, {"w2", "h2"}} {
		kp, err := keys.KeypairFromURI("//Pylon//" + wh[1])
		if err != nil {
			t.Fatal(err)
		}
		if err := keys.WriteKeyfile(context.Background(), filepath.Join(home, ".bittensor", "wallets", wh[0], "hotkeys", wh[1]), kp); err != nil {
			t.Fatal(err)
		}
	}
	return append([]string{
		"HOME=" + home,
		"PYLON_ENV_FILE=" + envFile,
		"PYLON_DATABASE_PATH=" + filepath.Join(home, "pylon.db"),
		"PYLON_LISTEN_ADDRESS=127.0.0.1:0",
		"PYLON_LOG_FORMAT=json",
		"PYLON_IDENTITIES=[\"sn1\",\"sn2\"]",
		"PYLON_ID_SN1_WALLET_NAME=w1", "PYLON_ID_SN1_HOTKEY_NAME=h1", "PYLON_ID_SN1_NETUID=1", "PYLON_ID_SN1_TOKEN=sn1-secret-token",
		"PYLON_ID_SN2_WALLET_NAME=w2", "PYLON_ID_SN2_HOTKEY_NAME=h2", "PYLON_ID_SN2_NETUID=2", "PYLON_ID_SN2_TOKEN=sn2-secret-token",
		"PYLON_OPEN_ACCESS_TOKEN=open-secret-token",
		"PYLON_METRICS_TOKEN=metrics-secret-token",
	}, extra...)
}

var versionLine = regexp.MustCompile(`^pylon \S+ \(commit \S+, built \S+, go\S+ \S+/\S+\)\n$`)

func TestVersion(t *testing.T) {
	code, out, _ := runCmd(t, nil, "version")
	if code != 0 || !versionLine.MatchString(out) {
		t.Errorf("pylon version: exit %d, output %q", code, out)
	}
	if !strings.Contains(out, runtime.Version()) {
		t.Errorf("output %q lacks the Go version", out)
	}

	// Values injected with -ldflags -X win.
	version, commit, date = "v1.2.3", "abc1234", "2026-11-25T10:00:00Z"
	t.Cleanup(func() { version, commit, date = "", "", "" })
	_, out, _ = runCmd(t, nil, "version")
	if want := "pylon v1.2.3 (commit abc1234, built 2026-11-25T10:00:00Z, "; !strings.HasPrefix(out, want) {
		t.Errorf("output %q, want prefix %q", out, want)
	}
}

func TestUsage(t *testing.T) {
	if code, _, errOut := runCmd(t, nil); code != exitUsage || !strings.Contains(errOut, "Usage: pylon <command>") {
		t.Errorf("no arguments: exit %d, stderr %q", code, errOut)
	}
	if code, _, errOut := runCmd(t, nil, "frobnicate"); code != exitUsage || !strings.Contains(errOut, `unknown command "frobnicate"`) {
		t.Errorf("unknown command: exit %d, stderr %q", code, errOut)
	}
	if code, out, _ := runCmd(t, nil, "help"); code != exitOK || !strings.Contains(out, "serve") {
		t.Errorf("help: exit %d, stdout %q", code, out)
	}
	if code, _, errOut := runCmd(t, nil, "serve", "-h"); code != exitOK || !strings.Contains(errOut, "Usage: pylon serve") {
		t.Errorf("serve -h: exit %d, stderr %q", code, errOut)
	}
	if code, _, _ := runCmd(t, nil, "serve", "--no-such-flag"); code != exitUsage {
		t.Errorf("serve with a bad flag: exit %d", code)
	}
}

func TestServeInvalidConfigurationListsEveryProblem(t *testing.T) {
	env := testEnv(t,
		"PYLON_ID_SN1_NETUID=99999",
		"PYLON_ID_SN2_TOKEN=sn1-secret-token",
		"PYLON_DEFAULT_REQUEST_TIMEOUT_SECONDS=abc",
		"PYLON_BITTENSOR_NETWORK=mars", "PYLON_BITTENSOR_ARCHIVE_NETWORK=archive",
		"PYLON_LOG_LEVEL=chatty",
	)
	code, out, errOut := runCmd(t, env, "serve")
	if code != exitUsage {
		t.Fatalf("exit %d, want 2; stderr:\n%s", code, errOut)
	}
	if out != "" {
		t.Errorf("stdout %q, want nothing", out)
	}
	for _, want := range []string{
		"pylon: invalid configuration (5 problems):",
		"PYLON_ID_SN1_NETUID: must be a netuid",
		"PYLON_ID_SN2_TOKEN: is the same token as PYLON_ID_SN1_TOKEN",
		`PYLON_DEFAULT_REQUEST_TIMEOUT_SECONDS: must be a number, got "abc"`,
		`PYLON_BITTENSOR_NETWORK: unknown network name "mars"`,
		`PYLON_LOG_LEVEL: must be debug, info, warn or error, got "chatty"`,
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if strings.Contains(errOut, "sn1-secret-token") {
		t.Errorf("stderr quotes a token:\n%s", errOut)
	}
}

// A hotkey file that is missing is a start-up error like an invalid setting:
// exit status 2, naming the identity's variable and the file.
func TestServeMissingHotkey(t *testing.T) {
	env := testEnv(t, "PYLON_ID_SN2_HOTKEY_NAME=nothere", "PYLON_BITTENSOR_NETWORK=ws://127.0.0.1:1", "PYLON_BITTENSOR_ARCHIVE_NETWORK=ws://127.0.0.1:1")
	code, _, errOut := runCmd(t, env, "serve")
	if code != exitUsage {
		t.Fatalf("exit %d, want 2; stderr:\n%s", code, errOut)
	}
	for _, want := range []string{"pylon: invalid configuration (1 problem):", "PYLON_ID_SN2_HOTKEY_NAME: identity sn2:", filepath.Join("w2", "hotkeys", "nothere")} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
}

// startServe runs "pylon serve" in the background and returns the address
// it listens on, the log lines seen so far, and a stop function returning
// the exit code.
func startServe(t *testing.T, env []string) (addr string, logs *bytes.Buffer, stop func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	exited := make(chan int, 1)
	go func() {
		exited <- run(ctx, []string{"serve"}, env, io.Discard, pw)
		_ = pw.Close()
	}()
	logs = &bytes.Buffer{}
	found := make(chan string, 1)
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			logs.Write(append(sc.Bytes(), '\n'))
			var line struct {
				Msg     string `json:"msg"`
				Address string `json:"address"`
			}
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "listening" {
				found <- line.Address
			}
		}
		close(found)
	}()
	addr, ok := <-found
	if !ok {
		cancel()
		t.Fatalf("pylon serve exited before listening (code %d):\n%s", <-exited, logs)
	}
	return addr, logs, func() int {
		cancel()
		code := <-exited
		<-drained
		return code
	}
}

func get(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, url, http.NoBody)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(b))
}

func TestServeLifecycle(t *testing.T) {
	addr, logs, stop := startServe(t, testEnv(t, "PYLON_SENTRY_DSN=https://k@sentry.example/1", "PYLON_LISTEN_PROT=1"))
	base := "http://" + addr

	if code, body := get(t, base+"/health", ""); code != 200 || body != `{"status":"ok"}` {
		t.Errorf("/health: %d %s", code, body)
	}
	if code, body := get(t, base+"/api/v1/identities", "sn2-secret-token"); code != 200 || body != `{"identities":{"sn1":1,"sn2":2}}` {
		t.Errorf("/api/v1/identities: %d %s", code, body)
	}
	if code, body := get(t, base+"/metrics", "metrics-secret-token"); code != 200 || !strings.Contains(body, `pylon_build_info{commit="unknown",goversion="`) {
		t.Errorf("/metrics: %d, build info missing", code)
	}
	if code, _ := get(t, base+"/schema/swagger", ""); code != 200 {
		t.Errorf("/schema/swagger: %d", code)
	}

	// The pylon health command agrees.
	if code, out, errOut := runCmd(t, nil, "health", "-url", base+"/health"); code != 0 || !strings.HasPrefix(out, "ok: ") {
		t.Errorf("pylon health: exit %d %q %q", code, out, errOut)
	}

	if code := stop(); code != exitOK {
		t.Errorf("exit code after SIGTERM-equivalent: %d, want 0", code)
	}
	text := logs.String()
	for _, want := range []string{
		`"msg":"starting pylon"`, `"msg":"configuration"`, `"open_access_token":"***"`,
		`"msg":"PYLON_LISTEN_PROT is not a Pylon-Go setting and is ignored (a typo?)"`,
		`"variables":["PYLON_SENTRY_DSN"]`, `"msg":"shutting down`, `"msg":"stopped"`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("log lacks %s:\n%s", want, text)
		}
	}
	for _, secret := range []string{"sn1-secret-token", "sn2-secret-token", "open-secret-token", "metrics-secret-token"} {
		if strings.Contains(text, secret) {
			t.Errorf("log contains the secret %q", secret)
		}
	}

	// Nothing listens any more.
	if code, _, _ := runCmd(t, nil, "health", "-url", base+"/health", "-timeout", "2s"); code != exitFailure {
		t.Errorf("pylon health against a stopped server: exit %d, want 1", code)
	}
}

func TestServeCannotListen(t *testing.T) {
	code, _, errOut := runCmd(t, testEnv(t, "PYLON_LISTEN_ADDRESS=192.0.2.1:1"), "serve")
	if code != exitFailure || !strings.Contains(errOut, "cannot listen") {
		t.Errorf("exit %d, stderr %s", code, errOut)
	}
}

// TestBinary builds the real binary with version information injected the
// way the Dockerfile does, and runs it.
func TestBinary(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go tool is needed to build the binary: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "pylon")
	build := exec.CommandContext(context.Background(), goTool, "build", "-o", bin,
		"-ldflags", "-X main.version=v0.0.0-test -X main.commit=0123abc -X main.date=2026-01-02T03:04:05Z", ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	out, err := exec.CommandContext(context.Background(), bin, "version").Output()
	if err != nil || !strings.HasPrefix(string(out), "pylon v0.0.0-test (commit 0123abc, built 2026-01-02T03:04:05Z, ") {
		t.Errorf("pylon version: %v %q", err, out)
	}

	cmd := exec.CommandContext(context.Background(), bin, "serve")
	cmd.Env = []string{"HOME=" + t.TempDir(), "PYLON_ENV_FILE=/nonexistent/pylon.env", "PYLON_IDENTITIES=[\"a\"]"}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err = cmd.Run()
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) || exitErr.ExitCode() != exitUsage {
		t.Fatalf("pylon serve with a bad configuration: %v, want exit status 2", err)
	}
	for _, want := range []string{"PYLON_ENV_FILE: cannot read /nonexistent/pylon.env", "PYLON_ID_A_WALLET_NAME: is required", "PYLON_ID_A_TOKEN: is required"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
}
