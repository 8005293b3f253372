package writer

import (
	"context"
	"time"

	"github.com/vsskit/vss"
)

// DefaultFreezeTimeout is CVssWriter's default maximum time between a
// writer's Freeze and its Thaw (dwTimeoutFreeze, 60000 ms).
const DefaultFreezeTimeout = 60 * time.Second

// Info is a writer's identity and freeze behaviour: the parameters of
// CVssWriter::Initialize. VSS reads it before Identify.
type Info struct {
	// ClassID is the writer class ID, the same for every instance of the
	// writer (for example {e8132975-6f93-4464-a53e-1050253ae220} for the
	// System Writer).
	ClassID vss.ID
	// InstanceID tells instances of one writer class apart.
	InstanceID vss.ID
	// Name is the writer's name, not localized.
	Name string
	// InstanceName names the instance, needed when a class has several.
	InstanceName string
	// Usage says what the writer's data is used for.
	Usage vss.UsageType
	// Source says what kind of data the writer manages.
	Source vss.SourceType
	// Level is the application level at which the writer is frozen:
	// front end first, then back end, then system. The zero value and
	// vss.AppAuto mean front end, CVssWriter's default.
	Level vss.AppLevel
	// FreezeTimeout is the longest the writer may stay frozen, from the
	// moment Freeze is sent until Thaw is sent. Past it the writer is
	// failed with vss.ErrWriterTimeout and receives Abort. Zero means
	// DefaultFreezeTimeout.
	FreezeTimeout time.Duration
}

// EffectiveFreezeTimeout returns FreezeTimeout, or DefaultFreezeTimeout
// when it is zero or negative.
func (i Info) EffectiveFreezeTimeout() time.Duration {
	if i.FreezeTimeout <= 0 {
		return DefaultFreezeTimeout
	}
	return i.FreezeTimeout
}

// EffectiveLevel returns Level with VSS_APP_AUTO and VSS_APP_UNKNOWN
// resolved to VSS_APP_FRONT_END, as VSS resolves them for ordinary writers.
func (i Info) EffectiveLevel() vss.AppLevel {
	if i.Level == vss.AppAuto || i.Level == vss.AppUnknown {
		return vss.AppFrontEnd
	}
	return i.Level
}

// Writer is a VSS writer: an application that brings its data to a
// consistent state on disk when VSS asks, so that a shadow copy taken at
// that moment can be restored without recovery.
//
// These four handlers are required, as they are pure virtual in CVssWriter.
// Each receives the event being delivered; see the package documentation
// for the rules on errors, concurrency and cancellation.
type Writer interface {
	// Info returns the writer's identity. It is read once per backup
	// session, before Identify, and must not change during a session.
	Info() Info

	// OnPrepareSnapshot is step 6: the shadow copy set and its volumes are
	// known (e.Volumes). The writer prepares for Freeze, for example by
	// flushing caches. A failure marks the writer FAILED_AT_PREPARE_SNAPSHOT
	// and it takes no further part in the snapshot; no Abort is sent.
	OnPrepareSnapshot(ctx context.Context, e *Event) error

	// OnFreeze is step 6: the writer stops changing its files on the volumes
	// in the set and holds new changes until Thaw or Abort. It is called in
	// level order. A failure or a freeze longer than the freeze timeout
	// marks the writer FAILED_AT_FREEZE and it receives Abort at once.
	OnFreeze(ctx context.Context, e *Event) error

	// OnThaw is step 9: the shadow copies are committed (or given up); the
	// writer resumes and applies what it held. A failure marks the writer
	// FAILED_AT_THAW and it receives Abort.
	OnThaw(ctx context.Context, e *Event) error

	// OnAbort is called when the backup ends prematurely: the writer failed
	// or timed out at Freeze or Thaw, the requestor called AbortBackup, or
	// the provider failed. The writer must return to normal operation,
	// resuming anything it froze and releasing what it prepared. It may be
	// called more than once, without a Freeze, and while a late handler is
	// still running. It is never called after OnPostSnapshot.
	OnAbort(ctx context.Context, e *Event) error
}

// Identifier is implemented by writers that declare components, files or a
// restore method in their writer metadata document. OnIdentify is step 1:
// md already holds the writer's identity; the writer adds the rest. A
// writer without it declares its identity only. A failure marks the writer
// FAILED_AT_IDENTIFY, and it takes no part in the backup.
type Identifier interface {
	OnIdentify(ctx context.Context, md *Metadata) error
}

// BackupPreparer is implemented by writers that act at PrepareBackup (step
// 3), when the backup type and the selected components (e.Components) are
// known. A failure marks the writer FAILED_AT_PREPARE_BACKUP; no Abort is
// sent for it.
type BackupPreparer interface {
	OnPrepareBackup(ctx context.Context, e *Event) error
}

// PostSnapshotter is implemented by writers that act after the shadow copies
// exist (step 9), for example to clean up files in the snapshot through
// e.SnapshotDevices. A failure marks the writer FAILED_AT_POST_SNAPSHOT; no
// Abort is sent.
type PostSnapshotter interface {
	OnPostSnapshot(ctx context.Context, e *Event) error
}

// BackupCompleter is implemented by writers that act when the requestor
// calls BackupComplete (step 11), for example to truncate logs of
// components that e.Components reports as backed up.
type BackupCompleter interface {
	OnBackupComplete(ctx context.Context, e *Event) error
}

// BackupShutdowner is implemented by writers that act when the backup
// session ends, whether it succeeded, failed or was aborted.
type BackupShutdowner interface {
	OnBackupShutdown(ctx context.Context, e *Event) error
}

// Restorer is implemented by writers that take part in restores: PreRestore
// comes before the requestor copies files back, PostRestore after. Restore
// has no Abort; failures are reported through writer status.
type Restorer interface {
	OnPreRestore(ctx context.Context, e *Event) error
	OnPostRestore(ctx context.Context, e *Event) error
}
