package explore

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/coordinator"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/simulate"
	"github.com/vsskit/vss/writer"
)

// backupSites returns the sites of a backup for actors of kind k: the
// writer events (restore's aside) or the provider methods VSS calls (Query,
// a requestor's management call, aside), from the writer's and provider's
// own tables.
func backupSites(k coordinator.ActorKind) []string {
	var out []string
	switch k {
	case coordinator.ActorWriter:
		for _, e := range writer.Events() {
			if e != writer.EventPreRestore && e != writer.EventPostRestore {
				out = append(out, e.String())
			}
		}
	case coordinator.ActorProvider:
		for _, m := range provider.Methods() {
			if m != provider.MethodQuery {
				out = append(out, m.String())
			}
		}
	default:
		out = simulate.Sites(k)
	}
	return out
}

// SingleFaults enumerates every single-fault point of the scenario: each
// writer × each event × each fault kind (retryable and plain errors, a
// delay past the writer's freeze timeout, a hang, a panic, a failure after
// the work was done, a cancellation by the requestor), each provider ×
// each method × (veto, plain error, panic, hang, an 11 s delay, failure
// after the work), and the requestor giving up after each of its calls.
func (sc *Scenario) SingleFaults() []simulate.Plan {
	var plans []simulate.Plan
	add := func(f simulate.Fault) { plans = append(plans, simulate.Plan{f}) }
	timeouts := map[string]time.Duration{}
	for _, w := range sc.Writers {
		timeouts[w.Name] = writer.Info{FreezeTimeout: w.FreezeTimeout}.EffectiveFreezeTimeout()
	}
	for _, actor := range sc.Participants() {
		for _, site := range backupSites(actor.Kind) {
			switch actor.Kind {
			case coordinator.ActorWriter:
				add(simulate.Fault{Actor: actor, Site: site, Kind: simulate.FaultError, Code: vss.ErrWriterRetryable})
				add(simulate.Fault{Actor: actor, Site: site, Kind: simulate.FaultError})
				add(simulate.Fault{Actor: actor, Site: site, Kind: simulate.FaultError, Code: vss.ErrWriterNonRetryable, After: true})
				add(simulate.Fault{Actor: actor, Site: site, Kind: simulate.FaultDelay, Delay: timeouts[actor.Name] + time.Second})
				add(simulate.Fault{Actor: actor, Site: site, Kind: simulate.FaultHang})
				add(simulate.Fault{Actor: actor, Site: site, Kind: simulate.FaultPanic})
				add(simulate.Fault{Actor: actor, Site: site, Kind: simulate.FaultCancel})
			case coordinator.ActorProvider:
				add(simulate.Fault{Actor: actor, Site: site, Kind: simulate.FaultError, Code: vss.ErrProviderVeto})
				add(simulate.Fault{Actor: actor, Site: site, Kind: simulate.FaultError})
				add(simulate.Fault{Actor: actor, Site: site, Kind: simulate.FaultError, Code: vss.ErrUnexpectedProviderError, After: true})
				add(simulate.Fault{Actor: actor, Site: site, Kind: simulate.FaultPanic})
				add(simulate.Fault{Actor: actor, Site: site, Kind: simulate.FaultHang})
				add(simulate.Fault{Actor: actor, Site: site, Kind: simulate.FaultDelay, Delay: 11 * time.Second})
			case coordinator.ActorRequestor:
				add(simulate.Fault{Actor: actor, Site: site, Kind: simulate.FaultAbort})
			}
		}
	}
	return plans
}

// Report is the outcome of an exploration or a sweep.
type Report struct {
	Runs int
	// Failures are the runs that broke an invariant, shrunk to the
	// shortest plan that still breaks one.
	Failures []*Run
	// Sometimes counts, for each fact, the runs in which it happened;
	// a sweep that never saw a fault kind did not test it.
	Sometimes map[string]int
	// Nondeterministic lists seeds whose rerun gave another trace.
	Nondeterministic []uint64
}

func (r *Report) add(run *Run) {
	r.Runs++
	if r.Sometimes == nil {
		r.Sometimes = map[string]int{}
	}
	for _, f := range run.Facts {
		r.Sometimes[f]++
	}
}

// String summarizes the report: counts, facts, and each failure with the
// line that reproduces it.
func (r *Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d runs, %d failing, %d nondeterministic\n", r.Runs, len(r.Failures), len(r.Nondeterministic))
	keys := make([]string, 0, len(r.Sometimes))
	for k := range r.Sometimes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "  sometimes %-36q %d\n", k, r.Sometimes[k])
	}
	for _, f := range r.Failures {
		fmt.Fprintf(&b, "FAIL seed %d plan %q\n", f.Seed, f.Plan.String())
		for _, v := range f.Violations {
			fmt.Fprintf(&b, "  %v\n", v)
		}
		fmt.Fprintf(&b, "  reproduce: %s\n", f.ReplayLine())
	}
	return b.String()
}

