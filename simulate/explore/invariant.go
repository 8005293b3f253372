package explore

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sort"
	"strings"
	"time"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/coordinator"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/simulate"
	"github.com/vsskit/vss/simulate/vsstest"
	"github.com/vsskit/vss/writer"
)

// Violation is a broken invariant of the protocol found after a run.
type Violation struct {
	// Rule names the invariant, for example "freeze-order" or
	// "point-in-time"; Invariants lists them.
	Rule string
	// Detail says what happened.
	Detail string
}

func (v Violation) String() string { return v.Rule + ": " + v.Detail }

// invariantRules lists every invariant the checker verifies after a run,
// with what it means: the protocol contract of package coordinator,
// checked from the outside.
var invariantRules = map[string]string{
	"freeze-order":       "Freeze goes front end, then back end, then system",
	"thaw-order":         "Thaw goes system, then back end, then front end",
	"commit-when-frozen": "CommitSnapshots starts only when every writer sent Freeze is frozen or failed",
	"thaw-or-abort":      "every writer that received Freeze receives Thaw or Abort before DoSnapshotSet returns",
	"freeze-window":      "no writer stays frozen longer than its freeze timeout",
	"no-frozen-writer":   "no writer is frozen when a requestor call returns, nor at the end",
	"abort-after-post":   "no writer receives Abort after PostSnapshot",
	"point-in-time":      "a shadow copy equals its volume at the instant of commit, byte for byte",
	"provider-failure":   "a provider failure in DoSnapshotSet (EndPrepareSnapshots to PostFinalCommitSnapshots) fails it",
	"no-leaked-snapshot": "no shadow copy of a failed set remains, and none remains after the session but the preparations of a set abandoned before DoSnapshotSet, which its providers learn of only when the next set begins",
	"abort-after-do":     "providers get AbortSnapshots only for a set whose DoSnapshotSet was called",
	"end-prepare-first":  "in DoSnapshotSet, EndPrepareSnapshots goes to every provider of the set before any writer receives PrepareSnapshot",
	"excluded-quiet":     "a writer left out of the backup (in component mode, one with no component selected) receives no event after it was left out",
	"writes-released":    "no volume is left with its writes held",
	"backup-outcome":     "a backup with no fault succeeds",
	"close":              "Close succeeds, unless a provider fault broke its clean-up, which its error then reports",
	"setup":              "the scenario can be built",
	"plan":               "every fault of the plan names a participant of the scenario",
	"app-consistent":     "a VSS-aware application frozen at the commit has only whole, committed transactions in the shadow copy",
	"app-quiesced":       "a VSS-aware application whose writer takes part in the backup and did not fail is frozen at the commit instant",
	"held-writes":        "application writes issued during the hold are applied only after it, are not in the shadow copy, and writes applied before the commit are",
	"no-lost-write":      "every acknowledged application write is on the live volume after the backup, and every request is carried out",
}

// Invariants returns every invariant a run is checked against, by the
// name a Violation carries, with what it means: the protocol contract of
// package coordinator, checked from the outside (the trace, the
// participants and the shadow copies).
func Invariants() map[string]string { return maps.Clone(invariantRules) }

// checker verifies the invariants of one run.
type checker struct {
	w   *runWorld
	run *Run
	// copied is set when the requestor reached step 10.
	copied bool
	// snaps are the applications' shadow copies seen at step 10.
	snaps []appSnap
	// facts are what the applications did that a sweep wants to see.
	facts []string
}

// appSnap is what step 10 found of one application in a shadow copy.
type appSnap struct {
	cut        appCut
	consistent error // the application's own CheckSnapshot
}

func (c *checker) fact(f string) {
	for _, x := range c.facts {
		if x == f {
			return
		}
	}
	c.facts = append(c.facts, f)
}

func newChecker(w *runWorld, run *Run) *checker { return &checker{w: w, run: run} }

func (c *checker) violate(rule, format string, args ...any) {
	c.run.Violations = append(c.run.Violations, Violation{Rule: rule, Detail: fmt.Sprintf(format, args...)})
}

