package simulate_test

import (
	"context"
	"errors"
	"io/fs"
	"path"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/coordinator"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/simulate"
	"github.com/vsskit/vss/writer"
)

// Files a writer excludes from shadow copies are absent from the shadow
// copy and still on the volume. Microsoft's "Excluding Files from Shadow
// Copies": the writer reports them with
// IVssCreateWriterMetadataEx::AddExcludeFilesFromSnapshot, and "in the
// writer's CVssWriter::OnPostSnapshot method, delete[s] the files from the
// shadow copy"; the requestor sees them in the writer metadata
// (IVssExamineWriterMetadataEx2::GetExcludeFromSnapshotFile).
//
// /work/shared/reference/msdocs/excluding-files-from-shadow-copies.md
// https://learn.microsoft.com/windows/win32/vss/excluding-files-from-shadow-copies
// /work/shared/reference/sdkapi/vswriter/nf-vswriter-ivsscreatewritermetadataex-addexcludefilesfromsnapshot.md
func TestRuleFilesExcludedFromShadowCopiesAreAbsentFromTheShadowCopy(t *testing.T) {
	vol := simulate.NewVolume(`C:\`)
	for p, data := range map[string]string{
		"app/data.db": "data", "app/tmp/a.TMP": "scratch", "app/tmp/sub/b.tmp": "scratch", "app/tmp/keep.txt": "note",
	} {
		require.NoError(t, vol.MkdirAll(path.Dir(p)))
		require.NoError(t, vol.WriteFile(p, []byte(data)))
	}
	vols := simulate.NewVolumeSet(vol)
	excluded := writer.FileSpec{Path: `c:\app\tmp`, Spec: "*.tmp", Recursive: true}
	w := simulate.NewScriptedWriter("Scratch", simulate.WithExcludeFromSnapshot(vols, excluded,
		writer.FileSpec{Path: `D:\elsewhere`, Spec: "*"})) // a volume not in the set: nothing to do
	s, md := excludingSession(t, vols, w)
	ctx := context.Background()
	assert.Equal(t, excluded, md.ExcludeFromSnapshot[0], "the requestor sees the exclusion in the writer metadata")
	_, err := s.StartSnapshotSet(ctx)
	require.NoError(t, err)
	id, err := s.AddToSnapshotSet(ctx, `C:\`, vss.NilID)
	require.NoError(t, err)
	require.NoError(t, s.PrepareForBackup(ctx))
	require.NoError(t, s.DoSnapshotSet(ctx))
	require.NoError(t, s.GatherWriterStatus(ctx))
	st, err := s.WriterStatus(ctx)
	require.NoError(t, err)
	assert.False(t, st[0].Failed(), "%+v", st[0])

	fsys, err := s.SnapshotFS(ctx, id)
	require.NoError(t, err)
	for _, p := range []string{"app/tmp/a.TMP", "app/tmp/sub/b.tmp"} {
		_, err := fs.Stat(fsys, p)
		assert.ErrorIs(t, err, fs.ErrNotExist, "%s is excluded from the shadow copy", p)
		live, err := fs.ReadFile(vol.FS(), p)
		require.NoError(t, err, "the live volume keeps %s", p)
		assert.Equal(t, "scratch", string(live))
	}
	for _, p := range []string{"app/data.db", "app/tmp/keep.txt"} {
		_, err := fs.Stat(fsys, p)
		assert.NoError(t, err, "%s is not excluded", p)
	}
}

// "If the VSS_VOLSNAP_ATTR_NO_AUTORECOVERY flag is set in the shadow copy
// context, ... no files can be excluded from the shadow copy."
//
// /work/shared/reference/msdocs/excluding-files-from-shadow-copies.md
func TestRuleNoFilesAreExcludedWithoutAutoRecovery(t *testing.T) {
	vol := simulate.NewVolume(`C:\`)
	require.NoError(t, vol.WriteFile("big.tmp", []byte("x")))
	vols := simulate.NewVolumeSet(vol)
	p := simulate.NewSystemProvider(vols)
	ctx := context.Background()
	set, snap := vss.ID{1}, vss.ID{2}
	require.NoError(t, p.BeginPrepareSnapshot(ctx, set, snap, `C:\`, vss.ContextBackup))
	for _, f := range []func(context.Context, vss.ID) error{p.EndPrepareSnapshots, p.PreCommitSnapshots, p.CommitSnapshots} {
		require.NoError(t, f(ctx, set))
	}
	props, err := p.GetSnapshotProperties(ctx, snap)
	require.NoError(t, err)
	files := []writer.FileSpec{{Path: `C:\`, Spec: "*.*"}}
	e := &writer.Event{Kind: writer.EventPostSnapshot, SnapshotDevices: map[string]string{`C:\`: props.DeviceObject},
		Context: vss.SnapshotContext(vss.AttrNoAutoRecovery)}
	n, err := simulate.ExcludeFromShadowCopies(vols, e, files)
	require.NoError(t, err)
	assert.Zero(t, n, "without auto-recovery nothing is excluded")

	e.Context = vss.ContextBackup
	n, err = simulate.ExcludeFromShadowCopies(vols, e, files)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	copyFS, err := provider.SnapshotFS(ctx, p, snap)
	require.NoError(t, err)
	_, err = fs.Stat(copyFS, "big.tmp")
	assert.True(t, errors.Is(err, fs.ErrNotExist))
	_, err = fs.Stat(vol.FS(), "big.tmp")
	assert.NoError(t, err, "the volume keeps the file")
}

// Removing a file from one shadow copy changes neither the volume nor
// another shadow copy of it, and the volume's later writes still leave
// every shadow copy as it was.
func TestShadowCopyRemoveTouchesThatShadowCopyOnly(t *testing.T) {
	vol := simulate.NewVolume(`C:\`)
	require.NoError(t, vol.MkdirAll("d/e"))
	require.NoError(t, vol.WriteFile("d/e/f", []byte("one")))
	a, b := vol.Snapshot(), vol.Snapshot()
	require.NoError(t, a.Remove(`d\e\f`))
	_, err := a.Stat("d/e/f")
	assert.ErrorIs(t, err, fs.ErrNotExist)
	assert.ErrorIs(t, a.Remove("d/e/f"), fs.ErrNotExist)
	assert.ErrorIs(t, a.Remove("d/e"), simulate.ErrIsDir)
	require.NoError(t, vol.WriteFile("d/e/f", []byte("two")))
	got, err := b.ReadFile("d/e/f")
	require.NoError(t, err)
	assert.Equal(t, "one", string(got), "the other shadow copy keeps the file as it was")
	got, err = fs.ReadFile(vol.FS(), "d/e/f")
	require.NoError(t, err)
	assert.Equal(t, "two", string(got))
	a.Release()
	assert.ErrorIs(t, a.Remove("d/e/f"), fs.ErrClosed)
	b.Release()
	assert.Zero(t, vol.LiveSnapshots())
}

// Files an application lists under the FilesNotToSnapshot registry key
// are "deleted from the shadow copy during creation by the shadow copy
// optimization writer", on every volume for a path without one
// ($AllVolumes$); the writer declares them in its metadata, as the real
// one's document does (EXCLUDE_FILES_FROM_SNAPSHOT path="\System Volume
// Information\Heat").
//
// /work/shared/reference/msdocs/excluding-files-from-shadow-copies.md
// https://learn.microsoft.com/windows/win32/vss/excluding-files-from-shadow-copies
func TestRuleFilesNotToSnapshotAreDeletedByTheOptimizationWriter(t *testing.T) {
	c, d := simulate.NewVolume(`C:\`), simulate.NewVolume(`D:\`)
	for _, v := range []*simulate.Volume{c, d} {
		require.NoError(t, v.MkdirAll("Temp/deep"))
		require.NoError(t, v.WriteFile("Temp/deep/x.dat", []byte("scratch")))
		require.NoError(t, v.WriteFile("keep.txt", []byte("data")))
	}
	require.NoError(t, c.MkdirAll("cache"))
	require.NoError(t, c.WriteFile("cache/blob.bin", []byte("cache")))
	vols := simulate.NewVolumeSet(c, d)
	entries := []writer.FileSpec{{Path: `\Temp`, Spec: "*.*", Recursive: true}, {Path: `C:\cache`, Spec: "*.bin"}}
	opt := simulate.NewOptimizationWriter(vols, entries...)
	assert.Equal(t, simulate.OptimizationWriterClass, opt.Info().ClassID)

	s, md := excludingSession(t, vols, opt)
	ctx := context.Background()
	assert.Equal(t, entries, md.ExcludeFromSnapshot)
	_, err := s.StartSnapshotSet(ctx)
	require.NoError(t, err)
	ids := map[*simulate.Volume]vss.ID{}
	for _, v := range []*simulate.Volume{c, d} {
		ids[v], err = s.AddToSnapshotSet(ctx, v.Name(), vss.NilID)
		require.NoError(t, err)
	}
	require.NoError(t, s.PrepareForBackup(ctx))
	require.NoError(t, s.DoSnapshotSet(ctx))
	for v, id := range ids {
		fsys, err := s.SnapshotFS(ctx, id)
		require.NoError(t, err)
		_, err = fs.Stat(fsys, "Temp/deep/x.dat")
		assert.ErrorIs(t, err, fs.ErrNotExist, "%s: FilesNotToSnapshot's $AllVolumes$ entry", v.Name())
		_, err = fs.Stat(fsys, "keep.txt")
		assert.NoError(t, err)
	}
	fsys, err := s.SnapshotFS(ctx, ids[c])
	require.NoError(t, err)
	_, err = fs.Stat(fsys, "cache/blob.bin")
	assert.ErrorIs(t, err, fs.ErrNotExist)
	_, err = fs.Stat(c.FS(), "cache/blob.bin")
	assert.NoError(t, err, "the volume keeps its files")
}

// excludingSession starts a simulated session of the one writer w on
// vols, its writer metadata gathered, and returns it with w's document.
// The session is closed when the test ends.
func excludingSession(t *testing.T, vols *simulate.VolumeSet, w writer.Writer) (*coordinator.Session, *writer.Metadata) {
	t.Helper()
	s, _, err := simulate.NewSession(simulate.Config{Seed: 3, Writers: []writer.Writer{w},
		Providers: []provider.Provider{simulate.NewSystemProvider(vols)}, Volumes: vols})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	ctx := context.Background()
	require.NoError(t, s.InitializeForBackup(ctx, ""))
	require.NoError(t, s.SetBackupState(ctx, requestor.BackupState{Type: vss.BackupCopy}))
	require.NoError(t, s.GatherWriterMetadata(ctx))
	mds, err := s.WriterMetadata(ctx)
	require.NoError(t, err)
	require.Len(t, mds, 1)
	return s, mds[0]
}
