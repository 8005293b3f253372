package vsstest

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/vsskit/vss/coordinator"
	"github.com/vsskit/vss/simulate"
	"github.com/vsskit/vss/writer"
)

// WriterEnv is what the writer test hands a writer's constructor: the
// simulated volume the shadow copies are taken of. A writer whose
// application keeps its files there can be checked for point-in-time
// consistency (WriterTestOptions.Consistent).
type WriterEnv struct {
	// Volume is the volume C:\ of the simulated machine.
	Volume *simulate.Volume
	// Volumes are the machine's volumes; a writer that excludes files
	// from shadow copies opens, through it, the shadow copies PostSnapshot
	// names (simulate.ExcludeFromShadowCopies, VolumeSet.ShadowCopy).
	Volumes *simulate.VolumeSet
}

// WriterTestOptions tunes TestWriter and CheckWriter. The zero value runs
// every rule with one seed.
type WriterTestOptions struct {
	// Healthy reports whether the writer's application works: that it is
	// not frozen, for example that a write completes. The suite calls it
	// after every backup, abort and shutdown; it must honour ctx, which
	// ends after HealthyTimeout. Nil skips the health checks.
	Healthy func(ctx context.Context, w writer.Writer) error
	// HealthyTimeout bounds each Healthy call (default 10 s).
	HealthyTimeout time.Duration
	// Consistent checks the shadow copy of WriterEnv.Volume taken while the
	// writer was frozen: that its application's data is consistent there.
	// Nil skips rule Backup/ConsistentSnapshot.
	Consistent func(snapshot fs.FS) error
	// Workload, if set, plays the application's users: the suite runs it
	// in a goroutine of its own during every backup, aborts and shutdowns
	// included, and cancels its context when the session ends; it must
	// then return. It should wait a little between operations (time.Sleep
	// is virtual under TestWriter), so that the backup gets to run.
	Workload func(ctx context.Context, w writer.Writer)
	// Skip names rules to leave out, or groups of them by prefix
	// ("Components", "Shutdown/AnyPoint").
	Skip []string
	// Seed is the first seed (default 1) and Seeds how many seeds each
	// rule runs with (default 1). The environment variables VSS_SEED and
	// VSS_SEEDS override them, which is how a reported breach is
	// reproduced.
	Seed  uint64
	Seeds int
	// StrictShould reports breaches of SHOULD rules as failures; by
	// default they are only logged.
	StrictShould bool
	// RealTime runs TestWriter's rules in real time rather than in
	// testing/synctest bubbles, for writers that cannot run in a bubble
	// (see TestWriter). Timeout rules then take as long as the timeouts.
	RealTime bool
	// StuckAfter is how much real time a rule may take in a bubble before
	// TestWriter reports that its clock cannot advance (default 1 min).
	StuckAfter time.Duration
}

// Rule is one rule TestWriter or TestProvider checks, named "Group/Rule"
// like its sub-test. MUST rules are the VSS contract: breaking one fails
// the test. SHOULD rules are good practice: their breaches are logged
// unless StrictShould is set.
type Rule struct {
	Name string
	Must bool
	Doc  string
}

// Breach is one way a writer or provider broke a rule: the rule, the
// writer event or provider call at which it happened (empty when none),
// what happened and why, the events the writer under test had seen, and
// the seed, with a command line that reproduces it.
//
// A *Breach is an error: its text is String's, and it unwraps to its
// cause, Err, so that errors.Is and errors.As look through a breach to
// the VSS failure or the participant's error behind it:
//
//	var b *vsstest.Breach
//	if errors.As(err, &b) && errors.Is(b, vss.ErrWriterTimeout) { ... }
type Breach struct {
	Rule Rule
	At   string
	What string
	// Err is the cause of the breach: the suite's own error, whose text
	// is What, wrapping the errors behind it when there are any. These
	// are what the participant answered (the error a writer's handler
	// returned, a *writer.PanicError, the error a provider method
	// returned, even when it is the wrong one), the writer failure VSS
	// recorded for the writer (a *vss.Error with the HRESULT
	// GatherWriterStatus reports, for example vss.ErrWriterTimeout, and
	// the writer's own error when it caused the failure), the error of a
	// requestor call that failed, and the errors of the author's probes
	// (WriterTestOptions.Healthy and Consistent). A breach with none of
	// these (a wrong answer that is not an error, a handler that never
	// returned, a document that differs) has a cause that wraps nothing.
	// Every breach the suites report has a cause; Err is nil only in a
	// Breach built by other code.
	Err error
	// Seen is the events the writer under test had been sent when the
	// breach was found, in the order they were sent, with its answers:
	// those of the writer the rule last sent events to (a rule that runs
	// several backups builds a fresh writer for each). It is empty for
	// provider rules and for breaches found before the writer was sent
	// anything.
	Seen []SeenEvent
	// Trace is the trace of the backup session the rule was running when
	// the breach was found, as that session recorded it by the end of the
	// rule: draw it with diagram.Mermaid or diagram.SVG (package
	// coordinator/diagram) to see the breach happen. It is empty for the
	// breaches of rules that send events to the writer without a session.
	Trace []coordinator.Record
	Seed  uint64
	// Repro is a command that reruns the rule with this seed.
	Repro string
}

