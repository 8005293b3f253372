//go:build windows && (amd64 || arm64)

package vssfake

import (
	"github.com/vsskit/vss"
	"github.com/vsskit/vss/internal/vsscom"
)

const enumSlots = vsscom.EnumSlots

// enum is one fake IVssEnumObject over the shadow copies the session
// added that still exist.
type enum struct {
	f   *Fake
	ids []vss.ID
}

func enumMethods() map[int]method {
	return map[int]method{
		vsscom.EnumNext: {4, func(o *instance, a []uintptr) vss.HRESULT {
			e := o.impl.(*enum)
			putU32(a[3], 0)
			if uint32(a[1]) == 0 {
				return vss.OK
			}
			for len(e.ids) > 0 {
				id := e.ids[0]
				e.ids = e.ids[1:]
				prop := (*vsscom.ObjectProp)(ptr(a[2]))
				err := e.f.snapshotProp(id, &prop.Snap)
				if vss.CodeOf(err) == vss.ErrObjectNotFound {
					continue
				}
				if err != nil {
					return hr(err)
				}
				prop.Type = 3 // VSS_OBJECT_SNAPSHOT
				putU32(a[3], 1)
				if uint32(a[1]) == 1 {
					return vss.OK
				}
				return vss.False // fewer than asked
			}
			return vss.False
		}},
	}
}
