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
