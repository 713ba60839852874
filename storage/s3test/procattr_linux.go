package s3test

import (
	"os"
	"path/filepath"
	"syscall"
)

// serverProcAttr makes the kernel kill the server when the thread that
// started it exits, so a crashed or killed test binary leaves no server
// behind; Setpgid keeps a terminal's Ctrl-C away from it (the test binary
// stops it itself).
func serverProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
}

// supportsUserXattr reports whether files in dir can carry user.* extended
// attributes, which versitygw's posix backend stores metadata in.
func supportsUserXattr(dir string) bool {
	probe := filepath.Join(dir, ".xattr-probe")
	if err := os.WriteFile(probe, nil, 0o644); err != nil {
		return false
	}
	defer os.Remove(probe)
	return syscall.Setxattr(probe, "user.loa-probe", []byte("1"), 0) == nil
}
