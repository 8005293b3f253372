//go:build windows && (amd64 || arm64)

package vsscom

import "github.com/vsskit/vss"

// check turns the HRESULT a VSS method returned into an error naming the
// method: nil for success codes, a *vss.Error wrapping the code otherwise.
// Access denied says that backup privileges are needed.
func check(method string, hr vss.HRESULT) error {
	if !hr.Failed() {
		return nil
	}
	e := &vss.Error{Op: method, Code: hr}
	if hr == vss.ErrAccessDenied {
		e.Detail = "backup privileges are needed: run elevated, as an administrator or a member of Backup Operators"
	}
	return e
}
