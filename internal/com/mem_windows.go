//go:build windows && (amd64 || arm64)

package com

import (
	"sync/atomic"
	"unicode/utf16"
	"unsafe"

	"golang.org/x/sys/windows"

	"github.com/vsskit/vss"
)

var (
	oleaut32           = windows.NewLazySystemDLL("oleaut32.dll")
	procSysAllocStrLen = oleaut32.NewProc("SysAllocStringLen")
	procSysFreeString  = oleaut32.NewProc("SysFreeString")
	procSysStringLen   = oleaut32.NewProc("SysStringLen")
	ole32              = windows.NewLazySystemDLL("ole32.dll")
	procCoTaskMemAlloc = ole32.NewProc("CoTaskMemAlloc")
	procCoTaskMemFree  = ole32.NewProc("CoTaskMemFree")
)

// Live counts of the BSTRs and CoTaskMem blocks allocated and freed
// through this package. Both sides of a test (the code under test and the
// fake COM objects it calls) go through these functions, so a count that
// is not back to its starting value is a leak.
var liveBSTR, liveTaskMem atomic.Int64

// LiveBSTRs returns how many BSTRs allocated by AllocBSTR are not freed yet.
func LiveBSTRs() int64 { return liveBSTR.Load() }

// LiveTaskMem returns how many blocks allocated by TaskMemString are not
// freed yet.
func LiveTaskMem() int64 { return liveTaskMem.Load() }

// Ptr turns a raw pointer argument (as a COM callback receives it) into a
// pointer.
func Ptr(u uintptr) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&u)) }

// FromPtr reads the GUID at p, which holds it in Windows memory layout.
func FromPtr(p uintptr) vss.ID { return vss.FromWindowsBytes(*(*[16]byte)(Ptr(p))) }

// PutGUID writes id at p in Windows memory layout.
func PutGUID(p uintptr, id vss.ID) {
	if p != 0 {
		*(*[16]byte)(Ptr(p)) = id.WindowsBytes()
	}
}

// AllocBSTR allocates a BSTR holding s (SysAllocStringLen). The caller, or
// whoever it hands the BSTR to, frees it with FreeBSTR.
func AllocBSTR(s string) (unsafe.Pointer, error) {
	u := utf16.Encode([]rune(s))
	var p *uint16
	if len(u) > 0 {
		p = &u[0]
	}
	r, _, _ := procSysAllocStrLen.Call(uintptr(unsafe.Pointer(p)), uintptr(len(u)))
	if r == 0 {
		return nil, vss.Errorf(vss.ErrOutOfMemory, "SysAllocStringLen", "no memory for a BSTR of %d characters", len(u))
	}
	liveBSTR.Add(1)
	return Ptr(r), nil
}

// FreeBSTR frees a BSTR (SysFreeString); nil is ignored.
func FreeBSTR(b unsafe.Pointer) {
	if b == nil {
		return
	}
	procSysFreeString.Call(uintptr(b))
	liveBSTR.Add(-1)
}

// BSTRString returns the text of a BSTR, which may hold NULs; nil is "".
func BSTRString(b unsafe.Pointer) string {
	if b == nil {
		return ""
	}
	n, _, _ := procSysStringLen.Call(uintptr(b))
	return string(utf16.Decode(unsafe.Slice((*uint16)(b), int(n))))
}

// TakeBSTR returns the text of a BSTR a COM method handed over and frees it.
func TakeBSTR(b unsafe.Pointer) string {
	s := BSTRString(b)
	FreeBSTR(b)
	return s
}

// TaskMemString allocates a NUL-terminated UTF-16 copy of s with
// CoTaskMemAlloc, as COM servers return strings (VSS_PWSZ).
func TaskMemString(s string) (unsafe.Pointer, error) {
	u := utf16.Encode([]rune(s))
	u = append(u, 0)
	r, _, _ := procCoTaskMemAlloc.Call(uintptr(len(u) * 2))
	if r == 0 {
		return nil, vss.Errorf(vss.ErrOutOfMemory, "CoTaskMemAlloc", "no memory for a string of %d characters", len(u))
	}
	copy(unsafe.Slice((*uint16)(Ptr(r)), len(u)), u)
	liveTaskMem.Add(1)
	return Ptr(r), nil
}

// TaskMemFree frees memory a COM method allocated with CoTaskMemAlloc;
// nil is ignored.
func TaskMemFree(p unsafe.Pointer) {
	if p == nil {
		return
	}
	procCoTaskMemFree.Call(uintptr(p))
	liveTaskMem.Add(-1)
}

// WString reads a NUL-terminated UTF-16 string; nil is "".
func WString(p unsafe.Pointer) string {
	if p == nil {
		return ""
	}
	return windows.UTF16PtrToString((*uint16)(p))
}
