package requestor

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"time"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/writer"
)

// Plan says what Backup backs up and how. The zero Plan, with Volumes
// set, runs the safe backup: a COPY backup of the volumes in
// non-component mode that fails only on a failure of its own, reporting
// writers that failed along the way in Result.Degraded.
type Plan struct {
	// Volumes are the volumes to shadow copy, for example `C:\`.
	Volumes []string
	// Context is the snapshot context; zero means vss.ContextBackup. In a
	// context without writers (vss.ContextFileShareBackup,
	// vss.ContextNASRollback) Backup skips PrepareForBackup and
	// BackupComplete, which VSS refuses there.
	Context vss.SnapshotContext
	// Type is the backup type the writers are told (SetBackupState).
	// Zero means vss.BackupCopy, the safe default: the writers keep
	// their backup history and logs as they were (VSS_BT_COPY: "the
	// backup history will not be updated"), so a tool that does not
	// manage an application's logs cannot make SQL Server or Exchange
	// believe a full backup was made and truncate them. A tool that does
	// set vss.BackupFull, vss.BackupIncremental, vss.BackupDifferential
	// or vss.BackupLog.
	Type vss.BackupType
	// BootableSystemState includes the bootable system state.
	BootableSystemState bool
	// Components, if not empty, runs a component-mode backup of exactly
	// these components; a selection may name a writer class alone (see
	// ComponentSelection).
	Components []ComponentSelection
	// Select, if set, runs a component-mode backup of the components it
	// returns, with Components, once the writers answered Identify
	// (step 4). It returning none backs up the volumes with no writer
	// taking part beyond Identify.
	Select Selector
	// RequireWriters lists writer classes whose failure fails the
	// backup whatever the mode. Otherwise, in non-component mode, a
	// writer's failure does not fail the backup: the writer is reported
	// in Result.Degraded, and its data in the shadow copy is only crash
	// consistent ("it is not always necessary for a backup application
	// to abort following a veto or error", Writer Errors and Vetoes). In
	// component mode the failure of a writer with a component selected
	// fails the backup, that of any other writer is reported in
	// Result.Degraded.
	RequireWriters []vss.ID
	// IgnoreWriterFailures lists writer classes whose failure never
	// fails the backup, even with components selected: they are reported
	// in Result.Degraded. A class may not be both required and ignored.
	IgnoreWriterFailures []vss.ID
	// Copy is step 10: it reads what to keep from the shadow copies and
	// stores it. A Copy error fails the backup; once Copy returned nil
	// the data is stored, and Backup returns its Result even when a later
	// step fails.
	Copy func(ctx context.Context, src *CopySource) error
	// Retry retries failures that may pass (see Retry); the zero Retry
	// makes one attempt.
	Retry Retry
	// Keep leaves the shadow copies in place when the backup succeeds;
	// otherwise Backup deletes them once Copy is done. A failed backup
	// never leaves shadow copies behind.
	Keep bool
}

// CopySource is what Plan.Copy reads a backup from (step 10): the shadow
// copies, and what says which of their files the writers want backed up.
type CopySource struct {
	// Snapshots are the shadow copies of the plan's volumes, in its order.
	Snapshots []VolumeSnapshot
	// Metadata is every writer's metadata document (step 4): its
	// components, their file sets, and its exclude list.
	Metadata []*writer.Metadata
	// Components are the components selected, each with its writer
	// instance and class; empty in non-component mode.
	Components []ComponentSelection
}

// Files returns the files of a selected component in the shadow copies,
// as ComponentFiles lists them, from the metadata of its writer instance.
func (src *CopySource) Files(c ComponentSelection) ([]SnapshotFile, error) {
	for _, md := range src.Metadata {
		if md.InstanceID == c.WriterInstance {
			return ComponentFiles(src.Snapshots, md, c.Component)
		}
	}
	return nil, vss.Errorf(vss.ErrObjectNotFound, "ComponentFiles", "no metadata of writer instance %v", c.WriterInstance)
}

// Excludes returns every writer's exclude list, for a tool that copies
// directories rather than components: each file whose path
// (VolumeSnapshot.OriginalPath) it names is to be left out.
func (src *CopySource) Excludes() *ExcludeList { return NewExcludeList(src.Metadata...) }

