package coordinator_test

// The stress harness of the goroutine runtime. The simulator's loop
// (package simulate/explore) explores the protocol from seeds, one thing
// at a time in virtual time; it cannot see races between the goroutines
// of the default runtime, the requestor's own goroutines and the clock.
// This harness runs whole backups on the default runtime instead, with
// scheduling points injected at the start and the completion of every
// writer event, provider call and hold or release of writes (yields and
// short waits, drawn from a seed), and with the requestor's context
// cancelled, Close called once or twice and AbortBackup called from other
// goroutines at instants drawn from the same seed. After each schedule it
// checks what the loop's sweep checks: no writer frozen (by the trace and
// by the session), no volume with its writes held, no shadow copy left
// (every set here is auto-release, so none may outlive the session), and
// Close succeeding, once; goleak checks for goroutines left at the end.
// A seed fixes the choices, not the interleaving: a failure prints its
// seed and trace, to read rather than to replay.

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/coordinator"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/simulate"
	"github.com/vsskit/vss/simulate/vsstest"
	"github.com/vsskit/vss/writer"
)

// stressProfile says which disturbances a schedule may draw.
type stressProfile struct {
	cancel      float64 // chance that the requestor's context is cancelled
	close       float64 // chance that Close is called from another goroutine
	doubleClose float64 // chance, once Close is drawn, that a second one races it
	abort       float64 // chance that AbortBackup is called from another goroutine
}

// everyDisturbance is the profile of the harness's own runs.
var everyDisturbance = stressProfile{cancel: 0.5, close: 0.4, doubleClose: 0.5, abort: 0.25}

// pointsPerBackup is how many scheduling points an undisturbed backup
// passes (two per Op); a disturbance is set at a point drawn up to a
// little past it, so that some fire after the backup.
const pointsPerBackup = 86

// stressReport is what a run of the harness found.
type stressReport struct {
	schedules int
	failures  []string       // one per failing schedule: its seed and what broke
	sometimes map[string]int // how many schedules reached each situation
}

func (r *stressReport) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d schedules, %d failing\n", r.schedules, len(r.failures))
	keys := make([]string, 0, len(r.sometimes))
	for k := range r.sometimes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "  sometimes %-40q %d\n", k, r.sometimes[k])
	}
	for i, f := range r.failures {
		if i == 3 {
			fmt.Fprintf(&b, "... and %d more\n", len(r.failures)-3)
			break
		}
		b.WriteString(f)
	}
	return b.String()
}

