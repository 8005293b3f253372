//go:build windows && (amd64 || arm64)

package requestor_test

import (
	"context"
	"reflect"
	"slices"
	"testing"
	"unsafe"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/internal/com"
	"github.com/vsskit/vss/internal/vsscom"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/simulate"
	"github.com/vsskit/vss/writer"
)

// ledgerFailure is the component failure partialWriter records.
var ledgerFailure = writer.Failure{Code: vss.ErrWriterRetryable, Application: 0x80070020, Message: "ledger.mdf is locked"}

// partialWriter fails ledgerDB at PostSnapshot (IVssComponentEx2::
// SetFailure) and says so for the writer (SetWriterFailureEx with
// VSS_E_WRITERERROR_PARTIAL_FAILURE, an application code and a message).
func partialWriter() *simulate.ScriptedWriter {
	return ledgerWriter("Partial", simulate.On(writer.EventPostSnapshot, simulate.Behavior{Do: func(_ context.Context, e *writer.Event) {
		if err := e.Components[0].SetFailure(ledgerFailure.Code, ledgerFailure.Application, ledgerFailure.Message); err != nil {
			panic(err)
		}
		if err := e.SetWriterFailureEx(vss.ErrWriterPartialFailure, 0x80004005, "1 of 1 databases failed"); err != nil {
			panic(err)
		}
	}}))
}

