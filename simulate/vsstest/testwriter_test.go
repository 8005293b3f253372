package vsstest_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/coordinator"
	"github.com/vsskit/vss/coordinator/diagram"
	"github.com/vsskit/vss/simulate"
	"github.com/vsskit/vss/simulate/vsstest"
	"github.com/vsskit/vss/writer"
)

// ledger is the application of the suite's own tests: each Put writes a
// record as two files, rec/a then rec/b with the same value, half a
// second apart (a slow transaction), so a shadow copy taken in the middle
// of a Put is torn. While frozen, Put waits on a channel; in-flight Puts
// are counted so that Freeze can wait for them.
type ledger struct {
	vol      *simulate.Volume
	mu       sync.Mutex
	frozen   bool
	thawed   chan struct{} // closed when the ledger thaws
	inFlight int
	idle     chan struct{} // closed when inFlight drops to zero
	n        int
}

func newLedger(vol *simulate.Volume) *ledger {
	if err := vol.MkdirAll("rec"); err != nil {
		panic(err)
	}
	return &ledger{vol: vol}
}

// Put writes the next record.
func (l *ledger) Put(ctx context.Context) error {
	l.mu.Lock()
	for l.frozen {
		wait := l.thawed
		l.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			return fmt.Errorf("put waited for the ledger to thaw: %w", ctx.Err())
		}
		l.mu.Lock()
	}
	l.n++
	v := []byte(fmt.Sprint(l.n))
	l.inFlight++
	l.mu.Unlock()
	defer func() {
		l.mu.Lock()
		l.inFlight--
		if l.inFlight == 0 && l.idle != nil {
			close(l.idle)
			l.idle = nil
		}
		l.mu.Unlock()
	}()
	if err := l.vol.Do(ctx, simulate.WriteFileOp("rec/a", v)); err != nil {
		return err
	}
	time.Sleep(500 * time.Millisecond)
	return l.vol.Do(ctx, simulate.WriteFileOp("rec/b", v))
}

// freeze stops new Puts; if wait is set it also waits for the ones in
// flight to finish, as a correct writer must.
func (l *ledger) freeze(ctx context.Context, wait bool) error {
	l.mu.Lock()
	if !l.frozen {
		l.frozen, l.thawed = true, make(chan struct{})
	}
	if !wait || l.inFlight == 0 {
		l.mu.Unlock()
		return nil
	}
	if l.idle == nil {
		l.idle = make(chan struct{})
	}
	idle := l.idle
	l.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (l *ledger) thaw() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.frozen {
		l.frozen = false
		close(l.thawed)
	}
}

func (l *ledger) isFrozen() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.frozen
}

// checkLedger is the consistency probe: both halves of the record agree.
func checkLedger(snap fs.FS) error {
	a, errA := fs.ReadFile(snap, "rec/a")
	b, errB := fs.ReadFile(snap, "rec/b")
	if errors.Is(errA, fs.ErrNotExist) && errors.Is(errB, fs.ErrNotExist) {
		return nil
	}
	if errA != nil || errB != nil {
		return fmt.Errorf("torn record: half of it is missing: %v, %v", errA, errB)
	}
	if !bytes.Equal(a, b) {
		return fmt.Errorf("torn record: rec/a holds %s, rec/b holds %s", a, b)
	}
	return nil
}

// bug is a defect of ledgerWriter; each breaks one writer rule.
type bug int

const (
	bugIdentifyFails       bug = iota + 1 // Identify/MetadataValid
	bugUnstableMetadata                   // Identify/MetadataStable
	bugPrepareSnapshotFail                // Backup/Succeeds
	bugSlowFreeze                         // Backup/FreezeWithinTimeout: time.Sleep(2 min) in Freeze
	bugThawKeepsFrozen                    // Backup/HealthyAfterThaw
	bugFreezeNoWait                       // Backup/ConsistentSnapshot
	bugAbortKeepsFrozen                   // Abort/AfterFreeze
	bugAbortFailsUnfrozen                 // Abort/WithoutFreeze
	bugSecondAbortFails                   // Abort/Twice
	bugIgnoresCancel                      // Cancel/ReturnsPromptly
	bugShutdownPanics                     // Shutdown/AnyPoint
	bugNeedsAllComponents                 // Components/Selection
	bugGivesUpLongFreeze                  // Faults/OtherWriters
	bugPrepareBackupLocks                 // Faults/Providers (and Abort/WithoutFreeze)
	bugRestoreKeepsStopped                // Restore/PreAndPost
	bugIdentifyLocks                      // Components/LeftOut
	bugKeepsExcluded                      // Backup/ExcludedFromSnapshot
)

