package simulate

import (
	"context"
	"fmt"
	"io/fs"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/coordinator"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/requestor"
)

// testID returns a fixed, distinct ID for n.
func testID(n int) vss.ID {
	return vss.MustParseID(fmt.Sprintf("{00000000-0000-0000-0000-%012d}", n))
}

// simProvider is what both simulated providers offer.
type simProvider interface {
	provider.Provider
	provider.FSOpener
	CommitCost() time.Duration
}

// step is one call of the creation sequence on a set.
type step struct {
	name  string
	call  func(p provider.Provider, set vss.ID) error
	state vss.SnapshotState // the shadow copies' state after it
}

var creationSteps = []step{
	{"EndPrepareSnapshots", func(p provider.Provider, s vss.ID) error { return p.EndPrepareSnapshots(context.Background(), s) }, vss.SnapshotPrepared},
	{"PreCommitSnapshots", func(p provider.Provider, s vss.ID) error { return p.PreCommitSnapshots(context.Background(), s) }, vss.SnapshotPrecommitted},
	{"CommitSnapshots", func(p provider.Provider, s vss.ID) error { return p.CommitSnapshots(context.Background(), s) }, vss.SnapshotCommitted},
	{"PostCommitSnapshots", func(p provider.Provider, s vss.ID) error { return p.PostCommitSnapshots(context.Background(), s, 2) }, vss.SnapshotPostcommitted},
	{"PreFinalCommitSnapshots", func(p provider.Provider, s vss.ID) error { return p.PreFinalCommitSnapshots(context.Background(), s) }, vss.SnapshotPrefinalcommitted},
	{"PostFinalCommitSnapshots", func(p provider.Provider, s vss.ID) error { return p.PostFinalCommitSnapshots(context.Background(), s) }, vss.SnapshotCreated},
}

