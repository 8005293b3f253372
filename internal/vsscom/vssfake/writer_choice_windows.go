//go:build windows && (amd64 || arm64)

package vssfake

import (
	"github.com/vsskit/vss"
	"github.com/vsskit/vss/internal/com"
	"github.com/vsskit/vss/internal/vsscom"
	"github.com/vsskit/vss/requestor"
)

// withWriterChoice adds to the fake IVssBackupComponents' methods the
// writer choice calls (EnableWriterClasses, DisableWriterClasses,
// DisableWriterInstances): each records its array, as WriterClasses
// reports the classes, and passes the call on to R when R is a
// requestor.WriterChooser (a coordinator session is), so that the writers
// left out really get no event.
func withWriterChoice(ms map[int]method) map[int]method {
	choice := func(name string, into func(f *Fake) *[]vss.ID, pass func(requestor.WriterChooser, []vss.ID) error) method {
		return method{3, func(o *instance, a []uintptr) vss.HRESULT {
			f := o.impl.(*backup).f
			f.record(name)
			ids, err := guids(a[1], a[2])
			if err != nil {
				return hr(err)
			}
			if into != nil {
				f.mu.Lock()
				*into(f) = append(*into(f), ids...)
				f.mu.Unlock()
			}
			if wc, ok := f.R.(requestor.WriterChooser); ok {
				return hr(pass(wc, ids))
			}
			return vss.OK
		}}
	}
	ms[vsscom.BCEnableWriterClasses] = choice("EnableWriterClasses", func(f *Fake) *[]vss.ID { return &f.enabled },
		func(wc requestor.WriterChooser, ids []vss.ID) error { return wc.EnableWriterClasses(ctx, ids) })
	ms[vsscom.BCDisableWriterClasses] = choice("DisableWriterClasses", func(f *Fake) *[]vss.ID { return &f.disabled },
		func(wc requestor.WriterChooser, ids []vss.ID) error { return wc.DisableWriterClasses(ctx, ids) })
	ms[vsscom.BCDisableWriterInstances] = choice("DisableWriterInstances", nil,
		func(wc requestor.WriterChooser, ids []vss.ID) error { return wc.DisableWriterInstances(ctx, ids) })
	return ms
}

// guids reads an array of n GUIDs at p.
func guids(p, n uintptr) ([]vss.ID, error) {
	count := int(uint32(n))
	if count > 0 && p == 0 {
		return nil, vss.ErrInvalidArg
	}
	ids := make([]vss.ID, count)
	for i := range ids {
		ids[i] = com.FromPtr(p + uintptr(16*i))
	}
	return ids, nil
}