// VolumeSnapshot is the shadow copy of one volume, as Copy receives it.
type VolumeSnapshot struct {
	Volume     string
	Properties provider.Snapshot
	// FS reads the shadow copy's contents; nil if the requestor cannot
	// open it in process.
	FS fs.FS
}

// Result is what a Backup produced: the whole of a successful one, or
// what a backup whose data was stored before a later step failed made.
type Result struct {
	SnapshotSetID vss.ID
	Snapshots     []VolumeSnapshot
	Metadata      []*writer.Metadata
	// Components are the components backed up, each with its writer
	// instance and class; empty in non-component mode.
	Components []ComponentSelection
	// BackupDocument is the backup components document (SaveAsXML, step
	// 11), saved after the components' success was recorded: store it with
	// the backup data, with the writers' metadata documents; a restore
	// needs both (ParseBackupDocument reads it).
	BackupDocument string
	// Writers is the writer status after BackupComplete (or at the
	// failure, for a backup that failed once its data was stored).
	Writers []WriterStatus
	// Degraded are the writers that failed without failing the backup
	// (see Plan.RequireWriters), each as first seen failed: its state, its
	// failure HRESULT and its message. Their data in the shadow copies is
	// crash consistent only.
	Degraded []WriterStatus
	// Attempts are the backup's attempts, the successful one last (see
	// Plan.Retry).
	Attempts []Attempt
	// Session is the session of the attempt that made the backup: the
	// one given to Backup, or one Retry.Open returned, which the caller
	// then closes.
	Session Requestor
}

// BackupError is a failed Backup: the call or check that failed, the
// writer status at that moment when known, and the cause, which wraps the
// VSS HRESULT (errors.Is works through it).
type BackupError struct {
	// Step is what failed: a Requestor call, with what it worked on
	// (`AddToSnapshotSet C:\`, `AddComponent Shop\orders`);
	// "GatherWriterStatus after EVENT" for writers whose failure fails
	// the backup; "Plan" for a plan refused before any call; "Select" and
	// "Copy" for the plan's functions; "waiting to retry ..." and
	// "Retry.Open" for Plan.Retry.
	Step string
	// Writers is the writer status at the failure, when it was gathered.
	Writers []WriterStatus
	Err     error
	// Attempts are every attempt of the backup, this failure last; one
	// unless Plan.Retry retried.
	Attempts []Attempt
}

func (e *BackupError) Error() string {
	msg := "vss backup failed at " + e.Step + ": " + e.Err.Error()
	if n := len(e.Attempts); n > 1 {
		msg += fmt.Sprintf(" (attempt %d; the earlier ones failed at", n)
		for i, a := range e.Attempts[:n-1] {
			if i > 0 {
				msg += ","
			}
			msg += " " + a.Step
		}
		msg += ")"
	}
	return msg
}

// Unwrap returns the cause.
func (e *BackupError) Unwrap() error { return e.Err }

