package coordinator_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/coordinator"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/simulate"
	"github.com/vsskit/vss/writer"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// realSession is a session on the goroutine runtime: every writer event
// and provider call on a goroutine of its own, against the given clock.
func realSession(t *testing.T, ws ...*simulate.ScriptedWriter) (*coordinator.Session, *simulate.VolumeSet) {
	t.Helper()
	vols := simulate.NewVolumeSet(simulate.NewVolume(`C:\`), simulate.NewVolume(`D:\`))
	var writers []writer.Writer
	for _, w := range ws {
		writers = append(writers, w)
	}
	s, err := coordinator.New(coordinator.Config{Writers: writers,
		Providers: []provider.Provider{simulate.NewSystemProvider(vols)}, Volumes: vols})
	require.NoError(t, err)
	return s, vols
}

func TestSessionGoroutineRuntimeRunsAFullBackup(t *testing.T) {
	ws := []*simulate.ScriptedWriter{
		simulate.NewScriptedWriter("Front"),
		simulate.NewScriptedWriter("Back", simulate.WithLevel(vss.AppBackEnd)),
		simulate.NewScriptedWriter("System", simulate.WithLevel(vss.AppSystem)),
	}
	s, _ := realSession(t, ws...)
	res, err := requestor.Backup(context.Background(), s, requestor.Plan{Volumes: []string{`C:\`, `D:\`}})
	require.NoError(t, err)
	assert.Len(t, res.Snapshots, 2)
	for _, st := range res.Writers {
		assert.Equal(t, vss.WriterStable, st.State, st.Name)
	}
	require.NoError(t, s.Close())
	for _, w := range ws {
		assert.False(t, w.Frozen())
		assert.Equal(t, []writer.EventKind{writer.EventIdentify, writer.EventPrepareBackup, writer.EventPrepareSnapshot,
			writer.EventFreeze, writer.EventThaw, writer.EventPostSnapshot, writer.EventBackupComplete,
			writer.EventBackupShutdown}, w.Events())
	}
}

// A writer that really sleeps in Freeze times out at once inside a
// testing/synctest bubble: the goroutine runtime's clock is the bubble's.
func TestSessionFreezeTimeoutUnderSynctest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		slow := simulate.NewScriptedWriter("Slow", simulate.On(writer.EventFreeze, simulate.Behavior{Cost: 5 * time.Minute}))
		s, _ := realSession(t, slow, simulate.NewScriptedWriter("Other", simulate.WithLevel(vss.AppBackEnd)))
		start := time.Now()
		_, err := requestor.Backup(context.Background(), s, requestor.Plan{Volumes: []string{`C:\`}, RequireWriters: []vss.ID{slow.Info().ClassID}})
		require.ErrorIs(t, err, vss.ErrWriterTimeout)
		assert.Equal(t, writer.DefaultFreezeTimeout, time.Since(start), "failed at the freeze timeout, in virtual time")
		assert.False(t, slow.Frozen())
		assert.Positive(t, slow.Count(writer.EventAbort))
		require.NoError(t, s.Close())
	})
}

// prepareBackup takes s from a new session to a prepared backup of C:\:
// InitializeForBackup, GatherWriterMetadata, StartSnapshotSet,
// AddToSnapshotSet and PrepareForBackup.
func prepareBackup(t *testing.T, s *coordinator.Session) {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, s.InitializeForBackup(ctx, ""))
	require.NoError(t, s.SetBackupState(ctx, requestor.BackupState{}))
	require.NoError(t, s.GatherWriterMetadata(ctx))
	_, err := s.StartSnapshotSet(ctx)
	require.NoError(t, err)
	_, err = s.AddToSnapshotSet(ctx, `C:\`, vss.NilID)
	require.NoError(t, err)
	require.NoError(t, s.PrepareForBackup(ctx))
}

// While DoSnapshotSet blocks in a writer, a second DoSnapshotSet from
// another goroutine is refused at once.
func TestSessionSecondDoSnapshotSetFromAnotherGoroutine(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	w := simulate.NewScriptedWriter("Blocking", simulate.On(writer.EventFreeze, simulate.Behavior{
		Do: func(context.Context, *writer.Event) { close(entered); <-release }}))
	s, _ := realSession(t, w)
	ctx := context.Background()
	prepareBackup(t, s)
	done := make(chan error)
	go func() { done <- s.DoSnapshotSet(ctx) }()
	<-entered
	assert.ErrorIs(t, s.DoSnapshotSet(ctx), vss.ErrSnapshotSetInProgress)
	assert.ErrorIs(t, s.BackupComplete(ctx), vss.ErrBadState)
	assert.Equal(t, []string{"Blocking"}, s.Frozen())
	close(release)
	require.NoError(t, <-done)
	assert.Empty(t, s.Frozen())
	require.NoError(t, s.Close())
}

// Close during DoSnapshotSet cancels it; the writer is aborted and every
// goroutine ends (goleak checks).
func TestSessionCloseCancelsCallInProgress(t *testing.T) {
	entered := make(chan struct{})
	w := simulate.NewScriptedWriter("Hanging", simulate.On(writer.EventFreeze, simulate.Behavior{
		Do: func(context.Context, *writer.Event) { close(entered) }, Hang: true}))
	s, vols := realSession(t, w)
	ctx := context.Background()
	prepareBackup(t, s)
	done := make(chan error)
	go func() { done <- s.DoSnapshotSet(ctx) }()
	<-entered
	require.NoError(t, s.Close())
	assert.ErrorIs(t, <-done, context.Canceled)
	assert.False(t, w.Frozen())
	assert.Equal(t, coordinator.PhaseClosed, s.Phase())
	c, _ := vols.Get(`C:\`)
	assert.False(t, c.Held())
}

func TestNewRejectsDuplicateParticipants(t *testing.T) {
	w := simulate.NewScriptedWriter("Twice")
	_, err := coordinator.New(coordinator.Config{Writers: []writer.Writer{w, w}})
	assert.ErrorIs(t, err, vss.ErrInvalidArg)
	vols := simulate.NewVolumeSet()
	p := simulate.NewSystemProvider(vols)
	_, err = coordinator.New(coordinator.Config{Providers: []provider.Provider{p, p}})
	assert.ErrorIs(t, err, vss.ErrProviderAlreadyRegistered)
	_, err = coordinator.New(coordinator.Config{Writers: []writer.Writer{nil}})
	assert.ErrorIs(t, err, vss.ErrInvalidArg)
}

// A writer handler that ignores its context cannot hold Close forever:
// Close waits CloseGracePeriod for it, then abandons it and names it in
// its error; a second Close returns the same result at once.
func TestSessionCloseAbandonsAHandlerThatIgnoresItsContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		entered, release := make(chan struct{}), make(chan struct{})
		w := simulate.NewScriptedWriter("Stubborn", simulate.On(writer.EventFreeze, simulate.Behavior{
			Do: func(context.Context, *writer.Event) { close(entered); <-release }, Times: 1}))
		s, vols := realSession(t, w)
		ctx := context.Background()
		prepareBackup(t, s)
		done := make(chan error)
		go func() { done <- s.DoSnapshotSet(ctx) }()
		<-entered
		start := time.Now()
		err := s.Close()
		assert.Equal(t, coordinator.CloseGracePeriod, time.Since(start), "Close waited the grace period, in virtual time")
		require.ErrorIs(t, err, vss.ErrWriterNotResponding)
		assert.Contains(t, err.Error(), `writer "Stubborn": Freeze handler still running`)
		assert.ErrorIs(t, <-done, context.Canceled)
		assert.Equal(t, coordinator.PhaseClosed, s.Phase())
		assert.Equal(t, 1, w.Count(writer.EventAbort), "the writer was aborted all the same")
		c, _ := vols.Get(`C:\`)
		assert.False(t, c.Held())
		assert.Equal(t, err, s.Close(), "Close runs once; later calls get its result")
		close(release) // the abandoned handler returns on its own
	})
}

// The records handed to OnRecord as they happen are the trace's records,
// field for field, successes and failures alike.
func TestSessionOnRecordSeesTheTrace(t *testing.T) {
	vols := simulate.NewVolumeSet(simulate.NewVolume(`C:\`), simulate.NewVolume(`D:\`))
	ws := []writer.Writer{
		simulate.NewScriptedWriter("Front"),
		simulate.NewScriptedWriter("Failing", simulate.WithLevel(vss.AppBackEnd),
			simulate.On(writer.EventThaw, simulate.Behavior{Err: vss.ErrWriterRetryable})),
	}
	var live []coordinator.Record
	s, _, err := simulate.NewSession(simulate.Config{Seed: 7, Writers: ws, Providers: []provider.Provider{simulate.NewSystemProvider(vols)},
		Volumes: vols, OnRecord: func(r coordinator.Record) { live = append(live, r) }})
	require.NoError(t, err)
	res, err := requestor.Backup(context.Background(), s, requestor.Plan{Volumes: []string{`C:\`, `D:\`}})
	require.NoError(t, err)
	require.Len(t, res.Degraded, 1, "the failing writer")
	require.NoError(t, s.Close())
	assert.Equal(t, s.Trace(), live)
	assert.Greater(t, len(live), 50)
}
