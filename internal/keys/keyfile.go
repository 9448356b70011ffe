package keys

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"runtime/debug"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/nacl/secretbox"
)

// PasswordFunc supplies the password of an encrypted keyfile. It is called
// only when a file turns out to be encrypted, so a plaintext hotkey never
// needs one. The returned slice is neither retained nor modified.
type PasswordFunc func() ([]byte, error)

// StaticPassword returns a PasswordFunc that always yields p.
func StaticPassword(p []byte) PasswordFunc {
	return func() ([]byte, error) { return p, nil }
}

// LoadOptions are the optional inputs of the loaders.
type LoadOptions struct {
	// Password is consulted for $NACL-encrypted keyfiles; nil means no
	// password is available (ErrPasswordRequired for encrypted files).
	Password PasswordFunc
	// Logger receives warnings (a keyfile readable by group or others);
	// nil discards them.
	Logger *slog.Logger
}

func (o LoadOptions) logger() *slog.Logger {
	if o.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return o.Logger
}

// maxKeyfileSize bounds what a loader reads: real keyfiles are under 1 KiB,
// and a path pointing at something huge must not be slurped into memory.
const maxKeyfileSize = 64 << 10

// Encryption prefixes, as btwallet's keyfile_data_is_encrypted_* detect them.
var (
	naclPrefix    = []byte("$NACL")
	ansiblePrefix = []byte("$ANSIBLE_VAULT")
	fernetPrefix  = []byte("gAAAAA")
)

// naclSalt is the fixed Argon2i salt every bittensor wallet uses.
var naclSalt = []byte{0x13, 0x71, 0x83, 0xdf, 0xf1, 0x5a, 0x09, 0xbc, 0x9c, 0x90, 0xb5, 0x51, 0x87, 0x39, 0xe9, 0xb1}

// Argon2i v1.3 parameters: libsodium crypto_pwhash ALG_ARGON2I13 with
// OPSLIMIT_SENSITIVE and MEMLIMIT_SENSITIVE, as PyNaCl and btwallet use.
const (
	naclTime    = 8
	naclMemory  = 512 * 1024 // KiB
	naclThreads = 1
	naclNonce   = 24
)

// kdfSlot serialises Argon2 runs process-wide: each one holds 512 MiB, and
// unlocking several hotkeys at once must not multiply that.
var kdfSlot = make(chan struct{}, 1)

// naclKey derives the secretbox key from a password. It costs ~4 s of CPU and
// 512 MiB of memory.
func naclKey(ctx context.Context, password []byte) (*[32]byte, error) {
	select {
	case kdfSlot <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-kdfSlot }()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	k := argon2.Key(password, naclSalt, naclTime, naclMemory, naclThreads, 32)
	// Hand the 512 MiB work area back now rather than at the next GC cycle:
	// the service is sized for one unlock at a time.
	debug.FreeOSMemory()
	return (*[32]byte)(k), nil
}

// naclOpen opens "$NACL" ‖ nonce24 ‖ tag16 ‖ ciphertext. ok is false when the
// box does not authenticate (wrong password or tampered file).
func naclOpen(data []byte, key *[32]byte) (plain []byte, ok bool) {
	body := data[len(naclPrefix):]
	nonce := (*[naclNonce]byte)(body[:naclNonce])
	return secretbox.Open(nil, body[naclNonce:], nonce, key)
}

// keyfileJSON holds every field btwallet and Python wallets write. Pointers
// make absent fields and JSON nulls (Python ≤ 7.x) both nil.
type keyfileJSON struct {
	AccountID    *string `json:"accountId"`
	PublicKey    *string `json:"publicKey"`
	PrivateKey   *string `json:"privateKey"`
	SecretPhrase *string `json:"secretPhrase"`
	SecretSeed   *string `json:"secretSeed"`
	SS58Address  *string `json:"ss58Address"`
	// CryptoType is written by btwallet ≥ 4: 1 = sr25519, 0 = ed25519.
	CryptoType *int `json:"cryptoType"`
}

