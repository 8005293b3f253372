//go:build !windows

package requestor

import (
	"runtime"

	"github.com/vsskit/vss"
)

// NewWindows opens a session with the real Volume Shadow Copy Service. VSS
// exists only on Windows: here it returns an error wrapping vss.ErrNotImpl
// that says so. Use the simulator (package simulate) to run a backup tool
// on other systems.
func NewWindows(opts WindowsOptions) (Windows, error) {
	return nil, vss.Errorf(vss.ErrNotImpl, "requestor.NewWindows",
		"VSS needs Windows; this program runs on %s/%s (the simulator runs anywhere)", runtime.GOOS, runtime.GOARCH)
}
