package keys

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFixturesIndependent loads keyfiles written by independent
// implementations (testdata/README.md): bittensor-wallet 4.1.1 (plaintext,
// $NACL, public files, an ed25519 hotkey) and bittensor 7.4.0's serialiser on
// substrate-interface (json.dumps with nulls). Each yields the address its
// generator recorded. One Argon2 run.
func TestFixturesIndependent(t *testing.T) {
	ctx := context.Background()
	exp := loadExpectations(t)
	for rel, want := range exp.Files {
		path := filepath.Join("testdata", filepath.FromSlash(rel))
		t.Run(rel, func(t *testing.T) {
			wantPub := AccountID(unhex32(t, want.PublicKey))
			isPublic := strings.HasSuffix(rel, ".txt")
			switch {
			case want.CryptoType != nil && *want.CryptoType != cryptoTypeSr25519:
				if _, err := LoadKeyfile(ctx, path, LoadOptions{}); !errors.Is(err, ErrUnsupported) {
					t.Errorf("ed25519 hotkey: err %v, want ErrUnsupported", err)
				}
				if _, err := ReadPublicKeyfile(ctx, path); !errors.Is(err, ErrUnsupported) {
					t.Errorf("ed25519 hotkey, public read: err %v, want ErrUnsupported", err)
				}
				return
			case isPublic:
				got, err := ReadPublicKeyfile(ctx, path)
				if err != nil {
					t.Fatal(err)
				}
				if got != wantPub || got.String() != want.SS58 {
					t.Errorf("public file yields %s (%s), want %s", got, got.Hex(), want.SS58)
				}
				// A public file has nothing to sign with.
				if _, err := LoadKeyfile(ctx, path, LoadOptions{}); !errors.Is(err, ErrInvalidKeyfile) {
					t.Errorf("public file as a hotkey: err %v, want ErrInvalidKeyfile", err)
				}
				return
			case want.Password != "":
				if _, err := LoadKeyfile(ctx, path, LoadOptions{}); !errors.Is(err, ErrPasswordRequired) {
					t.Errorf("encrypted without password: err %v, want ErrPasswordRequired", err)
				}
			}
			var opts LoadOptions
			if want.Password != "" {
				opts.Password = StaticPassword([]byte(want.Password))
			}
			kp, err := LoadKeyfile(ctx, path, opts)
			if err != nil {
				t.Fatal(err)
			}
			if kp.AccountID() != wantPub || kp.SS58() != want.SS58 {
				t.Errorf("loaded %s, want %s", kp.SS58(), want.SS58)
			}
			if want.Password == "" {
				// The public fields of a plaintext keyfile read without derivation.
				if got, err := ReadPublicKeyfile(ctx, path); err != nil || got != wantPub {
					t.Errorf("ReadPublicKeyfile = %s, %v", got, err)
				}
			}
		})
	}
}

