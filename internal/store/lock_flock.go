//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package store

import (
	"fmt"
	"os"
	"syscall"
)

// lockFile takes an exclusive flock on a side file, so that two processes
// opening one SQLite database do not run its migrations at the same time
// (goose has no SQLite locker). The database file itself is not used: closing
// any extra descriptor on it would drop SQLite's own POSIX locks.
func lockFile(path string) (unlock func() error, err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600) //nolint:gosec // G304: a side file of the database the operator configured.
	if err != nil {
		return nil, fmt.Errorf("store: migration lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("store: migration lock: %w", err)
	}
	return func() error {
		// Closing the descriptor releases the flock.
		if err := f.Close(); err != nil {
			return fmt.Errorf("store: migration unlock: %w", err)
		}
		return nil
	}, nil
}