const cryptoTypeSr25519 = 1

// fileError builds "keys: <path>: <sentinel>[: detail]" so every loader error
// names its file and matches its sentinel with errors.Is.
func fileError(path string, sentinel error, detail string) error {
	if detail == "" {
		return fmt.Errorf("keys: %s: %w", path, sentinel)
	}
	return fmt.Errorf("keys: %s: %w: %s", path, sentinel, detail)
}

// readFile reads a small regular file, mapping the failures callers branch on
// to sentinels.
func readFile(ctx context.Context, path string) ([]byte, fs.FileMode, error) {
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	f, err := os.Open(path) //nolint:gosec // G304: the caller names the keyfile on purpose.
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, 0, fileError(path, ErrNotFound, "")
		}
		// os.PathError names the path and the OS reason (e.g. permission denied).
		return nil, 0, fmt.Errorf("keys: %w", err)
	}
	defer func() { _ = f.Close() }()
	fi, err := f.Stat()
	if err != nil {
		return nil, 0, fmt.Errorf("keys: %w", err)
	}
	if !fi.Mode().IsRegular() {
		what := "not a regular file"
		if fi.IsDir() {
			what = "is a directory"
		}
		return nil, 0, fileError(path, ErrNotAFile, what)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxKeyfileSize+1))
	if err != nil {
		return nil, 0, fmt.Errorf("keys: read %s: %w", path, err)
	}
	if len(data) > maxKeyfileSize {
		return nil, 0, fileError(path, ErrInvalidKeyfile, fmt.Sprintf("larger than %d bytes", maxKeyfileSize))
	}
	return data, fi.Mode(), nil
}

// LoadKeyfile loads an sr25519 keypair from a btwallet or Python-era keyfile
// at path. It handles plaintext JSON and $NACL encryption (asking
// opts.Password), refuses Ansible Vault and Fernet files (ErrAnsibleVault,
// ErrFernet: convert them with btwallet tooling first), derives the key from
// secretSeed, else secretPhrase, else privateKey, and refuses a file whose
// derived key differs from its recorded publicKey/accountId/ss58Address
// (ErrKeyMismatch). A $NACL file costs ~4 s and 512 MiB: load once at start-up.
//
// A file readable by group or others is loaded with a warning on opts.Logger.
func LoadKeyfile(ctx context.Context, path string, opts LoadOptions) (*Keypair, error) {
	data, mode, err := readFile(ctx, path)
	if err != nil {
		return nil, err
	}
	if mode.Perm()&0o077 != 0 {
		opts.logger().WarnContext(ctx, "keyfile is accessible by group or others; restrict it with chmod 600",
			"path", path, "mode", mode.Perm().String())
	}
	// Both buffers are ours and may hold secrets: wipe them on the way out
	// (best effort; strings decoded from them cannot be wiped).
	defer clear(data)
	plain, err := decryptKeyfile(ctx, path, data, opts.Password)
	if err != nil {
		return nil, err
	}
	defer clear(plain)
	kf, err := parseKeyfileJSON(path, plain)
	if err != nil {
		return nil, err
	}
	return keypairFromKeyfile(path, kf)
}

