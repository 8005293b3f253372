package vsstest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/coordinator"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/simulate"
	"github.com/vsskit/vss/writer"
)

// suiteRule is a rule with the code that checks it.
type suiteRule struct {
	rule Rule
	run  func(rc *ruleRun)
}

// WriterRules lists the rules TestWriter checks, in the order it checks
// them.
func WriterRules() []Rule {
	rs := (&writerSuite{}).rules()
	out := make([]Rule, len(rs))
	for i, r := range rs {
		out[i] = r.rule
	}
	return out
}

func (s *writerSuite) rules() []suiteRule {
	return []suiteRule{
		{rule: Rule{"Identify/MetadataValid", true, "Identify succeeds and the writer metadata document is valid, matches the writer's identity and survives its XML"}, run: ruleMetadataValid},
		{rule: Rule{"Identify/MetadataStable", false, "two Identify calls give the same document"}, run: ruleMetadataStable},
		{rule: Rule{"Backup/Succeeds", true, "the writer takes part in a whole backup without failing and ends stable"}, run: ruleBackupSucceeds},
		{rule: Rule{"Backup/FreezeWithinTimeout", true, "Freeze and Thaw return within the writer's freeze timeout"}, run: ruleFreezeWithinTimeout},
		{rule: Rule{"Backup/HealthyAfterThaw", true, "after Thaw the application works again"}, run: ruleHealthyAfterThaw},
		{rule: Rule{"Backup/ConsistentSnapshot", true, "the shadow copy taken while the writer is frozen passes the author's consistency probe"}, run: ruleConsistentSnapshot},
		{rule: Rule{"Backup/ExcludedFromSnapshot", false, "the files the writer excludes from shadow copies are absent from the shadow copy: it deletes them at PostSnapshot"}, run: ruleExcludedFromSnapshot},
		{rule: Rule{"Abort/AfterFreeze", true, "after Abort following Freeze (a failed commit) the application works again"}, run: ruleAbortAfterFreeze},
		{rule: Rule{"Abort/WithoutFreeze", true, "Abort without Freeze (the requestor aborts after PrepareForBackup) succeeds and leaves the application working"}, run: ruleAbortWithoutFreeze},
		{rule: Rule{"Abort/Twice", true, "a second Abort succeeds and leaves the application working"}, run: ruleAbortTwice},
		{rule: Rule{"Cancel/ReturnsPromptly", true, "every handler returns promptly when its context is cancelled"}, run: ruleCancel},
		{rule: Rule{"Shutdown/AnyPoint", true, "BackupShutdown at any point of a backup is survived and leaves the application working"}, run: ruleShutdown},
		{rule: Rule{"Components/LeftOut", true, "left out of a component-mode backup (none of its components selected), the writer gets Identify and no other event, and its application works throughout and after"}, run: ruleComponentsLeftOut},
		{rule: Rule{"Components/Selection", true, "a component-mode backup of some of the writer's selectable components succeeds, with exactly those components"}, run: ruleComponents},
		{rule: Rule{"Restore/PreAndPost", true, "PreRestore and PostRestore of the writer's components succeed and leave the application working"}, run: ruleRestore},
		{rule: Rule{"Faults/OtherWriters", true, "another writer failing or slow at any event does not fail this writer or leave it frozen"}, run: ruleOtherWriters},
		{rule: Rule{"Faults/Providers", true, "a provider failing at any call from EndPrepareSnapshots to PostCommitSnapshots leaves the writer not frozen and its application working"}, run: ruleProviders},
	}
}

// rig is a simulated machine around the writer under test: the volume
// C:\, a companion writer at another application level, a software
// provider with optional faults, and a session on the goroutine runtime.
type rig struct {
	rc        *ruleRun
	w         writer.Writer
	rec       *recorder
	companion *simulate.ScriptedWriter
	vol       *simulate.Volume
	s         *coordinator.Session
	rng       *rand.Rand
	stopLoad  func() // ends the workload and waits for it
}

const companionName = "Companion"

// workloadGrace is how long the Workload has to return once cancelled.
const workloadGrace = 10 * time.Second