// checkSnapshots is the requestor's step 10: every shadow copy must hold
// its volume's contents at the commit instant.
func (c *checker) checkSnapshots(ctx context.Context, src *requestor.CopySource) error {
	c.copied = true
	for _, s := range src.Snapshots {
		c.w.recorder.mu.Lock()
		want, ok := c.w.recorder.taken[s.Properties.ID]
		c.w.recorder.mu.Unlock()
		if !ok {
			c.violate("point-in-time", "no record of the commit of the shadow copy of %s", s.Volume)
			continue
		}
		if s.FS == nil {
			c.violate("point-in-time", "shadow copy of %s cannot be read", s.Volume)
			continue
		}
		v, _ := c.w.vols.Get(s.Volume)
		got, err := contents(s.FS, c.w.recorder.appFile(v))
		if err != nil {
			c.violate("point-in-time", "reading the shadow copy of %s: %v", s.Volume, err)
			continue
		}
		if d := diffContents(want, got); d != "" {
			c.violate("point-in-time", "shadow copy of %s differs from the volume at commit: %s", s.Volume, d)
		}
		c.w.recorder.mu.Lock()
		cuts := c.w.recorder.cuts[s.Properties.ID]
		c.w.recorder.mu.Unlock()
		for _, cut := range cuts {
			c.checkAppSnapshot(s, cut)
		}
	}
	return nil
}

// checkAppSnapshot checks one application's files in a shadow copy
// against the checker's model of the application at the commit instant:
// exactly the writes applied by then are in it. The application's own
// consistency check is kept for afterClose, which knows the writers' fate.
func (c *checker) checkAppSnapshot(s requestor.VolumeSnapshot, cut appCut) {
	a := cut.app
	audit, err := a.app.AuditSnapshot(s.FS, cut.AppCut)
	if err != nil {
		c.violate("held-writes", "reading the application's files in the shadow copy of %s: %v", s.Volume, err)
		return
	}
	if audit.Exact != nil {
		c.violate("held-writes", "shadow copy of %s: %v", s.Volume, audit.Exact)
	}
	if audit.Consistent != nil && a.aware == nil {
		c.fact("unaware app torn in a shadow copy")
	}
	c.snaps = append(c.snaps, appSnap{cut: cut, consistent: audit.Consistent})
}

// checkApps checks the applications after the session: the aware ones'
// shadow copies, then, once they settled, their live volumes.
func (c *checker) checkApps() {
	for _, s := range c.snaps {
		a := s.cut.app
		if a.aware == nil {
			continue
		}
		switch {
		case s.cut.Frozen && s.consistent != nil:
			c.violate("app-consistent", "the application of writer %q was frozen at the commit, yet: %v", a.spec.Writer, s.consistent)
		case !s.cut.Frozen && !c.writerFailed(a.spec.Writer) && !c.writerExcluded(a.spec.Writer):
			c.violate("app-quiesced", "the application of writer %q was not frozen at the commit, and its writer did not fail", a.spec.Writer)
		}
	}
	from, to, held := c.holdWindow()
	for _, a := range c.w.apps {
		st := a.app.Stats()
		if held {
			for _, w := range a.app.AppliedWrites() {
				if w.At > from && w.At < to {
					c.violate("held-writes", "write %d of request %d of the application on %s was applied at +%v, during the hold (+%v to +%v)",
						w.Part, w.Request, a.spec.Volume, w.At, from, to)
					break
				}
			}
		}
		if st.HeldWrites > 0 {
			c.fact("app write during hold")
		}
		if st.LateWrites > 0 {
			c.violate("held-writes", "%d writes of the application on %s issued during the hold completed before it ended", st.LateWrites, a.spec.Volume)
		}
		if a.aware != nil && st.QueuedWhileFrozen > 0 {
			c.fact("aware app queued during freeze")
		}
		a.app.Settle()
		if a.aware != nil && a.aware.Frozen() && c.exemptWriter(a.spec.Writer) {
			continue // its writer's own fault keeps it frozen
		}
		if err := a.app.CheckLive(a.app.Volume().FS()); err != nil {
			c.violate("no-lost-write", "application on %s: %v", a.spec.Volume, err)
		} else if n := a.app.Pending(); n > 0 {
			c.violate("no-lost-write", "application on %s: %d requests never acknowledged", a.spec.Volume, n)
		}
	}
}

// holdWindow returns, from the trace, when VSS's hold of writes was
// certainly in effect: from the moment holding succeeded to the moment
// the release began.
func (c *checker) holdWindow() (from, to time.Duration, ok bool) {
	for _, r := range c.run.Trace {
		switch {
		case r.Kind == coordinator.RecWrites && r.Decision == coordinator.DecisionHoldWrites && r.OK():
			from, ok = r.At, true
		case ok && r.Kind == coordinator.RecWrites && r.Decision == coordinator.DecisionReleaseWrites && !r.Result:
			return from, r.At, true
		}
	}
	return 0, 0, false
}

