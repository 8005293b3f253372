//go:build windows && (amd64 || arm64)

package vssfake

import (
	"github.com/vsskit/vss"
	"github.com/vsskit/vss/internal/com"
	"github.com/vsskit/vss/internal/vsscom"
	"github.com/vsskit/vss/writer"
)

const examineSlots = vsscom.WMSlots

// examine is one fake IVssExamineWriterMetadata.
type examine struct{ m *writer.Metadata }

func examineMethods() map[int]method {
	get := func(o *instance) *writer.Metadata { return o.impl.(*examine).m }
	return map[int]method{
		vsscom.WMGetIdentity: {6, func(o *instance, a []uintptr) vss.HRESULT {
			m := get(o)
			name, err := com.AllocBSTR(m.Name)
			if err != nil {
				return hr(err)
			}
			com.PutGUID(a[1], m.InstanceID)
			com.PutGUID(a[2], m.ClassID)
			putPtr(a[3], name)
			putU32(a[4], uint32(m.Usage))
			putU32(a[5], uint32(m.Source))
			return vss.OK
		}},
		vsscom.WMSaveAsXML: {2, func(o *instance, a []uintptr) vss.HRESULT {
			// The simulated writer's own document, as VSS would save it.
			x, err := get(o).XML()
			if err != nil {
				return hr(err)
			}
			p, err := com.AllocBSTR(x)
			putPtr(a[1], p)
			return hr(err)
		}},
	}
}
