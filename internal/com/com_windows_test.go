//go:build windows && (amd64 || arm64)

package com

import (
	"syscall"
	"testing"
	"unsafe"

	"github.com/vsskit/vss"
)

// oneMethod is a COM object whose only method is slot 0: the vtable
// pointer first, as COM lays objects out.
type oneMethod struct {
	vtbl *[1]uintptr
}

var (
	got    []uintptr
	record = syscall.NewCallback(func(this, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10 uintptr) uintptr {
		got = []uintptr{this, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10}
		return 0x1234
	})
	vtbl = [1]uintptr{record}
)

// TestGUIDByValueRoundTrip passes GUIDs by value, the way VSS methods take
// them, through a real call, at every argument position (including the
// one where, on arm64, a GUID must skip the last register for the stack),
// and reads them back as a COM server would.
func TestGUIDByValueRoundTrip(t *testing.T) {
	id := vss.MustParseID("{6A1B3C2D-4E5F-4071-8293-A4B5C6D7E8F9}")
	obj := &oneMethod{vtbl: &vtbl}
	for before := 0; before <= 6; before++ {
		a := new(Args)
		for i := 0; i < before; i++ {
			a.Uint(uintptr(100 + i))
		}
		a.GUID(id).Uint(77)
		if r := Call(unsafe.Pointer(obj), 0, a); r != 0x1234 {
			t.Fatalf("call returned %#x", r)
		}
		if got[0] != uintptr(unsafe.Pointer(obj)) {
			t.Fatalf("this = %#x, want %p", got[0], obj)
		}
		for i := 0; i < before; i++ {
			if got[1+i] != uintptr(100+i) {
				t.Fatalf("%d args before: arg %d = %d", before, i, got[1+i])
			}
		}
		back, next := ArgGUID(got, 1+before)
		if back != id {
			t.Errorf("%d args before: GUID read back as %v, want %v", before, back, id)
		}
		if got[next] != 77 {
			t.Errorf("%d args before: the argument after the GUID is %d, want 77", before, got[next])
		}
	}
}

func TestBSTRRoundTripAndCount(t *testing.T) {
	start := LiveBSTRs()
	for _, s := range []string{"", "Registry Writer", "Écriture ✓ 𝄞", "a\x00b"} {
		b, err := AllocBSTR(s)
		if err != nil {
			t.Fatal(err)
		}
		if LiveBSTRs() != start+1 {
			t.Errorf("live BSTRs = %d, want %d", LiveBSTRs(), start+1)
		}
		if got := TakeBSTR(b); got != s {
			t.Errorf("BSTR round trip: %q, want %q", got, s)
		}
	}
	if LiveBSTRs() != start {
		t.Errorf("live BSTRs = %d after freeing all, want %d", LiveBSTRs(), start)
	}
}

func TestTaskMemString(t *testing.T) {
	start := LiveTaskMem()
	p, err := TaskMemString(`\\?\GLOBALROOT\Device\HarddiskVolumeShadowCopy7`)
	if err != nil {
		t.Fatal(err)
	}
	if got := WString(p); got != `\\?\GLOBALROOT\Device\HarddiskVolumeShadowCopy7` {
		t.Errorf("read back %q", got)
	}
	TaskMemFree(p)
	if LiveTaskMem() != start {
		t.Errorf("live CoTaskMem blocks = %d, want %d", LiveTaskMem(), start)
	}
}

func TestThreadRunsCOMCallsInOrderAndCloses(t *testing.T) {
	th, err := NewThread()
	if err != nil {
		t.Fatal(err)
	}
	var order []int
	for i := 0; i < 3; i++ {
		if !th.Do(func() { order = append(order, i) }) {
			t.Fatal("Do refused before Close")
		}
	}
	th.Close()
	th.Close()
	if th.Do(func() { t.Error("ran after Close") }) {
		t.Error("Do ran after Close")
	}
	if len(order) != 3 || order[2] != 2 {
		t.Errorf("ran %v", order)
	}
}

func TestNullAndNULStrings(t *testing.T) {
	a := new(Args)
	if err := a.Str("", true); err != nil || a.list[0] != 0 {
		t.Errorf("empty optional string: %v, %v", a.list, err)
	}
	if err := a.Str("C:\\\x00", false); vss.CodeOf(err) != vss.ErrInvalidArg {
		t.Errorf("string with NUL: %v, want E_INVALIDARG", err)
	}
}