// Backup runs a whole VSS backup over r, in the order of the eleven steps:
// it initializes the session, declares the backup (a COPY backup unless
// plan.Type says otherwise), gathers writer metadata, selects components,
// builds the snapshot set, prepares, creates the shadow copies, checks
// writer status after each writer event, hands the shadow copies with the
// writers' metadata to plan.Copy, reports success, saves the backup
// components document (Result.BackupDocument) and completes the backup.
//
// On any failure it aborts the backup (AbortBackup), deletes the shadow
// copy set if one was made, and returns a *BackupError naming the step
// that failed. That clean-up runs even when ctx has ended: each of its
// calls gets a context of its own, bounded by CleanupTimeout, and its
// failures are joined (errors.Join) to the backup's error, since they may
// leave a shadow copy behind. Which writer failures fail the backup is
// Plan.RequireWriters' rule; plan.Retry retries failures that may pass.
// When the data was stored (plan.Copy returned) before a later step
// failed, Backup returns the Result with the error. A component its
// writer failed alone (WriterStatus.ComponentFailures) is reported not
// backed up (SetBackupSucceeded false), so that the writer does not treat
// it as backed up at BackupComplete (truncating its logs, say); the backup
// of the others goes on.
//
// A backup that fails because ctx ended wraps ctx's error
// (errors.Is(err, context.Canceled)) and carries vss.ErrAbort (E_ABORT,
// COM's "operation aborted"), a failure code: the HRESULT of the VSS call
// it interrupted is vss.AsyncCancelled, a success code, which would make
// vss.CodeOf(err).Failed() false for a backup that did not happen. E_ABORT
// is this library's choice; Windows' own ERROR_CANCELLED has no HRESULT
// of its own in winerror.h.
//
// Backup does not Close r: the caller owns the session.
func Backup(ctx context.Context, r Requestor, plan Plan) (*Result, error) {
	if err := plan.check(); err != nil {
		return nil, &BackupError{Step: "Plan", Err: err}
	}
	rt := &retrier{policy: plan.Retry}
	s, session := r, 0
	for {
		b := &backupRun{r: s, plan: plan, res: &Result{Session: s}, rt: rt, session: session}
		err := b.run(ctx)
		if err == nil {
			b.res.Attempts = rt.attempts
			return b.res, nil
		}
		be := b.fail(ctx, err)
		rt.failed(be.Step, be.Err)
		be.Attempts = rt.attempts
		if b.stored {
			b.res.Writers, b.res.Degraded, b.res.Attempts = b.status, b.degraded, rt.attempts
			return b.res, be
		}
		again := ctx.Err() == nil && plan.Retry.Open != nil && rt.more() && retryableAnew(be.Err, b.failedWriters)
		if session > 0 { // a session Retry.Open returned: Backup closes it
			if err := s.Close(); err != nil {
				be.Err = errors.Join(be.Err, fmt.Errorf("closing the session: %w", err))
				rt.failed(be.Step, be.Err)
			}
		}
		if !again {
			return nil, be
		}
		if err := rt.wait(ctx, r); err != nil { // r's clock: s may be closed
			return nil, &BackupError{Step: "waiting to retry", Err: cancelled(ctx, err), Attempts: rt.attempts}
		}
		next, err := plan.Retry.Open(ctx)
		if err != nil {
			rt.start(session + 1)
			rt.failed("Retry.Open", err)
			return nil, &BackupError{Step: "Retry.Open", Err: cancelled(ctx, err), Attempts: rt.attempts}
		}
		s, session = next, session+1
	}
}

// check refuses a plan Backup cannot run, before any call.
func (p Plan) check() error {
	if len(p.Volumes) == 0 {
		return vss.Errorf(vss.ErrInvalidArg, "", "the plan names no volume")
	}
	if p.Type < vss.BackupUndefined || p.Type > vss.BackupOther {
		return vss.Errorf(vss.ErrInvalidArg, "", "Plan.Type %v is not a backup type", p.Type)
	}
	for _, c := range p.Components {
		if c.WriterInstance == vss.NilID && c.WriterClass == vss.NilID {
			return vss.Errorf(vss.ErrInvalidArg, "", "the selection of component %v names no writer", c.Component)
		}
	}
	for _, id := range p.RequireWriters {
		if slices.Contains(p.IgnoreWriterFailures, id) {
			return vss.Errorf(vss.ErrInvalidArg, "", "writer class %v is both required and ignored", id)
		}
	}
	return p.Retry.check()
}

// backupType is the type SetBackupState declares.
func (p Plan) backupType() vss.BackupType {
	if p.Type == vss.BackupUndefined {
		return vss.BackupCopy
	}
	return p.Type
}

// componentMode reports whether the backup selects components.
func (p Plan) componentMode() bool { return len(p.Components) > 0 || p.Select != nil }

// cancelled returns err as the failure of a backup whose ctx ended: it
// carries vss.ErrAbort and wraps ctx's error. It returns err itself
// when ctx has not ended.
func cancelled(ctx context.Context, err error) error {
	if ctx.Err() == nil {
		return err
	}
	cause := err
	if !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		cause = errors.Join(err, context.Cause(ctx))
	}
	return &vss.Error{Code: vss.ErrAbort, Err: cause}
}

// CleanupTimeout bounds each clean-up call of a failed Backup: AbortBackup,
// then DeleteSnapshots of the set. Each runs on a context of its own that
// keeps the values of the caller's context but not its cancellation or
// deadline, so that a backup whose context ended still cleans up, and a
// requestor or provider that hangs there cannot hold Backup forever.
// Microsoft documents no such figure; two minutes is this library's
// choice.
const CleanupTimeout = 2 * time.Minute

