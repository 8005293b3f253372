//go:build windows && (amd64 || arm64)

package vsscom

import (
	"unsafe"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/internal/com"
)

// WriterMetadata is what this project reads of one writer's
// IVssExamineWriterMetadata: its identity and the whole document as XML.
type WriterMetadata struct {
	InstanceID, ClassID vss.ID
	Name                string
	Usage               vss.UsageType
	Source              vss.SourceType
	XML                 string // IVssExamineWriterMetadata::SaveAsXML
}

// WriterMetadata reads every writer's metadata gathered by
// GatherWriterMetadata, releasing each IVssExamineWriterMetadata.
func (b *BackupComponents) WriterMetadata() ([]WriterMetadata, error) {
	var n uint32
	if err := b.hr("GetWriterMetadataCount", BCGetWriterMetadataCount, new(com.Args).Ptr(unsafe.Pointer(&n))); err != nil {
		return nil, err
	}
	out := make([]WriterMetadata, 0, n)
	for i := uint32(0); i < n; i++ {
		var inst [16]byte
		var wm unsafe.Pointer
		if err := b.hr("GetWriterMetadata", BCGetWriterMetadata,
			new(com.Args).Uint(uintptr(i)).Ptr(unsafe.Pointer(&inst)).Ptr(unsafe.Pointer(&wm))); err != nil {
			com.Release(wm)
			return nil, err
		}
		m, err := examine(wm)
		com.Release(wm)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// examine reads one IVssExamineWriterMetadata.
func examine(wm unsafe.Pointer) (WriterMetadata, error) {
	var m WriterMetadata
	if wm == nil {
		return m, vss.Errorf(vss.ErrUnexpected, "IVssBackupComponents::GetWriterMetadata", "no IVssExamineWriterMetadata returned")
	}
	var inst, class [16]byte
	var name unsafe.Pointer
	var usage, source int32
	hr := com.HR(wm, WMGetIdentity, new(com.Args).Ptr(unsafe.Pointer(&inst)).Ptr(unsafe.Pointer(&class)).
		Ptr(unsafe.Pointer(&name)).Ptr(unsafe.Pointer(&usage)).Ptr(unsafe.Pointer(&source)))
	m.Name = com.TakeBSTR(name)
	if err := check("IVssExamineWriterMetadata::GetIdentity", hr); err != nil {
		return m, err
	}
	m.InstanceID, m.ClassID = vss.FromWindowsBytes(inst), vss.FromWindowsBytes(class)
	m.Usage, m.Source = vss.UsageType(usage), vss.SourceType(source)
	var xml unsafe.Pointer
	hr = com.HR(wm, WMSaveAsXML, new(com.Args).Ptr(unsafe.Pointer(&xml)))
	m.XML = com.TakeBSTR(xml)
	return m, check("IVssExamineWriterMetadata::SaveAsXML", hr)
}

// WriterStatus is one writer's entry of GetWriterStatusEx, or of
// GetWriterStatus where VSS lacks IVssBackupComponentsEx3 (then
// ApplicationFailure and ApplicationMessage are zero).
type WriterStatus struct {
	InstanceID, ClassID vss.ID
	Name                string
	State               vss.WriterState
	Failure             vss.HRESULT
	ApplicationFailure  vss.HRESULT
	ApplicationMessage  string
}

// WriterStatus reads every writer's status gathered by GatherWriterStatus,
// through IVssBackupComponentsEx3::GetWriterStatusEx where VSS has it,
// then frees them (FreeWriterStatus), on every path.
func (b *BackupComponents) WriterStatus() (out []WriterStatus, err error) {
	defer func() {
		if ferr := b.hr("FreeWriterStatus", BCFreeWriterStatus, nil); err == nil {
			err = ferr
		}
	}()
	ex3, err := queryInterface(b.p, "IVssBackupComponents", IIDBackupComponentsEx3)
	if err != nil {
		return nil, err
	}
	defer com.Release(ex3)
	var n uint32
	if err := b.hr("GetWriterStatusCount", BCGetWriterStatusCount, new(com.Args).Ptr(unsafe.Pointer(&n))); err != nil {
		return nil, err
	}
	out = make([]WriterStatus, 0, n)
	for i := uint32(0); i < n; i++ {
		s, err := b.writerStatusAt(ex3, i)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}
