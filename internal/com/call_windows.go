//go:build windows && (amd64 || arm64)

package com

import (
	"runtime"
	"syscall"
	"unsafe"

	"github.com/vsskit/vss"
)

// maxSlots bounds the vtables this package reads; IVssBackupComponents,
// the largest it calls, has 51 slots.
const maxSlots = 64

// Args builds the argument list of a COM call. Memory it points into (GUID
// copies, UTF-16 strings) is kept alive until the call returns.
type Args struct {
	list []uintptr
	keep []any
}

// Uint appends an integer argument (UINT, LONG, DWORD, boolean, enum).
func (a *Args) Uint(v uintptr) *Args { a.list = append(a.list, v); return a }

// Bool appends a boolean or WINBOOL argument.
func (a *Args) Bool(b bool) *Args {
	if b {
		return a.Uint(1)
	}
	return a.Uint(0)
}

// Ptr appends a pointer argument, for example an out parameter.
func (a *Args) Ptr(p unsafe.Pointer) *Args {
	a.list = append(a.list, uintptr(p))
	a.keep = append(a.keep, p)
	return a
}

// Str appends an LPCWSTR argument: s as a NUL-terminated UTF-16 string,
// or NULL when s is empty and null is true. A string holding NUL is
// refused with E_INVALIDARG.
func (a *Args) Str(s string, null bool) error {
	if s == "" && null {
		return a.Uint(0).ok()
	}
	p, err := syscall.UTF16PtrFromString(s)
	if err != nil {
		return vss.Errorf(vss.ErrInvalidArg, "", "string %q holds a NUL character", s)
	}
	a.Ptr(unsafe.Pointer(p))
	return nil
}

func (a *Args) ok() error { return nil }

// Call calls slot of the COM interface obj with args after the implicit
// this pointer, and returns what the method returned: an HRESULT for most
// methods, a reference count for AddRef and Release.
func Call(obj unsafe.Pointer, slot int, args *Args) uintptr {
	if obj == nil || slot < 0 || slot >= maxSlots {
		return uintptr(vss.ErrInvalidArg)
	}
	vtbl := *(**[maxSlots]uintptr)(obj)
	all := make([]uintptr, 0, 12)
	all = append(all, uintptr(obj))
	if args != nil {
		all = append(all, args.list...)
	}
	r, _, _ := syscall.SyscallN(vtbl[slot], all...)
	if args != nil {
		runtime.KeepAlive(args.keep)
	}
	runtime.KeepAlive(obj)
	return r
}

// HR is Call for a method returning HRESULT.
func HR(obj unsafe.Pointer, slot int, args *Args) vss.HRESULT {
	return vss.HRESULT(uint32(Call(obj, slot, args)))
}

// Release calls IUnknown::Release on obj, if it is not nil, and returns the
// remaining reference count.
func Release(obj unsafe.Pointer) uint32 {
	if obj == nil {
		return 0
	}
	return uint32(Call(obj, 2, nil))
}

// AddRef calls IUnknown::AddRef on obj.
func AddRef(obj unsafe.Pointer) uint32 { return uint32(Call(obj, 1, nil)) }
