//go:build windows && (amd64 || arm64)

package requestor

import (
	"context"
	"errors"
	"io/fs"
	"strings"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/writer"
)

func (w *winRequestor) WriterMetadata(ctx context.Context) (out []*writer.Metadata, err error) {
	err = w.traced("WriterMetadata", func() error {
		w.mu.Lock()
		defer w.mu.Unlock()
		if w.metadata == nil && !w.metadataSet {
			return vss.Errorf(vss.ErrBadState, "WriterMetadata", "GatherWriterMetadata has not run")
		}
		out = make([]*writer.Metadata, len(w.metadata))
		for i, m := range w.metadata {
			if m.XML == "" {
				// VSS saved no document: the identity is all there is.
				out[i] = &writer.Metadata{InstanceID: m.InstanceID, ClassID: m.ClassID, Name: m.Name, Usage: m.Usage, Source: m.Source}
				continue
			}
			md, err := writer.ParseMetadata([]byte(m.XML))
			if err != nil {
				out = nil
				return vss.Errorf(vss.CodeOf(err), "WriterMetadata", "the metadata document of writer %q: %v", m.Name, err)
			}
			out[i] = md
		}
		return nil
	})
	return out, err
}

func (w *winRequestor) WriterMetadataXML(ctx context.Context) (out []string, err error) {
	err = w.traced("WriterMetadataXML", func() error {
		w.mu.Lock()
		defer w.mu.Unlock()
		if w.metadata == nil && !w.metadataSet {
			return vss.Errorf(vss.ErrBadState, "WriterMetadataXML", "GatherWriterMetadata has not run")
		}
		out = make([]string, len(w.metadata))
		for i, m := range w.metadata {
			out[i] = m.XML
		}
		return nil
	})
	return out, err
}

func (w *winRequestor) StartSnapshotSet(ctx context.Context) (id vss.ID, err error) {
	err = w.call("StartSnapshotSet", func() (err error) { id, err = w.bc.StartSnapshotSet(); return err })
	return id, err
}

