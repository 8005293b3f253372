//go:build windows && (amd64 || arm64)

package vsscom

import (
	"unsafe"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/internal/com"
)

// WriterComponentsUnknownOffset is where, from an IVssWriterComponentsExt
// pointer, its IUnknown part is: one pointer on (see WCGetComponentCount).
const WriterComponentsUnknownOffset = unsafe.Sizeof(uintptr(0))

// componentCall calls a restore method that names a component (writer
// class, type, logical path, name), then the arguments more appends.
func (b *BackupComponents) componentCall(method string, slot int, class vss.ID, ct vss.ComponentType, logicalPath, name string,
	more func(a *com.Args) error) error {
	a := new(com.Args).GUID(class)
	if err := component(a, ct, logicalPath, name); err != nil {
		return err
	}
	if more != nil {
		if err := more(a); err != nil {
			return err
		}
	}
	return b.hr(method, slot, a)
}

// strs appends strings to a, each NULL when empty if null is set.
func strs(a *com.Args, null bool, ss ...string) error {
	for _, s := range ss {
		if err := a.Str(s, null); err != nil {
			return err
		}
	}
	return nil
}

// SetRestoreState sets the restore type (VSS_RESTORE_TYPE).
func (b *BackupComponents) SetRestoreState(t vss.RestoreType) error {
	return b.hr("SetRestoreState", BCSetRestoreState, new(com.Args).Uint(uintptr(uint32(t))))
}

// SetRestoreOptions sets a component's private restore options.
func (b *BackupComponents) SetRestoreOptions(class vss.ID, ct vss.ComponentType, logicalPath, name, options string) error {
	return b.componentCall("SetRestoreOptions", BCSetRestoreOptions, class, ct, logicalPath, name,
		func(a *com.Args) error { return a.Str(options, false) })
}

// SetAdditionalRestores says whether more restores of a component follow.
func (b *BackupComponents) SetAdditionalRestores(class vss.ID, ct vss.ComponentType, logicalPath, name string, additional bool) error {
	return b.componentCall("SetAdditionalRestores", BCSetAdditionalRestores, class, ct, logicalPath, name,
		func(a *com.Args) error { a.Bool(additional); return nil })
}

// AddRestoreSubcomponent restores a subcomponent of a component set on
// its own; repair is reserved and always false.
func (b *BackupComponents) AddRestoreSubcomponent(class vss.ID, ct vss.ComponentType, logicalPath, name, subPath, subName string) error {
	return b.componentCall("AddRestoreSubcomponent", BCAddRestoreSubcomponent, class, ct, logicalPath, name,
		func(a *com.Args) error {
			if err := strs(a, false, subPath, subName); err != nil {
				return err
			}
			a.Bool(false)
			return nil
		})
}

// fileSetCall is AddAlternativeLocationMapping or AddNewTarget: a file
// set (path, specification, recursion) and where its files went.
func (b *BackupComponents) fileSetCall(method string, slot int, class vss.ID, ct vss.ComponentType, logicalPath, name,
	path, spec string, recursive bool, dest string) error {
	return b.componentCall(method, slot, class, ct, logicalPath, name, func(a *com.Args) error {
		if err := strs(a, false, path, spec); err != nil {
			return err
		}
		a.Bool(recursive)
		return a.Str(dest, false)
	})
}

// AddAlternativeLocationMapping says a file set was restored to an
// alternate location mapping.
func (b *BackupComponents) AddAlternativeLocationMapping(class vss.ID, ct vss.ComponentType, logicalPath, name,
	path, spec string, recursive bool, dest string) error {
	return b.fileSetCall("AddAlternativeLocationMapping", BCAddAlternativeLocationMapping, class, ct, logicalPath, name, path, spec, recursive, dest)
}

// AddNewTarget says a file set will be restored to a new place.
func (b *BackupComponents) AddNewTarget(class vss.ID, ct vss.ComponentType, logicalPath, name,
	path, spec string, recursive bool, dest string) error {
	return b.fileSetCall("AddNewTarget", BCAddNewTarget, class, ct, logicalPath, name, path, spec, recursive, dest)
}

// SetFileRestoreStatus says how much of a component was restored.
func (b *BackupComponents) SetFileRestoreStatus(class vss.ID, ct vss.ComponentType, logicalPath, name string, status vss.FileRestoreStatus) error {
	return b.componentCall("SetFileRestoreStatus", BCSetFileRestoreStatus, class, ct, logicalPath, name,
		func(a *com.Args) error { a.Uint(uintptr(uint32(status))); return nil })
}

// RestoreComponent is what this project reads of one IVssComponent during
// a restore.
type RestoreComponent struct {
	Type                  vss.ComponentType
	LogicalPath, Name     string
	SelectedForRestore    bool
	AdditionalRestores    bool
	RestoreOptions        string
	RestoreTarget         vss.RestoreTarget
	FileRestoreStatus     vss.FileRestoreStatus
	PreRestoreFailureMsg  string
	PostRestoreFailureMsg string
}

// WriterComponents is one writer's part of the backup components document
// (IVssWriterComponentsExt).
type WriterComponents struct {
	InstanceID, ClassID vss.ID
	Components          []RestoreComponent
}