// decryptKeyfile returns the plaintext JSON of a keyfile, decrypting $NACL.
func decryptKeyfile(ctx context.Context, path string, data []byte, password PasswordFunc) ([]byte, error) {
	switch {
	case bytes.HasPrefix(data, naclPrefix):
		if len(data) < len(naclPrefix)+naclNonce+secretbox.Overhead {
			return nil, fileError(path, ErrInvalidKeyfile, "truncated $NACL data")
		}
		if password == nil {
			return nil, fileError(path, ErrPasswordRequired, "")
		}
		pw, err := password()
		if err != nil {
			return nil, fmt.Errorf("keys: %s: password: %w", path, err)
		}
		key, err := naclKey(ctx, pw)
		if err != nil {
			return nil, fmt.Errorf("keys: %s: %w", path, err)
		}
		defer clear(key[:])
		plain, ok := naclOpen(data, key)
		if !ok {
			return nil, fileError(path, ErrWrongPassword, "")
		}
		return plain, nil
	case bytes.HasPrefix(data, ansiblePrefix):
		return nil, fmt.Errorf("keys: %s: %w", path, ErrAnsibleVault)
	case bytes.HasPrefix(data, fernetPrefix):
		return nil, fmt.Errorf("keys: %s: %w", path, ErrFernet)
	default:
		return data, nil
	}
}

// parseKeyfileJSON decodes a keyfile. json's own errors can quote the input
// (e.g. "invalid character 'x'"), so they are reduced to an offset or a field
// name before they reach an error message.
func parseKeyfileJSON(path string, data []byte) (*keyfileJSON, error) {
	var kf keyfileJSON
	if err := json.Unmarshal(data, &kf); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syn):
			return nil, fileError(path, ErrInvalidKeyfile, fmt.Sprintf("malformed JSON at byte %d", syn.Offset))
		case errors.As(err, &typ) && typ.Field != "":
			return nil, fileError(path, ErrInvalidKeyfile, fmt.Sprintf("field %q has the wrong JSON type", typ.Field))
		case errors.As(err, &typ):
			return nil, fileError(path, ErrInvalidKeyfile, "not a JSON object")
		default:
			return nil, fileError(path, ErrInvalidKeyfile, "malformed JSON")
		}
	}
	return &kf, nil
}

// decodeHexField decodes "0x" + 2n hex digits into exactly n bytes. ok is
// false for anything else; the caller reports the field name only.
func decodeHexField(s string, n int) ([]byte, bool) {
	if len(s) != 2+2*n || s[0] != '0' || (s[1] != 'x' && s[1] != 'X') {
		return nil, false
	}
	b, err := hex.DecodeString(s[2:])
	if err != nil {
		return nil, false
	}
	return b, true
}

// recordedPublicKey returns the public key a keyfile records, checking that
// publicKey, accountId and ss58Address agree. found is false when none is present.
func recordedPublicKey(path string, kf *keyfileJSON) (pub AccountID, found bool, err error) {
	set := func(name string, v AccountID) error {
		if found && v != pub {
			return fileError(path, ErrKeyMismatch, fmt.Sprintf("%s %s disagrees with the other recorded public key %s", name, v, pub))
		}
		pub, found = v, true
		return nil
	}
	for _, f := range []struct {
		name string
		v    *string
	}{{"publicKey", kf.PublicKey}, {"accountId", kf.AccountID}} {
		if f.v == nil {
			continue
		}
		b, ok := decodeHexField(*f.v, 32)
		if !ok {
			return pub, false, fileError(path, ErrInvalidKeyfile, f.name+" is not 0x followed by 64 hex digits")
		}
		if err := set(f.name, AccountID(b)); err != nil {
			return pub, false, err
		}
	}
	if kf.SS58Address != nil {
		_, id, err := decodeSS58(*kf.SS58Address)
		if err != nil {
			return pub, false, fileError(path, ErrInvalidKeyfile, "ss58Address is not a valid SS58 address")
		}
		if err := set("ss58Address", id); err != nil {
			return pub, false, err
		}
	}
	return pub, found, nil
}

