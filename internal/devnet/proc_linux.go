//go:build linux

package devnet

import "syscall"

// childAttr makes the kernel send SIGTERM to a child when the test binary dies without running its
// cleanup (a panic in a test). Caveat: Pdeathsig fires when the OS thread that started the child
// exits; Go keeps its threads unless a goroutine exits while locked to one, which this package never
// does.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
