//go:build windows && (amd64 || arm64)

package vssfake

import (
	"sync"
	"unsafe"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/internal/com"
)

// object is the memory a COM pointer points to: the vtable pointer first,
// as COM requires. It is a Go heap object, which never moves; the
// registry keeps it alive while it has references.
type object struct {
	vtbl *uintptr
}

// method is one vtable slot: its argument count (this included) and what
// it does.
type method struct {
	args int
	fn   func(o *instance, a []uintptr) vss.HRESULT
}

// instance is the state behind one fake COM object.
type instance struct {
	obj  *object
	refs int
	impl any // *backup, *async, *examine or *enum
}

var (
	regMu    sync.Mutex
	registry = map[uintptr]*instance{}
)

// vtables are made once per process: callbacks cannot be freed and a
// process may make only about two thousand of them.
var (
	vtableOnce sync.Once
	notImpl    uintptr
	vtables    = map[string][]uintptr{}
)

// makeVtable builds a vtable of n slots: IUnknown (whose QueryInterface
// answers for IUnknown alone), then the given methods; every other slot
// answers E_NOTIMPL.
func makeVtable(n int, methods map[int]method) []uintptr {
	vt := make([]uintptr, n)
	vt[0] = queryInterface() // IUnknown only; buildDerivedVtables gives some objects more
	vt[1] = callback(1, func(a []uintptr) uintptr { return uintptr(addRef(a[0])) })
	vt[2] = callback(1, func(a []uintptr) uintptr { return uintptr(release(a[0])) })
	for i := 3; i < n; i++ {
		vt[i] = notImpl
	}
	for slot, m := range methods {
		m := m
		vt[slot] = callback(m.args, func(a []uintptr) uintptr {
			o := lookup(a[0])
			if o == nil {
				return uintptr(vss.ErrUnexpectedCOM)
			}
			return uintptr(m.fn(o, a))
		})
	}
	return vt
}

// newObject registers a new COM object of the given vtable with one
// reference and returns its COM pointer.
func newObject(vtable string, impl any) unsafe.Pointer {
	vtableOnce.Do(buildVtables)
	vt := vtables[vtable]
	o := &object{vtbl: &vt[0]}
	p := unsafe.Pointer(o)
	regMu.Lock()
	registry[uintptr(p)] = &instance{obj: o, refs: 1, impl: impl}
	regMu.Unlock()
	return p
}

func lookup(this uintptr) *instance {
	regMu.Lock()
	defer regMu.Unlock()
	return registry[this]
}

func addRef(this uintptr) uint32 {
	regMu.Lock()
	defer regMu.Unlock()
	o := registry[this]
	if o == nil {
		return 0
	}
	o.refs++
	return uint32(o.refs)
}

func release(this uintptr) uint32 {
	regMu.Lock()
	o := registry[this]
	if o == nil {
		regMu.Unlock()
		return 0
	}
	o.refs--
	n := o.refs
	if n == 0 {
		delete(registry, this)
	}
	regMu.Unlock()
	if n == 0 {
		if c, ok := o.impl.(interface{ final() }); ok {
			c.final()
		}
	}
	return uint32(n)
}

// Live returns how many fake COM objects still have references, of every
// kind. A test that released everything sees 0.
func Live() int {
	regMu.Lock()
	defer regMu.Unlock()
	return len(registry)
}

// out helpers: write an out parameter through a raw pointer argument.
func putU32(p uintptr, v uint32) {
	if p != 0 {
		*(*uint32)(com.Ptr(p)) = v
	}
}

func putPtr(p uintptr, v unsafe.Pointer) {
	if p != 0 {
		*(*unsafe.Pointer)(com.Ptr(p)) = v
	}
}

// hr is the HRESULT a COM server would return for err.
func hr(err error) vss.HRESULT { return vss.CodeOf(err) }

func buildVtables() {
	notImpl = callback(1, func(a []uintptr) uintptr { return uintptr(vss.ErrNotImpl) })
	vtables["backup"] = makeVtable(backupSlots, withFailures(withIncremental(withRestore(withWriterChoice(backupMethods())))))
	vtables["async"] = makeVtable(asyncSlots, asyncMethods())
	vtables["examine"] = makeVtable(examineSlots, examineMethods())
	vtables["enum"] = makeVtable(enumSlots, enumMethods())
	buildRestoreVtables()
	buildDerivedVtables()
}
