package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/pylon-go/pylon/internal/keys"
	"github.com/pylon-go/pylon/internal/timelock"
)

// timelockCmd dispatches "pylon timelock decrypt": a debugging aid that opens
// a timelocked commit once its drand round's signature is known, to see what
// the chain will reveal (or why it will drop it).
func timelockCmd(_ context.Context, args, _ []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "decrypt" {
		fmt.Fprintln(stderr, "Usage: pylon timelock decrypt -ciphertext HEX -signature HEX [-as weights|commitment|raw]")
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			return exitOK
		}
		return exitUsage
	}
	fs := flag.NewFlagSet("timelock decrypt", flag.ContinueOnError)
	fs.SetOutput(stderr)
	ciphertext := fs.String("ciphertext", "", "the commit's ciphertext, hex (0x optional)")
	signature := fs.String("signature", "", "the drand quicknet round signature, hex (48 bytes, G1 compressed)")
	as := fs.String("as", "weights", "how to read the plaintext: weights, commitment or raw")
	if err := fs.Parse(args[1:]); err != nil {
		return flagExit(err)
	}
	if *ciphertext == "" || *signature == "" {
		fmt.Fprintln(stderr, "pylon timelock decrypt: -ciphertext and -signature are required")
		return exitUsage
	}
	plain, err := timelock.DecryptHex(*ciphertext, *signature)
	if err != nil {
		fmt.Fprintf(stderr, "pylon timelock decrypt: %v\n", err)
		return exitFailure
	}
	var out any
	switch *as {
	case "raw":
		out = map[string]string{"plaintext": hex.EncodeToString(plain)}
	case "commitment":
		s, err := timelock.DecodeCommitment(plain)
		if err != nil {
			fmt.Fprintf(stderr, "pylon timelock decrypt: %v\n", err)
			return exitFailure
		}
		out = map[string]string{"commitment": s}
	case "weights":
		p, err := timelock.DecodeWeightsPayload(plain)
		if err != nil {
			fmt.Fprintf(stderr, "pylon timelock decrypt: %v (use -as raw to see the bytes)\n", err)
			return exitFailure
		}
		out = struct {
			Hotkey     string   `json:"hotkey"`
			UIDs       []uint16 `json:"uids"`
			Values     []uint16 `json:"values"`
			VersionKey uint64   `json:"version_key"`
		}{keys.AccountID(p.Hotkey).String(), p.UIDs, p.Values, p.VersionKey}
	default:
		fmt.Fprintf(stderr, "pylon timelock decrypt: -as must be weights, commitment or raw, not %q\n", *as)
		return exitUsage
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return exitFailure
	}
	return exitOK
}
