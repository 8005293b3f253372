//go:build windows && (amd64 || arm64)

package vsscom

import (
	"unsafe"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/internal/com"
)

// BackupComponents is an IVssBackupComponents. Its methods must run on the
// COM thread of the session that created it.
type BackupComponents struct{ p unsafe.Pointer }

// NewBackupComponents wraps an IVssBackupComponents pointer; the wrapper
// owns the reference.
func NewBackupComponents(p unsafe.Pointer) *BackupComponents { return &BackupComponents{p: p} }

// Release releases the object and returns the remaining reference count.
// Releasing the last reference ends the VSS session: writers receive
// BackupShutdown and shadow copies of a non-persistent context go away.
func (b *BackupComponents) Release() uint32 {
	n := com.Release(b.p)
	b.p = nil
	return n
}

func (b *BackupComponents) hr(method string, slot int, args *com.Args) error {
	return check("IVssBackupComponents::"+method, com.HR(b.p, slot, args))
}

// bstrCall calls a method whose only argument is a BSTR made from s (NULL
// when s is empty) and frees the BSTR.
func (b *BackupComponents) bstrCall(method string, slot int, s string) error {
	var bstr unsafe.Pointer
	if s != "" {
		var err error
		if bstr, err = com.AllocBSTR(s); err != nil {
			return err
		}
		defer com.FreeBSTR(bstr)
	}
	return b.hr(method, slot, new(com.Args).Ptr(bstr))
}

// InitializeForBackup starts a backup, from a saved backup components
// document or ("") a new one.
func (b *BackupComponents) InitializeForBackup(bcdXML string) error {
	return b.bstrCall("InitializeForBackup", BCInitializeForBackup, bcdXML)
}

// InitializeForRestore starts a restore from the backup components
// document saved by the backup.
func (b *BackupComponents) InitializeForRestore(bcdXML string) error {
	return b.bstrCall("InitializeForRestore", BCInitializeForRestore, bcdXML)
}

// SetContext sets the snapshot context (VSS_CTX_* bitmask).
func (b *BackupComponents) SetContext(sc vss.SnapshotContext) error {
	return b.hr("SetContext", BCSetContext, new(com.Args).Uint(uintptr(uint32(sc))))
}

// SetBackupState declares the backup.
func (b *BackupComponents) SetBackupState(selectComponents, bootable bool, bt vss.BackupType, partial bool) error {
	return b.hr("SetBackupState", BCSetBackupState,
		new(com.Args).Bool(selectComponents).Bool(bootable).Uint(uintptr(uint32(bt))).Bool(partial))
}

// writerClasses calls DisableWriterClasses or EnableWriterClasses.
func (b *BackupComponents) writerClasses(method string, slot int, ids []vss.ID) error {
	if len(ids) == 0 {
		return nil
	}
	w := make([][16]byte, len(ids))
	for i, id := range ids {
		w[i] = id.WindowsBytes()
	}
	return b.hr(method, slot, new(com.Args).Ptr(unsafe.Pointer(&w[0])).Uint(uintptr(len(w))))
}

// DisableWriterClasses leaves the writers of these classes out of the
// backup; it must come before GatherWriterMetadata.
func (b *BackupComponents) DisableWriterClasses(ids []vss.ID) error {
	return b.writerClasses("DisableWriterClasses", BCDisableWriterClasses, ids)
}

// EnableWriterClasses limits the backup to the writers of these classes;
// it must come before GatherWriterMetadata.
func (b *BackupComponents) EnableWriterClasses(ids []vss.ID) error {
	return b.writerClasses("EnableWriterClasses", BCEnableWriterClasses, ids)
}

// start calls a method that returns an IVssAsync.
func (b *BackupComponents) start(method string, slot int) (*Async, error) {
	var a unsafe.Pointer
	if err := b.hr(method, slot, new(com.Args).Ptr(unsafe.Pointer(&a))); err != nil {
		com.Release(a)
		return nil, err
	}
	if a == nil {
		return nil, vss.Errorf(vss.ErrUnexpected, "IVssBackupComponents::"+method, "no IVssAsync returned")
	}
	return &Async{p: a, op: "IVssBackupComponents::" + method}, nil
}

// The asynchronous calls; each returns the operation to Wait on.

// GatherWriterMetadata sends Identify to the writers.
func (b *BackupComponents) GatherWriterMetadata() (*Async, error) {
	return b.start("GatherWriterMetadata", BCGatherWriterMetadata)
}

// PrepareForBackup sends PrepareBackup to the writers.
func (b *BackupComponents) PrepareForBackup() (*Async, error) {
	return b.start("PrepareForBackup", BCPrepareForBackup)
}

// DoSnapshotSet creates the shadow copy set.
func (b *BackupComponents) DoSnapshotSet() (*Async, error) {
	return b.start("DoSnapshotSet", BCDoSnapshotSet)
}

// GatherWriterStatus collects the writers' states.
func (b *BackupComponents) GatherWriterStatus() (*Async, error) {
	return b.start("GatherWriterStatus", BCGatherWriterStatus)
}

// BackupComplete sends BackupComplete to the writers.
func (b *BackupComponents) BackupComplete() (*Async, error) {
	return b.start("BackupComplete", BCBackupComplete)
}

