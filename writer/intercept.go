package writer

import "context"

// Interceptor sits between VSS and a writer. It is called with every event
// the wrapped writer is sent, Identify and the optional events included,
// and decides what happens: next delivers the event to the wrapped writer
// (with CVssWriter's defaults for a handler the writer lacks). An
// interceptor that returns an error without calling next fails the event
// without the writer seeing it. At Identify, e.Metadata is the document
// being built.
type Interceptor func(ctx context.Context, e *Event, next func(ctx context.Context, e *Event) error) error

// Intercept returns a writer that passes every event for w through f: the
// one way this module puts code between VSS and a writer (fault injection,
// recording, the conformance suites' hooks). It has exactly w's handlers:
// Deliver and Identify route events through f to w, and Handles sees
// through it, so no optional handler of w is hidden or invented. Info is
// not intercepted.
func Intercept(w Writer, f Interceptor) Writer {
	return &intercepted{inner: w, f: f}
}

// Wrapper is implemented by writers that wrap another, as Intercept's do:
// Unwrap returns the wrapped writer. Handles follows it.
type Wrapper interface {
	Unwrap() Writer
}

type intercepted struct {
	inner Writer
	f     Interceptor
}

func (w *intercepted) Unwrap() Writer { return w.inner }
func (w *intercepted) Info() Info     { return w.inner.Info() }

// The required handlers go through Deliver, so that calling one directly is
// intercepted too.
func (w *intercepted) OnPrepareSnapshot(ctx context.Context, e *Event) error {
	return Deliver(ctx, w, e)
}
func (w *intercepted) OnFreeze(ctx context.Context, e *Event) error { return Deliver(ctx, w, e) }
func (w *intercepted) OnThaw(ctx context.Context, e *Event) error   { return Deliver(ctx, w, e) }
func (w *intercepted) OnAbort(ctx context.Context, e *Event) error  { return Deliver(ctx, w, e) }

// Handles reports whether w, seen through any Wrapper, has its own handler
// for events of kind k: always for the four required events, and for an
// optional event when the innermost writer implements its interface
// (Identifier, BackupPreparer, PostSnapshotter, BackupCompleter,
// BackupShutdowner, Restorer).
func Handles(w Writer, k EventKind) bool {
	for {
		u, ok := w.(Wrapper)
		if !ok {
			break
		}
		w = u.Unwrap()
	}
	var ok bool
	switch k {
	case EventPrepareSnapshot, EventFreeze, EventThaw, EventAbort:
		ok = true
	case EventIdentify:
		_, ok = w.(Identifier)
	case EventPrepareBackup:
		_, ok = w.(BackupPreparer)
	case EventPostSnapshot:
		_, ok = w.(PostSnapshotter)
	case EventBackupComplete:
		_, ok = w.(BackupCompleter)
	case EventBackupShutdown:
		_, ok = w.(BackupShutdowner)
	case EventPreRestore, EventPostRestore:
		_, ok = w.(Restorer)
	}
	return ok
}