// ledgerWriter is the ledger's writer: it declares three selectable
// components, freezes the ledger (waiting for Puts in flight), thaws it on
// Thaw and on Abort, and honours its context throughout, unless bug says
// otherwise.
type ledgerWriter struct {
	l          *ledger
	vols       *simulate.VolumeSet
	bug        bug
	mu         sync.Mutex
	identifies int
	aborts     int
	completed  bool
	sawFreeze  bool
	frozenAt   time.Time
}

var ledgerClass = vss.MustParseID("{7d3a5d5e-1c4f-4e43-9a7e-3b1c2d4e5f60}")

func newLedgerWriter(b bug) func(env vsstest.WriterEnv) writer.Writer {
	return func(env vsstest.WriterEnv) writer.Writer {
		if err := env.Volume.MkdirAll("tmp"); err != nil {
			panic(err)
		}
		if err := env.Volume.WriteFile("tmp/ledger.scratch", []byte("sort space")); err != nil {
			panic(err)
		}
		return &ledgerWriter{l: newLedger(env.Volume), vols: env.Volumes, bug: b}
	}
}

func (w *ledgerWriter) Info() writer.Info {
	return writer.Info{ClassID: ledgerClass, InstanceID: vss.MustParseID("{7d3a5d5e-1c4f-4e43-9a7e-3b1c2d4e5f61}"),
		Name: "Ledger Writer", Usage: vss.UsageUserData, Source: vss.SourceTransactedDB}
}

func (w *ledgerWriter) OnIdentify(_ context.Context, md *writer.Metadata) error {
	w.mu.Lock()
	w.identifies++
	n := w.identifies
	w.mu.Unlock()
	if w.bug == bugIdentifyFails {
		return errors.New("ledger: cannot list the databases")
	}
	if w.bug == bugIdentifyLocks {
		// Locks the ledger until PrepareBackup, which a writer left out
		// of a component-mode backup never gets.
		if err := w.l.freeze(context.Background(), true); err != nil {
			return err
		}
	}
	names := []string{"accounts", "journal", "settings"}
	if w.bug == bugUnstableMetadata {
		names[2] = fmt.Sprintf("settings%d", n)
	}
	for _, name := range names {
		if _, err := md.AddComponent(writer.ComponentInfo{Type: vss.ComponentFileGroup, LogicalPath: "Ledger", Name: name, Selectable: true}); err != nil {
			return err
		}
		if err := md.AddFiles("Ledger", name, writer.FileSpec{Path: `C:\rec`, Spec: "*"}); err != nil {
			return err
		}
	}
	return md.AddExcludeFromSnapshot(ledgerScratch)
}

// ledgerScratch is the ledger's sort space, which it excludes from
// shadow copies.
var ledgerScratch = writer.FileSpec{Path: `C:\tmp`, Spec: "*.scratch"}

// OnPostSnapshot deletes the sort space from the shadow copy, the second
// step of excluding files from shadow copies.
func (w *ledgerWriter) OnPostSnapshot(_ context.Context, e *writer.Event) error {
	if w.bug == bugKeepsExcluded {
		return nil
	}
	_, err := simulate.ExcludeFromShadowCopies(w.vols, e, []writer.FileSpec{ledgerScratch})
	return err
}

func (w *ledgerWriter) OnPrepareBackup(ctx context.Context, e *writer.Event) error {
	if w.bug == bugIgnoresCancel {
		time.Sleep(10 * time.Second) // a slow check that ignores ctx
	}
	if w.bug == bugNeedsAllComponents && e.ComponentsSelected && len(e.Components) < 3 {
		return fmt.Errorf("ledger: the three components must be backed up together: %w", vss.ErrWriterNonRetryable)
	}
	if w.bug == bugIdentifyLocks {
		w.l.thaw()
	}
	if w.bug == bugPrepareBackupLocks {
		// A provider failing at EndPrepareSnapshots, the first call of
		// DoSnapshotSet, aborts the writer before any PrepareSnapshot.
		return w.l.freeze(ctx, true)
	}
	return nil
}