// ExploreSingleFaults runs every single-fault point of the scenario with
// one seed and reports the runs that broke an invariant.
func (sc *Scenario) ExploreSingleFaults(seed uint64) *Report {
	rep := &Report{}
	for _, p := range sc.SingleFaults() {
		run := sc.Run(seed, p)
		rep.add(run)
		if len(run.Violations) > 0 {
			rep.Failures = append(rep.Failures, run)
		}
	}
	return rep
}

// SweepOptions tunes a random sweep.
type SweepOptions struct {
	// FirstSeed and Seeds choose the seeds run: FirstSeed, FirstSeed+1, ...
	FirstSeed uint64
	Seeds     int
	// MaxFaults bounds the faults of one run's plan (default 3).
	MaxFaults int
	// RecheckEvery reruns every n-th seed and compares trace hashes
	// (default 50; negative: never).
	RecheckEvery int
}

// Sweep runs random seeds with random fault plans drawn in two levels, as
// swarm testing does: a seed first picks which fault sites are active,
// then how many faults of them fire. A run that breaks an invariant is
// shrunk to the shortest plan that still breaks one. Every RecheckEvery-th
// seed is run twice to check that the same seed gives the same trace.
// Seeds run in parallel, one goroutine per CPU; the report is the same
// whatever the parallelism.
func (sc *Scenario) Sweep(opt SweepOptions) *Report {
	if opt.MaxFaults <= 0 {
		opt.MaxFaults = 3
	}
	if opt.RecheckEvery == 0 {
		opt.RecheckEvery = 50
	}
	universe := sc.SingleFaults()
	type outcome struct {
		run         *Run
		nondetermin bool
	}
	// Runs share nothing, so they run on every CPU; the report is put
	// together in seed order, the same whatever the parallelism.
	out := make([]outcome, opt.Seeds)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), max(opt.Seeds, 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= opt.Seeds {
					return
				}
				seed := opt.FirstSeed + uint64(i)
				plan := randomPlan(seed, universe, opt.MaxFaults)
				run := sc.Run(seed, plan)
				o := outcome{run: run}
				if opt.RecheckEvery > 0 && i%opt.RecheckEvery == 0 {
					o.nondetermin = sc.Run(seed, plan).TraceHash() != run.TraceHash()
				}
				if len(run.Violations) > 0 {
					o.run = sc.Shrink(run)
					o.run.Facts = run.Facts
				} else {
					run.Trace = nil // keep the memory of a long sweep flat
				}
				out[i] = o
			}
		}()
	}
	wg.Wait()
	rep := &Report{}
	for i, o := range out {
		rep.add(o.run)
		if o.nondetermin {
			rep.Nondeterministic = append(rep.Nondeterministic, opt.FirstSeed+uint64(i))
		}
		if len(o.run.Violations) > 0 {
			rep.Failures = append(rep.Failures, o.run)
		}
	}
	return rep
}

// randomPlan draws a plan from the seed: each single fault is active with a
// seeded probability, then up to max active faults are kept.
func randomPlan(seed uint64, universe []simulate.Plan, max int) simulate.Plan {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	n := rng.IntN(max + 1)
	var p simulate.Plan
	for range n {
		p = append(p, universe[rng.IntN(len(universe))][0])
	}
	return p
}

// Shrink returns the run of the shortest plan, taken from run's plan by
// removing faults one at a time, that still breaks an invariant with the
// same seed.
func (sc *Scenario) Shrink(run *Run) *Run {
	best := run
	for changed := true; changed; {
		changed = false
		for i := range best.Plan {
			smaller := append(append(simulate.Plan{}, best.Plan[:i]...), best.Plan[i+1:]...)
			if r := sc.Run(best.Seed, smaller); len(r.Violations) > 0 {
				best, changed = r, true
				break
			}
		}
	}
	return best
}

// TB is the part of testing.TB the simulator's test helpers use, so that
// they also run outside go test.
type TB interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
}

var _ TB = testing.TB(nil)

// Replay runs the scenario with a seed and a plan written as text, as a
// failing sweep prints it, and reports on t every broken invariant and
// every fault of the plan that never fired (a plan that tests nothing is a
// failure, not a pass). A plan that does not parse, or that names a
// participant the scenario does not have, fails at once.
func Replay(t TB, sc *Scenario, seed uint64, plan string) *Run {
	t.Helper()
	p, err := simulate.ParsePlan(plan)
	if err == nil {
		err = sc.CheckPlan(p)
	}
	if err != nil {
		t.Fatalf("explore.Replay: %v", err)
		return nil // for a TB whose Fatalf returns
	}
	run := sc.Run(seed, p)
	for _, v := range run.Violations {
		t.Errorf("seed %d plan %q: %v", seed, plan, v)
	}
	for _, f := range run.Unfired {
		t.Errorf("seed %d plan %q: the fault %q never fired: its site was not reached", seed, plan, f)
	}
	return run
}
