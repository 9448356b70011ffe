package keys

import (
	"bytes"
	"context"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// DefaultWalletPath is where btcli and btwallet keep wallets ($BT_WALLET_PATH's default).
const DefaultWalletPath = "~/.bittensor/wallets"

// ExpandPath replaces a leading "~" or "~/" with the user's home directory.
// Other paths are returned unchanged ("~user" is not expanded).
func ExpandPath(path string) (string, error) {
	if path != "~" && !strings.HasPrefix(path, "~/") {
		return path, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("keys: expand %q: %w", path, err)
	}
	return filepath.Join(home, path[1:]), nil
}

// checkName refuses names that would escape the wallet directory: they come
// from configuration and end up in file paths.
func checkName(kind, name string) error {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\`+"\x00") {
		return fmt.Errorf("%w: %s name %q", ErrInvalidName, kind, name)
	}
	return nil
}

// HotkeyPath returns <walletPath>/<wallet>/hotkeys/<hotkey>, expanding "~".
func HotkeyPath(walletPath, wallet, hotkey string) (string, error) {
	if err := checkName("wallet", wallet); err != nil {
		return "", err
	}
	if err := checkName("hotkey", hotkey); err != nil {
		return "", err
	}
	root, err := ExpandPath(walletPath)
	if err != nil {
		return "", err
	}
	return filepath.Join(root, wallet, "hotkeys", hotkey), nil
}

// ColdkeyPubPath returns <walletPath>/<wallet>/coldkeypub.txt, expanding "~".
func ColdkeyPubPath(walletPath, wallet string) (string, error) {
	if err := checkName("wallet", wallet); err != nil {
		return "", err
	}
	root, err := ExpandPath(walletPath)
	if err != nil {
		return "", err
	}
	return filepath.Join(root, wallet, "coldkeypub.txt"), nil
}

// LoadHotkey loads the sr25519 hotkey <walletPath>/<wallet>/hotkeys/<hotkey>
// (see LoadKeyfile for formats, errors and cost).
func LoadHotkey(ctx context.Context, walletPath, wallet, hotkey string, opts LoadOptions) (*Keypair, error) {
	path, err := HotkeyPath(walletPath, wallet, hotkey)
	if err != nil {
		return nil, err
	}
	return LoadKeyfile(ctx, path, opts)
}

// LoadColdkeyPub reads the public coldkey of a wallet from coldkeypub.txt.
func LoadColdkeyPub(ctx context.Context, walletPath, wallet string) (AccountID, error) {
	path, err := ColdkeyPubPath(walletPath, wallet)
	if err != nil {
		return AccountID{}, err
	}
	return ReadPublicKeyfile(ctx, path)
}

// Description is what `pylon keys show` prints about a wallet's hotkey.
// It holds public data only.
type Description struct {
	Wallet     string `json:"wallet"`
	Hotkey     string `json:"hotkey"`
	HotkeyPath string `json:"hotkey_path"`
	// HotkeySS58 is the hotkey's SS58 address (prefix 42).
	HotkeySS58 string `json:"hotkey_ss58"`
	// HotkeyPublicKey is the hotkey's public key as "0x" + 64 hex digits.
	HotkeyPublicKey string `json:"hotkey_public_key"`
	// Encrypted is true for a $NACL hotkey.
	Encrypted bool `json:"encrypted"`
	// Verified is true when the secret key was loaded and matched the recorded
	// public key, i.e. the service can sign with this hotkey. It is false when
	// an encrypted hotkey was described from <hotkey>pub.txt for lack of a password.
	Verified bool `json:"verified"`
	// ColdkeySS58 is the wallet's coldkey from coldkeypub.txt; empty when that
	// file does not exist.
	ColdkeySS58 string `json:"coldkey_ss58,omitempty"`
}

// Describe loads a wallet's hotkey and reports its public identity, for
// `pylon keys show --wallet W --hotkey H [--path P]` (walletPath "" means
// DefaultWalletPath). It returns nothing secret.
//
// A plaintext hotkey is fully loaded and checked (Verified). A $NACL hotkey is
// decrypted when opts.Password is set (~4 s, 512 MiB); without a password its
// address is read from hotkeys/<hotkey>pub.txt, which btwallet writes next to
// it, and Verified stays false; with neither, ErrPasswordRequired.
func Describe(ctx context.Context, walletPath, wallet, hotkey string, opts LoadOptions) (Description, error) {
	if walletPath == "" {
		walletPath = DefaultWalletPath
	}
	path, err := HotkeyPath(walletPath, wallet, hotkey)
	if err != nil {
		return Description{}, err
	}
	d := Description{Wallet: wallet, Hotkey: hotkey, HotkeyPath: path}

	data, _, err := readFile(ctx, path)
	if err != nil {
		return Description{}, err
	}
	d.Encrypted = bytes.HasPrefix(data, naclPrefix)
	clear(data)

	var pub AccountID
	if d.Encrypted && opts.Password == nil {
		pub, err = ReadPublicKeyfile(ctx, path+"pub.txt")
		if errors.Is(err, ErrNotFound) {
			return Description{}, fileError(path, ErrPasswordRequired, "and no "+filepath.Base(path)+"pub.txt to read the address from")
		}
		if err != nil {
			return Description{}, err
		}
	} else {
		kp, err := LoadKeyfile(ctx, path, opts)
		if err != nil {
			return Description{}, err
		}
		pub, d.Verified = kp.AccountID(), true
	}
	d.HotkeySS58, d.HotkeyPublicKey = pub.String(), pub.Hex()

	cold, err := LoadColdkeyPub(ctx, walletPath, wallet)
	switch {
	case err == nil:
		d.ColdkeySS58 = cold.String()
	case !errors.Is(err, ErrNotFound):
		return Description{}, err
	}
	return d, nil
}

// WriteKeyfile writes kp as a plaintext keyfile in btwallet's format (mode
// 0600, parent directories 0700), for tests and devnet tooling: fields
// accountId, publicKey, privateKey (schnorrkel form), secretSeed, ss58Address
// and cryptoType. It refuses to overwrite an existing file, and needs a
// keypair built from a seed, a mnemonic or a URI without soft junctions
// (ErrUnsupported otherwise: the private key's nonce is unknown).
func WriteKeyfile(ctx context.Context, path string, kp *Keypair) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if kp.seed == nil {
		return fmt.Errorf("keys: write %s: %w: keypair has no seed", path, ErrUnsupported)
	}
	// The schnorrkel nonce is the upper half of SHA-512(seed) (ExpandEd25519).
	h := sha512.Sum512(kp.seed[:])
	defer clear(h[:])
	key := kp.secret.Encode()
	defer clear(key[:])
	priv := make([]byte, 64)
	defer clear(priv)
	copy(priv, key[:])
	copy(priv[32:], h[32:])

	pubHex := kp.public.Hex()
	doc := map[string]any{
		"accountId":   pubHex,
		"publicKey":   pubHex,
		"privateKey":  "0x" + hex.EncodeToString(priv),
		"secretSeed":  "0x" + hex.EncodeToString(kp.seed[:]),
		"ss58Address": kp.SS58(),
		"cryptoType":  cryptoTypeSr25519,
	}
	data, err := json.Marshal(doc)
	if err != nil {
		return fmt.Errorf("keys: write %s: %w", path, err)
	}
	defer clear(data)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("keys: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600) //nolint:gosec // G304: the caller names the keyfile on purpose.
	if err != nil {
		return fmt.Errorf("keys: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		return fmt.Errorf("keys: write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("keys: write %s: %w", path, err)
	}
	return nil
}
