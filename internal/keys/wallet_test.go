package keys

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestNoSecretsInOutput: a Keypair or CertificateKeypair printed with any fmt
// verb (as pointer, value, or inside a struct) or logged with slog shows no
// secret material.
func TestNoSecretsInOutput(t *testing.T) {
	v := loadVectors(t)
	kp, err := KeypairFromSeed(unhex(t, v.Wallet.SecretSeed))
	if err != nil {
		t.Fatal(err)
	}
	cert, err := CertificateKeypairFromSeed(unhex(t, v.Certificate.Seed))
	if err != nil {
		t.Fatal(err)
	}
	type holder struct {
		Hotkey *Keypair
		Value  Keypair
		Cert   *CertificateKeypair
		CertV  CertificateKeypair
	}
	h := holder{Hotkey: kp, Value: *kp, Cert: cert, CertV: *cert}
	subjects := map[string]any{"*Keypair": kp, "Keypair": *kp, "*Cert": cert, "Cert": *cert, "holder": h, "*holder": &h, "slice": []*Keypair{kp}}
	for name, x := range subjects {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T"} {
			out := fmt.Sprintf(verb, x)
			assertNoSecret(t, name+" "+verb, out, v.Certificate.Seed)
		}
	}
	for _, x := range []any{kp, *kp, h} {
		if s := fmt.Sprintf("%+v", x); !strings.Contains(s, v.Wallet.SS58Prefix42) {
			t.Errorf("%T prints as %q; want its address", x, s)
		}
	}
	for _, x := range []any{cert, *cert} {
		if s := fmt.Sprintf("%#v", x); !strings.Contains(s, v.Certificate.PublicKey) {
			t.Errorf("%T prints as %q; want its public key", x, s)
		}
	}
	var nilKP *Keypair
	var nilCert *CertificateKeypair
	if s := fmt.Sprintf("%v %+v %#v %v", nilKP, nilKP, nilKP, nilCert); strings.Contains(s, "PANIC") {
		t.Errorf("nil keypairs print %q", s)
	}
	slog.New(slog.DiscardHandler).Info("nil", "hotkey", nilKP, "cert", nilCert)

	var buf bytes.Buffer
	for _, hnd := range []slog.Handler{slog.NewJSONHandler(&buf, nil), slog.NewTextHandler(&buf, nil)} {
		slog.New(hnd).Info("loaded", "hotkey", kp, "cert", cert, "value", *kp, "holder", h)
	}
	assertNoSecret(t, "slog output", buf.String(), v.Certificate.Seed)
	if !strings.Contains(buf.String(), v.Wallet.SS58Prefix42) {
		t.Errorf("slog output lacks the address: %s", buf.String())
	}
	// json.Marshal of a Keypair has no exported fields to leak.
	j, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	assertNoSecret(t, "JSON", string(j), v.Certificate.Seed)
}

