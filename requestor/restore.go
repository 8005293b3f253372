package requestor

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/writer"
)

// RestorePlan says what Restore restores and where.
type RestorePlan struct {
	// Target is where the files go. Required.
	Target Target
	// Components, if not empty, restores only these components of a
	// component-mode backup (SetSelectedForRestore), and only their
	// files; otherwise every component of the backup is selected, and
	// the files of no component are restored too. In a component-mode
	// backup the files of a writer's components that are not in the
	// backup components document are never restored.
	Components []RestoreSelection
	// NewTargets restore file sets elsewhere than where they were
	// (AddNewTarget): each names a component of the backup and a file
	// set its writer declared, with AlternatePath the new place.
	NewTargets []NewTarget
	// Type is the restore's type (SetRestoreState); zero leaves it
	// VSS_RTYPE_UNDEFINED, which writers treat as a restore by copy.
	Type vss.RestoreType
	// AdditionalRestores tells the writers that more restores
	// (incremental, differential) will follow (SetAdditionalRestores).
	AdditionalRestores bool
	// Services stops and starts the services the restore methods
	// VSS_RME_STOP_RESTORE_START and VSS_RME_RESTORE_STOP_START name.
	// Without it, the components of such writers are not restored.
	Services ServiceControl
	// IgnoreWriterFailures lists writer class IDs whose failure does not
	// fail the restore.
	IgnoreWriterFailures []vss.ID
}

// RestoreSelection names a component to restore: by writer class, as the
// restore calls name it.
type RestoreSelection struct {
	WriterClass vss.ID
	Component   writer.ComponentKey
}

// NewTarget is a file set restored to a new place (AddNewTarget): Files
// names the set as the writer declared it, Files.AlternatePath is where
// it goes, a Windows path such as `D:\restored`.
type NewTarget struct {
	WriterClass vss.ID
	Component   writer.ComponentKey
	Files       writer.FileSpec
}

// ServiceControl stops and starts a service around the restore of its
// writer's files, for the restore methods that ask for it.
type ServiceControl interface {
	Stop(ctx context.Context, name string) error
	Start(ctx context.Context, name string) error
}

// RestoreResult is what a Restore did.
type RestoreResult struct {
	// Files, Dirs, Links and Bytes count what was written.
	Files, Dirs, Links int
	Bytes              int64
	// Components is the status reported for each component of the
	// document (SetFileRestoreStatus), by writer class and key.
	Components []ComponentRestore
	// AtReboot are the files of a writer whose restore method is
	// VSS_RME_RESTORE_AT_REBOOT: each was written next to its place, as
	// Staged, and must replace it when the system restarts (MoveFileEx
	// with MOVEFILE_DELAY_UNTIL_REBOOT on Windows).
	AtReboot []PendingReplace
	// Writers is the writer status after PostRestore.
	Writers []WriterStatus
}

// ComponentRestore is how much of a component was restored, and why not
// all of it.
type ComponentRestore struct {
	WriterClass vss.ID
	Component   writer.ComponentKey
	Status      vss.FileRestoreStatus
	Reason      string // why not VSS_RS_ALL; empty otherwise
}

// PendingReplace is a file restored for replacement at reboot.
type PendingReplace struct {
	Volume         string
	Staged, Target string // slash-separated paths on Volume
}

// RestoreError is a failed Restore: the step that failed, the writer
// status when known, and the cause, which wraps the VSS HRESULT.
type RestoreError struct {
	Step    string
	Writers []WriterStatus
	Err     error
}

func (e *RestoreError) Error() string {
	return "vss restore failed at " + e.Step + ": " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *RestoreError) Unwrap() error { return e.Err }

