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
	rpcAuthnLevelPktPrivacy = 6    // RPC_C_AUTHN_LEVEL_PKT_PRIVACY
	rpcImpLevelImpersonate  = 3    // RPC_C_IMP_LEVEL_IMPERSONATE
	eoacStaticCloaking      = 0x20 // EOAC_STATIC_CLOAKING
)

// RPCETooLate is RPC_E_TOO_LATE, what CoInitializeSecurity returns when
// the process's COM security was already set: by the host program, by a
// library it uses, or implicitly by COM at the first marshalled call.
const RPCETooLate vss.HRESULT = 0x80010119

// SecurityArgs are the arguments InitSecurity passes to
// CoInitializeSecurity, in order, as Microsoft's "Security Considerations
// for Requestors" recommends for Windows 8 and Windows Server 2012 and
// later (compatible with VSS for remote file shares): a NULL security
// descriptor (every process may call back into the requestor: the VSS
// service and writers running under other accounts, which a stricter
// default refuses), cAuthSvc -1, RPC_C_AUTHN_LEVEL_PKT_PRIVACY,
// RPC_C_IMP_LEVEL_IMPERSONATE and EOAC_STATIC_CLOAKING.
var SecurityArgs = []uintptr{
	0,           // pSecDesc: NULL
	^uintptr(0), // cAuthSvc: -1, COM chooses
	0,           // asAuthSvc
	0,           // pReserved1
	rpcAuthnLevelPktPrivacy,
	rpcImpLevelImpersonate,
	0, // pAuthList
	eoacStaticCloaking,
	0, // pReserved3
}

var (
	securityMu   sync.Mutex
	securityDone bool
	securityErr  error
	// coInitializeSecurity is the call; tests put a recorder in its place.
	coInitializeSecurity = func(args []uintptr) vss.HRESULT {
		r, _, _ := procCoInitializeSecurity.Call(args...)
		return vss.HRESULT(uint32(r))
	}
)

// InitSecurity sets the process's COM security (CoInitializeSecurity with
// SecurityArgs) and, when that worked, turns COM's exception handling off
// (COMGLB_EXCEPTION_DONOT_HANDLE), both as Microsoft's "Security
// Considerations for Requestors" asks; once per process, as COM allows
// security to be set once. It must run on a
// thread where COM is initialised; later calls return the first call's
// result. When the process's COM security was set before (RPC_E_TOO_LATE),
// the error has code RPCETooLate and says what that means: the settings
// in force are the host's, and VSS may be unable to call back into the
// process with them (writers under other accounts fail, event 8194).
func InitSecurity() error {
	securityMu.Lock()
	defer securityMu.Unlock()
	if securityDone {
		return securityErr
	}
	securityDone = true
	if err := procCoInitializeSecurity.Find(); err != nil {
		securityErr = vss.Errorf(vss.ErrNotImpl, "CoInitializeSecurity", "COM is not available: %v", err)
		return securityErr
	}
	switch hr := coInitializeSecurity(SecurityArgs); {
	case hr == vss.OK:
		securityErr = disableExceptionHandling()
	case hr == RPCETooLate:
		securityErr = &vss.Error{Op: "CoInitializeSecurity", Code: hr,
			Detail: "this process set its COM security before the VSS session (RPC_E_TOO_LATE): the settings in force are the host's, " +
				"and with them the VSS service and writers running under other accounts may be refused when they call back " +
				"(Microsoft's Security Considerations for Requestors asks for a NULL security descriptor, packet privacy, " +
				"impersonation and static cloaking); accept the host's settings with WindowsOptions.AcceptHostCOMSecurity"}
	case hr.Failed():
		securityErr = &vss.Error{Op: "CoInitializeSecurity", Code: hr}
	}
	return securityErr
}

// IGlobalOptions (objidl.h): CLSID_GlobalOptions, IID_IGlobalOptions,
// its methods and the values this package sets.
var (
	procCoCreateInstance = ole32.NewProc("CoCreateInstance")
	clsidGlobalOptions   = windows.GUID{Data1: 0x0000034B, Data4: [8]byte{0xC0, 0, 0, 0, 0, 0, 0, 0x46}}
	iidIGlobalOptions    = windows.GUID{Data1: 0x0000015B, Data4: [8]byte{0xC0, 0, 0, 0, 0, 0, 0, 0x46}}
)

const (
	globalOptionsSet           = 3 // IGlobalOptions::Set(GLOBALOPT_PROPERTIES, ULONG_PTR)
	globalOptionsQuery         = 4 // IGlobalOptions::Query(GLOBALOPT_PROPERTIES, ULONG_PTR*)
	comglbExceptionHandling    = 1 // COMGLB_EXCEPTION_HANDLING
	comglbExceptionDoNotHandle = 1 // COMGLB_EXCEPTION_DONOT_HANDLE
	clsctxInprocServer         = 1 // CLSCTX_INPROC_SERVER
)

