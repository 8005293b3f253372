//go:build windows && (amd64 || arm64)

package vsscom

import "github.com/vsskit/vss"

// check turns the HRESULT a VSS method returned into an error naming the
// method: nil for success codes, a *vss.Error wrapping the code otherwise.
// Access denied says what it means for that method (AccessDeniedDetail).
func check(method string, hr vss.HRESULT) error {
	if !hr.Failed() {
		return nil
	}
	e := &vss.Error{Op: method, Code: hr}
	if hr == vss.ErrAccessDenied {
		e.Detail = AccessDeniedDetail(method)
	}
	return e
}

// The meanings of E_ACCESSDENIED from VSS, by where it comes from. (A
// token without SeBackupPrivilege is caught before VSS is called, by
// com.AcquireBackupPrivilege, with its own message.)
const (
	// deniedCreate: CreateVssBackupComponents refused the account. VSS
	// accepts requestors running as an administrator or a member of Backup
	// Operators (elevated), as LocalSystem, or granted in the
	// VssAccessControl registry key; that key can also deny an account
	// otherwise allowed (Microsoft's "Security Considerations for
	// Requestors").
	deniedCreate = "the VSS service refused this account as a requestor: run as an administrator or a member of Backup Operators, elevated, " +
		`or as LocalSystem, or grant the account in HKLM\SYSTEM\CurrentControlSet\Services\VSS\VssAccessControl (value 2); ` +
		"a value of 0 there denies it even to administrators"
	// deniedCall: a call on an open session was refused: the documented
	// meaning is that the caller lacks backup rights or is not an
	// administrator (the IVssBackupComponents method pages); Query and
	// DeleteSnapshots are refused to accounts that are neither
	// administrators nor backup operators.
	deniedCall = "VSS refused the call: the account lacks the rights this call needs (administrator, or Backup Operators where the call allows it)"
)

// AccessDeniedDetail says what E_ACCESSDENIED from method means.
func AccessDeniedDetail(method string) string {
	if method == "CreateVssBackupComponents" {
		return deniedCreate
	}
	return deniedCall
}
