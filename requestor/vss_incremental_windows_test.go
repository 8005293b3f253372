//go:build windows && (amd64 || arm64)

package requestor_test

import (
	"context"
	"errors"
	"testing"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/internal/com"
	"github.com/vsskit/vss/internal/vsscom"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/simulate"
	"github.com/vsskit/vss/writer"
)

// ledgerDB is the component the writers of these tests declare.
var ledgerDB = writer.ComponentKey{Type: vss.ComponentDatabase, LogicalPath: "SQL", Name: "ledger"}

// ledgerWriter returns a scripted writer named name that declares
// ledgerDB, a database on C:\.
func ledgerWriter(name string, opts ...simulate.WriterOption) *simulate.ScriptedWriter {
	declare := simulate.WithIdentify(func(_ context.Context, md *writer.Metadata) error {
		if _, err := md.AddComponent(writer.ComponentInfo{Type: ledgerDB.Type, LogicalPath: ledgerDB.LogicalPath,
			Name: ledgerDB.Name, Selectable: true}); err != nil {
			return err
		}
		return md.AddDatabaseFiles(ledgerDB.LogicalPath, ledgerDB.Name, writer.FileSpec{Path: `C:\db`, Spec: "ledger.mdf"})
	})
	return simulate.NewScriptedWriter(name, append([]simulate.WriterOption{declare}, opts...)...)
}

// componentBackupThroughCOM runs, through a Windows session on the fake
// COM objects of wd, a component-mode backup of type bt of ledgerDB of
// wd's first writer on C:\ (componentBackup), and returns the session,
// still open (close it before opening another: each session's end checks
// that no fake COM object is left), and the backup components document
// SaveAsXML gave.
func componentBackupThroughCOM(t *testing.T, wd *world, bt vss.BackupType,
	before func(r requestor.Windows)) (requestor.Windows, *requestor.BackupDocument) {
	t.Helper()
	r := wd.open(t, requestor.WindowsOptions{})
	doc := componentBackup(t, r, wd.writers[0].Info(), bt, func() {
		if before != nil {
			before(r)
		}
	})
	return r, doc
}

