//go:build windows && (amd64 || arm64)

package vssfake

import (
	"github.com/vsskit/vss"
	"github.com/vsskit/vss/internal/com"
	"github.com/vsskit/vss/internal/vsscom"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/writer"
)

// withIncremental adds to the fake IVssBackupComponents' methods
// SetPreviousBackupStamp and SetBackupOptions, passed on to R when R is a
// requestor.IncrementalBackuper (a coordinator session is), E_NOTIMPL
// otherwise. As the SDK pages say, the component name "cannot be NULL";
// a NULL stamp or options string is refused as well (E_INVALIDARG), as no
// string at all is not the null-terminated string the pages ask for.
func withIncremental(ms map[int]method) map[int]method {
	call := func(name string, pass func(ib requestor.IncrementalBackuper, class vss.ID, key writer.ComponentKey, s string) error) method {
		return method{5 + G, func(o *instance, a []uintptr) vss.HRESULT {
			f := o.impl.(*backup).f
			f.record(name)
			class, i := com.ArgGUID(a, 1)
			if a[i+2] == 0 || a[i+3] == 0 {
				return vss.ErrInvalidArg
			}
			ib, ok := f.R.(requestor.IncrementalBackuper)
			if !ok {
				return vss.ErrNotImpl
			}
			return hr(pass(ib, class, component(a, i), com.WString(com.Ptr(a[i+3]))))
		}}
	}
	ms[vsscom.BCSetPreviousBackupStamp] = call("SetPreviousBackupStamp",
		func(ib requestor.IncrementalBackuper, class vss.ID, key writer.ComponentKey, s string) error {
			return ib.SetPreviousBackupStamp(ctx, class, key, s)
		})
	ms[vsscom.BCSetBackupOptions] = call("SetBackupOptions",
		func(ib requestor.IncrementalBackuper, class vss.ID, key writer.ComponentKey, s string) error {
			return ib.SetBackupOptions(ctx, class, key, s)
		})
	return ms
}
