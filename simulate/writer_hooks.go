package simulate

import (
	"context"

	"github.com/vsskit/vss/writer"
)

// eventHooks is what the simulator puts between VSS and a writer: the
// fault injector (faultyWriter) and the writer suite's recorder. A hooks
// value sees Identify and every other event, optional ones included, and
// decides how the wrapped writer gets them (usually writer.Identify and
// writer.Deliver, which keep the writer's optional handlers' meaning).
type eventHooks interface {
	Info() writer.Info
	identify(ctx context.Context, md *writer.Metadata) error
	event(ctx context.Context, e *writer.Event) error
}

// hooked is a writer whose every handler goes to its hooks.
type hooked struct{ eventHooks }

func (h hooked) OnIdentify(ctx context.Context, md *writer.Metadata) error {
	return h.identify(ctx, md)
}
func (h hooked) OnPrepareBackup(ctx context.Context, e *writer.Event) error   { return h.event(ctx, e) }
func (h hooked) OnPrepareSnapshot(ctx context.Context, e *writer.Event) error { return h.event(ctx, e) }
func (h hooked) OnFreeze(ctx context.Context, e *writer.Event) error          { return h.event(ctx, e) }
func (h hooked) OnThaw(ctx context.Context, e *writer.Event) error            { return h.event(ctx, e) }
func (h hooked) OnAbort(ctx context.Context, e *writer.Event) error           { return h.event(ctx, e) }
func (h hooked) OnPostSnapshot(ctx context.Context, e *writer.Event) error    { return h.event(ctx, e) }
func (h hooked) OnBackupComplete(ctx context.Context, e *writer.Event) error  { return h.event(ctx, e) }
func (h hooked) OnBackupShutdown(ctx context.Context, e *writer.Event) error  { return h.event(ctx, e) }
func (h hooked) OnPreRestore(ctx context.Context, e *writer.Event) error      { return h.event(ctx, e) }
func (h hooked) OnPostRestore(ctx context.Context, e *writer.Event) error     { return h.event(ctx, e) }

var (
	_ writer.Identifier       = hooked{}
	_ writer.BackupPreparer   = hooked{}
	_ writer.PostSnapshotter  = hooked{}
	_ writer.BackupCompleter  = hooked{}
	_ writer.BackupShutdowner = hooked{}
	_ writer.Restorer         = hooked{}
)
