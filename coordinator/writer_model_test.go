package coordinator_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/coordinator"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/simulate"
	"github.com/vsskit/vss/writer"
)

// The rules of what writers record (failures, stamps, files) and what the
// backup components document keeps of it, one test each.

// salesDB is the component the writers of these tests declare.
var salesDB = writer.ComponentKey{Type: vss.ComponentDatabase, LogicalPath: "SQL", Name: "sales"}

// dbWriter returns a scripted writer named name that declares salesDB.
func dbWriter(name string, opts ...simulate.WriterOption) *simulate.ScriptedWriter {
	declare := simulate.WithIdentify(func(_ context.Context, md *writer.Metadata) error {
		if _, err := md.AddComponent(writer.ComponentInfo{Type: salesDB.Type, LogicalPath: salesDB.LogicalPath,
			Name: salesDB.Name, Selectable: true}); err != nil {
			return err
		}
		return md.AddDatabaseFiles(salesDB.LogicalPath, salesDB.Name, writer.FileSpec{Path: `C:\db`, Spec: "sales.mdf"})
	})
	return simulate.NewScriptedWriter(name, append([]simulate.WriterOption{declare}, opts...)...)
}

// componentBackup runs a component-mode backup of type bt of salesDB of
// w on C:\, calling before (if set) after AddComponent, and returns the
// session, still open, with its writer status gathered.
func componentBackup(t *testing.T, w *simulate.ScriptedWriter, bt vss.BackupType, before func(s *coordinator.Session)) *coordinator.Session {
	t.Helper()
	vols := simulate.NewVolumeSet(simulate.NewVolume(`C:\`))
	s, _, err := simulate.NewSession(simulate.Config{Seed: 1, Writers: []writer.Writer{w},
		Providers: []provider.Provider{simulate.NewSystemProvider(vols)}, Volumes: vols})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	ctx := context.Background()
	require.NoError(t, s.InitializeForBackup(ctx, ""))
	require.NoError(t, s.SetBackupState(ctx, requestor.BackupState{SelectComponents: true, Type: bt}))
	require.NoError(t, s.GatherWriterMetadata(ctx))
	info := w.Info()
	require.NoError(t, s.AddComponent(ctx, info.InstanceID, info.ClassID, salesDB))
	if before != nil {
		before(s)
	}
	_, err = s.StartSnapshotSet(ctx)
	require.NoError(t, err)
	_, err = s.AddToSnapshotSet(ctx, `C:\`, vss.NilID)
	require.NoError(t, err)
	require.NoError(t, s.PrepareForBackup(ctx))
	require.NoError(t, s.DoSnapshotSet(ctx))
	require.NoError(t, s.SetBackupSucceeded(ctx, info.InstanceID, info.ClassID, salesDB, true))
	require.NoError(t, s.BackupComplete(ctx))
	require.NoError(t, s.GatherWriterStatus(ctx))
	return s
}

// statusOf returns the one writer's status of s.
func statusOf(t *testing.T, s *coordinator.Session) requestor.WriterStatus {
	t.Helper()
	st, err := s.WriterStatus(context.Background())
	require.NoError(t, err)
	require.Len(t, st, 1)
	return st[0]
}

// documentOf returns s's backup components document, parsed.
func documentOf(t *testing.T, s *coordinator.Session) *requestor.BackupDocument {
	t.Helper()
	x, err := s.SaveAsXML(context.Background())
	require.NoError(t, err)
	d, err := requestor.ParseBackupDocument([]byte(x))
	require.NoError(t, err)
	return d
}

// A writer vetoes "by calling the CVssWriter::SetWriterFailure method in
// one of its handler methods ... and returning TRUE": the handler that
// records a failure and returns success fails its event all the same,
// with the code it recorded, and a veto at Freeze brings Abort as a
// failure at Freeze does.
//
// /work/shared/reference/msdocs/writer-errors-and-vetoes.md
// https://learn.microsoft.com/windows/win32/vss/writer-errors-and-vetoes
// /work/shared/reference/sdkapi/vswriter/nf-vswriter-cvsswriter-setwriterfailure.md
func TestRuleSetWriterFailureAndReturningSuccessIsAVeto(t *testing.T) {
	w := dbWriter("Vetoer", simulate.On(writer.EventFreeze, simulate.Behavior{Do: func(_ context.Context, e *writer.Event) {
		if err := e.SetWriterFailure(vss.ErrWriterInconsistentSnapshot); err != nil {
			panic(err)
		}
	}}))
	s := componentBackup(t, w, vss.BackupFull, nil)
	st := statusOf(t, s)
	assert.Equal(t, vss.WriterFailedAtFreeze, st.State)
	assert.Equal(t, vss.ErrWriterInconsistentSnapshot, st.Failure, "the recorded code, not NONRETRYABLE")
	assert.Equal(t, writer.EventFreeze, st.FailedAt)
	assert.Equal(t, 1, w.Count(writer.EventAbort), "a veto at Freeze is answered with Abort")
	assert.Zero(t, w.Count(writer.EventThaw))
}

// A handler that returns an error after recording a failure fails with
// the code it recorded, not the one its error would give
// (CVssWriter::SetWriterFailure sets "an error condition" the requestor
// reads with GetWriterStatus).
//
// /work/shared/reference/sdkapi/vswriter/nf-vswriter-cvsswriter-setwriterfailure.md
// https://learn.microsoft.com/windows/win32/api/vswriter/nf-vswriter-cvsswriter-setwriterfailure
func TestRuleRecordedWriterFailureIsTheCodeReported(t *testing.T) {
	w := dbWriter("Failer", simulate.On(writer.EventPrepareSnapshot, simulate.Behavior{
		Err: vss.ErrWriterNonRetryable,
		Do: func(_ context.Context, e *writer.Event) {
			_ = e.SetWriterFailure(vss.ErrWriterOutOfResources)
		}}))
	s := componentBackup(t, w, vss.BackupFull, nil)
	st := statusOf(t, s)
	assert.Equal(t, vss.WriterFailedAtPrepareSnapshot, st.State)
	assert.Equal(t, vss.ErrWriterOutOfResources, st.Failure)
}

// CVssWriterEx2::SetWriterFailureEx gives the requestor an application
// code and message (IVssBackupComponentsEx3::GetWriterStatusEx returns
// them), and VSS_E_WRITERERROR_PARTIAL_FAILURE says the writer failed
// components, each recorded with IVssComponentEx2::SetFailure, which the
// requestor reads per component (IVssComponentEx2::GetFailure), here in
// WriterStatus and in the backup components document.
//
// /work/shared/reference/sdkapi/vswriter/nf-vswriter-cvsswriterex2-setwriterfailureex.md
// /work/shared/reference/sdkapi/vsbackup/nf-vsbackup-ivssbackupcomponentsex3-getwriterstatusex.md
// /work/shared/reference/sdkapi/vswriter/nf-vswriter-ivsscomponentex2-setfailure.md
// /work/shared/reference/sdkapi/vswriter/nf-vswriter-ivsscomponentex2-getfailure.md
// https://learn.microsoft.com/windows/win32/api/vswriter/nf-vswriter-ivsscomponentex2-setfailure
func TestRulePartialFailureIsReadPerComponent(t *testing.T) {
	compFailure := writer.Failure{Code: vss.ErrWriterRetryable, Application: 0x80070020, Message: "sales.mdf is locked"}
	w := dbWriter("Partial", simulate.On(writer.EventPostSnapshot, simulate.Behavior{Do: func(_ context.Context, e *writer.Event) {
		if err := e.Components[0].SetFailure(compFailure.Code, compFailure.Application, compFailure.Message); err != nil {
			panic(err)
		}
		if err := e.SetWriterFailureEx(vss.ErrWriterPartialFailure, 0x80004005, "1 of 1 databases failed"); err != nil {
			panic(err)
		}
	}}))
	s := componentBackup(t, w, vss.BackupFull, nil)
	st := statusOf(t, s)
	assert.Equal(t, vss.ErrWriterPartialFailure, st.Failure)
	assert.Equal(t, vss.WriterFailedAtPostSnapshot, st.State)
	assert.Equal(t, vss.HRESULT(0x80004005), st.ApplicationFailure)
	assert.Equal(t, "1 of 1 databases failed", st.ApplicationMessage)
	assert.Equal(t, []requestor.ComponentFailure{{Component: salesDB, Failure: compFailure}}, st.ComponentFailures)
	got, failed := st.ComponentFailed(salesDB)
	assert.True(t, failed)
	assert.Equal(t, compFailure, got)

	c := documentOf(t, s).Component(w.Info().InstanceID, salesDB)
	require.NotNil(t, c)
	require.NotNil(t, c.Failure, "the document keeps the component's failure")
	assert.Equal(t, compFailure, *c.Failure)
}

// SetWriterFailureEx with S_OK reports an application code and message
// without failing the writer; SetFailure alone fails the component, not
// the writer ("In addition to calling this method, use
// SetWriterFailureEx to report that a partial writer failure has
// occurred").
//
// /work/shared/reference/sdkapi/vswriter/nf-vswriter-cvsswriterex2-setwriterfailureex.md
// /work/shared/reference/sdkapi/vswriter/nf-vswriter-ivsscomponentex2-setfailure.md
func TestRuleSetWriterFailureExWithSOKAndComponentFailureAloneDoNotFailTheWriter(t *testing.T) {
	w := dbWriter("Warner", simulate.On(writer.EventPrepareBackup, simulate.Behavior{Do: func(_ context.Context, e *writer.Event) {
		_ = e.SetWriterFailureEx(vss.OK, 0x1, "log nearly full")
		_ = e.Components[0].SetFailure(vss.ErrWriterRetryable, 0, "")
	}}))
	s := componentBackup(t, w, vss.BackupFull, nil)
	st := statusOf(t, s)
	assert.False(t, st.Failed(), "%+v", st)
	assert.Equal(t, vss.WriterStable, st.State)
	assert.Equal(t, "log nearly full", st.ApplicationMessage)
	_, failed := st.ComponentFailed(salesDB)
	assert.True(t, failed)
}

// An incremental backup after a full one: the writer records a backup
// stamp at PostSnapshot ("Writers typically call SetBackupStamp while
// handling a PostSnapshot event"), the document keeps it, the requestor
// hands it back with SetPreviousBackupStamp before PrepareForBackup, the
// writer reads it (GetPreviousBackupStamp) at PrepareBackup, and the new
// document records the new stamp beside the previous one. Backup options
// travel the same way.
//
// /work/shared/reference/msdocs/requestor-role-in-vss-incremental-and-differential-backups.md
// https://learn.microsoft.com/windows/win32/vss/requestor-role-in-vss-incremental-and-differential-backups
// /work/shared/reference/sdkapi/vswriter/nf-vswriter-ivsscomponent-setbackupstamp.md
// /work/shared/reference/sdkapi/vsbackup/nf-vsbackup-ivssbackupcomponents-setpreviousbackupstamp.md
// /work/shared/reference/sdkapi/vsbackup/nf-vsbackup-ivssbackupcomponents-setbackupoptions.md
func TestRuleIncrementalBackupHandsTheWriterThePreviousStamp(t *testing.T) {
	backups := 0
	stamper := func() simulate.WriterOption {
		return simulate.On(writer.EventPostSnapshot, simulate.Behavior{Do: func(_ context.Context, e *writer.Event) {
			backups++
			e.Components[0].SetBackupStamp("lsn:" + string(rune('0'+backups)))
		}})
	}
	full := dbWriter("Stamper", stamper())
	first := componentBackup(t, full, vss.BackupFull, nil)
	d1 := documentOf(t, first)
	c1 := d1.Component(full.Info().InstanceID, salesDB)
	require.NotNil(t, c1)
	assert.Equal(t, "lsn:1", c1.BackupStamp, "the full backup's document records the writer's stamp")
	assert.Equal(t, vss.BackupFull, d1.Type)

	incr := dbWriter("Stamper", stamper())
	second := componentBackup(t, incr, vss.BackupIncremental, func(s *coordinator.Session) {
		var ib requestor.IncrementalBackuper = s
		ctx := context.Background()
		require.NoError(t, ib.SetPreviousBackupStamp(ctx, incr.Info().ClassID, salesDB, c1.BackupStamp))
		require.NoError(t, ib.SetBackupOptions(ctx, incr.Info().ClassID, salesDB, "verify=1"))
	})
	pb := incr.LastEvent(writer.EventPrepareBackup)
	require.NotNil(t, pb)
	assert.Equal(t, vss.BackupIncremental, pb.BackupType)
	require.Len(t, pb.Components, 1)
	assert.Equal(t, "lsn:1", pb.Components[0].PreviousBackupStamp, "the writer sees the previous stamp at PrepareBackup")
	assert.Equal(t, "verify=1", pb.Components[0].BackupOptions)

	d2 := documentOf(t, second)
	c2 := d2.Component(incr.Info().InstanceID, salesDB)
	require.NotNil(t, c2)
	assert.Equal(t, vss.BackupIncremental, d2.Type)
	assert.Equal(t, "lsn:2", c2.BackupStamp, "the document records the new stamp")
	assert.Equal(t, "lsn:1", c2.PreviousBackupStamp)
	assert.Equal(t, "verify=1", c2.BackupOptions)
}

// SetPreviousBackupStamp and SetBackupOptions name a component added with
// AddComponent (else VSS_E_OBJECT_NOT_FOUND) and must be called before
// PrepareForBackup (else VSS_E_BAD_STATE).
//
// /work/shared/reference/sdkapi/vsbackup/nf-vsbackup-ivssbackupcomponents-setpreviousbackupstamp.md
// /work/shared/reference/sdkapi/vsbackup/nf-vsbackup-ivssbackupcomponents-setbackupoptions.md
func TestRuleSetPreviousBackupStampNamesASelectedComponentBeforePrepareForBackup(t *testing.T) {
	w := dbWriter("Stamper")
	ctx := context.Background()
	class := w.Info().ClassID
	other := writer.ComponentKey{Type: vss.ComponentDatabase, Name: "other"}
	componentBackup(t, w, vss.BackupIncremental, func(s *coordinator.Session) {
		assert.ErrorIs(t, s.SetPreviousBackupStamp(ctx, class, other, "x"), vss.ErrObjectNotFound)
		assert.ErrorIs(t, s.SetBackupOptions(ctx, vss.ID{9}, salesDB, "x"), vss.ErrObjectNotFound)
		require.NoError(t, s.SetPreviousBackupStamp(ctx, class, salesDB, "lsn:0"))
	})
	s := componentBackup(t, dbWriter("Stamper"), vss.BackupIncremental, nil)
	assert.ErrorIs(t, s.SetPreviousBackupStamp(ctx, class, salesDB, "late"), vss.ErrBadState)
	assert.ErrorIs(t, s.SetBackupOptions(ctx, class, salesDB, "late"), vss.ErrBadState)
}

// Partial files (IVssComponent::AddPartialFile) and differenced files
// (AddDifferencedFilesByLastModifyTime, "typically while handling the
// PostSnapshot event") a writer declares appear in the backup components
// document; what it records at BackupComplete does not (SetBackupStamp and
// AddDifferencedFilesByLastModifyTime answer VSS_E_BAD_STATE "while
// handling a BackupComplete or BackupShutdown event").
//
// /work/shared/reference/sdkapi/vswriter/nf-vswriter-ivsscomponent-addpartialfile.md
// /work/shared/reference/sdkapi/vswriter/nf-vswriter-ivsscomponent-adddifferencedfilesbylastmodifytime.md
// /work/shared/reference/sdkapi/vss/ne-vss-vss_file_spec_backup_type.md
func TestRulePartialAndDifferencedFilesAppearInTheDocument(t *testing.T) {
	since := time.Date(2026, 11, 29, 22, 0, 0, 0, time.UTC)
	w := dbWriter("Differ", simulate.On(writer.EventPostSnapshot, simulate.Behavior{Do: func(_ context.Context, e *writer.Event) {
		c := e.Components[0]
		_ = c.AddPartialFile(`C:\db`, "sales.mdf", "0:65536", "")
		_ = c.AddDifferencedFilesByLastModifyTime(`C:\db\logs`, "*.ldf", false, since)
	}}), simulate.On(writer.EventBackupComplete, simulate.Behavior{Do: func(_ context.Context, e *writer.Event) {
		c := e.Components[0]
		c.SetBackupStamp("too late")
		_ = c.AddDifferencedFilesByLastModifyTime(`C:\late`, "*", false, since)
	}}))
	s := componentBackup(t, w, vss.BackupDifferential, nil)
	c := documentOf(t, s).Component(w.Info().InstanceID, salesDB)
	require.NotNil(t, c)
	assert.Equal(t, []writer.PartialFile{{Path: `C:\db`, Name: "sales.mdf", Ranges: "0:65536"}}, c.PartialFiles)
	require.Len(t, c.DifferencedFiles, 1, "what the writer recorded at BackupComplete is not kept")
	assert.Equal(t, `C:\db\logs`, c.DifferencedFiles[0].Path)
	assert.True(t, c.DifferencedFiles[0].LastModifyTime.Equal(since))
	assert.Empty(t, c.BackupStamp)
}

// A failure set on the event by hand, with a code that is no writer
// error, counts as VSS_E_WRITERERROR_NONRETRYABLE, as any error that is
// not a writer error does (this library's rule, as for returned errors).
func TestRuleFailureSetByHandWithAnotherCodeIsNonRetryable(t *testing.T) {
	w := dbWriter("ByHand", simulate.On(writer.EventPrepareBackup, simulate.Behavior{Do: func(_ context.Context, e *writer.Event) {
		e.Failure = &writer.Failure{Code: vss.ErrBadState, Message: "set by hand"}
	}}))
	s := componentBackup(t, w, vss.BackupFull, nil)
	st := statusOf(t, s)
	assert.Equal(t, vss.WriterFailedAtPrepareBackup, st.State)
	assert.Equal(t, vss.ErrWriterNonRetryable, st.Failure)
	assert.Equal(t, "set by hand", st.ApplicationMessage)
}