func (w *ledgerWriter) OnPrepareSnapshot(ctx context.Context, _ *writer.Event) error {
	switch w.bug {
	case bugPrepareSnapshotFail:
		return fmt.Errorf("ledger: checkpoint failed: %w", vss.ErrWriterRetryable)
	}
	return nil
}

func (w *ledgerWriter) OnFreeze(ctx context.Context, _ *writer.Event) error {
	if w.bug == bugSlowFreeze {
		time.Sleep(2 * time.Minute)
	}
	w.mu.Lock()
	w.frozenAt, w.sawFreeze = time.Now(), true
	w.mu.Unlock()
	return w.l.freeze(ctx, w.bug != bugFreezeNoWait)
}

func (w *ledgerWriter) OnThaw(context.Context, *writer.Event) error {
	w.mu.Lock()
	held := time.Since(w.frozenAt)
	w.mu.Unlock()
	if w.bug == bugGivesUpLongFreeze && held > 20*time.Second {
		return fmt.Errorf("ledger: frozen for %v, the journal overflowed", held)
	}
	if w.bug != bugThawKeepsFrozen {
		w.l.thaw()
	}
	return nil
}

func (w *ledgerWriter) OnAbort(context.Context, *writer.Event) error {
	w.mu.Lock()
	w.aborts++
	n, sawFreeze := w.aborts, w.sawFreeze
	w.mu.Unlock()
	switch {
	case w.bug == bugPrepareBackupLocks && !sawFreeze:
		return nil // forgets the lock PrepareBackup took
	case w.bug == bugAbortFailsUnfrozen && !w.l.isFrozen():
		return errors.New("ledger: abort: not frozen")
	case w.bug == bugSecondAbortFails && n > 1:
		return errors.New("ledger: abort: already aborted")
	case w.bug == bugAbortKeepsFrozen:
		return nil
	}
	w.l.thaw()
	return nil
}

// OnPreRestore stops the ledger while its files are replaced;
// OnPostRestore starts it again.
func (w *ledgerWriter) OnPreRestore(ctx context.Context, _ *writer.Event) error {
	return w.l.freeze(ctx, true)
}

func (w *ledgerWriter) OnPostRestore(context.Context, *writer.Event) error {
	if w.bug != bugRestoreKeepsStopped {
		w.l.thaw()
	}
	return nil
}

func (w *ledgerWriter) OnBackupComplete(context.Context, *writer.Event) error {
	w.mu.Lock()
	w.completed = true
	w.mu.Unlock()
	return nil
}

func (w *ledgerWriter) OnBackupShutdown(context.Context, *writer.Event) error {
	w.mu.Lock()
	completed := w.completed
	w.mu.Unlock()
	if w.bug == bugShutdownPanics && !completed {
		var pending map[string]int
		pending["journal"]++ // the writer assumed BackupComplete came first
	}
	return nil
}

// ledgerOptions are the options a ledger's author passes to TestWriter.
func ledgerOptions() vsstest.WriterTestOptions {
	return vsstest.WriterTestOptions{
		Healthy: func(ctx context.Context, w writer.Writer) error {
			return w.(*ledgerWriter).l.Put(ctx)
		},
		Consistent: checkLedger,
		Workload: func(ctx context.Context, w writer.Writer) {
			l := w.(*ledgerWriter).l
			for ctx.Err() == nil {
				_ = l.Put(ctx)
				time.Sleep(time.Millisecond)
			}
		},
		Seeds: 3,
	}
}

// TestWriterSuiteLedger is how a writer's author uses the suite: the
// correct ledger writer passes every rule, with three seeds.
func TestWriterSuiteLedger(t *testing.T) {
	vsstest.TestWriter(t, newLedgerWriter(0), ledgerOptions())
}

// fakeT records what the suite reports, so a test can assert on it.
type fakeT struct {
	name   string
	mu     sync.Mutex
	errors []string
	logs   []string
}

func (f *fakeT) Helper()      {}
func (f *fakeT) Name() string { return f.name }
func (f *fakeT) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}
func (f *fakeT) Logf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.logs = append(f.logs, fmt.Sprintf(format, args...))
}