// Restore runs a whole VSS restore over r, which must be a Restorer, of
// the backup stored on media, following Microsoft's "Overview of
// Processing a Restore Under VSS":
//
//   - It checks every stored path first: an entry whose path is not a
//     valid relative path (an absolute path, a ".." element, a
//     backslash) or a symbolic link that is absolute or leads off its
//     volume fails the restore before anything is written or any writer
//     hears of it.
//   - It loads the backup components document (InitializeForRestore),
//     gathers writer metadata, selects the components to restore
//     (SetSelectedForRestore, in component mode), adds the plan's new
//     targets and additional restores, and sends PreRestore.
//   - It reads the writers' restore targets (WriterComponents) and puts
//     each file back where the writer's stored metadata says, honouring
//     its restore method (VSS_RME_*) unless a restore target overrides
//     it: if not there, if can replace, stop and restart a service,
//     alternate location (AddAlternativeLocationMapping), at reboot
//     (staged next to the file, see RestoreResult.AtReboot; at reboot if
//     it cannot replace restores at once, as a Target can replace);
//     a custom method, a directed target, or a writer that failed at
//     PreRestore leaves its components unrestored. Every destination is
//     computed and checked before the first file is written: one that
//     leads out of the target fails the restore with nothing written.
//   - It reports each component's outcome (SetFileRestoreStatus), sends
//     PostRestore and gathers the writers' status.
//
// A restore has no Abort: whatever fails, the writers that received
// PreRestore get PostRestore. The result is returned, with the error,
// whenever the session got that far; the error is a *RestoreError. A
// writer's failure fails the restore unless plan.IgnoreWriterFailures
// names its class. Restore does not Close r.
func Restore(ctx context.Context, r Requestor, media Media, plan RestorePlan) (*RestoreResult, error) {
	rr := &restoreRun{r: r, media: media, plan: plan, res: &RestoreResult{}}
	err := rr.run(ctx)
	if err == nil {
		return rr.res, nil
	}
	var re *RestoreError
	if !errors.As(err, &re) {
		re = &RestoreError{Step: rr.step, Writers: rr.res.Writers, Err: err}
	}
	if !rr.started {
		return nil, re
	}
	return rr.res, re
}

type restoreRun struct {
	r       Requestor
	rs      Restorer
	media   Media
	plan    RestorePlan
	res     *RestoreResult
	step    string
	started bool // PreRestore was sent: PostRestore is owed

	files []MediaFile
	doc   *BackupDocument
	mds   []*writer.Metadata // the stored writer metadata
	comps []*restoreComp     // the document's components, with what became of them
	live  []*WriterComponents
}

// restoreComp is one component of the document in the restore.
type restoreComp struct {
	class    vss.ID
	instance vss.ID
	comp     *writer.Component
	md       *writer.Metadata // the writer's stored metadata, if any
	selected bool
	failed   string // why none of its files are restored
	total    int    // files of it in the media
	written  int
}

// dest is where one stored file goes.
type dest struct {
	f       MediaFile
	volume  string
	name    string
	comp    *restoreComp // nil for a file of no component
	skip    bool         // not restored (its component is not)
	staged  bool         // at reboot: name is the staged copy of final
	final   string
	altUsed *writer.FileSpec // the alternate location mapping that placed it
}

func (rr *restoreRun) do(step string, f func() error) error {
	rr.step = step
	return f()
}

func (rr *restoreRun) run(ctx context.Context) (err error) {
	if rr.plan.Target == nil {
		return vss.Errorf(vss.ErrInvalidArg, "Restore", "the plan names no target")
	}
	rs, ok := rr.r.(Restorer)
	if !ok {
		return vss.Errorf(vss.ErrNotSupported, "Restore", "the session cannot restore (it is no requestor.Restorer)")
	}
	rr.rs = rs
	if err := rr.readMedia(); err != nil {
		return err
	}
	xml, _ := rr.media.BackupDocument()
	if err := rr.do("InitializeForRestore", func() error { return rs.InitializeForRestore(ctx, xml) }); err != nil {
		return err
	}
	if err := rr.do("GatherWriterMetadata", func() error { return rr.r.GatherWriterMetadata(ctx) }); err != nil {
		return err
	}
	if err := rr.choose(ctx); err != nil {
		return err
	}
	if err := rr.do("PreRestore", func() error { return rs.PreRestore(ctx) }); err != nil {
		return err
	}
	rr.started = true
	defer func() {
		if perr := rr.finish(ctx); perr != nil {
			err = errors.Join(err, perr)
		}
		if err == nil {
			err = rr.writerFailures()
		}
	}()
	if err := rr.status(ctx); err != nil {
		return err
	}
	for _, w := range rr.res.Writers {
		if w.State == vss.WriterFailedAtPreRestore {
			rr.failWriter(w, "its writer failed at PreRestore: "+w.Detail)
		}
	}
	if err := rr.do("WriterComponents", func() (err error) { rr.live, err = rs.WriterComponents(ctx); return err }); err != nil {
		return err
	}
	dests, err := rr.destinations()
	if err != nil {
		for _, c := range rr.comps {
			if c.failed == "" {
				c.failed = "the restore was refused before any file was written"
			}
		}
		return err
	}
	return rr.write(ctx, dests)
}

