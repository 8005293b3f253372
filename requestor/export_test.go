//go:build windows && (amd64 || arm64)

package requestor

import "unsafe"

// NewWindowsForTest is NewWindows with create in place of vssapi.dll's
// CreateVssBackupComponentsInternal, for the tests in requestor_test: it
// lets them stand a fake IVssBackupComponents (internal/vsscom/vssfake)
// behind a session. create returns a new object whose one reference the
// session takes over; it runs on the session's COM thread. As in
// NewWindows, SeBackupPrivilege is enabled first. It exists only in this
// package's test binary.
func NewWindowsForTest(opts WindowsOptions, create func() (unsafe.Pointer, error)) (Windows, error) {
	return newWindows(opts, create)
}
