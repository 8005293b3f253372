//go:build windows && (amd64 || arm64)

package requestor

import (
	"context"

	"github.com/vsskit/vss"
)

var _ WriterChooser = (*winRequestor)(nil)

// EnableWriterClasses implements WriterChooser with
// IVssBackupComponents::EnableWriterClasses.
func (w *winRequestor) EnableWriterClasses(ctx context.Context, classes []vss.ID) error {
	return w.chooseWriters("EnableWriterClasses", classes, w.bc.EnableWriterClasses)
}

// DisableWriterClasses implements WriterChooser with
// IVssBackupComponents::DisableWriterClasses.
func (w *winRequestor) DisableWriterClasses(ctx context.Context, classes []vss.ID) error {
	return w.chooseWriters("DisableWriterClasses", classes, w.bc.DisableWriterClasses)
}

// DisableWriterInstances implements WriterChooser with
// IVssBackupComponents::DisableWriterInstances.
func (w *winRequestor) DisableWriterInstances(ctx context.Context, instances []vss.ID) error {
	return w.chooseWriters("DisableWriterInstances", instances, w.bc.DisableWriterInstances)
}

// chooseWriters makes one of the writer choice calls on the COM thread.
// An empty list is refused here, as the coordinator refuses it: VSS
// documents the array as "one or more" identifiers.
func (w *winRequestor) chooseWriters(op string, ids []vss.ID, call func([]vss.ID) error) error {
	if len(ids) == 0 {
		return vss.Errorf(vss.ErrInvalidArg, op, "no writer named: the array holds one or more identifiers")
	}
	return w.call(op, func() error { return call(ids) })
}
