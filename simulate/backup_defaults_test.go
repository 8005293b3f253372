package simulate_test

import (
	"context"
	"strings"
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

// A tool that sets nothing in its Plan takes a COPY backup: the saved
// backup components document says so, and a database writer that
// truncates its log after a full backup leaves it alone. Microsoft's
// VSS_BACKUP_TYPE: VSS_BT_COPY "will not update the backup history"; its
// "Writer Role in Backing Up Complex Stores": a copy backup never
// truncates logs.
//
// /work/shared/reference/sdkapi/vss/ne-vss-vss_backup_type.md
// https://learn.microsoft.com/windows/win32/api/vss/ne-vss-vss_backup_type
func TestZeroPlanIsACopyBackupThatLeavesTheLogsAlone(t *testing.T) {
	ctx := context.Background()
	vol := simulate.NewVolume(`C:\`)
	vols := simulate.NewVolumeSet(vol)
	log := simulate.NewAppLog(vol, "log")
	_, err := log.Append([]byte("transactions 1 to 100"))
	require.NoError(t, err)
	before, err := log.Files()
	require.NoError(t, err)
	require.NotEmpty(t, before)
	db := simulate.NewScriptedWriter("Database", simulate.WithAppLog(log))
	s, _, err := simulate.NewSession(simulate.Config{Seed: 3, Writers: []writer.Writer{db},
		Providers: []provider.Provider{simulate.NewSystemProvider(vols)}, Volumes: vols})
	require.NoError(t, err)
	defer s.Close()

	res, err := requestor.Backup(ctx, s, requestor.Plan{Volumes: []string{`C:\`}})
	require.NoError(t, err)
	doc, err := requestor.ParseBackupDocument([]byte(res.BackupDocument))
	require.NoError(t, err)
	assert.Equal(t, vss.BackupCopy, doc.Type, "the saved document records a copy backup")
	after, err := log.Files()
	require.NoError(t, err)
	assert.Equal(t, before, after, "a copy backup leaves the writer's logs untouched")
}

// The computer of the retry tests: C:\ with one writer, the system
// provider, and two requestors' sessions, the tool's and another's.
func retryComputer(t *testing.T) (c *simulate.Computer, tool, other *coordinator.Session) {
	t.Helper()
	vols := simulate.NewVolumeSet(simulate.NewVolume(`C:\`))
	c, err := simulate.NewComputer(simulate.Config{Seed: 11,
		Writers:   []writer.Writer{simulate.NewScriptedWriter("Orders DB")},
		Providers: []provider.Provider{simulate.NewSystemProvider(vols)}, Volumes: vols})
	require.NoError(t, err)
	tool, err = c.NewSession(simulate.SessionConfig{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = tool.Close() })
	other, err = c.NewSession(simulate.SessionConfig{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = other.Close() })
	return c, tool, other
}

// holdSet has the other requestor start a snapshot set now and give it
// up (AbortBackup) after d of virtual time, as System Restore or a second
// backup product would hold the computer's one set.
func holdSet(t *testing.T, c *simulate.Computer, other *coordinator.Session, d time.Duration) {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, other.InitializeForBackup(ctx, ""))
	require.NoError(t, other.SetBackupState(ctx, requestor.BackupState{Type: vss.BackupCopy}))
	require.NoError(t, other.GatherWriterMetadata(ctx))
	_, err := other.StartSnapshotSet(ctx)
	require.NoError(t, err)
	c.Loop().After(d, func() { assert.NoError(t, other.AbortBackup(ctx)) })
}

// Another requestor holds the computer's snapshot set for 7 virtual
// seconds. StartSnapshotSet fails with VSS_E_SNAPSHOT_SET_IN_PROGRESS
// meanwhile, whose page says "Either wait to try again or return with a
// failure error code": with Plan.Retry, Backup waits on the session's
// virtual clock and succeeds on a later attempt, each attempt in Result
// and in the trace; without Retry it fails with
// vss.ErrSnapshotSetInProgress.
//
// /work/shared/reference/sdkapi/vsbackup/nf-vsbackup-ivssbackupcomponents-startsnapshotset.md
// https://learn.microsoft.com/windows/win32/api/vsbackup/nf-vsbackup-ivssbackupcomponents-startsnapshotset
func TestBackupRetriesWhileAnotherRequestorHoldsTheSet(t *testing.T) {
	ctx := context.Background()
	t.Run("with Retry", func(t *testing.T) {
		c, tool, other := retryComputer(t)
		holdSet(t, c, other, 7*time.Second)
		start := c.Loop().Elapsed()
		res, err := requestor.Backup(ctx, tool, requestor.Plan{Volumes: []string{`C:\`},
			Retry: requestor.Retry{Attempts: 5, Delay: 2 * time.Second}})
		require.NoError(t, err)
		require.Len(t, res.Snapshots, 1)
		// Refused at 0, 2 and 6 s (waits of 2 s then 4 s), started at 14 s
		// after a wait of 8 s: the set was given up at 7 s.
		require.Len(t, res.Attempts, 4)
		for _, a := range res.Attempts[:3] {
			assert.ErrorIs(t, a.Err, vss.ErrSnapshotSetInProgress)
			assert.Equal(t, "StartSnapshotSet", a.Step)
		}
		assert.NoError(t, res.Attempts[3].Err)
		assert.Equal(t, []time.Duration{2 * time.Second, 4 * time.Second, 8 * time.Second, 0},
			[]time.Duration{res.Attempts[0].Wait, res.Attempts[1].Wait, res.Attempts[2].Wait, res.Attempts[3].Wait})
		assert.GreaterOrEqual(t, c.Loop().Elapsed()-start, 14*time.Second)
		var refused, started int
		for _, r := range tool.Trace() {
			if r.Kind == coordinator.RecReturn && r.Call == coordinator.CallStartSnapshotSet {
				if vss.CodeOf(r.Err) == vss.ErrSnapshotSetInProgress {
					refused++
				} else if r.Err == nil {
					started++
				}
			}
		}
		assert.Equal(t, 3, refused, "the trace shows each refused attempt")
		assert.Equal(t, 1, started)
	})
	t.Run("without Retry", func(t *testing.T) {
		c, tool, other := retryComputer(t)
		holdSet(t, c, other, 7*time.Second)
		_, err := requestor.Backup(ctx, tool, requestor.Plan{Volumes: []string{`C:\`}})
		require.ErrorIs(t, err, vss.ErrSnapshotSetInProgress)
		assert.Equal(t, 1, strings.Count(err.Error(), "VSS_E_SNAPSHOT_SET_IN_PROGRESS"), "the code once: %v", err)
	})
}
