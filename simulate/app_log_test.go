package simulate_test

import (
	"context"
	"io/fs"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/simulate"
	"github.com/vsskit/vss/writer"
)

// logDB is the component of the database whose log the writer keeps.
var logDB = writer.ComponentKey{Type: vss.ComponentDatabase, Name: "orders"}

// logWriter returns a writer that keeps log and declares logDB, with its
// log files as the database's log files.
func logWriter(log *simulate.AppLog, opts ...simulate.WriterOption) *simulate.ScriptedWriter {
	return simulate.NewScriptedWriter("Database", append(opts, simulate.WithAppLog(log),
		simulate.WithIdentify(func(_ context.Context, md *writer.Metadata) error {
			if _, err := md.AddComponent(writer.ComponentInfo{Type: logDB.Type, Name: logDB.Name, Selectable: true}); err != nil {
				return err
			}
			if err := md.AddDatabaseFiles("", logDB.Name, writer.FileSpec{Path: `C:\db`, Spec: "orders.mdf"}); err != nil {
				return err
			}
			return md.AddDatabaseLogFiles("", logDB.Name, writer.FileSpec{Path: `C:\log`, Spec: "*.log"})
		}))...)
}

// backupOfType runs a component-mode backup of type bt of logDB on vol,
// with previous (if not empty) as the previous backup stamp; it returns
// the log files in the shadow copy, the backup components document, and
// the PrepareBackup event the writer received.
func backupOfType(t *testing.T, vol *simulate.Volume, w *simulate.ScriptedWriter, bt vss.BackupType, previous string) ([]string, *requestor.BackupDocument, *writer.Event) {
	t.Helper()
	vols := simulate.NewVolumeSet(vol)
	s, _, err := simulate.NewSession(simulate.Config{Seed: 7, Writers: []writer.Writer{w},
		Providers: []provider.Provider{simulate.NewSystemProvider(vols)}, Volumes: vols})
	require.NoError(t, err)
	defer s.Close()
	ctx := context.Background()
	info := w.Info()
	require.NoError(t, s.InitializeForBackup(ctx, ""))
	require.NoError(t, s.SetBackupState(ctx, requestor.BackupState{SelectComponents: true, Type: bt}))
	require.NoError(t, s.GatherWriterMetadata(ctx))
	require.NoError(t, s.AddComponent(ctx, info.InstanceID, info.ClassID, logDB))
	if previous != "" {
		require.NoError(t, s.SetPreviousBackupStamp(ctx, info.ClassID, logDB, previous))
	}
	_, err = s.StartSnapshotSet(ctx)
	require.NoError(t, err)
	snapID, err := s.AddToSnapshotSet(ctx, vol.Name(), vss.NilID)
	require.NoError(t, err)
	require.NoError(t, s.PrepareForBackup(ctx))
	require.NoError(t, s.DoSnapshotSet(ctx))
	fsys, err := s.SnapshotFS(ctx, snapID)
	require.NoError(t, err)
	inCopy, err := fs.Glob(fsys, "log/*.log")
	require.NoError(t, err)
	require.NoError(t, s.SetBackupSucceeded(ctx, info.InstanceID, info.ClassID, logDB, true))
	require.NoError(t, s.BackupComplete(ctx))
	x, err := s.SaveAsXML(ctx)
	require.NoError(t, err)
	d, err := requestor.ParseBackupDocument([]byte(x))
	require.NoError(t, err)
	return inCopy, d, w.LastEvent(writer.EventPrepareBackup)
}