// SeenEvent is one event VSS sent the writer under test during a rule,
// and how the writer answered it: the event's kind, the components it
// named (in component mode), how long the handler took and what it
// returned. Pending events had not been answered when the breach was
// found: their handler was still running (a Freeze past its timeout, a
// handler ignoring its cancelled context), and Took and Err are zero.
type SeenEvent struct {
	Kind       writer.EventKind
	Components []writer.ComponentKey
	Took       time.Duration
	Err        error // nil when the writer succeeded
	Pending    bool
}

// String prints the breach as the suites report it, for example
//
//	MUST Abort/AfterFreeze at Abort: after Abort following Freeze, the application does not work: ... (seed 1; reproduce: VSS_SEED=1 go test -run '^TestKV$/^Abort$/^AfterFreeze$' .)
func (b Breach) String() string {
	level := "SHOULD"
	if b.Rule.Must {
		level = "MUST"
	}
	at := ""
	if b.At != "" {
		at = " at " + b.At
	}
	return fmt.Sprintf("%s %s%s: %s (seed %d; reproduce: %s)", level, b.Rule.Name, at, b.What, b.Seed, b.Repro)
}

// Error returns the breach as String prints it.
func (b *Breach) Error() string { return b.String() }

// Unwrap returns the breach's cause, Err: non-nil for every breach the
// suites report.
func (b *Breach) Unwrap() error { return b.Err }

// CheckError is the verdict of CheckWriter or CheckProvider on a
// participant that broke rules: every breach that fails (SHOULD breaches
// only with StrictShould), in the order the rules were checked.
//
// It unwraps to its breaches, each a *Breach that unwraps to its cause,
// so errors.Is asks whether any breach was caused by a VSS failure or a
// participant's error (errors.Is(err, vss.ErrWriterTimeout): a writer
// VSS failed for staying frozen too long), and errors.As finds the first
// breach, or the first cause of a type.
type CheckError struct {
	Breaches []Breach
}

// Error lists the breaches, one a line, as String prints them.
func (e *CheckError) Error() string {
	lines := make([]string, len(e.Breaches))
	for i, b := range e.Breaches {
		lines[i] = b.String()
	}
	return "broke " + strconv.Itoa(len(e.Breaches)) + " rule(s):\n" + strings.Join(lines, "\n")
}

// Unwrap returns every breach, as a *Breach pointing into Breaches.
func (e *CheckError) Unwrap() []error {
	errs := make([]error, len(e.Breaches))
	for i := range e.Breaches {
		errs[i] = &e.Breaches[i]
	}
	return errs
}

// cause is a breach's cause (Breach.Err): the suite's account of what
// happened, the breach's What, wrapping the errors behind it.
type cause struct {
	what string
	errs []error
}

func newCause(what string, behind error) *cause {
	c := &cause{what: what}
	if behind != nil {
		c.errs = []error{behind}
	}
	return c
}

func (c *cause) Error() string   { return c.what }
func (c *cause) Unwrap() []error { return c.errs }

// SuiteT is what TestWriter and TestProvider need of a test: a
// *testing.T, or anything with these methods (a fake, to test the suites'
// own messages). Given a *testing.T, every rule runs as a sub-test (for
// TestWriter, in a testing/synctest bubble unless WriterTestOptions.RealTime
// is set). Given anything else, the rules run one after another on the
// caller's goroutine, each message naming its rule; call TestWriter
// inside synctest.Test for virtual time there too.
type SuiteT interface {
	Helper()
	Name() string
	Errorf(format string, args ...any)
	Logf(format string, args ...any)
}

