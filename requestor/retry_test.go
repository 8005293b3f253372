package requestor_test

import (
	"context"
	"errors"
	"math/rand/v2"
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

// heldSet is a session on a machine where another requestor holds the
// snapshot set until heldFor has passed on a clock of its own:
// StartSnapshotSet fails with VSS_E_SNAPSHOT_SET_IN_PROGRESS until then,
// and Sleep advances the clock (it is a requestor.Sleeper).
type heldSet struct {
	requestor.Requestor
	heldFor time.Duration
	now     time.Duration
	starts  []time.Duration // when StartSnapshotSet was called
	slept   []time.Duration
}

func (h *heldSet) StartSnapshotSet(ctx context.Context) (vss.ID, error) {
	h.starts = append(h.starts, h.now)
	if h.now < h.heldFor {
		return vss.NilID, &vss.Error{Op: "StartSnapshotSet", Code: vss.ErrSnapshotSetInProgress, Detail: "another requestor's set is being created"}
	}
	return h.Requestor.StartSnapshotSet(ctx)
}

func (h *heldSet) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	h.slept = append(h.slept, d)
	h.now += d
	return nil
}

// With the set held for 7 s, Backup with Retry waits and tries
// StartSnapshotSet again in place (its page: "Either wait to try again
// or return with a failure error code"), on the session's clock, and
// succeeds on a later attempt; every attempt is in the Result. Without
// Retry it fails with VSS_E_SNAPSHOT_SET_IN_PROGRESS.
func TestRetryWhileAnotherSetIsInProgress(t *testing.T) {
	ctx := context.Background()
	w := simulate.NewScriptedWriter("Orders")
	h := &heldSet{Requestor: newSession(t, nil, w), heldFor: 7 * time.Second}
	res, err := requestor.Backup(ctx, h, requestor.Plan{Volumes: []string{`C:\`},
		Retry: requestor.Retry{Attempts: 5, Delay: 2 * time.Second}})
	require.NoError(t, err)
	assert.Equal(t, []time.Duration{0, 2 * time.Second, 6 * time.Second, 14 * time.Second}, h.starts)
	assert.Equal(t, []time.Duration{2 * time.Second, 4 * time.Second, 8 * time.Second}, h.slept)
	require.Len(t, res.Attempts, 4)
	for i, a := range res.Attempts[:3] {
		assert.Equal(t, "StartSnapshotSet", a.Step, "attempt %d", i+1)
		assert.ErrorIs(t, a.Err, vss.ErrSnapshotSetInProgress)
		assert.Equal(t, h.slept[i], a.Wait)
		assert.Zero(t, a.Session)
	}
	assert.Equal(t, requestor.Attempt{}, res.Attempts[3], "the last attempt succeeded")
	assert.Equal(t, h, res.Session)
	assert.Equal(t, writer.EventBackupComplete, w.Events()[len(w.Events())-1])

	h = &heldSet{Requestor: newSession(t, nil, simulate.NewScriptedWriter("Orders")), heldFor: 7 * time.Second}
	res, err = requestor.Backup(ctx, h, requestor.Plan{Volumes: []string{`C:\`}})
	assert.Nil(t, res)
	require.ErrorIs(t, err, vss.ErrSnapshotSetInProgress)
	var be *requestor.BackupError
	require.ErrorAs(t, err, &be)
	assert.Equal(t, "StartSnapshotSet", be.Step)
	assert.Len(t, be.Attempts, 1)
	assert.Empty(t, h.slept)
}

// When every attempt fails, the error lists them all, and says so.
func TestRetryGivesUpAfterItsAttempts(t *testing.T) {
	h := &heldSet{Requestor: newSession(t, nil), heldFor: time.Hour}
	_, err := requestor.Backup(context.Background(), h, requestor.Plan{Volumes: []string{`C:\`},
		Retry: requestor.Retry{Attempts: 3, Delay: time.Minute, MaxDelay: 90 * time.Second}})
	require.ErrorIs(t, err, vss.ErrSnapshotSetInProgress)
	var be *requestor.BackupError
	require.ErrorAs(t, err, &be)
	require.Len(t, be.Attempts, 3)
	assert.Equal(t, []time.Duration{time.Minute, 90 * time.Second}, h.slept, "doubled, up to MaxDelay")
	assert.Zero(t, be.Attempts[2].Wait)
	assert.Contains(t, err.Error(), "(attempt 3; the earlier ones failed at StartSnapshotSet, StartSnapshotSet)")
}

// Jitter takes a random part off each wait, drawn from Retry.Rand: the
// same seed gives the same waits.
func TestRetryJitterIsSeeded(t *testing.T) {
	waits := func(seed uint64) []time.Duration {
		h := &heldSet{Requestor: newSession(t, nil), heldFor: time.Hour}
		_, err := requestor.Backup(context.Background(), h, requestor.Plan{Volumes: []string{`C:\`},
			Retry: requestor.Retry{Attempts: 4, Delay: 10 * time.Second, Jitter: 0.5, Rand: rand.New(rand.NewPCG(seed, 0))}})
		require.ErrorIs(t, err, vss.ErrSnapshotSetInProgress)
		return h.slept
	}
	a := waits(1)
	assert.Equal(t, a, waits(1))
	assert.NotEqual(t, a, waits(2))
	for i, d := range a {
		full := 10 * time.Second << i
		assert.True(t, d > full/2 && d <= full, "wait %d: %v", i, d)
	}
}

// A session with no clock of its own waits on a real timer (here the
// synctest bubble's), and a context that ends during the wait ends the
// backup, cancelled.
func TestRetryWaitsOnARealTimer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		type noClock struct{ requestor.Requestor }
		h := &heldSet{Requestor: newSession(t, nil), heldFor: time.Hour}
		start := time.Now()
		_, err := requestor.Backup(context.Background(), noClock{h}, requestor.Plan{Volumes: []string{`C:\`},
			Retry: requestor.Retry{Attempts: 3, Delay: 5 * time.Second}})
		require.ErrorIs(t, err, vss.ErrSnapshotSetInProgress)
		assert.Equal(t, 15*time.Second, time.Since(start))
		assert.Empty(t, h.slept)

		ctx, cancel := context.WithTimeout(context.Background(), 7*time.Second)
		defer cancel()
		_, err = requestor.Backup(ctx, noClock{&heldSet{Requestor: newSession(t, nil), heldFor: time.Hour}},
			requestor.Plan{Volumes: []string{`C:\`}, Retry: requestor.Retry{Attempts: 3, Delay: 5 * time.Second}})
		require.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Equal(t, vss.ErrAbort, vss.CodeOf(err))
		var be *requestor.BackupError
		require.ErrorAs(t, err, &be)
		assert.Equal(t, "waiting to retry StartSnapshotSet", be.Step)
		assert.Len(t, be.Attempts, 2)
	})
}

// sessions opens simulated sessions on one machine's volumes, with the
// writers, for Retry.Open; the first session built may carry a fault plan.
type sessions struct {
	t      *testing.T
	vols   *simulate.VolumeSet
	ws     []writer.Writer
	opened []requestor.Requestor
}

func (o *sessions) open(faults simulate.Plan) requestor.Requestor {
	var p provider.Provider = simulate.NewSystemProvider(o.vols)
	if len(faults) > 0 {
		p = simulate.InjectProvider(p, faults, nil)
	}
	s, _, err := simulate.NewSession(simulate.Config{Seed: uint64(len(o.opened)), Writers: o.ws, Providers: []provider.Provider{p}, Volumes: o.vols})
	require.NoError(o.t, err)
	o.t.Cleanup(func() { _ = s.Close() })
	o.opened = append(o.opened, s)
	return s
}

// clocked gives a session a clock that only records the waits.
type clocked struct {
	requestor.Requestor
	slept *[]time.Duration
}

func (c clocked) Sleep(_ context.Context, d time.Duration) error {
	*c.slept = append(*c.slept, d)
	return nil
}

// A failure a new session may not have (a writer's
// VSS_E_WRITERERROR_RETRYABLE, the flush-and-hold window missed) is
// retried with the whole backup on a session Retry.Open returns: the
// failed session is cleaned up, the new one makes the backup and is
// Result.Session. Without Open such a failure ends the backup at once.
func TestRetryTheWholeBackupOnANewSession(t *testing.T) {
	ctx := context.Background()
	t.Run("retryable writer", func(t *testing.T) {
		w := simulate.NewScriptedWriter("Orders", simulate.On(writer.EventFreeze, simulate.Behavior{Err: vss.ErrWriterRetryable, Times: 1}))
		o := &sessions{t: t, vols: simulate.NewVolumeSet(simulate.NewVolume(`C:\`)), ws: []writer.Writer{w}}
		var slept []time.Duration
		first := clocked{o.open(nil), &slept}
		res, err := requestor.Backup(ctx, first, requestor.Plan{Volumes: []string{`C:\`}, RequireWriters: []vss.ID{w.Info().ClassID},
			Retry: requestor.Retry{Attempts: 3, Open: func(context.Context) (requestor.Requestor, error) { return o.open(nil), nil }}})
		require.NoError(t, err)
		require.Len(t, res.Attempts, 2)
		assert.Equal(t, "GatherWriterStatus after DoSnapshotSet", res.Attempts[0].Step)
		assert.ErrorIs(t, res.Attempts[0].Err, vss.ErrWriterRetryable)
		assert.Equal(t, requestor.DefaultRetryDelay, res.Attempts[0].Wait)
		assert.Equal(t, []time.Duration{requestor.DefaultRetryDelay}, slept, "on the first session's clock")
		assert.Equal(t, requestor.Attempt{Session: 1}, res.Attempts[1])
		require.Len(t, o.opened, 2)
		assert.Equal(t, o.opened[1], res.Session)
		assert.Equal(t, 2, w.Count(writer.EventFreeze))
		assert.Equal(t, 1, w.Count(writer.EventBackupComplete))
	})
	t.Run("flush and hold", func(t *testing.T) {
		slow, err := simulate.ParsePlan(`provider "vss simulated system provider" CommitSnapshots delay(11s)`)
		require.NoError(t, err)
		o := &sessions{t: t, vols: simulate.NewVolumeSet(simulate.NewVolume(`C:\`))}
		var slept []time.Duration
		_, err = requestor.Backup(ctx, clocked{o.open(slow), &slept}, requestor.Plan{Volumes: []string{`C:\`}, Retry: requestor.Retry{Attempts: 3}})
		require.ErrorIs(t, err, vss.ErrFlushWritesTimeout)
		var be *requestor.BackupError
		require.ErrorAs(t, err, &be)
		assert.Len(t, be.Attempts, 1, "no Open: no new session to retry on")
		assert.Empty(t, slept)

		res, err := requestor.Backup(ctx, clocked{o.open(slow), &slept}, requestor.Plan{Volumes: []string{`C:\`},
			Retry: requestor.Retry{Attempts: 3, Delay: time.Minute, Open: func(context.Context) (requestor.Requestor, error) { return o.open(nil), nil }}})
		require.NoError(t, err)
		require.Len(t, res.Attempts, 2)
		assert.Equal(t, "DoSnapshotSet", res.Attempts[0].Step)
		assert.ErrorIs(t, res.Attempts[0].Err, vss.ErrFlushWritesTimeout)
		assert.Equal(t, []time.Duration{time.Minute}, slept)
	})
	t.Run("not retryable", func(t *testing.T) {
		w := simulate.NewScriptedWriter("Orders", simulate.On(writer.EventFreeze, simulate.Behavior{Err: vss.ErrWriterNonRetryable}))
		o := &sessions{t: t, vols: simulate.NewVolumeSet(simulate.NewVolume(`C:\`)), ws: []writer.Writer{w}}
		_, err := requestor.Backup(ctx, o.open(nil), requestor.Plan{Volumes: []string{`C:\`}, RequireWriters: []vss.ID{w.Info().ClassID},
			Retry: requestor.Retry{Attempts: 3, Open: func(context.Context) (requestor.Requestor, error) { return o.open(nil), nil }}})
		require.ErrorIs(t, err, vss.ErrWriterNonRetryable)
		assert.Len(t, o.opened, 1)
	})
	t.Run("every attempt fails", func(t *testing.T) {
		w := simulate.NewScriptedWriter("Orders", simulate.On(writer.EventFreeze, simulate.Behavior{Err: vss.ErrWriterRetryable}))
		o := &sessions{t: t, vols: simulate.NewVolumeSet(simulate.NewVolume(`C:\`)), ws: []writer.Writer{w}}
		var slept []time.Duration
		first := o.open(nil)
		_, err := requestor.Backup(ctx, clocked{first, &slept}, requestor.Plan{Volumes: []string{`C:\`}, RequireWriters: []vss.ID{w.Info().ClassID},
			Retry: requestor.Retry{Attempts: 3, Open: func(context.Context) (requestor.Requestor, error) { return o.open(nil), nil }}})
		var be *requestor.BackupError
		require.ErrorAs(t, err, &be)
		require.Len(t, be.Attempts, 3)
		for i, a := range be.Attempts {
			assert.Equal(t, i, a.Session)
			assert.ErrorIs(t, a.Err, vss.ErrWriterRetryable)
		}
		assert.Equal(t, []time.Duration{requestor.DefaultRetryDelay, 2 * requestor.DefaultRetryDelay}, slept)
		require.Len(t, o.opened, 3)
		assert.Equal(t, coordinator.PhaseClosed, o.opened[1].(*coordinator.Session).Phase(), "Backup closes the sessions it opened")
		assert.Equal(t, coordinator.PhaseClosed, o.opened[2].(*coordinator.Session).Phase())
		assert.NotEqual(t, coordinator.PhaseClosed, first.(*coordinator.Session).Phase(), "the caller's session is the caller's to close")
	})
	t.Run("open fails", func(t *testing.T) {
		w := simulate.NewScriptedWriter("Orders", simulate.On(writer.EventFreeze, simulate.Behavior{Err: vss.ErrWriterRetryable}))
		o := &sessions{t: t, vols: simulate.NewVolumeSet(simulate.NewVolume(`C:\`)), ws: []writer.Writer{w}}
		var slept []time.Duration
		denied := &vss.Error{Op: "CreateVssBackupComponents", Code: vss.ErrAccessDenied}
		_, err := requestor.Backup(ctx, clocked{o.open(nil), &slept}, requestor.Plan{Volumes: []string{`C:\`}, RequireWriters: []vss.ID{w.Info().ClassID},
			Retry: requestor.Retry{Attempts: 3, Open: func(context.Context) (requestor.Requestor, error) { return nil, denied }}})
		var be *requestor.BackupError
		require.ErrorAs(t, err, &be)
		assert.Equal(t, "Retry.Open", be.Step)
		assert.True(t, errors.Is(err, vss.ErrAccessDenied))
		require.Len(t, be.Attempts, 2)
		assert.ErrorIs(t, be.Attempts[0].Err, vss.ErrWriterRetryable)
	})
}
