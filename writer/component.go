package writer

import (
	"strings"
	"time"

	"github.com/vsskit/vss"
)

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
	// BackupStamp is what the writer recorded, typically at PostSnapshot
	// (IVssComponent::SetBackupStamp, SetBackupStamp): in the writer's own
	// format, when this backup took place. The requestor stores it in the
	// backup components document and hands it back with
	// SetPreviousBackupStamp to a later incremental or differential
	// backup.
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

	// Failure is the failure the writer recorded for this component
	// (IVssComponentEx2::SetFailure, SetFailure); nil when it recorded
	// none. The requestor reads it as IVssComponentEx2::GetFailure gives
	// it.
	Failure *Failure
	// PartialFiles are the parts of files the writer asks to be backed up
	// instead of the whole files (IVssComponent::AddPartialFile).
	PartialFiles []PartialFile
	// DifferencedFiles are file sets the writer asks to be backed up only
	// if changed since a time
	// (IVssComponent::AddDifferencedFilesByLastModifyTime).
	DifferencedFiles []DifferencedFile
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

// PartialFile is a file of which only some byte ranges are to be backed
// up (IVssComponent::AddPartialFile, GetPartialFile): a partial file
// operation, for writers of large files that change in place, used when
// the requestor enabled partial file support.
type PartialFile struct {
	// Path is the file's directory and Name its name (no wildcards).
	Path, Name string
	// Ranges lists the ranges to back up, "offset:length" pairs separated
	// by commas (decimal or hexadecimal 64-bit integers), or names a
	// ranges file that holds them.
	Ranges string
	// Metadata is private data the writer needs to check a restore of the
	// partial file; requestors store it unread.
	Metadata string
	Unknown  Unknown
}

// DifferencedFile is a file set to be backed up only if its files were
// changed after LastModifyTime
// (IVssComponent::AddDifferencedFilesByLastModifyTime, GetDifferencedFile):
// how writers that support the last-modify schema (vss.SchemaLastModify)
// take part in incremental and differential backups.
type DifferencedFile struct {
	Path      string
	Spec      string
	Recursive bool
	// LastModifyTime is the time of the last backup of the files, in UTC.
	LastModifyTime time.Time
	Unknown        Unknown
}

// Clone returns a copy of c that shares nothing mutable with it.
func (c *Component) Clone() *Component {
	cc := *c
	if c.Failure != nil {
		f := *c.Failure
		cc.Failure = &f
	}
	cc.PartialFiles = append([]PartialFile(nil), c.PartialFiles...)
	cc.DifferencedFiles = append([]DifferencedFile(nil), c.DifferencedFiles...)
	return &cc
}

// SetBackupStamp records when this backup took place, in the writer's
// own format (IVssComponent::SetBackupStamp), typically at PostSnapshot.
//
// What a writer records in its components is kept in the backup
// components document only at the events where Microsoft's pages let a
// writer record it: a backup stamp, backup metadata and differenced files
// from PrepareBackup to PostSnapshot (VSS answers VSS_E_BAD_STATE at
// BackupComplete and BackupShutdown), partial files at any backup event,
// a failure at any event after Identify.
func (c *Component) SetBackupStamp(stamp string) { c.BackupStamp = stamp }

// SetFailure records a failure of this component alone
// (IVssComponentEx2::SetFailure): code is vss.OK or one of the codes
// Event.SetWriterFailure accepts, application and message are the
// application's code and text. As Microsoft's page says, a writer that
// fails components also reports it with Event.SetWriterFailureEx and
// vss.ErrWriterPartialFailure; SetFailure alone does not fail the writer.
// It fails with vss.ErrInvalidArg for another code, recording nothing.
func (c *Component) SetFailure(code, application vss.HRESULT, message string) error {
	const op = "SetFailure"
	if !componentFailureCode(code) {
		return vss.Errorf(vss.ErrInvalidArg, op, "%v is not a component failure SetFailure accepts", code)
	}
	c.Failure = &Failure{Code: code, Application: application, Message: message}
	return nil
}

// AddPartialFile asks for only the byte ranges of file path\name to be
// backed up (IVssComponent::AddPartialFile). The name holds no wildcard
// and ranges is required. It fails with vss.ErrInvalidArg for a bad
// argument.
func (c *Component) AddPartialFile(path, name, ranges, metadata string) error {
	const op = "AddPartialFile"
	switch {
	case path == "" || name == "":
		return vss.Errorf(vss.ErrInvalidArg, op, "a partial file needs a path and a name")
	case strings.ContainsAny(name, `*?\/`) || strings.ContainsAny(path, "*?"):
		return vss.Errorf(vss.ErrInvalidArg, op, "partial file %s\\%s: no wildcards, and the name holds no separator", path, name)
	case ranges == "":
		return vss.Errorf(vss.ErrInvalidArg, op, "partial file %s\\%s needs its ranges", path, name)
	}
	c.PartialFiles = append(c.PartialFiles, PartialFile{Path: path, Name: name, Ranges: ranges, Metadata: metadata})
	return nil
}

// AddDifferencedFilesByLastModifyTime asks for the files of a file set to
// be backed up only if changed after t
// (IVssComponent::AddDifferencedFilesByLastModifyTime); the writer must
// support vss.SchemaLastModify. The path holds no wildcard, the
// specification no separator. It fails with vss.ErrInvalidArg for a bad
// argument.
func (c *Component) AddDifferencedFilesByLastModifyTime(path, spec string, recursive bool, t time.Time) error {
	const op = "AddDifferencedFilesByLastModifyTime"
	switch {
	case path == "" || spec == "":
		return vss.Errorf(vss.ErrInvalidArg, op, "a differenced file set needs a path and a file specification")
	case strings.ContainsAny(path, "*?") || strings.ContainsAny(spec, `\/`):
		return vss.Errorf(vss.ErrInvalidArg, op, "file set %s\\%s: no wildcards in the path, no separator in the specification", path, spec)
	}
	c.DifferencedFiles = append(c.DifferencedFiles, DifferencedFile{Path: path, Spec: spec, Recursive: recursive, LastModifyTime: t.UTC()})
	return nil
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