// TestWriter checks a writer against the VSS writer rules
// (WriterRules): it runs it through whole backups, aborts, shutdowns at
// any point, cancelled events, component selection, PreRestore and
// PostRestore, and the single faults of the other participants, and reports every breach with the rule, the
// event, what happened and how to reproduce it. A correct writer never
// fails, whatever the seed.
//
// newWriter is called for every rule and seed, so each gets a fresh writer
// (and application). The writer's handlers must honour their context.
//
// With a *testing.T, each rule is a sub-test named after it
// ("Backup/FreezeWithinTimeout"), so -run and -skip select rules, and
// runs in a testing/synctest bubble: time.Sleep, timers and the session's
// timeouts are virtual, so a writer that takes two minutes to freeze is
// failed at once. A goroutine blocked on a sync.Mutex keeps a bubble's
// clock from advancing (it is not "durably blocked"): an application
// whose callers wait on a mutex for the whole of a freeze should wait on
// a channel or a sync.Cond instead, or the test set RealTime. A handler
// left blocked forever on a channel when a rule ends is reported as a
// breach of that rule.
func TestWriter(t SuiteT, newWriter func(env WriterEnv) writer.Writer, opts WriterTestOptions) {
	t.Helper()
	s := newWriterSuite(t.Name(), newWriter, opts)
	rules := s.rules()
	names := make([]Rule, len(rules))
	for i, r := range rules {
		names[i] = r.rule
	}
	tt, ok := t.(*testing.T)
	if !ok {
		s.plainRuns(t, names, func(i int, seed uint64) ([]Breach, string) { return s.runRule(rules[i], seed) })
		return
	}
	s.subTests(tt, names, "WriterTestOptions.Skip", func(t *testing.T, i int, seed uint64) ([]Breach, string) {
		if s.opts.RealTime {
			return s.runRule(rules[i], seed)
		}
		return s.runInBubble(t, rules[i], seed)
	})
}

// ruleFunc checks rule i of a suite with one seed: its breaches, or why
// it was skipped.
type ruleFunc func(i int, seed uint64) (got []Breach, skip string)

// plainRuns runs the rules one after another on the caller's goroutine,
// every seed, reporting to t: TestWriter and TestProvider given something
// other than a *testing.T.
func (s *writerSuite) plainRuns(t SuiteT, rules []Rule, run ruleFunc) {
	t.Helper()
	for i, r := range rules {
		if s.skipped(r) {
			continue
		}
		for _, seed := range s.seeds() {
			got, skip := run(i, seed)
			if skip != "" {
				t.Logf("%s: skipped: %s", r.Name, skip)
				break
			}
			s.report(t, got)
		}
	}
}

// subTests runs each rule as a sub-test of t named after it, every seed.
func (s *writerSuite) subTests(t *testing.T, rules []Rule, skipOption string, run func(t *testing.T, i int, seed uint64) ([]Breach, string)) {
	for i, r := range rules {
		t.Run(r.Name, func(t *testing.T) {
			if s.skipped(r) {
				t.Skip("skipped by " + skipOption)
			}
			for _, seed := range s.seeds() {
				got, skip := run(t, i, seed)
				if skip != "" {
					t.Skip(skip)
				}
				s.report(t, got)
			}
		})
	}
}

// check runs the rules as plainRuns does and returns a *CheckError with
// the breaches that fail (SHOULD breaches only with StrictShould), or nil.
func (s *writerSuite) check(rules []Rule, run ruleFunc) error {
	var all []Breach
	for i, r := range rules {
		if s.skipped(r) {
			continue
		}
		for _, seed := range s.seeds() {
			got, skip := run(i, seed)
			for _, b := range got {
				if b.Rule.Must || s.opts.StrictShould {
					all = append(all, b)
				}
			}
			if skip != "" {
				break
			}
		}
	}
	if len(all) == 0 {
		return nil
	}
	return &CheckError{Breaches: all}
}

