package writer

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"

	"github.com/vsskit/vss"
)

// EventKind names a VSS writer event.
type EventKind int

// The writer events, in protocol order.
const (
	EventIdentify EventKind = iota + 1
	EventPrepareBackup
	EventPrepareSnapshot
	EventFreeze
	EventThaw
	EventPostSnapshot
	EventAbort
	EventBackupComplete
	EventBackupShutdown
	EventPreRestore
	EventPostRestore
)

var eventNames = [...]string{
	EventIdentify: "Identify", EventPrepareBackup: "PrepareBackup", EventPrepareSnapshot: "PrepareSnapshot",
	EventFreeze: "Freeze", EventThaw: "Thaw", EventPostSnapshot: "PostSnapshot", EventAbort: "Abort",
	EventBackupComplete: "BackupComplete", EventBackupShutdown: "BackupShutdown",
	EventPreRestore: "PreRestore", EventPostRestore: "PostRestore",
}

// String returns the event name as VSS documents it, for example "Freeze".
func (k EventKind) String() string {
	if k > 0 && int(k) < len(eventNames) {
		return eventNames[k]
	}
	return fmt.Sprintf("EventKind(%d)", int(k))
}

// Events lists every writer event in protocol order.
func Events() []EventKind {
	return []EventKind{EventIdentify, EventPrepareBackup, EventPrepareSnapshot, EventFreeze, EventThaw,
		EventPostSnapshot, EventAbort, EventBackupComplete, EventBackupShutdown, EventPreRestore, EventPostRestore}
}

// FailedState is the writer state a failure at this event leaves, for
// example VSS_WS_FAILED_AT_FREEZE for Freeze. Abort has no failed state of
// its own: a writer that fails at Abort keeps the state it had.
func (k EventKind) FailedState() vss.WriterState {
	switch k {
	case EventIdentify:
		return vss.WriterFailedAtIdentify
	case EventPrepareBackup:
		return vss.WriterFailedAtPrepareBackup
	case EventPrepareSnapshot:
		return vss.WriterFailedAtPrepareSnapshot
	case EventFreeze:
		return vss.WriterFailedAtFreeze
	case EventThaw:
		return vss.WriterFailedAtThaw
	case EventPostSnapshot:
		return vss.WriterFailedAtPostSnapshot
	case EventBackupComplete:
		return vss.WriterFailedAtBackupComplete
	case EventBackupShutdown:
		return vss.WriterFailedAtBackupShutdown
	case EventPreRestore:
		return vss.WriterFailedAtPreRestore
	case EventPostRestore:
		return vss.WriterFailedAtPostRestore
	}
	return vss.WriterStateUnknown
}

// Event is what a writer can learn about the backup in progress while it
// handles an event: what CVssWriter's GetCurrentSnapshotSetId,
// GetCurrentVolumeArray, GetBackupType, GetContext, AreComponentsSelected,
// IsBootableSystemStateBackedUp, IsPartialFileSupportEnabled,
// GetCurrentLevel and GetSnapshotDeviceName answer. Each writer receives
// its own copy; fields that are not known yet at an event are zero.
type Event struct {
	// Kind is the event being delivered.
	Kind EventKind
	// SnapshotSetID is the shadow copy set being created (from
	// PrepareSnapshot on).
	SnapshotSetID vss.ID
	// BackupType is the backup type the requestor set with SetBackupState.
	BackupType vss.BackupType
	// Context is the snapshot context the requestor set with SetContext.
	Context vss.SnapshotContext
	// Volumes lists the volumes in the shadow copy set (from
	// PrepareSnapshot on), in the order they were added.
	Volumes []string
	// Level is the application level being frozen or thawed (Freeze and
	// Thaw only).
	Level vss.AppLevel
	// ComponentsSelected reports whether the requestor runs a
	// component-mode backup (SetBackupState's bSelectComponents).
	ComponentsSelected bool
	// BootableSystemState reports whether the backup includes bootable
	// system state.
	BootableSystemState bool
	// PartialFileSupport reports whether the requestor supports partial
	// file backups.
	PartialFileSupport bool
	// Components are this writer's components in the backup components
	// document: the ones the requestor selected (PrepareBackup,
	// PrepareSnapshot, PostSnapshot, BackupComplete) or selected for
	// restore (PreRestore, PostRestore). A writer may record a backup stamp
	// or backup metadata in them at PrepareBackup and PostSnapshot.
	Components []*Component
	// SnapshotDevices maps each volume of the set to the device object of
	// its shadow copy (PostSnapshot and later).
	SnapshotDevices map[string]string
	// Metadata is the writer metadata document being built (Identify
	// only): Deliver hands it to OnIdentify.
	Metadata *Metadata

	// Failure is what the handler recorded with SetWriterFailure or
	// SetWriterFailureEx, which a handler calls rather than set it: they
	// check the code. VSS reads it once the handler returns; nil when the
	// handler recorded nothing.
	Failure *Failure
	// RestoreType is the restore's type as the requestor set it with
	// SetRestoreState (PreRestore and PostRestore; CVssWriter's
	// GetRestoreType); VSS_RTYPE_UNDEFINED, which a writer treats as
	// VSS_RTYPE_BY_COPY, when it set none.
	RestoreType vss.RestoreType
}