// A copy backup never truncates application logs; a full backup does,
// at BackupComplete, and only the log files its shadow copy holds. That
// is why copy is the safe backup type for a tool that does not keep the
// application's logs: "Log files should never be truncated as a result of
// a copy backup", while after a full (or log) backup they may be, and
// the tool then holds the only copy.
//
// /work/shared/reference/msdocs/writer-role-in-backing-up-complex-stores.md
// https://learn.microsoft.com/windows/win32/vss/writer-role-in-backing-up-complex-stores
// /work/shared/reference/sdkapi/vss/ne-vss-vss_backup_type.md
// https://learn.microsoft.com/windows/win32/api/vss/ne-vss-vss_backup_type
func TestRuleCopyBackupNeverTruncatesApplicationLogsFullBackupDoes(t *testing.T) {
	vol := simulate.NewVolume(`C:\`)
	log := simulate.NewAppLog(vol, "log")
	w := logWriter(log)
	for range 3 {
		_, err := log.Append([]byte("txn"))
		require.NoError(t, err)
	}
	want := []string{"log/00000001.log", "log/00000002.log", "log/00000003.log"}

	inCopy, _, _ := backupOfType(t, vol, w, vss.BackupCopy, "")
	assert.Equal(t, want, inCopy)
	files, err := log.Files()
	require.NoError(t, err)
	assert.Equal(t, want, files, "a copy backup leaves the logs untouched")

	inCopy, d, _ := backupOfType(t, vol, w, vss.BackupFull, "")
	assert.Equal(t, want, inCopy, "the full backup's shadow copy holds the logs")
	files, err = log.Files()
	require.NoError(t, err)
	assert.Empty(t, files, "the full backup truncated the logs at BackupComplete")
	assert.Equal(t, "log:log/00000003.log", d.Component(w.Info().InstanceID, logDB).BackupStamp)
}

// An incremental backup after a full one: the writer sees, at
// PrepareBackup, the stamp the full backup's document recorded, the new
// document records the new stamp, and this log, truncated by full and
// log backups only, keeps the files the incremental backup holds.
//
// /work/shared/reference/msdocs/requestor-role-in-vss-incremental-and-differential-backups.md
// https://learn.microsoft.com/windows/win32/vss/requestor-role-in-vss-incremental-and-differential-backups
func TestRuleIncrementalBackupAfterFullSeesThePreviousStamp(t *testing.T) {
	vol := simulate.NewVolume(`C:\`)
	log := simulate.NewAppLog(vol, "")
	w := logWriter(log)
	_, err := log.Append([]byte("txn 1"))
	require.NoError(t, err)
	_, full, _ := backupOfType(t, vol, w, vss.BackupFull, "")
	stamp := full.Component(w.Info().InstanceID, logDB).BackupStamp
	require.Equal(t, "log:log/00000001.log", stamp)

	_, err = log.Append([]byte("txn 2"))
	require.NoError(t, err)
	inCopy, incr, pb := backupOfType(t, vol, w, vss.BackupIncremental, stamp)
	require.NotNil(t, pb)
	assert.Equal(t, stamp, pb.Components[0].PreviousBackupStamp, "the writer sees the previous stamp")
	c := incr.Component(w.Info().InstanceID, logDB)
	assert.Equal(t, "log:log/00000002.log", c.BackupStamp, "the document records the new stamp")
	assert.Equal(t, stamp, c.PreviousBackupStamp)
	assert.Equal(t, []string{"log/00000002.log"}, inCopy)
	files, err := log.Files()
	require.NoError(t, err)
	assert.Equal(t, []string{"log/00000002.log"}, files, "an incremental backup does not truncate this log")
}

// A component its writer fails alone (IVssComponentEx2::SetFailure) is
// not backed up: requestor.Backup reports it with SetBackupSucceeded
// false, and the writer, which truncates its log only for a backup that
// holds it, keeps the log.
//
// /work/shared/reference/sdkapi/vswriter/nf-vswriter-ivsscomponentex2-getfailure.md
// /work/shared/reference/sdkapi/vsbackup/nf-vsbackup-ivssbackupcomponents-setbackupsucceeded.md
func TestRuleAFailedComponentIsNotReportedBackedUp(t *testing.T) {
	vol := simulate.NewVolume(`C:\`)
	vols := simulate.NewVolumeSet(vol)
	log := simulate.NewAppLog(vol, "")
	_, err := log.Append([]byte("txn"))
	require.NoError(t, err)
	failing := logWriter(log, simulate.On(writer.EventPostSnapshot, simulate.Behavior{Do: func(_ context.Context, e *writer.Event) {
		_ = e.Components[0].SetFailure(vss.ErrWriterRetryable, 0, "orders.mdf unreadable")
	}}))
	s, _, err := simulate.NewSession(simulate.Config{Seed: 5, Writers: []writer.Writer{failing},
		Providers: []provider.Provider{simulate.NewSystemProvider(vols)}, Volumes: vols})
	require.NoError(t, err)
	defer s.Close()
	info := failing.Info()
	res, err := requestor.Backup(context.Background(), s, requestor.Plan{Volumes: []string{`C:\`}, Type: vss.BackupFull,
		Components: []requestor.ComponentSelection{{WriterInstance: info.InstanceID, WriterClass: info.ClassID, Component: logDB}}})
	require.NoError(t, err, "the writer did not fail: the backup of its other data goes on")
	d, err := requestor.ParseBackupDocument([]byte(res.BackupDocument))
	require.NoError(t, err)
	c := d.Component(info.InstanceID, logDB)
	require.NotNil(t, c)
	assert.False(t, c.BackupSucceeded)
	require.NotNil(t, c.Failure)
	assert.Equal(t, vss.ErrWriterRetryable, c.Failure.Code)
	files, err := log.Files()
	require.NoError(t, err)
	assert.Len(t, files, 1, "the log of a component not backed up is not truncated")
}