// runInBubble runs one rule in a synctest bubble. A bubble whose
// goroutines are left blocked forever (a handler, probe or workload that
// ignores its context) makes synctest panic; that is a breach of the
// rule, not a crash of the test binary. A watchdog in real time says what
// is wrong when the bubble cannot advance at all.
func (s *writerSuite) runInBubble(t *testing.T, r suiteRule, seed uint64) (got []Breach, skip string) {
	rc := s.newRuleRun(r.rule, seed)
	stop := make(chan struct{})
	watchdog := make(chan struct{})
	go func() {
		defer close(watchdog)
		timer := time.NewTimer(s.opts.StuckAfter)
		defer timer.Stop()
		select {
		case <-stop:
		case <-timer.C:
			t.Errorf("%s: the rule has run for %v of real time in a testing/synctest bubble whose clock cannot advance: "+
				"a goroutine (a writer handler, the application, the Healthy probe or the Workload) is probably blocked on a sync.Mutex "+
				"for the length of a freeze; wait on a channel or sync.Cond instead, or set WriterTestOptions.RealTime", r.rule.Name, s.opts.StuckAfter)
		}
	}()
	defer func() {
		close(stop)
		<-watchdog
	}()
	func() {
		defer func() {
			if v := recover(); v != nil {
				msg := fmt.Sprint(v)
				if !strings.HasPrefix(msg, "deadlock") {
					panic(v)
				}
				rc.breach(0, "goroutines were left blocked forever when the rule ended (synctest: %s): "+
					"a handler, the Healthy probe or the Workload does not return when its context is cancelled", msg)
			}
		}()
		synctest.Test(t, func(*testing.T) { rc.run(r) })
	}()
	return rc.result()
}

// CheckWriter runs the same rules as TestWriter, in real time, and returns
// a *CheckError listing every breach (SHOULD breaches only with
// StrictShould), or nil. It is for use outside go test; in tests,
// TestWriter runs the rules as sub-tests in virtual time. Called on its
// own, CheckWriter takes real time: Faults/OtherWriters keeps the writer
// frozen for half its freeze timeout, and a writer that breaks a time
// rule makes it wait for the real timeout; skip those rules, or call it
// inside a synctest.Test bubble, to run it fast.
//
// The verdict unwraps to its breaches and they to their causes: for
// example errors.Is(err, vss.ErrWriterTimeout) reports whether VSS failed
// the writer for staying frozen past its freeze timeout in some rule
// (see CheckError and Breach).
func CheckWriter(newWriter func(env WriterEnv) writer.Writer, opts WriterTestOptions) error {
	s := newWriterSuite("TestWriter", newWriter, opts)
	rules := s.rules()
	return s.check(WriterRules(), func(i int, seed uint64) ([]Breach, string) { return s.runRule(rules[i], seed) })
}

// writerSuite is one TestWriter or CheckWriter run.
type writerSuite struct {
	test      string
	newWriter func(env WriterEnv) writer.Writer
	opts      WriterTestOptions
}

func newWriterSuite(test string, newWriter func(env WriterEnv) writer.Writer, opts WriterTestOptions) *writerSuite {
	if opts.HealthyTimeout <= 0 {
		opts.HealthyTimeout = 10 * time.Second
	}
	if opts.Seed == 0 {
		opts.Seed = 1
	}
	if opts.StuckAfter <= 0 {
		opts.StuckAfter = time.Minute
	}
	if opts.Seeds <= 0 {
		opts.Seeds = 1
	}
	if v, err := strconv.ParseUint(os.Getenv("VSS_SEED"), 10, 64); err == nil {
		opts.Seed, opts.Seeds = v, 1
	}
	if v, err := strconv.Atoi(os.Getenv("VSS_SEEDS")); err == nil && v > 0 {
		opts.Seeds = v
	}
	return &writerSuite{test: test, newWriter: newWriter, opts: opts}
}

func (s *writerSuite) seeds() []uint64 {
	out := make([]uint64, s.opts.Seeds)
	for i := range out {
		out[i] = s.opts.Seed + uint64(i)
	}
	return out
}

func (s *writerSuite) skipped(r Rule) bool {
	for _, p := range s.opts.Skip {
		if r.Name == p || strings.HasPrefix(r.Name, strings.TrimSuffix(p, "/")+"/") {
			return true
		}
	}
	return false
}

func (s *writerSuite) report(t SuiteT, got []Breach) {
	t.Helper()
	for _, b := range got {
		if b.Rule.Must || s.opts.StrictShould {
			t.Errorf("%v", b)
		} else {
			t.Logf("%v", b)
		}
	}
}

