package simulate

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/coordinator"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/writer"
)

// newComputer returns a computer with C:\, the system provider and one
// writer whose Freeze runs onFreeze (if set), and two sessions on it, A
// and B, both past GatherWriterMetadata.
func newComputer(t *testing.T, seed uint64, onFreeze func(ctx context.Context), popts ...ProviderOption) (*Computer, *coordinator.Session, *coordinator.Session) {
	t.Helper()
	vols := NewVolumeSet(NewVolume(`C:\`))
	freeze := Behavior{Cost: 2 * time.Second}
	if onFreeze != nil {
		freeze.Do = func(ctx context.Context, _ *writer.Event) { onFreeze(ctx) }
	}
	w := NewScriptedWriter("Orders DB", On(writer.EventFreeze, freeze))
	c, err := NewComputer(Config{Seed: seed, Writers: []writer.Writer{w},
		Providers: []provider.Provider{NewSystemProvider(vols, popts...)}, Volumes: vols})
	require.NoError(t, err)
	ctx := context.Background()
	var sessions [2]*coordinator.Session
	for i := range sessions {
		s, err := c.NewSession(SessionConfig{})
		require.NoError(t, err)
		t.Cleanup(func() { _ = s.Close() })
		require.NoError(t, s.InitializeForBackup(ctx, ""))
		require.NoError(t, s.SetBackupState(ctx, requestor.BackupState{Type: vss.BackupCopy}))
		require.NoError(t, s.GatherWriterMetadata(ctx))
		sessions[i] = s
	}
	return c, sessions[0], sessions[1]
}

// Only one shadow copy set is created at a time on a computer, whichever
// requestor creates it. Microsoft, IVssBackupComponents::StartSnapshotSet:
// VSS_E_SNAPSHOT_SET_IN_PROGRESS means "the creation of a shadow copy is in
// progress, and only one shadow copy creation operation can be in progress
// at one time. Either wait to try again or return with a failure error
// code." The creation runs from StartSnapshotSet until DoSnapshotSet
// returns (IVssBackupComponents::AbortBackup: a backup that ends "after the
// creation of a shadow copy set with StartSnapshotSet and before
// DoSnapshotSet returns" must be aborted).
func TestOneSnapshotSetCreationAtATimeOnAComputer(t *testing.T) {
	ctx := context.Background()
	var a, b *coordinator.Session
	var duringFreeze error
	freezes := 0
	c, a, b := newComputer(t, 3, func(context.Context) {
		if freezes++; freezes == 1 { // A's DoSnapshotSet: its writer is frozen
			_, duringFreeze = b.StartSnapshotSet(ctx)
		}
	})
	_ = a

	// A starts a set: from now on it is being created.
	setA, err := a.StartSnapshotSet(ctx)
	require.NoError(t, err)
	got, ok := c.Service().SetInProgress()
	assert.True(t, ok)
	assert.Equal(t, setA, got)
	_, err = b.StartSnapshotSet(ctx)
	require.ErrorIs(t, err, vss.ErrSnapshotSetInProgress, "B's StartSnapshotSet while A's set is being built")
	assert.Contains(t, err.Error(), setA.String(), "the error names the set in progress")

	_, err = a.AddToSnapshotSet(ctx, `C:\`, vss.NilID)
	require.NoError(t, err)
	require.NoError(t, a.PrepareForBackup(ctx))
	require.NoError(t, a.DoSnapshotSet(ctx))
	require.ErrorIs(t, duringFreeze, vss.ErrSnapshotSetInProgress, "B's StartSnapshotSet from inside A's Freeze handler")
	_, ok = c.Service().SetInProgress()
	assert.False(t, ok, "A's set is created: nothing is in progress")

	// A's set is done: B's set starts, and now A's session (single use)
	// cannot, and B's set is the one in progress.
	setB, err := b.StartSnapshotSet(ctx)
	require.NoError(t, err, "B's StartSnapshotSet after A's DoSnapshotSet returned")
	assert.NotEqual(t, setA, setB)
	got, _ = c.Service().SetInProgress()
	assert.Equal(t, setB, got)
	_, err = a.StartSnapshotSet(ctx)
	assert.ErrorIs(t, err, vss.ErrBadState, "A's session is single use")

	// B's refused calls are in its own trace; A's trace has none of B's.
	refused := 0
	for _, r := range b.Trace() {
		if r.Kind == coordinator.RecReturn && r.Call == coordinator.CallStartSnapshotSet && r.Code == vss.ErrSnapshotSetInProgress {
			refused++
		}
	}
	assert.Equal(t, 2, refused, "B's trace:\n%s", b.TraceString())
}

// The set is in progress until DoSnapshotSet returns, whether it created
// the set or not, and until the backup is aborted or the session closed:
// each frees the computer for another requestor's set.
func TestSnapshotSetInProgressEndsWithAbortCloseOrFailedDoSnapshotSet(t *testing.T) {
	ctx := context.Background()
	for name, end := range map[string]func(a *coordinator.Session) error{
		"AbortBackup": func(a *coordinator.Session) error { return a.AbortBackup(ctx) },
		"Close":       func(a *coordinator.Session) error { return a.Close() },
		"DoSnapshotSet fails": func(a *coordinator.Session) error {
			// The commit outlasts the 10 s hold window.
			if err := a.DoSnapshotSet(ctx); !errors.Is(err, vss.ErrFlushWritesTimeout) {
				t.Errorf("DoSnapshotSet: %v, want VSS_E_FLUSH_WRITES_TIMEOUT", err)
			}
			return nil
		},
		"DoSnapshotSet cancelled": func(a *coordinator.Session) error {
			cctx, cancel := context.WithCancel(ctx)
			cancel()
			if err := a.DoSnapshotSet(cctx); err == nil {
				t.Error("a cancelled DoSnapshotSet succeeded")
			}
			return nil
		},
	} {
		t.Run(name, func(t *testing.T) {
			c, a, b := newComputer(t, 5, nil, WithCommitCost(12*time.Second))
			_, err := a.StartSnapshotSet(ctx)
			require.NoError(t, err)
			_, err = a.AddToSnapshotSet(ctx, `C:\`, vss.NilID)
			require.NoError(t, err)
			require.NoError(t, a.PrepareForBackup(ctx))
			_, err = b.StartSnapshotSet(ctx)
			require.ErrorIs(t, err, vss.ErrSnapshotSetInProgress)
			require.NoError(t, end(a))
			_, ok := c.Service().SetInProgress()
			assert.False(t, ok)
			_, err = b.StartSnapshotSet(ctx)
			assert.NoError(t, err, "after A's %s", name)
		})
	}
}

// A callback scheduled on the loop can end another requestor's set while
// a session sleeps: B holds the set for 7 virtual seconds, A retries every
// 2 s with Session.Sleep, and succeeds at its first attempt after 7 s. The
// run is the same for the same seed.
func TestSessionSleepRunsTheLoopUntilAnotherRequestorReleasesTheSet(t *testing.T) {
	run := func() (attempts int, at time.Duration, trace string) {
		ctx := context.Background()
		c, a, b := newComputer(t, 9, nil)
		_, err := b.StartSnapshotSet(ctx)
		require.NoError(t, err)
		_, err = b.AddToSnapshotSet(ctx, `C:\`, vss.NilID)
		require.NoError(t, err)
		require.NoError(t, b.PrepareForBackup(ctx))
		start := c.Loop().Elapsed()
		c.Loop().After(7*time.Second, func() { require.NoError(t, b.AbortBackup(ctx)) })
		for {
			attempts++
			_, err := a.StartSnapshotSet(ctx)
			if err == nil {
				break
			}
			require.ErrorIs(t, err, vss.ErrSnapshotSetInProgress)
			require.NoError(t, a.Sleep(ctx, 2*time.Second))
		}
		return attempts, c.Loop().Elapsed() - start, a.TraceString() + b.TraceString()
	}
	attempts, at, trace := run()
	assert.Equal(t, 5, attempts, "at 0, 2, 4, 6 s refused; at 8 s started")
	assert.Equal(t, 8*time.Second, at)
	assert.Contains(t, trace, "Abort", "B's AbortBackup reached its writer")
	_, _, again := run()
	assert.Equal(t, trace, again, "same seed, same traces")
}

// Session.Sleep moves the virtual clock by d, running what falls due, and
// returns the context's error, with the clock where it stopped, when the
// context ends first.
func TestSessionSleepWaitsOnTheVirtualClockOrUntilTheContextEnds(t *testing.T) {
	s, loop, err := NewSession(Config{Seed: 1})
	require.NoError(t, err)
	defer s.Close()
	var ran []time.Duration
	loop.After(time.Second, func() { ran = append(ran, loop.Elapsed()) })
	require.NoError(t, s.Sleep(context.Background(), 3*time.Second))
	assert.Equal(t, 3*time.Second, loop.Elapsed())
	assert.Equal(t, []time.Duration{time.Second}, ran)

	ctx, cancel := context.WithCancel(context.Background())
	loop.After(2*time.Second, cancel)
	err = s.Sleep(ctx, time.Minute)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 5*time.Second, loop.Elapsed(), "stopped when the context ended")
	assert.ErrorIs(t, s.Sleep(ctx, time.Second), context.Canceled, "an ended context returns at once")
	assert.Equal(t, 5*time.Second, loop.Elapsed())
}

// A requestor's call that needs the writers may come from inside another
// session's writer: B gathers the writers' metadata from A's Freeze
// handler. B's Identify events run within, on the same goroutine; A's
// backup goes on with its own answers, and the run is the same for the
// same seed.
func TestSessionCallsAnotherSessionFromAWriterHandler(t *testing.T) {
	run := func() string {
		ctx := context.Background()
		vols := NewVolumeSet(NewVolume(`C:\`))
		var b *coordinator.Session
		var nested error = errors.New("not called")
		w := NewScriptedWriter("Orders DB", On(writer.EventIdentify, Behavior{Cost: time.Second}),
			On(writer.EventFreeze, Behavior{Cost: 2 * time.Second, Times: 1, Do: func(context.Context, *writer.Event) {
				nested = b.GatherWriterMetadata(ctx)
			}}))
		c, err := NewComputer(Config{Seed: 11, Writers: []writer.Writer{w},
			Providers: []provider.Provider{NewSystemProvider(vols)}, Volumes: vols})
		require.NoError(t, err)
		a, err := c.NewSession(SessionConfig{})
		require.NoError(t, err)
		defer a.Close()
		b, err = c.NewSession(SessionConfig{})
		require.NoError(t, err)
		defer b.Close()
		require.NoError(t, b.InitializeForBackup(ctx, ""))
		res, err := requestor.Backup(ctx, a, requestor.Plan{Volumes: []string{`C:\`}})
		require.NoError(t, err)
		assert.Len(t, res.Snapshots, 1)
		require.NoError(t, nested)
		mds, err := b.WriterMetadata(ctx)
		require.NoError(t, err)
		assert.Len(t, mds, 1)
		assert.Equal(t, vss.WriterStable, res.Writers[0].State, "A's writer was not failed by B's call")
		return a.TraceString() + b.TraceString()
	}
	first := run()
	assert.Equal(t, first, run(), "same seed, same traces")
}
