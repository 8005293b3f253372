package remote_test

import (
	"context"
	"io/fs"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/requestor/remote"
	"github.com/vsskit/vss/writer"
)

// Errors that cross the wire keep their HRESULT: errors.Is against the
// vss sentinels holds, errors.As finds the *vss.Error with its call, and
// the text is the one a local session gives for the same mistake.
func TestErrorsCrossTheWireAsTheSameVSSErrors(t *testing.T) {
	ta := startAgent(t, simpleMachine, remote.AgentConfig{})
	c := ta.dial(t, remote.Options{})
	r, _ := ta.session(t, c)
	local, err := simpleMachine()
	require.NoError(t, err)
	defer local.Close()
	ctx := context.Background()

	same := func(want vss.HRESULT, call func(r requestor.Requestor) error) {
		t.Helper()
		remoteErr, localErr := call(r), call(local)
		require.ErrorIs(t, localErr, want)
		require.ErrorIs(t, remoteErr, want)
		var ve *vss.Error
		require.ErrorAs(t, remoteErr, &ve)
		require.Equal(t, want, ve.Code)
		require.Equal(t, localErr.Error(), remoteErr.Error())
		require.Equal(t, want, vss.CodeOf(remoteErr))
	}
	same(vss.ErrBadState, func(r requestor.Requestor) error { return r.PrepareForBackup(ctx) })
	same(vss.ErrBadState, func(r requestor.Requestor) error { return r.DoSnapshotSet(ctx) })
	require.NoError(t, r.InitializeForBackup(ctx, ""))
	require.NoError(t, local.InitializeForBackup(ctx, ""))
	same(vss.ErrBadState, func(r requestor.Requestor) error { return r.InitializeForBackup(ctx, "") })
	for _, r := range []requestor.Requestor{r, local} {
		require.NoError(t, r.GatherWriterMetadata(ctx))
		_, err := r.StartSnapshotSet(ctx)
		require.NoError(t, err)
	}
	same(vss.ErrVolumeNotSupported, func(r requestor.Requestor) error { _, err := r.AddToSnapshotSet(ctx, `Q:\`, vss.NilID); return err })
	same(vss.ErrObjectNotFound, func(r requestor.Requestor) error {
		_, err := r.DeleteSnapshots(ctx, vss.MustParseID("{11111111-2222-3333-4444-555555555555}"), provider.ObjectSnapshot)
		return err
	})
	same(vss.ErrBadState, func(r requestor.Requestor) error {
		return r.AddComponent(ctx, vss.NilID, vss.NilID, writer.ComponentKey{})
	})
	// A call that is not part of the protocol is a protocol error.
	_, err = r.DeleteSnapshots(ctx, vss.NilID, provider.ObjectType(99))
	require.Error(t, err)
	require.NoError(t, r.AbortBackup(ctx))
}

// A file system error crosses the wire as an *fs.PathError matching the
// same fs sentinel; the remote file system keeps the rules of io/fs
// (testing/fstest), ranged reads (ReadAt, Seek) included.
func TestRemoteFSKeepsTheRulesOfIOFS(t *testing.T) {
	ta := startAgent(t, simpleMachine, remote.AgentConfig{})
	c := ta.dial(t, remote.Options{})
	r, _ := ta.session(t, c)
	ctx := context.Background()
	snap, err := prepareSnapshot(ctx, r)
	require.NoError(t, err)
	require.NoError(t, r.DoSnapshotSet(ctx))
	fsys, err := r.SnapshotFS(ctx, snap)
	require.NoError(t, err)

	require.NoError(t, fstest.TestFS(fsys, "data/file.txt"))
	_, err = fsys.Open("data/nope.txt")
	require.ErrorIs(t, err, fs.ErrNotExist)
	var pe *fs.PathError
	require.ErrorAs(t, err, &pe)
	require.Equal(t, "data/nope.txt", pe.Path)
	_, err = fs.Stat(fsys, "data/file.txt/below")
	require.ErrorIs(t, err, fs.ErrNotExist)

	_, err = r.SnapshotFS(ctx, vss.MustParseID("{11111111-2222-3333-4444-555555555555}"))
	require.ErrorIs(t, err, vss.ErrObjectNotFound)

	// After the shadow copy is deleted, reads fail as they do locally.
	_, err = r.DeleteSnapshots(ctx, snap, provider.ObjectSnapshot)
	require.NoError(t, err)
	_, err = fs.ReadFile(fsys, "data/file.txt")
	require.Error(t, err)
	require.NoError(t, r.Close())
	_, err = fs.ReadFile(fsys, "data/file.txt")
	require.ErrorIs(t, err, fs.ErrClosed, "reads end with the session")
}

// One session per client at a time, and no more sessions than the agent
// allows.
func TestOneSessionPerClientAndASessionLimit(t *testing.T) {
	ta := startAgent(t, simpleMachine, remote.AgentConfig{MaxSessions: 2, Tokens: []remote.Token{
		{Name: "a", Secret: []byte("a123456789abcdef0123456789abcdef")},
		{Name: "b", Secret: []byte("b123456789abcdef0123456789abcdef")},
		{Name: "c", Secret: []byte("c123456789abcdef0123456789abcdef")},
	}})
	ctx := context.Background()
	client := func(name string) *remote.Client {
		return ta.dial(t, remote.Options{Token: []byte(name + "123456789abcdef0123456789abcdef")})
	}
	a, b, cc := client("a"), client("b"), client("c")
	ra, err := a.NewSession(ctx)
	require.NoError(t, err)
	_, err = a.NewSession(ctx)
	require.ErrorIs(t, err, remote.ErrSessionBusy)
	rb, err := b.NewSession(ctx)
	require.NoError(t, err)
	_, err = cc.NewSession(ctx)
	require.ErrorIs(t, err, remote.ErrSessionLimit)
	require.EqualValues(t, 2, ta.opened.Load())

	// Another client cannot use a's session: it does not exist for it.
	require.NoError(t, ra.Close())
	ta.waitEnd(t)
	rc, err := cc.NewSession(ctx)
	require.NoError(t, err)
	require.NoError(t, rc.InitializeForBackup(ctx, ""))
	require.NoError(t, rb.Close())
	require.NoError(t, rc.Close())
	ta.waitEnd(t)
	ta.waitEnd(t)
	err = rc.InitializeForBackup(ctx, "")
	require.ErrorIs(t, err, remote.ErrNoSession)
}
