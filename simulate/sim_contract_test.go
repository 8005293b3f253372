package simulate

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/coordinator"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/writer"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// TestWriterSuiteBlockedForever leaves these blocked for good, on
		// purpose: a writer whose Freeze never returns, the session close
		// waiting for it and the synctest bubble they were in.
		goleak.IgnoreAnyFunction("github.com/vsskit/vss/simulate.(*stuckWriter).OnFreeze"),
		goleak.IgnoreAnyFunction("github.com/vsskit/vss/simulate.ruleFreezeWithinTimeout"),
		goleak.IgnoreTopFunction("testing/synctest.testingSynctestTest"))
}

// world is a simulated machine for the contract tests: two volumes, the
// software provider (possibly scripted) and the given writers.
type world struct {
	t       *testing.T
	s       *coordinator.Session
	loop    *Loop
	vols    *VolumeSet
	prov    provider.Provider
	writers []*ScriptedWriter
}

func newWorld(t *testing.T, writers []*ScriptedWriter, faults ...Fault) *world {
	t.Helper()
	c := NewVolume(`C:\`)
	require.NoError(t, c.WriteFile("data.db", []byte("the database")))
	d := NewVolume(`D:\`)
	require.NoError(t, d.WriteFile("log.txt", []byte("the log")))
	vols := NewVolumeSet(c, d)
	var p provider.Provider = NewSystemProvider(vols)
	if len(faults) > 0 {
		for i := range faults {
			faults[i].Actor = ProviderActor(p.Info().Name)
		}
		p = InjectProvider(p, Plan(faults), nil)
	}
	ws := make([]writer.Writer, len(writers))
	for i, w := range writers {
		ws[i] = w
	}
	s, loop, err := NewSession(Config{Seed: 1, Writers: ws, Providers: []provider.Provider{p}, Volumes: vols})
	require.NoError(t, err)
	w := &world{t: t, s: s, loop: loop, vols: vols, prov: p, writers: writers}
	t.Cleanup(func() {
		_ = s.Close()
		w.assertNoWriterFrozen()
	})
	return w
}

func threeWriters(opts ...WriterOption) []*ScriptedWriter {
	return []*ScriptedWriter{
		NewScriptedWriter("Front", append([]WriterOption{WithLevel(vss.AppFrontEnd)}, opts...)...),
		NewScriptedWriter("Back", WithLevel(vss.AppBackEnd)),
		NewScriptedWriter("System", WithLevel(vss.AppSystem)),
	}
}

// prepare runs the calls up to PrepareForBackup with both volumes.
func (w *world) prepare() {
	w.t.Helper()
	ctx := context.Background()
	require.NoError(w.t, w.s.InitializeForBackup(ctx, ""))
	require.NoError(w.t, w.s.SetBackupState(ctx, requestor.BackupState{Type: vss.BackupFull}))
	require.NoError(w.t, w.s.GatherWriterMetadata(ctx))
	_, err := w.s.StartSnapshotSet(ctx)
	require.NoError(w.t, err)
	for _, v := range []string{`C:\`, `D:\`} {
		_, err := w.s.AddToSnapshotSet(ctx, v, vss.NilID)
		require.NoError(w.t, err)
	}
	require.NoError(w.t, w.s.PrepareForBackup(ctx))
}

func (w *world) status() map[string]requestor.WriterStatus {
	w.t.Helper()
	ctx := context.Background()
	require.NoError(w.t, w.s.GatherWriterStatus(ctx))
	st, err := w.s.WriterStatus(ctx)
	require.NoError(w.t, err)
	m := map[string]requestor.WriterStatus{}
	for _, s := range st {
		m[s.Name] = s
	}
	return m
}

func (w *world) snapshots() []provider.Snapshot {
	w.t.Helper()
	snaps, err := w.prov.Query(context.Background())
	require.NoError(w.t, err)
	return snaps
}

func (w *world) assertNoWriterFrozen() {
	w.t.Helper()
	for _, wr := range w.writers {
		assert.False(w.t, wr.Frozen(), "writer %q left frozen", wr.Info().Name)
	}
	assert.Empty(w.t, w.s.Frozen(), "coordinator thinks writers are frozen")
}

var writerSentinels = []struct {
	name string
	err  error
	want vss.HRESULT
}{
	{"InconsistentSnapshot", vss.ErrWriterInconsistentSnapshot, vss.ErrWriterInconsistentSnapshot},
	{"OutOfResources", vss.ErrWriterOutOfResources, vss.ErrWriterOutOfResources},
	{"Timeout", vss.ErrWriterTimeout, vss.ErrWriterTimeout},
	{"Retryable", vss.ErrWriterRetryable, vss.ErrWriterRetryable},
	{"NonRetryable", vss.ErrWriterNonRetryable, vss.ErrWriterNonRetryable},
	{"Wrapped", fmt.Errorf("disk busy: %w", vss.ErrWriterRetryable), vss.ErrWriterRetryable},
	{"PlainError", errors.New("something broke"), vss.ErrWriterNonRetryable},
}

// TestWriterFailureAtEachEvent is the failure rule of DESIGN.md section 4:
// a writer failing an event with each writer-error sentinel gets the
// matching FAILED_AT state and code, Abort only at Freeze and Thaw, and
// the set is still created.
func TestWriterFailureAtEachEvent(t *testing.T) {
	events := []struct {
		kind      writer.EventKind
		wantAbort bool
	}{
		{writer.EventIdentify, false},
		{writer.EventPrepareBackup, false},
		{writer.EventPrepareSnapshot, false},
		{writer.EventFreeze, true},
		{writer.EventThaw, true},
		{writer.EventPostSnapshot, false},
		{writer.EventBackupComplete, false},
	}
	for _, ev := range events {
		for _, sen := range writerSentinels {
			t.Run(ev.kind.String()+"/"+sen.name, func(t *testing.T) {
				ws := threeWriters(On(ev.kind, Behavior{Err: sen.err}))
				w := newWorld(t, ws)
				w.prepare()
				ctx := context.Background()
				require.NoError(t, w.s.DoSnapshotSet(ctx), "a writer's failure never fails DoSnapshotSet")
				require.NoError(t, w.s.BackupComplete(ctx))
				assert.Len(t, w.snapshots(), 2, "the shadow copy set is still created")

				st, listed := w.status()["Front"]
				if ev.kind == writer.EventIdentify {
					// GetWriterStatus lists only writers whose metadata
					// Identify gave VSS (determining-writer-status); the
					// session still knows the writer's state.
					assert.False(t, listed, "a writer failing Identify is not listed by GatherWriterStatus")
					state, failure, ok := w.s.WriterState("Front")
					require.True(t, ok)
					st = requestor.WriterStatus{State: state, Failure: failure, FailedAt: writer.EventIdentify}
				}
				assert.Equal(t, ev.kind.FailedState(), st.State)
				assert.Equal(t, sen.want, st.Failure)
				assert.Equal(t, ev.kind, st.FailedAt)
				assert.Equal(t, ev.wantAbort, ws[0].Count(writer.EventAbort) > 0, "Abort sent")
				for _, other := range []string{"Back", "System"} {
					assert.Equal(t, vss.WriterStable, w.status()[other].State, other)
				}
				if ev.kind == writer.EventIdentify {
					md, err := w.s.WriterMetadata(ctx)
					require.NoError(t, err)
					assert.Len(t, md, 2, "a writer failing Identify has no metadata")
					assert.Equal(t, []writer.EventKind{writer.EventIdentify}, ws[0].Events(), "and takes no further part")
				}
				if ev.kind == writer.EventFreeze {
					assert.NotContains(t, ws[0].Events(), writer.EventThaw, "a writer failed at Freeze is aborted, not thawed")
				}
			})
		}
	}
}

// TestWriterPanicIsContained: a panic at any event counts as a
// non-retryable failure at that event.
func TestWriterPanicIsContained(t *testing.T) {
	for _, kind := range []writer.EventKind{writer.EventIdentify, writer.EventPrepareBackup, writer.EventPrepareSnapshot,
		writer.EventFreeze, writer.EventThaw, writer.EventPostSnapshot, writer.EventBackupComplete} {
		t.Run(kind.String(), func(t *testing.T) {
			ws := threeWriters(On(kind, Behavior{Panic: "boom"}))
			w := newWorld(t, ws)
			w.prepare()
			ctx := context.Background()
			require.NoError(t, w.s.DoSnapshotSet(ctx))
			require.NoError(t, w.s.BackupComplete(ctx))
			if kind == writer.EventIdentify { // not listed by GatherWriterStatus
				state, failure, _ := w.s.WriterState("Front")
				assert.Equal(t, kind.FailedState(), state)
				assert.Equal(t, vss.ErrWriterNonRetryable, failure)
				return
			}
			st := w.status()["Front"]
			assert.Equal(t, kind.FailedState(), st.State)
			assert.Equal(t, vss.ErrWriterNonRetryable, st.Failure)
			assert.Contains(t, st.Detail, "panicked")
		})
	}
}

// TestFreezeTimeout: a writer whose Freeze takes longer than its freeze
// timeout is failed with VSS_E_WRITERERROR_TIMEOUT at the timeout, gets
// Abort and is not frozen any more, while the others carry on.
func TestFreezeTimeout(t *testing.T) {
	ws := threeWriters(On(writer.EventFreeze, Behavior{Cost: 90 * time.Second}))
	w := newWorld(t, ws)
	w.prepare()
	start := w.loop.Elapsed()
	require.NoError(t, w.s.DoSnapshotSet(context.Background()))
	st := w.status()
	assert.Equal(t, vss.WriterFailedAtFreeze, st["Front"].State)
	assert.Equal(t, vss.ErrWriterTimeout, st["Front"].Failure)
	assert.Equal(t, 1, ws[0].Count(writer.EventAbort))
	assert.Equal(t, vss.WriterWaitingForBackupComplete, st["Back"].State)
	assert.Equal(t, vss.WriterWaitingForBackupComplete, st["System"].State)
	assert.Less(t, w.loop.Elapsed()-start, 61*time.Second, "the freeze timeout (60 s) bounds the wait, not the writer")
	abortAt := firstAt(t, w.s.Trace(), "Front", writer.EventAbort)
	assert.Equal(t, 60*time.Second, abortAt-firstAt(t, w.s.Trace(), "Front", writer.EventFreeze), "Abort at the timeout")
	assert.Len(t, w.snapshots(), 2)
}

// TestFrozenWriterTimesOutWhileOthersFreeze: a front-end writer frozen in
// time is aborted at its own timeout while a slow back-end writer is still
// freezing; it is never left frozen past its timeout.
func TestFrozenWriterTimesOutWhileOthersFreeze(t *testing.T) {
	ws := []*ScriptedWriter{
		NewScriptedWriter("Front", WithLevel(vss.AppFrontEnd), WithFreezeTimeout(10*time.Second)),
		NewScriptedWriter("Back", WithLevel(vss.AppBackEnd), On(writer.EventFreeze, Behavior{Cost: 15 * time.Second})),
	}
	w := newWorld(t, ws)
	w.prepare()
	require.NoError(t, w.s.DoSnapshotSet(context.Background()))
	st := w.status()
	assert.Equal(t, vss.WriterFailedAtThaw, st["Front"].State, "timed out while waiting for Thaw")
	assert.Equal(t, vss.ErrWriterTimeout, st["Front"].Failure)
	assert.NotContains(t, ws[0].Events(), writer.EventThaw)
	assert.Equal(t, vss.WriterWaitingForBackupComplete, st["Back"].State)
	freeze := firstAt(t, w.s.Trace(), "Front", writer.EventFreeze)
	abort := firstAt(t, w.s.Trace(), "Front", writer.EventAbort)
	assert.Equal(t, 10*time.Second, abort-freeze)
}

// TestProviderFailureAtEachCommitCall: any provider failure after
// PrepareForSnapshot fails DoSnapshotSet, aborts the writers not yet past
// PostSnapshot and leaves no snapshot of the set.
func TestProviderFailureAtEachCommitCall(t *testing.T) {
	methods := []string{"EndPrepareSnapshots", "PreCommitSnapshots", "CommitSnapshots", "PostCommitSnapshots",
		"PreFinalCommitSnapshots", "PostFinalCommitSnapshots"}
	errs := []struct {
		name string
		code vss.HRESULT // zero: an error that carries no HRESULT
		want vss.HRESULT
	}{
		{"Veto", vss.ErrProviderVeto, vss.ErrProviderVeto},
		{"Undocumented", 0, vss.ErrUnexpectedProviderError},
	}
	for _, m := range methods {
		for _, e := range errs {
			t.Run(m+"/"+e.name, func(t *testing.T) {
				ws := threeWriters()
				w := newWorld(t, ws, Fault{Site: m, Kind: FaultError, Code: e.code})
				w.prepare()
				err := w.s.DoSnapshotSet(context.Background())
				require.ErrorIs(t, err, e.want)
				assert.Empty(t, w.snapshots(), "no snapshot of the set remains")
				for _, wr := range ws {
					if m == "PostFinalCommitSnapshots" {
						// PostSnapshot came before: writers past it get no Abort.
						assert.Zero(t, wr.Count(writer.EventAbort), "%s is past PostSnapshot", wr.Info().Name)
					} else {
						assert.Positive(t, wr.Count(writer.EventAbort), "%s gets Abort", wr.Info().Name)
					}
				}
				assert.Equal(t, coordinator.PhaseAborted, w.s.Phase())
				assert.False(t, mustVolume(t, w.vols, `C:\`).Held(), "writes released")
			})
		}
	}
}

// TestCommitLongerThanHoldWindow: a commit that takes more than 10 s fails
// with VSS_E_FLUSH_WRITES_TIMEOUT and the same abort.
func TestCommitLongerThanHoldWindow(t *testing.T) {
	ws := threeWriters()
	w := newWorld(t, ws, Fault{Site: "CommitSnapshots", Kind: FaultDelay, Delay: 11 * time.Second})
	w.prepare()
	err := w.s.DoSnapshotSet(context.Background())
	require.ErrorIs(t, err, vss.ErrFlushWritesTimeout)
	assert.Empty(t, w.snapshots())
	for _, wr := range ws {
		assert.Positive(t, wr.Count(writer.EventAbort))
		assert.NotContains(t, wr.Events(), writer.EventThaw)
	}
	assert.False(t, mustVolume(t, w.vols, `C:\`).Held())

	// Exactly 10 s, the delay plus the provider's own commit cost, is
	// inside the window.
	w2 := newWorld(t, threeWriters(), Fault{Site: "CommitSnapshots", Kind: FaultDelay, Delay: 10*time.Second - DefaultSystemCommitCost})
	w2.prepare()
	require.NoError(t, w2.s.DoSnapshotSet(context.Background()))
}

// TestCancelMidFreeze: cancelling the requestor's context while writers are
// frozen thaws or aborts every one of them before DoSnapshotSet returns.
func TestCancelMidFreeze(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ws := threeWriters()
	ws[1] = NewScriptedWriter("Back", WithLevel(vss.AppBackEnd), On(writer.EventFreeze, Behavior{
		Do: func(context.Context, *writer.Event) { cancel() }, Cost: time.Second}))
	w := newWorld(t, ws)
	w.prepare()
	err := w.s.DoSnapshotSet(ctx)
	require.ErrorIs(t, err, context.Canceled)
	w.assertNoWriterFrozen()
	assert.Positive(t, ws[0].Count(writer.EventAbort))
	assert.Positive(t, ws[1].Count(writer.EventAbort))
	assert.Empty(t, w.snapshots())
}

// TestSecondDoSnapshotSetWhileInProgress: only one set is created at a time.
func TestSecondDoSnapshotSetWhileInProgress(t *testing.T) {
	var second error
	var w *world
	ws := threeWriters(On(writer.EventFreeze, Behavior{Do: func(ctx context.Context, _ *writer.Event) {
		second = w.s.DoSnapshotSet(context.Background())
	}}))
	w = newWorld(t, ws)
	w.prepare()
	require.NoError(t, w.s.DoSnapshotSet(context.Background()))
	assert.ErrorIs(t, second, vss.ErrSnapshotSetInProgress)
}

func TestTooManyAndUnsupportedVolumes(t *testing.T) {
	vols := NewVolumeSet()
	for i := range 65 {
		require.NoError(t, vols.Add(NewVolume(fmt.Sprintf(`V%02d:\`, i))))
	}
	s, _, err := NewSession(Config{Providers: []provider.Provider{NewSystemProvider(vols)}, Volumes: vols})
	require.NoError(t, err)
	defer s.Close()
	ctx := context.Background()
	require.NoError(t, s.InitializeForBackup(ctx, ""))
	require.NoError(t, s.GatherWriterMetadata(ctx))
	_, err = s.StartSnapshotSet(ctx)
	require.NoError(t, err)
	_, err = s.AddToSnapshotSet(ctx, `Z:\`, vss.NilID)
	assert.ErrorIs(t, err, vss.ErrVolumeNotSupported)
	for i := range 64 {
		_, err := s.AddToSnapshotSet(ctx, fmt.Sprintf(`V%02d:\`, i), vss.NilID)
		require.NoError(t, err)
	}
	_, err = s.AddToSnapshotSet(ctx, `V64:\`, vss.NilID)
	assert.ErrorIs(t, err, vss.ErrMaximumNumberOfVolumesReached)
}

func TestOutOfOrderCallsThroughTheSession(t *testing.T) {
	w := newWorld(t, threeWriters())
	ctx := context.Background()
	assert.ErrorIs(t, w.s.DoSnapshotSet(ctx), vss.ErrBadState)
	assert.ErrorIs(t, w.s.AbortBackup(ctx), vss.ErrBadState, "AbortBackup before InitializeForBackup")
	require.NoError(t, w.s.InitializeForBackup(ctx, ""))
	assert.ErrorIs(t, w.s.BackupComplete(ctx), vss.ErrBadState)
	_, err := w.s.StartSnapshotSet(ctx)
	assert.ErrorIs(t, err, vss.ErrBadState)
}

// TestAbortBackupBeforePrepareDropsTheSet: between StartSnapshotSet and
// PrepareForBackup, AbortBackup drops the set being built and tells no
// writer; with nothing under way it is ignored. Nor does it tell the
// providers: "VSS will only call AbortSnapshots after the requester has
// called DoSnapshotSet" (state-transitions-in-shadow-copy-providers); the
// provider keeps the set's preparation until the next set begins.
func TestAbortBackupBeforePrepareDropsTheSet(t *testing.T) {
	ws := threeWriters()
	w := newWorld(t, ws)
	ctx := context.Background()
	require.NoError(t, w.s.InitializeForBackup(ctx, ""))
	require.NoError(t, w.s.AbortBackup(ctx), "nothing under way: ignored")
	require.NoError(t, w.s.GatherWriterMetadata(ctx))
	_, err := w.s.StartSnapshotSet(ctx)
	require.NoError(t, err)
	_, err = w.s.AddToSnapshotSet(ctx, `C:\`, vss.NilID)
	require.NoError(t, err)
	require.NoError(t, w.s.AbortBackup(ctx))
	for _, snap := range w.snapshots() {
		assert.Equal(t, vss.SnapshotPreparing, snap.State, "only the preparation remains")
	}
	abandoned := false
	for _, r := range w.s.Trace() {
		assert.False(t, r.Kind == coordinator.RecProviderCall && r.Method == provider.MethodAbortSnapshots, "the provider is told nothing: %v", r)
		abandoned = abandoned || r.Decision == coordinator.DecisionSetAbandoned
	}
	assert.True(t, abandoned, "the trace shows the set abandoned")
	require.NoError(t, w.prov.BeginPrepareSnapshot(ctx, vss.MustParseID("{00000000-0000-0000-0000-0000000000a1}"),
		vss.MustParseID("{00000000-0000-0000-0000-0000000000a2}"), `C:\`, vss.ContextBackup), "the next set begins")
	require.Len(t, w.snapshots(), 1, "and the abandoned one is gone")
	for _, wr := range ws {
		assert.Zero(t, wr.Count(writer.EventAbort), "writers only answered Identify")
	}
	assert.Equal(t, coordinator.PhaseAborted, w.s.Phase())
}

// TestAbortBackupAfterPrepare: AbortBackup sends Abort to every writer not
// yet past PostSnapshot; writers aborted through no fault of their own are
// Stable with no error.
func TestAbortBackupAfterPrepare(t *testing.T) {
	ws := threeWriters(On(writer.EventPrepareBackup, Behavior{Err: vss.ErrWriterRetryable}))
	w := newWorld(t, ws)
	w.prepare()
	require.NoError(t, w.s.AbortBackup(context.Background()))
	st := w.status()
	for _, wr := range ws {
		assert.Equal(t, 1, wr.Count(writer.EventAbort), wr.Info().Name)
	}
	assert.Equal(t, vss.WriterFailedAtPrepareBackup, st["Front"].State, "its own failure stays")
	assert.Equal(t, vss.ErrWriterRetryable, st["Front"].Failure)
	assert.Equal(t, vss.WriterStable, st["Back"].State)
	assert.Equal(t, vss.OK, st["Back"].Failure)
	assert.ErrorIs(t, w.s.DoSnapshotSet(context.Background()), vss.ErrBadState)
}

// TestFreezeIsConcurrent: ten writers that each take 5 s at Freeze finish
// the Freeze event in 5 s of virtual time, not 50.
func TestFreezeIsConcurrent(t *testing.T) {
	var ws []*ScriptedWriter
	for i := range 10 {
		ws = append(ws, NewScriptedWriter(fmt.Sprintf("W%d", i), On(writer.EventFreeze, Behavior{Cost: 5 * time.Second})))
	}
	w := newWorld(t, ws)
	w.prepare()
	require.NoError(t, w.s.DoSnapshotSet(context.Background()))
	tr := w.s.Trace()
	first, last := time.Duration(-1), time.Duration(0)
	for _, r := range tr {
		if r.Event == writer.EventFreeze && r.Kind == coordinator.RecWriterEvent && first < 0 {
			first = r.At
		}
		if r.Event == writer.EventFreeze && r.Kind == coordinator.RecWriterResult {
			last = r.At
		}
	}
	assert.Equal(t, 5*time.Second, last-first)
}

// TestSameSeedSameTrace: a scenario run twice with one seed gives the same
// trace byte for byte; another seed gives another.
func TestSameSeedSameTrace(t *testing.T) {
	run := func(seed uint64) string {
		c := NewVolume(`C:\`)
		vols := NewVolumeSet(c)
		ws := []writer.Writer{
			NewScriptedWriter("A", On(writer.EventFreeze, Behavior{Cost: time.Second})),
			NewScriptedWriter("B", WithLevel(vss.AppBackEnd), On(writer.EventPrepareSnapshot, Behavior{Err: vss.ErrWriterRetryable})),
			NewScriptedWriter("C", On(writer.EventThaw, Behavior{Cost: 2 * time.Second})),
		}
		s, _, err := NewSession(Config{Seed: seed, Writers: ws, Providers: []provider.Provider{NewSystemProvider(vols)},
			Volumes: vols, Jitter: 300 * time.Millisecond})
		require.NoError(t, err)
		_, err = requestor.Backup(context.Background(), s, requestor.Plan{Volumes: []string{`C:\`},
			IgnoreWriterFailures: []vss.ID{ws[1].Info().ClassID}})
		require.NoError(t, err)
		require.NoError(t, s.Close())
		return s.TraceString()
	}
	a, b := run(42), run(42)
	assert.Equal(t, a, b)
	assert.NotEqual(t, a, run(43))
}

// firstAt returns the time of the first event record of actor/what.
func firstAt(t *testing.T, tr []coordinator.Record, name string, event writer.EventKind) time.Duration {
	t.Helper()
	for _, r := range tr {
		if r.Actor.Name == name && r.Event == event && r.Kind == coordinator.RecWriterEvent {
			return r.At
		}
	}
	t.Fatalf("no %v to writer %q in trace", event, name)
	return 0
}

// mustVolume returns the named volume of vols.
func mustVolume(t *testing.T, vols *VolumeSet, name string) *Volume {
	t.Helper()
	v, ok := vols.Get(name)
	require.True(t, ok, "no volume %s", name)
	return v
}

// TestBackupErrorNamesTheStep: a failed requestor.Backup names the step
// it failed at, with what the step worked on.
func TestBackupErrorNamesTheStep(t *testing.T) {
	backup := func(ws []*ScriptedWriter, volumes ...string) *requestor.BackupError {
		w := newWorld(t, ws)
		var required []vss.ID // a writer's failure fails the backup
		for _, x := range ws {
			required = append(required, x.Info().ClassID)
		}
		_, err := requestor.Backup(context.Background(), w.s, requestor.Plan{Volumes: volumes, RequireWriters: required})
		var be *requestor.BackupError
		require.ErrorAs(t, err, &be)
		return be
	}
	assert.Equal(t, `AddToSnapshotSet Z:\`, backup(threeWriters(), `C:\`, `Z:\`).Step)
	assert.Equal(t, "GatherWriterStatus after PrepareBackup",
		backup(threeWriters(On(writer.EventPrepareBackup, Behavior{Err: vss.ErrWriterRetryable})), `C:\`).Step)
	assert.Equal(t, "GatherWriterStatus after DoSnapshotSet",
		backup(threeWriters(On(writer.EventFreeze, Behavior{Err: vss.ErrWriterRetryable})), `C:\`).Step)
}

// TestBackupInAContextWithoutWriters: requestor.Backup in
// VSS_CTX_FILE_SHARE_BACKUP skips PrepareForBackup and BackupComplete,
// which such a context refuses, and the writers get nothing after
// Identify: no PrepareForSnapshot, Freeze, Thaw or PostSnapshot
// (shadow-copy-creation-details).
func TestBackupInAContextWithoutWriters(t *testing.T) {
	ws := threeWriters()
	w := newWorld(t, ws)
	res, err := requestor.Backup(context.Background(), w.s, requestor.Plan{Volumes: []string{`C:\`}, Context: vss.ContextFileShareBackup})
	require.NoError(t, err)
	require.Len(t, res.Snapshots, 1)
	for _, wr := range ws {
		assert.Equal(t, 1, wr.Count(writer.EventIdentify), wr.Info().Name)
		for _, k := range []writer.EventKind{writer.EventPrepareBackup, writer.EventPrepareSnapshot, writer.EventFreeze,
			writer.EventThaw, writer.EventPostSnapshot, writer.EventBackupComplete} {
			assert.Zero(t, wr.Count(k), "%s got %v", wr.Info().Name, k)
		}
	}
}
