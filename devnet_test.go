package pylon_test

import (
	"context"
	"os"
	"testing"

	"github.com/pylon-go/pylon/internal/devnet"
)

// The client is tested against the real service, and the service reads the
// real runtime: one devnet for the package (DEVNET.md §7), with the default
// world of two subnets.
var (
	dn    *devnet.Devnet
	world *devnet.World
)

func TestMain(m *testing.M) {
	os.Exit(devnet.RunTests(m, devnet.Config{}, func(ctx context.Context, d *devnet.Devnet) error {
		w, err := d.Bootstrap(ctx, devnet.Options{})
		dn, world = d, w
		return err
	}))
}
