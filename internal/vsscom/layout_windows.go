//go:build windows && (amd64 || arm64)

package vsscom

import (
	"time"
	"unsafe"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/internal/com"
	"github.com/vsskit/vss/provider"
)

// SnapshotProp is VSS_SNAPSHOT_PROP as it lies in memory on 64-bit
// Windows. Its strings are CoTaskMem allocations of the callee; Free
// releases them.
type SnapshotProp struct {
	SnapshotID         [16]byte
	SetID              [16]byte
	SnapshotsCount     int32
	DeviceObject       unsafe.Pointer
	OriginalVolume     unsafe.Pointer
	OriginatingMachine unsafe.Pointer
	ServiceMachine     unsafe.Pointer
	ExposedName        unsafe.Pointer
	ExposedPath        unsafe.Pointer
	ProviderID         [16]byte
	Attributes         int32
	Created            int64 // VSS_TIMESTAMP: 100 ns intervals since 1601-01-01 UTC
	Status             int32
}

// ObjectProp is VSS_OBJECT_PROP with its union read as a snapshot (the
// only kind this project queries).
type ObjectProp struct {
	Type int32
	Snap SnapshotProp
}

// The Go layouts must be the C layouts: these fail to compile otherwise.
var (
	_ [unsafe.Sizeof(SnapshotProp{}) - SnapshotPropSize]byte
	_ [SnapshotPropSize - unsafe.Sizeof(SnapshotProp{})]byte
	_ [unsafe.Sizeof(ObjectProp{}) - ObjectPropSize]byte
	_ [ObjectPropSize - unsafe.Sizeof(ObjectProp{})]byte
	_ [unsafe.Offsetof(SnapshotProp{}.ProviderID) - 88]byte
	_ [88 - unsafe.Offsetof(SnapshotProp{}.ProviderID)]byte
	_ [unsafe.Offsetof(SnapshotProp{}.Created) - 112]byte
	_ [112 - unsafe.Offsetof(SnapshotProp{}.Created)]byte
	_ [unsafe.Offsetof(ObjectProp{}.Snap) - 8]byte
	_ [8 - unsafe.Offsetof(ObjectProp{}.Snap)]byte
)

// unixEpochIn1601 is 1970-01-01 in 100 ns intervals since 1601-01-01.
const unixEpochIn1601 = 116444736000000000

// Snapshot converts the properties to the project's form.
func (p *SnapshotProp) Snapshot() provider.Snapshot {
	s := provider.Snapshot{
		ID:                 vss.FromWindowsBytes(p.SnapshotID),
		SetID:              vss.FromWindowsBytes(p.SetID),
		SnapshotsCount:     int(p.SnapshotsCount),
		DeviceObject:       com.WString(p.DeviceObject),
		OriginalVolume:     com.WString(p.OriginalVolume),
		OriginatingMachine: com.WString(p.OriginatingMachine),
		ServiceMachine:     com.WString(p.ServiceMachine),
		ExposedName:        com.WString(p.ExposedName),
		ExposedPath:        com.WString(p.ExposedPath),
		ProviderID:         vss.FromWindowsBytes(p.ProviderID),
		Attributes:         vss.SnapshotAttributes(uint32(p.Attributes)),
		State:              vss.SnapshotState(p.Status),
	}
	if p.Created != 0 {
		s.Created = time.Unix(0, (p.Created-unixEpochIn1601)*100).UTC()
	}
	return s
}

// Free releases the strings, as VssFreeSnapshotProperties does, and
// clears them.
func (p *SnapshotProp) Free() {
	for _, f := range []*unsafe.Pointer{&p.DeviceObject, &p.OriginalVolume, &p.OriginatingMachine,
		&p.ServiceMachine, &p.ExposedName, &p.ExposedPath} {
		com.TaskMemFree(*f)
		*f = nil
	}
}

// Timestamp is the VSS_TIMESTAMP of t.
func Timestamp(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()/100 + unixEpochIn1601
}