type backupRun struct {
	r         Requestor
	plan      Plan
	res       *Result
	rt        *retrier
	session   int    // which session of the backup r is (Attempt.Session)
	step      string // the step in progress, for BackupError.Step: step+stepArg
	stepArg   string
	status    []WriterStatus
	degraded  []WriterStatus // writers that failed without failing the backup
	sel       []ComponentSelection
	started   bool // StartSnapshotSet succeeded: a failure must call AbortBackup
	setID     vss.ID
	made      bool // DoSnapshotSet was called: the set may exist
	stored    bool // Copy returned: the data is stored
	completed bool // BackupComplete succeeded: nothing is left to abort
	// failedWriters are the writers whose failure failed the backup.
	failedWriters []WriterStatus
}

func (b *backupRun) do(step string, f func() error) error {
	b.step, b.stepArg = step, ""
	return f()
}

// doOn is do for a step that names what it works on: step+arg, put
// together only if the backup fails there.
func (b *backupRun) doOn(step, arg string, f func() error) error {
	b.step, b.stepArg = step, arg
	return f()
}

// stepName returns the name of the step in progress, as BackupError.Step
// shows it.
func (b *backupRun) stepName() string {
	if b.stepArg == "" {
		return b.step
	}
	return b.step + b.stepArg
}

// fail cleans up after err ended the attempt and returns the attempt's
// *BackupError.
func (b *backupRun) fail(ctx context.Context, err error) *BackupError {
	cleanupErr := b.cleanUp(ctx)
	var be *BackupError
	if !errors.As(err, &be) {
		be = &BackupError{Step: b.stepName(), Writers: b.status, Err: err}
	}
	be.Err = cancelled(ctx, be.Err)
	if cleanupErr != nil {
		be.Err = errors.Join(be.Err, cleanupErr)
	}
	return be
}

func (b *backupRun) run(ctx context.Context) error {
	r, p := b.r, b.plan
	b.rt.start(b.session)
	if err := b.do("InitializeForBackup", func() error { return r.InitializeForBackup(ctx, "") }); err != nil {
		return err
	}
	if p.Context != vss.ContextBackup {
		if err := b.do("SetContext", func() error { return r.SetContext(ctx, p.Context) }); err != nil {
			return err
		}
	}
	state := BackupState{SelectComponents: p.componentMode(), BootableSystemState: p.BootableSystemState, Type: p.backupType()}
	if err := b.do("SetBackupState", func() error { return r.SetBackupState(ctx, state) }); err != nil {
		return err
	}
	if err := b.do("GatherWriterMetadata", func() error { return r.GatherWriterMetadata(ctx) }); err != nil {
		return err
	}
	if err := b.checkWriters(ctx, "Identify"); err != nil {
		return err
	}
	md, err := r.WriterMetadata(ctx)
	if err != nil {
		return &BackupError{Step: "GetWriterMetadata", Err: err}
	}
	b.res.Metadata = md
	if err := b.selectComponents(ctx, md); err != nil {
		return err
	}
	if err := b.startSnapshotSet(ctx); err != nil {
		return err
	}
	ids := make([]vss.ID, len(p.Volumes))
	for i, v := range p.Volumes {
		if err := b.doOn("AddToSnapshotSet ", v, func() (err error) { ids[i], err = r.AddToSnapshotSet(ctx, v, vss.NilID); return err }); err != nil {
			return err
		}
	}
	// A context without writers refuses PrepareForBackup and
	// BackupComplete (Microsoft's "Shadow Copy Creation Details").
	withWriters := p.Context.WithWriters()
	if withWriters {
		if err := b.do("PrepareForBackup", func() error { return r.PrepareForBackup(ctx) }); err != nil {
			return err
		}
		if err := b.checkWriters(ctx, "PrepareBackup"); err != nil {
			return err
		}
	}
	b.made = true
	if err := b.do("DoSnapshotSet", func() error { return r.DoSnapshotSet(ctx) }); err != nil {
		return err
	}
	if err := b.checkWriters(ctx, "DoSnapshotSet"); err != nil {
		return err
	}
	for i, v := range p.Volumes {
		props, err := r.GetSnapshotProperties(ctx, ids[i])
		if err != nil {
			return &BackupError{Step: "GetSnapshotProperties " + v, Err: err}
		}
		fsys, err := r.SnapshotFS(ctx, ids[i])
		if err != nil && !errors.Is(err, vss.ErrNotSupported) {
			return &BackupError{Step: "SnapshotFS " + v, Err: err}
		}
		if b.res.Snapshots == nil {
			b.res.Snapshots = make([]VolumeSnapshot, 0, len(p.Volumes))
		}
		b.res.Snapshots = append(b.res.Snapshots, VolumeSnapshot{Volume: v, Properties: props, FS: fsys})
	}
	if p.Copy != nil {
		src := &CopySource{Snapshots: b.res.Snapshots, Metadata: md, Components: b.sel}
		if err := b.do("Copy", func() error { return p.Copy(ctx, src) }); err != nil {
			return err
		}
	}
	b.stored = true
	for _, c := range b.sel {
		ok := !b.componentFailed(c)
		if err := b.do("SetBackupSucceeded "+c.Component.String(), func() error {
			return r.SetBackupSucceeded(ctx, c.WriterInstance, c.WriterClass, c.Component, ok)
		}); err != nil {
			return err
		}
	}
	if err := b.do("SaveAsXML", func() (err error) {
		b.res.BackupDocument, err = r.SaveAsXML(ctx)
		return err
	}); err != nil {
		return err
	}
	if withWriters {
		if err := b.do("BackupComplete", func() error { return r.BackupComplete(ctx) }); err != nil {
			return err
		}
	}
	b.completed = true
	if err := b.checkWriters(ctx, "BackupComplete"); err != nil {
		return err
	}
	b.res.Writers, b.res.Degraded = b.status, b.degraded
	if !p.Keep {
		if err := b.do("DeleteSnapshots", func() error {
			_, err := r.DeleteSnapshots(ctx, b.setID, provider.ObjectSnapshotSet)
			if errors.Is(err, vss.ErrObjectNotFound) {
				return nil
			}
			return err
		}); err != nil {
			return err
		}
	}
	return nil
}

