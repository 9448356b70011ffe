// Package devnet runs the local Bittensor chain for tests: subtensor's real runtime (spec 218, or 204
// for the runtime-upgrade test) inside Chopsticks, a deterministic world built on it by the polkadot-js
// bootstrap, and a polkadot-js oracle that reads the chain independently of the Go code under test.
// The chain itself, its quirks and its timings are described in ../shared/docs/DEVNET.md.
//
// # Requirements
//
// Node.js (20 or later) on PATH and the devnet's npm packages installed once:
//
//	cd devnet && npm ci --ignore-scripts --no-audit --no-fund
//
// Start fails with [ErrNodeMissing] or [ErrNodeModulesMissing] (and that command) otherwise.
//
// # One devnet per test package
//
// A chain gets slower with every block, so each test package starts its own fresh devnet in TestMain
// and shares it between its tests. [RunTests] starts it, runs the setup, runs the tests and stops the
// chain by PID even when the setup panics:
//
//	var (
//		dn    *devnet.Devnet
//		world *devnet.World
//	)
//
//	func TestMain(m *testing.M) {
//		os.Exit(devnet.RunTests(m, devnet.Config{}, func(ctx context.Context, d *devnet.Devnet) error {
//			w, err := d.Bootstrap(ctx, devnet.Options{})
//			dn, world = d, w
//			return err
//		}))
//	}
//
// Written by hand, the same is:
//
//	func TestMain(m *testing.M) {
//		d, err := devnet.Start(context.Background(), devnet.Config{})
//		if err != nil {
//			fmt.Fprintln(os.Stderr, err)
//			os.Exit(1)
//		}
//		code := func() int {
//			defer func() {
//				if r := recover(); r != nil {
//					d.Stop()
//					panic(r)
//				}
//			}()
//			// bootstrap here
//			return m.Run()
//		}()
//		d.Stop()
//		os.Exit(code)
//	}
//
// A panic inside a test kills the test binary without running deferred calls; the child processes
// then get SIGTERM from the kernel (Pdeathsig) and the oracle also exits when its stdin closes.
// For a single test, [StartT] stops the devnet in t.Cleanup.
//
// # Blocks
//
// In [Manual] mode (the default) nothing is included until a block is built: [Devnet.NewBlocks]
// builds blocks, and [Devnet.ProduceBlocks] builds one every interval in the background for tests
// whose code under test submits an extrinsic and waits for it. In [Instant] mode Chopsticks builds a
// block for each submitted extrinsic.
//
// # The oracle
//
// [Devnet.Oracle] is one long-lived polkadot-js process speaking line-delimited JSON. Tests check
// what the Go code wrote through it, never through the Go code itself: generic reads of any storage
// item or runtime API ([Oracle.Query], [Oracle.Entries], [Oracle.Call]) and typed convenience reads
// (weights, permits, uids, axons, certificates, commits, events, runtime version, neurons).
//
// Test setup that needs extrinsics (hyperparameters, an extra registration) goes through
// [Devnet.Sudo] and [Devnet.Tx], also signed by polkadot-js. [Devnet.UpgradeRuntime] performs a real
// runtime upgrade from spec 204 to 218.
package devnet