// WriterComponents reads every writer's part of the document
// (GetWriterComponentsCount, GetWriterComponents), releasing every
// interface it gets.
func (b *BackupComponents) WriterComponents() ([]WriterComponents, error) {
	var n uint32
	if err := b.hr("GetWriterComponentsCount", BCGetWriterComponentsCount, new(com.Args).Ptr(unsafe.Pointer(&n))); err != nil {
		return nil, err
	}
	out := make([]WriterComponents, 0, n)
	for i := uint32(0); i < n; i++ {
		var wc unsafe.Pointer
		if err := b.hr("GetWriterComponents", BCGetWriterComponents, new(com.Args).Uint(uintptr(i)).Ptr(unsafe.Pointer(&wc))); err != nil {
			releaseWriterComponents(wc)
			return nil, err
		}
		w, err := readWriterComponents(wc)
		releaseWriterComponents(wc)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, nil
}

// releaseWriterComponents releases an IVssWriterComponentsExt through its
// IUnknown part.
func releaseWriterComponents(wc unsafe.Pointer) {
	if wc != nil {
		com.Release(unsafe.Add(wc, WriterComponentsUnknownOffset))
	}
}

func readWriterComponents(wc unsafe.Pointer) (WriterComponents, error) {
	var w WriterComponents
	if wc == nil {
		return w, vss.Errorf(vss.ErrUnexpected, "IVssBackupComponents::GetWriterComponents", "no IVssWriterComponentsExt returned")
	}
	var inst, class [16]byte
	if err := check("IVssWriterComponents::GetWriterInfo", com.HR(wc, WCGetWriterInfo,
		new(com.Args).Ptr(unsafe.Pointer(&inst)).Ptr(unsafe.Pointer(&class)))); err != nil {
		return w, err
	}
	w.InstanceID, w.ClassID = vss.FromWindowsBytes(inst), vss.FromWindowsBytes(class)
	var n uint32
	if err := check("IVssWriterComponents::GetComponentCount", com.HR(wc, WCGetComponentCount, new(com.Args).Ptr(unsafe.Pointer(&n)))); err != nil {
		return w, err
	}
	for i := uint32(0); i < n; i++ {
		var c unsafe.Pointer
		if err := check("IVssWriterComponents::GetComponent", com.HR(wc, WCGetComponent,
			new(com.Args).Uint(uintptr(i)).Ptr(unsafe.Pointer(&c)))); err != nil {
			com.Release(c)
			return w, err
		}
		rc, err := readComponent(c)
		com.Release(c)
		if err != nil {
			return w, err
		}
		w.Components = append(w.Components, rc)
	}
	return w, nil
}

// readComponent reads one IVssComponent. The getters of optional values
// answer S_FALSE when the document holds none: the value is then zero.
func readComponent(c unsafe.Pointer) (RestoreComponent, error) {
	var rc RestoreComponent
	if c == nil {
		return rc, vss.Errorf(vss.ErrUnexpected, "IVssWriterComponents::GetComponent", "no IVssComponent returned")
	}
	str := func(method string, slot int, into *string) error {
		var b unsafe.Pointer
		hr := com.HR(c, slot, new(com.Args).Ptr(unsafe.Pointer(&b)))
		*into = com.TakeBSTR(b)
		return check("IVssComponent::"+method, hr)
	}
	u32 := func(method string, slot int, into *int32) error {
		return check("IVssComponent::"+method, com.HR(c, slot, new(com.Args).Ptr(unsafe.Pointer(into))))
	}
	flag := func(method string, slot int, into *bool) error {
		var b byte
		err := check("IVssComponent::"+method, com.HR(c, slot, new(com.Args).Ptr(unsafe.Pointer(&b))))
		*into = b != 0
		return err
	}
	var ct, target, status int32
	for _, err := range []error{
		str("GetLogicalPath", CompGetLogicalPath, &rc.LogicalPath),
		u32("GetComponentType", CompGetComponentType, &ct),
		str("GetComponentName", CompGetComponentName, &rc.Name),
		flag("IsSelectedForRestore", CompIsSelectedForRestore, &rc.SelectedForRestore),
		flag("GetAdditionalRestores", CompGetAdditionalRestores, &rc.AdditionalRestores),
		str("GetRestoreOptions", CompGetRestoreOptions, &rc.RestoreOptions),
		u32("GetRestoreTarget", CompGetRestoreTarget, &target),
		u32("GetFileRestoreStatus", CompGetFileRestoreStatus, &status),
		str("GetPreRestoreFailureMsg", CompGetPreRestoreFailureMsg, &rc.PreRestoreFailureMsg),
		str("GetPostRestoreFailureMsg", CompGetPostRestoreFailureMsg, &rc.PostRestoreFailureMsg),
	} {
		if err != nil {
			return rc, err
		}
	}
	rc.Type, rc.RestoreTarget, rc.FileRestoreStatus = vss.ComponentType(ct), vss.RestoreTarget(target), vss.FileRestoreStatus(status)
	return rc, nil
}
