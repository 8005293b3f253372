package requestor

import (
	"context"
	"time"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/writer"
)

// The capabilities below are IVssBackupComponents calls that not every
// Requestor has, each interface named by what it lets a tool do; tools
// type-assert them (see the package documentation). The rules of
// Requestor hold for their calls too: no concurrent calls, a call out of
// order fails with vss.ErrBadState, and a failed call's error carries the
// VSS HRESULT (vss.CodeOf).

// Restorer is a session that can run a VSS restore: the
// IVssBackupComponents calls InitializeForRestore, SetSelectedForRestore,
// PreRestore and PostRestore, between which the writers prepare for the
// restore and then take back their restored files.
//
// A restore session runs, in this order:
//
//	InitializeForRestore                  instead of InitializeForBackup
//	GatherWriterMetadata, WriterMetadata  Identify, as in a backup
//	SetSelectedForRestore                 component mode, per component
//	SetRestoreState, AddRestoreSubcomponent, SetRestoreOptions,
//	SetAdditionalRestores, AddNewTarget   what to restore and how
//	PreRestore                            the PreRestore event
//	WriterComponents                      the writers' restore targets
//	(the tool puts the files back)
//	SetFileRestoreStatus, AddAlternativeLocationMapping
//	                                      how it went, per component
//	PostRestore                           the PostRestore event
//	GatherWriterStatus, WriterStatus      how the writers fared
//	Close
//
// No shadow copy is made in a restore: the snapshot set and backup calls
// (StartSnapshotSet to BackupComplete) belong to backup sessions, and so
// does AbortBackup: a restore has no Abort. A writer's failure shows in
// its status, never as a call's error. Once PostRestore has run, the
// calls that change the document fail with vss.ErrBadState.
//
// The calls that name a component take the writer's class ID (not its
// instance: the restore may run where the writer is a new instance) and
// the component's key, as AddComponent added it; a component not in the
// document, or whose writer is not running, is vss.ErrObjectNotFound.
type Restorer interface {
	// InitializeForRestore starts a restore session from the backup
	// components document the backup saved (Requestor.SaveAsXML), in
	// place of InitializeForBackup. The document is loaded as it is; it
	// must not be edited. It fails with vss.ErrInvalidXMLDocument when
	// the document does not load, vss.ErrAccessDenied without backup
	// rights, and vss.ErrBadState when the session was already
	// initialized (for backup or restore).
	InitializeForRestore(ctx context.Context, bcdXML string) error

	// SetSelectedForRestore selects (or deselects) a component of the
	// backup for restore, in component mode. Only components added with
	// AddComponent at backup time can be selected; a component that is
	// part of a component set is restored by selecting its closest
	// ancestor that was added. Legal after GatherWriterMetadata, before
	// PreRestore. It fails with vss.ErrObjectNotFound when the component
	// is not in the backup components document or its writer is not
	// running, and vss.ErrInvalidArg for an invalid key. A running writer
	// none of whose components is selected receives no further events in
	// this restore.
	SetSelectedForRestore(ctx context.Context, writerClass vss.ID, key writer.ComponentKey, selected bool) error

	// PreRestore sends the PreRestore event to the writers, so they
	// prepare for their files to be replaced, and waits for them. Legal
	// after GatherWriterMetadata, once every SetSelectedForRestore is
	// made. A writer's failure does not fail the call: it
	// shows in GatherWriterStatus as vss.WriterFailedAtPreRestore. The
	// call is asynchronous in VSS (IVssAsync): it honours ctx, and when
	// ctx ends the operation is cancelled and the error wraps ctx's error.
	PreRestore(ctx context.Context) error

	// PostRestore sends the PostRestore event to the writers, once the
	// tool has put the files back, and waits for the writers to finish
	// their clean-up. Legal after PreRestore. As with
	// PreRestore, a writer's failure shows in GatherWriterStatus (as
	// vss.WriterFailedAtPostRestore), not as the call's error, and ctx
	// cancels the call. The session must stay open until PostRestore
	// returns: the writers read the backup components document while
	// they handle the event.
	PostRestore(ctx context.Context) error

	// AddRestoreSubcomponent restores, on its own, a subcomponent of the
	// component set that component key defines: a component of the
	// writer's metadata at logical path subLogicalPath named subName,
	// which must be selectable for restore (vss.ErrInvalidArg
	// otherwise). Legal after GatherWriterMetadata, before PreRestore.
	AddRestoreSubcomponent(ctx context.Context, writerClass vss.ID, key writer.ComponentKey, subLogicalPath, subName string) error

	// SetRestoreOptions hands the writer a private string of restore
	// options for the component. Legal after GatherWriterMetadata,
	// before PreRestore.
	SetRestoreOptions(ctx context.Context, writerClass vss.ID, key writer.ComponentKey, options string) error

	// SetAdditionalRestores tells the writer whether more restores of
	// the component (incremental, differential, log) will follow this
	// one, so that it does not recover its data yet. Legal after
	// GatherWriterMetadata, before PreRestore.
	SetAdditionalRestores(ctx context.Context, writerClass vss.ID, key writer.ComponentKey, additional bool) error

	// AddNewTarget says that the files of file set files (Path, Spec and
	// Recursive as the writer declared them for the component or a
	// subcomponent of its set) will be restored to files.AlternatePath
	// instead of where they were. A file set the writer did not declare
	// is vss.ErrObjectNotFound. Legal after GatherWriterMetadata, before
	// PreRestore.
	AddNewTarget(ctx context.Context, writerClass vss.ID, key writer.ComponentKey, files writer.FileSpec) error

	// AddAlternativeLocationMapping says that the files of file set files
	// were restored to files.AlternatePath, an alternate location
	// mapping of the writer's metadata, as the restore method
	// VSS_RME_RESTORE_TO_ALTERNATE_LOCATION or the restore target
	// VSS_RT_ALTERNATE asks. A file set the writer did not declare is
	// vss.ErrObjectNotFound. Legal after GatherWriterMetadata, before
	// PostRestore.
	AddAlternativeLocationMapping(ctx context.Context, writerClass vss.ID, key writer.ComponentKey, files writer.FileSpec) error

	// SetFileRestoreStatus says how much of the component was restored:
	// vss.FileRestoreAll, vss.FileRestoreFailed (some files) or
	// vss.FileRestoreNone. Legal between PreRestore and PostRestore.
	SetFileRestoreStatus(ctx context.Context, writerClass vss.ID, key writer.ComponentKey, status vss.FileRestoreStatus) error

	// SetRestoreState sets the restore's type (VSS_RESTORE_TYPE), which
	// the writers read at PreRestore and PostRestore; without it the
	// type is VSS_RTYPE_UNDEFINED, which writers treat as
	// VSS_RTYPE_BY_COPY. Legal after InitializeForRestore, before
	// PreRestore; a value that is no restore type is vss.ErrInvalidArg.
	SetRestoreState(ctx context.Context, t vss.RestoreType) error

	// WriterComponents returns the writers' parts of the backup
	// components document as they stand (GetWriterComponents): after
	// PreRestore each component carries the restore target its writer
	// set (writer.Component.RestoreTarget), which overrides the writer's
	// restore method. Legal once InitializeForRestore has succeeded.
	WriterComponents(ctx context.Context) ([]*WriterComponents, error)
}

