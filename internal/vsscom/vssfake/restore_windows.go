//go:build windows && (amd64 || arm64)

package vssfake

import (
	"unsafe"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/internal/com"
	"github.com/vsskit/vss/internal/vsscom"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/writer"
)

// The restore calls of the fake IVssBackupComponents beyond
// InitializeForRestore, SetSelectedForRestore, PreRestore and PostRestore
// (which backup_windows.go records without passing on): each is passed on
// to R when R is a requestor.Restorer, and answers E_NOTIMPL otherwise.
// GetWriterComponents (failure_windows.go) hands out fake
// IVssWriterComponentsExt objects, laid out as the C++ class is (the
// IVssWriterComponents vtable pointer, then the IUnknown one), whose
// components are fake IVssComponent objects.

// withRestore adds the restore calls to the methods of IVssBackupComponents.
func withRestore(m map[int]method) map[int]method {
	restorer := func(o *instance) (requestor.Restorer, *Fake) {
		f := o.impl.(*backup).f
		r, _ := f.R.(requestor.Restorer)
		return r, f
	}
	call := func(name string, args int, fn func(r requestor.Restorer, a []uintptr) error) method {
		return method{args, func(o *instance, a []uintptr) vss.HRESULT {
			r, f := restorer(o)
			f.record(name)
			if r == nil {
				return vss.ErrNotImpl
			}
			return hr(fn(r, a))
		}}
	}
	str := func(p uintptr) string { return com.WString(com.Ptr(p)) }
	fileSet := func(a []uintptr, i int) writer.FileSpec {
		return writer.FileSpec{Path: str(a[i]), Spec: str(a[i+1]), Recursive: a[i+2]&0xFF != 0, AlternatePath: str(a[i+3])}
	}
	m[vsscom.BCSetRestoreState] = call("SetRestoreState", 2, func(r requestor.Restorer, a []uintptr) error {
		return r.SetRestoreState(ctx, vss.RestoreType(int32(a[1])))
	})
	m[vsscom.BCSetRestoreOptions] = call("SetRestoreOptions", 5+G, func(r requestor.Restorer, a []uintptr) error {
		class, i := com.ArgGUID(a, 1)
		return r.SetRestoreOptions(ctx, class, component(a, i), str(a[i+3]))
	})
	m[vsscom.BCSetAdditionalRestores] = call("SetAdditionalRestores", 5+G, func(r requestor.Restorer, a []uintptr) error {
		class, i := com.ArgGUID(a, 1)
		return r.SetAdditionalRestores(ctx, class, component(a, i), a[i+3]&0xFF != 0)
	})
	m[vsscom.BCAddRestoreSubcomponent] = call("AddRestoreSubcomponent", 7+G, func(r requestor.Restorer, a []uintptr) error {
		class, i := com.ArgGUID(a, 1)
		return r.AddRestoreSubcomponent(ctx, class, component(a, i), str(a[i+3]), str(a[i+4]))
	})
	m[vsscom.BCAddAlternativeLocationMapping] = call("AddAlternativeLocationMapping", 8+G, func(r requestor.Restorer, a []uintptr) error {
		class, i := com.ArgGUID(a, 1)
		return r.AddAlternativeLocationMapping(ctx, class, component(a, i), fileSet(a, i+3))
	})
	m[vsscom.BCAddNewTarget] = call("AddNewTarget", 8+G, func(r requestor.Restorer, a []uintptr) error {
		class, i := com.ArgGUID(a, 1)
		return r.AddNewTarget(ctx, class, component(a, i), fileSet(a, i+3))
	})
	m[vsscom.BCSetFileRestoreStatus] = call("SetFileRestoreStatus", 5+G, func(r requestor.Restorer, a []uintptr) error {
		class, i := com.ArgGUID(a, 1)
		return r.SetFileRestoreStatus(ctx, class, component(a, i), vss.FileRestoreStatus(int32(a[i+3])))
	})
	return m
}

// wcObject is a fake IVssWriterComponentsExt: two vtable pointers, as the
// C++ object has them.
type wcObject struct {
	vtbl    *uintptr // IVssWriterComponents: GetComponentCount, GetWriterInfo, GetComponent
	unknown *uintptr // IUnknown
}

// wcImpl is the state of a fake IVssWriterComponentsExt; it holds the
// object, which the registry knows only by address.
type wcImpl struct {
	wc        *requestor.WriterComponents
	obj       *wcObject
	component string // the vtable of the IVssComponent objects it hands out
}

// newWriterComponents registers a fake IVssWriterComponentsExt with one
// reference, under both of its addresses, and returns its pointer; its
// components are IVssComponent objects of the vtable component.
func newWriterComponents(wc *requestor.WriterComponents, component string) unsafe.Pointer {
	vtableOnce.Do(buildVtables)
	o := &wcObject{vtbl: &vtables["writercomponents"][0], unknown: &vtables["writercomponents.unknown"][0]}
	p := unsafe.Pointer(o)
	in := &instance{refs: 1, impl: &wcImpl{wc: wc, obj: o, component: component}} // impl keeps the object alive
	regMu.Lock()
	registry[uintptr(p)] = in
	registry[uintptr(p)+vsscom.WriterComponentsUnknownOffset] = in
	regMu.Unlock()
	return p
}

