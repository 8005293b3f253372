package coordinator_test

import (
	"context"
	"errors"
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

// stuckProvider wraps the system provider: the first times calls of each
// method in stuck block until their context ends (a provider that honours
// cancellation but never answers), and the methods in fail fail at once.
type stuckProvider struct {
	mu    sync.Mutex
	stuck map[provider.Method]int
	fail  map[provider.Method]error
}

func (sp *stuckProvider) wrap(p provider.Provider) provider.Provider {
	return provider.Intercept(p, func(ctx context.Context, c provider.Call, next func(context.Context) error) error {
		sp.mu.Lock()
		stuck := sp.stuck[c.Method] > 0
		if stuck {
			sp.stuck[c.Method]--
		}
		err := sp.fail[c.Method]
		sp.mu.Unlock()
		if stuck {
			<-ctx.Done()
			return ctx.Err()
		}
		if err != nil {
			return err
		}
		return next(ctx)
	})
}

// boundedWorld is a session on the goroutine runtime, with one writer and
// the system provider behind sp, on the volume C:\.
func boundedWorld(t *testing.T, sp *stuckProvider, holder func(*simulate.VolumeSet) coordinator.WriteHolder) (*coordinator.Session, *simulate.VolumeSet, provider.Provider, *simulate.ScriptedWriter) {
	t.Helper()
	vols := simulate.NewVolumeSet(simulate.NewVolume(`C:\`))
	sys := simulate.NewSystemProvider(vols)
	w := simulate.NewScriptedWriter("Orders")
	var h coordinator.WriteHolder = vols
	if holder != nil {
		h = holder(vols)
	}
	s, err := coordinator.New(coordinator.Config{Writers: []writer.Writer{w}, Providers: []provider.Provider{sp.wrap(sys)}, Volumes: h})
	require.NoError(t, err)
	return s, vols, sys, w
}

func assertNothingLeft(t *testing.T, vols *simulate.VolumeSet, p provider.Provider, w *simulate.ScriptedWriter) {
	t.Helper()
	c, _ := vols.Get(`C:\`)
	assert.False(t, c.Held(), "writes held")
	assert.False(t, w.Frozen(), "writer frozen")
	snaps, err := p.Query(context.Background())
	require.NoError(t, err)
	assert.Empty(t, snaps, "shadow copies left")
}

// Every provider call VSS makes during a backup has a time bound: a
// provider that never answers one of them, with a requestor context that
// never ends, fails the backup within DefaultProviderTimeout (the commit
// within the 10 s hold window) instead of hanging it, and nothing is left
// behind.
func TestSessionEveryProviderCallIsBounded(t *testing.T) {
	for _, m := range []provider.Method{provider.MethodIsVolumeSupported, provider.MethodBeginPrepareSnapshot,
		provider.MethodEndPrepareSnapshots, provider.MethodPreCommitSnapshots, provider.MethodCommitSnapshots,
		provider.MethodPostCommitSnapshots, provider.MethodPreFinalCommitSnapshots, provider.MethodGetSnapshotProperties,
		provider.MethodPostFinalCommitSnapshots, provider.MethodSnapshotFS, provider.MethodDeleteSnapshots} {
		t.Run(m.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				sp := &stuckProvider{stuck: map[provider.Method]int{m: 1}}
				s, vols, sys, w := boundedWorld(t, sp, nil)
				start := time.Now()
				_, err := requestor.Backup(context.Background(), s, requestor.Plan{Volumes: []string{`C:\`}})
				took := time.Since(start)
				require.Error(t, err)
				if m == provider.MethodCommitSnapshots {
					assert.ErrorIs(t, err, vss.ErrFlushWritesTimeout)
					assert.Equal(t, coordinator.DefaultHoldTimeout, took)
				} else {
					assert.ErrorIs(t, err, context.DeadlineExceeded)
					assert.ErrorIs(t, err, vss.ErrUnexpectedProviderError)
					assert.Equal(t, coordinator.DefaultProviderTimeout, took)
				}
				require.NoError(t, s.Close())
				assertNothingLeft(t, vols, sys, w)
			})
		})
	}
}

// A provider stuck in AbortSnapshots, the clean-up of a failed set, holds
// DoSnapshotSet no longer than DefaultProviderTimeout, and its failure is
// joined to the set's: the requestor learns that something may be left.
func TestSessionAbortSnapshotsIsBoundedAndReported(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sp := &stuckProvider{stuck: map[provider.Method]int{provider.MethodAbortSnapshots: 1},
			fail: map[provider.Method]error{provider.MethodPreCommitSnapshots: vss.ErrProviderVeto}}
		s, vols, sys, w := boundedWorld(t, sp, nil)
		start := time.Now()
		_, err := requestor.Backup(context.Background(), s, requestor.Plan{Volumes: []string{`C:\`}})
		assert.Equal(t, coordinator.DefaultProviderTimeout, time.Since(start))
		require.ErrorIs(t, err, vss.ErrProviderVeto, "the set's failure")
		assert.ErrorIs(t, err, context.DeadlineExceeded, "joined with the clean-up's")
		assert.Contains(t, err.Error(), "AbortSnapshots")
		require.NoError(t, s.Close())
		assertNothingLeft(t, vols, sys, w)
	})
}

// Close reports a clean-up it could not do: a provider that fails to
// delete an auto-release set at the end of the session.
func TestSessionCloseReportsAFailedAutoRelease(t *testing.T) {
	sp := &stuckProvider{fail: map[provider.Method]error{provider.MethodDeleteSnapshots: errors.New("disk offline")}}
	s, _, _, _ := boundedWorld(t, sp, nil)
	_, err := requestor.Backup(context.Background(), s, requestor.Plan{Volumes: []string{`C:\`}, Keep: true})
	require.NoError(t, err)
	err = s.Close()
	require.ErrorIs(t, err, vss.ErrUnexpectedProviderError)
	assert.Contains(t, err.Error(), "disk offline")
	assert.Equal(t, err, s.Close())
}

// stuckHolder wraps the volumes: holding or releasing writes (whichever
// is stuck) blocks until its context ends.
type stuckHolder struct {
	vols                 *simulate.VolumeSet
	holdStuck, relStuck  bool
	released, afterCount int
}

func (h *stuckHolder) HoldWrites(ctx context.Context, volumes []string) error {
	if h.holdStuck {
		<-ctx.Done()
		return ctx.Err()
	}
	return h.vols.HoldWrites(ctx, volumes)
}

func (h *stuckHolder) ReleaseWrites(ctx context.Context, volumes []string) error {
	if h.relStuck {
		<-ctx.Done()
		return ctx.Err()
	}
	return h.vols.ReleaseWrites(ctx, volumes)
}

// Holding and releasing writes are bounded by the hold window: a hold
// that never answers fails the set with VSS_E_HOLD_WRITES_TIMEOUT; a
// release that never answers is reported, as the writes may still be
// held.
func TestSessionHoldAndReleaseOfWritesAreBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := &stuckHolder{holdStuck: true}
		s, vols, sys, w := boundedWorld(t, &stuckProvider{}, func(v *simulate.VolumeSet) coordinator.WriteHolder { h.vols = v; return h })
		start := time.Now()
		_, err := requestor.Backup(context.Background(), s, requestor.Plan{Volumes: []string{`C:\`}})
		assert.Equal(t, coordinator.DefaultHoldTimeout, time.Since(start))
		require.ErrorIs(t, err, vss.ErrHoldWritesTimeout)
		assert.NotContains(t, err.Error(), "releasing writes", "a release that finds nothing held after a timed-out hold is no failure")
		require.NoError(t, s.Close())
		assertNothingLeft(t, vols, sys, w)
	})
	synctest.Test(t, func(t *testing.T) {
		h := &stuckHolder{relStuck: true}
		s, _, _, _ := boundedWorld(t, &stuckProvider{}, func(v *simulate.VolumeSet) coordinator.WriteHolder { h.vols = v; return h })
		ctx := context.Background()
		prepareBackup(t, s)
		start := time.Now()
		err := s.DoSnapshotSet(ctx)
		assert.Equal(t, coordinator.DefaultHoldTimeout, time.Since(start))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "may still be held")
		require.NoError(t, s.Close())
	})
}
