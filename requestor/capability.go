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
//	PreRestore                            the PreRestore event
//	(the tool puts the files back)
//	PostRestore                           the PostRestore event
//	GatherWriterStatus, WriterStatus      how the writers fared
//	Close
//
// No shadow copy is made in a restore: the snapshot set and backup calls
// (StartSnapshotSet to BackupComplete) belong to backup sessions.
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