// breakers pairs every rule with a defect that breaks it and what the
// report must say.
var breakers = []struct {
	rule string
	bug  bug
	want string
}{
	{"Identify/MetadataValid", bugIdentifyFails, "MUST Identify/MetadataValid at Identify: Identify failed: ledger: cannot list the databases"},
	{"Identify/MetadataStable", bugUnstableMetadata, "SHOULD Identify/MetadataStable at Identify: a second Identify gave a different document"},
	{"Backup/Succeeds", bugPrepareSnapshotFail, "MUST Backup/Succeeds at PrepareSnapshot: the backup failed because the writer failed: VSS_E_WRITERERROR_RETRYABLE"},
	{"Backup/FreezeWithinTimeout", bugSlowFreeze, "MUST Backup/FreezeWithinTimeout at Freeze: the handler took 2m0s, more than the writer's freeze timeout of 1m0s"},
	{"Backup/HealthyAfterThaw", bugThawKeepsFrozen, "MUST Backup/HealthyAfterThaw at Thaw: after Thaw, the application does not work: put waited for the ledger to thaw: context deadline exceeded"},
	{"Backup/ConsistentSnapshot", bugFreezeNoWait, "MUST Backup/ConsistentSnapshot at Freeze: the shadow copy taken while the writer was frozen is not consistent: torn record"},
	{"Abort/AfterFreeze", bugAbortKeepsFrozen, "MUST Abort/AfterFreeze at Abort: after Abort following Freeze, the application does not work"},
	{"Abort/WithoutFreeze", bugAbortFailsUnfrozen, "MUST Abort/WithoutFreeze at Abort: Abort without Freeze failed: ledger: abort: not frozen"},
	{"Abort/Twice", bugSecondAbortFails, "MUST Abort/Twice at Abort: a second Abort failed: ledger: abort: already aborted"},
	{"Cancel/ReturnsPromptly", bugIgnoresCancel, "MUST Cancel/ReturnsPromptly at PrepareBackup: the handler did not return within 2s of its context being cancelled"},
	{"Shutdown/AnyPoint", bugShutdownPanics, "MUST Shutdown/AnyPoint at BackupShutdown: BackupShutdown failed: "},
	{"Components/Selection", bugNeedsAllComponents, "MUST Components/Selection: a component-mode backup of "},
	{"Restore/PreAndPost", bugRestoreKeepsStopped, "MUST Restore/PreAndPost at PostRestore: after PostRestore, the application does not work: put waited for the ledger to thaw: context deadline exceeded"},
	{"Components/LeftOut", bugIdentifyLocks, "MUST Components/LeftOut at Identify: during a backup it was left out of, the application does not work"},
	{"Faults/OtherWriters", bugGivesUpLongFreeze, "MUST Faults/OtherWriters at Thaw: when Companion failed at Freeze slow, the writer failed"},
	{"Faults/Providers", bugPrepareBackupLocks, "MUST Faults/Providers at Abort: after the provider failed at EndPrepareSnapshots, the application does not work"},
	{"Backup/ExcludedFromSnapshot", bugKeepsExcluded, "SHOULD Backup/ExcludedFromSnapshot at PostSnapshot: the shadow copy holds tmp/ledger.scratch, which the writer excludes from shadow copies"},
}

// assertEveryRuleBroken checks that each rule of a suite is among those a
// test breaks on purpose: no rule goes unproven.
func assertEveryRuleBroken(t *testing.T, rules []vsstest.Rule, broken []string) {
	t.Helper()
	for _, r := range rules {
		assert.Contains(t, broken, r.Name, "rule %s has nothing that breaks it", r.Name)
	}
}

