package simulate

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/writer"
)

// appBackup is one backup of a machine where a transactional application
// (fronted by the front-end writer) writes to C:\ and an unaware one to
// D:\, while three writers are frozen in turn.
type appBackup struct {
	aware   *TransactionalApp
	unaware *UnawareApp
	// snapshot checks, made at step 10
	awareSnap, unawareSnap error
	copied                 bool
	err                    error
}

func runAppBackup(t *testing.T, seed uint64, bug AppBug) *appBackup {
	t.Helper()
	c, d := NewVolume(`C:\`), NewVolume(`D:\`)
	vols := NewVolumeSet(c, d)
	r := &appBackup{aware: NewTransactionalApp(c, AppConfig{Bug: bug}), unaware: NewUnawareApp(d, AppConfig{Dir: "logs"})}
	front := NewAppWriter(r.aware, NewScriptedWriter("Front", WithLevel(vss.AppFrontEnd),
		On(writer.EventFreeze, Behavior{Cost: 200 * time.Millisecond})))
	ws := []writer.Writer{front,
		NewScriptedWriter("Back", WithLevel(vss.AppBackEnd), On(writer.EventFreeze, Behavior{Cost: 500 * time.Millisecond})),
		NewScriptedWriter("System", WithLevel(vss.AppSystem), On(writer.EventFreeze, Behavior{Cost: 100 * time.Millisecond})),
	}
	provs := []provider.Provider{NewSystemProvider(vols), NewHardwareProvider(vols, WithSupportedVolumes(`D:\`))}
	s, loop, err := NewSession(Config{Seed: seed, Writers: ws, Providers: provs, Volumes: vols, Jitter: 20 * time.Millisecond})
	require.NoError(t, err)
	r.aware.Start(loop)
	r.unaware.Start(loop)
	_, r.err = requestor.Backup(context.Background(), s, requestor.Plan{Volumes: []string{`C:\`, `D:\`},
		Copy: func(ctx context.Context, src *requestor.CopySource) error {
			snaps := src.Snapshots
			r.copied = true
			for _, sn := range snaps {
				switch sn.Volume {
				case `C:\`:
					r.awareSnap = r.aware.CheckSnapshot(sn.FS)
				case `D:\`:
					r.unawareSnap = r.unaware.CheckSnapshot(sn.FS)
				}
			}
			return nil
		}})
	require.NoError(t, s.Close())
	r.aware.Settle()
	r.unaware.Settle()
	assert.NoError(t, r.aware.CheckLive(c.FS()), "seed %d: aware app lost a write", seed)
	assert.NoError(t, r.unaware.CheckLive(d.FS()), "seed %d: unaware app lost a write", seed)
	assert.Zero(t, r.aware.Pending(), "seed %d", seed)
	assert.Zero(t, r.unaware.Pending(), "seed %d", seed)
	return r
}

// TestUnawareAppTornRecordFoundBySeed searches seeds, in order, for a
// backup whose shadow copy holds a torn record of the application that is
// not VSS-aware, and shows that the VSS-aware application is consistent
// in every one of those backups.
func TestUnawareAppTornRecordFoundBySeed(t *testing.T) {
	var torn []uint64
	for seed := uint64(1); seed <= 60; seed++ {
		r := runAppBackup(t, seed, AppCorrect)
		require.NoError(t, r.err, "seed %d", seed)
		require.True(t, r.copied)
		assert.NoError(t, r.awareSnap, "seed %d: the aware app's shadow copy must be consistent", seed)
		if r.unawareSnap != nil {
			require.ErrorIs(t, r.unawareSnap, ErrTornRecord)
			if len(torn) == 0 {
				t.Logf("seed %d: the unaware app's shadow copy is torn: %v", seed, r.unawareSnap)
			}
			torn = append(torn, seed)
		}
	}
	require.NotEmpty(t, torn, "no seed tore a record of the unaware app")
	t.Logf("torn records in %d of 60 seeds: %v", len(torn), torn)
}

func TestTransactionalAppWritesWhileFrozenAreQueued(t *testing.T) {
	r := runAppBackup(t, 1, AppCorrect)
	require.NoError(t, r.err)
	st := r.aware.Stats()
	assert.Positive(t, st.Requests)
	assert.Equal(t, st.Requests, st.Acknowledged)
	queued := 0
	for _, tx := range r.aware.txns {
		if tx.queuedAt {
			queued++
		}
	}
	assert.Positive(t, queued, "no transaction arrived during the freeze")
}

func TestTransactionalAppResumeIsIdempotent(t *testing.T) {
	vol := NewVolume(`C:\`)
	app := NewTransactionalApp(vol, AppConfig{Requests: 3})
	loop := NewLoop(1)
	app.Start(loop)
	app.Resume() // Abort without Freeze
	assert.False(t, app.Frozen())
	app.Freeze(context.Background())
	app.Freeze(context.Background())
	assert.True(t, app.Frozen())
	app.Resume()
	app.Resume() // a second Abort
	assert.False(t, app.Frozen())
	app.Settle()
	assert.NoError(t, app.CheckLive(vol.FS()))
	assert.NoError(t, app.CheckSnapshot(vol.Snapshot().FS()))
}

// TestBrokenAwareAppsAreCaught: the checks are not vacuous.
func TestBrokenAwareAppsAreCaught(t *testing.T) {
	t.Run("does not queue during freeze", func(t *testing.T) {
		caught := false
		for seed := uint64(1); seed <= 40 && !caught; seed++ {
			r := runAppBackup(t, seed, AppBugNoQueue)
			caught = errors.Is(r.awareSnap, ErrTornRecord)
		}
		assert.True(t, caught, "a writer that lets its application write while frozen must tear a snapshot for some seed")
	})
	t.Run("drops the queue on abort", func(t *testing.T) {
		vol := NewVolume(`C:\`)
		app := NewTransactionalApp(vol, AppConfig{Requests: 4, Interval: 10 * time.Millisecond, Bug: AppBugDropQueue})
		loop := NewLoop(1)
		app.Start(loop)
		app.Freeze(context.Background())
		loop.Advance(time.Second)
		for range 4 {
			app.arrive()
		}
		app.Resume()
		app.Settle()
		assert.ErrorIs(t, app.CheckLive(vol.FS()), ErrLostWrite)
	})
}