// writerExcluded reports whether the trace shows the writer left out of
// the backup: it takes no part, and its application is not frozen.
func (c *checker) writerExcluded(name string) bool {
	for _, r := range c.run.Trace {
		if r.Decision == coordinator.DecisionWriterExcluded && r.Actor.Kind == coordinator.ActorWriter && r.Actor.Name == name {
			return true
		}
	}
	return false
}

// writerFailed reports whether the trace shows the writer failed.
func (c *checker) writerFailed(name string) bool {
	for _, r := range c.run.Trace {
		if r.Decision == coordinator.DecisionWriterFailed && r.Actor.Kind == coordinator.ActorWriter && r.Actor.Name == name {
			return true
		}
	}
	return false
}

func diffContents(want, got map[string]string) string {
	var diffs []string
	for p, w := range want {
		g, ok := got[p]
		switch {
		case !ok:
			diffs = append(diffs, p+" missing")
		case g != w:
			diffs = append(diffs, fmt.Sprintf("%s is %q, was %q", p, g, w))
		}
	}
	for p := range got {
		if _, ok := want[p]; !ok {
			diffs = append(diffs, p+" appeared")
		}
	}
	sort.Strings(diffs)
	return strings.Join(diffs, "; ")
}

// afterBackup checks what must hold when the backup ended, before Close:
// a failed set left nothing, no volume is held, nothing is frozen.
func (c *checker) afterBackup(s *coordinator.Session) {
	for _, name := range c.w.vols.Names() {
		if v, _ := c.w.vols.Get(name); v.Held() {
			c.violate("writes-released", "volume %s is still held after the backup", name)
		}
	}
	if c.setFailed(s) {
		// DoSnapshotSet failed: VSS removed the set; nothing may remain.
		for _, p := range c.w.provs {
			snaps, err := p.Query(context.Background())
			if err == nil && len(snaps) > 0 && !c.exemptProvider(p.Info().Name) {
				c.violate("no-leaked-snapshot", "after DoSnapshotSet failed, provider %q still holds %d shadow copies", p.Info().Name, len(snaps))
			}
		}
	}
	faultFree := len(c.run.Plan) == 0 && c.w.sc.HardwareCommitCost <= coordinator.DefaultHoldTimeout
	if faultFree && c.run.Err != nil {
		c.violate("backup-outcome", "a backup without faults failed: %v", c.run.Err)
	}
	if faultFree && !c.copied {
		c.violate("backup-outcome", "a backup without faults never reached step 10")
	}
	if f := s.Frozen(); len(f) > 0 {
		c.violate("no-frozen-writer", "the coordinator holds %v frozen after the backup", f)
	}
}

// setFailed reports whether DoSnapshotSet was called and failed.
func (c *checker) setFailed(s *coordinator.Session) bool {
	for _, r := range s.Trace() {
		if r.Kind == coordinator.RecReturn && r.Call == coordinator.CallDoSnapshotSet && r.Err != nil {
			return true
		}
	}
	return false
}

// exemptProvider reports whether a provider's own fault excuses its
// leftovers: a provider that fails AbortSnapshots or DeleteSnapshots
// keeps what it was told to remove, whatever VSS does.
func (c *checker) exemptProvider(name string) bool {
	for _, f := range c.w.in.Fired() {
		if f.Actor == simulate.ProviderActor(name) && (f.Site == "AbortSnapshots" || f.Site == "DeleteSnapshots") && f.Kind != simulate.FaultDelay {
			return true
		}
	}
	return false
}

// exemptWriter reports whether a writer's own fault excuses it staying
// frozen: a writer whose OnAbort fails or hangs before resuming its
// application cannot be unfrozen by VSS.
func (c *checker) exemptWriter(name string) bool {
	for _, f := range c.w.in.Fired() {
		if f.Actor == simulate.WriterActor(name) && f.Site == "Abort" && !f.After && f.Kind != simulate.FaultDelay && f.Kind != simulate.FaultCancel {
			return true
		}
	}
	return false
}