// componentBackup runs on r a component-mode backup of type bt of
// ledgerDB of the writer w names on C:\, calling before (if set) right
// after AddComponent, gathers the writer status and returns the backup
// components document SaveAsXML gave.
func componentBackup(t *testing.T, r requestor.Requestor, w writer.Info, bt vss.BackupType, before func()) *requestor.BackupDocument {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(r.InitializeForBackup(ctx, ""))
	must(r.SetBackupState(ctx, requestor.BackupState{SelectComponents: true, Type: bt}))
	must(r.GatherWriterMetadata(ctx))
	must(r.AddComponent(ctx, w.InstanceID, w.ClassID, ledgerDB))
	if before != nil {
		before()
	}
	_, err := r.StartSnapshotSet(ctx)
	must(err)
	_, err = r.AddToSnapshotSet(ctx, `C:\`, vss.NilID)
	must(err)
	must(r.PrepareForBackup(ctx))
	must(r.DoSnapshotSet(ctx))
	must(r.SetBackupSucceeded(ctx, w.InstanceID, w.ClassID, ledgerDB, true))
	must(r.BackupComplete(ctx))
	must(r.GatherWriterStatus(ctx))
	xml, err := r.SaveAsXML(ctx)
	must(err)
	doc, err := requestor.ParseBackupDocument([]byte(xml))
	must(err)
	return doc
}

// An incremental backup after a full one, through the COM layer: the
// requestor hands the full backup's stamp back with
// IVssBackupComponents::SetPreviousBackupStamp (vtable slot 25) and its
// options with SetBackupOptions (slot 21), before PrepareForBackup; the
// writer reads both at PrepareBackup, and the new document records the new
// stamp beside the previous one. Calls naming a component not added fail
// with VSS_E_OBJECT_NOT_FOUND, calls after PrepareForBackup with
// VSS_E_BAD_STATE, each HRESULT carried back through COM.
//
// /work/shared/reference/msdocs/requestor-role-in-vss-incremental-and-differential-backups.md
// /work/shared/reference/sdkapi/vsbackup/nf-vsbackup-ivssbackupcomponents-setpreviousbackupstamp.md
// /work/shared/reference/sdkapi/vsbackup/nf-vsbackup-ivssbackupcomponents-setbackupoptions.md
func TestWindowsIncrementalBackupThroughCOM(t *testing.T) {
	ctx := context.Background()
	backups := 0
	stamper := simulate.On(writer.EventPostSnapshot, simulate.Behavior{Do: func(_ context.Context, e *writer.Event) {
		backups++
		e.Components[0].SetBackupStamp("lsn:" + string(rune('0'+backups)))
	}})
	full := ledgerWriter("Stamper", stamper)
	r1, d1 := componentBackupThroughCOM(t, newWorld(t, full), vss.BackupFull, nil)
	c1 := d1.Component(full.Info().InstanceID, ledgerDB)
	if c1 == nil || c1.BackupStamp != "lsn:1" {
		t.Fatalf("the full backup's document holds %+v, want the stamp lsn:1", c1)
	}
	if err := r1.Close(); err != nil { // before the next session, whose end counts every COM object left
		t.Fatal(err)
	}

	incr := ledgerWriter("Stamper", stamper)
	class := incr.Info().ClassID
	r, d2 := componentBackupThroughCOM(t, newWorld(t, incr), vss.BackupIncremental, func(r requestor.Windows) {
		var ib requestor.IncrementalBackuper = r
		other := writer.ComponentKey{Type: vss.ComponentDatabase, Name: "other"}
		if err := ib.SetPreviousBackupStamp(ctx, class, other, "x"); !errors.Is(err, vss.ErrObjectNotFound) {
			t.Errorf("SetPreviousBackupStamp of a component not added = %v, want VSS_E_OBJECT_NOT_FOUND", err)
		}
		if err := ib.SetBackupOptions(ctx, vss.ID{9}, ledgerDB, "x"); !errors.Is(err, vss.ErrObjectNotFound) {
			t.Errorf("SetBackupOptions of another writer's component = %v, want VSS_E_OBJECT_NOT_FOUND", err)
		}
		if err := ib.SetPreviousBackupStamp(ctx, class, ledgerDB, c1.BackupStamp); err != nil {
			t.Fatal(err)
		}
		if err := ib.SetBackupOptions(ctx, class, ledgerDB, "verify=1"); err != nil {
			t.Fatal(err)
		}
	})
	pb := incr.LastEvent(writer.EventPrepareBackup)
	if pb == nil || len(pb.Components) != 1 {
		t.Fatalf("PrepareBackup = %+v, want one component", pb)
	}
	if pb.BackupType != vss.BackupIncremental || pb.Components[0].PreviousBackupStamp != "lsn:1" || pb.Components[0].BackupOptions != "verify=1" {
		t.Errorf("the writer saw %v, stamp %q, options %q at PrepareBackup; want incremental, lsn:1, verify=1",
			pb.BackupType, pb.Components[0].PreviousBackupStamp, pb.Components[0].BackupOptions)
	}
	c2 := d2.Component(incr.Info().InstanceID, ledgerDB)
	if c2 == nil || d2.Type != vss.BackupIncremental || c2.BackupStamp != "lsn:2" || c2.PreviousBackupStamp != "lsn:1" || c2.BackupOptions != "verify=1" {
		t.Errorf("the incremental backup's document holds %+v (type %v), want stamps lsn:2 and lsn:1, options verify=1", c2, d2.Type)
	}
	if err := r.SetPreviousBackupStamp(ctx, class, ledgerDB, "late"); !errors.Is(err, vss.ErrBadState) {
		t.Errorf("SetPreviousBackupStamp after PrepareForBackup = %v, want VSS_E_BAD_STATE", err)
	}
	if err := r.SetBackupOptions(ctx, class, ledgerDB, "late"); !errors.Is(err, vss.ErrBadState) {
		t.Errorf("SetBackupOptions after PrepareForBackup = %v, want VSS_E_BAD_STATE", err)
	}
}

// incrementalCalls makes the same calls on any session whose one writer
// is a scripted "Orders" with no component: SetPreviousBackupStamp and
// SetBackupOptions naming a component not added, which fail with
// VSS_E_OBJECT_NOT_FOUND, then Close.
func incrementalCalls(t *testing.T, r requestor.Requestor) {
	t.Helper()
	ctx := context.Background()
	if err := r.InitializeForBackup(ctx, ""); err != nil {
		t.Fatal(err)
	}
	if err := r.SetBackupState(ctx, requestor.BackupState{SelectComponents: true, Type: vss.BackupIncremental}); err != nil {
		t.Fatal(err)
	}
	if err := r.GatherWriterMetadata(ctx); err != nil {
		t.Fatal(err)
	}
	ib := r.(requestor.IncrementalBackuper)
	class := simulate.NewScriptedWriter("Orders").Info().ClassID
	if err := ib.SetPreviousBackupStamp(ctx, class, ledgerDB, "lsn:1"); !errors.Is(err, vss.ErrObjectNotFound) {
		t.Errorf("SetPreviousBackupStamp = %v, want VSS_E_OBJECT_NOT_FOUND", err)
	}
	if err := ib.SetBackupOptions(ctx, class, ledgerDB, "verify=1"); !errors.Is(err, vss.ErrObjectNotFound) {
		t.Errorf("SetBackupOptions = %v, want VSS_E_OBJECT_NOT_FOUND", err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
}

// SetPreviousBackupStamp and SetBackupOptions on a Windows session make
// the call records a simulated session makes for them (step 4, with the
// HRESULT that came back through COM).
func TestWindowsIncrementalCallsTraceAsSimulated(t *testing.T) {
	compareTraces(t, incrementalCalls, 12)
}

// The fake IVssBackupComponents is as strict as the SDK pages: a NULL
// component name ("cannot be NULL") or a NULL stamp or options string is
// refused with E_INVALIDARG before anything reaches the session behind
// it, so a requestor passing one fails its tests.
//
// /work/shared/reference/sdkapi/vsbackup/nf-vsbackup-ivssbackupcomponents-setpreviousbackupstamp.md
// /work/shared/reference/sdkapi/vsbackup/nf-vsbackup-ivssbackupcomponents-setbackupoptions.md
func TestFakeRefusesNULLInIncrementalCalls(t *testing.T) {
	w := newWorld(t, ledgerWriter("Ledger"))
	p, err := w.fake.Create()
	if err != nil {
		t.Fatal(err)
	}
	defer com.Release(p)
	class := w.writers[0].Info().ClassID
	for _, slot := range []int{vsscom.BCSetPreviousBackupStamp, vsscom.BCSetBackupOptions} {
		for _, nullName := range []bool{true, false} {
			a := new(com.Args).GUID(class).Uint(uintptr(ledgerDB.Type))
			if err := a.Str(ledgerDB.LogicalPath, true); err != nil {
				t.Fatal(err)
			}
			if nullName {
				a.Uint(0)
				if err := a.Str("lsn:1", false); err != nil {
					t.Fatal(err)
				}
			} else {
				if err := a.Str(ledgerDB.Name, false); err != nil {
					t.Fatal(err)
				}
				a.Uint(0)
			}
			if hr := com.HR(p, slot, a); hr != vss.ErrInvalidArg {
				t.Errorf("slot %d with a NULL (name %v, string %v) = %v, want E_INVALIDARG", slot, nullName, !nullName, hr)
			}
		}
	}
}
