// Package testdata finds, for tests, what ../shared holds beside the
// checkout: the real VSS documents saved on Windows Server 2012
// (shared/testdata) and the local copy of Microsoft's VSS documentation
// (shared/reference). Tests read them in place and skip when they are
// absent.
package testdata

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the folder of the real documents: $VSS_TESTDATA if set
// (the Wine run sets it), otherwise shared/testdata beside the module's
// root, found from the test's working directory. It skips t when the
// folder is not there.
func Dir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("VSS_TESTDATA")
	if dir == "" {
		dir = filepath.Join(moduleRoot(), "..", "shared", "testdata")
	}
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("real VSS documents not found at %s (set VSS_TESTDATA to the testdata folder of ../shared): %v", dir, err)
	}
	return dir
}

// ReferenceDir returns the folder of Microsoft's VSS documentation:
// $VSS_REFERENCE if set, otherwise shared/reference beside the module's
// root. It skips t when the folder is not there.
func ReferenceDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("VSS_REFERENCE")
	if dir == "" {
		dir = filepath.Join(moduleRoot(), "..", "shared", "reference")
	}
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("Microsoft's VSS documentation not found at %s (set VSS_REFERENCE to the reference folder of ../shared): %v", dir, err)
	}
	return dir
}

// moduleRoot is the nearest folder at or above the working directory
// that holds go.mod, or the working directory if none does.
func moduleRoot() string {
	wd, err := os.Getwd()
	if err != nil {
		return "."
	}
	for d := wd; ; {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		parent := filepath.Dir(d)
		if parent == d {
			return wd
		}
		d = parent
	}
}
