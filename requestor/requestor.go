// Package requestor is the requestor side of the Volume Shadow Copy
// Service: the IVssBackupComponents calls a backup application makes, as
// the Requestor interface, and Backup, a workflow that runs the whole
// sequence correctly over any Requestor; Restore runs a restore of a
// stored backup (a Media) through any Restorer, into a Target.
//
// A Requestor is one backup session. Two implementations exist: a
// coordinator session (package coordinator), which runs the VSS protocol
// in process against Go writers and providers, in the simulator or for
// real; and, on Windows, the real VSS service through its COM API. A tool
// written against Requestor runs unchanged on both.
//
// # Capabilities
//
// Some IVssBackupComponents calls are not part of every Requestor; they
// come in small interfaces named by what they let a tool do: Restorer
// (InitializeForRestore to PostRestore: a restore session),
// Querier (Query), MetadataSaver (WriterMetadataXML), WriterChooser
// (EnableWriterClasses, DisableWriterClasses, DisableWriterInstances) and
// ExclusionReporter (Exclusions: the writers and components left out of
// the backup, and why) and IncrementalBackuper (SetPreviousBackupStamp,
// SetBackupOptions). A tool that
// needs one type-asserts the capability, not the platform:
//
//	if rs, ok := r.(requestor.Restorer); ok {
//		err = rs.InitializeForRestore(ctx, bcdXML)
//	}
//
// so that it works with every session that has the capability. Windows,
// which NewWindows returns, has them all but ExclusionReporter (VSS has
// no call that reports exclusions), which coordinator sessions have;
// asserting Windows ties a tool to the real VSS for no gain.
//
// # Calls and states
//
// The calls follow the eleven steps of a VSS backup, in this order:
//
//	InitializeForBackup, SetContext, SetBackupState   step 1
//	GatherWriterMetadata, WriterMetadata              steps 1, 3, 4
//	AddComponent (component mode)                     step 4
//	StartSnapshotSet, AddToSnapshotSet                step 2
//	PrepareForBackup                                  step 3
//	DoSnapshotSet                                     steps 5 to 9
//	GatherWriterStatus, WriterStatus                  step 10
//	GetSnapshotProperties, SnapshotFS                 step 10
//	SetBackupSucceeded, BackupComplete                step 11
//
// A call out of this order fails with vss.ErrBadState. AbortBackup is
// legal after InitializeForBackup and ends the backup. Close ends the session,
// whatever its state; a session is single use.
//
// # Long calls and cancellation
//
// GatherWriterMetadata, PrepareForBackup, DoSnapshotSet,
// GatherWriterStatus and BackupComplete are asynchronous in VSS
// (IVssAsync); here they block until done and honour ctx. When ctx ends
// during DoSnapshotSet, the set is aborted before the call returns: no
// writer is left frozen and no shadow copy of the set remains.
//
// # Document limits
//
// ParseBackupDocument reads a document that may come from wherever a
// backup was stored, and refuses, before building anything, one over
// these limits, which are this library's choices (Windows documents
// none):
//
//	size        32 MiB (33,554,432 bytes), as stored
//	depth       64 nested elements
//	elements    500,000
//	attributes  2,000,000, all elements together, namespace declarations included
//
// A document within them is read in linear time and memory. The error
// matches vss.ErrInvalidXMLDocument and names the limit. A document must
// also be well-formed XML: one root element (BACKUP_COMPONENTS, in its
// namespace or in none), each attribute once, namespace prefixes
// declared, UTF-16 without lone surrogates, no document type
// declaration. BackupDocument.XML refuses to write what
// ParseBackupDocument would refuse to read.
package requestor

import (
	"context"
	"io/fs"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/writer"
)

