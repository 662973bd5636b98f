//go:build !linux

package s3

import "syscall"

// dieWithParent: only Linux kills a child with its parent; elsewhere the
// demo's stop (and a test's cleanup) stops the server.
func dieWithParent() *syscall.SysProcAttr { return &syscall.SysProcAttr{} }
