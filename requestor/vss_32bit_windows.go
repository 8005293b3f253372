//go:build windows && !(amd64 || arm64)

package requestor

import (
	"runtime"

	"golang.org/x/sys/windows"
)

// NewWindows opens a session with the real Volume Shadow Copy Service. In
// a 32-bit program it returns an error wrapping vss.ErrNotImpl that says
// what is unsupported: under WOW64 (a 32-bit program on 64-bit Windows)
// VSS does not serve requestors, and on native 32-bit Windows this
// library does not implement the 32-bit COM ABI. Build for windows/amd64
// or windows/arm64.
func NewWindows(opts WindowsOptions) (Windows, error) {
	var wow64 bool
	_ = windows.IsWow64Process(windows.CurrentProcess(), &wow64)
	return nil, unsupportedArch(runtime.GOARCH, wow64)
}