// stressGoroutineRuntime runs schedules seeds from first on, on every CPU;
// with stopAtFirst it stops once a schedule fails.
func stressGoroutineRuntime(first uint64, schedules int, prof stressProfile, stopAtFirst bool) *stressReport {
	rep := &stressReport{sometimes: map[string]int{}}
	var mu sync.Mutex
	var next atomic.Int64
	var stop atomic.Bool
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				i := next.Add(1) - 1
				if i >= int64(schedules) {
					return
				}
				failure, facts := runSchedule(first+uint64(i), prof)
				mu.Lock()
				rep.schedules++
				for _, f := range facts {
					rep.sometimes[f]++
				}
				if failure != "" {
					rep.failures = append(rep.failures, failure)
					if stopAtFirst {
						stop.Store(true)
					}
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return rep
}

// scheduler injects the scheduling points of one schedule and fires its
// disturbances when their point is reached.
type scheduler struct {
	mu       sync.Mutex
	rng      *rand.Rand
	points   atomic.Int64
	triggers []trigger
}

// trigger is a disturbance set to fire at scheduling point at.
type trigger struct {
	at   int64
	fire chan struct{}
	once *sync.Once
}

// point is one scheduling point: it fires the triggers set at it, then
// yields or waits a little, as the seed says.
func (sch *scheduler) point() {
	n := sch.points.Add(1)
	for _, t := range sch.triggers {
		if t.at == n {
			t.once.Do(func() { close(t.fire) })
		}
	}
	sch.mu.Lock()
	r := sch.rng.IntN(100)
	yields := 1 + sch.rng.IntN(4)
	wait := time.Duration(20+sch.rng.IntN(300)) * time.Microsecond
	sch.mu.Unlock()
	switch {
	case r < 45:
	case r < 85:
		for range yields {
			runtime.Gosched()
		}
	default:
		t := time.NewTimer(wait)
		<-t.C
	}
}

// around runs next between two scheduling points: the start and the
// completion of an Op. A participant that finds its context cancelled at
// the start gives up, as a participant honouring cancellation does.
func (sch *scheduler) around(ctx context.Context, next func(context.Context) error) error {
	sch.point()
	if err := ctx.Err(); err != nil {
		return err
	}
	err := next(ctx)
	sch.point()
	return err
}

// holder passes the session's holds and releases of writes through the
// scheduler; it does not give up on a cancelled context (releasing must
// never be skipped, and the volumes check their context themselves).
type holder struct {
	sch  *scheduler
	vols *simulate.VolumeSet
}

func (h holder) HoldWrites(ctx context.Context, volumes []string) error {
	h.sch.point()
	err := h.vols.HoldWrites(ctx, volumes)
	h.sch.point()
	return err
}

func (h holder) ReleaseWrites(ctx context.Context, volumes []string) error {
	h.sch.point()
	err := h.vols.ReleaseWrites(ctx, volumes)
	h.sch.point()
	return err
}

// runSchedule runs one schedule and returns what broke ("" for nothing)
// and the situations it reached.
func runSchedule(seed uint64, prof stressProfile) (failure string, facts []string) {
	rng := rand.New(rand.NewPCG(seed, 0x57e55))
	sch := &scheduler{rng: rand.New(rand.NewPCG(seed, 0x5c4ed))}
	vols := simulate.NewVolumeSet(simulate.NewVolume(`C:\`), simulate.NewVolume(`D:\`))
	sys := simulate.NewSystemProvider(vols)
	writers := []*simulate.ScriptedWriter{
		simulate.NewScriptedWriter("Front"),
		simulate.NewScriptedWriter("Back", simulate.WithLevel(vss.AppBackEnd)),
		simulate.NewScriptedWriter("System", simulate.WithLevel(vss.AppSystem)),
	}
	var ws []writer.Writer
	for _, w := range writers {
		ws = append(ws, writer.Intercept(w, func(ctx context.Context, e *writer.Event, next func(context.Context, *writer.Event) error) error {
			return sch.around(ctx, func(ctx context.Context) error { return next(ctx, e) })
		}))
	}
	p := provider.Intercept(sys, func(ctx context.Context, c provider.Call, next func(context.Context) error) error {
		return sch.around(ctx, next)
	})
	s, err := coordinator.New(coordinator.Config{Writers: ws, Providers: []provider.Provider{p}, Volumes: holder{sch, vols}})
	if err != nil {
		return fmt.Sprintf("seed %d: coordinator.New: %v\n", seed, err), nil
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	fail := func(format string, args ...any) {
		failure += fmt.Sprintf("seed %d: "+format+"\n", append([]any{seed}, args...)...)
	}

	// The disturbances, each on a goroutine of its own: it fires at its
	// scheduling point, or when the backup is over if that point never
	// comes. facts is written from their goroutines: factsMu guards it.
	end := make(chan struct{})
	var disturbances sync.WaitGroup
	var factsMu sync.Mutex
	fact := func(f string) {
		factsMu.Lock()
		facts = append(facts, f)
		factsMu.Unlock()
	}
	var closeMu sync.Mutex
	var closeErrs []error
	closer := func() {
		err := s.Close()
		closeMu.Lock()
		closeErrs = append(closeErrs, err)
		closeMu.Unlock()
	}
	keep := rng.IntN(2) == 0
	cancelled := rng.Float64() < prof.cancel
	closed := rng.Float64() < prof.close
	closedTwice := closed && rng.Float64() < prof.doubleClose
	aborted := rng.Float64() < prof.abort
	if cancelled {
		disturb(sch, rng, &disturbances, end, func() { fact("cancel during the backup") }, cancel)
	}
	switch {
	case closedTwice:
		// Two Close calls fire at the same point, from two goroutines.
		t := disturb(sch, rng, &disturbances, end, func() { fact("two Closes at once during the backup") }, closer)
		disturbAt(&disturbances, end, t, func() {}, closer)
	case closed:
		disturb(sch, rng, &disturbances, end, func() { fact("Close during the backup") }, closer)
	}
	if aborted {
		disturb(sch, rng, &disturbances, end, func() { fact("AbortBackup during the backup") },
			func() { _ = s.AbortBackup(context.Background()) })
	}

	_, backupErr := requestor.Backup(ctx, s, requestor.Plan{Volumes: []string{`C:\`, `D:\`}, Keep: keep})
	for _, name := range vols.Names() {
		if v, _ := vols.Get(name); v.Held() {
			fail("writes to %s still held when Backup returned", name)
		}
	}
	close(end)
	disturbances.Wait()
	closer() // the requestor's own Close, after the others
	if backupErr == nil {
		fact("backup succeeded")
	}

	trace := s.Trace()
	for _, r := range trace {
		if r.Decision == coordinator.DecisionCancel && r.Call == 0 {
			fact("a call was cancelled")
		}
	}
	if holdAnsweredAfterCancel(trace) {
		fact("hold answered after a cancellation")
	}
	for i, err := range closeErrs {
		if err != nil {
			fail("Close #%d of %d failed: %v", i+1, len(closeErrs), err)
		}
	}
	if ph := s.Phase(); ph != coordinator.PhaseClosed {
		fail("the session is in phase %v after Close", ph)
	}
	if err := vsstest.NoWriterFrozen(trace); err != nil {
		fail("%v", err)
	}
	if f := s.Frozen(); len(f) > 0 {
		fail("the session holds %v frozen after Close", f)
	}
	for _, w := range writers {
		if n := w.Count(writer.EventBackupShutdown); n > 1 {
			fail("writer %q received BackupShutdown %d times", w.Info().Name, n)
		}
	}
	for _, name := range vols.Names() {
		if v, _ := vols.Get(name); v.Held() {
			fail("writes to %s still held after Close", name)
		}
	}
	if snaps, err := sys.Query(context.Background()); err != nil || len(vsstest.LeftBehind(s.Trace(), snaps)) > 0 {
		fail("%d shadow copies left after the session (auto-release context), Query: %v", len(vsstest.LeftBehind(s.Trace(), snaps)), err)
	}
	if !cancelled && !closed && !aborted && backupErr != nil {
		fail("an undisturbed backup failed: %v", backupErr)
	}
	if failure != "" {
		failure += "trace:\n" + s.TraceString()
	}
	factsMu.Lock()
	defer factsMu.Unlock()
	return failure, slices.Clone(facts)
}

// disturb sets a disturbance at a scheduling point drawn from rng: do
// runs on a goroutine of its own when the point is reached (after
// reached), or when the backup is over if it never is.
func disturb(sch *scheduler, rng *rand.Rand, wg *sync.WaitGroup, end <-chan struct{}, reached, do func()) trigger {
	t := trigger{at: 1 + rng.Int64N(pointsPerBackup*5/4), fire: make(chan struct{}), once: new(sync.Once)}
	sch.triggers = append(sch.triggers, t)
	disturbAt(wg, end, t, reached, do)
	return t
}

// disturbAt runs do on a goroutine of its own when t fires, or when the
// backup is over.
func disturbAt(wg *sync.WaitGroup, end <-chan struct{}, t trigger, reached, do func()) {
	wg.Add(1)
	go func() {
		defer wg.Done()
		select {
		case <-t.fire:
			reached()
		case <-end:
		}
		do()
	}()
}

// holdAnsweredAfterCancel reports whether the trace shows a hold of
// writes whose answer came after the call was cancelled: the window of
// the fixed bug where that hold was never released.
func holdAnsweredAfterCancel(trace []coordinator.Record) bool {
	holding, cancelled := false, false
	for _, r := range trace {
		switch {
		case r.Kind == coordinator.RecWrites && r.Decision == coordinator.DecisionHoldWrites && !r.Result:
			holding, cancelled = true, false
		case holding && r.Decision == coordinator.DecisionCancel:
			cancelled = true
		case holding && r.Kind == coordinator.RecWrites && r.Decision == coordinator.DecisionHoldWrites && r.Result:
			if cancelled {
				return true
			}
			holding = false
		}
	}
	return false
}

// stressSchedules is how many schedules TestStressGoroutineRuntime runs:
// a few hundred in CI (fewer under the race detector), or
// VSS_STRESS_SCHEDULES when set (100000 for a long run on demand).
func stressSchedules(t *testing.T) int {
	t.Helper()
	if s := os.Getenv("VSS_STRESS_SCHEDULES"); s != "" {
		n, err := strconv.Atoi(s)
		require.NoError(t, err, "VSS_STRESS_SCHEDULES")
		return n
	}
	if testing.Short() || raceEnabled {
		return 150
	}
	return 400
}

// TestStressGoroutineRuntime runs backups on the default goroutine
// runtime with randomized scheduling points and disturbances (see the
// top of this file) and checks every schedule; the "sometimes" counters
// prove the disturbances landed inside backups.
func TestStressGoroutineRuntime(t *testing.T) {
	leaks := goleak.IgnoreCurrent()
	n := stressSchedules(t)
	start := time.Now()
	rep := stressGoroutineRuntime(1, n, everyDisturbance, false)
	t.Logf("%v\n%s", time.Since(start), rep)
	if len(rep.failures) > 0 {
		t.Fatal(rep.String())
	}
	for _, f := range []string{"cancel during the backup", "Close during the backup", "two Closes at once during the backup",
		"AbortBackup during the backup", "a call was cancelled", "backup succeeded"} {
		assert.Positive(t, rep.sometimes[f], "no schedule reached %q", f)
	}
	goleak.VerifyNone(t, leaks)
}

// The harness is not vacuous: with either fixed bug put back, it finds a
// failing schedule.
func TestStressHarnessFindsTheFixedBugs(t *testing.T) {
	t.Run("two Closes both run Close", func(t *testing.T) {
		defer coordinator.ReintroduceDoubleClose()()
		rep := stressGoroutineRuntime(1, 3000, stressProfile{close: 1, doubleClose: 1}, true)
		require.NotEmpty(t, rep.failures, "the harness never noticed: %s", rep)
		t.Logf("found after %d schedules: %s", rep.schedules, firstLines(rep.failures[0], 3))
	})
	t.Run("a hold answered after a cancellation is ignored", func(t *testing.T) {
		defer coordinator.ReintroduceIgnoredLateHold()()
		rep := stressGoroutineRuntime(1, 3000, stressProfile{cancel: 1}, true)
		require.NotEmpty(t, rep.failures, "the harness never noticed: %s", rep)
		assert.Contains(t, rep.failures[0], "still held")
		t.Logf("found after %d schedules: %s", rep.schedules, firstLines(rep.failures[0], 3))
	})
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	return strings.Join(lines[:min(n, len(lines))], "\n")
}
