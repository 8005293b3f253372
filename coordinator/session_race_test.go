package coordinator_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/coordinator"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/simulate"
	"github.com/vsskit/vss/simulate/vsstest"
	"github.com/vsskit/vss/writer"
)

// stressRuns is how many times a concurrency test repeats its race: def
// in CI (half under the race detector: a second or so either way), or
// VSS_STRESS_RUNS when set, for long runs on demand
// (VSS_STRESS_RUNS=10000).
func stressRuns(t *testing.T, def int) int {
	t.Helper()
	if s := os.Getenv("VSS_STRESS_RUNS"); s != "" {
		n, err := strconv.Atoi(s)
		require.NoError(t, err, "VSS_STRESS_RUNS")
		return n
	}
	if testing.Short() {
		return def / 4
	}
	if raceEnabled {
		return def / 2
	}
	return def
}

// raceWorld is a small machine on the goroutine runtime: two volumes, the
// system provider, three writers of the three levels.
type raceWorld struct {
	s       *coordinator.Session
	vols    *simulate.VolumeSet
	prov    *simulate.SystemProvider
	writers []*simulate.ScriptedWriter
}

func newRaceWorld(t *testing.T, holder func(*simulate.VolumeSet) coordinator.WriteHolder, opts ...simulate.WriterOption) *raceWorld {
	t.Helper()
	w := &raceWorld{vols: simulate.NewVolumeSet(simulate.NewVolume(`C:\`), simulate.NewVolume(`D:\`))}
	w.prov = simulate.NewSystemProvider(w.vols)
	w.writers = []*simulate.ScriptedWriter{
		simulate.NewScriptedWriter("Front", opts...),
		simulate.NewScriptedWriter("Back", simulate.WithLevel(vss.AppBackEnd)),
		simulate.NewScriptedWriter("System", simulate.WithLevel(vss.AppSystem)),
	}
	var ws []writer.Writer
	for _, x := range w.writers {
		ws = append(ws, x)
	}
	var h coordinator.WriteHolder = w.vols
	if holder != nil {
		h = holder(w.vols)
	}
	s, err := coordinator.New(coordinator.Config{Writers: ws, Providers: []provider.Provider{w.prov}, Volumes: h})
	require.NoError(t, err)
	w.s = s
	return w
}

// prepare runs a backup up to DoSnapshotSet.
func (w *raceWorld) prepare(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, w.s.InitializeForBackup(ctx, ""))
	require.NoError(t, w.s.SetBackupState(ctx, requestor.BackupState{}))
	require.NoError(t, w.s.GatherWriterMetadata(ctx))
	_, err := w.s.StartSnapshotSet(ctx)
	require.NoError(t, err)
	for _, v := range []string{`C:\`, `D:\`} {
		_, err = w.s.AddToSnapshotSet(ctx, v, vss.NilID)
		require.NoError(t, err)
	}
	require.NoError(t, w.s.PrepareForBackup(ctx))
}

// check fails t if the session left anything behind once closed: a writer
// frozen (by the trace or by the coordinator), a volume with its writes
// held, a shadow copy on the provider.
func (w *raceWorld) check(t *testing.T, run int) {
	t.Helper()
	require.NoError(t, vsstest.NoWriterFrozen(w.s.Trace()), "run %d\n%s", run, w.s.TraceString())
	require.Empty(t, w.s.Frozen(), "run %d", run)
	for _, name := range w.vols.Names() {
		v, _ := w.vols.Get(name)
		require.False(t, v.Held(), "run %d: writes to %s still held\n%s", run, name, w.s.TraceString())
	}
	snaps, err := w.prov.Query(context.Background())
	require.NoError(t, err)
	require.Empty(t, vsstest.LeftBehind(w.s.Trace(), snaps), "run %d: shadow copies left after the session\n%s", run, w.s.TraceString())
}

// yield gives other goroutines a few chances to run, so that the instant
// a racing call lands varies from run to run.
func yield(rng *rand.Rand, max int) { yieldN(rng.IntN(max + 1)) }

func yieldN(n int) {
	for range n {
		runtime.Gosched()
	}
}

// Close may be called twice at once, at any instant of DoSnapshotSet: it
// runs once, both callers get its result, and the session leaves no
// shadow copy, no held write and no frozen writer.
func TestSessionTwoClosesAtOnceDuringDoSnapshotSet(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for run := range stressRuns(t, 300) {
		w := newRaceWorld(t, nil)
		w.prepare(t)
		did := make(chan error, 1)
		go func() { did <- w.s.DoSnapshotSet(context.Background()) }()
		yield(rng, 40)
		var wg sync.WaitGroup
		errs := make([]error, 2)
		start := make(chan struct{})
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				errs[i] = w.s.Close()
			}()
		}
		close(start)
		wg.Wait()
		<-did
		require.NoError(t, errs[0], "run %d\n%s", run, w.s.TraceString())
		require.NoError(t, errs[1], "run %d\n%s", run, w.s.TraceString())
		require.Equal(t, coordinator.PhaseClosed, w.s.Phase())
		for _, x := range w.writers {
			require.Equal(t, 1, x.Count(writer.EventBackupShutdown), "run %d: %s got BackupShutdown once", run, x.Info().Name)
		}
		w.check(t, run)
	}
}

// Close racing a call that is just starting closes the session all the
// same: the call either ran before Close (and Close cancelled it) or is
// refused with VSS_E_BAD_STATE; Close succeeds and the session is closed.
func TestSessionCloseRacingAStartingCall(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for run := range stressRuns(t, 300) {
		w := newRaceWorld(t, nil)
		w.prepare(t)
		start := make(chan struct{})
		did := make(chan error, 1)
		callerYields, closerYields := rng.IntN(3), rng.IntN(3)
		go func() {
			<-start
			yieldN(callerYields)
			did <- w.s.DoSnapshotSet(context.Background())
		}()
		close(start)
		yieldN(closerYields)
		require.NoError(t, w.s.Close(), "run %d\n%s", run, w.s.TraceString())
		require.Equal(t, coordinator.PhaseClosed, w.s.Phase(), "run %d\n%s", run, w.s.TraceString())
		if err := <-did; err != nil && !errors.Is(err, vss.ErrBadState) && !errors.Is(err, context.Canceled) {
			t.Fatalf("run %d: DoSnapshotSet: %v", run, err)
		}
		require.NoError(t, w.s.Close(), "Close again")
		w.check(t, run)
	}
}

// Cancelling DoSnapshotSet at any instant releases every write it held:
// a hold whose answer arrives after the cancellation is released too.
func TestSessionCancelDuringDoSnapshotSetReleasesWrites(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for run := range stressRuns(t, 300) {
		w := newRaceWorld(t, nil)
		w.prepare(t)
		ctx, cancel := context.WithCancel(context.Background())
		did := make(chan error, 1)
		go func() { did <- w.s.DoSnapshotSet(ctx) }()
		yield(rng, 60)
		cancel()
		<-did
		for _, name := range w.vols.Names() {
			v, _ := w.vols.Get(name)
			require.False(t, v.Held(), "run %d: writes to %s held after DoSnapshotSet returned\n%s", run, name, w.s.TraceString())
		}
		require.NoError(t, w.s.Close())
		w.check(t, run)
	}
}