// readMedia reads the stored documents and the list of files, and checks
// every stored path and link.
func (rr *restoreRun) readMedia() error {
	rr.step = "reading the media"
	xml, err := rr.media.BackupDocument()
	if err != nil {
		return err
	}
	if rr.doc, err = ParseBackupDocument([]byte(xml)); err != nil {
		return err
	}
	wmds, err := rr.media.WriterMetadata()
	if err != nil {
		return err
	}
	for i, x := range wmds {
		md, err := writer.ParseMetadata([]byte(x))
		if err != nil {
			return fmt.Errorf("writer metadata document %d: %w", i, err)
		}
		rr.mds = append(rr.mds, md)
	}
	if rr.files, err = rr.media.Files(); err != nil {
		return err
	}
	for _, f := range rr.files {
		if err := CheckMediaFile(f); err != nil {
			return err
		}
	}
	for _, w := range rr.doc.Writers {
		md := rr.metadataOf(w.ClassID, w.InstanceID)
		for _, c := range w.Components {
			rr.comps = append(rr.comps, &restoreComp{class: w.ClassID, instance: w.InstanceID, comp: c, md: md})
		}
	}
	return nil
}

// CheckMediaFile refuses a stored file that Restore must not write: a
// path that is not a valid slash-separated relative path (fs.ValidPath;
// "." only as the volume's root directory, which Restore leaves as it
// is), or holds a backslash or a colon (a Windows path), a mode other than a
// regular file, a directory or a symbolic link, and a symbolic link whose
// target is absolute or leads off its volume. The error matches
// vss.ErrInvalidArg and names the entry.
func CheckMediaFile(f MediaFile) error {
	bad := func(why string) error {
		return vss.Errorf(vss.ErrInvalidArg, "Restore", "stored file %q of volume %s: %s; nothing was restored", f.Path, f.Volume, why)
	}
	if !fs.ValidPath(f.Path) || (f.Path == "." && !f.Mode.IsDir()) || strings.ContainsAny(f.Path, `\:`) {
		return bad("not a relative path inside its volume")
	}
	switch f.Mode.Type() {
	case 0, fs.ModeDir:
	case fs.ModeSymlink:
		if !linkStaysInside(f.Path, f.Link) {
			return bad(fmt.Sprintf("a symbolic link to %q, which leads out of its volume", f.Link))
		}
	default:
		return bad(fmt.Sprintf("a %v, which a restore does not write", f.Mode.Type()))
	}
	return nil
}

