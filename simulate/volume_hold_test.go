package simulate

import (
	"context"
	"fmt"
	"io/fs"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/coordinator"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/requestor"
)

func TestWritesDuringHoldAreQueuedAndAbsentFromSnapshot(t *testing.T) {
	v := NewVolume(`C:\`)
	fillVolume(t, v)
	require.NoError(t, v.HoldWrites())
	assert.True(t, v.Held())
	assert.ErrorIs(t, v.HoldWrites(), vss.ErrBadState, "holding twice")

	// Applications submit writes; they complete only at release, in order.
	var done []string
	submit := func(w Write) {
		v.Submit(w, func(err error) { done = append(done, fmt.Sprintf("%v: %v", w, err)) })
	}
	buf := []byte("first")
	submit(WriteFileOp("journal", buf))
	copy(buf, "XXXXX") // the queued write keeps its own copy
	submit(WriteAtOp("journal", 5, []byte(" second")))
	submit(RenameOp("journal", "db/journal"))
	submit(RemoveOp("readme.txt"))
	submit(RemoveOp("no-such-file"))
	v.Submit(MkdirAllOp("later"), nil)
	assert.Empty(t, done, "nothing completes while held")
	assert.Equal(t, 6, v.Pending())
	_, err := v.ReadFile("journal")
	assert.ErrorIs(t, err, fs.ErrNotExist, "queued writes are not applied")

	// The commit happens inside the hold.
	snap := v.Snapshot()
	defer snap.Release()

	require.NoError(t, v.ReleaseWrites())
	assert.False(t, v.Held())
	assert.Equal(t, 0, v.Pending())
	assert.Equal(t, []string{
		"writefile journal+5: <nil>",
		"writeat journal@5+7: <nil>",
		"rename journal -> db/journal: <nil>",
		"remove readme.txt: <nil>",
		"remove no-such-file: remove no-such-file: file does not exist",
	}, done)
	got, err := v.ReadFile("db/journal")
	require.NoError(t, err)
	assert.Equal(t, "first second", string(got), "applied in order, none lost")
	assert.Equal(t, 6, v.Stats().QueuedWrites)

	// The snapshot is the volume before the hold's writes.
	w := NewVolume("W")
	fillVolume(t, w)
	assert.Equal(t, tree(t, w.FS()), tree(t, snap))
	assert.ErrorIs(t, v.ReleaseWrites(), vss.ErrBadState, "releasing twice")
}

func TestSubmitWhenNotHeldAppliesAtOnce(t *testing.T) {
	v := NewVolume(`C:\`)
	called := false
	v.Submit(WriteFileOp("a", []byte("a")), func(err error) { called = true; assert.NoError(t, err) })
	assert.True(t, called)
	got, err := v.ReadFile("a")
	require.NoError(t, err)
	assert.Equal(t, "a", string(got))
}

func TestVolumeSetHoldIsAllOrNothing(t *testing.T) {
	ctx := context.Background()
	c, d, e := NewVolume(`C:\`), NewVolume(`D:\`), NewVolume(`E:\`)
	set := NewVolumeSet(c, d, e)
	require.NoError(t, c.HoldWrites())

	err := set.HoldWrites(ctx, []string{`d:\`, `C:\`})
	assert.ErrorIs(t, err, vss.ErrBadState)
	assert.False(t, d.Held(), "a failed hold leaves nothing held")
	err = set.HoldWrites(ctx, []string{`E:\`, `X:\`})
	assert.ErrorIs(t, err, vss.ErrObjectNotFound)
	assert.False(t, e.Held())
	require.NoError(t, set.ReleaseWrites(ctx, []string{`C:\`}))

	require.NoError(t, set.HoldWrites(ctx, []string{`c:\`, `D:\`, `C:\`}), "names match without case; duplicates once")
	assert.True(t, c.Held() && d.Held())
	assert.False(t, e.Held())
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	require.NoError(t, set.ReleaseWrites(cancelled, []string{`C:\`, `D:\`, `d:\`}), "release works even when cancelled")
	assert.False(t, c.Held() || d.Held())
	err = set.ReleaseWrites(ctx, []string{`C:\`, `X:\`})
	assert.ErrorIs(t, err, vss.ErrBadState)
	assert.ErrorIs(t, err, vss.ErrObjectNotFound)
	assert.ErrorIs(t, set.HoldWrites(cancelled, []string{`C:\`}), context.Canceled)
}

func TestVolumeSetNames(t *testing.T) {
	set := NewVolumeSet(NewVolume(`D:\`), NewVolume(`C:\`))
	assert.ErrorIs(t, set.Add(NewVolume(`c:\`)), vss.ErrObjectAlreadyExists)
	assert.ErrorIs(t, set.Add(NewVolume(" ")), vss.ErrInvalidArg)
	assert.ErrorIs(t, set.Add(nil), vss.ErrInvalidArg)
	require.NoError(t, set.Add(NewVolume(`\\?\Volume{0c3c6a3e-0000-0000-0000-100000000000}\`)))
	assert.Equal(t, []string{`C:\`, `D:\`, `\\?\Volume{0c3c6a3e-0000-0000-0000-100000000000}\`}, set.Names())
	v, ok := set.Get(`c:\`)
	require.True(t, ok)
	assert.Equal(t, `C:\`, v.Name())
	v, ok = set.Get(`c:`)
	require.True(t, ok, "the trailing backslash may be left out")
	assert.Equal(t, `C:\`, v.Name())
	assert.ErrorIs(t, set.Add(NewVolume(`D:`)), vss.ErrObjectAlreadyExists)
	_, ok = set.Get(`Z:\`)
	assert.False(t, ok)
}

// A plain write to a volume during flush and hold is held until the
// release and then applied, never failed, and holding writes never loses
// one. Microsoft, "Shadow Copy Creation for Providers": VSS issues
// IOCTL_VOLSNAP_FLUSH_AND_HOLD_WRITES, "VolSnap.sys causes all subsequent
// write IRPs to be queued", and after the last CommitSnapshots "VSS
// releases all pending write IRPs".
func TestPlainWritesDuringFlushAndHoldAreHeldUntilReleaseThenApplied(t *testing.T) {
	v := NewVolume(`C:\`)
	fillVolume(t, v)
	before := tree(t, v.FS())
	require.NoError(t, v.HoldWrites())

	// Every kind of plain write succeeds, interleaved with a Submit.
	var submitted error = fs.ErrClosed
	require.NoError(t, v.WriteFile("journal", []byte("first")))
	require.NoError(t, v.WriteAt("journal", 5, []byte(" second")))
	v.Submit(WriteAtOp("journal", 12, []byte(" third")), func(err error) { submitted = err })
	require.NoError(t, v.MkdirAll("archive/2026"))
	require.NoError(t, v.Rename("journal", "archive/2026/journal"))
	require.NoError(t, v.Truncate("db/data.mdf", 4))
	require.NoError(t, v.Remove("readme.txt"))
	require.NoError(t, v.Remove("no-such-file"), "its failure comes at the release, with no caller left")
	// Arguments invalid whatever the volume holds fail at once, as they
	// would without a hold, and are not held.
	assert.ErrorIs(t, v.WriteAt("x", -1, []byte("x")), fs.ErrInvalid)
	assert.ErrorIs(t, v.Truncate("x", -1), fs.ErrInvalid)
	assert.Equal(t, 8, v.Pending())

	// Nothing is applied yet: reads and a snapshot see the volume as at
	// the hold.
	assert.Equal(t, before, tree(t, v.FS()))
	snap := v.Snapshot()
	defer snap.Release()
	assert.ErrorIs(t, submitted, fs.ErrClosed, "Submit's completion waits for the release")

	require.NoError(t, v.ReleaseWrites())
	assert.NoError(t, submitted)
	got, err := v.ReadFile("archive/2026/journal")
	require.NoError(t, err)
	assert.Equal(t, "first second third", string(got), "applied in the order issued, none lost")
	got, err = v.ReadFile("db/data.mdf")
	require.NoError(t, err)
	assert.Equal(t, "page", string(got))
	_, err = v.ReadFile("readme.txt")
	assert.ErrorIs(t, err, fs.ErrNotExist)
	st := v.Stats()
	assert.Equal(t, 8, st.QueuedWrites)
	assert.Equal(t, 1, st.FailedHeldWrites, "the removal of a missing file")
	assert.Equal(t, before, tree(t, snap), "the snapshot holds none of the held writes")
}

// The same in a backup: an application that writes with the plain methods
// from the loop (a callback that falls inside the commit) has its writes
// held, not failed, and finds them on the volume after DoSnapshotSet, not
// in the shadow copy.
func TestPlainWriteDuringTheCommitIsHeldNotFailed(t *testing.T) {
	ctx := context.Background()
	loop := NewLoop(4)
	vols := NewVolumeSet(NewVolume(`C:\`, WithVolumeClock(loop.Now)))
	c, _ := vols.Get(`C:\`)
	require.NoError(t, c.WriteFile("data", []byte("before")))
	var writeErr error = fs.ErrClosed
	var heldAtWrite bool
	p := provider.Intercept(NewSystemProvider(vols, WithProviderClock(loop.Now), WithCommitCost(2*time.Second)),
		func(ctx context.Context, call provider.Call, next func(context.Context) error) error {
			if call.Method == provider.MethodPreCommitSnapshots {
				loop.After(time.Second, func() { heldAtWrite, writeErr = c.Held(), c.WriteFile("data", []byte("during the commit")) })
			}
			return next(ctx)
		})
	s, err := coordinator.New(coordinator.Config{Providers: []provider.Provider{p}, Volumes: vols, Runtime: loop, IDs: loop.IDs()})
	require.NoError(t, err)
	defer s.Close()
	var inShadow []byte
	_, err = requestor.Backup(ctx, s, requestor.Plan{Volumes: []string{`C:\`},
		Copy: func(_ context.Context, src *requestor.CopySource) (err error) {
			inShadow, err = fs.ReadFile(src.Snapshots[0].FS, "data")
			return err
		}})
	require.NoError(t, err)
	assert.True(t, heldAtWrite, "the write came while writes were held")
	assert.NoError(t, writeErr)
	got, err := c.ReadFile("data")
	require.NoError(t, err)
	assert.Equal(t, "during the commit", string(got), "applied at the release")
	assert.Equal(t, "before", string(inShadow), "the shadow copy is the volume at the commit")
}
