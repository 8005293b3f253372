//go:build windows && (amd64 || arm64)

package requestor

import (
	"context"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/writer"
)

var _ IncrementalBackuper = (*winRequestor)(nil)

// SetPreviousBackupStamp implements IncrementalBackuper with
// IVssBackupComponents::SetPreviousBackupStamp.
func (w *winRequestor) SetPreviousBackupStamp(ctx context.Context, writerClass vss.ID, key writer.ComponentKey, stamp string) error {
	return w.call("SetPreviousBackupStamp", func() error {
		return w.bc.SetPreviousBackupStamp(writerClass, key.Type, key.LogicalPath, key.Name, stamp)
	})
}

// SetBackupOptions implements IncrementalBackuper with
// IVssBackupComponents::SetBackupOptions.
func (w *winRequestor) SetBackupOptions(ctx context.Context, writerClass vss.ID, key writer.ComponentKey, options string) error {
	return w.call("SetBackupOptions", func() error {
		return w.bc.SetBackupOptions(writerClass, key.Type, key.LogicalPath, key.Name, options)
	})
}
