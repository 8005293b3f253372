package coordinator_test

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
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

// Two requestors on one computer, with real goroutines: B's
// StartSnapshotSet, made from A's writer while A's set is being created,
// fails with VSS_E_SNAPSHOT_SET_IN_PROGRESS; after A's DoSnapshotSet
// returns it succeeds (Microsoft, IVssBackupComponents::StartSnapshotSet:
// "only one shadow copy creation operation can be in progress at one
// time").
func TestServiceCreatesOneSnapshotSetAtATimeAcrossSessions(t *testing.T) {
	ctx := context.Background()
	vols := simulate.NewVolumeSet(simulate.NewVolume(`C:\`))
	var b *coordinator.Session
	var mu sync.Mutex
	var inFreeze error
	w := simulate.NewScriptedWriter("Orders DB", simulate.On(writer.EventFreeze, simulate.Behavior{Times: 1,
		Do: func(ctx context.Context, _ *writer.Event) {
			_, err := b.StartSnapshotSet(ctx)
			mu.Lock()
			inFreeze = err
			mu.Unlock()
		}}))
	svc, err := coordinator.NewService(coordinator.ServiceConfig{Writers: []writer.Writer{w},
		Providers: []provider.Provider{simulate.NewSystemProvider(vols)}, Volumes: vols})
	require.NoError(t, err)
	a, err := svc.NewSession(coordinator.Config{})
	require.NoError(t, err)
	defer a.Close()
	b, err = svc.NewSession(coordinator.Config{})
	require.NoError(t, err)
	defer b.Close()
	for _, s := range []*coordinator.Session{a, b} {
		require.NoError(t, s.InitializeForBackup(ctx, ""))
		require.NoError(t, s.SetBackupState(ctx, requestor.BackupState{Type: vss.BackupCopy}))
		require.NoError(t, s.GatherWriterMetadata(ctx))
	}
	set, err := a.StartSnapshotSet(ctx)
	require.NoError(t, err)
	_, err = a.AddToSnapshotSet(ctx, `C:\`, vss.NilID)
	require.NoError(t, err)
	require.NoError(t, a.PrepareForBackup(ctx))
	require.NoError(t, a.DoSnapshotSet(ctx))
	mu.Lock()
	assert.ErrorIs(t, inFreeze, vss.ErrSnapshotSetInProgress)
	mu.Unlock()
	other, err := b.StartSnapshotSet(ctx)
	require.NoError(t, err)
	assert.NotEqual(t, set, other)
	// The service's writers and providers serve both sessions.
	assert.Equal(t, 2, w.Count(writer.EventIdentify))
}

// Sessions racing for the computer's one set: exactly one wins each
// round, whichever goroutine gets there first.
func TestServiceSetSlotUnderConcurrentStarts(t *testing.T) {
	ctx := context.Background()
	svc, err := coordinator.NewService(coordinator.ServiceConfig{})
	require.NoError(t, err)
	const n = 8
	sessions := make([]*coordinator.Session, n)
	for i := range sessions {
		s, err := svc.NewSession(coordinator.Config{})
		require.NoError(t, err)
		defer s.Close()
		require.NoError(t, s.InitializeForBackup(ctx, ""))
		require.NoError(t, s.GatherWriterMetadata(ctx))
		sessions[i] = s
	}
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i, s := range sessions {
		wg.Go(func() { _, errs[i] = s.StartSnapshotSet(ctx) })
	}
	wg.Wait()
	winner := -1
	for i, err := range errs {
		if err == nil {
			assert.Equal(t, -1, winner, "two sessions started a set")
			winner = i
			continue
		}
		assert.ErrorIs(t, err, vss.ErrSnapshotSetInProgress)
	}
	require.GreaterOrEqual(t, winner, 0)
	require.NoError(t, sessions[winner].AbortBackup(ctx))
	_, ok := svc.SetInProgress()
	assert.False(t, ok)
	_, err = sessions[(winner+1)%n].StartSnapshotSet(ctx)
	assert.NoError(t, err)
}

// A session of a service takes its writers, providers and volumes from
// the service; naming its own is an error. The service checks its
// participants as New does.
func TestServiceSessionsUseTheServicesParticipants(t *testing.T) {
	svc, err := coordinator.NewService(coordinator.ServiceConfig{})
	require.NoError(t, err)
	_, err = svc.NewSession(coordinator.Config{Writers: []writer.Writer{simulate.NewScriptedWriter("W")}})
	assert.ErrorIs(t, err, vss.ErrInvalidArg)
	w := simulate.NewScriptedWriter("W")
	_, err = coordinator.NewService(coordinator.ServiceConfig{Writers: []writer.Writer{w, w}})
	assert.ErrorIs(t, err, vss.ErrInvalidArg)
	vols := simulate.NewVolumeSet()
	p := simulate.NewSystemProvider(vols)
	_, err = coordinator.NewService(coordinator.ServiceConfig{Providers: []provider.Provider{p, p}})
	assert.ErrorIs(t, err, vss.ErrProviderAlreadyRegistered)
}

// On the goroutine runtime Session.Sleep waits on the Clock's timer (here
// synctest's virtual time), and returns the context's error when it ends
// first.
func TestSessionSleepOnTheGoroutineRuntime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, err := coordinator.New(coordinator.Config{})
		require.NoError(t, err)
		defer s.Close()
		start := time.Now()
		require.NoError(t, s.Sleep(context.Background(), 7*time.Second))
		assert.Equal(t, 7*time.Second, time.Since(start))
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		assert.ErrorIs(t, s.Sleep(ctx, time.Minute), context.DeadlineExceeded)
		assert.Equal(t, 9*time.Second, time.Since(start))
	})
}
