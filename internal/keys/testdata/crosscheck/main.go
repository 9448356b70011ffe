// Command crosscheck writes signatures and a keyfile made by package keys so
// that gen_fixtures.py verify-go can check them with bittensor-wallet.
// Not part of the build or CI (it lives under testdata); see ../README.md.
package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/pylon-go/pylon/internal/keys"
)

type signatureCase struct {
	SS58       string `json:"ss58"`
	MessageHex string `json:"message_hex"`
	Signature  string `json:"signature"`
}

type output struct {
	Signatures []signatureCase `json:"signatures"`
	// Keyfiles maps a plaintext keyfile written by keys.WriteKeyfile to the
	// address it must load as.
	Keyfiles map[string]string `json:"keyfiles"`
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "crosscheck:", err)
		os.Exit(1)
	}
}

func run() error {
	if len(os.Args) != 3 {
		return fmt.Errorf("usage: crosscheck OUT.json KEYFILE-DIR")
	}
	ctx := context.Background()
	var out output
	out.Keyfiles = map[string]string{}
	fixture, err := keys.LoadHotkey(ctx, "internal/keys/testdata/wallets", "btwallet", "plain", keys.LoadOptions{})
	if err != nil {
		return err
	}
	alice, err := keys.KeypairFromURI("//Alice")
	if err != nil {
		return err
	}
	hot, err := keys.KeypairFromURI("//Alice//hot")
	if err != nil {
		return err
	}
	long := make([]byte, 300) // longer than 256: a raw-bytes signature still verifies
	for i := range long {
		long[i] = byte(i)
	}
	for _, kp := range []*keys.Keypair{fixture, alice, hot} {
		for _, msg := range [][]byte{[]byte("hello"), []byte("signed in Go by internal/keys"), long} {
			sig, err := kp.Sign(msg)
			if err != nil {
				return err
			}
			out.Signatures = append(out.Signatures, signatureCase{kp.SS58(), hex.EncodeToString(msg), hex.EncodeToString(sig[:])})
		}
	}
	for name, kp := range map[string]*keys.Keypair{"alice": alice, "alice-hot": hot} {
		path := filepath.Join(os.Args[2], name)
		if err := keys.WriteKeyfile(ctx, path, kp); err != nil {
			return err
		}
		out.Keyfiles[path] = kp.SS58()
	}
	data, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(os.Args[1], data, 0o600)
}
