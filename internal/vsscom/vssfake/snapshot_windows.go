//go:build windows && (amd64 || arm64)

package vssfake

import (
	"os"
	"path/filepath"
	"strings"
	"unsafe"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/internal/com"
	"github.com/vsskit/vss/internal/vsscom"
)

func ptr(u uintptr) unsafe.Pointer { return com.Ptr(u) }

// snapshotProp fills a VSS_SNAPSHOT_PROP the way VSS does: strings
// allocated with CoTaskMemAlloc for the caller to free.
func (f *Fake) snapshotProp(id vss.ID, p *vsscom.SnapshotProp) error {
	if p == nil {
		return vss.ErrInvalidArg
	}
	s, err := f.R.GetSnapshotProperties(ctx, id)
	if err != nil {
		return err
	}
	if f.SnapshotDir != "" {
		dir, err := f.layOut(id)
		if err != nil {
			return vss.Errorf(vss.ErrUnexpected, "GetSnapshotProperties", "laying out the shadow copy: %w", err)
		}
		s.DeviceObject = dir
	}
	*p = vsscom.SnapshotProp{
		SnapshotID: s.ID.WindowsBytes(), SetID: s.SetID.WindowsBytes(), SnapshotsCount: int32(s.SnapshotsCount),
		ProviderID: s.ProviderID.WindowsBytes(), Attributes: int32(s.Attributes),
		Created: vsscom.Timestamp(s.Created), Status: int32(s.State),
	}
	for _, x := range []struct {
		dst *unsafe.Pointer
		s   string
	}{{&p.DeviceObject, s.DeviceObject}, {&p.OriginalVolume, s.OriginalVolume}, {&p.OriginatingMachine, s.OriginatingMachine},
		{&p.ServiceMachine, s.ServiceMachine}, {&p.ExposedName, s.ExposedName}, {&p.ExposedPath, s.ExposedPath}} {
		if x.s == "" {
			continue
		}
		m, err := com.TaskMemString(x.s)
		if err != nil {
			p.Free()
			return err
		}
		*x.dst = m
	}
	return nil
}

// layOut copies a shadow copy's contents from R into a directory of its
// own under SnapshotDir, once, and returns the directory.
func (f *Fake) layOut(id vss.ID) (string, error) {
	dir := filepath.Join(f.SnapshotDir, strings.Trim(id.String(), "{}"))
	if _, err := os.Stat(dir); err == nil {
		return dir, nil
	}
	src, err := f.R.SnapshotFS(ctx, id)
	if err != nil {
		return "", err
	}
	if err := os.CopyFS(dir, src); err != nil {
		return "", err
	}
	return dir, nil
}