// Requestor is one VSS backup session: the IVssBackupComponents calls a
// backup needs. Calls must not be made concurrently, except that any call
// may be made while DoSnapshotSet runs (and gets vss.ErrSnapshotSetInProgress
// or vss.ErrBadState).
type Requestor interface {
	// InitializeForBackup starts the session (step 1). bcdXML is empty for
	// a new backup, or a backup components document saved earlier.
	InitializeForBackup(ctx context.Context, bcdXML string) error

	// SetContext chooses the kind of shadow copy (default
	// vss.ContextBackup). Legal once, after InitializeForBackup (before or
	// after GatherWriterMetadata), before AddToSnapshotSet; a second call
	// is vss.ErrBadState.
	SetContext(ctx context.Context, sc vss.SnapshotContext) error

	// SetBackupState declares the backup (step 1). Legal after
	// InitializeForBackup, before PrepareForBackup.
	SetBackupState(ctx context.Context, s BackupState) error

	// GatherWriterMetadata sends Identify to every writer (steps 1 and 3).
	// It is optional in a context without writers, where
	// StartSnapshotSet may follow InitializeForBackup directly.
	GatherWriterMetadata(ctx context.Context) error

	// WriterMetadata returns the writer metadata documents gathered, one per
	// writer that answered Identify (step 4).
	WriterMetadata(ctx context.Context) ([]*writer.Metadata, error)

	// StartSnapshotSet starts a new shadow copy set and returns its ID
	// (step 2). Legal after GatherWriterMetadata (after
	// InitializeForBackup in a context without writers).
	StartSnapshotSet(ctx context.Context) (vss.ID, error)

	// AddToSnapshotSet adds a volume to the set and returns the ID its
	// shadow copy will have (step 2). providerID may be vss.NilID to let
	// VSS choose. At most 64 volumes; a volume no provider supports is
	// vss.ErrVolumeNotSupported; a volume added twice is
	// vss.ErrObjectAlreadyExists (the coordinator's choice: Microsoft
	// documents no code for it).
	AddToSnapshotSet(ctx context.Context, volume string, providerID vss.ID) (vss.ID, error)

	// AddComponent selects a writer's component for backup, in component
	// mode (step 4). Legal after GatherWriterMetadata, before
	// StartSnapshotSet ("it must call AddComponent before calling
	// StartSnapshotSet", Microsoft's "Shadow Copy Creation Details");
	// later it fails with vss.ErrBadState. A writer none of whose components is added before
	// PrepareForBackup takes no part in a component-mode backup: it gets
	// no event after Identify. In a context without writers it fails
	// with vss.ErrBadState.
	AddComponent(ctx context.Context, writerInstance, writerClass vss.ID, key writer.ComponentKey) error

	// PrepareForBackup sends PrepareBackup to the writers (step 3).
	// Legal after SetBackupState and StartSnapshotSet; in a context
	// without writers it fails with vss.ErrBadState, and DoSnapshotSet
	// follows without it.
	PrepareForBackup(ctx context.Context) error

	// DoSnapshotSet creates the shadow copy set (steps 5 to 9): writers
	// prepare, freeze, the providers commit, the writers thaw. A writer's
	// failure does not fail the call; check GatherWriterStatus. A provider's
	// failure does, and then no shadow copy of the set remains. A set
	// with no volume is allowed: the writers get their events and no
	// shadow copy is made.
	DoSnapshotSet(ctx context.Context) error

	// GatherWriterStatus collects the state of every writer that
	// answered Identify (step 10); a writer that failed Identify is not
	// listed.
	GatherWriterStatus(ctx context.Context) error

	// WriterStatus returns the states gathered by the last
	// GatherWriterStatus.
	WriterStatus(ctx context.Context) ([]WriterStatus, error)

	// GetSnapshotProperties returns a shadow copy's properties (step 10).
	GetSnapshotProperties(ctx context.Context, snapshotID vss.ID) (provider.Snapshot, error)

	// SnapshotFS returns the contents of a shadow copy for reading (step 10).
	SnapshotFS(ctx context.Context, snapshotID vss.ID) (fs.FS, error)

	// SetBackupSucceeded records whether a selected component was backed
	// up (step 11). Legal after DoSnapshotSet, before BackupComplete.
	SetBackupSucceeded(ctx context.Context, writerInstance, writerClass vss.ID, key writer.ComponentKey, succeeded bool) error

	// BackupComplete tells the writers the backup is stored (step 11).
	// In a context without writers it fails with vss.ErrBadState.
	BackupComplete(ctx context.Context) error

	// AbortBackup ends the backup after a failure: every writer not yet past
	// PostSnapshot receives Abort, and a snapshot set still being built is
	// dropped. It must be called when a backup ends between StartSnapshotSet
	// and the return of DoSnapshotSet; when nothing is under way it is
	// ignored. Legal after InitializeForBackup.
	AbortBackup(ctx context.Context) error

	// DeleteSnapshots deletes a shadow copy or a whole set. It returns how
	// many were deleted.
	DeleteSnapshots(ctx context.Context, id vss.ID, kind provider.ObjectType) (int, error)

	// SaveAsXML returns the backup components document, to be stored with
	// the backup data (step 11).
	SaveAsXML(ctx context.Context) (string, error)

	// Close ends the session: writers receive BackupShutdown, and shadow
	// copies of a non-persistent context are deleted. It is safe to call
	// more than once.
	Close() error
}

