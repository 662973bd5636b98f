package s3

import "syscall"

// dieWithParent makes the kernel kill the S3 server when the process that
// started it (a test, the demo) dies, however it dies.
func dieWithParent() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