func (rc *ruleRun) newRig(providerFaults []simulate.Fault, companion ...simulate.WriterOption) *rig {
	vol := simulate.NewVolume(`C:\`)
	vols := simulate.NewVolumeSet(vol)
	w := rc.suite.newWriter(WriterEnv{Volume: vol, Volumes: vols})
	rng := rand.New(rand.NewPCG(rc.seed, 0x9e3779b97f4a7c15))
	level := vss.AppBackEnd
	if w.Info().EffectiveLevel() == vss.AppBackEnd {
		level = vss.AppFrontEnd
	}
	// The seed chooses how long the companion takes at each event, so
	// seeds interleave the two writers differently.
	opts := []simulate.WriterOption{simulate.WithLevel(level)}
	for _, k := range []writer.EventKind{writer.EventPrepareBackup, writer.EventPrepareSnapshot, writer.EventFreeze, writer.EventThaw, writer.EventPostSnapshot} {
		opts = append(opts, simulate.On(k, simulate.Behavior{Cost: time.Duration(rng.IntN(100)) * time.Millisecond}))
	}
	comp := simulate.NewScriptedWriter(companionName, append(opts, companion...)...)
	var prov provider.Provider = simulate.NewSystemProvider(vols)
	if len(providerFaults) > 0 {
		plan := make(simulate.Plan, len(providerFaults))
		for i, f := range providerFaults {
			f.Actor = simulate.ProviderActor(prov.Info().Name)
			plan[i] = f
		}
		prov = simulate.InjectProvider(prov, plan, nil)
	}
	rec := &recorder{w: w}
	rc.watch(rec)
	var seed [32]byte
	for i := range seed {
		seed[i] = byte(rng.Uint32())
	}
	s, err := coordinator.New(coordinator.Config{Writers: []writer.Writer{rec.writer(), comp}, Providers: []provider.Provider{prov},
		Volumes: vols, IDs: rand.NewChaCha8(seed)})
	if err != nil {
		panic(fmt.Sprintf("the suite cannot build its session: %v", err))
	}
	rc.inSession(s)
	g := &rig{rc: rc, w: w, rec: rec, companion: comp, vol: vol, s: s, rng: rng, stopLoad: func() {}}
	if load := rc.suite.opts.Workload; load != nil {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			defer func() { _ = recover() }() // the workload's own bugs are not the writer's
			load(ctx, w)
		}()
		g.stopLoad = func() {
			cancel()
			timer := time.NewTimer(workloadGrace)
			defer timer.Stop()
			select {
			case <-done:
			case <-timer.C:
				rc.breach(0, "the Workload did not return within %v of its context being cancelled", workloadGrace)
			}
		}
	}
	return g
}

// close ends the session and waits for the writer's handlers still
// running; a writer that panicked in BackupShutdown is a breach of the
// rule being checked.
func (g *rig) close() {
	_ = g.s.Close()
	g.rec.settle()
	g.stopLoad()
	if e, ok := g.rec.saw(writer.EventBackupShutdown); ok && e.Err != nil {
		g.rc.breachErr(writer.EventBackupShutdown, e.Err, "BackupShutdown failed: %v", e.Err)
	}
}

// status returns the writer under test's status after GatherWriterStatus.
func (g *rig) status(ctx context.Context) (requestor.WriterStatus, bool) {
	if err := g.s.GatherWriterStatus(ctx); err != nil {
		return requestor.WriterStatus{}, false
	}
	st, err := g.s.WriterStatus(ctx)
	if err != nil {
		return requestor.WriterStatus{}, false
	}
	id := g.w.Info().InstanceID
	for _, s := range st {
		if s.InstanceID == id {
			return s, true
		}
	}
	return requestor.WriterStatus{}, false
}

// failure is the writer failure VSS recorded for the writer under test,
// as GatherWriterStatus reported it in st: a *vss.Error for the event it
// failed at, with its HRESULT (vss.ErrWriterTimeout for a writer frozen
// too long) and detail, wrapping the error the writer returned when that
// is what failed it.
func (g *rig) failure(st requestor.WriterStatus) error {
	f := &vss.Error{Op: st.FailedAt.String(), Code: st.Failure, Detail: st.Detail}
	if e, ok := g.rec.saw(st.FailedAt); ok && e.Err != nil && vss.WriterFailure(e.Err) == st.Failure {
		f.Err = e.Err
	}
	return f
}

// failedItself reports a breach if the writer under test failed.
func (g *rig) failedItself(ctx context.Context, context string) {
	st, ok := g.status(ctx)
	if !ok {
		return
	}
	if st.Failed() {
		g.rc.breachErr(st.FailedAt, g.failure(st), "%s, the writer failed: %v (%s)", context, st.Failure.Name(), st.Detail)
	}
}

func (g *rig) backup(ctx context.Context, plan requestor.Plan) (*requestor.Result, error) {
	plan.Volumes = []string{`C:\`}
	// The writer under test's failure fails the backup; the companion's
	// never does.
	plan.RequireWriters = append(plan.RequireWriters, g.w.Info().ClassID)
	plan.IgnoreWriterFailures = append(plan.IgnoreWriterFailures, g.companion.Info().ClassID)
	return requestor.Backup(ctx, g.s, plan)
}

// requestorSteps are the requestor calls of a backup of C:\ as the rules
// make them one by one, by name.
var requestorSteps = []struct {
	name string
	call func(ctx context.Context, s *coordinator.Session) error
}{
	{"InitializeForBackup", func(ctx context.Context, s *coordinator.Session) error { return s.InitializeForBackup(ctx, "") }},
	{"SetBackupState", func(ctx context.Context, s *coordinator.Session) error {
		return s.SetBackupState(ctx, requestor.BackupState{})
	}},
	{"GatherWriterMetadata", func(ctx context.Context, s *coordinator.Session) error { return s.GatherWriterMetadata(ctx) }},
	{"StartSnapshotSet", func(ctx context.Context, s *coordinator.Session) error { _, err := s.StartSnapshotSet(ctx); return err }},
	{"AddToSnapshotSet", func(ctx context.Context, s *coordinator.Session) error {
		_, err := s.AddToSnapshotSet(ctx, `C:\`, vss.NilID)
		return err
	}},
	{"PrepareForBackup", func(ctx context.Context, s *coordinator.Session) error { return s.PrepareForBackup(ctx) }},
	{"DoSnapshotSet", func(ctx context.Context, s *coordinator.Session) error { return s.DoSnapshotSet(ctx) }},
	{"GatherWriterStatus", func(ctx context.Context, s *coordinator.Session) error { return s.GatherWriterStatus(ctx) }},
	{"BackupComplete", func(ctx context.Context, s *coordinator.Session) error { return s.BackupComplete(ctx) }},
}

// stepsUpTo makes the requestor calls of a backup in order, through the
// one named last; it reports whether they all succeeded.
func (g *rig) stepsUpTo(ctx context.Context, last string) bool {
	for _, st := range requestorSteps {
		if err := st.call(ctx, g.s); err != nil {
			return false
		}
		if st.name == last {
			return true
		}
	}
	panic("no requestor step " + last)
}

func ruleMetadataValid(rc *ruleRun) {
	w := rc.suite.newWriter(WriterEnv{Volume: simulate.NewVolume(`C:\`)})
	md, err := writer.Identify(context.Background(), rc.recorded(w))
	if err != nil {
		rc.breachErr(writer.EventIdentify, err, "Identify failed: %v", err)
		return
	}
	info := w.Info()
	if md.ClassID != info.ClassID || md.InstanceID != info.InstanceID || md.Name != info.Name {
		rc.breach(writer.EventIdentify, "the document's identity (%v %v %q) is not the writer's (%v %v %q)",
			md.ClassID, md.InstanceID, md.Name, info.ClassID, info.InstanceID, info.Name)
	}
	if info.ClassID.IsNil() {
		rc.breach(writer.EventIdentify, "the writer has no class ID: requestors select components by writer class")
	}
	doc, err := md.XML()
	if err != nil {
		rc.breachErr(writer.EventIdentify, err, "the document cannot be written as XML: %v", err)
		return
	}
	back, err := writer.ParseMetadata([]byte(doc))
	if err != nil {
		rc.breachErr(writer.EventIdentify, err, "the document's XML does not parse: %v", err)
		return
	}
	if d := cmp.Diff(md, back); d != "" {
		rc.breach(writer.EventIdentify, "the document changes through its XML (-declared +read back):\n%s", d)
	}
}

func ruleMetadataStable(rc *ruleRun) {
	w := rc.recorded(rc.suite.newWriter(WriterEnv{Volume: simulate.NewVolume(`C:\`)}))
	first, err1 := writer.Identify(context.Background(), w)
	second, err2 := writer.Identify(context.Background(), w)
	if err1 != nil || err2 != nil {
		return // Identify/MetadataValid reports it
	}
	if d := cmp.Diff(first, second); d != "" {
		rc.breach(writer.EventIdentify, "a second Identify gave a different document (-first +second):\n%s", d)
	}
}

func ruleBackupSucceeds(rc *ruleRun) {
	ctx := context.Background()
	g := rc.newRig(nil)
	defer g.close()
	res, err := g.backup(ctx, requestor.Plan{})
	if err != nil {
		var be *requestor.BackupError
		if errors.As(err, &be) {
			for _, st := range be.Writers {
				if st.InstanceID == g.w.Info().InstanceID && st.Failed() {
					rc.breachErr(st.FailedAt, errors.Join(g.failure(st), err), "the backup failed because the writer failed: %v (%s)", st.Failure.Name(), st.Detail)
					return
				}
			}
		}
		rc.breachErr(0, err, "the backup failed: %v", err)
		return
	}
	for _, st := range res.Writers {
		if st.InstanceID == g.w.Info().InstanceID && st.State != vss.WriterStable {
			rc.breach(0, "after the backup the writer is %v, not stable", st.State)
		}
	}
}

func ruleFreezeWithinTimeout(rc *ruleRun) {
	ctx := context.Background()
	g := rc.newRig(nil)
	_, _ = g.backup(ctx, requestor.Plan{})
	limit := g.w.Info().EffectiveFreezeTimeout()
	st, gotStatus := g.status(ctx)
	timedOut := gotStatus && (st.Failure == vss.ErrWriterTimeout || st.Failure == vss.ErrWriterNotResponding)
	reported := false
	if _, returned := g.rec.saw(writer.EventFreeze); timedOut && !returned {
		// Said now: a handler that never returns keeps close from
		// returning too.
		rc.breachErr(st.FailedAt, g.failure(st), "VSS failed the writer with %v: its Freeze handler had not returned within the freeze timeout of %v", st.Failure.Name(), limit)
		reported = true
	}
	// Closing the rig waits for the handlers still running, so the record
	// then says how long a late Freeze really took.
	g.close()
	// The failure VSS recorded, if it failed the writer in time, is
	// behind a late handler, with what the handler returned.
	var failure error
	if timedOut {
		failure = g.failure(st)
	}
	for _, k := range []writer.EventKind{writer.EventFreeze, writer.EventThaw} {
		if e, ok := g.rec.saw(k); ok && e.Took > limit {
			reported = true
			rc.breachErr(k, errors.Join(failure, e.Err), "the handler took %v, more than the writer's freeze timeout of %v: VSS fails the writer with VSS_E_WRITERERROR_TIMEOUT", e.Took, limit)
		}
	}
	if timedOut && !reported {
		rc.breachErr(st.FailedAt, failure, "VSS failed the writer with %v: it was frozen longer than its freeze timeout of %v", st.Failure.Name(), limit)
	}
}

func ruleHealthyAfterThaw(rc *ruleRun) {
	if rc.suite.opts.Healthy == nil {
		rc.skip = "no Healthy probe (WriterTestOptions.Healthy)"
		return
	}
	ctx := context.Background()
	g := rc.newRig(nil)
	defer g.close()
	_, _ = g.backup(ctx, requestor.Plan{})
	if _, ok := g.rec.saw(writer.EventThaw); !ok {
		return // Backup/Succeeds reports why there was no Thaw
	}
	rc.healthy(g.w, writer.EventThaw, "after Thaw")
}

func ruleConsistentSnapshot(rc *ruleRun) {
	probe := rc.suite.opts.Consistent
	if probe == nil {
		rc.skip = "no consistency probe (WriterTestOptions.Consistent)"
		return
	}
	ctx := context.Background()
	g := rc.newRig(nil)
	defer g.close()
	_, _ = g.backup(ctx, requestor.Plan{Copy: func(_ context.Context, src *requestor.CopySource) error {
		if err := probe(src.Snapshots[0].FS); err != nil {
			rc.breachErr(writer.EventFreeze, err, "the shadow copy taken while the writer was frozen is not consistent: %v", err)
		}
		return nil
	}})
}

// ruleExcludedFromSnapshot: Microsoft's "Excluding Files from Shadow
// Copies" has a writer report the files (AddExcludeFilesFromSnapshot)
// and, "in the writer's CVssWriter::OnPostSnapshot method, delete the
// files from the shadow copy"; VSS does not delete them for it.
func ruleExcludedFromSnapshot(rc *ruleRun) {
	ctx := context.Background()
	g := rc.newRig(nil)
	defer g.close()
	declared := false
	_, _ = g.backup(ctx, requestor.Plan{Copy: func(ctx context.Context, src *requestor.CopySource) error {
		for _, md := range src.Metadata {
			if md.InstanceID != g.w.Info().InstanceID {
				continue
			}
			for _, f := range md.ExcludeFromSnapshot {
				declared = true
				files, err := simulate.FileSetFiles(src.Snapshots[0].FS, `C:\`, f)
				switch {
				case err != nil:
					rc.breachErr(writer.EventPostSnapshot, err, "the shadow copy cannot be searched for the files the writer excludes (%s\\%s): %v", f.Path, f.Spec, err)
				case len(files) > 0:
					rc.breach(writer.EventPostSnapshot, "the shadow copy holds %s, which the writer excludes from shadow copies (%s\\%s); a writer deletes them from the shadow copy at PostSnapshot",
						strings.Join(files, ", "), f.Path, f.Spec)
				}
			}
		}
		return nil
	}})
	if !declared && rc.skip == "" {
		rc.skip = "the writer excludes no files from shadow copies"
	}
}

func ruleAbortAfterFreeze(rc *ruleRun) {
	ctx := context.Background()
	g := rc.newRig([]simulate.Fault{{Site: "CommitSnapshots", Kind: simulate.FaultError, Code: vss.ErrUnexpectedProviderError}})
	defer g.close()
	_, _ = g.backup(ctx, requestor.Plan{})
	if _, ok := g.rec.saw(writer.EventFreeze); !ok {
		return
	}
	if e, ok := g.rec.saw(writer.EventAbort); !ok {
		rc.breach(writer.EventAbort, "the writer froze and the commit failed, but it received no Abort (a failure of the suite, please report it)")
		return
	} else if e.Err != nil {
		rc.breachErr(writer.EventAbort, e.Err, "Abort failed: %v", e.Err)
	}
	rc.healthy(g.w, writer.EventAbort, "after Abort following Freeze")
}

func ruleAbortWithoutFreeze(rc *ruleRun) {
	ctx := context.Background()
	g := rc.newRig(nil)
	defer g.close()
	if !g.stepsUpTo(ctx, "PrepareForBackup") {
		return // Backup/Succeeds reports a writer that fails here
	}
	_ = g.s.AbortBackup(ctx)
	if e, ok := g.rec.saw(writer.EventAbort); ok && e.Err != nil {
		rc.breachErr(writer.EventAbort, e.Err, "Abort without Freeze failed: %v", e.Err)
	}
	rc.healthy(g.w, writer.EventAbort, "after Abort without Freeze")
}

func ruleAbortTwice(rc *ruleRun) {
	ctx := context.Background()
	g := rc.newRig([]simulate.Fault{{Site: "CommitSnapshots", Kind: simulate.FaultError, Code: vss.ErrUnexpectedProviderError}})
	defer g.close()
	_, _ = g.backup(ctx, requestor.Plan{})
	if _, ok := g.rec.saw(writer.EventAbort); !ok {
		return
	}
	actx, cancel := context.WithTimeout(ctx, g.w.Info().EffectiveFreezeTimeout())
	defer cancel()
	if err := writer.Deliver(actx, g.rec.writer(), &writer.Event{Kind: writer.EventAbort}); err != nil {
		rc.breachErr(writer.EventAbort, err, "a second Abort failed: %v", err)
	}
	rc.healthy(g.w, writer.EventAbort, "after a second Abort")
}

// ruleCancel delivers every event with a context already cancelled: a
// correct handler returns at once, with or without an error. In a bubble
// the bound is virtual, so a handler that sleeps ignoring its context is
// caught without waiting for it.
func ruleCancel(rc *ruleRun) {
	const bound = 2 * time.Second
	w := rc.recorded(rc.suite.newWriter(WriterEnv{Volume: simulate.NewVolume(`C:\`)}))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, k := range []writer.EventKind{writer.EventIdentify, writer.EventPrepareBackup, writer.EventPrepareSnapshot,
		writer.EventFreeze, writer.EventThaw, writer.EventPostSnapshot, writer.EventAbort, writer.EventBackupComplete,
		writer.EventBackupShutdown} {
		done := make(chan struct{})
		go func() {
			defer close(done)
			if k == writer.EventIdentify {
				_, _ = writer.Identify(ctx, w)
				return
			}
			_ = writer.Deliver(ctx, w, &writer.Event{Kind: k})
		}()
		timer := time.NewTimer(bound)
		select {
		case <-done:
			timer.Stop()
		case <-timer.C:
			rc.breach(k, "the handler did not return within %v of its context being cancelled", bound)
			return // the handler still runs: later events would race with it
		}
	}
	// Leave the application as it was: the events above may have frozen it.
	_ = writer.Deliver(context.Background(), w, &writer.Event{Kind: writer.EventAbort})
}

func ruleShutdown(rc *ruleRun) {
	ctx := context.Background()
	for _, last := range []string{"GatherWriterMetadata", "PrepareForBackup", "DoSnapshotSet", "BackupComplete"} {
		g := rc.newRig(nil)
		g.stepsUpTo(ctx, last) // a failing step ends the backup there: shut down anyway
		mark := rc.count()
		g.close()
		rc.note(mark, "after "+last)
		rc.healthy(g.w, writer.EventBackupShutdown, "after BackupShutdown after "+last)
	}
}

// ruleComponentsLeftOut runs a component-mode backup that selects a
// component of the companion writer only: "Writers with no components
// added ... prior to the generation of a PrepareForBackup event ...
// receive no events after this point" (Microsoft's "Working with
// Selectability and Logical Paths"), not even BackupShutdown, so a writer
// must not wait for an event after Identify to release what Identify
// took.
func ruleComponentsLeftOut(rc *ruleRun) {
	ctx := context.Background()
	g := rc.newRig(nil)
	defer g.close()
	info := g.companion.Info()
	plan := requestor.Plan{Components: []requestor.ComponentSelection{{WriterInstance: info.InstanceID, WriterClass: info.ClassID,
		Component: writer.ComponentKey{Type: vss.ComponentFileGroup, Name: "data"}}}}
	if _, err := g.backup(ctx, plan); err != nil {
		rc.breachErr(0, err, "a component-mode backup of another writer's component failed: %v", err)
		return
	}
	for _, e := range g.rec.events() {
		if e.Kind != writer.EventIdentify {
			rc.breach(e.Kind, "the writer, left out of the backup, was sent %v (a failure of the suite, please report it)", e.Kind)
		}
	}
	rc.healthy(g.w, writer.EventIdentify, "during a backup it was left out of")
	g.close()
	rc.healthy(g.w, writer.EventIdentify, "after a backup it was left out of")
}

func ruleComponents(rc *ruleRun) {
	ctx := context.Background()
	w := rc.suite.newWriter(WriterEnv{Volume: simulate.NewVolume(`C:\`)})
	md, err := writer.Identify(ctx, rc.recorded(w))
	if err != nil {
		return // Identify/MetadataValid reports it
	}
	var selectable []writer.ComponentKey
	for _, c := range md.Components {
		if c.Selectable {
			selectable = append(selectable, c.Key())
		}
	}
	if len(selectable) == 0 {
		rc.skip = "the writer declares no selectable component"
		return
	}
	// A proper subset when there is one, chosen by the seed; the one
	// component otherwise.
	rng := rand.New(rand.NewPCG(rc.seed, 1))
	chosen := []writer.ComponentKey{selectable[rng.IntN(len(selectable))]}

	g := rc.newRig(nil)
	defer g.close()
	info := g.w.Info()
	var plan requestor.Plan
	for _, k := range chosen {
		plan.Components = append(plan.Components, requestor.ComponentSelection{WriterInstance: info.InstanceID, WriterClass: info.ClassID, Component: k})
	}
	res, err := g.backup(ctx, plan)
	if err != nil {
		rc.breachErr(0, err, "a component-mode backup of %v failed: %v", chosen, err)
		return
	}
	for _, e := range g.rec.events() {
		if e.Kind == writer.EventIdentify || e.Kind == writer.EventBackupShutdown {
			continue
		}
		if !slices.Equal(e.Components, chosen) {
			rc.breach(e.Kind, "the writer was handed components %v, not the %v selected (a failure of the suite, please report it)", e.Components, chosen)
		}
	}
	bcd, err := requestor.ParseBackupDocument([]byte(res.BackupDocument))
	if err != nil {
		rc.breachErr(0, err, "the backup components document does not parse: %v", err)
		return
	}
	for _, wc := range bcd.Writers {
		for _, c := range wc.Components {
			if wc.InstanceID == info.InstanceID && !slices.Contains(chosen, c.Key()) {
				rc.breach(0, "the backup components document holds component %v, which was not selected", c.Key())
			}
		}
	}
}

func ruleOtherWriters(rc *ruleRun) {
	ctx := context.Background()
	type fault struct {
		name string
		opt  simulate.WriterOption
	}
	var faults []fault
	for _, k := range []writer.EventKind{writer.EventPrepareBackup, writer.EventPrepareSnapshot, writer.EventFreeze, writer.EventThaw, writer.EventPostSnapshot} {
		faults = append(faults, fault{k.String() + " error", simulate.On(k, simulate.Behavior{Err: vss.ErrWriterRetryable})})
	}
	// A slow companion keeps this writer frozen for half its freeze
	// timeout: a writer must hold its freeze that long.
	limit := rc.suite.newWriter(WriterEnv{Volume: simulate.NewVolume(`C:\`)}).Info().EffectiveFreezeTimeout()
	faults = append(faults, fault{"Freeze slow", simulate.On(writer.EventFreeze, simulate.Behavior{Cost: limit / 2})})
	for _, f := range faults {
		g := rc.newRig(nil, f.opt)
		_, _ = g.backup(ctx, requestor.Plan{})
		mark := rc.count()
		g.failedItself(ctx, "when "+companionName+" failed at "+f.name)
		g.close()
		rc.healthy(g.w, 0, "after a backup where "+companionName+" failed at "+f.name)
		rc.note(mark, companionName+": "+f.name)
	}
}

func ruleProviders(rc *ruleRun) {
	ctx := context.Background()
	for _, site := range []string{"EndPrepareSnapshots", "PreCommitSnapshots", "CommitSnapshots", "PostCommitSnapshots"} {
		g := rc.newRig([]simulate.Fault{{Site: site, Kind: simulate.FaultError, Code: vss.ErrUnexpectedProviderError}})
		_, _ = g.backup(ctx, requestor.Plan{})
		if _, froze := g.rec.saw(writer.EventFreeze); froze {
			_, thawed := g.rec.saw(writer.EventThaw)
			_, aborted := g.rec.saw(writer.EventAbort)
			if !thawed && !aborted {
				rc.breach(writer.EventFreeze, "the provider failed at %s and the writer got neither Thaw nor Abort (a failure of the suite, please report it)", site)
			}
		}
		g.close()
		rc.healthy(g.w, writer.EventAbort, "after the provider failed at "+site)
	}
}

// ruleRestore backs up every component of the writer a requestor may
// select, then restores them through a real restore session, as a
// requestor does (InitializeForRestore from the saved document,
// GatherWriterMetadata, SetSelectedForRestore and AddRestoreSubcomponent,
// PreRestore, SetFileRestoreStatus, PostRestore), on a fresh instance of
// the writer; the writer must fail neither event, and its application
// must work afterwards.
func ruleRestore(rc *ruleRun) {
	ctx := context.Background()
	g := rc.newRig(nil)
	md, err := writer.Identify(ctx, g.w)
	if err != nil {
		g.close()
		return // Identify/MetadataValid reports it
	}
	info := g.w.Info()
	if rm := md.RestoreMethod; rm != nil && rm.WriterRestore == vss.WriterRestoreNever {
		g.close()
		rc.skip = "the writer takes no part in restores (VSS_WRE_NEVER)"
		return
	}
	var plan requestor.Plan
	var subs []*writer.ComponentInfo
	for _, c := range md.Components {
		switch {
		case c.Selectable:
			plan.Components = append(plan.Components, requestor.ComponentSelection{WriterInstance: info.InstanceID, WriterClass: info.ClassID, Component: c.Key()})
		case c.SelectableForRestore:
			subs = append(subs, c)
		}
	}
	if len(plan.Components) == 0 {
		g.close()
		rc.skip = "the writer declares no component a requestor may select"
		return
	}
	res, err := g.backup(ctx, plan)
	g.close()
	if err != nil {
		return // the backup rules report why the backup failed
	}

	g = rc.newRig(nil)
	defer g.close()
	s := g.s
	steps := []struct {
		name string
		call func() error
	}{
		{"InitializeForRestore", func() error { return s.InitializeForRestore(ctx, res.BackupDocument) }},
		{"GatherWriterMetadata", func() error { return s.GatherWriterMetadata(ctx) }},
	}
	for _, c := range plan.Components {
		steps = append(steps, struct {
			name string
			call func() error
		}{"SetSelectedForRestore " + c.Component.String(), func() error {
			return s.SetSelectedForRestore(ctx, info.ClassID, c.Component, true)
		}})
		for _, sub := range subs {
			if c.Component.InSet(sub.LogicalPath) {
				steps = append(steps, struct {
					name string
					call func() error
				}{"AddRestoreSubcomponent " + sub.Key().String(), func() error {
					return s.AddRestoreSubcomponent(ctx, info.ClassID, c.Component, sub.LogicalPath, sub.Name)
				}})
			}
		}
	}
	for _, st := range steps {
		if err := st.call(); err != nil {
			rc.breachAtErr(st.name, err, "the restore session refused %s: %v (does Identify describe the writer differently in a new instance?)", st.name, err)
			return
		}
	}
	if err := s.PreRestore(ctx); err != nil {
		rc.breachErr(writer.EventPreRestore, err, "PreRestore failed: %v", err)
		return
	}
	g.failedItself(ctx, "at PreRestore")
	for _, c := range plan.Components {
		if err := s.SetFileRestoreStatus(ctx, info.ClassID, c.Component, vss.FileRestoreAll); err != nil {
			rc.breachAtErr("SetFileRestoreStatus", err, "SetFileRestoreStatus %v: %v", c.Component, err)
			return
		}
	}
	if err := s.PostRestore(ctx); err != nil {
		rc.breachErr(writer.EventPostRestore, err, "PostRestore failed: %v", err)
		return
	}
	g.failedItself(ctx, "at PostRestore")
	for _, k := range []writer.EventKind{writer.EventPreRestore, writer.EventPostRestore} {
		if _, ok := g.rec.saw(k); !ok {
			rc.breach(k, "the writer did not receive %v in a restore of its components (a failure of the suite, please report it)", k)
		}
	}
	rc.healthy(g.w, writer.EventPostRestore, "after PostRestore")
}