// BackupState is what SetBackupState declares.
type BackupState struct {
	// SelectComponents runs a component-mode backup: only the components
	// added with AddComponent are backed up.
	SelectComponents bool
	// BootableSystemState includes the bootable system state.
	BootableSystemState bool
	// Type is the backup type. The zero value, VSS_BT_UNDEFINED, which
	// Microsoft calls an application error, declares vss.BackupFull,
	// Microsoft's "default backup type" (VSS_BACKUP_TYPE): SetBackupState
	// is the VSS call, with its default. The Backup workflow declares
	// vss.BackupCopy unless its Plan says otherwise (see Plan.Type).
	Type vss.BackupType
	// PartialFileSupport allows writers to ask for parts of files.
	PartialFileSupport bool
}

// WriterStatus is one writer's status, as IVssBackupComponents::GetWriterStatus
// reports it after GatherWriterStatus.
type WriterStatus struct {
	InstanceID vss.ID          // the writer instance
	ClassID    vss.ID          // the writer class
	Name       string          // the writer name
	State      vss.WriterState // where the writer is, or where it failed
	// Failure is the writer's failure (a vss.ErrWriter* code, or
	// vss.ErrWriterNotResponding), vss.OK when it did not fail.
	Failure vss.HRESULT
	// FailedAt is the event the writer failed at, zero when it did not.
	FailedAt writer.EventKind
	// Detail says what the failure was, for people (the writer's error
	// text); empty when it did not fail.
	Detail string
	// ApplicationFailure and ApplicationMessage are the application's
	// error code and message the writer recorded with SetWriterFailureEx
	// (hrApplication, wszApplicationMessage), as
	// IVssBackupComponentsEx3::GetWriterStatusEx reports them; vss.OK and
	// "" when it recorded none.
	ApplicationFailure vss.HRESULT
	ApplicationMessage string
	// ComponentFailures are the failures the writer recorded on its
	// selected components with IVssComponentEx2::SetFailure, as
	// IVssComponentEx2::GetFailure reports them, in document order. A
	// writer that fails components also reports Failure
	// vss.ErrWriterPartialFailure (GetWriterStatusEx), but a requestor
	// should read them whatever Failure says.
	//
	// Coordinator sessions fill all three. A Windows session
	// (NewWindows) reads them as those calls give
	// them, on Windows 7 and Windows Server 2008 R2 and later (older VSS
	// lacks both interfaces: they are then empty), and reads
	// ComponentFailures only in a backup that selected components
	// (AddComponent); there a component whose failure reads S_OK, S_OK
	// and no message is taken as not failed.
	ComponentFailures []ComponentFailure
}

// ComponentFailure is one component's failure, as a writer recorded it
// (writer.Component.SetFailure) and IVssComponentEx2::GetFailure gives it
// to the requestor.
type ComponentFailure struct {
	Component writer.ComponentKey
	writer.Failure
}

// Failed reports whether the writer failed.
func (s WriterStatus) Failed() bool { return s.Failure != vss.OK || s.State.Failed() }

// ComponentFailed reports whether the writer recorded a failure for the
// component with key (IVssComponentEx2::GetFailure answering a failure
// code), and returns it.
func (s WriterStatus) ComponentFailed(key writer.ComponentKey) (writer.Failure, bool) {
	for _, f := range s.ComponentFailures {
		if f.Component == key && f.Failed() {
			return f.Failure, true
		}
	}
	return writer.Failure{}, false
}
