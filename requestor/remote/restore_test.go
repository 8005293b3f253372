package remote_test

import (
	"bytes"
	"context"
	"io/fs"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/requestor/media"
	"github.com/vsskit/vss/requestor/remote"
	"github.com/vsskit/vss/simulate"
	"github.com/vsskit/vss/writer"
)

// restoreMachine is a fresh machine to restore onto: an empty C:\, the
// same application (not started) and writer; at PostRestore, before the
// application reloads, it keeps the volume as the restore left it.
type restoreMachine struct {
	vol      *simulate.Volume
	restored *simulate.VolumeSnapshot
}

func newRestoreMachine(m *restoreMachine) (requestor.Requestor, error) {
	m.vol = simulate.NewVolume(`C:\`)
	vols := simulate.NewVolumeSet(m.vol)
	db := simulate.NewTransactionalApp(m.vol, simulate.AppConfig{Dir: "orders", Requests: 10})
	w := simulate.NewAppWriter(db, simulate.NewScriptedWriter("Orders", simulate.WithIdentify(db.DeclareFiles),
		simulate.On(writer.EventPostRestore, simulate.Behavior{Do: func(context.Context, *writer.Event) {
			m.restored = m.vol.Snapshot()
		}})))
	s, loop, err := simulate.NewSession(simulate.Config{Seed: 6, Writers: []writer.Writer{w},
		Providers: []provider.Provider{simulate.NewSystemProvider(vols)}, Volumes: vols})
	if err != nil {
		return nil, err
	}
	db.Start(loop)
	return s, nil
}

// sameBytes requires the files under dir of two file systems to be equal
// byte for byte, and at least one.
func sameBytes(t *testing.T, want, got fs.FS, dir string) {
	t.Helper()
	n := 0
	require.NoError(t, fs.WalkDir(want, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		w, err := fs.ReadFile(want, p)
		require.NoError(t, err)
		g, err := fs.ReadFile(got, p)
		require.NoError(t, err, "restored volume")
		require.True(t, bytes.Equal(w, g), "%s differs from the volume at the commit instant", p)
		n++
		return nil
	}))
	require.NotZero(t, n, "no file under %s", dir)
}

// The seed's remote configuration end to end: the aware application
// writes continuously on the agent's simulated machine; a backup runs
// through the agent on 127.0.0.1 and the backup server writes the media
// archive (requestor/media); the archive is restored through a restore
// session, locally onto a fresh simulated volume and through the agent
// onto a fresh volume of its machine (Session.Target), and both equal the
// volume at the commit instant byte for byte: the application's audit
// finds exactly the writes applied by the commit and no torn record.
// Microsoft: "Overview of Processing a Restore Under VSS".
func TestRemoteBackupAndRestoreEndToEnd(t *testing.T) {
	var backupM *awareMachine
	var remoteRestore restoreMachine
	opened := 0
	ta := startAgent(t, func() (requestor.Requestor, error) {
		opened++
		if opened == 1 {
			m, s, err := newAwareMachine(5, sampleFiles())
			backupM = m
			return s, err
		}
		return newRestoreMachine(&remoteRestore)
	}, remote.AgentConfig{RestoreTarget: func(_ context.Context, r requestor.Requestor) (requestor.Target, error) {
		if opened == 1 {
			return simulate.NewVolumeTarget(backupM.vol), nil
		}
		return simulate.NewVolumeTarget(remoteRestore.vol), nil
	}})
	c := ta.dial(t, remote.Options{})
	ctx := context.Background()

	// The backup, through the agent, into an archive here.
	r, _ := ta.session(t, c)
	require.True(t, r.Has(remote.CapRestoreTarget))
	var archive bytes.Buffer
	mw := media.NewWriter(&archive)
	res, err := requestor.Backup(ctx, r, requestor.Plan{Volumes: []string{`C:\`}, Copy: mw.CopySnapshots,
		Select: requestor.SelectByName("Orders", "orders")})
	require.NoError(t, err)
	wmd, err := media.WriterMetadataXML(ctx, r, res)
	require.NoError(t, err)
	require.NoError(t, mw.Finish(res.BackupDocument, wmd))
	require.NoError(t, r.Close())
	ta.waitEnd(t)
	require.NotNil(t, backupM.atCommit, "no CommitSnapshots on the agent")
	st := backupM.app.Stats()
	require.True(t, st.Acknowledged > 0 && st.Acknowledged < st.Requests, "the application was not writing during the backup: %+v", st)
	_, err = media.Verify(ctx, bytes.NewReader(archive.Bytes()))
	require.NoError(t, err)
	a, err := media.Open(bytes.NewReader(archive.Bytes()), int64(archive.Len()))
	require.NoError(t, err)

	check := func(restored *simulate.VolumeSnapshot) {
		t.Helper()
		require.NotNil(t, restored, "the writer received no PostRestore")
		sameBytes(t, backupM.atCommit.FS(), restored.FS(), "orders")
		audit, err := backupM.app.AuditSnapshot(restored.FS(), backupM.cut)
		require.NoError(t, err)
		require.NoError(t, audit.Exact, "the restored data is not the volume at the commit instant")
		require.NoError(t, audit.Consistent)
	}

	// Restored here, onto a fresh simulated volume.
	var local restoreMachine
	ls, err := newRestoreMachine(&local)
	require.NoError(t, err)
	lres, err := requestor.Restore(ctx, ls, a, requestor.RestorePlan{Target: simulate.NewVolumeTarget(local.vol)})
	require.NoError(t, err)
	require.NoError(t, ls.Close())
	require.Len(t, lres.Components, 1)
	require.Equal(t, vss.FileRestoreAll, lres.Components[0].Status)
	check(local.restored)

	// Restored through the agent, onto a fresh volume of its machine.
	rr, _ := ta.session(t, c)
	rres, err := requestor.Restore(ctx, rr, a, requestor.RestorePlan{Target: rr.Target()})
	require.NoError(t, err)
	require.NoError(t, rr.Close())
	ta.waitEnd(t)
	require.Equal(t, lres.Files, rres.Files)
	require.Equal(t, lres.Bytes, rres.Bytes)
	require.Len(t, rres.Components, 1)
	require.Equal(t, vss.FileRestoreAll, rres.Components[0].Status)
	check(remoteRestore.restored)
}
