package requestor

import (
	"context"

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
