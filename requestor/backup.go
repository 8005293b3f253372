package requestor

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/writer"
)

// Plan says what Backup backs up and how.
type Plan struct {
	// Volumes are the volumes to shadow copy, for example `C:\`.
	Volumes []string
	// Context is the snapshot context; zero means vss.ContextBackup. In a
	// context without writers (vss.ContextFileShareBackup,
	// vss.ContextNASRollback) Backup skips PrepareForBackup and
	// BackupComplete, which VSS refuses there.
	Context vss.SnapshotContext
	// Type is the backup type; zero means vss.BackupFull.
	Type vss.BackupType
	// BootableSystemState includes the bootable system state.
	BootableSystemState bool
	// Components, if not empty, runs a component-mode backup of exactly
	// these components.
	Components []ComponentSelection
	// IgnoreWriterFailures lists writer class IDs whose failure does not
	// fail the backup (their data is then only crash consistent).
	IgnoreWriterFailures []vss.ID
	// Copy is step 10: it reads what to keep from the shadow copies and
	// stores it. A Copy error fails the backup.
	Copy func(ctx context.Context, snapshots []VolumeSnapshot) error
	// Keep leaves the shadow copies in place when the backup succeeds;
	// otherwise Backup deletes them once Copy is done. A failed backup
	// never leaves shadow copies behind.
	Keep bool
}

// ComponentSelection names a writer component to back up.
type ComponentSelection struct {
	WriterInstance vss.ID
	WriterClass    vss.ID
	Component      writer.ComponentKey
}

// VolumeSnapshot is the shadow copy of one volume, as Copy receives it.
type VolumeSnapshot struct {
	Volume     string
	Properties provider.Snapshot
	// FS reads the shadow copy's contents; nil if the requestor cannot
	// open it in process.
	FS fs.FS
}

// Result is what a successful Backup produced.
type Result struct {
	SnapshotSetID vss.ID
	Snapshots     []VolumeSnapshot
	Metadata      []*writer.Metadata
	// BackupDocument is the backup components document (SaveAsXML, step
	// 11), saved after the components' success was recorded: store it with
	// the backup data, with the writers' metadata documents; a restore
	// needs both (ParseBackupDocument reads it).
	BackupDocument string
	// Writers is the writer status after BackupComplete.
	Writers []WriterStatus
}

// BackupError is a failed Backup: the call or check that failed, the
// writer status at that moment when known, and the cause, which wraps the
// VSS HRESULT (errors.Is works through it).
type BackupError struct {
	Step    string
	Writers []WriterStatus
	Err     error
}

func (e *BackupError) Error() string { return "vss backup failed at " + e.Step + ": " + e.Err.Error() }

// Unwrap returns the cause.
func (e *BackupError) Unwrap() error { return e.Err }

