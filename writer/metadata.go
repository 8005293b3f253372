package writer

import (
	"github.com/vsskit/vss"
)

// Metadata is a writer metadata document (WMD): what a writer declares
// about itself at Identify and the requestor reads in step 4 through
// GetWriterMetadata (IVssExamineWriterMetadata). A writer fills it in its
// OnIdentify handler with the builder methods (AddComponent, AddFiles,
// AddDatabaseFiles, AddExcludeFiles, SetRestoreMethod, ...), which
// validate as VSS does. ParseMetadata reads a saved document, and XML
// writes one; what this model does not know is kept in the Unknown fields
// and written back, so a round trip loses nothing.
type Metadata struct {
	// Identity, as IVssExamineWriterMetadata::GetIdentity reports it (the
	// IDENTIFICATION element).
	InstanceID   vss.ID
	ClassID      vss.ID
	Name         string
	InstanceName string
	Usage        vss.UsageType
	Source       vss.SourceType
	// MajorVersion and MinorVersion are the writer's version
	// (IVssExamineWriterMetadataEx2::GetVersion).
	MajorVersion, MinorVersion uint32

	// Version is the document format's version (WRITER_METADATA version),
	// "1.2" for documents of current Windows.
	Version string
	// BackupSchema is what the writer supports (VSS_BACKUP_SCHEMA flags,
	// IVssExamineWriterMetadata::GetBackupSchema).
	BackupSchema vss.BackupSchema

	// RestoreMethod is how the writer's files are restored
	// (GetRestoreMethod); nil when the document declares none.
	RestoreMethod *RestoreMethod
	// Components are the writer's components (GetComponent), in
	// document order.
	Components []*ComponentInfo
	// ExcludeFiles are files left out of the backup (GetExcludeFile).
	ExcludeFiles []FileSpec
	// ExcludeFromSnapshot are files left out of the shadow copy itself
	// (IVssExamineWriterMetadataEx2::GetExcludeFromSnapshotFile).
	ExcludeFromSnapshot []FileSpec

	// Unknown keeps the attributes and elements of WRITER_METADATA this
	// model does not know; UnknownIdentification and UnknownLocations those
	// of IDENTIFICATION and BACKUP_LOCATIONS.
	Unknown, UnknownIdentification, UnknownLocations Unknown
}

// Unknown is what an element of a writer metadata document or a backup
// components document held that this library does not model: its other
// attributes and child elements, kept as read and written back after the
// modelled ones, so that no element or attribute of a writer's or
// requestor's document is lost. The zero value holds nothing. A writer or
// requestor may also fill one to add attributes or elements of its own
// to a document (a vendor's extension, say); an attribute the model
// writes itself (componentName, say) must not be added again, or the
// element would hold it twice.
type Unknown struct {
	// Attrs are the element's attributes the model does not know, in
	// document order. They are written after the modelled attributes.
	Attrs []vss.XMLAttr `json:",omitempty"`
	// Elements are the element's child elements the model does not know,
	// with everything under them, in document order. They are written
	// after the modelled children.
	Elements []vss.XMLElement `json:",omitempty"`
}

// Empty reports whether nothing unknown was kept.
func (u Unknown) Empty() bool { return len(u.Attrs) == 0 && len(u.Elements) == 0 }

// RestoreMethod is the RESTORE_METHOD element: how a writer's files are
// restored (IVssExamineWriterMetadata::GetRestoreMethod).
type RestoreMethod struct {
	Method vss.RestoreMethod
	// Service is the service to stop and restart, for the stop/restart
	// methods.
	Service string
	// UserProcedure is the text a person follows for a custom restore.
	UserProcedure string
	// WriterRestore says whether the writer takes part in restores
	// (PreRestore and PostRestore events).
	WriterRestore vss.WriterRestore
	// RebootRequired says the machine must restart after a restore.
	RebootRequired bool
	// AlternateLocations are where files may be restored when their
	// location cannot be written (AddAlternateLocationMapping,
	// GetAlternateLocationMapping): FileSpec with AlternatePath set.
	AlternateLocations []FileSpec
	Unknown            Unknown
}

// ComponentInfo is one component a writer declares in its metadata
// (IVssWMComponent, VSS_COMPONENTINFO): a FILE_GROUP or DATABASE element.
type ComponentInfo struct {
	// Type is a file group or a database.
	Type vss.ComponentType
	// LogicalPath places the component in the writer's tree of
	// components ("" at the top); Name names it within that path.
	LogicalPath string
	Name        string
	// Caption is the name shown to people; Icon is an icon for it
	// (base64, as stored).
	Caption string
	Icon    string
	// RestoreMetadata says the writer needs restore metadata at restore.
	RestoreMetadata bool
	// NotifyOnBackupComplete says the writer wants BackupComplete for it.
	NotifyOnBackupComplete bool
	// Selectable: a requestor may select the component for backup itself;
	// otherwise it is backed up only with its selectable ancestor or in a
	// backup that is not component mode. SelectableForRestore is the same
	// for restore.
	Selectable           bool
	SelectableForRestore bool
	// Flags are the VSS_COMPONENT_FLAGS bits.
	Flags vss.ComponentFlags

	// Files (FILE_LIST) are a file group's files; DatabaseFiles
	// (DATABASE_FILES) and LogFiles (DATABASE_LOGFILES) a database's.
	Files         []FileSpec
	DatabaseFiles []FileSpec
	LogFiles      []FileSpec
	// Dependencies are components, of this or another writer, that must be
	// backed up and restored with this one.
	Dependencies []Dependency

	Unknown Unknown
}

// Key returns the component's identity within its writer, as AddComponent
// names it.
func (c *ComponentInfo) Key() ComponentKey {
	return ComponentKey{Type: c.Type, LogicalPath: c.LogicalPath, Name: c.Name}
}

