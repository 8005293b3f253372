//go:build windows && (amd64 || arm64)

package com

import (
	"errors"
	"slices"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"golang.org/x/sys/windows"

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
		if err := th.Do(func() { order = append(order, i) }); err != nil {
			t.Fatalf("Do before Close: %v", err)
		}
	}
	th.Close()
	th.Close()
	if err := th.Do(func() { t.Error("ran after Close") }); !errors.Is(err, ErrClosed) {
		t.Errorf("Do after Close = %v, want ErrClosed", err)
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

// TestThreadRecoversAPanic: a panic in work run on the COM thread comes
// back to Do's caller as a *PanicError, with the thread's stack, and the
// thread goes on serving.
func TestThreadRecoversAPanic(t *testing.T) {
	th, err := NewThread()
	if err != nil {
		t.Fatal(err)
	}
	defer th.Close()
	err = th.Do(func() { panic("the work went wrong") })
	var pe *PanicError
	if !errors.As(err, &pe) || pe.Value != "the work went wrong" || !strings.Contains(string(pe.Stack), "TestThreadRecoversAPanic") {
		t.Fatalf("Do = %v, want a *PanicError with the value and the stack", err)
	}
	ran := false
	if err := th.Do(func() { ran = true }); err != nil || !ran {
		t.Errorf("Do after the panic = %v, ran %v; want the thread still serving", err, ran)
	}
}

// TestSecurityUsesMicrosoftsRequestorSettings: InitSecurity passes
// CoInitializeSecurity the parameter set of Microsoft's "Security
// Considerations for Requestors" for Windows 8 and later (NULL security
// descriptor, cAuthSvc -1, RPC_C_AUTHN_LEVEL_PKT_PRIVACY,
// RPC_C_IMP_LEVEL_IMPERSONATE, EOAC_STATIC_CLOAKING), once per process;
// RPC_E_TOO_LATE (the host set COM security first) is reported, not
// ignored.
func TestSecurityUsesMicrosoftsRequestorSettings(t *testing.T) {
	var got [][]uintptr
	restore := SetSecurityCallForTest(func(args []uintptr) vss.HRESULT {
		got = append(got, append([]uintptr(nil), args...))
		return vss.OK
	})
	defer restore()
	th, err := NewThread() // COM calls need a thread where COM is initialised
	if err != nil {
		t.Fatal(err)
	}
	defer th.Close()
	onThread := func(f func() error) (err error) {
		if perr := th.Do(func() { err = f() }); perr != nil {
			t.Fatal(perr)
		}
		return err
	}
	for range 2 {
		if err := onThread(InitSecurity); err != nil {
			t.Fatal(err)
		}
	}
	want := []uintptr{0, ^uintptr(0), 0, 0, 6, 3, 0, 0x20, 0}
	if len(got) != 1 || !slices.Equal(got[0], want) {
		t.Errorf("CoInitializeSecurity got %x, want once %x", got, want)
	}
	// The same page asks requestors to turn COM exception handling off.
	// (Wine accepts IGlobalOptions::Set but keeps nothing: Query answers 0
	// there, so only Windows shows the value.)
	var v uintptr
	if err := onThread(func() (err error) { v, err = ExceptionHandling(); return err }); err != nil {
		t.Fatal(err)
	}
	if v != comglbExceptionDoNotHandle && !underWine() {
		t.Errorf("COMGLB_EXCEPTION_HANDLING = %d, want COMGLB_EXCEPTION_DONOT_HANDLE", v)
	}

	SetSecurityCallForTest(func([]uintptr) vss.HRESULT { return RPCETooLate })
	err = onThread(InitSecurity)
	if vss.CodeOf(err) != RPCETooLate || !strings.Contains(err.Error(), "AcceptHostCOMSecurity") {
		t.Errorf("InitSecurity after the host set COM security = %v, want RPC_E_TOO_LATE naming the option", err)
	}
}

// TestBackupPrivilegeIsRestored: the privilege is enabled while a session
// holds it and goes back to disabled when the last one releases it; left
// enabled by the program, it stays enabled.
func TestBackupPrivilegeIsRestored(t *testing.T) {
	before, err := BackupPrivilegeEnabled()
	if err != nil {
		t.Fatal(err)
	}
	defer SetBackupPrivilegeForTest(before)
	for _, start := range []bool{false, true} {
		if err := SetBackupPrivilegeForTest(start); err != nil {
			t.Fatal(err)
		}
		r1, err := AcquireBackupPrivilege()
		if err != nil {
			t.Fatal(err)
		}
		r2, err := AcquireBackupPrivilege()
		if err != nil {
			t.Fatal(err)
		}
		check := func(when string, want bool) {
			t.Helper()
			if on, err := BackupPrivilegeEnabled(); err != nil || on != want {
				t.Errorf("started %v, %s: enabled = %v, %v; want %v", start, when, on, err, want)
			}
		}
		check("two sessions", true)
		if err := r1(); err != nil {
			t.Fatal(err)
		}
		check("one session left", true)
		if err := r2(); err != nil {
			t.Fatal(err)
		}
		_ = r2() // a second release changes nothing
		check("all released", start)
	}
}

// underWine reports whether the test runs under Wine, whose ntdll.dll
// exports wine_get_version.
func underWine() bool {
	return windows.NewLazySystemDLL("ntdll.dll").NewProc("wine_get_version").Find() == nil
}
