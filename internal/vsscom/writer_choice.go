package vsscom

// BCDisableWriterInstances is the vtable slot of
// IVssBackupComponents::DisableWriterInstances (vsbackup.h):
// (const VSS_ID* rgWriterInstanceId, UINT cInstanceId). Its neighbours
// DisableWriterClasses and EnableWriterClasses are in vtable.go.
const BCDisableWriterInstances = 47

func init() {
	Methods = append(Methods, Method{"IVssBackupComponents", "vsbackup.h", "DisableWriterInstances", BCDisableWriterInstances})
}