// FileSpec is a set of files (IVssWMFiledesc): the files matching Spec in
// directory Path, and in its subdirectories when Recursive.
type FileSpec struct {
	Path string
	// Spec is a file name pattern ("*.mdf", "master.mdf").
	Spec      string
	Recursive bool
	// AlternatePath is where the files are read from at backup, or (in an
	// alternate location mapping) restored to.
	AlternatePath string
	// BackupType is the VSS_FILE_SPEC_BACKUP_TYPE mask saying which backup
	// types need these files, and which must read them from a shadow
	// copy; 0 means the document did not say (EffectiveBackupType). The
	// builder gives a file set added without one DefaultFileSpecBackupType,
	// as VSS does.
	BackupType vss.FileSpecBackupType
	Unknown    Unknown
}

// DefaultFileSpecBackupType is the mask VSS gives a file set a writer adds
// to a component without one: VSS_FSBT_ALL_BACKUP_REQUIRED |
// VSS_FSBT_ALL_SNAPSHOT_REQUIRED (0xF0F), the file set takes part in every
// backup type and is read from a shadow copy (Microsoft's
// VSS_FILE_SPEC_BACKUP_TYPE page; real writer metadata documents hold
// filespecBackupType="3855").
const DefaultFileSpecBackupType = vss.FSBTAllBackupRequired | vss.FSBTAllSnapshotRequired

// EffectiveBackupType returns BackupType, or DefaultFileSpecBackupType
// when the document did not say (0).
func (f FileSpec) EffectiveBackupType() vss.FileSpecBackupType {
	if f.BackupType == 0 {
		return DefaultFileSpecBackupType
	}
	return f.BackupType
}

// fsbtBits returns the backup-required and snapshot-required bits of
// VSS_FILE_SPEC_BACKUP_TYPE for backup type t. A copy backup, and any
// type other than differential, incremental and log, counts as full:
// VSS_BT_COPY copies files "regardless of the state of each file's backup
// history", as a full backup does (this library's reading of the
// VSS_BACKUP_TYPE page, which names no mask for copy).
func fsbtBits(t vss.BackupType) (backup, snapshot vss.FileSpecBackupType) {
	switch t {
	case vss.BackupDifferential:
		return vss.FSBTDifferentialBackupRequired, vss.FSBTDifferentialSnapshotRequired
	case vss.BackupIncremental:
		return vss.FSBTIncrementalBackupRequired, vss.FSBTIncrementalSnapshotRequired
	case vss.BackupLog:
		return vss.FSBTLogBackupRequired, vss.FSBTLogSnapshotRequired
	}
	return vss.FSBTFullBackupRequired, vss.FSBTFullSnapshotRequired
}

// BackupRequired reports whether the file set must be backed up in a
// backup of type t: its mask has the VSS_FSBT_*_BACKUP_REQUIRED bit of t.
// A file set without it is left to the requestor's own judgement (its
// files changed or not, say), unless a partial or differenced file of the
// component says otherwise.
func (f FileSpec) BackupRequired(t vss.BackupType) bool {
	b, _ := fsbtBits(t)
	return f.EffectiveBackupType()&b != 0
}

// SnapshotRequired reports whether the file set must be read from a
// shadow copy, never from the live volume, in a backup of type t: its mask
// has the VSS_FSBT_*_SNAPSHOT_REQUIRED bit of t.
func (f FileSpec) SnapshotRequired(t vss.BackupType) bool {
	_, s := fsbtBits(t)
	return f.EffectiveBackupType()&s != 0
}

// Dependency is a DEPENDENCY element: a component that must be backed up
// and restored with the one that declares it
// (IVssWMDependency).
type Dependency struct {
	WriterClass   vss.ID
	LogicalPath   string
	ComponentName string
	Unknown       Unknown
}

// NewMetadata starts a writer metadata document for the writer with
// identity info.
func NewMetadata(info Info) *Metadata {
	md := metadataOf(info)
	return &md
}

// metadataOf is NewMetadata's document, as a value.
func metadataOf(info Info) Metadata {
	return Metadata{
		InstanceID:   info.InstanceID,
		ClassID:      info.ClassID,
		Name:         info.Name,
		InstanceName: info.InstanceName,
		Usage:        info.Usage,
		Source:       info.Source,
		Version:      "1.2",
	}
}

// Component returns the component with key, or nil.
func (md *Metadata) Component(key ComponentKey) *ComponentInfo {
	for _, c := range md.Components {
		if c.Key() == key {
			return c
		}
	}
	return nil
}

// BackupTypeFor returns the backup type a requestor runs on this writer's
// data when its backup is of type t: t when the writer's backup schema
// supports it, vss.BackupFull when it does not. Microsoft's
// VSS_BACKUP_TYPE page: an incremental, differential, log or copy backup
// needs VSS_BS_INCREMENTAL, VSS_BS_DIFFERENTIAL, VSS_BS_LOG or VSS_BS_COPY,
// and "if a particular writer's backup schema does not support that sort
// of backup, the requester will always perform a full (VSS_BT_FULL)
// backup on that writer's data". Full, and any other type, is returned as
// it is.
func (md *Metadata) BackupTypeFor(t vss.BackupType) vss.BackupType {
	var need vss.BackupSchema
	switch t {
	case vss.BackupIncremental:
		need = vss.SchemaIncremental
	case vss.BackupDifferential:
		need = vss.SchemaDifferential
	case vss.BackupLog:
		need = vss.SchemaLog
	case vss.BackupCopy:
		need = vss.SchemaCopy
	default:
		return t
	}
	if md.BackupSchema&need == 0 {
		return vss.BackupFull
	}
	return t
}
