// Package testenv decides what a test does when something it needs from the
// machine (espeak-ng, a MinIO build, chromium) is missing: skip on a
// developer's laptop, fail in CI where LOA_TEST_REQUIRE=1.
package testenv

import (
	"os"
	"os/exec"
	"testing"
)

// Required reports whether missing test dependencies are failures.
func Required() bool { return os.Getenv("LOA_TEST_REQUIRE") == "1" }

// Missing skips the test, or fails it when dependencies are required.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	if Required() {
		t.Fatalf("required test dependency missing (LOA_TEST_REQUIRE=1): "+format, args...)
	}
	t.Skipf("skipping: "+format, args...)
}

// LookPath returns the path of an executable or calls Missing.
func LookPath(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Missing(t, "%s not on PATH", name)
	}
	return p
}