// keypairFromKeyfile derives the keypair from a decoded keyfile.
//
// Order: secretSeed (cheapest), then secretPhrase, then privateKey, as Python
// wallets did; a consistent file gives the same key in btwallet's order. A
// field that is present but malformed falls through to the next one: btwallet
// once wrote raw seed bytes after "0x" when they happened to be valid UTF-8.
// The derived key must match the recorded public key.
func keypairFromKeyfile(path string, kf *keyfileJSON) (*Keypair, error) {
	if kf.CryptoType != nil && *kf.CryptoType != cryptoTypeSr25519 {
		return nil, fileError(path, ErrUnsupported, fmt.Sprintf("cryptoType %d (only sr25519 = 1 signs for Bittensor)", *kf.CryptoType))
	}
	want, haveWant, err := recordedPublicKey(path, kf)
	if err != nil {
		return nil, err
	}
	var wantPtr *AccountID
	if haveWant {
		wantPtr = &want
	}

	var kp *Keypair
	var source string
	if kf.SecretSeed != nil {
		if seed, ok := decodeHexField(*kf.SecretSeed, 32); ok {
			kp, err = KeypairFromSeed(seed)
			clear(seed)
			if err != nil {
				return nil, fileError(path, ErrInvalidKeyfile, "secretSeed is unusable")
			}
			source = "secretSeed"
		}
	}
	if kp == nil && kf.SecretPhrase != nil {
		if k, err := KeypairFromMnemonic(*kf.SecretPhrase); err == nil {
			kp, source = k, "secretPhrase"
		}
	}
	if kp == nil && kf.PrivateKey != nil {
		priv, ok := decodeHexField(*kf.PrivateKey, 64)
		if ok {
			kp, err = KeypairFromPrivateKey(priv, wantPtr)
			clear(priv)
			if errors.Is(err, ErrKeyMismatch) {
				return nil, fileError(path, ErrKeyMismatch, fmt.Sprintf("privateKey does not yield the recorded public key %s", want))
			}
			if err != nil {
				return nil, fileError(path, ErrInvalidKeyfile, "privateKey is unusable")
			}
			source = "privateKey"
		}
	}
	if kp == nil {
		if haveWant {
			return nil, fileError(path, ErrInvalidKeyfile, "no usable secret (secretSeed, secretPhrase or privateKey): is this a public-only file?")
		}
		return nil, fileError(path, ErrInvalidKeyfile, "no key material")
	}
	if haveWant && kp.public != want {
		return nil, fileError(path, ErrKeyMismatch, fmt.Sprintf("%s yields %s, the file records %s", source, kp.public, want))
	}
	return kp, nil
}

// ReadPublicKeyfile reads the public key recorded in a keyfile without
// touching secrets: coldkeypub.txt, <hotkey>pub.txt, or the public fields of
// a plaintext keyfile. It accepts btwallet JSON, Python-era JSON with nulls
// and the oldest bare "0x<64 hex>" form. Encrypted files fail (their public
// key is inside the encryption).
func ReadPublicKeyfile(ctx context.Context, path string) (AccountID, error) {
	data, _, err := readFile(ctx, path)
	if err != nil {
		return AccountID{}, err
	}
	if _, err := decryptKeyfile(ctx, path, data, nil); err != nil {
		return AccountID{}, err
	}
	if trimmed := bytes.TrimSpace(data); len(trimmed) == 66 && trimmed[0] == '0' && trimmed[1] == 'x' {
		b, ok := decodeHexField(string(trimmed), 32)
		if !ok {
			return AccountID{}, fileError(path, ErrInvalidKeyfile, "bare public key is not 0x followed by 64 hex digits")
		}
		return AccountID(b), nil
	}
	kf, err := parseKeyfileJSON(path, data)
	if err != nil {
		return AccountID{}, err
	}
	if kf.CryptoType != nil && *kf.CryptoType != cryptoTypeSr25519 {
		return AccountID{}, fileError(path, ErrUnsupported, fmt.Sprintf("cryptoType %d (only sr25519 = 1)", *kf.CryptoType))
	}
	pub, found, err := recordedPublicKey(path, kf)
	if err != nil {
		return AccountID{}, err
	}
	if !found {
		return AccountID{}, fileError(path, ErrInvalidKeyfile, "no publicKey, accountId or ss58Address")
	}
	return pub, nil
}
