package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/coordinator"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/writer"
)

// result is what a run produced, for the summary and for tests.
type result struct {
	trace []coordinator.Record
	// failed is why the backup failed, empty when it succeeded.
	failed string
	// shadow is, per application, its records in the shadow copy of its
	// volume when it was taken (nil when none was).
	shadow map[string]records
	// consistent is, per application, its own verdict on that shadow copy.
	consistent map[string]error
	// frozen says, per application, whether its writer had frozen it when
	// the shadow copy was taken.
	frozen map[string]bool
}

// options tune a run.
type options struct {
	// wait, if not nil, runs after each event (-step).
	wait func()
	// compare runs the scenario's counterpart with the same seed, to show
	// the same record with and without a writer (normal and no-writer).
	compare bool
}

// run runs the scenario from seed, narrating it to out.
func run(out io.Writer, sc *scenario, seed uint64, opt options) (*result, error) {
	if sc.restore {
		return runRestore(out, sc, seed, opt)
	}
	w := newWorld(sc.machine, seed)
	n := newNarrator(out, w, opt.wait)
	fmt.Fprintf(out, "Scenario %s (seed %d): %s\n\n%s\n", sc.name, seed, sc.summary, wrap(sc.intro, 76, ""))
	var s *coordinator.Session
	var err error
	if sc.busy > 0 {
		s, err = w.busySession(n.record, sc.busy, n.other)
	} else {
		s, err = w.session(n.record)
	}
	if err != nil {
		return nil, err
	}
	b := &backup{sc: sc, w: w, n: n, r: s}
	if sc.remote {
		r, stop, err := overAgent(s)
		if err != nil {
			return nil, err
		}
		b.r = r
		b.run(context.Background())
		if err := stop(); err != nil {
			return nil, err
		}
	} else {
		b.run(context.Background())
	}
	if err := s.Close(); err != nil {
		return nil, err
	}
	res := &result{trace: n.trace, failed: b.failed, shadow: map[string]records{}, consistent: map[string]error{},
		frozen: map[string]bool{}}
	for _, a := range w.apps {
		// A shadow copy the set's failure dropped never existed for the
		// backup.
		if shc := w.shadowOf(n.set, a.volume.Name()); shc != nil && (shc.state == shadowTaken || shc.state == shadowDeleted) {
			res.shadow[a.name] = recordsOf(a, shc.content[a])
			res.consistent[a.name] = shc.verdict[a]
			res.frozen[a.name] = shc.frozen[a]
		}
	}
	n.summary(sc, seed, res, opt.compare)
	return res, nil
}

// backup is the requestor: a backup tool that makes its calls in the order
// of the eleven steps, like examples/quickstart, and narrates its own
// decisions.
type backup struct {
	sc     *scenario
	w      *world
	n      *narrator
	r      requestor.Requestor
	failed string
	set    vss.ID
	snaps  []vss.ID // by volume, in w.volumes' order
}

// fail records why the backup failed and says what a tool does about it.
func (b *backup) fail(format string, args ...any) {
	b.failed = fmt.Sprintf(format, args...)
	b.n.say("the backup fails: %s", b.failed)
}

