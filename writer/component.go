package writer

import "github.com/vsskit/vss"

// Component is a writer's view of one of its components in the backup
// components document (IVssComponent): a component the requestor selected
// for backup or restore, with what the requestor and the writer recorded
// about it.
type Component struct {
	// Type, LogicalPath and Name identify the component within its writer.
	Type        vss.ComponentType
	LogicalPath string
	Name        string
	// BackupSucceeded is what the requestor set with SetBackupSucceeded.
	BackupSucceeded bool
	// BackupStamp is what the writer recorded at PrepareBackup or
	// PostSnapshot (IVssComponent::SetBackupStamp).
	BackupStamp string
	// PreviousBackupStamp is what the requestor set with
	// SetPreviousBackupStamp for an incremental or differential backup.
	PreviousBackupStamp string
	// BackupOptions is the private string the requestor set with
	// SetBackupOptions.
	BackupOptions string
	// BackupMetadata is private data the writer records for restore
	// (IVssComponent::SetBackupMetadata; the BACKUP_METADATA element).
	BackupMetadata string

	// Restore: the private string the requestor set with SetRestoreOptions,
	// whether it selected the component for restore
	// (SetSelectedForRestore) and wants additional restores
	// (SetAdditionalRestores), and the writer's restore metadata
	// (RESTORE_METADATA).
	RestoreOptions     string
	SelectedForRestore bool
	AdditionalRestores bool
	RestoreMetadata    string

	// What a restore session adds to the component (IVssComponent at
	// PreRestore and PostRestore). This library keeps them in the
	// session and hands them to the writer in its events; the backup
	// components document's XML does not carry them.
	//
	// RestoreSubcomponents are the subcomponents the requestor chose to
	// restore on their own (AddRestoreSubcomponent); only their
	// LogicalPath and Name are set.
	RestoreSubcomponents []ComponentKey
	// NewTargets are file sets the requestor restored elsewhere
	// (AddNewTarget): Path, Spec and Recursive name the set as the
	// writer declared it, AlternatePath is where its files went.
	NewTargets []FileSpec
	// AlternateLocations are the alternate location mappings the
	// requestor used (AddAlternativeLocationMapping), in the same form.
	AlternateLocations []FileSpec
	// RestoreTarget is where the writer wants the component restored,
	// set by the writer at PreRestore (IVssComponent::SetRestoreTarget);
	// zero (VSS_RT_UNDEFINED) when it set none, which a requestor treats
	// as VSS_RT_ORIGINAL.
	RestoreTarget vss.RestoreTarget
	// FileRestoreStatus is how much of the component the requestor put
	// back (SetFileRestoreStatus), as the writer sees it at PostRestore.
	FileRestoreStatus vss.FileRestoreStatus
	// PreRestoreFailureMsg and PostRestoreFailureMsg are what the writer
	// says went wrong at PreRestore or PostRestore
	// (IVssComponent::SetPreRestoreFailureMsg, SetPostRestoreFailureMsg).
	PreRestoreFailureMsg, PostRestoreFailureMsg string

	// Unknown keeps what the backup components document held for this
	// component that this model does not know.
	Unknown Unknown
}

// Key returns the component's identity within its writer.
func (c *Component) Key() ComponentKey {
	return ComponentKey{Type: c.Type, LogicalPath: c.LogicalPath, Name: c.Name}
}

// ComponentKey identifies a component within its writer, as AddComponent
// and SetBackupSucceeded name it.
type ComponentKey struct {
	Type        vss.ComponentType
	LogicalPath string
	Name        string
}

// String prints the component's full path, "logical\path\name", or just
// the name when it has no logical path.
func (k ComponentKey) String() string {
	if k.LogicalPath == "" {
		return k.Name
	}
	return k.LogicalPath + `\` + k.Name
}