// selectComponents resolves the plan's selection once the metadata is
// gathered (step 4), asks plan.Select for more, and adds each component
// (AddComponent).
func (b *backupRun) selectComponents(ctx context.Context, md []*writer.Metadata) error {
	sels := b.plan.Components
	if b.plan.Select != nil {
		var more []ComponentSelection
		if err := b.do("Select", func() (err error) { more, err = b.plan.Select(ctx, md); return err }); err != nil {
			return err
		}
		sels = append(slices.Clip(sels), more...)
	}
	sel, be := resolveSelection(sels, md)
	if be != nil {
		return be
	}
	b.sel, b.res.Components = sel, sel
	for _, c := range sel {
		if err := b.doOn("AddComponent ", c.Component.String(), func() error {
			return b.r.AddComponent(ctx, c.WriterInstance, c.WriterClass, c.Component)
		}); err != nil {
			return err
		}
	}
	return nil
}

// startSnapshotSet starts the set, retrying in place while another set is
// being created (vss.ErrSnapshotSetInProgress), as plan.Retry allows.
func (b *backupRun) startSnapshotSet(ctx context.Context) error {
	for {
		err := b.do("StartSnapshotSet", func() (err error) { b.setID, err = b.r.StartSnapshotSet(ctx); return err })
		if err == nil {
			break
		}
		if !errors.Is(err, vss.ErrSnapshotSetInProgress) || !b.rt.more() || ctx.Err() != nil {
			return err
		}
		b.rt.failed(b.stepName(), err)
		if werr := b.rt.wait(ctx, b.r); werr != nil {
			b.step = "waiting to retry StartSnapshotSet"
			return errors.Join(err, werr)
		}
		b.rt.start(b.session)
	}
	b.started = true
	b.res.SnapshotSetID = b.setID
	return nil
}