// TestWriterSuiteCatchesEveryRule runs the suite on a writer broken in one
// way per rule, through a fake testing.TB, inside a synctest bubble (so
// the two-minute Freeze costs no real time), and asserts the exact report.
func TestWriterSuiteCatchesEveryRule(t *testing.T) {
	var broken []string
	for _, b := range breakers {
		broken = append(broken, b.rule)
	}
	assertEveryRuleBroken(t, vsstest.WriterRules(), broken)
	for _, b := range breakers {
		t.Run(b.rule, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ft := &fakeT{name: "TestLedger"}
				opts := ledgerOptions()
				opts.StrictShould = true
				vsstest.TestWriter(ft, newLedgerWriter(b.bug), opts)
				var found string
				for _, e := range ft.errors {
					if strings.HasPrefix(e, b.want) {
						found = e
						break
					}
				}
				require.NotEmpty(t, found, "no report starts with %q; got:\n%s", b.want, strings.Join(ft.errors, "\n"))
				seed := found[strings.Index(found, "(seed ")+len("(seed "):]
				seed = seed[:strings.IndexAny(seed, ";")]
				parts := strings.Split(b.rule, "/")
				assert.Contains(t, found, fmt.Sprintf("; reproduce: VSS_SEED=%s go test -run '^TestLedger$/^%s$/^%s$' .)", seed, parts[0], parts[1]))
			})
		})
	}
}

// TestWriterSuiteGoodWriterSilent checks the suite has nothing to say
// about the correct writer, SHOULD rules included, with many seeds.
func TestWriterSuiteGoodWriterSilent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ft := &fakeT{name: "TestLedger"}
		opts := ledgerOptions()
		opts.StrictShould = true
		opts.Seeds = 10
		vsstest.TestWriter(ft, newLedgerWriter(0), opts)
		assert.Empty(t, ft.errors)
		assert.Empty(t, ft.logs)
	})
}

// TestWriterSuiteSlowFreezeIsVirtual shows a writer that sleeps two
// minutes in Freeze failed at once: under synctest the sleep, the freeze
// timeout and the session's waits are all virtual.
func TestWriterSuiteSlowFreezeIsVirtual(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		ft := &fakeT{name: "TestSlow"}
		opts := vsstest.WriterTestOptions{Skip: []string{"Identify", "Abort", "Cancel", "Shutdown", "Components", "Restore", "Faults"}}
		vsstest.TestWriter(ft, newLedgerWriter(bugSlowFreeze), opts)
		assert.Contains(t, strings.Join(ft.errors, "\n"),
			"MUST Backup/FreezeWithinTimeout at Freeze: the handler took 2m0s, more than the writer's freeze timeout of 1m0s")
		assert.GreaterOrEqual(t, time.Since(start), 2*time.Minute, "the virtual clock ran through the sleep")
	})
}

// TestCheckWriter is the error-returning core, as used outside go test.
func TestCheckWriter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		require.NoError(t, vsstest.CheckWriter(newLedgerWriter(0), ledgerOptions()))
		err := vsstest.CheckWriter(newLedgerWriter(bugAbortKeepsFrozen), ledgerOptions())
		var ce *vsstest.CheckError
		require.ErrorAs(t, err, &ce)
		rules := map[string]bool{}
		for _, b := range ce.Breaches {
			rules[b.Rule.Name] = true
			assert.True(t, b.Rule.Must)
		}
		assert.True(t, rules["Abort/AfterFreeze"], "%v", err)
		assert.Contains(t, err.Error(), "broke ")
	})
}

// TestWriterSuiteOptions: Skip leaves rules out by name or group; SHOULD
// breaches are logged, not failed, without StrictShould; VSS_SEED picks
// the seed a report names.
func TestWriterSuiteOptions(t *testing.T) {
	t.Setenv("VSS_SEED", "42")
	synctest.Test(t, func(t *testing.T) {
		ft := &fakeT{name: "TestLedger"}
		opts := ledgerOptions()
		opts.Skip = []string{"Backup", "Abort", "Cancel", "Shutdown", "Components", "Restore", "Faults", "Identify/MetadataValid"}
		vsstest.TestWriter(ft, newLedgerWriter(bugUnstableMetadata), opts)
		assert.Empty(t, ft.errors)
		require.Len(t, ft.logs, 1)
		assert.True(t, strings.HasPrefix(ft.logs[0], "SHOULD Identify/MetadataStable"), ft.logs[0])
		assert.Contains(t, ft.logs[0], "(seed 42; reproduce: VSS_SEED=42 go test -run '^TestLedger$/^Identify$/^MetadataStable$' .)")
	})
}

// kinds returns the kinds of the events a breach lists as seen.
func kinds(seen []vsstest.SeenEvent) []writer.EventKind {
	var out []writer.EventKind
	for _, e := range seen {
		out = append(out, e.Kind)
	}
	return out
}

