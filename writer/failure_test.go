package writer_test

import (
	"errors"
	"testing"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/writer"
)

// CVssWriter::SetWriterFailure lists the five codes it can set, and may
// not be called from OnIdentify.
func TestSetWriterFailureAcceptsTheFiveWriterErrorsOnly(t *testing.T) {
	for _, code := range []vss.HRESULT{vss.ErrWriterInconsistentSnapshot, vss.ErrWriterNonRetryable,
		vss.ErrWriterOutOfResources, vss.ErrWriterRetryable, vss.ErrWriterTimeout} {
		e := &writer.Event{Kind: writer.EventFreeze}
		if err := e.SetWriterFailure(code); err != nil {
			t.Fatalf("SetWriterFailure(%v): %v", code, err)
		}
		if f := e.Failure; f == nil || f.Code != code || !f.Failed() {
			t.Errorf("Failure = %+v; want %v", f, code)
		}
	}
	for _, code := range []vss.HRESULT{vss.OK, vss.ErrWriterPartialFailure, vss.ErrBadState} {
		e := &writer.Event{Kind: writer.EventFreeze}
		if err := e.SetWriterFailure(code); !errors.Is(err, vss.ErrInvalidArg) {
			t.Errorf("SetWriterFailure(%v) = %v, want E_INVALIDARG", code, err)
		}
		if e.Failure != nil {
			t.Errorf("SetWriterFailure(%v) recorded a failure it refused", code)
		}
	}
	e := &writer.Event{Kind: writer.EventIdentify}
	if err := e.SetWriterFailure(vss.ErrWriterRetryable); !errors.Is(err, vss.ErrBadState) {
		t.Errorf("SetWriterFailure at Identify = %v, want VSS_E_BAD_STATE", err)
	}
}

// CVssWriterEx2::SetWriterFailureEx also accepts S_OK and
// VSS_E_WRITERERROR_PARTIAL_FAILURE, with an application code and message.
func TestSetWriterFailureExRecordsApplicationCodeAndMessage(t *testing.T) {
	e := &writer.Event{Kind: writer.EventPostSnapshot}
	if err := e.SetWriterFailureEx(vss.ErrWriterPartialFailure, 0x80004005, "database 2 is offline"); err != nil {
		t.Fatal(err)
	}
	want := writer.Failure{Code: vss.ErrWriterPartialFailure, Application: 0x80004005, Message: "database 2 is offline"}
	if e.Failure == nil || *e.Failure != want {
		t.Fatalf("Failure = %+v, want %+v", e.Failure, want)
	}
	f := *e.Failure
	if s := f.String(); s != "VSS_E_WRITERERROR_PARTIAL_FAILURE (application 0x80004005: database 2 is offline)" {
		t.Errorf("String = %q", s)
	}
	if err := e.SetWriterFailureEx(vss.OK, 0x1, "warning only"); err != nil {
		t.Fatal(err)
	}
	if e.Failure.Failed() {
		t.Errorf("S_OK recorded as a failure: %+v", e.Failure)
	}
	if err := e.SetWriterFailureEx(vss.ErrAccessDenied, 0, ""); !errors.Is(err, vss.ErrInvalidArg) {
		t.Errorf("SetWriterFailureEx(E_ACCESSDENIED) = %v, want E_INVALIDARG", err)
	}
}

// IVssComponentEx2::SetFailure records a component's own failure; it
// accepts S_OK and the writer errors, not PARTIAL_FAILURE (its page's
// table), and not at Identify.
func TestComponentSetFailureRecordsOneComponentsFailure(t *testing.T) {
	c := &writer.Component{Type: vss.ComponentDatabase, Name: "db2"}
	if err := c.SetFailure(vss.ErrWriterNonRetryable, 0x8007000E, "out of memory"); err != nil {
		t.Fatal(err)
	}
	if c.Failure == nil || c.Failure.Code != vss.ErrWriterNonRetryable || c.Failure.Message != "out of memory" {
		t.Fatalf("Failure = %+v", c.Failure)
	}
	if err := c.SetFailure(vss.ErrWriterPartialFailure, 0, ""); !errors.Is(err, vss.ErrInvalidArg) {
		t.Errorf("SetFailure(PARTIAL_FAILURE) = %v, want E_INVALIDARG", err)
	}
	cl := c.Clone()
	cl.Failure.Message = "changed"
	if c.Failure.Message != "out of memory" {
		t.Error("Clone shares the failure")
	}
}