// TestFixtureSignatures: a signature made by bittensor-wallet verifies, and
// one made in Go with a btwallet-written hotkey verifies.
func TestFixtureSignatures(t *testing.T) {
	exp := loadExpectations(t)
	for _, s := range exp.Signatures {
		_, pub, err := DecodeSS58(s.SS58)
		if err != nil {
			t.Fatal(err)
		}
		msg := unhex(t, s.MessageHex)
		if !Verify(pub, msg, unhex64(t, s.Signature)) {
			t.Errorf("%s signature by %s does not verify", s.Signer, s.SS58)
		}
	}
	kp, err := LoadHotkey(context.Background(), "testdata/wallets", "btwallet", "plain", LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sig, err := kp.Sign([]byte("from Go"))
	if err != nil || !Verify(kp.PublicKey(), []byte("from Go"), sig) {
		t.Errorf("Go signature with a btwallet hotkey does not verify (%v)", err)
	}
}

// secretVector is the wallet vector's secret material, for asserting that
// errors and printouts never contain it.
type secretVector struct {
	seed, privSchnorrkel, privEd25519, mnemonic string
}

func vectorSecrets(t *testing.T) secretVector {
	v := loadVectors(t).Wallet
	return secretVector{v.SecretSeed, v.PrivateSchnorrkel, v.PrivateEd25519Form, v.Mnemonic}
}

// assertNoSecret fails when s contains any secret, in any hex case, or any
// word of the mnemonic.
func assertNoSecret(t *testing.T, what, s string, extra ...string) {
	t.Helper()
	sv := vectorSecrets(t)
	lower := strings.ToLower(s)
	for _, secret := range append([]string{sv.seed, sv.privSchnorrkel[:64], sv.privSchnorrkel[64:], sv.privEd25519[:64]}, extra...) {
		if secret != "" && strings.Contains(lower, strings.ToLower(secret)) {
			t.Errorf("%s reveals secret material %q…: %s", what, secret[:min(8, len(secret))], s)
		}
	}
	for _, w := range strings.Fields(sv.mnemonic) {
		if len(w) > 4 && strings.Contains(lower, w) {
			t.Errorf("%s reveals mnemonic word %q: %s", what, w, s)
		}
	}
	// Any 16-byte run of a secret in raw form (as %s of a byte array would print).
	for _, secret := range []string{sv.seed, sv.privSchnorrkel} {
		raw, _ := hex.DecodeString(secret)
		if bytes.Contains([]byte(s), raw[:16]) {
			t.Errorf("%s contains raw secret bytes", what)
		}
	}
}

func writeFile(t *testing.T, path string, data []byte, mode os.FileMode) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, mode); err != nil {
		t.Fatal(err)
	}
	// WriteFile's mode is filtered by the umask; set it exactly.
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
	return path
}