// failedCleanup reports whether a provider's fault fired in
// AbortSnapshots or DeleteSnapshots (a mere delay aside): Close reports
// the clean-up it broke in its error, as it must.
func (c *checker) failedCleanup() bool {
	for _, f := range c.w.in.Fired() {
		if f.Actor.Kind == coordinator.ActorProvider && f.Kind != simulate.FaultDelay && (f.Site == "AbortSnapshots" || f.Site == "DeleteSnapshots") {
			return true
		}
	}
	return false
}

// afterClose checks the session's end state and its whole trace.
func (c *checker) afterClose(closeErr error) {
	if closeErr != nil && !c.failedCleanup() {
		c.violate("close", "Close failed: %v", closeErr)
	}
	for _, p := range c.w.provs {
		snaps, err := p.Query(context.Background())
		n := len(vsstest.LeftBehind(c.run.Trace, snaps))
		if err == nil && n > 0 && !c.exemptProvider(p.Info().Name) {
			c.violate("no-leaked-snapshot", "provider %q holds %d shadow copies after the session", p.Info().Name, n)
		}
	}
	for _, wr := range c.w.writers {
		if wr.Frozen() && !c.exemptWriter(wr.Info().Name) {
			c.violate("no-frozen-writer", "writer %q is frozen after the session", wr.Info().Name)
		}
	}
	c.checkTrace()
	c.checkApps()
}

// frozenWriter tracks one writer through the trace.
type frozenWriter struct {
	name     string
	freezeAt time.Duration
	answered bool // Freeze answered or failed
	since    int  // Seq of the Freeze event
}

// checkTrace checks the ordering rules on the trace.
func (c *checker) checkTrace() {
	tr := c.run.Trace
	frozen := map[string]*frozenWriter{}
	post := map[string]bool{}
	lastFreezeRank, lastThawRank := -1, 99
	var doSnapshotSet, didSnapshotSet bool
	providerFailed := ""
	endPrepares := 0 // EndPrepareSnapshots calls of this DoSnapshotSet not yet answered
	endPrepared := false
	excluded := map[string]bool{}
	for _, r := range tr {
		name, isWriter := r.Actor.Name, r.Actor.Kind == coordinator.ActorWriter
		switch {
		case isWriter && r.Decision == coordinator.DecisionWriterExcluded:
			excluded[name] = true
		case isWriter && r.Kind == coordinator.RecWriterEvent && excluded[name]:
			c.violate("excluded-quiet", "writer %q received %v after it was left out of the backup", name, r.Event)
		case r.Kind == coordinator.RecProviderCall && r.Method == provider.MethodAbortSnapshots && !didSnapshotSet:
			c.violate("abort-after-do", "%v got AbortSnapshots, but DoSnapshotSet was never called", r.Actor)
		case r.Kind == coordinator.RecProviderCall && r.Method == provider.MethodEndPrepareSnapshots && doSnapshotSet:
			endPrepares++
		case r.Kind == coordinator.RecProviderResult && r.Method == provider.MethodEndPrepareSnapshots && doSnapshotSet:
			endPrepares--
			endPrepared = endPrepares == 0
		case isWriter && r.Kind == coordinator.RecWriterEvent && r.Event == writer.EventPrepareSnapshot && (endPrepares > 0 || (!endPrepared && c.setHasVolumes())):
			c.violate("end-prepare-first", "writer %q received PrepareSnapshot before every provider answered EndPrepareSnapshots", name)
		case r.Kind == coordinator.RecCall && r.Call == coordinator.CallDoSnapshotSet:
			doSnapshotSet, didSnapshotSet, lastFreezeRank, lastThawRank = true, true, -1, 99
			endPrepares, endPrepared = 0, false
		case r.Kind == coordinator.RecReturn:
			for _, f := range frozen {
				c.violate("no-frozen-writer", "writer %q is frozen when %s returns (Freeze sent at +%v)", f.name, r.Call, f.freezeAt)
			}
			if r.Call == coordinator.CallDoSnapshotSet {
				doSnapshotSet = false
				if providerFailed != "" && r.OK() {
					c.violate("provider-failure", "DoSnapshotSet succeeded although %s", providerFailed)
				}
				providerFailed = ""
			}
		case isWriter && r.Kind == coordinator.RecWriterEvent:
			rank := c.rank(name)
			switch r.Event {
			case writer.EventFreeze:
				if rank < lastFreezeRank {
					c.violate("freeze-order", "writer %q (rank %d) frozen after a writer of rank %d", name, rank, lastFreezeRank)
				}
				lastFreezeRank = rank
				frozen[name] = &frozenWriter{name: name, freezeAt: r.At, since: r.Seq}
			case writer.EventThaw, writer.EventAbort:
				if r.Event == writer.EventThaw {
					if rank > lastThawRank {
						c.violate("thaw-order", "writer %q (rank %d) thawed after a writer of rank %d", name, rank, lastThawRank)
					}
					lastThawRank = rank
				}
				if r.Event == writer.EventAbort && post[name] {
					c.violate("abort-after-post", "writer %q received Abort after PostSnapshot", name)
				}
				if f := frozen[name]; f != nil {
					if limit := c.w.infos[name].EffectiveFreezeTimeout(); r.At-f.freezeAt > limit {
						c.violate("freeze-window", "writer %q frozen for %v, longer than its %v freeze timeout", name, r.At-f.freezeAt, limit)
					}
					delete(frozen, name)
				}
			case writer.EventPostSnapshot:
				post[name] = true
			}
		case isWriter && r.Event == writer.EventFreeze && r.Kind == coordinator.RecWriterResult:
			if f := frozen[name]; f != nil {
				f.answered = true
			}
		case isWriter && r.Decision == coordinator.DecisionWriterFailed:
			if f := frozen[name]; f != nil {
				f.answered = true
			}
		case r.Kind == coordinator.RecProviderCall && r.Method == provider.MethodCommitSnapshots:
			for _, f := range frozen {
				if !f.answered {
					c.violate("commit-when-frozen", "CommitSnapshots started while writer %q had not answered Freeze", f.name)
				}
			}
		case r.Kind == coordinator.RecProviderResult && doSnapshotSet && r.Err != nil && r.Method.Creation():
			providerFailed = fmt.Sprintf("%v failed at %v: %v", r.Actor, r.Method, r.Err)
		}
	}
	for _, f := range frozen {
		c.violate("thaw-or-abort", "writer %q never received Thaw or Abort after its Freeze at +%v", f.name, f.freezeAt)
	}
}