// linkStaysInside reports whether a symbolic link at name pointing to
// link stays on its volume: link is relative (no leading slash or
// backslash, no drive) and, resolved from name's directory, does not
// climb above the root. Backslashes count as separators.
func linkStaysInside(name, link string) bool {
	l := strings.ReplaceAll(link, `\`, "/")
	if l == "" || strings.HasPrefix(l, "/") || strings.Contains(l, ":") {
		return false
	}
	p := path.Join(path.Dir(name), l)
	return fs.ValidPath(p) && p != ".." && !strings.HasPrefix(p, "../")
}

// metadataOf returns the stored metadata of a writer, by instance, else
// by class.
func (rr *restoreRun) metadataOf(class, instance vss.ID) *writer.Metadata {
	var byClass *writer.Metadata
	for _, md := range rr.mds {
		if md.InstanceID == instance && md.ClassID == class {
			return md
		}
		if md.ClassID == class && byClass == nil {
			byClass = md
		}
	}
	return byClass
}

// choose selects the components to restore and says how.
func (rr *restoreRun) choose(ctx context.Context) error {
	rs := rr.rs
	if t := rr.plan.Type; t != vss.RestoreTypeUndefined {
		if err := rr.do("SetRestoreState", func() error { return rs.SetRestoreState(ctx, t) }); err != nil {
			return err
		}
	}
	for _, c := range rr.comps {
		c.selected = rr.wanted(c)
		if !c.selected {
			continue
		}
		key := c.comp.Key()
		if rr.doc.SelectComponents {
			if err := rr.do("SetSelectedForRestore "+key.String(), func() error {
				return rs.SetSelectedForRestore(ctx, c.class, key, true)
			}); err != nil {
				return err
			}
		}
		if rr.plan.AdditionalRestores {
			if err := rr.do("SetAdditionalRestores "+key.String(), func() error {
				return rs.SetAdditionalRestores(ctx, c.class, key, true)
			}); err != nil {
				return err
			}
		}
	}
	for _, t := range rr.plan.NewTargets {
		if err := rr.do("AddNewTarget "+t.Component.String(), func() error {
			return rs.AddNewTarget(ctx, t.WriterClass, t.Component, t.Files)
		}); err != nil {
			return err
		}
	}
	return nil
}

// wanted reports whether the plan restores component c.
func (rr *restoreRun) wanted(c *restoreComp) bool {
	if len(rr.plan.Components) == 0 {
		return true
	}
	for _, s := range rr.plan.Components {
		if s.WriterClass == c.class && s.Component == c.comp.Key() {
			return true
		}
	}
	return false
}

// status gathers the writers' status into the result.
func (rr *restoreRun) status(ctx context.Context) error {
	if err := rr.do("GatherWriterStatus", func() error { return rr.r.GatherWriterStatus(ctx) }); err != nil {
		return err
	}
	return rr.do("WriterStatus", func() (err error) { rr.res.Writers, err = rr.r.WriterStatus(ctx); return err })
}

// failWriter leaves every component of writer w unrestored, for why.
func (rr *restoreRun) failWriter(w WriterStatus, why string) {
	for _, c := range rr.comps {
		if c.class == w.ClassID && c.failed == "" {
			c.failed = why
		}
	}
}

// finish reports each selected component's outcome, sends PostRestore
// and gathers the writers' status: what a restore owes its writers once
// PreRestore was sent, whatever happened since.
func (rr *restoreRun) finish(ctx context.Context) error {
	ctx = context.WithoutCancel(ctx)
	var errs []error
	for _, c := range rr.comps {
		if !c.selected {
			continue
		}
		st, reason := vss.FileRestoreAll, ""
		switch {
		case c.failed != "" || (c.written == 0 && c.total > 0):
			st, reason = vss.FileRestoreNone, c.failed
		case c.written < c.total:
			st, reason = vss.FileRestoreFailed, fmt.Sprintf("%d of its %d files were restored", c.written, c.total)
		}
		if reason == "" && st != vss.FileRestoreAll {
			reason = "its files were not restored"
		}
		key := c.comp.Key()
		rr.res.Components = append(rr.res.Components, ComponentRestore{WriterClass: c.class, Component: key, Status: st, Reason: reason})
		if err := rr.rs.SetFileRestoreStatus(ctx, c.class, key, st); err != nil {
			errs = append(errs, &RestoreError{Step: "SetFileRestoreStatus " + key.String(), Err: err})
		}
	}
	if err := rr.rs.PostRestore(ctx); err != nil {
		errs = append(errs, &RestoreError{Step: "PostRestore", Err: err})
	}
	if err := rr.status(ctx); err != nil {
		errs = append(errs, &RestoreError{Step: rr.step, Err: err})
	}
	return errors.Join(errs...)
}

// writerFailures returns an error naming the writers that failed, unless
// the plan ignores them.
func (rr *restoreRun) writerFailures() error {
	var failed []string
	var first *WriterStatus
	for i, s := range rr.res.Writers {
		if !s.Failed() || rr.ignored(s.ClassID) {
			continue
		}
		if first == nil {
			first = &rr.res.Writers[i]
		}
		failed = append(failed, fmt.Sprintf("%q (%v, %s)", s.Name, s.State, s.Failure.Name()))
	}
	if first == nil {
		return nil
	}
	return &RestoreError{Step: "GatherWriterStatus", Writers: rr.res.Writers, Err: &vss.Error{Op: "Restore", Code: first.Failure,
		Detail: "writer failure: " + strings.Join(failed, ", ") + ": " + first.Detail}}
}

func (rr *restoreRun) ignored(class vss.ID) bool {
	for _, id := range rr.plan.IgnoreWriterFailures {
		if id == class {
			return true
		}
	}
	return false
}