// checkWriters gathers writer status, records the writers that failed
// without failing the backup, and fails the backup on the others.
func (b *backupRun) checkWriters(ctx context.Context, after string) error {
	b.step, b.stepArg = "GatherWriterStatus after ", after
	if err := b.r.GatherWriterStatus(ctx); err != nil {
		return err
	}
	st, err := b.r.WriterStatus(ctx)
	if err != nil {
		return err
	}
	b.status = st
	var failed []WriterStatus
	for _, s := range st {
		switch {
		case !s.Failed():
		case b.matters(s):
			failed = append(failed, s)
		case !slices.ContainsFunc(b.degraded, func(d WriterStatus) bool { return d.InstanceID == s.InstanceID }):
			b.degraded = append(b.degraded, s)
		}
	}
	if len(failed) == 0 {
		return nil
	}
	b.failedWriters = failed
	return &BackupError{Step: b.stepName(), Writers: st, Err: writerFailure(failed)}
}

// componentFailed reports whether the last writer status gathered says
// the writer of c failed c alone (IVssComponentEx2::GetFailure).
func (b *backupRun) componentFailed(c ComponentSelection) bool {
	for _, s := range b.status {
		if s.InstanceID == c.WriterInstance {
			_, failed := s.ComponentFailed(c.Component)
			return failed
		}
	}
	return false
}

// writerFailure is the error of writers whose failure fails the backup:
// the first one's failure, each HRESULT printed once.
func writerFailure(failed []WriterStatus) error {
	first := failed[0]
	code := first.Failure
	if code == vss.OK {
		code = vss.ErrWriterNonRetryable
	}
	e := &vss.Error{Op: fmt.Sprintf("writer %q (%v)", first.Name, first.State), Code: code, Detail: withoutCode(first.Detail, code)}
	var also []string
	for _, s := range failed[1:] {
		also = append(also, fmt.Sprintf("%q (%v, %s)", s.Name, s.State, s.Failure.Name()))
	}
	if len(also) > 0 {
		if e.Detail != "" {
			e.Detail += "; "
		}
		e.Detail += "also failed: " + strings.Join(also, ", ")
	}
	return e
}

// withoutCode returns a writer's failure message without the text of
// code, which the error prints already: a writer that returned the bare
// HRESULT has nothing else to say.
func withoutCode(detail string, code vss.HRESULT) string {
	detail = strings.ReplaceAll(detail, code.Error(), "")
	return strings.Trim(detail, ": ")
}

// matters reports whether a writer's failure fails the backup: a
// required writer's always, an ignored writer's never, and otherwise, in
// component mode, that of a writer with a component selected.
func (b *backupRun) matters(s WriterStatus) bool {
	if slices.Contains(b.plan.RequireWriters, s.ClassID) {
		return true
	}
	if slices.Contains(b.plan.IgnoreWriterFailures, s.ClassID) {
		return false
	}
	// b.sel once the selection is made; before, at Identify, the writers
	// plan.Components names.
	return slices.ContainsFunc(b.sel, func(c ComponentSelection) bool { return c.WriterInstance == s.InstanceID }) ||
		slices.ContainsFunc(b.plan.Components, func(c ComponentSelection) bool {
			return c.WriterInstance == s.InstanceID || c.WriterInstance == vss.NilID && c.WriterClass == s.ClassID
		})
}

// cleanUp aborts a failed backup and deletes its shadow copies, if
// DoSnapshotSet made any (when it failed, VSS already removed them and the
// deletion finds nothing), each call on a context of its own bounded by
// CleanupTimeout. It returns what went wrong, or nil.
func (b *backupRun) cleanUp(ctx context.Context) error {
	ctx = context.WithoutCancel(ctx) // clean up even when ctx ended
	var errs []error
	call := func(f func(ctx context.Context) error) {
		ctx, cancel := context.WithTimeout(ctx, CleanupTimeout)
		defer cancel()
		if err := f(ctx); err != nil {
			errs = append(errs, fmt.Errorf("clean-up after the failed backup: %w", err))
		}
	}
	if b.started && !b.completed {
		call(b.r.AbortBackup)
	}
	if b.made {
		call(func(ctx context.Context) error {
			_, err := b.r.DeleteSnapshots(ctx, b.setID, provider.ObjectSnapshotSet)
			if errors.Is(err, vss.ErrObjectNotFound) {
				return nil // nothing was left
			}
			return err
		})
	}
	return errors.Join(errs...)
}
