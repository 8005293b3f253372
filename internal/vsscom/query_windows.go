//go:build windows && (amd64 || arm64)

package vsscom

import (
	"unsafe"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/internal/com"
	"github.com/vsskit/vss/provider"
)

// VSS_OBJECT_TYPE values Query uses.
const (
	objectNone     = 1 // VSS_OBJECT_NONE: no filter
	objectSnapshot = 3 // VSS_OBJECT_SNAPSHOT
)

// maxQueried bounds how many shadow copies Query reads, so that a broken
// enumerator cannot loop for ever (Windows keeps at most 512 per volume).
const maxQueried = 1 << 16

// Query lists the shadow copies in the current context, releasing the
// enumerator and freeing every record's strings.
func (b *BackupComponents) Query() ([]provider.Snapshot, error) {
	var enum unsafe.Pointer
	a := new(com.Args).GUID(vss.NilID).Uint(objectNone).Uint(objectSnapshot).Ptr(unsafe.Pointer(&enum))
	if err := b.hr("Query", BCQuery, a); err != nil {
		com.Release(enum)
		return nil, err
	}
	if enum == nil {
		return nil, nil
	}
	defer com.Release(enum)
	var out []provider.Snapshot
	for len(out) < maxQueried {
		var prop ObjectProp
		var fetched uint32
		hr := com.HR(enum, EnumNext, new(com.Args).Uint(1).Ptr(unsafe.Pointer(&prop)).Ptr(unsafe.Pointer(&fetched)))
		if err := check("IVssEnumObject::Next", hr); err != nil {
			return nil, err
		}
		if fetched == 0 {
			break
		}
		if prop.Type != objectSnapshot {
			return nil, vss.Errorf(vss.ErrUnexpected, "IVssEnumObject::Next", "asked for shadow copies, got VSS_OBJECT_TYPE %d", prop.Type)
		}
		out = append(out, prop.Snap.Snapshot())
		prop.Snap.Free()
		if hr == vss.False {
			break
		}
	}
	return out, nil
}