// Clone returns a copy of e that shares nothing mutable with it, so that
// each writer can receive its own.
func (e *Event) Clone() *Event {
	c := *e
	c.Volumes = append([]string(nil), e.Volumes...)
	if e.Components != nil {
		c.Components = make([]*Component, len(e.Components))
		for i, comp := range e.Components {
			c.Components[i] = comp.Clone()
		}
	}
	if e.Failure != nil {
		f := *e.Failure
		c.Failure = &f
	}
	if e.SnapshotDevices != nil {
		c.SnapshotDevices = make(map[string]string, len(e.SnapshotDevices))
		for k, v := range e.SnapshotDevices {
			c.SnapshotDevices[k] = v
		}
	}
	return &c
}

// PanicError is the error a writer event handler's panic becomes. It
// counts as vss.ErrWriterNonRetryable.
type PanicError struct {
	Event EventKind
	Value any    // what the handler panicked with
	Stack []byte // the stack of the panicking goroutine
}

func (p *PanicError) Error() string {
	return fmt.Sprintf("writer panicked in On%s: %v", p.Event, p.Value)
}

// Unwrap makes a panic count as vss.ErrWriterNonRetryable.
func (p *PanicError) Unwrap() error { return vss.ErrWriterNonRetryable }

// Deliver calls w's handler for e.Kind, with CVssWriter's defaults for the
// optional handlers a writer does not implement, and turns a panic into a
// *PanicError. An Identify event goes to OnIdentify with e.Metadata (see
// Identify, which builds and validates the document). A writer made by
// Intercept gets the event through its interceptor first. Deliver is how
// VSS, in this module, hands any event to any writer.
func Deliver(ctx context.Context, w Writer, e *Event) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &PanicError{Event: e.Kind, Value: r, Stack: debug.Stack()}
		}
	}()
	if iw, ok := w.(*intercepted); ok {
		return iw.f(ctx, e, func(ctx context.Context, e *Event) error { return Deliver(ctx, iw.inner, e) })
	}
	switch e.Kind {
	case EventIdentify:
		if e.Metadata == nil {
			return errors.New("writer: Deliver needs the document being built in Event.Metadata for Identify; writer.Identify builds it")
		}
		if h, ok := w.(Identifier); ok {
			return h.OnIdentify(ctx, e.Metadata)
		}
	case EventPrepareSnapshot:
		return w.OnPrepareSnapshot(ctx, e)
	case EventFreeze:
		return w.OnFreeze(ctx, e)
	case EventThaw:
		return w.OnThaw(ctx, e)
	case EventAbort:
		return w.OnAbort(ctx, e)
	case EventPrepareBackup:
		if h, ok := w.(BackupPreparer); ok {
			return h.OnPrepareBackup(ctx, e)
		}
	case EventPostSnapshot:
		if h, ok := w.(PostSnapshotter); ok {
			return h.OnPostSnapshot(ctx, e)
		}
	case EventBackupComplete:
		if h, ok := w.(BackupCompleter); ok {
			return h.OnBackupComplete(ctx, e)
		}
	case EventBackupShutdown:
		if h, ok := w.(BackupShutdowner); ok {
			return h.OnBackupShutdown(ctx, e)
		}
	case EventPreRestore:
		if h, ok := w.(Restorer); ok {
			return h.OnPreRestore(ctx, e)
		}
	case EventPostRestore:
		if h, ok := w.(Restorer); ok {
			return h.OnPostRestore(ctx, e)
		}
	default:
		return fmt.Errorf("writer: Deliver cannot deliver %v", e.Kind)
	}
	return nil
}

// Identify sends the Identify event to w: it builds the writer metadata
// document from w's identity and delivers it (Deliver) so that an
// Identifier adds its components. A document that is not valid
// (Metadata.Validate) fails the event; a panic becomes a *PanicError.
func Identify(ctx context.Context, w Writer) (*Metadata, error) {
	// The document and the event that carries it, in one allocation.
	x := &struct {
		md Metadata
		e  Event
	}{md: metadataOf(w.Info())}
	md := &x.md
	x.e = Event{Kind: EventIdentify, Metadata: md}
	if err := Deliver(ctx, w, &x.e); err != nil {
		return nil, err
	}
	if err := md.Validate(); err != nil {
		return nil, err
	}
	return md, nil
}
