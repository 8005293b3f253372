package simulate

import (
	"context"
	"fmt"
	"io/fs"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vsskit/vss"
)

func TestWritesDuringHoldAreQueuedAndAbsentFromSnapshot(t *testing.T) {
	v := NewVolume(`C:\`)
	fillVolume(t, v)
	require.NoError(t, v.HoldWrites())
	assert.True(t, v.Held())
	assert.ErrorIs(t, v.HoldWrites(), vss.ErrBadState, "holding twice")

	// Direct writes refuse to run; every kind says ErrWritesHeld.
	for name, err := range map[string]error{
		"WriteFile": v.WriteFile("x", nil), "WriteAt": v.WriteAt("x", 0, nil), "Truncate": v.Truncate("readme.txt", 0),
		"Rename": v.Rename("readme.txt", "r"), "Remove": v.Remove("readme.txt"), "MkdirAll": v.MkdirAll("d"),
	} {
		assert.ErrorIs(t, err, ErrWritesHeld, name)
	}

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
