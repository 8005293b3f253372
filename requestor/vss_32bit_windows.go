//go:build windows && !(amd64 || arm64)

package requestor

import (
	"runtime"

	"golang.org/x/sys/windows"

	"github.com/vsskit/vss"
)

// NewWindows opens a session with the real Volume Shadow Copy Service. VSS
// serves 64-bit requestors only: a 32-bit program, whether on 32-bit
// Windows or under WOW64 on 64-bit Windows, gets an error wrapping
// vss.ErrNotImpl that says to build for windows/amd64 or windows/arm64.
func NewWindows(opts WindowsOptions) (Windows, error) {
	var wow64 bool
	_ = windows.IsWow64Process(windows.CurrentProcess(), &wow64)
	where := "32-bit Windows"
	if wow64 {
		where = "WOW64 (a 32-bit program on 64-bit Windows)"
	}
	return nil, vss.Errorf(vss.ErrNotImpl, "requestor.NewWindows",
		"VSS requestors must be 64-bit; this is windows/%s under %s: build with GOARCH=amd64 or GOARCH=arm64", runtime.GOARCH, where)
}
