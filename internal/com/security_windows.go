//go:build windows && (amd64 || arm64)

package com

import (
	"sync"
	"unsafe"

	"golang.org/x/sys/windows"

	"github.com/vsskit/vss"
)

var (
	procCoInitializeSecurity  = ole32.NewProc("CoInitializeSecurity")
	procAdjustTokenPrivileges = windows.NewLazySystemDLL("advapi32.dll").NewProc("AdjustTokenPrivileges")
)

// Values for CoInitializeSecurity (objidl.h, rpcdce.h).
const (
	rpcAuthnLevelPktPrivacy = 6          // RPC_C_AUTHN_LEVEL_PKT_PRIVACY
	rpcImpLevelIdentify     = 2          // RPC_C_IMP_LEVEL_IDENTIFY
	eoacDynamicCloaking     = 0x40       // EOAC_DYNAMIC_CLOAKING
	rpcETooLate             = 0x80010119 // RPC_E_TOO_LATE: security was already initialised
)

var (
	securityOnce sync.Once
	securityErr  error
)

// InitSecurity sets the process's COM security once per process, as VSS
// requestors must: packet privacy, identify-level impersonation (so that
// writers can see who the requestor is) and dynamic cloaking. If the
// program set COM security itself already (RPC_E_TOO_LATE), its choice
// stands. It must run on a thread where COM is initialised.
func InitSecurity() error {
	securityOnce.Do(func() {
		if err := procCoInitializeSecurity.Find(); err != nil {
			securityErr = vss.Errorf(vss.ErrNotImpl, "CoInitializeSecurity", "COM is not available: %v", err)
			return
		}
		r, _, _ := procCoInitializeSecurity.Call(0, ^uintptr(0) /* cAuthSvc -1 */, 0, 0,
			rpcAuthnLevelPktPrivacy, rpcImpLevelIdentify, 0, eoacDynamicCloaking, 0)
		if hr := vss.HRESULT(uint32(r)); hr.Failed() && hr != rpcETooLate {
			securityErr = &vss.Error{Op: "CoInitializeSecurity", Code: hr}
		}
	})
	return securityErr
}

// EnableBackupPrivilege enables SeBackupPrivilege in the process token, as
// a VSS requestor needs. It fails with E_ACCESSDENIED, saying so, when the
// account does not hold the privilege (not an administrator or backup
// operator, or not elevated).
func EnableBackupPrivilege() error {
	var tok windows.Token
	if err := windows.OpenProcessToken(windows.CurrentProcess(), windows.TOKEN_ADJUST_PRIVILEGES|windows.TOKEN_QUERY, &tok); err != nil {
		return &vss.Error{Op: "OpenProcessToken", Code: hresultOf(err), Err: err}
	}
	defer tok.Close()
	var luid windows.LUID
	name, _ := windows.UTF16PtrFromString("SeBackupPrivilege")
	if err := windows.LookupPrivilegeValue(nil, name, &luid); err != nil {
		return &vss.Error{Op: "LookupPrivilegeValue", Code: hresultOf(err), Err: err}
	}
	tp := windows.Tokenprivileges{PrivilegeCount: 1}
	tp.Privileges[0] = windows.LUIDAndAttributes{Luid: luid, Attributes: windows.SE_PRIVILEGE_ENABLED}
	// AdjustTokenPrivileges succeeds but sets ERROR_NOT_ALL_ASSIGNED as the
	// last error when the token does not hold the privilege, so it is
	// called directly to read that error.
	r, _, lastErr := procAdjustTokenPrivileges.Call(uintptr(tok), 0, uintptr(unsafe.Pointer(&tp)), uintptr(unsafe.Sizeof(tp)), 0, 0)
	var err error
	if r == 0 || lastErr == windows.ERROR_NOT_ALL_ASSIGNED {
		err = lastErr
	}
	if err == windows.ERROR_NOT_ALL_ASSIGNED || err == windows.ERROR_PRIVILEGE_NOT_HELD {
		return vss.Errorf(vss.ErrAccessDenied, "EnableBackupPrivilege",
			"SeBackupPrivilege is not held: backup privileges are needed (run elevated, as an administrator or a member of Backup Operators)")
	}
	if err != nil {
		return &vss.Error{Op: "AdjustTokenPrivileges", Code: hresultOf(err), Err: err}
	}
	return nil
}