// buildRestoreVtables makes the vtables of the fake
// IVssWriterComponentsExt and IVssComponent.
func buildRestoreVtables() {
	impl := func(a []uintptr) *wcImpl {
		if o := lookup(a[0]); o != nil {
			return o.impl.(*wcImpl)
		}
		return nil
	}
	get := func(a []uintptr) *requestor.WriterComponents {
		if w := impl(a); w != nil {
			return w.wc
		}
		return nil
	}
	vt := make([]uintptr, vsscom.WCSlots)
	vt[vsscom.WCGetComponentCount] = callback(2, func(a []uintptr) uintptr {
		wc := get(a)
		if wc == nil {
			return uintptr(vss.ErrUnexpectedCOM)
		}
		putU32(a[1], uint32(len(wc.Components)))
		return uintptr(vss.OK)
	})
	vt[vsscom.WCGetWriterInfo] = callback(3, func(a []uintptr) uintptr {
		wc := get(a)
		if wc == nil {
			return uintptr(vss.ErrUnexpectedCOM)
		}
		com.PutGUID(a[1], wc.InstanceID)
		com.PutGUID(a[2], wc.ClassID)
		return uintptr(vss.OK)
	})
	vt[vsscom.WCGetComponent] = callback(3, func(a []uintptr) uintptr {
		wc := get(a)
		if wc == nil {
			return uintptr(vss.ErrUnexpectedCOM)
		}
		i := int(uint32(a[1]))
		if i >= len(wc.Components) {
			return uintptr(vss.ErrInvalidArg)
		}
		putPtr(a[2], newObject(impl(a).component, wc.Components[i]))
		return uintptr(vss.OK)
	})
	vtables["writercomponents"] = vt
	// The IUnknown part: its this pointer is the object's address plus
	// one pointer; releasing the last reference drops both addresses.
	const off = vsscom.WriterComponentsUnknownOffset
	vtables["writercomponents.unknown"] = []uintptr{
		callback(3, func(a []uintptr) uintptr { return uintptr(vss.ErrNotImpl) }),
		callback(1, func(a []uintptr) uintptr { return uintptr(addRef(a[0])) }),
		callback(1, func(a []uintptr) uintptr {
			n := release(a[0])
			if n == 0 {
				regMu.Lock()
				delete(registry, a[0]-off)
				regMu.Unlock()
			}
			return uintptr(n)
		}),
	}
	vtables["component"] = makeVtable(vsscom.CompEx2Slots, withComponentFailure(componentMethods()))
}

// componentMethods are the getters of the fake IVssComponent: they read a
// *writer.Component.
func componentMethods() map[int]method {
	get := func(o *instance) *writer.Component { return o.impl.(*writer.Component) }
	bstr := func(s func(c *writer.Component) string) method {
		return method{2, func(o *instance, a []uintptr) vss.HRESULT {
			v := s(get(o))
			if v == "" {
				putPtr(a[1], nil)
				return vss.False
			}
			p, err := com.AllocBSTR(v)
			putPtr(a[1], p)
			return hr(err)
		}}
	}
	u32 := func(v func(c *writer.Component) uint32) method {
		return method{2, func(o *instance, a []uintptr) vss.HRESULT { putU32(a[1], v(get(o))); return vss.OK }}
	}
	flag := func(v func(c *writer.Component) bool) method {
		return method{2, func(o *instance, a []uintptr) vss.HRESULT {
			if a[1] != 0 {
				b := byte(0)
				if v(get(o)) {
					b = 1
				}
				*(*byte)(com.Ptr(a[1])) = b
			}
			return vss.OK
		}}
	}
	return map[int]method{
		vsscom.CompGetLogicalPath:           bstr(func(c *writer.Component) string { return c.LogicalPath }),
		vsscom.CompGetComponentType:         u32(func(c *writer.Component) uint32 { return uint32(c.Type) }),
		vsscom.CompGetComponentName:         bstr(func(c *writer.Component) string { return c.Name }),
		vsscom.CompIsSelectedForRestore:     flag(func(c *writer.Component) bool { return c.SelectedForRestore }),
		vsscom.CompGetAdditionalRestores:    flag(func(c *writer.Component) bool { return c.AdditionalRestores }),
		vsscom.CompGetRestoreOptions:        bstr(func(c *writer.Component) string { return c.RestoreOptions }),
		vsscom.CompGetRestoreTarget:         u32(func(c *writer.Component) uint32 { return uint32(c.RestoreTarget) }),
		vsscom.CompGetFileRestoreStatus:     u32(func(c *writer.Component) uint32 { return uint32(c.FileRestoreStatus) }),
		vsscom.CompGetPreRestoreFailureMsg:  bstr(func(c *writer.Component) string { return c.PreRestoreFailureMsg }),
		vsscom.CompGetPostRestoreFailureMsg: bstr(func(c *writer.Component) string { return c.PostRestoreFailureMsg }),
	}
}