// setHasVolumes reports whether the trace shows a volume added to the
// snapshot set: only then are there providers to call EndPrepareSnapshots.
func (c *checker) setHasVolumes() bool {
	for _, r := range c.run.Trace {
		if r.Kind == coordinator.RecReturn && r.Call == coordinator.CallAddToSnapshotSet && r.Err == nil {
			return true
		}
	}
	return false
}

func (c *checker) rank(name string) int { return c.w.infos[name].EffectiveLevel().FreezeRank() }

// facts lists what happened in a run that a sweep wants to see sometimes.
func facts(r *Run) []string {
	var fs []string
	add := func(f string) {
		for _, x := range fs {
			if x == f {
				return
			}
		}
		fs = append(fs, f)
	}
	thawing := map[string]bool{}
	for _, rec := range r.Trace {
		name, isWriter := rec.Actor.Name, rec.Actor.Kind == coordinator.ActorWriter
		switch {
		case rec.Decision == coordinator.DecisionFreezeTimeout:
			add("writer timed out")
		case rec.Kind == coordinator.RecProviderResult && rec.Err != nil && rec.Method == provider.MethodCommitSnapshots:
			add("commit failed")
		case isWriter && rec.Kind == coordinator.RecWriterEvent && rec.Event == writer.EventThaw:
			thawing[name] = true
		case isWriter && rec.Kind == coordinator.RecWriterResult && rec.Event == writer.EventThaw:
			delete(thawing, name)
		case isWriter && rec.Kind == coordinator.RecWriterEvent && rec.Event == writer.EventAbort:
			if thawing[name] {
				add("abort raced a thaw")
			}
		case rec.Decision == coordinator.DecisionTimedOut && rec.Actor.Kind == coordinator.ActorProvider:
			add("provider timed out")
		case rec.Decision == coordinator.DecisionCancel && errors.Is(rec.Err, simulate.ErrStalled):
			add("participant hung with no deadline")
		case rec.Decision == coordinator.DecisionCancel:
			add("requestor cancelled")
		case rec.Decision == coordinator.DecisionWriterFailed:
			add("writer failed")
		}
	}
	switch {
	case r.Err == nil:
		add("backup succeeded")
	case errors.Is(r.Err, vss.ErrFlushWritesTimeout):
		add("hold window exceeded")
	case errors.Is(r.Err, simulate.ErrGaveUp):
		add("requestor aborted")
	}
	if r.Err != nil {
		add("backup failed")
	}
	return fs
}