// globalOptions returns the process's IGlobalOptions; the caller releases
// it.
func globalOptions() (unsafe.Pointer, error) {
	var p unsafe.Pointer
	r, _, _ := procCoCreateInstance.Call(uintptr(unsafe.Pointer(&clsidGlobalOptions)), 0, clsctxInprocServer,
		uintptr(unsafe.Pointer(&iidIGlobalOptions)), uintptr(unsafe.Pointer(&p)))
	if hr := vss.HRESULT(uint32(r)); hr.Failed() || p == nil {
		Release(p)
		return nil, &vss.Error{Op: "CoCreateInstance(CLSID_GlobalOptions)", Code: hr}
	}
	return p, nil
}

// disableExceptionHandling sets COMGLB_EXCEPTION_DONOT_HANDLE, as
// Microsoft's "Security Considerations for Requestors" asks of
// requestors: COM's exception handling would otherwise swallow a crash in
// a COM call and leave the process in an unpredictable state.
func disableExceptionHandling() error {
	p, err := globalOptions()
	if err != nil {
		return err
	}
	defer Release(p)
	if hr := HR(p, globalOptionsSet, new(Args).Uint(comglbExceptionHandling).Uint(comglbExceptionDoNotHandle)); hr.Failed() {
		return &vss.Error{Op: "IGlobalOptions::Set(COMGLB_EXCEPTION_HANDLING)", Code: hr}
	}
	return nil
}

// ExceptionHandling returns the process's COMGLB_EXCEPTION_HANDLING
// option (IGlobalOptions::Query): 1, COMGLB_EXCEPTION_DONOT_HANDLE, once
// InitSecurity set it.
func ExceptionHandling() (uintptr, error) {
	p, err := globalOptions()
	if err != nil {
		return 0, err
	}
	defer Release(p)
	var v uintptr
	if hr := HR(p, globalOptionsQuery, new(Args).Uint(comglbExceptionHandling).Ptr(unsafe.Pointer(&v))); hr.Failed() {
		return 0, &vss.Error{Op: "IGlobalOptions::Query(COMGLB_EXCEPTION_HANDLING)", Code: hr}
	}
	return v, nil
}

// SetSecurityCallForTest puts call in place of CoInitializeSecurity and
// forgets whether security was set, so that the next InitSecurity calls
// it; the function it returns undoes both. For tests only.
func SetSecurityCallForTest(call func(args []uintptr) vss.HRESULT) (restore func()) {
	securityMu.Lock()
	defer securityMu.Unlock()
	old, oldDone, oldErr := coInitializeSecurity, securityDone, securityErr
	coInitializeSecurity, securityDone, securityErr = call, false, nil
	return func() {
		securityMu.Lock()
		defer securityMu.Unlock()
		coInitializeSecurity, securityDone, securityErr = old, oldDone, oldErr
	}
}

// Backup privilege: one process-wide state shared by every session.
var (
	privMu      sync.Mutex
	privUsers   int  // sessions holding the privilege
	privRestore bool // the first session enabled it: the last one disables it
)

// AcquireBackupPrivilege enables SeBackupPrivilege in the process token,
// as a VSS requestor needs, for one session; the session calls the
// release function it returns when it ends. When the last session
// releases it, the privilege returns to the state it had before the first
// one: left enabled if the program had enabled it, disabled otherwise (an
// enabled SeBackupPrivilege lets every later open with backup semantics
// in the process bypass file permissions).
//
// It fails with E_ACCESSDENIED, saying why, when the token does not hold
// the privilege: the account is not an administrator or a member of
// Backup Operators, or it is one but the process runs without elevation
// (User Account Control gives both a filtered token without the
// privilege).
func AcquireBackupPrivilege() (release func() error, err error) {
	privMu.Lock()
	defer privMu.Unlock()
	if privUsers == 0 {
		changed, err := setBackupPrivilege(true)
		if err != nil {
			return nil, err
		}
		privRestore = changed
	}
	privUsers++
	var once sync.Once
	return func() error {
		var err error
		once.Do(func() {
			privMu.Lock()
			defer privMu.Unlock()
			if privUsers--; privUsers == 0 && privRestore {
				_, err = setBackupPrivilege(false)
				privRestore = false
			}
		})
		return err
	}, nil
}

// backupPrivilegeLUID returns the LUID of SeBackupPrivilege.
func backupPrivilegeLUID() (windows.LUID, error) {
	var luid windows.LUID
	name, _ := windows.UTF16PtrFromString("SeBackupPrivilege")
	if err := windows.LookupPrivilegeValue(nil, name, &luid); err != nil {
		return luid, &vss.Error{Op: "LookupPrivilegeValue", Code: hresultOf(err), Err: err}
	}
	return luid, nil
}

