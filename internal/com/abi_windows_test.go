//go:build windows && (amd64 || arm64)

package com

import (
	"os"
	"testing"
	"unsafe"

	"golang.org/x/sys/windows"

	"github.com/vsskit/vss"
)

// abiRecord is the Record struct of internal/wineshim/abicheck.c.
type abiRecord struct {
	First, Second [16]byte
	Type          uint32
	Path, Name    [64]uint16
	Flag          uint32
	Calls         uint32
}

// TestArgsMatchTheCCallingConvention calls methods compiled by a C
// compiler from vsbackup.h's signatures (internal/wineshim/abicheck.c) and
// checks that they received what Args passed: GUIDs by value, wide
// strings, booleans and out pointers. .ci/wine builds the DLL and sets
// VSS_ABI_DLL.
func TestArgsMatchTheCCallingConvention(t *testing.T) {
	path := os.Getenv("VSS_ABI_DLL")
	if path == "" {
		t.Skip("VSS_ABI_DLL is not set: build internal/wineshim/abicheck.c (.ci/wine does) to run this test")
	}
	dll, err := windows.LoadDLL(path)
	if err != nil {
		t.Fatal(err)
	}
	defer dll.Release()
	objAddr, _, _ := dll.MustFindProc("AbiObject").Call()
	recAddr, _, _ := dll.MustFindProc("AbiRecord").Call()
	obj, rec := Ptr(objAddr), (*abiRecord)(Ptr(recAddr))
	inst := vss.MustParseID("{11223344-5566-4778-899A-ABBCCDDEEFF0}")
	class := vss.MustParseID("{0F1E2D3C-4B5A-4697-8877-665544332211}")

	a := new(Args).GUID(inst).GUID(class).Uint(uintptr(vss.ComponentFileGroup))
	if err := a.Str(`Shop\Orders`, true); err != nil {
		t.Fatal(err)
	}
	if err := a.Str("Ledger", false); err != nil {
		t.Fatal(err)
	}
	if hr := HR(obj, 3, a.Bool(true)); hr != vss.OK {
		t.Fatalf("SetBackupSucceeded returned %v", hr)
	}
	if vss.FromWindowsBytes(rec.First) != inst || vss.FromWindowsBytes(rec.Second) != class {
		t.Errorf("SetBackupSucceeded got GUIDs %v %v, want %v %v",
			vss.FromWindowsBytes(rec.First), vss.FromWindowsBytes(rec.Second), inst, class)
	}
	if rec.Type != uint32(vss.ComponentFileGroup) || windows.UTF16ToString(rec.Path[:]) != `Shop\Orders` ||
		windows.UTF16ToString(rec.Name[:]) != "Ledger" || rec.Flag != 1 {
		t.Errorf("SetBackupSucceeded got type %d, path %q, name %q, flag %d", rec.Type,
			windows.UTF16ToString(rec.Path[:]), windows.UTF16ToString(rec.Name[:]), rec.Flag)
	}

	var snap [16]byte
	a = new(Args)
	if err := a.Str(`C:\`, false); err != nil {
		t.Fatal(err)
	}
	if hr := HR(obj, 4, a.GUID(class).Ptr(unsafe.Pointer(&snap))); hr != vss.OK {
		t.Fatalf("AddToSnapshotSet returned %v", hr)
	}
	want := class.WindowsBytes()
	want[0], want[1], want[2], want[3] = ^want[0], ^want[1], ^want[2], ^want[3]
	if vss.FromWindowsBytes(rec.First) != class || windows.UTF16ToString(rec.Path[:]) != `C:\` || snap != want {
		t.Errorf("AddToSnapshotSet got %v %q and wrote %x, want %v %q and %x",
			vss.FromWindowsBytes(rec.First), windows.UTF16ToString(rec.Path[:]), snap, class, `C:\`, want)
	}

	var deleted int32
	var nondeleted [16]byte
	hr := HR(obj, 5, new(Args).GUID(inst).Uint(2).Bool(true).Ptr(unsafe.Pointer(&deleted)).Ptr(unsafe.Pointer(&nondeleted)))
	if hr != vss.ErrObjectNotFound || deleted != 7 || vss.FromWindowsBytes(nondeleted) != inst ||
		vss.FromWindowsBytes(rec.First) != inst || rec.Type != 2 || rec.Flag != 1 {
		t.Errorf("DeleteSnapshots: hr %v, deleted %d, nondeleted %v, got GUID %v type %d force %d",
			hr, deleted, vss.FromWindowsBytes(nondeleted), vss.FromWindowsBytes(rec.First), rec.Type, rec.Flag)
	}
	if rec.Calls != 3 {
		t.Errorf("%d calls reached the C object, want 3", rec.Calls)
	}
}
