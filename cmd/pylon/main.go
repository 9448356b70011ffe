// Command pylon is Pylon-Go's single binary: "pylon serve" runs the service,
// and small operator commands sit beside it ("pylon version", "pylon health").
//
// main only wires: it turns SIGINT/SIGTERM into a cancelled context and hands
// the process's arguments, environment and output streams to run, which tests
// call directly.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Environ(), os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