// A file set added without a mask gets VSS_FSBT_ALL_BACKUP_REQUIRED |
// VSS_FSBT_ALL_SNAPSHOT_REQUIRED (VSS_FILE_SPEC_BACKUP_TYPE page), and the
// mask says which backup types need it.
func TestFileSpecBackupTypeMaskDefaultsAndSelectsByBackupType(t *testing.T) {
	md := writer.NewMetadata(writer.Info{Name: "w"})
	if _, err := md.AddComponent(writer.ComponentInfo{Type: vss.ComponentDatabase, Name: "db"}); err != nil {
		t.Fatal(err)
	}
	if err := md.AddDatabaseFiles("", "db", writer.FileSpec{Path: `C:\db`, Spec: "*.mdf"}); err != nil {
		t.Fatal(err)
	}
	logs := writer.FileSpec{Path: `C:\db`, Spec: "*.ldf",
		BackupType: vss.FSBTFullBackupRequired | vss.FSBTLogBackupRequired | vss.FSBTLogSnapshotRequired}
	if err := md.AddDatabaseLogFiles("", "db", logs); err != nil {
		t.Fatal(err)
	}
	c := md.Components[0]
	if got := c.DatabaseFiles[0].BackupType; got != 0xF0F {
		t.Errorf("default mask = %#x, want 0xF0F", got)
	}
	if !c.DatabaseFiles[0].BackupRequired(vss.BackupIncremental) || !c.DatabaseFiles[0].SnapshotRequired(vss.BackupCopy) {
		t.Error("the default mask should require every backup type, from a shadow copy")
	}
	lf := c.LogFiles[0]
	for bt, want := range map[vss.BackupType][2]bool{
		vss.BackupFull: {true, false}, vss.BackupLog: {true, true}, vss.BackupIncremental: {false, false},
		vss.BackupDifferential: {false, false}, vss.BackupCopy: {true, false},
	} {
		if lf.BackupRequired(bt) != want[0] || lf.SnapshotRequired(bt) != want[1] {
			t.Errorf("%v: backup %v snapshot %v, want %v", bt, lf.BackupRequired(bt), lf.SnapshotRequired(bt), want)
		}
	}
	if (writer.FileSpec{}).EffectiveBackupType() != writer.DefaultFileSpecBackupType {
		t.Error("a mask the document did not give reads as the default")
	}
}

// "If a requester's backup type is VSS_BT_INCREMENTAL and a particular
// writer's backup schema does not support that sort of backup, the
// requester will always perform a full (VSS_BT_FULL) backup on that
// writer's data", and likewise for differential, log and copy.
//
// /work/shared/reference/sdkapi/vss/ne-vss-vss_backup_type.md
// https://learn.microsoft.com/windows/win32/api/vss/ne-vss-vss_backup_type
func TestBackupTypeUnsupportedByTheWritersSchemaIsFull(t *testing.T) {
	md := writer.NewMetadata(writer.Info{Name: "w"})
	md.SetBackupSchema(vss.SchemaIncremental | vss.SchemaCopy)
	for bt, want := range map[vss.BackupType]vss.BackupType{
		vss.BackupFull: vss.BackupFull, vss.BackupIncremental: vss.BackupIncremental, vss.BackupCopy: vss.BackupCopy,
		vss.BackupDifferential: vss.BackupFull, vss.BackupLog: vss.BackupFull, vss.BackupOther: vss.BackupOther,
	} {
		if got := md.BackupTypeFor(bt); got != want {
			t.Errorf("BackupTypeFor(%v) = %v, want %v", bt, got, want)
		}
	}
}