func (b *backup) run(ctx context.Context) {
	r, n := b.r, b.n
	// Step 1.
	if err := r.InitializeForBackup(ctx, ""); err != nil {
		b.fail("%v", err)
		return
	}
	if err := r.SetBackupState(ctx, requestor.BackupState{Type: vss.BackupFull, SelectComponents: b.sc.components}); err != nil {
		b.fail("%v", err)
		return
	}
	if err := r.GatherWriterMetadata(ctx); err != nil {
		b.fail("%v", err)
		return
	}
	// Step 4 before 2 in component mode: the metadata names the
	// components to choose from, and VSS takes them before
	// StartSnapshotSet (Microsoft's "Shadow Copy Creation Details").
	if b.sc.components {
		if !b.readMetadata(ctx) || !b.selectComponents(ctx) {
			return
		}
	}
	// Step 2.
	set, err := b.startSet(ctx)
	if err != nil {
		b.fail("%v", err)
		return
	}
	b.set = set
	for _, v := range b.w.volumes {
		id, err := r.AddToSnapshotSet(ctx, v.Name(), vss.NilID)
		if err != nil {
			b.abort(ctx, "%v", err)
			return
		}
		b.snaps = append(b.snaps, id)
	}
	if err := r.PrepareForBackup(ctx); err != nil {
		b.abort(ctx, "%v", err)
		return
	}
	if !b.sc.components && !b.readMetadata(ctx) {
		return
	}
	// Steps 5 to 9.
	if err := r.DoSnapshotSet(ctx); err != nil {
		n.say("DoSnapshotSet failed with %s: VSS has already removed what the set had made. After a failed DoSnapshotSet a requestor calls AbortBackup, so that every writer knows the backup is over.", vss.CodeOf(err).Name())
		b.abort(ctx, "DoSnapshotSet: %s", vss.CodeOf(err).Name())
		return
	}
	// Step 10.
	if !b.checkWriters(ctx) {
		return
	}
	if !b.copy(ctx) {
		return
	}
	// Step 11.
	if b.sc.components {
		md := b.writerInfo(ordersWriter)
		if err := r.SetBackupSucceeded(ctx, md.InstanceID, md.ClassID, ordersComponent, true); err != nil {
			b.abort(ctx, "%v", err)
			return
		}
	}
	if _, err := r.SaveAsXML(ctx); err != nil {
		b.abort(ctx, "%v", err)
		return
	}
	n.say("stores the data it read with the writers' metadata and the backup components document")
	if err := r.BackupComplete(ctx); err != nil {
		b.abort(ctx, "%v", err)
		return
	}
	n.say("the backup is done; closing the session lets VSS delete the shadow copies, which nobody keeps")
}

// sleeper is a session that can wait on its own clock (virtual time in
// the simulator): coordinator.Session.Sleep.
type sleeper interface {
	Sleep(ctx context.Context, d time.Duration) error
}

// startSet is StartSnapshotSet, tried again after a pause while another
// requestor's set is being created (VSS_E_SNAPSHOT_SET_IN_PROGRESS), as
// Microsoft advises: "Either wait to try again or return with a failure
// error code." It gives up after a few attempts.
func (b *backup) startSet(ctx context.Context) (vss.ID, error) {
	const pause, attempts = 5 * time.Second, 5
	for i := 1; ; i++ {
		set, err := b.r.StartSnapshotSet(ctx)
		s, ok := b.r.(sleeper)
		if err == nil || !errors.Is(err, vss.ErrSnapshotSetInProgress) || !ok || i == attempts {
			return set, err
		}
		b.n.say("StartSnapshotSet failed with VSS_E_SNAPSHOT_SET_IN_PROGRESS: another requestor's shadow copy set is being "+
			"created on this computer, and VSS creates one set at a time. Nothing is wrong with this backup: it waits %s and "+
			"tries again (attempt %d of %d); a tool gives up after a few minutes. (go run ./examples/teach -explain %s)",
			dur(pause), i+1, attempts, vss.ErrSnapshotSetInProgress.Name())
		if err := s.Sleep(ctx, pause); err != nil {
			return vss.NilID, err
		}
	}
}

// abort gives the backup up after StartSnapshotSet: AbortBackup, and the
// set deleted if it exists.
func (b *backup) abort(ctx context.Context, format string, args ...any) {
	b.fail(format, args...)
	if err := b.r.AbortBackup(ctx); err != nil {
		b.n.say("AbortBackup: %v", err)
	}
}

func (b *backup) writerInfo(name string) writer.Info {
	for _, w := range b.w.writers {
		if w.Info().Name == name {
			return w.Info()
		}
	}
	return writer.Info{}
}