// TestConcurrentSigning: one keypair signs from many goroutines (run with -race).
func TestConcurrentSigning(t *testing.T) {
	kp, err := KeypairFromURI("//Alice")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			msg := []byte{byte(i)}
			sig, err := kp.Sign(msg)
			if err != nil {
				errs <- err
				return
			}
			if !Verify(kp.PublicKey(), msg, sig) {
				errs <- fmt.Errorf("goroutine %d: signature does not verify", i)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestWalletPaths(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	for in, want := range map[string]string{
		"~":                    home,
		"~/":                   home,
		"~/.bittensor/wallets": filepath.Join(home, ".bittensor", "wallets"),
		"/abs/path":            "/abs/path",
		"rel/path":             "rel/path",
		"~other/x":             "~other/x",
	} {
		if got, err := ExpandPath(in); err != nil || got != want {
			t.Errorf("ExpandPath(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	p, err := HotkeyPath("~/w", "cold", "hot")
	if err != nil || p != filepath.Join(home, "w", "cold", "hotkeys", "hot") {
		t.Errorf("HotkeyPath = %q, %v", p, err)
	}
	p, err = ColdkeyPubPath("/w", "cold")
	if err != nil || p != "/w/cold/coldkeypub.txt" {
		t.Errorf("ColdkeyPubPath = %q, %v", p, err)
	}
	for _, bad := range []string{"", ".", "..", "a/b", "../x", `a\b`, "a\x00b"} {
		if _, err := HotkeyPath("/w", bad, "h"); !errors.Is(err, ErrInvalidName) {
			t.Errorf("wallet name %q: err %v, want ErrInvalidName", bad, err)
		}
		if _, err := HotkeyPath("/w", "w", bad); !errors.Is(err, ErrInvalidName) {
			t.Errorf("hotkey name %q: err %v, want ErrInvalidName", bad, err)
		}
		if _, err := ColdkeyPubPath("/w", bad); !errors.Is(err, ErrInvalidName) {
			t.Errorf("coldkey wallet name %q: err %v, want ErrInvalidName", bad, err)
		}
	}
}

// TestDescribe covers `pylon keys show` on the fixture wallets.
func TestDescribe(t *testing.T) {
	ctx := context.Background()
	exp := loadExpectations(t)
	file := func(rel string) string { return exp.Files[rel].SS58 }

	d, err := Describe(ctx, "testdata/wallets", "btwallet", "plain", LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := Description{
		Wallet: "btwallet", Hotkey: "plain", HotkeyPath: filepath.Join("testdata", "wallets", "btwallet", "hotkeys", "plain"),
		HotkeySS58: file("wallets/btwallet/hotkeys/plain"), HotkeyPublicKey: "0x" + exp.Files["wallets/btwallet/hotkeys/plain"].PublicKey,
		Verified: true, ColdkeySS58: file("wallets/btwallet/coldkeypub.txt"),
	}
	if d != want {
		t.Errorf("Describe(plain) = %+v\nwant %+v", d, want)
	}

	// Encrypted, no password: the address comes from naclpub.txt, unverified.
	d, err = Describe(ctx, "testdata/wallets", "btwallet", "nacl", LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !d.Encrypted || d.Verified || d.HotkeySS58 != file("wallets/btwallet/hotkeys/nacl") {
		t.Errorf("Describe(nacl, no password) = %+v", d)
	}

	// Python 7.x wallet: privateKey-only hotkey, coldkeypub with nulls.
	d, err = Describe(ctx, "testdata/wallets", "py7", "privatekey", LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !d.Verified || d.HotkeySS58 != file("wallets/py7/hotkeys/privatekey") || d.ColdkeySS58 != file("wallets/py7/coldkeypub.txt") {
		t.Errorf("Describe(py7) = %+v", d)
	}

	// Encrypted without password and without a pub file.
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "w", "hotkeys", "h"), readTestdata(t, "wallets/btwallet/hotkeys/nacl"), 0o600)
	if _, err := Describe(ctx, dir, "w", "h", LoadOptions{}); !errors.Is(err, ErrPasswordRequired) {
		t.Errorf("encrypted without pub file: err %v, want ErrPasswordRequired", err)
	}
	if _, err := Describe(ctx, dir, "w", "missing", LoadOptions{}); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing hotkey: err %v, want ErrNotFound", err)
	}
	if _, err := Describe(ctx, dir, "w", "../h", LoadOptions{}); !errors.Is(err, ErrInvalidName) {
		t.Errorf("bad hotkey name: err %v, want ErrInvalidName", err)
	}

	// The default wallet path is under $HOME, and the Description serialises
	// to public fields only.
	home := t.TempDir()
	t.Setenv("HOME", home)
	alice, err := KeypairFromURI("//Alice")
	if err != nil {
		t.Fatal(err)
	}
	hk, err := HotkeyPath(DefaultWalletPath, "default", "default")
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteKeyfile(ctx, hk, alice); err != nil {
		t.Fatal(err)
	}
	d, err = Describe(ctx, "", "default", "default", LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if d.HotkeySS58 != alice.SS58() || !d.Verified || d.ColdkeySS58 != "" || !strings.HasPrefix(d.HotkeyPath, home) {
		t.Errorf("Describe(default) = %+v", d)
	}
	j, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	kf, err := os.ReadFile(hk)
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]any
	if err := json.Unmarshal(kf, &fields); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"secretSeed", "privateKey"} {
		s, _ := fields[k].(string)
		if s == "" || strings.Contains(string(j), s[2:]) {
			t.Errorf("Description JSON vs %s: %s", k, j)
		}
	}
}

// TestWriteKeyfile: btwallet-format plaintext keyfiles round-trip, are 0600,
// and are never overwritten.
func TestWriteKeyfile(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	for _, uri := range []string{"//Alice", "//Bob//hot", DevPhrase} {
		kp, err := KeypairFromURI(uri)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "w", "hotkeys", fmt.Sprint(len(uri)))
		if err := WriteKeyfile(ctx, path, kp); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("mode %v, want 0600", fi.Mode().Perm())
		}
		back, err := LoadKeyfile(ctx, path, LoadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if back.PublicKey() != kp.PublicKey() {
			t.Errorf("%s: wrote %s, read %s", uri, kp.SS58(), back.SS58())
		}
		if err := WriteKeyfile(ctx, path, kp); !errors.Is(err, fs.ErrExist) {
			t.Errorf("overwrite: err %v, want fs.ErrExist", err)
		}
	}
	soft, err := KeypairFromURI("//Alice/soft")
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteKeyfile(ctx, filepath.Join(dir, "soft"), soft); !errors.Is(err, ErrUnsupported) {
		t.Errorf("soft-derived key: err %v, want ErrUnsupported", err)
	}
}
