package coordinator

import "fmt"

// Phase is where a backup session is in the protocol. Each phase accepts
// the requestor calls listed below, and Close, which is legal in every
// phase; any other call fails with vss.ErrBadState and changes nothing.
// A call that succeeds may move the session on to the phase its constant
// names.
//
//	New               InitializeForBackup, InitializeForRestore
//	Initialized       SetContext, SetBackupState, GatherWriterMetadata,
//	                  AbortBackup, DeleteSnapshots, EnableWriterClasses,
//	                  DisableWriterClasses, DisableWriterInstances
//	MetadataGathered  SetContext, SetBackupState, WriterMetadata,
//	                  StartSnapshotSet, AddToSnapshotSet, AddComponent,
//	                  SetPreviousBackupStamp, SetBackupOptions,
//	                  PrepareForBackup, GatherWriterStatus, WriterStatus,
//	                  AbortBackup, DeleteSnapshots, EnableWriterClasses,
//	                  DisableWriterClasses, DisableWriterInstances
//	BackupPrepared    WriterMetadata, StartSnapshotSet, AddToSnapshotSet,
//	                  DoSnapshotSet, GatherWriterStatus, WriterStatus,
//	                  AbortBackup, DeleteSnapshots, SaveAsXML,
//	                  EnableWriterClasses, DisableWriterClasses,
//	                  DisableWriterInstances
//	SnapshotCreated   WriterMetadata, GatherWriterStatus, WriterStatus,
//	                  GetSnapshotProperties, SnapshotFS, SetBackupSucceeded,
//	                  BackupComplete, AbortBackup, DeleteSnapshots, SaveAsXML,
//	                  EnableWriterClasses, DisableWriterClasses,
//	                  DisableWriterInstances
//	BackupCompleted   WriterMetadata, GatherWriterStatus, WriterStatus,
//	                  GetSnapshotProperties, SnapshotFS, DeleteSnapshots,
//	                  SaveAsXML, EnableWriterClasses, DisableWriterClasses,
//	                  DisableWriterInstances
//	Aborted           WriterMetadata, GatherWriterStatus, WriterStatus,
//	                  GetSnapshotProperties, SnapshotFS, AbortBackup,
//	                  DeleteSnapshots, SaveAsXML, EnableWriterClasses,
//	                  DisableWriterClasses, DisableWriterInstances
//	RestoreInitialized    GatherWriterMetadata, WriterComponents,
//	                  SetRestoreState
//	RestoreMetadataGathered  WriterMetadata, WriterComponents,
//	                  SetRestoreState, SetSelectedForRestore, AddRestoreSubcomponent,
//	                  SetRestoreOptions, SetAdditionalRestores,
//	                  AddAlternativeLocationMapping, AddNewTarget,
//	                  PreRestore, GatherWriterStatus, WriterStatus
//	Restoring         WriterMetadata, WriterComponents,
//	                  AddAlternativeLocationMapping, SetFileRestoreStatus,
//	                  PostRestore, GatherWriterStatus, WriterStatus
//	Restored          WriterMetadata, WriterComponents,
//	                  GatherWriterStatus, WriterStatus
//	Closed            (only Close, which then does nothing)
//
// EnableWriterClasses, DisableWriterClasses and DisableWriterInstances
// take effect only before GatherWriterMetadata; later they succeed and
// change nothing, as Microsoft's pages of those calls say.
//
// Within MetadataGathered, AddComponent is legal only until
// StartSnapshotSet, and SetContext only until the first AddToSnapshotSet;
// later they fail with vss.ErrBadState.
//
// In a context without writers (vss.ContextFileShareBackup,
// vss.ContextNASRollback) GatherWriterMetadata is optional, so
// StartSnapshotSet, AddToSnapshotSet and DoSnapshotSet are legal in
// Initialized too, and DoSnapshotSet in MetadataGathered, without
// PrepareForBackup, which such a context refuses (Microsoft's "Shadow
// Copy Creation Details").
//
// A session is a backup or a restore from its first call: InitializeForRestore
// leads to the Restore phases, where no backup call is legal, AbortBackup
// included (a restore has no Abort), and once PostRestore has run the
// backup components document is read-only (Restored).
type Phase int

// The phases of a backup session, in protocol order.
const (
	// PhaseNew: the session exists; only InitializeForBackup (and Close)
	// is legal.
	PhaseNew Phase = iota
	// PhaseInitialized: InitializeForBackup succeeded (step 1).
	PhaseInitialized
	// PhaseMetadataGathered: writers answered Identify (steps 1 and 4).
	PhaseMetadataGathered
	// PhaseBackupPrepared: writers answered PrepareBackup (step 3).
	PhaseBackupPrepared
	// PhaseSnapshotCreated: DoSnapshotSet created the set (steps 5 to 9).
	PhaseSnapshotCreated
	// PhaseBackupCompleted: BackupComplete was delivered (step 11).
	PhaseBackupCompleted
	// PhaseAborted: the backup was aborted (AbortBackup, a failed set or a
	// cancelled call); what remains legal asks for status, metadata,
	// shadow copies or the document, deletes shadow copies, or ends the
	// session.
	PhaseAborted
	// PhaseRestoreInitialized: InitializeForRestore loaded the backup
	// components document of the backup to restore.
	PhaseRestoreInitialized
	// PhaseRestoreMetadataGathered: writers answered Identify in a
	// restore; the requestor chooses what to restore and how.
	PhaseRestoreMetadataGathered
	// PhaseRestoring: the writers answered PreRestore; the requestor puts
	// the files back and reports how it went.
	PhaseRestoring
	// PhaseRestored: the writers answered PostRestore; the backup
	// components document is read-only.
	PhaseRestored
	// PhaseClosed: the session ended; every call but Close fails, and
	// Close does nothing more.
	PhaseClosed
)