// Querier is a session that can list the shadow copies on the system:
// IVssBackupComponents::Query for VSS_OBJECT_SNAPSHOT.
type Querier interface {
	// Query returns the completed shadow copies that are in the
	// session's context: those of the context set with SetContext
	// (vss.ContextBackup when SetContext was not called), or every shadow
	// copy with vss.ContextAll. Shadow copies still being created are not
	// listed. Legal in a backup session, after InitializeForBackup; in a
	// restore session, or before InitializeForBackup, it fails with
	// vss.ErrBadState. It fails with vss.ErrAccessDenied without backup
	// rights, and with vss.ErrProviderVeto or
	// vss.ErrUnexpectedProviderError when a provider fails the query.
	// An empty result is not an error.
	Query(ctx context.Context) ([]provider.Snapshot, error)
}

// MetadataSaver is a session that can hand out the writer metadata
// documents it gathered as XML, the form a backup stores with its data
// (step 11) and a later restore loads again
// (CreateVssExamineWriterMetadata) to learn each writer's components,
// files and restore method. Requestor.WriterMetadata returns the same
// documents parsed.
type MetadataSaver interface {
	// WriterMetadataXML returns the writer metadata documents gathered by
	// the last GatherWriterMetadata, one per writer that answered
	// Identify, in the order of WriterMetadata, each as the writer's
	// IVssExamineWriterMetadata::SaveAsXML wrote it: store them unchanged.
	// Legal once GatherWriterMetadata has succeeded, for the rest of the
	// session (PrepareForBackup releasing VSS's copies does not lose
	// them); before that it fails with vss.ErrBadState.
	WriterMetadataXML(ctx context.Context) ([]string, error)
}

