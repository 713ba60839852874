//go:build !linux

package s3test

import "syscall"

func serverProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

// supportsUserXattr is false off Linux, so versitygw uses a sidecar folder.
func supportsUserXattr(dir string) bool { return false }
