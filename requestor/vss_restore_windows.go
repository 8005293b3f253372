//go:build windows && (amd64 || arm64)

package requestor

import (
	"context"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/writer"
)

// The restore calls of a Windows session beyond InitializeForRestore,
// SetSelectedForRestore, PreRestore and PostRestore (vss_calls_windows.go):
// each is the IVssBackupComponents method of its name.

func (w *winRequestor) SetRestoreState(ctx context.Context, t vss.RestoreType) error {
	return w.call("SetRestoreState", func() error { return w.bc.SetRestoreState(t) })
}

func (w *winRequestor) AddRestoreSubcomponent(ctx context.Context, writerClass vss.ID, key writer.ComponentKey, subLogicalPath, subName string) error {
	return w.call("AddRestoreSubcomponent", func() error {
		return w.bc.AddRestoreSubcomponent(writerClass, key.Type, key.LogicalPath, key.Name, subLogicalPath, subName)
	})
}

func (w *winRequestor) SetRestoreOptions(ctx context.Context, writerClass vss.ID, key writer.ComponentKey, options string) error {
	return w.call("SetRestoreOptions", func() error {
		return w.bc.SetRestoreOptions(writerClass, key.Type, key.LogicalPath, key.Name, options)
	})
}

func (w *winRequestor) SetAdditionalRestores(ctx context.Context, writerClass vss.ID, key writer.ComponentKey, additional bool) error {
	return w.call("SetAdditionalRestores", func() error {
		return w.bc.SetAdditionalRestores(writerClass, key.Type, key.LogicalPath, key.Name, additional)
	})
}

func (w *winRequestor) AddNewTarget(ctx context.Context, writerClass vss.ID, key writer.ComponentKey, files writer.FileSpec) error {
	return w.call("AddNewTarget", func() error {
		return w.bc.AddNewTarget(writerClass, key.Type, key.LogicalPath, key.Name, files.Path, files.Spec, files.Recursive, files.AlternatePath)
	})
}

func (w *winRequestor) AddAlternativeLocationMapping(ctx context.Context, writerClass vss.ID, key writer.ComponentKey, files writer.FileSpec) error {
	return w.call("AddAlternativeLocationMapping", func() error {
		return w.bc.AddAlternativeLocationMapping(writerClass, key.Type, key.LogicalPath, key.Name,
			files.Path, files.Spec, files.Recursive, files.AlternatePath)
	})
}

func (w *winRequestor) SetFileRestoreStatus(ctx context.Context, writerClass vss.ID, key writer.ComponentKey, status vss.FileRestoreStatus) error {
	return w.call("SetFileRestoreStatus", func() error {
		return w.bc.SetFileRestoreStatus(writerClass, key.Type, key.LogicalPath, key.Name, status)
	})
}

// WriterComponents reads GetWriterComponents: each writer's components
// with what the restore recorded about them (selection, options, the
// restore target the writer set, the file restore status and failure
// messages).
func (w *winRequestor) WriterComponents(ctx context.Context) (out []*WriterComponents, err error) {
	err = w.call("WriterComponents", func() error {
		wcs, err := w.bc.WriterComponents()
		if err != nil {
			return err
		}
		for _, wc := range wcs {
			d := &WriterComponents{InstanceID: wc.InstanceID, ClassID: wc.ClassID}
			for _, c := range wc.Components {
				d.Components = append(d.Components, &writer.Component{Type: c.Type, LogicalPath: c.LogicalPath, Name: c.Name,
					SelectedForRestore: c.SelectedForRestore, AdditionalRestores: c.AdditionalRestores,
					RestoreOptions: c.RestoreOptions, RestoreTarget: c.RestoreTarget, FileRestoreStatus: c.FileRestoreStatus,
					PreRestoreFailureMsg: c.PreRestoreFailureMsg, PostRestoreFailureMsg: c.PostRestoreFailureMsg})
			}
			out = append(out, d)
		}
		return nil
	})
	return out, err
}