// Backup runs a whole VSS backup over r, in the order of the eleven steps:
// it initializes the session, gathers writer metadata, builds the snapshot
// set, selects components, prepares, creates the shadow copies, checks
// writer status after each writer event, hands the shadow copies to
// plan.Copy, reports success, saves the backup components document
// (Result.BackupDocument) and completes the backup.
//
// On any failure it aborts the backup (AbortBackup), deletes the shadow
// copy set if one was made, and returns a *BackupError. That clean-up runs
// even when ctx has ended: each of its calls gets a context of its own,
// bounded by CleanupTimeout, and its failures are joined (errors.Join) to
// the backup's error, since they may leave a shadow copy behind. A writer
// that fails fails the backup when it takes part in it (in component mode,
// when one of its components is selected), unless plan.IgnoreWriterFailures
// names its class. A component its writer failed alone
// (WriterStatus.ComponentFailures) is reported not backed up
// (SetBackupSucceeded false), so that the writer does not treat it as
// backed up at BackupComplete (truncating its logs, say); the backup of
// the others goes on. Backup does not Close r: the caller owns the session.
func Backup(ctx context.Context, r Requestor, plan Plan) (*Result, error) {
	b := &backupRun{r: r, plan: plan, res: &Result{}}
	if err := b.run(ctx); err != nil {
		cleanupErr := b.cleanUp(ctx)
		var be *BackupError
		if !errors.As(err, &be) {
			be = &BackupError{Step: b.stepName(), Writers: b.status, Err: err}
		}
		if cleanupErr != nil {
			be.Err = errors.Join(be.Err, cleanupErr)
		}
		return nil, be
	}
	return b.res, nil
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
	step      string // the step in progress, for BackupError.Step: step+stepArg
	stepArg   string
	status    []WriterStatus
	started   bool // StartSnapshotSet succeeded: a failure must call AbortBackup
	setID     vss.ID
	made      bool // DoSnapshotSet was called: the set may exist
	completed bool // BackupComplete succeeded: nothing is left to abort
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

func (b *backupRun) run(ctx context.Context) error {
	r, p := b.r, b.plan
	if len(p.Volumes) == 0 {
		return vss.Errorf(vss.ErrInvalidArg, "Backup", "the plan names no volume")
	}
	if err := b.do("InitializeForBackup", func() error { return r.InitializeForBackup(ctx, "") }); err != nil {
		return err
	}
	if p.Context != vss.ContextBackup {
		if err := b.do("SetContext", func() error { return r.SetContext(ctx, p.Context) }); err != nil {
			return err
		}
	}
	state := BackupState{SelectComponents: len(p.Components) > 0, BootableSystemState: p.BootableSystemState, Type: p.Type}
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
	if err := b.do("StartSnapshotSet", func() (err error) { b.setID, err = r.StartSnapshotSet(ctx); return err }); err != nil {
		return err
	}
	b.started = true
	b.res.SnapshotSetID = b.setID
	ids := make([]vss.ID, len(p.Volumes))
	for i, v := range p.Volumes {
		if err := b.doOn("AddToSnapshotSet ", v, func() (err error) { ids[i], err = r.AddToSnapshotSet(ctx, v, vss.NilID); return err }); err != nil {
			return err
		}
	}
	for _, c := range p.Components {
		if err := b.do("AddComponent "+c.Component.String(), func() error {
			return r.AddComponent(ctx, c.WriterInstance, c.WriterClass, c.Component)
		}); err != nil {
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
		if err := b.do("Copy", func() error { return p.Copy(ctx, b.res.Snapshots) }); err != nil {
			return err
		}
	}
	for _, c := range p.Components {
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
	b.res.Writers = b.status
	if !p.Keep {
		if _, err := r.DeleteSnapshots(ctx, b.setID, provider.ObjectSnapshotSet); err != nil && !errors.Is(err, vss.ErrObjectNotFound) {
			return &BackupError{Step: "DeleteSnapshots", Err: err}
		}
	}
	return nil
}

// checkWriters gathers writer status and fails the backup on a failed
// writer that takes part in it.
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
	var failed []string
	var first *WriterStatus
	for i, s := range st {
		if !s.Failed() || !b.matters(s) {
			continue
		}
		if first == nil {
			first = &st[i]
		}
		failed = append(failed, fmt.Sprintf("%q (%v, %s)", s.Name, s.State, s.Failure.Name()))
	}
	if first == nil {
		return nil
	}
	return &BackupError{Step: b.stepName(), Writers: st, Err: &vss.Error{Op: "Backup", Code: first.Failure,
		Detail: "writer failure: " + strings.Join(failed, ", ") + ": " + first.Detail}}
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

// matters reports whether a writer's failure fails the backup.
func (b *backupRun) matters(s WriterStatus) bool {
	for _, id := range b.plan.IgnoreWriterFailures {
		if id == s.ClassID {
			return false
		}
	}
	if len(b.plan.Components) == 0 {
		return true
	}
	for _, c := range b.plan.Components {
		if c.WriterInstance == s.InstanceID {
			return true
		}
	}
	return false
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
