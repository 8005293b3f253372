//go:build windows && (amd64 || arm64)

package vssfake

import (
	"slices"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/internal/com"
	"github.com/vsskit/vss/internal/vsscom"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/writer"
)

// The failures writers record, as a requestor reads them:
// IVssBackupComponentsEx3::GetWriterStatusEx, IVssComponentEx2::GetFailure
// on the components GetWriterComponents hands out, and QueryInterface,
// through which a requestor reaches both. A fake object's one vtable
// serves its interface and the interfaces derived from it, as the C++
// objects' do, so QueryInterface answers those with the object itself.
// With Fake.Legacy set, the objects are those of VSS before Windows 7 and
// Windows Server 2008 R2: their vtables end where IVssBackupComponents'
// and IVssComponent's do, and QueryInterface refuses the derived
// interfaces with E_NOINTERFACE.

// queryInterface makes a QueryInterface slot that answers for IUnknown
// and iids with the object itself, one reference more, and refuses every
// other interface with E_NOINTERFACE, setting *ppv to NULL, as COM
// requires; a NULL riid or ppv is E_POINTER.
func queryInterface(iids ...vss.ID) uintptr {
	return callback(3, func(a []uintptr) uintptr {
		if a[1] == 0 || a[2] == 0 {
			return uintptr(vsscom.EPointer)
		}
		putPtr(a[2], nil)
		if iid := com.FromPtr(a[1]); iid != vsscom.IIDIUnknown && !slices.Contains(iids, iid) {
			return uintptr(vsscom.ENoInterface)
		}
		if addRef(a[0]) == 0 {
			return uintptr(vss.ErrUnexpectedCOM)
		}
		putPtr(a[2], com.Ptr(a[0]))
		return uintptr(vss.OK)
	})
}

// buildDerivedVtables gives the backup and component vtables their
// QueryInterface and makes their legacy copies, which share every slot
// but QueryInterface.
func buildDerivedVtables() {
	for _, v := range []struct {
		name         string
		legacySlots  int
		iids, legacy []vss.ID
	}{
		{"backup", vsscom.BCSlots,
			[]vss.ID{vsscom.IIDBackupComponents, vsscom.IIDBackupComponentsEx, vsscom.IIDBackupComponentsEx2, vsscom.IIDBackupComponentsEx3},
			[]vss.ID{vsscom.IIDBackupComponents}},
		{"component", vsscom.CompSlots,
			[]vss.ID{vsscom.IIDComponent, vsscom.IIDComponentEx, vsscom.IIDComponentEx2},
			[]vss.ID{vsscom.IIDComponent}},
	} {
		vt := vtables[v.name]
		vt[vsscom.QueryInterface] = queryInterface(v.iids...)
		legacy := append([]uintptr(nil), vt[:v.legacySlots]...)
		legacy[vsscom.QueryInterface] = queryInterface(v.legacy...)
		vtables[v.name+".legacy"] = legacy
	}
}

// vtable is the name of the vtable of kind ("backup", "component") for
// f's objects.
func (f *Fake) vtable(kind string) string {
	if f.Legacy {
		return kind + ".legacy"
	}
	return kind
}