// runRule runs one rule with one seed on the caller's goroutine and
// returns its breaches, or why it was skipped.
func (s *writerSuite) runRule(r suiteRule, seed uint64) (got []Breach, skip string) {
	rc := s.newRuleRun(r.rule, seed)
	rc.run(r)
	return rc.result()
}

// ruleRun is one rule checked with one seed. Breaches are kept under a
// lock: the rule may end with goroutines of the writer still running.
type ruleRun struct {
	suite    *writerSuite // nil for a provider rule
	test     string       // the test's name, for the reproducing command
	rule     Rule
	seed     uint64
	mu       sync.Mutex
	breaches []Breach
	skip     string
	rec      *recorder // the events of the writer under test, for Breach.Seen
	// sess is the session the rule runs now, and sessions the session
	// each breach was found in (nil for none), for Breach.Trace, read
	// once the rule is over.
	sess     *coordinator.Session
	sessions []*coordinator.Session
}

func (s *writerSuite) newRuleRun(rule Rule, seed uint64) *ruleRun {
	return &ruleRun{suite: s, test: s.test, rule: rule, seed: seed}
}

// run checks the rule. A panic that escapes the writer's handlers (in its
// constructor, Info or the author's probes) is a breach of the rule, never
// a crash of the test binary.
func (rc *ruleRun) run(r suiteRule) {
	defer func() {
		if v := recover(); v != nil {
			rc.breachErr(0, panicErr(v), "panic outside an event handler (in the writer's constructor, Info, or a probe of WriterTestOptions): %v", v)
		}
	}()
	r.run(rc)
}

func (rc *ruleRun) result() ([]Breach, string) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	bs := append([]Breach(nil), rc.breaches...)
	for i, sess := range rc.sessions {
		if sess != nil {
			bs[i].Trace = sess.Trace()
		}
	}
	return bs, rc.skip
}

// inSession makes s the session whose trace the rule's next breaches
// carry (Breach.Trace).
func (rc *ruleRun) inSession(s *coordinator.Session) {
	rc.mu.Lock()
	rc.sess = s
	rc.mu.Unlock()
}

// repro is the command that reruns the rule with the run's seed: the
// test's name and the rule's, each part anchored, for go test -run.
func (rc *ruleRun) repro() string {
	parts := append(strings.Split(rc.test, "/"), strings.Split(rc.rule.Name, "/")...)
	for i, p := range parts {
		parts[i] = "^" + regexp.QuoteMeta(p) + "$"
	}
	return fmt.Sprintf("VSS_SEED=%d go test -run '%s' .", rc.seed, strings.Join(parts, "/"))
}

// breach reports a breach at writer event ev (zero for none) with
// nothing behind it: its cause wraps no error.
func (rc *ruleRun) breach(ev writer.EventKind, format string, args ...any) {
	rc.breachErr(ev, nil, format, args...)
}

// breachErr reports a breach at writer event ev (zero for none) whose
// cause wraps behind, the participant's error or the VSS failure that
// shows the breach (several joined by errors.Join; nil for none). The
// message says what happened, behind included.
func (rc *ruleRun) breachErr(ev writer.EventKind, behind error, format string, args ...any) {
	at := ""
	if ev != 0 {
		at = ev.String()
	}
	rc.breachAtErr(at, behind, format, args...)
}

// breachAt reports a breach at a writer event or provider call with
// nothing behind it.
func (rc *ruleRun) breachAt(at, format string, args ...any) {
	rc.breachAtErr(at, nil, format, args...)
}

// breachAtErr reports a breach at a writer event or provider call whose
// cause wraps behind (nil for none).
func (rc *ruleRun) breachAtErr(at string, behind error, format string, args ...any) {
	what := fmt.Sprintf(format, args...)
	b := Breach{Rule: rc.rule, At: at, What: what, Err: newCause(what, behind), Seed: rc.seed, Repro: rc.repro()}
	rc.mu.Lock()
	rec := rc.rec
	rc.mu.Unlock()
	if rec != nil {
		b.Seen = rec.events()
	}
	rc.mu.Lock()
	rc.breaches = append(rc.breaches, b)
	rc.sessions = append(rc.sessions, rc.sess)
	rc.mu.Unlock()
}