// readMetadata is step 4: the writers' metadata documents.
func (b *backup) readMetadata(ctx context.Context) bool {
	mds, err := b.r.WriterMetadata(ctx)
	if err != nil {
		b.abort(ctx, "%v", err)
		return false
	}
	for _, md := range mds {
		var comps []string
		for _, c := range md.Components {
			comps = append(comps, c.Key().String())
		}
		what := "no components"
		if len(comps) > 0 {
			what = "components " + strings.Join(comps, ", ")
		}
		b.n.say("reads the metadata of %q: %v data, %s", md.Name, md.Usage, what)
	}
	return true
}

// selectComponents chooses the orders database of Orders DB (component
// mode).
func (b *backup) selectComponents(ctx context.Context) bool {
	info := b.writerInfo(ordersWriter)
	b.n.say("selects component %s of %q, and nothing else", ordersComponent, ordersWriter)
	if err := b.r.AddComponent(ctx, info.InstanceID, info.ClassID, ordersComponent); err != nil {
		b.abort(ctx, "%v", err)
		return false
	}
	return true
}

// checkWriters is the status check after the shadow copy: a writer that
// failed fails the backup when its data is part of it.
func (b *backup) checkWriters(ctx context.Context) bool {
	if err := b.r.GatherWriterStatus(ctx); err != nil {
		b.abort(ctx, "%v", err)
		return false
	}
	st, err := b.r.WriterStatus(ctx)
	if err != nil {
		b.abort(ctx, "%v", err)
		return false
	}
	var failed []requestor.WriterStatus
	for _, s := range st {
		if !s.Failed() {
			b.n.say("writer %q is %v", s.Name, s.State)
			continue
		}
		b.n.say("writer %q is %v with %s: %s", s.Name, s.State, s.Failure.Name(), s.Detail)
		if !b.sc.components || s.Name == ordersWriter {
			failed = append(failed, s)
		}
	}
	if len(failed) == 0 {
		return true
	}
	f := failed[0]
	advice := ""
	if e, ok := vss.Explain(f.Failure); ok && len(e.Actions) > 0 {
		advice = " What to do: " + e.Actions[0].Text
	}
	b.n.say("%q failed and its data is part of this backup, so its data in the shadow copy cannot be trusted.%s (go run ./examples/teach -explain %s)",
		f.Name, advice, f.Failure.Name())
	b.abort(ctx, "writer %q: %v, %s", f.Name, f.State, f.Failure.Name())
	if _, err := b.r.DeleteSnapshots(ctx, b.set, provider.ObjectSnapshotSet); err != nil && !errors.Is(err, vss.ErrObjectNotFound) {
		b.n.say("DeleteSnapshots: %v", err)
	}
	return false
}

// copy is the rest of step 10: read the data from the shadow copies.
func (b *backup) copy(ctx context.Context) bool {
	for i, v := range b.w.volumes {
		props, err := b.r.GetSnapshotProperties(ctx, b.snaps[i])
		if err != nil {
			b.abort(ctx, "%v", err)
			return false
		}
		fsys, err := b.r.SnapshotFS(ctx, b.snaps[i])
		if err != nil {
			b.abort(ctx, "%v", err)
			return false
		}
		for _, a := range b.w.appsOn(v.Name()) {
			if b.sc.components && a.writer != ordersWriter {
				b.n.say("leaves %s%s out: no component of it is selected", v.Name(), a.name)
				continue
			}
			var sizes []string
			_ = fs.WalkDir(fsys, a.name, func(p string, d fs.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					if info, err := d.Info(); err == nil {
						sizes = append(sizes, fmt.Sprintf("%s (%d bytes)", path.Base(p), info.Size()))
					}
				}
				return nil
			})
			sort.Strings(sizes)
			verdict := "every record in it is whole"
			if err := a.check(fsys); err != nil {
				verdict = "it is NOT consistent: " + err.Error()
			}
			b.n.say("reads %s%s from %s: %s; the application's own check: %s",
				v.Name(), a.name, props.DeviceObject, strings.Join(sizes, ", "), verdict)
		}
	}
	return true
}