// withFailures adds to the fake IVssBackupComponents' methods
// GetWriterStatusEx and the two calls that hand out the document's
// components, GetWriterComponentsCount and GetWriterComponents: during a
// backup (after InitializeForBackup) they read the backup components
// document R saves (SaveAsXML), which holds what the writers recorded,
// failures included, as VSS's does; otherwise (a restore) they pass on to
// R when R is a requestor.Restorer, and answer E_NOTIMPL when it is not.
func withFailures(ms map[int]method) map[int]method {
	call := func(name string, args int, fn func(f *Fake, a []uintptr) error) method {
		return method{args, func(o *instance, a []uintptr) vss.HRESULT {
			f := o.impl.(*backup).f
			f.record(name)
			return hr(fn(f, a))
		}}
	}
	// GetWriterStatusEx: the SDK page refuses NULL for pidInstance,
	// pidWriter, pbstrWriter and pnStatus (E_INVALIDARG), names a writer
	// that does not exist VSS_E_OBJECT_NOT_FOUND, and makes
	// phrApplication and pbstrApplicationMessage optional.
	ms[vsscom.BCEx3GetWriterStatusEx] = call("GetWriterStatusEx", 9, func(f *Fake, a []uintptr) error {
		if a[2] == 0 || a[3] == 0 || a[4] == 0 || a[5] == 0 {
			return vss.ErrInvalidArg
		}
		s, err := f.putWriterStatus(a, vss.ErrObjectNotFound)
		if err != nil {
			return err
		}
		putU32(a[7], uint32(s.ApplicationFailure))
		if a[8] != 0 {
			return putBSTR(a[8], s.ApplicationMessage)
		}
		return nil
	})
	ms[vsscom.BCGetWriterComponentsCount] = call("GetWriterComponentsCount", 2, func(f *Fake, a []uintptr) error {
		wcs, err := f.writerComponents()
		putU32(a[1], uint32(len(wcs)))
		return err
	})
	ms[vsscom.BCGetWriterComponents] = call("GetWriterComponents", 3, func(f *Fake, a []uintptr) error {
		wcs, err := f.writerComponents()
		if err != nil {
			return err
		}
		i := int(uint32(a[1]))
		if i >= len(wcs) {
			return vss.ErrInvalidArg
		}
		putPtr(a[2], newWriterComponents(wcs[i], f.vtable("component")))
		return nil
	})
	return ms
}

// putWriterStatus writes the status of writer a[1] gathered by
// GatherWriterStatus to the out parameters a[2] to a[6] (instance, class,
// name, state, failure) of GetWriterStatus or GetWriterStatusEx, and
// returns it; a writer index past the last is notFound.
func (f *Fake) putWriterStatus(a []uintptr, notFound vss.HRESULT) (requestor.WriterStatus, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	i := int(uint32(a[1]))
	if i >= len(f.status) {
		return requestor.WriterStatus{}, notFound
	}
	s := f.status[i]
	if err := putBSTR(a[4], s.Name); err != nil {
		return s, err
	}
	com.PutGUID(a[2], s.InstanceID)
	com.PutGUID(a[3], s.ClassID)
	putU32(a[5], uint32(s.State))
	putU32(a[6], uint32(s.Failure))
	return s, nil
}

// putBSTR writes a new BSTR holding s to the out parameter at p, which
// the caller frees.
func putBSTR(p uintptr, s string) error {
	b, err := com.AllocBSTR(s)
	if err != nil {
		return err
	}
	putPtr(p, b)
	return nil
}

// writerComponents is what GetWriterComponents hands out: in a backup, the
// writers of the document R saves; in a restore, R's.
func (f *Fake) writerComponents() ([]*requestor.WriterComponents, error) {
	f.mu.Lock()
	forBackup := f.forBackup
	f.mu.Unlock()
	if !forBackup {
		r, ok := f.R.(requestor.Restorer)
		if !ok {
			return nil, vss.ErrNotImpl
		}
		return r.WriterComponents(ctx)
	}
	x, err := f.R.SaveAsXML(ctx)
	if err != nil {
		return nil, err
	}
	doc, err := requestor.ParseBackupDocument([]byte(x))
	if err != nil {
		return nil, err
	}
	return doc.Writers, nil
}

// withComponentFailure adds IVssComponentEx2::GetFailure to the fake
// IVssComponent's methods. As its SDK page says, every out parameter is
// required (E_INVALIDARG for NULL); a component whose writer recorded no
// failure gives S_OK, S_OK and a NULL message.
func withComponentFailure(ms map[int]method) map[int]method {
	ms[vsscom.CompEx2GetFailure] = method{5, func(o *instance, a []uintptr) vss.HRESULT {
		if a[1] == 0 || a[2] == 0 || a[3] == 0 || a[4] == 0 {
			return vss.ErrInvalidArg
		}
		var fl writer.Failure
		if c := o.impl.(*writer.Component); c.Failure != nil {
			fl = *c.Failure
		}
		putU32(a[1], uint32(fl.Code))
		putU32(a[2], uint32(fl.Application))
		putU32(a[4], 0)
		putPtr(a[3], nil)
		if fl.Message != "" {
			return hr(putBSTR(a[3], fl.Message))
		}
		return vss.OK
	}}
	return ms
}