var phaseNames = [...]string{
	PhaseNew: "New", PhaseInitialized: "Initialized", PhaseMetadataGathered: "MetadataGathered",
	PhaseBackupPrepared: "BackupPrepared", PhaseSnapshotCreated: "SnapshotCreated",
	PhaseBackupCompleted: "BackupCompleted", PhaseAborted: "Aborted", PhaseClosed: "Closed",
	PhaseRestoreInitialized: "RestoreInitialized", PhaseRestoreMetadataGathered: "RestoreMetadataGathered",
	PhaseRestoring: "Restoring", PhaseRestored: "Restored",
}

func (p Phase) String() string {
	if p >= 0 && int(p) < len(phaseNames) {
		return phaseNames[p]
	}
	return fmt.Sprintf("Phase(%d)", int(p))
}

// legalCalls is the protocol's transition table: the requestor calls each
// phase accepts, as Phase's documentation lists them (a test keeps the two
// in step). A call's success moves the session to the phase named in its
// handler (Machine.begin); calls not listed fail with vss.ErrBadState.
// Close is legal in every phase.
var legalCalls = map[Phase][]CallKind{
	// The writer choice calls are added to every backup phase but New
	// below (see choiceCalls).
	PhaseNew: {CallInitializeForBackup, CallInitializeForRestore},
	PhaseInitialized: {CallSetContext, CallSetBackupState, CallGatherWriterMetadata, CallAbortBackup,
		CallDeleteSnapshots},
	PhaseMetadataGathered: {CallSetContext, CallSetBackupState, CallWriterMetadata, CallStartSnapshotSet, CallAddToSnapshotSet,
		CallAddComponent, CallPrepareForBackup, CallGatherWriterStatus, CallWriterStatus, CallAbortBackup,
		CallDeleteSnapshots, CallSetPreviousBackupStamp, CallSetBackupOptions},
	PhaseBackupPrepared: {CallWriterMetadata, CallStartSnapshotSet, CallAddToSnapshotSet, CallDoSnapshotSet,
		CallGatherWriterStatus, CallWriterStatus, CallAbortBackup, CallDeleteSnapshots, CallSaveAsXML},
	PhaseSnapshotCreated: {CallWriterMetadata, CallGatherWriterStatus, CallWriterStatus, CallGetSnapshotProperties,
		CallSnapshotFS, CallSetBackupSucceeded, CallBackupComplete, CallAbortBackup, CallDeleteSnapshots,
		CallSaveAsXML},
	PhaseBackupCompleted: {CallWriterMetadata, CallGatherWriterStatus, CallWriterStatus, CallGetSnapshotProperties,
		CallSnapshotFS, CallDeleteSnapshots, CallSaveAsXML},
	PhaseAborted: {CallWriterMetadata, CallGatherWriterStatus, CallWriterStatus, CallGetSnapshotProperties,
		CallSnapshotFS, CallAbortBackup, CallDeleteSnapshots, CallSaveAsXML},
	PhaseRestoreInitialized: {CallGatherWriterMetadata, CallWriterComponents, CallSetRestoreState},
	PhaseRestoreMetadataGathered: {CallWriterMetadata, CallWriterComponents, CallSetRestoreState, CallSetSelectedForRestore,
		CallAddRestoreSubcomponent, CallSetRestoreOptions, CallSetAdditionalRestores,
		CallAddAlternativeLocationMapping, CallAddNewTarget, CallPreRestore, CallGatherWriterStatus, CallWriterStatus},
	PhaseRestoring: {CallWriterMetadata, CallWriterComponents, CallAddAlternativeLocationMapping,
		CallSetFileRestoreStatus, CallPostRestore, CallGatherWriterStatus, CallWriterStatus},
	PhaseRestored: {CallWriterMetadata, CallWriterComponents, CallGatherWriterStatus, CallWriterStatus},
	PhaseClosed:   {},
}

// choiceCalls choose the writers of the session: legal once a backup
// session is initialized and until it is closed; in a restore they fail
// with VSS_E_BAD_STATE, "called during a restore operation" (Microsoft's
// EnableWriterClasses page).
var choiceCalls = []CallKind{CallEnableWriterClasses, CallDisableWriterClasses, CallDisableWriterInstances}

// legalMask is legalCalls as one bit per call (1<<CallKind) for each
// phase, for Legal.
var legalMask = func() (m [PhaseClosed + 1]uint64) {
	for p, calls := range legalCalls {
		for _, c := range calls {
			m[p] |= 1 << c
		}
		if p != PhaseNew && p < PhaseRestoreInitialized {
			for _, c := range choiceCalls {
				m[p] |= 1 << c
			}
		}
	}
	return m
}()

// legalWithoutWriters reports whether call is legal in the current phase
// only because the context has no writers: "Requesters may call
// GatherWriterMetadata, but this is not required", and PrepareForBackup
// fails in such a context, so the snapshot set calls come straight after
// InitializeForBackup (Microsoft's "Shadow Copy Creation Details").
func (m *Machine) legalWithoutWriters(call CallKind) bool {
	if m.sc.WithWriters() {
		return false
	}
	switch m.phase {
	case PhaseInitialized:
		return call == CallStartSnapshotSet || call == CallAddToSnapshotSet || call == CallDoSnapshotSet
	case PhaseMetadataGathered:
		return call == CallDoSnapshotSet
	}
	return false
}

// Legal reports whether call is legal in phase p.
func (p Phase) Legal(call CallKind) bool {
	if call == CallClose {
		return true
	}
	return p >= 0 && int(p) < len(legalMask) && call >= 0 && call < 64 && legalMask[p]&(1<<call) != 0
}