// WriterChooser is a session that can choose which writers take part in
// a backup before VSS asks them for their metadata: the
// IVssBackupComponents calls EnableWriterClasses, DisableWriterClasses
// and DisableWriterInstances. A writer left out gets no event of the
// session, Identify included: it is absent from WriterMetadata and from
// GatherWriterStatus, and is not frozen.
//
// The calls take effect only between InitializeForBackup and
// GatherWriterMetadata; made later they succeed and change nothing, as
// Microsoft's pages say ("the call ... has no effect"). Before
// InitializeForBackup they fail with vss.ErrBadState, and with an empty
// list with vss.ErrInvalidArg (VSS takes "one or more" identifiers). With
// none of them called, every writer is enabled.
type WriterChooser interface {
	// EnableWriterClasses enables the writer classes named. The first
	// call enables only those classes and disables every other (undoing
	// earlier DisableWriterClasses calls); later calls add classes.
	EnableWriterClasses(ctx context.Context, classes []vss.ID) error

	// DisableWriterClasses disables the writer classes named, every
	// instance of each. Before any EnableWriterClasses, the first call
	// disables those classes and leaves every other enabled, and later
	// calls add to them; after EnableWriterClasses it takes the classes
	// named away from the enabled ones.
	DisableWriterClasses(ctx context.Context, classes []vss.ID) error

	// DisableWriterInstances disables the writer instances named,
	// leaving the other instances of their classes as they are.
	DisableWriterInstances(ctx context.Context, instances []vss.ID) error
}

// Exclusion is a writer or a component that VSS left out of a backup,
// and why, as diskshadow reports a writer or a component "excluded".
type Exclusion struct {
	WriterInstance vss.ID // the writer instance
	WriterClass    vss.ID // the writer class
	Writer         string // the writer name
	// Component is the component left out; the zero key when the whole
	// writer was left out.
	Component writer.ComponentKey
	// Volume is, for a component left out because files of it lie on a
	// volume outside the snapshot set, that volume; empty otherwise.
	Volume string
	// Reason says why, for people.
	Reason string
}

// ExclusionReporter is a session that can say which writers and
// components it left out of the backup, and why: writers disabled with
// WriterChooser, writers with no component selected in component mode,
// and selected components whose files lie on a volume not in the snapshot
// set (a writer left with no component is then left out too), so that a
// backup never silently holds a component whose files were not shadow
// copied.
//
// The coordinator implements it. The Windows requestor does not: the real
// VSS service reports no such list, and a tool there checks the
// components' file paths against the volumes it added itself, as
// diskshadow does.
type ExclusionReporter interface {
	// Exclusions returns what was left out so far, in the order it was
	// decided: writers at GatherWriterMetadata and PrepareForBackup,
	// components at PrepareForBackup. It is legal at any point of the
	// session, even after Close, and does not fail.
	Exclusions(ctx context.Context) ([]Exclusion, error)
}

// IncrementalBackuper is a session that can run incremental and
// differential backups, and pass writers options of their own: the
// IVssBackupComponents calls SetPreviousBackupStamp and SetBackupOptions,
// which record, for a component selected with AddComponent, what the
// writer reads at PrepareBackup (writer.Component.PreviousBackupStamp
// and BackupOptions, as IVssComponent::GetPreviousBackupStamp and
// GetBackupOptions give them) and what the backup components document
// keeps.
//
// An incremental or differential backup, as Microsoft's "Requestor Role
// in VSS Incremental and Differential Backups" describes it: the
// requestor reads each component's backup stamp from the document of the
// previous backup (BackupDocument.Component(...).BackupStamp), selects
// the component again, hands the stamp back with SetPreviousBackupStamp
// before PrepareForBackup, and the writer, which recorded the stamp at
// PostSnapshot, uses it to say what changed since (differenced or partial
// files) and records a new stamp for the next backup.
type IncrementalBackuper interface {
	// SetPreviousBackupStamp records the backup stamp of a previous
	// backup of a component, for an incremental or differential backup.
	// The component is named by its writer's class, as Windows names it,
	// and must have been added with AddComponent (else
	// vss.ErrObjectNotFound). Legal after AddComponent, before
	// PrepareForBackup; elsewhere vss.ErrBadState.
	SetPreviousBackupStamp(ctx context.Context, writerClass vss.ID, key writer.ComponentKey, stamp string) error

	// SetBackupOptions records options for a component's writer, in that
	// writer's own syntax. The same rules as SetPreviousBackupStamp's
	// apply.
	SetBackupOptions(ctx context.Context, writerClass vss.ID, key writer.ComponentKey, options string) error
}

// Sleeper is a session with a clock of its own: Backup waits through it
// between the attempts of a retried backup (Plan.Retry), so that a
// simulated session waits in its virtual time, not the wall clock's.
// Backup waits on a real timer for a session that is not a Sleeper.
type Sleeper interface {
	// Sleep returns after d has passed on the session's clock, or with
	// an error wrapping ctx's when ctx ends first. It may be called at
	// any time between the session's calls, never during one.
	Sleep(ctx context.Context, d time.Duration) error
}