func readTestdata(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestErrorMatrix: each failure is its own sentinel (and no other), names the
// file, and never contains secret material. One Argon2 run (wrong password).
func TestErrorMatrix(t *testing.T) {
	ctx := context.Background()
	vs := loadVectors(t)
	v := vs.Wallet
	dir := t.TempDir()
	const wrongPassword = "not-the-password-0123"

	sentinels := []error{ErrNotFound, ErrNotAFile, ErrInvalidKeyfile, ErrKeyMismatch, ErrPasswordRequired,
		ErrWrongPassword, ErrAnsibleVault, ErrFernet, ErrUnsupported}

	mismatched, _ := json.Marshal(map[string]any{
		"secretSeed": "0x" + v.SecretSeed, "publicKey": "0x" + vs.Alice.PublicKey, "accountId": nil,
	})
	mismatchedPriv, _ := json.Marshal(map[string]any{
		"privateKey": "0x" + v.PrivateSchnorrkel, "ss58Address": vs.Alice.SS58Prefix42,
	})
	disagreeing, _ := json.Marshal(map[string]any{
		"secretSeed": "0x" + v.SecretSeed, "publicKey": "0x" + v.PublicKey, "accountId": "0x" + vs.Alice.PublicKey,
	})
	wrongType, _ := json.Marshal(map[string]any{"secretSeed": 7, "secretPhrase": v.Mnemonic})
	if err := os.Mkdir(filepath.Join(dir, "adir"), 0o700); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name     string
		path     string
		password PasswordFunc
		want     error
	}{
		{"missing file", filepath.Join(dir, "missing"), nil, ErrNotFound},
		{"directory", filepath.Join(dir, "adir"), nil, ErrNotAFile},
		{"truncated JSON", writeFile(t, filepath.Join(dir, "truncated"), []byte(`{"secretSeed": "0x`+v.SecretSeed+`", `), 0o600), nil, ErrInvalidKeyfile},
		{"bad JSON token", writeFile(t, filepath.Join(dir, "badtoken"), []byte(`{"secretPhrase": "`+v.Mnemonic+`", `+v.SecretSeed+`}`), 0o600), nil, ErrInvalidKeyfile},
		{"wrong field type", writeFile(t, filepath.Join(dir, "wrongtype"), wrongType, 0o600), nil, ErrInvalidKeyfile},
		{"JSON array", writeFile(t, filepath.Join(dir, "array"), []byte(`["0x`+v.SecretSeed+`"]`), 0o600), nil, ErrInvalidKeyfile},
		{"empty file", writeFile(t, filepath.Join(dir, "empty"), nil, 0o600), nil, ErrInvalidKeyfile},
		{"too large", writeFile(t, filepath.Join(dir, "large"), bytes.Repeat([]byte(" "), maxKeyfileSize+1), 0o600), nil, ErrInvalidKeyfile},
		{"seed vs publicKey mismatch", writeFile(t, filepath.Join(dir, "mismatch"), mismatched, 0o600), nil, ErrKeyMismatch},
		{"privateKey vs ss58Address mismatch", writeFile(t, filepath.Join(dir, "mismatchpriv"), mismatchedPriv, 0o600), nil, ErrKeyMismatch},
		{"publicKey vs accountId disagree", writeFile(t, filepath.Join(dir, "disagree"), disagreeing, 0o600), nil, ErrKeyMismatch},
		{"password required", writeFile(t, filepath.Join(dir, "nacl-nopw"), unhex(t, vs.NaCl.FileBytes), 0o600), nil, ErrPasswordRequired},
		{"wrong password", writeFile(t, filepath.Join(dir, "nacl"), unhex(t, vs.NaCl.FileBytes), 0o600), StaticPassword([]byte(wrongPassword)), ErrWrongPassword},
		{"truncated $NACL", writeFile(t, filepath.Join(dir, "nacl-short"), []byte("$NACL0123456789"), 0o600), StaticPassword([]byte(wrongPassword)), ErrInvalidKeyfile},
		{"ansible vault", writeFile(t, filepath.Join(dir, "vault"), readTestdata(t, "legacy/ansible_vault"), 0o600), StaticPassword([]byte(wrongPassword)), ErrAnsibleVault},
		{"fernet", writeFile(t, filepath.Join(dir, "fernet"), readTestdata(t, "legacy/fernet"), 0o600), StaticPassword([]byte(wrongPassword)), ErrFernet},
		{"ed25519 hotkey", writeFile(t, filepath.Join(dir, "ed25519"), readTestdata(t, "wallets/btwallet/hotkeys/ed25519"), 0o600), nil, ErrUnsupported},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			kp, err := LoadKeyfile(ctx, c.path, LoadOptions{Password: c.password})
			if kp != nil || err == nil {
				t.Fatalf("loaded %v, err %v", kp, err)
			}
			for _, s := range sentinels {
				if got, want := errors.Is(err, s), errors.Is(c.want, s); got != want {
					t.Errorf("errors.Is(err, %v) = %v, want %v (err: %v)", s, got, want, err)
				}
			}
			if !strings.Contains(err.Error(), c.path) {
				t.Errorf("error does not name the file %s: %v", c.path, err)
			}
			assertNoSecret(t, "error", err.Error(), wrongPassword)
			t.Logf("%v", err)
			if errors.Is(c.want, ErrLegacyEncrypted) {
				if !errors.Is(err, ErrLegacyEncrypted) {
					t.Errorf("legacy format does not match ErrLegacyEncrypted: %v", err)
				}
				if !strings.Contains(err.Error(), "btcli wallet") {
					t.Errorf("legacy error does not say how to convert: %v", err)
				}
			}
		})
	}

	// A password callback's failure is reported with the file and wrapped.
	errVault := errors.New("vault unreachable")
	_, err := LoadKeyfile(ctx, filepath.Join(dir, "nacl"), LoadOptions{Password: func() ([]byte, error) { return nil, errVault }})
	if !errors.Is(err, errVault) || !strings.Contains(err.Error(), filepath.Join(dir, "nacl")) {
		t.Errorf("password callback error: %v", err)
	}
	// A cancelled context stops before any work.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := LoadKeyfile(cctx, filepath.Join(dir, "nacl"), LoadOptions{Password: StaticPassword([]byte("x"))}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: %v", err)
	}
}

