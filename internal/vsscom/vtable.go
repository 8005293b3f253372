// Package vsscom is the binary interface of the VSS COM API as this project
// uses it: the vtable index of every method called, the structures read
// from COM memory, and, on Windows, typed wrappers that make the calls.
//
// Every index below comes from the declaration order of the Windows SDK
// headers (the C "...Vtbl" structs that Debian's mingw-w64-common package
// installs as vss.h and vsbackup.h). headers_test.go parses those headers
// and checks each index, each structure's field order, each interface
// identifier and each HRESULT value the project declares, so a wrong
// number cannot go unnoticed.
package vsscom

// Method is one COM method as the header declares it: its interface, its
// name and its slot in the interface's vtable (IUnknown's three methods
// are slots 0 to 2).
type Method struct {
	Interface string // the C interface name, for example "IVssAsync"
	Header    string // the mingw-w64 header declaring it, for example "vss.h"
	Name      string // the method name, for example "Wait"
	Index     int    // the vtable slot
}

// IUnknown (unknwn.h): the first three slots of every COM interface.
const (
	QueryInterface = 0 // HRESULT QueryInterface(REFIID, void**)
	AddRef         = 1 // ULONG AddRef()
	Release        = 2 // ULONG Release()
)

// IVssBackupComponents (vsbackup.h): the requestor's session with VSS,
// created by CreateVssBackupComponentsInternal. Backup, restore and
// shadow copy management calls.
const (
	BCInitializeForBackup    = 5  // (BSTR bstrXML)
	BCSetBackupState         = 6  // (boolean select, boolean bootable, VSS_BACKUP_TYPE, boolean partial)
	BCInitializeForRestore   = 7  // (BSTR bstrXML)
	BCGatherWriterMetadata   = 9  // (IVssAsync**)
	BCGetWriterMetadataCount = 10 // (UINT*)
	BCGetWriterMetadata      = 11 // (UINT, VSS_ID*, IVssExamineWriterMetadata**)
	BCFreeWriterMetadata     = 12 // ()
	BCAddComponent           = 13 // (VSS_ID instance, VSS_ID writer, VSS_COMPONENT_TYPE, LPCWSTR path, LPCWSTR name)
	BCPrepareForBackup       = 14 // (IVssAsync**)
	BCAbortBackup            = 15 // ()
	BCGatherWriterStatus     = 16 // (IVssAsync**)
	BCGetWriterStatusCount   = 17 // (UINT*)
	BCFreeWriterStatus       = 18 // ()
	BCGetWriterStatus        = 19 // (UINT, VSS_ID* instance, VSS_ID* writer, BSTR* name, VSS_WRITER_STATE*, HRESULT*)
	BCSetBackupSucceeded     = 20 // (VSS_ID instance, VSS_ID writer, VSS_COMPONENT_TYPE, LPCWSTR, LPCWSTR, boolean)
	BCSetSelectedForRestore  = 22 // (VSS_ID writer, VSS_COMPONENT_TYPE, LPCWSTR, LPCWSTR, boolean)
	BCSaveAsXML              = 26 // (BSTR*)
	BCBackupComplete         = 27 // (IVssAsync**)
	BCPreRestore             = 33 // (IVssAsync**)
	BCPostRestore            = 34 // (IVssAsync**)
	BCSetContext             = 35 // (LONG)
	BCStartSnapshotSet       = 36 // (VSS_ID*)
	BCAddToSnapshotSet       = 37 // (VSS_PWSZ volume, VSS_ID provider, VSS_ID*)
	BCDoSnapshotSet          = 38 // (IVssAsync**)
	BCDeleteSnapshots        = 39 // (VSS_ID, VSS_OBJECT_TYPE, WINBOOL force, LONG*, VSS_ID*)
	BCGetSnapshotProperties  = 42 // (VSS_ID, VSS_SNAPSHOT_PROP*)
	BCQuery                  = 43 // (VSS_ID, VSS_OBJECT_TYPE, VSS_OBJECT_TYPE, IVssEnumObject**)
	BCDisableWriterClasses   = 45 // (const VSS_ID*, UINT)
	BCEnableWriterClasses    = 46 // (const VSS_ID*, UINT)
	BCSlots                  = 51 // slots in the vtable (QueryRevertStatus is the last, 50)
)

// IVssAsync (vss.h): the handle of a long VSS operation (gathering
// metadata, preparing, creating the shadow copy set, completing).
const (
	AsyncCancel      = 3 // ()
	AsyncWait        = 4 // (DWORD milliseconds)
	AsyncQueryStatus = 5 // (HRESULT* result, INT* reserved)
	AsyncSlots       = 6
)

// IVssExamineWriterMetadata (vsbackup.h): one writer's metadata document as
// GetWriterMetadata returns it.
const (
	WMGetIdentity = 3  // (VSS_ID* instance, VSS_ID* writer, BSTR* name, VSS_USAGE_TYPE*, VSS_SOURCE_TYPE*)
	WMSaveAsXML   = 12 // (BSTR*)
	WMSlots       = 14
)

// IVssEnumObject (vss.h): the enumerator Query returns, yielding
// VSS_OBJECT_PROP records.
const (
	EnumNext  = 3 // (ULONG celt, VSS_OBJECT_PROP*, ULONG* fetched)
	EnumSlots = 7
)

