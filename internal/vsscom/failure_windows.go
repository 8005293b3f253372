//go:build windows && (amd64 || arm64)

package vsscom

import (
	"unsafe"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/internal/com"
)

// queryInterface asks obj (an interface named iface, for errors) for the
// interface iid, and returns it with one reference the caller releases;
// nil and no error when obj does not have it (E_NOINTERFACE).
func queryInterface(obj unsafe.Pointer, iface string, iid vss.ID) (unsafe.Pointer, error) {
	w := iid.WindowsBytes()
	var p unsafe.Pointer
	hr := com.HR(obj, QueryInterface, new(com.Args).Ptr(unsafe.Pointer(&w)).Ptr(unsafe.Pointer(&p)))
	if hr == ENoInterface {
		com.Release(p) // NULL, as COM requires; released should a server set it anyway
		return nil, nil
	}
	if err := check(iface+"::QueryInterface", hr); err != nil {
		com.Release(p)
		return nil, err
	}
	if p == nil {
		return nil, vss.Errorf(vss.ErrUnexpected, iface+"::QueryInterface", "no interface returned for %v", iid)
	}
	return p, nil
}

// writerStatusAt reads the status of writer i: through
// IVssBackupComponentsEx3::GetWriterStatusEx when ex3 is not nil, with
// the application's failure code and message the writer recorded
// (SetWriterFailureEx), else through GetWriterStatus. It frees the BSTRs
// it receives.
func (b *BackupComponents) writerStatusAt(ex3 unsafe.Pointer, i uint32) (WriterStatus, error) {
	var inst, class [16]byte
	var name, msg unsafe.Pointer
	var state int32
	var failure, app uint32
	a := new(com.Args).Uint(uintptr(i)).Ptr(unsafe.Pointer(&inst)).Ptr(unsafe.Pointer(&class)).Ptr(unsafe.Pointer(&name)).
		Ptr(unsafe.Pointer(&state)).Ptr(unsafe.Pointer(&failure))
	var err error
	if ex3 != nil {
		err = check("IVssBackupComponentsEx3::GetWriterStatusEx", com.HR(ex3, BCEx3GetWriterStatusEx,
			a.Ptr(unsafe.Pointer(&app)).Ptr(unsafe.Pointer(&msg))))
	} else {
		err = b.hr("GetWriterStatus", BCGetWriterStatus, a)
	}
	s := WriterStatus{Name: com.TakeBSTR(name), ApplicationMessage: com.TakeBSTR(msg)}
	if err != nil {
		return WriterStatus{}, err
	}
	s.InstanceID, s.ClassID = vss.FromWindowsBytes(inst), vss.FromWindowsBytes(class)
	s.State, s.Failure, s.ApplicationFailure = vss.WriterState(state), vss.HRESULT(failure), vss.HRESULT(app)
	return s, nil
}

// ComponentFailure is the failure a writer recorded for one of its
// components (IVssComponentEx2::SetFailure), as GetFailure gives it.
type ComponentFailure struct {
	Type              vss.ComponentType
	LogicalPath, Name string
	Code, Application vss.HRESULT
	Message           string
}

// ComponentFailures reads, for every writer of the backup components
// document (GetWriterComponents), the failures recorded for its
// components, by writer instance: components whose GetFailure gives S_OK,
// S_OK and no message are left out. Where VSS lacks IVssComponentEx2
// (E_NOINTERFACE) there is nothing to read and no component is listed.
// Every interface and BSTR it gets is released.
func (b *BackupComponents) ComponentFailures() (map[vss.ID][]ComponentFailure, error) {
	out := map[vss.ID][]ComponentFailure{}
	err := b.forEachWriterComponents(func(wc unsafe.Pointer) error {
		var failures []ComponentFailure
		inst, _, err := forEachComponent(wc, func(c unsafe.Pointer) error {
			f, failed, err := componentFailure(c)
			if failed {
				failures = append(failures, f)
			}
			return err
		})
		if len(failures) > 0 {
			out[inst] = append(out[inst], failures...)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// componentFailure reads the failure recorded for one IVssComponent, and
// whether there is one.
func componentFailure(c unsafe.Pointer) (ComponentFailure, bool, error) {
	ex2, err := queryInterface(c, "IVssComponent", IIDComponentEx2)
	if err != nil || ex2 == nil {
		return ComponentFailure{}, false, err
	}
	defer com.Release(ex2)
	var code, app, reserved uint32
	var msg unsafe.Pointer
	hr := com.HR(ex2, CompEx2GetFailure, new(com.Args).Ptr(unsafe.Pointer(&code)).Ptr(unsafe.Pointer(&app)).
		Ptr(unsafe.Pointer(&msg)).Ptr(unsafe.Pointer(&reserved)))
	f := ComponentFailure{Code: vss.HRESULT(code), Application: vss.HRESULT(app), Message: com.TakeBSTR(msg)}
	if err := check("IVssComponentEx2::GetFailure", hr); err != nil {
		return ComponentFailure{}, false, err
	}
	if f.Code == vss.OK && f.Application == vss.OK && f.Message == "" {
		return ComponentFailure{}, false, nil
	}
	f.Type, f.LogicalPath, f.Name, err = componentKey(c)
	return f, err == nil, err
}
