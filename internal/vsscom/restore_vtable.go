package vsscom

// The restore calls of IVssBackupComponents (vsbackup.h) beyond those in
// vtable.go, and the interfaces GetWriterComponents hands out: the
// writers' parts of the backup components document during a restore.
const (
	BCGetWriterComponentsCount      = 3  // (UINT*)
	BCGetWriterComponents           = 4  // (UINT, IVssWriterComponentsExt**)
	BCSetRestoreOptions             = 23 // (VSS_ID writer, VSS_COMPONENT_TYPE, LPCWSTR, LPCWSTR, LPCWSTR options)
	BCSetAdditionalRestores         = 24 // (VSS_ID writer, VSS_COMPONENT_TYPE, LPCWSTR, LPCWSTR, boolean)
	BCAddAlternativeLocationMapping = 28 // (VSS_ID writer, VSS_COMPONENT_TYPE, LPCWSTR, LPCWSTR, LPCWSTR path, LPCWSTR filespec, boolean recursive, LPCWSTR destination)
	BCAddRestoreSubcomponent        = 29 // (VSS_ID writer, VSS_COMPONENT_TYPE, LPCWSTR, LPCWSTR, LPCWSTR subPath, LPCWSTR subName, boolean repair)
	BCSetFileRestoreStatus          = 30 // (VSS_ID writer, VSS_COMPONENT_TYPE, LPCWSTR, LPCWSTR, VSS_FILE_RESTORE_STATUS)
	BCAddNewTarget                  = 31 // (VSS_ID writer, VSS_COMPONENT_TYPE, LPCWSTR, LPCWSTR, LPCWSTR path, LPCWSTR filename, boolean recursive, LPCWSTR alternate)
	BCSetRestoreState               = 8  // (VSS_RESTORE_TYPE)
	BCSetBackupOptions              = 21 // (VSS_ID writer, VSS_COMPONENT_TYPE, LPCWSTR, LPCWSTR, LPCWSTR options)
	BCSetPreviousBackupStamp        = 25 // (VSS_ID writer, VSS_COMPONENT_TYPE, LPCWSTR, LPCWSTR, LPCWSTR stamp)
	BCSetRangesFilePath             = 32 // (VSS_ID writer, VSS_COMPONENT_TYPE, LPCWSTR, LPCWSTR, UINT, LPCWSTR)
)

// IVssWriterComponentsExt (vsbackup.h): one writer's part of the backup
// components document. In C++ it derives from IVssWriterComponents, which
// is no COM interface (its vtable, at the object's address, holds these
// three methods only), and from IUnknown, whose vtable pointer follows
// the first one: AddRef and Release are called through the object's
// address plus one pointer (WriterComponentsUnknownOffset).
const (
	WCGetComponentCount = 0 // (UINT*)
	WCGetWriterInfo     = 1 // (VSS_ID* instance, VSS_ID* writer)
	WCGetComponent      = 2 // (UINT, IVssComponent**)
	WCSlots             = 3
)

// IVssComponent (vswriter.h): one component of the backup components
// document, as a writer or a restoring requestor reads it.
const (
	CompGetLogicalPath           = 3  // (BSTR*)
	CompGetComponentType         = 4  // (VSS_COMPONENT_TYPE*)
	CompGetComponentName         = 5  // (BSTR*)
	CompIsSelectedForRestore     = 14 // (boolean*)
	CompGetAdditionalRestores    = 15 // (boolean*)
	CompGetRestoreTarget         = 24 // (VSS_RESTORE_TARGET*)
	CompGetPreRestoreFailureMsg  = 26 // (BSTR*)
	CompGetPostRestoreFailureMsg = 28 // (BSTR*)
	CompGetRestoreOptions        = 33 // (BSTR*)
	CompGetFileRestoreStatus     = 36 // (VSS_FILE_RESTORE_STATUS*)
	CompSlots                    = 41
)

func init() {
	Methods = append(Methods,
		Method{"IVssBackupComponents", "vsbackup.h", "GetWriterComponentsCount", BCGetWriterComponentsCount},
		Method{"IVssBackupComponents", "vsbackup.h", "GetWriterComponents", BCGetWriterComponents},
		Method{"IVssBackupComponents", "vsbackup.h", "SetRestoreState", BCSetRestoreState},
		Method{"IVssBackupComponents", "vsbackup.h", "SetBackupOptions", BCSetBackupOptions},
		Method{"IVssBackupComponents", "vsbackup.h", "SetRestoreOptions", BCSetRestoreOptions},
		Method{"IVssBackupComponents", "vsbackup.h", "SetAdditionalRestores", BCSetAdditionalRestores},
		Method{"IVssBackupComponents", "vsbackup.h", "SetPreviousBackupStamp", BCSetPreviousBackupStamp},
		Method{"IVssBackupComponents", "vsbackup.h", "AddAlternativeLocationMapping", BCAddAlternativeLocationMapping},
		Method{"IVssBackupComponents", "vsbackup.h", "AddRestoreSubcomponent", BCAddRestoreSubcomponent},
		Method{"IVssBackupComponents", "vsbackup.h", "SetFileRestoreStatus", BCSetFileRestoreStatus},
		Method{"IVssBackupComponents", "vsbackup.h", "AddNewTarget", BCAddNewTarget},
		Method{"IVssBackupComponents", "vsbackup.h", "SetRangesFilePath", BCSetRangesFilePath},

		Method{"IVssWriterComponentsExt", "vsbackup.h", "GetComponentCount", WCGetComponentCount},
		Method{"IVssWriterComponentsExt", "vsbackup.h", "GetWriterInfo", WCGetWriterInfo},
		Method{"IVssWriterComponentsExt", "vsbackup.h", "GetComponent", WCGetComponent},

		Method{"IVssComponent", "vswriter.h", "QueryInterface", QueryInterface},
		Method{"IVssComponent", "vswriter.h", "Release", Release},
		Method{"IVssComponent", "vswriter.h", "GetLogicalPath", CompGetLogicalPath},
		Method{"IVssComponent", "vswriter.h", "GetComponentType", CompGetComponentType},
		Method{"IVssComponent", "vswriter.h", "GetComponentName", CompGetComponentName},
		Method{"IVssComponent", "vswriter.h", "IsSelectedForRestore", CompIsSelectedForRestore},
		Method{"IVssComponent", "vswriter.h", "GetAdditionalRestores", CompGetAdditionalRestores},
		Method{"IVssComponent", "vswriter.h", "GetRestoreTarget", CompGetRestoreTarget},
		Method{"IVssComponent", "vswriter.h", "GetPreRestoreFailureMsg", CompGetPreRestoreFailureMsg},
		Method{"IVssComponent", "vswriter.h", "GetPostRestoreFailureMsg", CompGetPostRestoreFailureMsg},
		Method{"IVssComponent", "vswriter.h", "GetRestoreOptions", CompGetRestoreOptions},
		Method{"IVssComponent", "vswriter.h", "GetFileRestoreStatus", CompGetFileRestoreStatus},
		Method{"IVssComponent", "vswriter.h", "GetDifferencedFile", CompSlots - 1},
	)
}