// Methods lists every method above with its header, in the form
// headers_test.go checks.
var Methods = []Method{
	{"IVssBackupComponents", "vsbackup.h", "QueryInterface", QueryInterface},
	{"IVssBackupComponents", "vsbackup.h", "AddRef", AddRef},
	{"IVssBackupComponents", "vsbackup.h", "Release", Release},
	{"IVssBackupComponents", "vsbackup.h", "InitializeForBackup", BCInitializeForBackup},
	{"IVssBackupComponents", "vsbackup.h", "SetBackupState", BCSetBackupState},
	{"IVssBackupComponents", "vsbackup.h", "InitializeForRestore", BCInitializeForRestore},
	{"IVssBackupComponents", "vsbackup.h", "GatherWriterMetadata", BCGatherWriterMetadata},
	{"IVssBackupComponents", "vsbackup.h", "GetWriterMetadataCount", BCGetWriterMetadataCount},
	{"IVssBackupComponents", "vsbackup.h", "GetWriterMetadata", BCGetWriterMetadata},
	{"IVssBackupComponents", "vsbackup.h", "FreeWriterMetadata", BCFreeWriterMetadata},
	{"IVssBackupComponents", "vsbackup.h", "AddComponent", BCAddComponent},
	{"IVssBackupComponents", "vsbackup.h", "PrepareForBackup", BCPrepareForBackup},
	{"IVssBackupComponents", "vsbackup.h", "AbortBackup", BCAbortBackup},
	{"IVssBackupComponents", "vsbackup.h", "GatherWriterStatus", BCGatherWriterStatus},
	{"IVssBackupComponents", "vsbackup.h", "GetWriterStatusCount", BCGetWriterStatusCount},
	{"IVssBackupComponents", "vsbackup.h", "FreeWriterStatus", BCFreeWriterStatus},
	{"IVssBackupComponents", "vsbackup.h", "GetWriterStatus", BCGetWriterStatus},
	{"IVssBackupComponents", "vsbackup.h", "SetBackupSucceeded", BCSetBackupSucceeded},
	{"IVssBackupComponents", "vsbackup.h", "SetSelectedForRestore", BCSetSelectedForRestore},
	{"IVssBackupComponents", "vsbackup.h", "SaveAsXML", BCSaveAsXML},
	{"IVssBackupComponents", "vsbackup.h", "BackupComplete", BCBackupComplete},
	{"IVssBackupComponents", "vsbackup.h", "PreRestore", BCPreRestore},
	{"IVssBackupComponents", "vsbackup.h", "PostRestore", BCPostRestore},
	{"IVssBackupComponents", "vsbackup.h", "SetContext", BCSetContext},
	{"IVssBackupComponents", "vsbackup.h", "StartSnapshotSet", BCStartSnapshotSet},
	{"IVssBackupComponents", "vsbackup.h", "AddToSnapshotSet", BCAddToSnapshotSet},
	{"IVssBackupComponents", "vsbackup.h", "DoSnapshotSet", BCDoSnapshotSet},
	{"IVssBackupComponents", "vsbackup.h", "DeleteSnapshots", BCDeleteSnapshots},
	{"IVssBackupComponents", "vsbackup.h", "GetSnapshotProperties", BCGetSnapshotProperties},
	{"IVssBackupComponents", "vsbackup.h", "Query", BCQuery},
	{"IVssBackupComponents", "vsbackup.h", "DisableWriterClasses", BCDisableWriterClasses},
	{"IVssBackupComponents", "vsbackup.h", "EnableWriterClasses", BCEnableWriterClasses},
	{"IVssBackupComponents", "vsbackup.h", "QueryRevertStatus", BCSlots - 1},

	{"IVssAsync", "vss.h", "Cancel", AsyncCancel},
	{"IVssAsync", "vss.h", "Wait", AsyncWait},
	{"IVssAsync", "vss.h", "QueryStatus", AsyncQueryStatus},

	{"IVssExamineWriterMetadata", "vsbackup.h", "GetIdentity", WMGetIdentity},
	{"IVssExamineWriterMetadata", "vsbackup.h", "SaveAsXML", WMSaveAsXML},
	{"IVssExamineWriterMetadata", "vsbackup.h", "LoadFromXML", WMSlots - 1},

	{"IVssEnumObject", "vss.h", "Next", EnumNext},
	{"IVssEnumObject", "vss.h", "Clone", EnumSlots - 1},
}

// Struct is a C structure read from or written to COM memory, with its
// fields in declaration order, as the header declares them.
type Struct struct {
	Name   string   // the C typedef name
	Header string   // the mingw-w64 header declaring it
	Fields []string // field names in declaration order
}

// Structs lists the structures this project lays out by hand in Go.
var Structs = []Struct{
	{"VSS_SNAPSHOT_PROP", "vss.h", []string{
		"m_SnapshotId", "m_SnapshotSetId", "m_lSnapshotsCount",
		"m_pwszSnapshotDeviceObject", "m_pwszOriginalVolumeName", "m_pwszOriginatingMachine",
		"m_pwszServiceMachine", "m_pwszExposedName", "m_pwszExposedPath",
		"m_ProviderId", "m_lSnapshotAttributes", "m_tsCreationTimestamp", "m_eStatus",
	}},
	{"VSS_OBJECT_PROP", "vss.h", []string{"Type", "Obj"}},
}

// Sizes of the structures on 64-bit Windows (amd64 and arm64 lay them
// out alike); the Windows code asserts its Go types match at init.
const (
	SnapshotPropSize = 128 // sizeof(VSS_SNAPSHOT_PROP)
	ObjectPropSize   = 136 // sizeof(VSS_OBJECT_PROP): a 4-byte type, padding, the union
)