// twoVolumes returns a machine with C: and D:, each holding a file.
func twoVolumes(t testing.TB) (*VolumeSet, *Volume, *Volume) {
	t.Helper()
	c, d := NewVolume(`C:\`), NewVolume(`D:\`)
	require.NoError(t, c.WriteFile("data.db", []byte("the database")))
	require.NoError(t, d.WriteFile("log.txt", []byte("the log")))
	return NewVolumeSet(c, d), c, d
}

// begin adds C: and D: to set in p (snapshot IDs base+1, base+2).
func begin(t testing.TB, p provider.Provider, set vss.ID, base int) {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, p.BeginPrepareSnapshot(ctx, set, testID(base+1), `C:\`, vss.ContextBackup))
	require.NoError(t, p.BeginPrepareSnapshot(ctx, set, testID(base+2), `d:\`, vss.ContextBackup))
}

func TestProviderCreationSequence(t *testing.T) {
	clockAt := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	kinds := []struct {
		name  string
		new   func(*VolumeSet) simProvider
		info  provider.Info
		attrs vss.SnapshotAttributes
		cost  time.Duration
	}{
		{"software", func(v *VolumeSet) simProvider {
			return NewSystemProvider(v, WithProviderClock(func() time.Time { return clockAt }))
		}, provider.Info{ID: SystemProviderID, Name: "vss simulated system provider", Type: vss.ProviderSystem, Version: "1.0"},
			vss.AttrDifferential, DefaultSystemCommitCost},
		{"hardware", func(v *VolumeSet) simProvider {
			return NewHardwareProvider(v, WithProviderClock(func() time.Time { return clockAt }))
		}, provider.Info{ID: HardwareProviderID, Name: "vss simulated hardware provider", Type: vss.ProviderHardware, Version: "1.0"},
			vss.AttrHardwareAssisted | vss.AttrPlex, DefaultHardwareCommitCost},
	}
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			ctx := context.Background()
			vols, c, _ := twoVolumes(t)
			p := k.new(vols)
			assert.Equal(t, k.info, p.Info())
			assert.Equal(t, k.cost, p.CommitCost())
			set := testID(100)
			begin(t, p, set, 0)
			for _, s := range creationSteps {
				if s.name == "CommitSnapshots" {
					_, err := p.SnapshotFS(ctx, testID(1))
					assert.ErrorIs(t, err, vss.ErrObjectNotFound, "no contents before the commit")
					require.NoError(t, vols.HoldWrites(ctx, []string{`C:\`, `D:\`}))
					c.Submit(WriteFileOp("data.db", []byte("written during the hold")), nil)
				}
				require.NoError(t, s.call(p, set), s.name)
				if s.name == "CommitSnapshots" {
					require.NoError(t, vols.ReleaseWrites(ctx, []string{`C:\`, `D:\`}))
					require.NoError(t, c.WriteFile("after.txt", nil))
				}
				snaps, err := p.Query(ctx)
				require.NoError(t, err)
				require.Len(t, snaps, 2)
				for _, sn := range snaps {
					assert.Equal(t, s.state, sn.State, "after %s", s.name)
				}
			}
			snaps, err := p.Query(ctx)
			require.NoError(t, err)
			assert.Equal(t, []provider.Snapshot{
				{ID: testID(1), SetID: set, SnapshotsCount: 2, DeviceObject: `\\?\GLOBALROOT\Device\HarddiskVolumeShadowCopy1`,
					OriginalVolume: `C:\`, ProviderID: k.info.ID, Attributes: k.attrs, Created: clockAt, State: vss.SnapshotCreated},
				{ID: testID(2), SetID: set, SnapshotsCount: 2, DeviceObject: `\\?\GLOBALROOT\Device\HarddiskVolumeShadowCopy2`,
					OriginalVolume: `D:\`, ProviderID: k.info.ID, Attributes: k.attrs, Created: clockAt, State: vss.SnapshotCreated},
			}, snaps)
			got, err := p.GetSnapshotProperties(ctx, testID(2))
			require.NoError(t, err)
			assert.Equal(t, snaps[1], got)

			// The shadow copy is the volume at the commit instant.
			fsys, err := p.SnapshotFS(ctx, testID(1))
			require.NoError(t, err)
			data, err := fs.ReadFile(fsys, "data.db")
			require.NoError(t, err)
			assert.Equal(t, "the database", string(data))
			_, err = fs.Stat(fsys, "after.txt")
			assert.ErrorIs(t, err, fs.ErrNotExist)
			live, err := c.ReadFile("data.db")
			require.NoError(t, err)
			assert.Equal(t, "written during the hold", string(live))

			require.NoError(t, fstest.TestFS(fsys, "data.db"))

			n, err := p.DeleteSnapshots(ctx, set, provider.ObjectSnapshotSet)
			require.NoError(t, err)
			assert.Equal(t, 2, n)
			assert.Equal(t, 0, c.LiveSnapshots())
			_, err = fs.ReadFile(fsys, "data.db")
			assert.ErrorIs(t, err, fs.ErrClosed, "a deleted shadow copy cannot be read")
		})
	}
}

func TestProviderRejectsOutOfOrderCalls(t *testing.T) {
	// For each point of the sequence, every call other than the next one
	// fails with VSS_E_BAD_STATE and changes nothing.
	for done := 0; done <= len(creationSteps); done++ {
		for i, s := range creationSteps {
			if i == done {
				continue
			}
			t.Run(fmt.Sprintf("%s_after_%d_steps", s.name, done), func(t *testing.T) {
				vols, _, _ := twoVolumes(t)
				p := NewSystemProvider(vols)
				set := testID(100)
				begin(t, p, set, 0)
				for _, d := range creationSteps[:done] {
					require.NoError(t, d.call(p, set))
				}
				assert.ErrorIs(t, s.call(p, set), vss.ErrBadState)
				if done < len(creationSteps) {
					require.NoError(t, creationSteps[done].call(p, set), "the right call still works")
				}
			})
		}
	}
	t.Run("unknown set", func(t *testing.T) {
		p := NewSystemProvider(NewVolumeSet())
		for _, s := range creationSteps {
			assert.ErrorIs(t, s.call(p, testID(7)), vss.ErrBadState, s.name)
		}
	})
	t.Run("BeginPrepareSnapshot after EndPrepareSnapshots", func(t *testing.T) {
		vols, _, _ := twoVolumes(t)
		p := NewSystemProvider(vols)
		require.NoError(t, p.BeginPrepareSnapshot(context.Background(), testID(100), testID(1), `C:\`, vss.ContextBackup))
		require.NoError(t, p.EndPrepareSnapshots(context.Background(), testID(100)))
		err := p.BeginPrepareSnapshot(context.Background(), testID(100), testID(2), `D:\`, vss.ContextBackup)
		assert.ErrorIs(t, err, vss.ErrBadState)
	})
}

func TestBeginPrepareSnapshotErrors(t *testing.T) {
	ctx := context.Background()
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	tests := []struct {
		name    string
		ctx     context.Context
		set     vss.ID
		snap    vss.ID
		volume  string
		sc      vss.SnapshotContext
		wantErr error
	}{
		{"volume already in the set", ctx, testID(100), testID(9), `c:\`, vss.ContextBackup, vss.ErrObjectAlreadyExists},
		{"snapshot ID already used", ctx, testID(100), testID(1), `D:\`, vss.ContextBackup, vss.ErrObjectAlreadyExists},
		{"unknown volume", ctx, testID(100), testID(9), `Q:\`, vss.ContextBackup, vss.ErrVolumeNotSupportedByProvider},
		{"nil set ID", ctx, vss.NilID, testID(9), `D:\`, vss.ContextBackup, vss.ErrInvalidArg},
		{"nil snapshot ID", ctx, testID(100), vss.NilID, `D:\`, vss.ContextBackup, vss.ErrInvalidArg},
		{"context all", ctx, testID(100), testID(9), `D:\`, vss.ContextAll, vss.ErrUnsupportedContext},
		{"cancelled", cancelled, testID(100), testID(9), `D:\`, vss.ContextBackup, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vols, _, _ := twoVolumes(t)
			p := NewSystemProvider(vols)
			require.NoError(t, p.BeginPrepareSnapshot(ctx, testID(100), testID(1), `C:\`, vss.ContextBackup))
			assert.ErrorIs(t, p.BeginPrepareSnapshot(tt.ctx, tt.set, tt.snap, tt.volume, tt.sc), tt.wantErr)
			snaps, err := p.Query(ctx)
			require.NoError(t, err)
			assert.Len(t, snaps, 1, "a failed call adds nothing")
		})
	}
}

func TestTooManyShadowCopiesOfAVolume(t *testing.T) {
	ctx := context.Background()
	vols, _, _ := twoVolumes(t)
	p := NewSystemProvider(vols)
	for i := range maxShadowsPerVolume { // one set at a time, each created
		require.NoError(t, p.BeginPrepareSnapshot(ctx, testID(1000+i), testID(i+1), `C:\`, vss.ContextBackup))
		for _, s := range creationSteps {
			require.NoError(t, s.call(p, testID(1000+i)))
		}
	}
	err := p.BeginPrepareSnapshot(ctx, testID(2000), testID(5000), `C:\`, vss.ContextBackup)
	assert.ErrorIs(t, err, vss.ErrMaximumNumberOfSnapshotsReached)
}

func TestAbortLeavesNoSnapshot(t *testing.T) {
	ctx := context.Background()
	for done := 0; done <= len(creationSteps); done++ {
		t.Run(fmt.Sprintf("after_%d_steps", done), func(t *testing.T) {
			vols, c, d := twoVolumes(t)
			p := NewSystemProvider(vols)
			// The other set was created before: VSS creates one set at a
			// time.
			set, other := testID(100), testID(200)
			require.NoError(t, p.BeginPrepareSnapshot(ctx, other, testID(3), `C:\`, vss.ContextBackup))
			for _, s := range creationSteps {
				require.NoError(t, s.call(p, other))
			}
			begin(t, p, set, 0)
			for _, s := range creationSteps[:done] {
				require.NoError(t, s.call(p, set))
			}
			require.NoError(t, p.AbortSnapshots(ctx, set))
			require.NoError(t, p.AbortSnapshots(ctx, set), "abort twice")
			snaps, err := p.Query(ctx)
			require.NoError(t, err)
			require.Len(t, snaps, 1, "only the other set remains")
			assert.Equal(t, other, snaps[0].SetID)
			assert.Equal(t, 1, c.LiveSnapshots()+d.LiveSnapshots(), "no volume snapshot leaks: only the other set's")
			_, err = p.GetSnapshotProperties(ctx, testID(1))
			assert.ErrorIs(t, err, vss.ErrObjectNotFound)
			_, err = p.SnapshotFS(ctx, testID(1))
			assert.ErrorIs(t, err, vss.ErrObjectNotFound)
			assert.ErrorIs(t, creationSteps[0].call(p, set), vss.ErrBadState, "the set is gone")
		})
	}
	t.Run("unknown set", func(t *testing.T) {
		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		assert.NoError(t, NewSystemProvider(nil).AbortSnapshots(cancelled, testID(5)))
	})
}

// A set abandoned after BeginPrepareSnapshot gets no AbortSnapshots: VSS
// "will only call AbortSnapshots after the requester has called
// DoSnapshotSet", and "the provider must be prepared to handle an
// out-of-sequence call to BeginPrepareSnapshot at any point", which
// starts a new set. The simulated providers free the abandoned set then.
//
// /work/shared/reference/msdocs/state-transitions-in-shadow-copy-providers.md
// https://learn.microsoft.com/windows/win32/vss/state-transitions-in-shadow-copy-providers
func TestRuleProviderCopesWithAnAbandonedSet(t *testing.T) {
	ctx := context.Background()
	vols, c, d := twoVolumes(t)
	p := NewSystemProvider(vols)
	abandoned, next := testID(100), testID(200)
	begin(t, p, abandoned, 0)
	begin(t, p, next, 10) // the same volumes, a new set: no AbortSnapshots came
	for _, s := range creationSteps {
		require.NoError(t, s.call(p, next))
	}
	snaps, err := p.Query(ctx)
	require.NoError(t, err)
	require.Len(t, snaps, 2)
	for _, s := range snaps {
		assert.Equal(t, next, s.SetID, "nothing of the abandoned set remains")
	}
	_, err = p.GetSnapshotProperties(ctx, testID(1))
	assert.ErrorIs(t, err, vss.ErrObjectNotFound)
	assert.ErrorIs(t, creationSteps[0].call(p, abandoned), vss.ErrBadState, "the abandoned set is gone")
	assert.Equal(t, 2, c.LiveSnapshots()+d.LiveSnapshots(), "only the new set's volume snapshots")
}

func TestDeleteSnapshots(t *testing.T) {
	ctx := context.Background()
	vols, c, d := twoVolumes(t)
	p := NewSystemProvider(vols)
	for n, set := range []vss.ID{testID(100), testID(200)} {
		begin(t, p, set, 10*n)
		for _, s := range creationSteps {
			require.NoError(t, s.call(p, set))
		}
	}
	require.Equal(t, 2, c.LiveSnapshots())

	n, err := p.DeleteSnapshots(ctx, testID(1), provider.ObjectSnapshot)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	assert.Equal(t, 1, c.LiveSnapshots())
	_, err = p.DeleteSnapshots(ctx, testID(1), provider.ObjectSnapshot)
	assert.ErrorIs(t, err, vss.ErrObjectNotFound)
	_, err = p.DeleteSnapshots(ctx, testID(100), provider.ObjectSnapshot)
	assert.ErrorIs(t, err, vss.ErrObjectNotFound, "a set ID is not a snapshot ID")
	_, err = p.DeleteSnapshots(ctx, testID(100), provider.ObjectType(1))
	assert.ErrorIs(t, err, vss.ErrInvalidArg)

	n, err = p.DeleteSnapshots(ctx, testID(100), provider.ObjectSnapshotSet)
	require.NoError(t, err)
	assert.Equal(t, 1, n, "the set's remaining shadow copy")
	_, err = p.DeleteSnapshots(ctx, testID(100), provider.ObjectSnapshotSet)
	assert.ErrorIs(t, err, vss.ErrObjectNotFound)

	snaps, err := p.Query(ctx)
	require.NoError(t, err)
	require.Len(t, snaps, 2)
	assert.Equal(t, []vss.ID{testID(11), testID(12)}, []vss.ID{snaps[0].ID, snaps[1].ID})
	assert.Equal(t, `\\?\GLOBALROOT\Device\HarddiskVolumeShadowCopy3`, snaps[0].DeviceObject)
	assert.Equal(t, []int{1, 1}, []int{c.LiveSnapshots(), d.LiveSnapshots()}, "set 200 keeps its copies")
}

func TestHardwareProviderSupportsItsSubset(t *testing.T) {
	ctx := context.Background()
	vols, _, _ := twoVolumes(t)
	hw := NewHardwareProvider(vols, WithSupportedVolumes(`d:\`), WithCommitCost(5*time.Second))
	sw := NewSystemProvider(vols, WithSupportedVolumes(`C:\`, `D:\`))
	for _, tt := range []struct {
		p      provider.Provider
		volume string
		want   bool
	}{{hw, `C:\`, false}, {hw, `D:\`, true}, {sw, `c:\`, true}, {sw, `D:\`, true}, {sw, `E:\`, false}} {
		got, err := tt.p.IsVolumeSupported(ctx, tt.volume, vss.ContextBackup)
		require.NoError(t, err)
		assert.Equal(t, tt.want, got, "%s supports %s", tt.p.Info().Name, tt.volume)
	}
	assert.Equal(t, 5*time.Second, hw.CommitCost())
	assert.ErrorIs(t, hw.BeginPrepareSnapshot(ctx, testID(1), testID(2), `C:\`, vss.ContextBackup), vss.ErrVolumeNotSupportedByProvider)

	// Both providers in one set number their devices as one machine does.
	require.NoError(t, hw.BeginPrepareSnapshot(ctx, testID(100), testID(1), `D:\`, vss.ContextFileShareBackup))
	require.NoError(t, sw.BeginPrepareSnapshot(ctx, testID(100), testID(2), `C:\`, vss.ContextFileShareBackup))
	for _, s := range creationSteps {
		require.NoError(t, s.call(hw, testID(100)))
		require.NoError(t, s.call(sw, testID(100)))
	}
	h, err := hw.GetSnapshotProperties(ctx, testID(1))
	require.NoError(t, err)
	s, err := sw.GetSnapshotProperties(ctx, testID(2))
	require.NoError(t, err)
	assert.Equal(t, `\\?\GLOBALROOT\Device\HarddiskVolumeShadowCopy1`, h.DeviceObject)
	assert.Equal(t, `\\?\GLOBALROOT\Device\HarddiskVolumeShadowCopy2`, s.DeviceObject)
	assert.Equal(t, vss.AttrNoWriters|vss.AttrHardwareAssisted|vss.AttrPlex, h.Attributes)
	assert.Equal(t, vss.AttrNoWriters|vss.AttrDifferential, s.Attributes)
	assert.Equal(t, volumeEpoch, s.Created, "no clock: a fixed time, never the wall clock")
	assert.Equal(t, 2, s.SnapshotsCount, "PostCommitSnapshots gave the whole set's count")
}

func TestProviderIdentityOption(t *testing.T) {
	p := NewSystemProvider(nil, WithProviderIdentity(testID(42), "second software provider"))
	assert.Equal(t, testID(42), p.Info().ID)
	assert.Equal(t, "second software provider", p.Info().Name)
	ok, err := p.IsVolumeSupported(context.Background(), `C:\`, vss.ContextBackup)
	require.NoError(t, err)
	assert.False(t, ok, "a provider without volumes supports none")
}

// TestProviderConcurrentUse runs whole creation sequences of distinct sets
// on one provider from several goroutines, with readers alongside; the
// race detector checks the locking.
func TestProviderConcurrentUse(t *testing.T) {
	ctx := context.Background()
	vols, c, _ := twoVolumes(t)
	p := NewSystemProvider(vols)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			set := testID(100 + g)
			if err := p.BeginPrepareSnapshot(ctx, set, testID(1+g), `C:\`, vss.ContextBackup); err != nil {
				t.Error(err)
				return
			}
			for _, s := range creationSteps {
				if err := s.call(p, set); err != nil {
					t.Error(err)
					return
				}
			}
			if _, err := p.Query(ctx); err != nil {
				t.Error(err)
			}
			fsys, err := p.SnapshotFS(ctx, testID(1+g))
			if err != nil {
				t.Error(err)
				return
			}
			if _, err := fs.ReadFile(fsys, "data.db"); err != nil {
				t.Error(err)
			}
			_ = c.WriteAt("data.db", int64(g), []byte{'x'})
			if err := p.AbortSnapshots(ctx, set); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	assert.Equal(t, 0, c.LiveSnapshots())
}

// TestCommitCostIsVirtualTime: each provider's CommitSnapshots takes its
// CommitCost of virtual time inside the hold, so the trace shows which
// provider committed which volume; a cost over the 10 s window fails the
// set, and called directly a commit takes no time at all.
func TestCommitCostIsVirtualTime(t *testing.T) {
	commitTimes := func(hwCost time.Duration) (map[string]time.Duration, error) {
		c, d := NewVolume(`C:\`), NewVolume(`D:\`)
		vols := NewVolumeSet(c, d)
		provs := []provider.Provider{NewSystemProvider(vols),
			NewHardwareProvider(vols, WithSupportedVolumes(`D:\`), WithCommitCost(hwCost))}
		s, _, err := NewSession(Config{Seed: 1, Providers: provs, Volumes: vols})
		require.NoError(t, err)
		defer s.Close()
		_, err = requestor.Backup(context.Background(), s, requestor.Plan{Volumes: []string{`C:\`, `D:\`}})
		took := map[string]time.Duration{}
		start := map[string]time.Duration{}
		for _, r := range s.Trace() {
			if r.Method == provider.MethodCommitSnapshots {
				if r.Kind == coordinator.RecProviderCall {
					start[r.Actor.Name] = r.At
				} else if r.Kind == coordinator.RecProviderResult {
					took[r.Actor.Name] = r.At - start[r.Actor.Name]
				}
			}
		}
		return took, err
	}
	took, err := commitTimes(DefaultHardwareCommitCost)
	require.NoError(t, err)
	assert.Equal(t, DefaultSystemCommitCost, took[NewSystemProvider(nil).Info().Name])
	assert.Equal(t, DefaultHardwareCommitCost, took[NewHardwareProvider(nil).Info().Name])

	_, err = commitTimes(11 * time.Second)
	assert.ErrorIs(t, err, vss.ErrFlushWritesTimeout)
}
