//go:build windows && (amd64 || arm64)

package vsscom

import (
	"unsafe"

	"golang.org/x/sys/windows"

	"github.com/vsskit/vss"
)

var (
	vssapi                     = windows.NewLazySystemDLL("vssapi.dll")
	procCreateBackupComponents = vssapi.NewProc("CreateVssBackupComponentsInternal")
)

// Create asks vssapi.dll for a new IVssBackupComponents
// (CreateVssBackupComponentsInternal, what the SDK's
// CreateVssBackupComponents calls). It must run on a thread where COM is
// initialised. Without VSS (no vssapi.dll, no export, or E_NOTIMPL as
// Wine answers) the error wraps vss.ErrNotImpl and says VSS is not
// available; without backup rights it wraps vss.ErrAccessDenied.
func Create() (unsafe.Pointer, error) {
	if err := procCreateBackupComponents.Find(); err != nil {
		return nil, vss.Errorf(vss.ErrNotImpl, "CreateVssBackupComponents", "VSS is not available on this system: %v", err)
	}
	var p unsafe.Pointer
	r, _, _ := procCreateBackupComponents.Call(uintptr(unsafe.Pointer(&p)))
	if hr := vss.HRESULT(uint32(r)); hr == vss.ErrNotImpl {
		return nil, vss.Errorf(hr, "CreateVssBackupComponents", "VSS is not available on this system")
	} else if err := check("CreateVssBackupComponents", hr); err != nil {
		return nil, err
	}
	if p == nil {
		return nil, vss.Errorf(vss.ErrUnexpected, "CreateVssBackupComponents", "vssapi.dll returned no object")
	}
	return p, nil
}
