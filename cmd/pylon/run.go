package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1 // the command ran and failed
	exitUsage   = 2 // bad arguments or invalid configuration: nothing was started
)

// command is one subcommand. Add new ones (keys show, timelock decrypt, …)
// to commands; run dispatches on the first argument.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args, env []string, stdout, stderr io.Writer) int
}

var commands = []command{
	{name: "serve", summary: "run the service (settings from PYLON_* variables and .env)", run: serve},
	{name: "health", summary: "check a running service's /health (for container health checks)", run: health},
	{name: "keys", summary: "show a wallet hotkey's address and public key (nothing secret)", run: keysCmd},
	{name: "timelock", summary: "decrypt a timelocked commit with its drand round signature (debugging)", run: timelockCmd},
	{name: "version", summary: "print the version, commit and build date", run: versionCmd},
}

// run executes the command line args (without the program name) with the
// environment env (os.Environ() form) and returns the exit code.
func run(ctx context.Context, args, env []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		usage(stdout)
		return exitOK
	}
	i := slices.IndexFunc(commands, func(c command) bool { return c.name == args[0] })
	if i < 0 {
		fmt.Fprintf(stderr, "pylon: unknown command %q\n\n", args[0])
		usage(stderr)
		return exitUsage
	}
	return commands[i].run(ctx, args[1:], env, stdout, stderr)
}

func usage(w io.Writer) {
	var b strings.Builder
	b.WriteString("Pylon-Go: the Bittensor chain, hotkeys and weights behind one REST API (Bittensor Pylon compatible).\n\n")
	b.WriteString("Usage: pylon <command> [flags]\n\nCommands:\n")
	for _, c := range commands {
		fmt.Fprintf(&b, "  %-10s %s\n", c.name, c.summary)
	}
	b.WriteString("\nSettings: see deploy/env.template. Run \"pylon <command> -h\" for a command's flags.\n")
	_, _ = io.WriteString(w, b.String())
}