// PreRestore sends PreRestore to the writers.
func (b *BackupComponents) PreRestore() (*Async, error) { return b.start("PreRestore", BCPreRestore) }

// PostRestore sends PostRestore to the writers.
func (b *BackupComponents) PostRestore() (*Async, error) {
	return b.start("PostRestore", BCPostRestore)
}

// FreeWriterMetadata frees the metadata GatherWriterMetadata collected.
func (b *BackupComponents) FreeWriterMetadata() error {
	return b.hr("FreeWriterMetadata", BCFreeWriterMetadata, nil)
}

// AbortBackup aborts the backup.
func (b *BackupComponents) AbortBackup() error { return b.hr("AbortBackup", BCAbortBackup, nil) }

// component appends the (type, logical path, name) triple that names a
// component in many calls.
func component(a *com.Args, ct vss.ComponentType, logicalPath, name string) error {
	a.Uint(uintptr(uint32(ct)))
	if err := a.Str(logicalPath, true); err != nil {
		return err
	}
	return a.Str(name, false)
}

// AddComponent selects a component for backup.
func (b *BackupComponents) AddComponent(instance, class vss.ID, ct vss.ComponentType, logicalPath, name string) error {
	a := new(com.Args).GUID(instance).GUID(class)
	if err := component(a, ct, logicalPath, name); err != nil {
		return err
	}
	return b.hr("AddComponent", BCAddComponent, a)
}

// SetBackupSucceeded records whether a component was backed up.
func (b *BackupComponents) SetBackupSucceeded(instance, class vss.ID, ct vss.ComponentType, logicalPath, name string, ok bool) error {
	a := new(com.Args).GUID(instance).GUID(class)
	if err := component(a, ct, logicalPath, name); err != nil {
		return err
	}
	return b.hr("SetBackupSucceeded", BCSetBackupSucceeded, a.Bool(ok))
}

// SetSelectedForRestore selects a component for restore.
func (b *BackupComponents) SetSelectedForRestore(class vss.ID, ct vss.ComponentType, logicalPath, name string, selected bool) error {
	a := new(com.Args).GUID(class)
	if err := component(a, ct, logicalPath, name); err != nil {
		return err
	}
	return b.hr("SetSelectedForRestore", BCSetSelectedForRestore, a.Bool(selected))
}

// SaveAsXML returns the backup components document.
func (b *BackupComponents) SaveAsXML() (string, error) {
	var bstr unsafe.Pointer
	if err := b.hr("SaveAsXML", BCSaveAsXML, new(com.Args).Ptr(unsafe.Pointer(&bstr))); err != nil {
		com.FreeBSTR(bstr)
		return "", err
	}
	return com.TakeBSTR(bstr), nil
}

// StartSnapshotSet starts a shadow copy set and returns its ID.
func (b *BackupComponents) StartSnapshotSet() (vss.ID, error) {
	var w [16]byte
	if err := b.hr("StartSnapshotSet", BCStartSnapshotSet, new(com.Args).Ptr(unsafe.Pointer(&w))); err != nil {
		return vss.NilID, err
	}
	return vss.FromWindowsBytes(w), nil
}

// AddToSnapshotSet adds a volume, with a provider or (NilID) VSS's choice,
// and returns the ID its shadow copy will have.
func (b *BackupComponents) AddToSnapshotSet(volume string, providerID vss.ID) (vss.ID, error) {
	a := new(com.Args)
	if err := a.Str(volume, false); err != nil {
		return vss.NilID, err
	}
	var w [16]byte
	a.GUID(providerID).Ptr(unsafe.Pointer(&w))
	if err := b.hr("AddToSnapshotSet", BCAddToSnapshotSet, a); err != nil {
		return vss.NilID, err
	}
	return vss.FromWindowsBytes(w), nil
}

// DeleteSnapshots deletes a shadow copy or a set (VSS_OBJECT_TYPE kind)
// and returns how many were deleted.
func (b *BackupComponents) DeleteSnapshots(id vss.ID, kind int32, force bool) (int, error) {
	var deleted int32
	var nondeleted [16]byte
	err := b.hr("DeleteSnapshots", BCDeleteSnapshots, new(com.Args).GUID(id).Uint(uintptr(uint32(kind))).Bool(force).
		Ptr(unsafe.Pointer(&deleted)).Ptr(unsafe.Pointer(&nondeleted)))
	if err != nil {
		if n := vss.FromWindowsBytes(nondeleted); !n.IsNil() {
			err.(*vss.Error).Detail = "shadow copy " + n.String() + " was not deleted"
		}
		return int(deleted), err
	}
	return int(deleted), nil
}

// GetSnapshotProperties returns a shadow copy's properties; the caller
// frees them with SnapshotProp.Free.
func (b *BackupComponents) GetSnapshotProperties(id vss.ID) (*SnapshotProp, error) {
	p := new(SnapshotProp)
	if err := b.hr("GetSnapshotProperties", BCGetSnapshotProperties, new(com.Args).GUID(id).Ptr(unsafe.Pointer(p))); err != nil {
		p.Free()
		return nil, err
	}
	return p, nil
}
