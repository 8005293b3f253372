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
	var out []WriterComponents
	err := b.forEachWriterComponents(func(wc unsafe.Pointer) error {
		var w WriterComponents
		var err error
		w.InstanceID, w.ClassID, err = forEachComponent(wc, func(c unsafe.Pointer) error {
			rc, err := readComponent(c)
			w.Components = append(w.Components, rc)
			return err
		})
		out = append(out, w)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// forEachWriterComponents calls fn with every writer's
// IVssWriterComponentsExt (GetWriterComponentsCount,
// GetWriterComponents), releasing each, until fn fails.
func (b *BackupComponents) forEachWriterComponents(fn func(wc unsafe.Pointer) error) error {
	var n uint32
	if err := b.hr("GetWriterComponentsCount", BCGetWriterComponentsCount, new(com.Args).Ptr(unsafe.Pointer(&n))); err != nil {
		return err
	}
	for i := uint32(0); i < n; i++ {
		var wc unsafe.Pointer
		if err := b.hr("GetWriterComponents", BCGetWriterComponents, new(com.Args).Uint(uintptr(i)).Ptr(unsafe.Pointer(&wc))); err != nil {
			releaseWriterComponents(wc)
			return err
		}
		if wc == nil {
			return vss.Errorf(vss.ErrUnexpected, "IVssBackupComponents::GetWriterComponents", "no IVssWriterComponentsExt returned")
		}
		err := fn(wc)
		releaseWriterComponents(wc)
		if err != nil {
			return err
		}
	}
	return nil
}

// releaseWriterComponents releases an IVssWriterComponentsExt through its
// IUnknown part.
func releaseWriterComponents(wc unsafe.Pointer) {
	if wc != nil {
		com.Release(unsafe.Add(wc, WriterComponentsUnknownOffset))
	}
}

// forEachComponent reads the writer identity of an IVssWriterComponentsExt
// and calls fn with each of its IVssComponent objects, releasing each,
// until fn fails.
func forEachComponent(wc unsafe.Pointer, fn func(c unsafe.Pointer) error) (instance, class vss.ID, err error) {
	var inst, cls [16]byte
	if err := check("IVssWriterComponents::GetWriterInfo", com.HR(wc, WCGetWriterInfo,
		new(com.Args).Ptr(unsafe.Pointer(&inst)).Ptr(unsafe.Pointer(&cls)))); err != nil {
		return vss.NilID, vss.NilID, err
	}
	instance, class = vss.FromWindowsBytes(inst), vss.FromWindowsBytes(cls)
	var n uint32
	if err := check("IVssWriterComponents::GetComponentCount", com.HR(wc, WCGetComponentCount, new(com.Args).Ptr(unsafe.Pointer(&n)))); err != nil {
		return instance, class, err
	}
	for i := uint32(0); i < n; i++ {
		var c unsafe.Pointer
		if err := check("IVssWriterComponents::GetComponent", com.HR(wc, WCGetComponent,
			new(com.Args).Uint(uintptr(i)).Ptr(unsafe.Pointer(&c)))); err != nil {
			com.Release(c)
			return instance, class, err
		}
		if c == nil {
			return instance, class, vss.Errorf(vss.ErrUnexpected, "IVssWriterComponents::GetComponent", "no IVssComponent returned")
		}
		err := fn(c)
		com.Release(c)
		if err != nil {
			return instance, class, err
		}
	}
	return instance, class, nil
}

// componentString reads a BSTR getter of an IVssComponent, freeing the
// BSTR.
func componentString(c unsafe.Pointer, method string, slot int, into *string) error {
	var b unsafe.Pointer
	hr := com.HR(c, slot, new(com.Args).Ptr(unsafe.Pointer(&b)))
	*into = com.TakeBSTR(b)
	return check("IVssComponent::"+method, hr)
}

// componentKey reads what names an IVssComponent: its type, logical path
// and name.
func componentKey(c unsafe.Pointer) (ct vss.ComponentType, logicalPath, name string, err error) {
	var t int32
	for _, err := range []error{
		componentString(c, "GetLogicalPath", CompGetLogicalPath, &logicalPath),
		check("IVssComponent::GetComponentType", com.HR(c, CompGetComponentType, new(com.Args).Ptr(unsafe.Pointer(&t)))),
		componentString(c, "GetComponentName", CompGetComponentName, &name),
	} {
		if err != nil {
			return 0, "", "", err
		}
	}
	return vss.ComponentType(t), logicalPath, name, nil
}

// readComponent reads one IVssComponent. The getters of optional values
// answer S_FALSE when the document holds none: the value is then zero.
func readComponent(c unsafe.Pointer) (RestoreComponent, error) {
	var rc RestoreComponent
	u32 := func(method string, slot int, into *int32) error {
		return check("IVssComponent::"+method, com.HR(c, slot, new(com.Args).Ptr(unsafe.Pointer(into))))
	}
	flag := func(method string, slot int, into *bool) error {
		var b byte
		err := check("IVssComponent::"+method, com.HR(c, slot, new(com.Args).Ptr(unsafe.Pointer(&b))))
		*into = b != 0
		return err
	}
	var err error
	if rc.Type, rc.LogicalPath, rc.Name, err = componentKey(c); err != nil {
		return rc, err
	}
	var target, status int32
	for _, err := range []error{
		flag("IsSelectedForRestore", CompIsSelectedForRestore, &rc.SelectedForRestore),
		flag("GetAdditionalRestores", CompGetAdditionalRestores, &rc.AdditionalRestores),
		componentString(c, "GetRestoreOptions", CompGetRestoreOptions, &rc.RestoreOptions),
		u32("GetRestoreTarget", CompGetRestoreTarget, &target),
		u32("GetFileRestoreStatus", CompGetFileRestoreStatus, &status),
		componentString(c, "GetPreRestoreFailureMsg", CompGetPreRestoreFailureMsg, &rc.PreRestoreFailureMsg),
		componentString(c, "GetPostRestoreFailureMsg", CompGetPostRestoreFailureMsg, &rc.PostRestoreFailureMsg),
	} {
		if err != nil {
			return rc, err
		}
	}
	rc.RestoreTarget, rc.FileRestoreStatus = vss.RestoreTarget(target), vss.FileRestoreStatus(status)
	return rc, nil
}