// volumeName writes a volume the way VSS wants it: with its trailing
// backslash (C: becomes C:\).
func volumeName(v string) string {
	if v != "" && !strings.HasSuffix(v, `\`) {
		return v + `\`
	}
	return v
}

func (w *winRequestor) AddToSnapshotSet(ctx context.Context, volume string, providerID vss.ID) (id vss.ID, err error) {
	if providerID.IsNil() {
		providerID = w.opts.Provider
	}
	err = w.call("AddToSnapshotSet", func() (err error) {
		id, err = w.bc.AddToSnapshotSet(volumeName(volume), providerID)
		return err
	})
	return id, err
}

func (w *winRequestor) AddComponent(ctx context.Context, writerInstance, writerClass vss.ID, key writer.ComponentKey) error {
	return w.call("AddComponent", func() error {
		err := w.bc.AddComponent(writerInstance, writerClass, key.Type, key.LogicalPath, key.Name)
		if err == nil {
			w.mu.Lock()
			w.selected = true
			w.mu.Unlock()
		}
		return err
	})
}

// PrepareForBackup sends PrepareBackup to the writers. Once it succeeded
// the backup must end with BackupComplete or AbortBackup; Close aborts it
// otherwise.
func (w *winRequestor) PrepareForBackup(ctx context.Context) error {
	return w.async(ctx, "PrepareForBackup", w.opts.Timeouts.Prepare, w.bc.PrepareForBackup, func() error {
		w.mu.Lock()
		w.prepared = true
		w.mu.Unlock()
		return w.freeMetadata()
	})
}

func (w *winRequestor) DoSnapshotSet(ctx context.Context) error {
	return w.traced("DoSnapshotSet", func() error {
		err := w.asyncCall(ctx, "DoSnapshotSet", w.opts.Timeouts.Snapshot, w.bc.DoSnapshotSet, nil)
		if err != nil && ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) {
			// Cancelled: make sure no writer stays frozen and the set is gone
			// before returning, as the Requestor contract promises. (When
			// Close cancelled it, Close aborts.)
			_ = w.comCall("AbortBackup", w.abort)
		}
		return err
	})
}

func (w *winRequestor) GatherWriterStatus(ctx context.Context) error {
	return w.async(ctx, "GatherWriterStatus", w.opts.Timeouts.Complete, w.bc.GatherWriterStatus, func() error {
		out, err := w.readWriterStatus()
		if err != nil {
			return err
		}
		w.mu.Lock()
		w.status = out
		w.mu.Unlock()
		return nil
	})
}

// failedAt is the event a VSS_WS_FAILED_AT_* state names.
func failedAt(s vss.WriterState) writer.EventKind {
	for _, k := range writer.Events() {
		if k.FailedState() == s {
			return k
		}
	}
	return 0
}

func (w *winRequestor) WriterStatus(ctx context.Context) (out []WriterStatus, err error) {
	err = w.traced("WriterStatus", func() error {
		w.mu.Lock()
		defer w.mu.Unlock()
		if w.status == nil {
			return vss.Errorf(vss.ErrBadState, "WriterStatus", "GatherWriterStatus has not run")
		}
		out = append([]WriterStatus(nil), w.status...)
		return nil
	})
	return out, err
}

func (w *winRequestor) GetSnapshotProperties(ctx context.Context, snapshotID vss.ID) (s provider.Snapshot, err error) {
	err = w.traced("GetSnapshotProperties", func() (err error) {
		s, err = w.snapshotProperties(snapshotID)
		return err
	})
	return s, err
}

// snapshotProperties is GetSnapshotProperties, not traced.
func (w *winRequestor) snapshotProperties(snapshotID vss.ID) (s provider.Snapshot, err error) {
	err = w.comCall("GetSnapshotProperties", func() error {
		p, err := w.bc.GetSnapshotProperties(snapshotID)
		if err != nil {
			return err
		}
		s = p.Snapshot()
		p.Free()
		return nil
	})
	return s, err
}

// SnapshotFS reads the shadow copy through its device object
// (\\?\GLOBALROOT\Device\HarddiskVolumeShadowCopyN\), so the same io/fs
// code reads real and simulated shadow copies.
func (w *winRequestor) SnapshotFS(ctx context.Context, snapshotID vss.ID) (fsys fs.FS, err error) {
	err = w.traced("SnapshotFS", func() error {
		p, err := w.snapshotProperties(snapshotID)
		if err != nil {
			return err
		}
		if p.DeviceObject == "" {
			return vss.Errorf(vss.ErrNotSupported, "SnapshotFS", "shadow copy %v has no device object", snapshotID)
		}
		fsys = newDeviceFS(p.DeviceObject)
		return nil
	})
	return fsys, err
}

func (w *winRequestor) SetBackupSucceeded(ctx context.Context, writerInstance, writerClass vss.ID, key writer.ComponentKey, succeeded bool) error {
	return w.call("SetBackupSucceeded", func() error {
		return w.bc.SetBackupSucceeded(writerInstance, writerClass, key.Type, key.LogicalPath, key.Name, succeeded)
	})
}

// BackupComplete tells the writers the backup is stored; once it
// succeeded, Close has no backup to abort.
func (w *winRequestor) BackupComplete(ctx context.Context) error {
	return w.async(ctx, "BackupComplete", w.opts.Timeouts.Complete, w.bc.BackupComplete, func() error {
		w.mu.Lock()
		w.ended = true
		w.mu.Unlock()
		return nil
	})
}

func (w *winRequestor) DeleteSnapshots(ctx context.Context, id vss.ID, kind provider.ObjectType) (n int, err error) {
	err = w.call("DeleteSnapshots", func() (err error) {
		n, err = w.bc.DeleteSnapshots(id, int32(kind), true)
		return err
	})
	return n, err
}

func (w *winRequestor) SaveAsXML(ctx context.Context) (xml string, err error) {
	err = w.call("SaveAsXML", func() (err error) { xml, err = w.bc.SaveAsXML(); return err })
	return xml, err
}

func (w *winRequestor) SetSelectedForRestore(ctx context.Context, writerClass vss.ID, key writer.ComponentKey, selected bool) error {
	return w.call("SetSelectedForRestore", func() error {
		return w.bc.SetSelectedForRestore(writerClass, key.Type, key.LogicalPath, key.Name, selected)
	})
}

func (w *winRequestor) PreRestore(ctx context.Context) error {
	return w.async(ctx, "PreRestore", w.opts.Timeouts.Complete, w.bc.PreRestore, nil)
}

func (w *winRequestor) PostRestore(ctx context.Context) error {
	return w.async(ctx, "PostRestore", w.opts.Timeouts.Complete, w.bc.PostRestore, nil)
}

func (w *winRequestor) Query(ctx context.Context) (s []provider.Snapshot, err error) {
	err = w.call("Query", func() (err error) { s, err = w.bc.Query(); return err })
	return s, err
}
