package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/pylon-go/pylon/internal/keys"
)

// keysCmd dispatches "pylon keys <subcommand>". Only "show" exists: operators
// use it to check which address a configured wallet signs as, without ever
// printing secret material.
func keysCmd(ctx context.Context, args, env []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "show" {
		fmt.Fprintln(stderr, "Usage: pylon keys show -wallet W -hotkey H [-path P] [-password-file F] [-json]")
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			return exitOK
		}
		return exitUsage
	}
	fs := flag.NewFlagSet("keys show", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("path", envValue(env, "PYLON_BITTENSOR_WALLET_PATH"), "wallets directory (default $PYLON_BITTENSOR_WALLET_PATH or "+keys.DefaultWalletPath+")")
	wallet := fs.String("wallet", "", "wallet name (required)")
	hotkey := fs.String("hotkey", "", "hotkey name (required)")
	passwordFile := fs.String("password-file", "", "file holding the password of a $NACL-encrypted hotkey (optional)")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args[1:]); err != nil {
		return flagExit(err)
	}
	if *wallet == "" || *hotkey == "" {
		fmt.Fprintln(stderr, "pylon keys show: -wallet and -hotkey are required")
		return exitUsage
	}
	opts := keys.LoadOptions{}
	if *passwordFile != "" {
		file := *passwordFile
		opts.Password = func() ([]byte, error) {
			b, err := os.ReadFile(file) //nolint:gosec // The operator names the file on purpose.
			if err != nil {
				return nil, fmt.Errorf("password file %s: %w", file, err)
			}
			return []byte(strings.TrimRight(string(b), "\r\n")), nil
		}
	}
	d, err := keys.Describe(ctx, *path, *wallet, *hotkey, opts)
	if err != nil {
		fmt.Fprintf(stderr, "pylon keys show: %v\n", err)
		return exitFailure
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(d); err != nil {
			return exitFailure
		}
		return exitOK
	}
	fmt.Fprintf(stdout, "hotkey file:  %s\n", d.HotkeyPath)
	fmt.Fprintf(stdout, "ss58 address: %s\n", d.HotkeySS58)
	fmt.Fprintf(stdout, "public key:   %s\n", d.HotkeyPublicKey)
	fmt.Fprintf(stdout, "encrypted:    %t\n", d.Encrypted)
	fmt.Fprintf(stdout, "can sign:     %t\n", d.Verified)
	if d.ColdkeySS58 != "" {
		fmt.Fprintf(stdout, "coldkey:      %s\n", d.ColdkeySS58)
	}
	return exitOK
}

// envValue returns the last value of name in env (os.Environ form).
func envValue(env []string, name string) string {
	v := ""
	for _, kv := range env {
		if k, val, ok := strings.Cut(kv, "="); ok && k == name {
			v = val
		}
	}
	return v
}