// breachOf returns the first breach of rule in a verdict, through
// errors.As and the breaches CheckError unwraps to.
func breachOf(t *testing.T, err error, rule string) *vsstest.Breach {
	t.Helper()
	var ce *vsstest.CheckError
	require.ErrorAs(t, err, &ce)
	for _, e := range ce.Unwrap() {
		var b *vsstest.Breach
		if errors.As(e, &b) && b.Rule.Name == rule {
			return b
		}
	}
	require.Failf(t, "no breach of the rule", "rule %s, verdict:\n%v", rule, err)
	return nil
}

// only skips every writer rule but rule.
func only(opts vsstest.WriterTestOptions, rule string) vsstest.WriterTestOptions {
	opts.Skip = nil
	for _, r := range vsstest.WriterRules() {
		if r.Name != rule {
			opts.Skip = append(opts.Skip, r.Name)
		}
	}
	opts.Seeds = 1
	opts.StrictShould = true
	return opts
}

// TestCheckWriterErrorsUnwrap: a verdict of CheckWriter unwraps to its
// breaches and each breach to its cause, so errors.Is finds the VSS
// failure or the writer's error behind a breach, and errors.As the breach
// with its rule and the events the writer saw up to it.
func TestCheckWriterErrorsUnwrap(t *testing.T) {
	t.Run("Backup/FreezeWithinTimeout", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			err := vsstest.CheckWriter(newLedgerWriter(bugSlowFreeze), only(ledgerOptions(), "Backup/FreezeWithinTimeout"))
			// VSS failed the writer with VSS_E_WRITERERROR_TIMEOUT.
			assert.ErrorIs(t, err, vss.ErrWriterTimeout)
			assert.NotErrorIs(t, err, vss.ErrWriterRetryable)
			var b *vsstest.Breach
			require.ErrorAs(t, err, &b)
			assert.Equal(t, "Backup/FreezeWithinTimeout", b.Rule.Name)
			assert.Equal(t, "Freeze", b.At)
			assert.ErrorIs(t, b, vss.ErrWriterTimeout)
			var failure *vss.Error
			require.ErrorAs(t, b, &failure, "the failure as VSS recorded it")
			assert.Equal(t, vss.ErrWriterTimeout, failure.Code)
			assert.Equal(t, "Freeze", failure.Op)
			// Found while the writer was still in its Freeze handler.
			assert.Equal(t, []writer.EventKind{writer.EventIdentify, writer.EventPrepareBackup, writer.EventPrepareSnapshot, writer.EventFreeze},
				kinds(b.Seen)[:4])
			assert.True(t, b.Seen[3].Pending, "Freeze had not returned")
			for _, e := range b.Seen[:3] {
				assert.NoError(t, e.Err)
				assert.False(t, e.Pending)
			}
			// The breach carries its session's trace, which draws the
			// timeout: the writer failed at Freeze with its code.
			var timedOut bool
			for _, r := range b.Trace {
				if r.Actor.Kind == coordinator.ActorWriter && r.Actor.Name == "Ledger Writer" && r.Code == vss.ErrWriterTimeout {
					timedOut = true
				}
			}
			assert.True(t, timedOut, "the trace shows the writer timed out at Freeze:\n%v", b.Trace)
			assert.Contains(t, diagram.Mermaid(b.Trace), "VSS_E_WRITERERROR_TIMEOUT")
			assert.Contains(t, diagram.SVG(b.Trace), "VSS_E_WRITERERROR_TIMEOUT")
		})
	})
	t.Run("Backup/Succeeds", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			err := vsstest.CheckWriter(newLedgerWriter(bugPrepareSnapshotFail), only(ledgerOptions(), "Backup/Succeeds"))
			assert.ErrorIs(t, err, vss.ErrWriterRetryable)
			assert.NotErrorIs(t, err, vss.ErrWriterTimeout)
			b := breachOf(t, err, "Backup/Succeeds")
			assert.True(t, b.Rule.Must)
			assert.Equal(t, "PrepareSnapshot", b.At)
			assert.Equal(t, []writer.EventKind{writer.EventIdentify, writer.EventPrepareBackup, writer.EventPrepareSnapshot, writer.EventAbort}, kinds(b.Seen))
			answer := b.Seen[2].Err
			require.ErrorIs(t, answer, vss.ErrWriterRetryable)
			assert.ErrorIs(t, b, answer, "the cause wraps the error the writer returned")
			assert.Equal(t, b.What, errors.Unwrap(b).Error(), "the cause's text is the breach's")
		})
	})
	t.Run("Abort/WithoutFreeze", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			err := vsstest.CheckWriter(newLedgerWriter(bugAbortFailsUnfrozen), only(ledgerOptions(), "Abort/WithoutFreeze"))
			b := breachOf(t, err, "Abort/WithoutFreeze")
			assert.Equal(t, "Abort", b.At)
			assert.Equal(t, []writer.EventKind{writer.EventIdentify, writer.EventPrepareBackup, writer.EventAbort}, kinds(b.Seen))
			last := b.Seen[len(b.Seen)-1]
			require.EqualError(t, last.Err, "ledger: abort: not frozen")
			assert.ErrorIs(t, err, last.Err, "the verdict unwraps to the writer's own error")
		})
	})
	t.Run("Shutdown/AnyPoint", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			err := vsstest.CheckWriter(newLedgerWriter(bugShutdownPanics), only(ledgerOptions(), "Shutdown/AnyPoint"))
			var pe *writer.PanicError
			require.ErrorAs(t, err, &pe, "the handler's panic is behind the breach")
			assert.Equal(t, writer.EventBackupShutdown, pe.Event)
			assert.ErrorIs(t, err, vss.ErrWriterNonRetryable, "a panic counts as VSS_E_WRITERERROR_NONRETRYABLE")
			b := breachOf(t, err, "Shutdown/AnyPoint")
			assert.Equal(t, writer.EventBackupShutdown, b.Seen[len(b.Seen)-1].Kind)
		})
	})
	t.Run("Backup/HealthyAfterThaw", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			err := vsstest.CheckWriter(newLedgerWriter(bugThawKeepsFrozen), only(ledgerOptions(), "Backup/HealthyAfterThaw"))
			assert.ErrorIs(t, err, context.DeadlineExceeded, "the Healthy probe's error is behind the breach")
			b := breachOf(t, err, "Backup/HealthyAfterThaw")
			assert.Contains(t, kinds(b.Seen), writer.EventThaw)
		})
	})
	t.Run("Identify/MetadataStable", func(t *testing.T) {
		// A breach no error shows: its cause is the breach's own
		// message, wrapping nothing.
		err := vsstest.CheckWriter(newLedgerWriter(bugUnstableMetadata), only(ledgerOptions(), "Identify/MetadataStable"))
		b := breachOf(t, err, "Identify/MetadataStable")
		assert.False(t, b.Rule.Must)
		cause := errors.Unwrap(b)
		require.Error(t, cause)
		assert.Equal(t, b.What, cause.Error())
		behind, ok := cause.(interface{ Unwrap() []error })
		require.True(t, ok)
		assert.Empty(t, behind.Unwrap())
		assert.Equal(t, []writer.EventKind{writer.EventIdentify, writer.EventIdentify}, kinds(b.Seen))
	})
}

// TestCheckErrorUnwrap: a CheckError unwraps to a *Breach per breach,
// pointing into Breaches, whose text is the breach's report; a Breach
// built without a cause unwraps to nil.
func TestCheckErrorUnwrap(t *testing.T) {
	ce := &vsstest.CheckError{Breaches: []vsstest.Breach{
		{Rule: vsstest.Rule{Name: "Backup/Succeeds", Must: true}, What: "the backup failed", Err: vss.ErrWriterRetryable, Seed: 1, Repro: "r"},
		{Rule: vsstest.Rule{Name: "Identify/MetadataStable"}, What: "differs", Seed: 2, Repro: "r"},
	}}
	errs := ce.Unwrap()
	require.Len(t, errs, 2)
	for i, e := range errs {
		assert.Same(t, &ce.Breaches[i], e)
		assert.Equal(t, ce.Breaches[i].String(), e.Error())
	}
	assert.ErrorIs(t, ce, vss.ErrWriterRetryable)
	assert.NoError(t, errors.Unwrap(errs[1]))
	assert.Equal(t, "MUST Backup/Succeeds: the backup failed (seed 1; reproduce: r)", errs[0].Error())
}