// TestKeyfileTolerance: the format variations real wallets exhibit.
func TestKeyfileTolerance(t *testing.T) {
	ctx := context.Background()
	vs := loadVectors(t)
	v := vs.Wallet
	dir := t.TempDir()
	rawSeed := strings.Repeat("a", 32) // 32 bytes that are valid UTF-8, as btwallet once wrote them
	cases := map[string]map[string]any{
		// btwallet quirk: raw bytes after 0x; the phrase is used instead.
		"raw utf-8 secretSeed": {"secretSeed": "0x" + rawSeed, "secretPhrase": v.Mnemonic, "publicKey": "0x" + v.PublicKey},
		// Doubled prefix from a str seed_hex that already had one.
		"0x0x secretSeed": {"secretSeed": "0x0x" + v.SecretSeed, "privateKey": "0x" + v.PrivateSchnorrkel, "ss58Address": v.SS58Prefix42},
		// polkadot-js exports the ed25519 form of the private key.
		"ed25519-form privateKey": {"privateKey": "0x" + v.PrivateEd25519Form, "accountId": "0x" + v.PublicKey},
		// A bad mnemonic falls through to privateKey.
		"bad phrase, good privateKey": {"secretPhrase": "not a mnemonic", "privateKey": "0x" + v.PrivateSchnorrkel, "publicKey": "0x" + v.PublicKey},
		// No recorded public key: nothing to check against, loaded as is.
		"seed only": {"secretSeed": "0x" + v.SecretSeed},
		// Upper-case hex, explicit sr25519 crypto type, unknown extra fields.
		"upper-case hex": {"secretSeed": "0x" + strings.ToUpper(v.SecretSeed), "publicKey": "0x" + strings.ToUpper(v.PublicKey), "cryptoType": 1, "future": []int{1}},
		// Python ≤ 7.x nulls everywhere except the phrase.
		"nulls": {"secretSeed": nil, "privateKey": nil, "secretPhrase": v.Mnemonic, "publicKey": nil, "accountId": "0x" + v.PublicKey, "ss58Address": nil},
	}
	for name, doc := range cases {
		data, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		path := writeFile(t, filepath.Join(dir, strings.ReplaceAll(name, " ", "_")), data, 0o600)
		kp, err := LoadKeyfile(ctx, path, LoadOptions{})
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if kp.SS58() != v.SS58Prefix42 {
			t.Errorf("%s: loaded %s, want %s", name, kp.SS58(), v.SS58Prefix42)
		}
	}
	// The oldest coldkeypub form: a bare hex public key.
	bare := writeFile(t, filepath.Join(dir, "coldkeypub.txt"), []byte("0x"+v.PublicKey+"\n"), 0o644)
	if got, err := ReadPublicKeyfile(ctx, bare); err != nil || got.String() != v.SS58Prefix42 {
		t.Errorf("bare hex coldkeypub: %s, %v", got, err)
	}
	// A public file with nothing in it.
	empty := writeFile(t, filepath.Join(dir, "emptypub.txt"), []byte(`{"publicKey": null}`), 0o644)
	if _, err := ReadPublicKeyfile(ctx, empty); !errors.Is(err, ErrInvalidKeyfile) {
		t.Errorf("empty public file: %v", err)
	}
}

// TestPermissionWarning: a keyfile readable by group or others loads with a
// warning naming the file; a 0600 one loads silently.
func TestPermissionWarning(t *testing.T) {
	ctx := context.Background()
	data := readTestdata(t, "wallets/btwallet/hotkeys/plain")
	dir := t.TempDir()
	for _, c := range []struct {
		mode os.FileMode
		warn bool
	}{{0o600, false}, {0o400, false}, {0o640, true}, {0o644, true}, {0o604, true}} {
		path := writeFile(t, filepath.Join(dir, "h"+c.mode.String()), data, c.mode)
		var buf bytes.Buffer
		logger := slog.New(slog.NewJSONHandler(&buf, nil))
		if _, err := LoadKeyfile(ctx, path, LoadOptions{Logger: logger}); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		if got := strings.Contains(out, `"level":"WARN"`) && strings.Contains(out, path); got != c.warn {
			t.Errorf("mode %v: warned = %v, want %v (log: %s)", c.mode, got, c.warn, out)
		}
		var kf map[string]string
		_ = json.Unmarshal(data, &kf)
		for _, secret := range []string{kf["secretSeed"], kf["privateKey"], kf["secretPhrase"]} {
			if secret != "" && strings.Contains(out, secret) {
				t.Errorf("log reveals a secret: %s", out)
			}
		}
	}
}
