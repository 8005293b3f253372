package explore

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/coordinator"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/simulate"
	"github.com/vsskit/vss/writer"
)

func TestScenarioWithoutFaultsPasses(t *testing.T) {
	run := ThreeWriterScenario().Run(1, nil)
	require.NoError(t, run.Err)
	assert.Empty(t, run.Violations)
	assert.Contains(t, run.Facts, "backup succeeded")
	// Provider selection is visible: D:\ went to the hardware provider.
	found := false
	for _, r := range run.Trace {
		if r.Decision == coordinator.DecisionProviderChosen && r.Volume == `D:\` {
			assert.Equal(t, simulate.HardwareProviderName, r.Detail)
			found = true
		}
	}
	assert.True(t, found)
}

// TestEverySingleFaultPoint is the explorer's first promise: every single
// fault of the three-writer, two-volume scenario leaves every invariant
// intact.
func TestEverySingleFaultPoint(t *testing.T) {
	sc := ThreeWriterScenario()
	start := time.Now()
	rep := sc.ExploreSingleFaults(1)
	t.Logf("%d single-fault points in %v", rep.Runs, time.Since(start))
	assert.Greater(t, rep.Runs, 250)
	if len(rep.Failures) > 0 {
		t.Fatal(rep.String())
	}
	for _, fact := range []string{"writer timed out", "commit failed", "abort raced a thaw", "hold window exceeded",
		"requestor cancelled", "requestor aborted", "writer failed", "provider timed out", "backup succeeded"} {
		assert.Positive(t, rep.Sometimes[fact], "never saw %q", fact)
	}
}

// sweepSeeds is how many random seeds TestRandomSeeds runs: 10,000 (2,000
// under the race detector) unless VSS_SEEDS says otherwise (raise it for
// long runs).
func sweepSeeds(t *testing.T) int {
	if s := os.Getenv("VSS_SEEDS"); s != "" {
		n, err := strconv.Atoi(s)
		require.NoError(t, err, "VSS_SEEDS")
		return n
	}
	if testing.Short() {
		return 500
	}
	if raceSeeds > 0 {
		return raceSeeds
	}
	return 10000
}

// TestRandomSeeds runs the sweep: random seeds with random fault plans,
// every invariant checked, sampled seeds rerun for determinism, and the
// "sometimes" counters proving the faults were reached.
func TestRandomSeeds(t *testing.T) {
	n := sweepSeeds(t)
	start := time.Now()
	rep := ThreeWriterScenario().Sweep(SweepOptions{FirstSeed: 1, Seeds: n})
	t.Logf("%d seeds (%d runs) in %v\n%s", n, rep.Runs, time.Since(start), rep)
	assert.Empty(t, rep.Nondeterministic, "same seed, other trace")
	if len(rep.Failures) > 0 {
		t.Fatal(rep.String())
	}
	for _, fact := range []string{"writer timed out", "commit failed", "abort raced a thaw", "hold window exceeded",
		"app write during hold", "aware app queued during freeze", "unaware app torn in a shadow copy",
		"writer failed", "backup succeeded", "backup failed"} {
		assert.Positive(t, rep.Sometimes[fact], "the sweep never saw %q", fact)
	}
}

func TestSameSeedSamePlanSameTraceHash(t *testing.T) {
	sc := ThreeWriterScenario()
	plan, err := simulate.ParsePlan(`writer "Back" Freeze delay(31s); provider ` + strconv.Quote(simulate.SystemProviderName) + " PostCommitSnapshots error")
	require.NoError(t, err)
	a, b := sc.Run(7, plan), sc.Run(7, plan)
	assert.Equal(t, a.TraceHash(), b.TraceHash())
	assert.NotEqual(t, a.TraceHash(), sc.Run(8, plan).TraceHash())
	assert.Empty(t, a.Violations)
	assert.Len(t, a.Fired, 2)
}

func TestReplayReportsViolations(t *testing.T) {
	sc := ThreeWriterScenario()
	sc.breakRuntime = dropThaw
	ft := &fakeTB{}
	run := Replay(ft, sc, 3, "")
	assert.NotEmpty(t, run.Violations)
	assert.NotEmpty(t, ft.errors)
	assert.Contains(t, run.ReplayLine(), `explore.Replay(t, scenario, 3, "")`)

	ft = &fakeTB{}
	Replay(ft, ThreeWriterScenario(), 3, `writer "Front" Freeze explode`)
	assert.True(t, ft.fatal, "a plan that does not parse is fatal")
}

// A plan that names a participant the scenario does not have is refused
// before it runs, naming the participants the scenario has; a misspelt
// site is refused by the parser.
func TestReplayRefusesAPlanForAnotherMachine(t *testing.T) {
	ft := &fakeTB{}
	assert.Nil(t, Replay(ft, ThreeWriterScenario(), 3, `writer "Front" Freeze hang; writer "Nobody" Freeze hang`))
	require.True(t, ft.fatal)
	assert.Contains(t, ft.last, `names writer "Nobody", which scenario "three writers, two volumes" does not have; its participants are writer "Front", writer "Back", writer "System", provider "vss simulated system provider", provider "vss simulated hardware provider", requestor`)

	ft = &fakeTB{}
	Replay(ft, ThreeWriterScenario(), 3, `writer "Front" Frezee hang`)
	require.True(t, ft.fatal)
	assert.Contains(t, ft.last, `unknown site "Frezee"`)

	run := ThreeWriterScenario().Run(3, simulate.Plan{{Actor: simulate.WriterActor("Nobody"), Site: "Freeze", Kind: simulate.FaultHang}})
	assert.Error(t, run.Err)
	assert.Equal(t, "plan", run.Violations[0].Rule)
}

// A planned fault that never fires fails the replay: a plan that tests
// nothing must not pass.
func TestReplayFailsWhenAFaultNeverFires(t *testing.T) {
	// The requestor gives up after PrepareForBackup, so the writers never
	// reach Thaw: the Thaw fault cannot fire.
	ft := &fakeTB{}
	run := Replay(ft, ThreeWriterScenario(), 3, `requestor PrepareForBackup abort; writer "Front" Thaw hang`)
	require.Len(t, run.Unfired, 1)
	assert.Equal(t, "Thaw", run.Unfired[0].Site)
	require.Len(t, ft.errors, 1)
	assert.Contains(t, ft.messages[0], `the fault "writer \"Front\" Thaw hang" never fired`)

	ft = &fakeTB{}
	run = Replay(ft, ThreeWriterScenario(), 3, `writer "Front" Thaw hang`)
	assert.Empty(t, run.Unfired)
	assert.Empty(t, ft.messages, "a fault that fires and breaks nothing passes")
}

type fakeTB struct {
	errors   []string
	messages []string
	last     string
	fatal    bool
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Errorf(format string, a ...any) {
	f.errors = append(f.errors, format)
	f.messages = append(f.messages, fmt.Sprintf(format, a...))
}
func (f *fakeTB) Fatalf(format string, a ...any) { f.fatal, f.last = true, fmt.Sprintf(format, a...) }

// dropThaw is a deliberately broken coordinator runtime: it never delivers
// Thaw and pretends the writer answered.
func dropThaw(rt coordinator.Runtime) coordinator.Runtime { return &thawDropper{rt} }

type thawDropper struct{ coordinator.Runtime }

func (d *thawDropper) Go(o coordinator.Op, run func(context.Context, coordinator.Op) coordinator.Completion) {
	if o.Kind == coordinator.OpWriterEvent && o.Event.Kind == writer.EventThaw {
		run = func(context.Context, coordinator.Op) coordinator.Completion {
			return coordinator.Completion{Event: o.Event}
		}
	}
	d.Runtime.Go(o, run)
}

// lateCopy is a deliberately broken provider: its copy includes a write
// made after the commit instant.
type lateCopy struct {
	provider.Provider
	vols *simulate.VolumeSet
}

func (p *lateCopy) CommitSnapshots(ctx context.Context, set vss.ID) error {
	names := p.vols.Names()
	_ = p.vols.ReleaseWrites(ctx, names)
	for _, n := range names {
		v, _ := p.vols.Get(n)
		_ = v.WriteFile("late.txt", []byte("written after the commit instant"))
	}
	err := p.Provider.CommitSnapshots(ctx, set)
	_ = p.vols.HoldWrites(ctx, names)
	return err
}

func (p *lateCopy) SnapshotFS(ctx context.Context, id vss.ID) (fs.FS, error) {
	return p.Provider.(provider.FSOpener).SnapshotFS(ctx, id)
}

// TestCheckerIsNotVacuous: deliberately broken participants are caught.
func TestCheckerIsNotVacuous(t *testing.T) {
	t.Run("coordinator that never thaws", func(t *testing.T) {
		sc := ThreeWriterScenario()
		sc.breakRuntime = dropThaw
		run := sc.Run(1, nil)
		assert.Contains(t, rules(run), "no-frozen-writer", "%v", run.Violations)
	})
	t.Run("provider that copies after the hold", func(t *testing.T) {
		sc := ThreeWriterScenario()
		sc.HardwareVolumes = nil
		sc.breakProvider = func(p provider.Provider, vols *simulate.VolumeSet) provider.Provider {
			return &lateCopy{Provider: p, vols: vols}
		}
		run := sc.Run(1, nil)
		assert.Contains(t, rules(run), "point-in-time", "%v", run.Violations)
	})
	t.Run("aware writer that lets its application write while frozen", func(t *testing.T) {
		sc := ThreeWriterScenario()
		sc.appBug = simulate.AppBugNoQueue
		seed := firstViolating(sc, "app-consistent", 100)
		assert.NotZero(t, seed, "no seed tore a transaction of an application that goes on writing while frozen")
		t.Logf("seed %d tears a transaction", seed)
	})
	t.Run("aware writer that forgets its queue", func(t *testing.T) {
		sc := ThreeWriterScenario()
		sc.appBug = simulate.AppBugDropQueue
		run := sc.Run(1, nil)
		assert.Contains(t, rules(run), "no-lost-write", "%v", run.Violations)
	})
	t.Run("aware writer that does not freeze its application", func(t *testing.T) {
		sc := ThreeWriterScenario()
		sc.breakWriter = func(w writer.Writer) writer.Writer {
			if aw, ok := w.(*simulate.AppWriter); ok {
				return aw.ScriptedWriter
			}
			return w
		}
		run := sc.Run(1, nil)
		assert.Contains(t, rules(run), "app-quiesced", "%v", run.Violations)
	})
	t.Run("coordinator that never holds writes", func(t *testing.T) {
		sc := ThreeWriterScenario()
		sc.breakRuntime = func(rt coordinator.Runtime) coordinator.Runtime { return &holdDropper{rt} }
		seed := firstViolating(sc, "held-writes", 100)
		assert.NotZero(t, seed, "no application write landed during a hold that holds nothing")
		t.Logf("seed %d: %v", seed, sc.Run(seed, nil).Violations)
	})
	t.Run("writer that never thaws", func(t *testing.T) {
		sc := ThreeWriterScenario()
		sc.breakWriter = func(w writer.Writer) writer.Writer { return neverThaws{w} }
		run := sc.Run(1, nil)
		assert.Contains(t, rules(run), "no-frozen-writer", "%v", run.Violations)
	})
}

// firstViolating returns the first seed in 1..n whose fault-free run of
// sc breaks rule, or 0.
func firstViolating(sc *Scenario, rule string, n uint64) uint64 {
	for seed := uint64(1); seed <= n; seed++ {
		for _, r := range rules(sc.Run(seed, nil)) {
			if r == rule {
				return seed
			}
		}
	}
	return 0
}

// holdDropper is a deliberately broken coordinator runtime: holding and
// releasing writes succeed and do nothing, so applications write on
// through the commit.
type holdDropper struct{ coordinator.Runtime }

func (d *holdDropper) Go(o coordinator.Op, run func(context.Context, coordinator.Op) coordinator.Completion) {
	if o.Kind == coordinator.OpHoldWrites || o.Kind == coordinator.OpReleaseWrites {
		run = func(context.Context, coordinator.Op) coordinator.Completion { return coordinator.Completion{} }
	}
	d.Runtime.Go(o, run)
}

// neverThaws is a deliberately broken writer: it answers Thaw and Abort
// without resuming its application.
type neverThaws struct{ writer.Writer }

func (neverThaws) OnThaw(context.Context, *writer.Event) error  { return nil }
func (neverThaws) OnAbort(context.Context, *writer.Event) error { return nil }

func rules(run *Run) []string {
	var rs []string
	for _, v := range run.Violations {
		rs = append(rs, v.Rule)
	}
	return rs
}

// FuzzScenario lets go test -fuzz choose every decision of a run: the
// fault plan and the loop's choices come from the fuzzer's bytes.
func FuzzScenario(f *testing.F) {
	f.Add([]byte{0})
	f.Add([]byte{3, 17, 200, 9, 44, 1, 2, 3, 4, 5, 6, 7, 8})
	f.Add([]byte("freeze hang commit delay"))
	universe := ThreeWriterScenario().SingleFaults()
	f.Fuzz(func(t *testing.T, data []byte) {
		src := simulate.NewBytesSource(data)
		var plan simulate.Plan
		for range int(src.Uint64() % 4) {
			plan = append(plan, universe[src.Uint64()%uint64(len(universe))][0])
		}
		sc := ThreeWriterScenario()
		sc.source = src
		run := sc.Run(0, plan)
		if len(run.Violations) > 0 {
			t.Fatalf("plan %q: %v", plan, run.Violations)
		}
	})
}

// TestCommitCostOverTheHoldWindow: a hardware provider whose commit takes
// longer than the 10 s hold fails the set; the applications' writes held
// meanwhile are delayed, never lost, and every invariant holds.
func TestCommitCostOverTheHoldWindow(t *testing.T) {
	sc := ThreeWriterScenario()
	sc.HardwareCommitCost = 11 * time.Second
	for seed := uint64(1); seed <= 20; seed++ {
		run := sc.Run(seed, nil)
		require.ErrorIs(t, run.Err, vss.ErrFlushWritesTimeout, "seed %d", seed)
		assert.Empty(t, run.Violations, "seed %d", seed)
		assert.Contains(t, run.Facts, "hold window exceeded")
	}
	assert.Contains(t, ThreeWriterScenario().Run(1, nil).Facts, "app write during hold")
}

// TestComponentModeScenario runs the single-fault matrix and a sweep of
// the component-mode scenario, where two of the three writers are left
// out: every invariant holds, excluded-quiet among them, and the writers
// left out really are (the trace says so).
func TestComponentModeScenario(t *testing.T) {
	sc := ComponentScenario()
	run := sc.Run(1, nil)
	require.Empty(t, run.Violations)
	require.NoError(t, run.Err)
	var left []string
	for _, r := range run.Trace {
		if r.Decision == coordinator.DecisionWriterExcluded {
			left = append(left, r.Actor.Name)
		}
	}
	assert.ElementsMatch(t, []string{"Front", "System"}, left)

	rep := sc.ExploreSingleFaults(1)
	t.Logf("%d single-fault points", rep.Runs)
	if len(rep.Failures) > 0 {
		t.Fatal(rep.String())
	}
	n := sweepSeeds(t) / 10
	swept := sc.Sweep(SweepOptions{FirstSeed: 1, Seeds: n})
	t.Logf("%d seeds (%d runs)\n%s", n, swept.Runs, swept)
	assert.Empty(t, swept.Nondeterministic, "same seed, other trace")
	if len(swept.Failures) > 0 {
		t.Fatal(swept.String())
	}
}

// TestProviderAndExclusionInvariantsAreNotVacuous feeds the trace checker
// traces that break the rules of EndPrepareSnapshots, AbortSnapshots and
// excluded writers: each is caught.
func TestProviderAndExclusionInvariantsAreNotVacuous(t *testing.T) {
	front := coordinator.Actor{Kind: coordinator.ActorWriter, Name: "Front"}
	prov := coordinator.Actor{Kind: coordinator.ActorProvider, Name: "sys"}
	req := coordinator.Actor{Kind: coordinator.ActorRequestor}
	call := func(k coordinator.CallKind) coordinator.Record {
		return coordinator.Record{Kind: coordinator.RecCall, Actor: req, Call: k}
	}
	ret := func(k coordinator.CallKind) coordinator.Record {
		return coordinator.Record{Kind: coordinator.RecReturn, Actor: req, Call: k, Result: true}
	}
	pcall := func(m provider.Method) coordinator.Record {
		return coordinator.Record{Kind: coordinator.RecProviderCall, Actor: prov, Method: m}
	}
	pres := func(m provider.Method) coordinator.Record {
		return coordinator.Record{Kind: coordinator.RecProviderResult, Actor: prov, Method: m, Result: true}
	}
	event := func(e writer.EventKind) coordinator.Record {
		return coordinator.Record{Kind: coordinator.RecWriterEvent, Actor: front, Event: e}
	}
	check := func(trace ...coordinator.Record) []string {
		c := newChecker(&runWorld{infos: map[string]writer.Info{"Front": {Name: "Front", Level: vss.AppFrontEnd}}}, &Run{Trace: trace})
		c.checkTrace()
		return rules(c.run)
	}
	added := []coordinator.Record{call(coordinator.CallAddToSnapshotSet), ret(coordinator.CallAddToSnapshotSet)}
	assert.Contains(t, check(append(added, call(coordinator.CallAbortBackup), pcall(provider.MethodAbortSnapshots))...),
		"abort-after-do")
	assert.Contains(t, check(append(added, call(coordinator.CallDoSnapshotSet), event(writer.EventPrepareSnapshot),
		pcall(provider.MethodEndPrepareSnapshots))...), "end-prepare-first")
	assert.NotContains(t, check(append(added, call(coordinator.CallDoSnapshotSet), pcall(provider.MethodEndPrepareSnapshots),
		pres(provider.MethodEndPrepareSnapshots), event(writer.EventPrepareSnapshot), pcall(provider.MethodAbortSnapshots))...),
		"end-prepare-first", "the legal order passes")
	assert.Contains(t, check(coordinator.Record{Kind: coordinator.RecState, Actor: front, Decision: coordinator.DecisionWriterExcluded},
		event(writer.EventPrepareBackup)), "excluded-quiet")
}
