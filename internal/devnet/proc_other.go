//go:build !linux

package devnet

import "syscall"

// childAttr: no parent-death signal outside Linux; Stop and the oracle's stdin EOF still apply.
func childAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{} }