// A writer's application failure and message (SetWriterFailureEx) and its
// components' failures (IVssComponentEx2::SetFailure) reach a Windows
// session's WriterStatus through the COM layer as a simulated session
// reports them: GetWriterStatusEx on the IVssBackupComponentsEx3 that
// QueryInterface gives, and GetFailure on the IVssComponentEx2 of each
// component GetWriterComponents hands out. Every BSTR they return is
// freed (open checks it).
//
// /work/shared/reference/sdkapi/vsbackup/nf-vsbackup-ivssbackupcomponentsex3-getwriterstatusex.md
// /work/shared/reference/sdkapi/vswriter/nf-vswriter-ivsscomponentex2-getfailure.md
// /work/shared/reference/sdkapi/vsbackup/nf-vsbackup-ivssbackupcomponents-getwritercomponents.md
func TestWindowsWriterFailureExThroughCOM(t *testing.T) {
	w := partialWriter()
	wd := newWorld(t, w, simulate.NewScriptedWriter("Bystander"))
	r, _ := componentBackupThroughCOM(t, wd, vss.BackupFull, nil)
	st, err := r.WriterStatus(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]requestor.WriterStatus{
		"Partial": {InstanceID: w.Info().InstanceID, ClassID: w.Info().ClassID, Name: "Partial",
			State: vss.WriterFailedAtPostSnapshot, Failure: vss.ErrWriterPartialFailure,
			FailedAt: writer.EventPostSnapshot, Detail: vss.ErrWriterPartialFailure.Error(),
			ApplicationFailure: 0x80004005, ApplicationMessage: "1 of 1 databases failed",
			ComponentFailures: []requestor.ComponentFailure{{Component: ledgerDB, Failure: ledgerFailure}}},
	}
	for _, s := range st {
		if s.Name == "Bystander" {
			if s.Failed() || s.ApplicationFailure != vss.OK || s.ApplicationMessage != "" || s.ComponentFailures != nil {
				t.Errorf("Bystander, which recorded nothing: %+v", s)
			}
			continue
		}
		if !reflect.DeepEqual(s, want[s.Name]) {
			t.Errorf("status through COM\n%+v\nwant\n%+v", s, want[s.Name])
		}
		delete(want, s.Name)
	}
	if len(want) != 0 {
		t.Errorf("no status for %v in %+v", want, st)
	}

	// The same backup on a simulated session alone reports the same
	// (but for Detail, the writer's own text there).
	sim := newWorld(t, partialWriter(), simulate.NewScriptedWriter("Bystander"))
	componentBackup(t, sim.fake.R, sim.writers[0].Info(), vss.BackupFull, nil)
	simulated, err := sim.fake.R.WriterStatus(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, list := range [][]requestor.WriterStatus{st, simulated} {
		for i := range list {
			list[i].Detail = ""
		}
	}
	if !reflect.DeepEqual(st, simulated) {
		t.Errorf("through COM\n%+v\nsimulated\n%+v", st, simulated)
	}

	calls := wd.fake.Calls()
	for _, c := range []string{"GetWriterStatusEx", "GetWriterComponents"} {
		if !slices.Contains(calls, c) {
			t.Errorf("%s never reached the fake VSS: %v", c, calls)
		}
	}
	if slices.Contains(calls, "GetWriterStatus") {
		t.Errorf("GetWriterStatus was called where GetWriterStatusEx serves: %v", calls)
	}
}

// Where VSS lacks IVssBackupComponentsEx3 and IVssComponentEx2 (before
// Windows 7 and Windows Server 2008 R2), QueryInterface answers
// E_NOINTERFACE: the session falls back to GetWriterStatus, which gives
// the writer's failure alone, and reports no application failure and no
// component failures rather than failing.
func TestWindowsWriterStatusWithoutEx3FallsBack(t *testing.T) {
	wd := newWorld(t, partialWriter())
	wd.fake.Legacy = true
	r, _ := componentBackupThroughCOM(t, wd, vss.BackupFull, nil)
	st, err := r.WriterStatus(context.Background())
	if err != nil || len(st) != 1 {
		t.Fatalf("WriterStatus = %+v, %v", st, err)
	}
	s := st[0]
	if s.Failure != vss.ErrWriterPartialFailure || s.State != vss.WriterFailedAtPostSnapshot ||
		s.ApplicationFailure != vss.OK || s.ApplicationMessage != "" || s.ComponentFailures != nil {
		t.Errorf("status through GetWriterStatus: %+v", s)
	}
	calls := wd.fake.Calls()
	if !slices.Contains(calls, "GetWriterStatus") || slices.Contains(calls, "GetWriterStatusEx") {
		t.Errorf("want GetWriterStatus and no GetWriterStatusEx: %v", calls)
	}
}

// The fake objects' QueryInterface is as strict as COM: E_POINTER for a
// NULL out pointer, E_NOINTERFACE with *ppv set to NULL for an interface
// the object lacks, the object itself (one reference more) for one it
// has; and GetWriterStatusEx refuses the NULL out parameters its SDK page
// refuses (E_INVALIDARG).
func TestFakeQueryInterfaceAndGetWriterStatusExAreStrict(t *testing.T) {
	wd := newWorld(t)
	for _, legacy := range []bool{false, true} {
		wd.fake.Legacy = legacy
		p, err := wd.fake.Create()
		if err != nil {
			t.Fatal(err)
		}
		qi := func(iid vss.ID) (unsafe.Pointer, vss.HRESULT) {
			w := iid.WindowsBytes()
			out := unsafe.Pointer(&w) // not NULL: QueryInterface must clear it
			return out, com.HR(p, vsscom.QueryInterface, new(com.Args).Ptr(unsafe.Pointer(&w)).Ptr(unsafe.Pointer(&out)))
		}
		w := vsscom.IIDBackupComponents.WindowsBytes()
		if hr := com.HR(p, vsscom.QueryInterface, new(com.Args).Ptr(unsafe.Pointer(&w)).Uint(0)); hr != vsscom.EPointer {
			t.Errorf("QueryInterface with a NULL ppv = %v, want E_POINTER", hr)
		}
		if out, hr := qi(vsscom.IIDComponentEx2); hr != vsscom.ENoInterface || out != nil {
			t.Errorf("QueryInterface(IVssComponentEx2) on the backup components = %v, %p; want E_NOINTERFACE, NULL", hr, out)
		}
		out, hr := qi(vsscom.IIDBackupComponentsEx3)
		switch {
		case legacy && (hr != vsscom.ENoInterface || out != nil):
			t.Errorf("legacy QueryInterface(IVssBackupComponentsEx3) = %v, %p; want E_NOINTERFACE, NULL", hr, out)
		case !legacy && (hr != vss.OK || out != p):
			t.Errorf("QueryInterface(IVssBackupComponentsEx3) = %v, %p; want S_OK and the object %p", hr, out, p)
		case !legacy:
			var inst, class [16]byte
			var name, msg unsafe.Pointer
			var state, failure, app uint32
			a := new(com.Args).Uint(0).Ptr(unsafe.Pointer(&inst)).Ptr(unsafe.Pointer(&class)).Uint(0).
				Ptr(unsafe.Pointer(&state)).Ptr(unsafe.Pointer(&failure)).Ptr(unsafe.Pointer(&app)).Ptr(unsafe.Pointer(&msg))
			if hr := com.HR(out, vsscom.BCEx3GetWriterStatusEx, a); hr != vss.ErrInvalidArg || name != nil {
				t.Errorf("GetWriterStatusEx with a NULL pbstrWriter = %v, want E_INVALIDARG", hr)
			}
			if n := com.Release(out); n != 1 {
				t.Errorf("after releasing the interface QueryInterface gave, %d references, want 1", n)
			}
		}
		com.Release(p)
	}
}

// The fake IVssComponentEx2::GetFailure refuses a NULL for any of its out
// parameters ("This parameter is required and cannot be NULL", each, on
// its SDK page) with E_INVALIDARG, and gives what the writer recorded.
//
// /work/shared/reference/sdkapi/vswriter/nf-vswriter-ivsscomponentex2-getfailure.md
func TestFakeGetFailureIsStrict(t *testing.T) {
	wd := newWorld(t, partialWriter())
	componentBackupThroughCOM(t, wd, vss.BackupFull, nil)
	// A second object on the same fake VSS, whose session made the
	// backup: its document holds the failed component.
	p, err := wd.fake.Create()
	if err != nil {
		t.Fatal(err)
	}
	defer com.Release(p)
	ok := func(what string, hr vss.HRESULT) {
		t.Helper()
		if hr != vss.OK {
			t.Fatalf("%s = %v", what, hr)
		}
	}
	var wc, c, ex2 unsafe.Pointer
	ok("GetWriterComponents", com.HR(p, vsscom.BCGetWriterComponents, new(com.Args).Uint(0).Ptr(unsafe.Pointer(&wc))))
	defer com.Release(unsafe.Add(wc, vsscom.WriterComponentsUnknownOffset))
	ok("GetComponent", com.HR(wc, vsscom.WCGetComponent, new(com.Args).Uint(0).Ptr(unsafe.Pointer(&c))))
	defer com.Release(c)
	iid := vsscom.IIDComponentEx2.WindowsBytes()
	ok("QueryInterface(IVssComponentEx2)", com.HR(c, vsscom.QueryInterface, new(com.Args).Ptr(unsafe.Pointer(&iid)).Ptr(unsafe.Pointer(&ex2))))
	defer com.Release(ex2)

	var code, app, reserved uint32
	var msg unsafe.Pointer
	outs := []unsafe.Pointer{unsafe.Pointer(&code), unsafe.Pointer(&app), unsafe.Pointer(&msg), unsafe.Pointer(&reserved)}
	for null := range outs {
		a := new(com.Args)
		for i, o := range outs {
			if i == null {
				a.Uint(0)
			} else {
				a.Ptr(o)
			}
		}
		if hr := com.HR(ex2, vsscom.CompEx2GetFailure, a); hr != vss.ErrInvalidArg {
			t.Errorf("GetFailure with out parameter %d NULL = %v, want E_INVALIDARG", null, hr)
		}
		com.FreeBSTR(msg)
		msg = nil
	}
	a := new(com.Args)
	for _, o := range outs {
		a.Ptr(o)
	}
	ok("GetFailure", com.HR(ex2, vsscom.CompEx2GetFailure, a))
	got := writer.Failure{Code: vss.HRESULT(code), Application: vss.HRESULT(app), Message: com.TakeBSTR(msg)}
	if got != ledgerFailure {
		t.Errorf("GetFailure = %+v, want %+v", got, ledgerFailure)
	}
}