// watch makes rec the recorder whose events the rule's next breaches
// list as seen.
func (rc *ruleRun) watch(rec *recorder) {
	rc.mu.Lock()
	rc.rec = rec
	rc.mu.Unlock()
}

// recorded returns w as VSS sees it through a new recorder that the
// rule's next breaches list events from: for the rules that send events
// to a writer themselves rather than through a session.
func (rc *ruleRun) recorded(w writer.Writer) writer.Writer {
	rec := &recorder{w: w}
	rc.watch(rec)
	return rec.writer()
}

// note appends to the last breach reported since mark (the number of
// breaches before), saying under which circumstance it happened; the
// cause says it too.
func (rc *ruleRun) note(mark int, circumstance string) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for i := mark; i < len(rc.breaches); i++ {
		b := &rc.breaches[i]
		if !strings.Contains(b.What, circumstance) {
			b.What += " (" + circumstance + ")"
			if c, ok := b.Err.(*cause); ok {
				b.Err = &cause{what: b.What, errs: c.errs}
			}
		}
	}
}

// count returns how many breaches were reported so far.
func (rc *ruleRun) count() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.breaches)
}

// healthy runs the Healthy probe, bounded by HealthyTimeout, and reports
// a breach naming when it was checked.
func (rc *ruleRun) healthy(w writer.Writer, after writer.EventKind, when string) {
	probe := rc.suite.opts.Healthy
	if probe == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), rc.suite.opts.HealthyTimeout)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		defer func() {
			if v := recover(); v != nil {
				done <- fmt.Errorf("the Healthy probe panicked: %v", v)
			}
		}()
		done <- probe(ctx, w)
	}()
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		// A probe that honours ctx returns now, with its own error,
		// which says more than ours.
		grace := time.NewTimer(time.Second)
		defer grace.Stop()
		select {
		case err = <-done:
		case <-grace.C:
			err = fmt.Errorf("the Healthy probe did not return within %v, nor return when its context ended", rc.suite.opts.HealthyTimeout)
		}
	}
	if err != nil {
		rc.breachErr(after, err, "%s, the application does not work: %v", when, err)
	}
}

// recorder intercepts the writer under test (writer.Intercept): it
// records every event the writer is sent, Identify included, when it is
// sent, then how long the writer took and what it answered, and knows
// which handlers still run.
type recorder struct {
	w       writer.Writer
	mu      sync.Mutex
	log     []SeenEvent
	running int           // handlers of the writer still running
	idle    chan struct{} // closed when running drops back to zero
}

// writer returns the writer under test as VSS sees it: through the
// recorder.
func (r *recorder) writer() writer.Writer {
	return writer.Intercept(r.w, func(ctx context.Context, e *writer.Event, next func(context.Context, *writer.Event) error) error {
		var keys []writer.ComponentKey
		for _, c := range e.Components {
			keys = append(keys, c.Key())
		}
		r.mu.Lock()
		i := len(r.log)
		r.log = append(r.log, SeenEvent{Kind: e.Kind, Components: keys, Pending: true})
		if r.running == 0 {
			r.idle = make(chan struct{})
		}
		r.running++
		r.mu.Unlock()
		start := time.Now()
		err := next(ctx, e)
		r.mu.Lock()
		r.log[i].Took, r.log[i].Err, r.log[i].Pending = time.Since(start), err, false
		if r.running--; r.running == 0 {
			close(r.idle)
		}
		r.mu.Unlock()
		return err
	})
}

// settle waits until no handler of the writer runs. Session.Close
// abandons a handler still running after its grace period; the suite
// waits for it, to learn how long it really took (in a bubble, one that
// never returns is reported as goroutines left blocked forever).
func (r *recorder) settle() {
	for {
		r.mu.Lock()
		if r.running == 0 {
			r.mu.Unlock()
			return
		}
		idle := r.idle
		r.mu.Unlock()
		<-idle
	}
}

// events returns the events sent so far, answered or pending.
func (r *recorder) events() []SeenEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]SeenEvent(nil), r.log...)
}

// saw returns the first event of kind the writer answered.
func (r *recorder) saw(kind writer.EventKind) (SeenEvent, bool) {
	for _, e := range r.events() {
		if e.Kind == kind && !e.Pending {
			return e, true
		}
	}
	return SeenEvent{}, false
}

// panicErr is the error a recovered panic value v carries, if any.
func panicErr(v any) error {
	err, _ := v.(error)
	return err
}