// setBackupPrivilege enables or disables SeBackupPrivilege in the process
// token and reports whether its state changed.
func setBackupPrivilege(enable bool) (changed bool, err error) {
	var tok windows.Token
	if err := windows.OpenProcessToken(windows.CurrentProcess(), windows.TOKEN_ADJUST_PRIVILEGES|windows.TOKEN_QUERY, &tok); err != nil {
		return false, &vss.Error{Op: "OpenProcessToken", Code: hresultOf(err), Err: err}
	}
	defer tok.Close()
	luid, err := backupPrivilegeLUID()
	if err != nil {
		return false, err
	}
	tp := windows.Tokenprivileges{PrivilegeCount: 1}
	tp.Privileges[0] = windows.LUIDAndAttributes{Luid: luid}
	if enable {
		tp.Privileges[0].Attributes = windows.SE_PRIVILEGE_ENABLED
	}
	var prev windows.Tokenprivileges
	var size uint32
	// AdjustTokenPrivileges succeeds but sets ERROR_NOT_ALL_ASSIGNED as the
	// last error when the token does not hold the privilege, so it is
	// called directly to read that error. PreviousState lists the
	// privileges whose state it changed.
	r, _, lastErr := procAdjustTokenPrivileges.Call(uintptr(tok), 0, uintptr(unsafe.Pointer(&tp)),
		unsafe.Sizeof(prev), uintptr(unsafe.Pointer(&prev)), uintptr(unsafe.Pointer(&size)))
	if r != 0 && lastErr != windows.ERROR_NOT_ALL_ASSIGNED {
		// Windows lists only the privileges it changed; Wine lists them
		// all: compare the previous state too.
		wasOn := prev.Privileges[0].Attributes&windows.SE_PRIVILEGE_ENABLED != 0
		return prev.PrivilegeCount > 0 && wasOn != enable, nil
	}
	if lastErr == windows.ERROR_NOT_ALL_ASSIGNED || lastErr == windows.ERROR_PRIVILEGE_NOT_HELD {
		return false, vss.Errorf(vss.ErrAccessDenied, "EnableBackupPrivilege", "%s", privilegeDetail(tok))
	}
	return false, &vss.Error{Op: "AdjustTokenPrivileges", Code: hresultOf(lastErr), Err: lastErr}
}

// privilegeDetail says why a token lacks SeBackupPrivilege.
func privilegeDetail(tok windows.Token) string {
	var typ uint32
	var n uint32
	err := windows.GetTokenInformation(tok, windows.TokenElevationType, (*byte)(unsafe.Pointer(&typ)), uint32(unsafe.Sizeof(typ)), &n)
	if err == nil && typ == 3 { // TokenElevationTypeLimited: the filtered token User Account Control gives administrators and Backup Operators
		return "SeBackupPrivilege is not held: the program runs without elevation (User Account Control filtered the privilege out); run it elevated"
	}
	return "SeBackupPrivilege is not held: the account is not an administrator or a member of Backup Operators; " +
		"run as one of those, as LocalSystem, or elevated"
}

// BackupPrivilegeEnabled reports whether SeBackupPrivilege is enabled in
// the process token now.
func BackupPrivilegeEnabled() (bool, error) {
	var tok windows.Token
	if err := windows.OpenProcessToken(windows.CurrentProcess(), windows.TOKEN_QUERY, &tok); err != nil {
		return false, err
	}
	defer tok.Close()
	luid, err := backupPrivilegeLUID()
	if err != nil {
		return false, err
	}
	var n uint32
	_ = windows.GetTokenInformation(tok, windows.TokenPrivileges, nil, 0, &n)
	if n == 0 {
		return false, &vss.Error{Op: "GetTokenInformation", Code: vss.ErrUnexpected, Detail: "no size for the token's privileges"}
	}
	buf := make([]byte, n)
	if err := windows.GetTokenInformation(tok, windows.TokenPrivileges, &buf[0], n, &n); err != nil {
		return false, err
	}
	tp := (*windows.Tokenprivileges)(unsafe.Pointer(&buf[0]))
	for _, p := range tp.AllPrivileges() {
		if p.Luid == luid {
			return p.Attributes&windows.SE_PRIVILEGE_ENABLED != 0, nil
		}
	}
	return false, nil
}

// SetBackupPrivilegeForTest enables or disables SeBackupPrivilege in the
// process token, for tests that need a known starting state.
func SetBackupPrivilegeForTest(enable bool) error {
	_, err := setBackupPrivilege(enable)
	return err
}
