//go:build windows && (amd64 || arm64)

package requestor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
	"unsafe"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/internal/com"
	"github.com/vsskit/vss/internal/vsscom"
)

// NewWindows opens a session with the real Volume Shadow Copy Service: it
// enables SeBackupPrivilege (until Close, which restores its earlier
// state), starts an OS thread for the session's COM calls (multithreaded
// apartment), sets the process's COM security once per process, with the
// parameters Microsoft's "Security Considerations for Requestors"
// recommends (and, as it also asks, turns COM's exception handling off),
// and creates an IVssBackupComponents.
//
// Its errors say what went wrong: without SeBackupPrivilege (not an
// administrator or backup operator, or not elevated) the error wraps
// vss.ErrAccessDenied and says which; when VSS refuses the account as a
// requestor it wraps vss.ErrAccessDenied and says so; when the host set
// COM security first it carries RPC_E_TOO_LATE (see
// WindowsOptions.AcceptHostCOMSecurity); where VSS is missing (Wine,
// Windows editions without it) it wraps vss.ErrNotImpl and says VSS is
// not available. Close the session to release it.
func NewWindows(opts WindowsOptions) (Windows, error) {
	return newWindows(opts, vsscom.Create)
}

// newWindows is NewWindows with create in place of vsscom.Create
// (vssapi.dll's CreateVssBackupComponentsInternal): create returns a new
// IVssBackupComponents whose one reference the session takes over, and
// runs on the session's COM thread. It is the seam through which the
// package's tests put a fake VSS (internal/vsscom/vssfake) behind a
// session, through NewWindowsForTest in export_test.go; users cannot
// reach it.
func newWindows(opts WindowsOptions, create func() (unsafe.Pointer, error)) (Windows, error) {
	opts.Timeouts = opts.Timeouts.withDefaults()
	release, err := com.AcquireBackupPrivilege()
	if err != nil {
		return nil, err
	}
	t, err := com.NewThread()
	if err != nil {
		_ = release()
		return nil, err
	}
	w := &winRequestor{opts: opts, t: t, releasePrivilege: release, trace: newCallTrace(opts.Logger, opts.OnRecord)}
	perr := t.Do(func() {
		if serr := com.InitSecurity(); serr != nil && !(opts.AcceptHostCOMSecurity && vss.CodeOf(serr) == com.RPCETooLate) {
			err = serr
			return
		}
		p, cerr := create()
		if cerr != nil {
			err = cerr
			return
		}
		w.bc = vsscom.NewBackupComponents(p)
	})
	if perr != nil {
		err = w.comError("NewWindows", perr)
	}
	if err != nil {
		t.Close()
		_ = release()
		return nil, err
	}
	return w, nil
}

// winRequestor is a Windows session. Every COM call runs on t. mu guards
// the fields below it; the COM calls themselves are serialised by t.
type winRequestor struct {
	opts             WindowsOptions
	t                *com.Thread
	bc               *vsscom.BackupComponents
	releasePrivilege func() error // gives back SeBackupPrivilege; safe to call twice
	trace            *callTrace   // nil when nobody listens

	mu          sync.Mutex
	closed      bool
	busy        string             // the asynchronous call under way, if any
	cancelBusy  context.CancelFunc // cancels it
	busyDone    chan struct{}      // closed when it returns
	metadata    []vsscom.WriterMetadata
	metadataSet bool // GatherWriterMetadata succeeded: FreeWriterMetadata is owed
	status      []WriterStatus
	selected    bool // AddComponent succeeded: the document has components, whose failures GatherWriterStatus reads
	// prepared: PrepareForBackup succeeded, so the writers are in a backup
	// that must end with BackupComplete or AbortBackup; ended: one of them
	// succeeded. Close aborts a backup prepared and not ended.
	prepared, ended bool
}

// refuse says why op cannot start now, or nil. w.mu is held.
func (w *winRequestor) refuse(op string) error {
	switch {
	case w.closed:
		return vss.Errorf(vss.ErrBadState, op, "the VSS session is closed")
	case w.busy == "DoSnapshotSet":
		return vss.Errorf(vss.ErrSnapshotSetInProgress, op, "DoSnapshotSet is under way")
	case w.busy != "":
		return vss.Errorf(vss.ErrBadState, op, "%s is under way", w.busy)
	}
	return nil
}

// traced runs the Requestor method op, recording its call and return in
// the session's trace.
func (w *winRequestor) traced(op string, f func() error) error {
	if w.trace == nil {
		return f()
	}
	w.mu.Lock()
	busy := w.busy != ""
	w.mu.Unlock()
	step := w.trace.begin(op, busy)
	err := f()
	w.trace.end(op, step, err)
	return err
}

// comError turns what com.Thread.Do returned into the error of op: a
// closed thread is a closed session, a panic on the COM thread is
// VSS_E_UNEXPECTED saying so (its stack goes to the session's Logger).
func (w *winRequestor) comError(op string, err error) error {
	var pe *com.PanicError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, com.ErrClosed):
		return &vss.Error{Op: op, Code: vss.ErrBadState, Detail: "the VSS session is closed"}
	case errors.As(err, &pe):
		if w.opts.Logger != nil {
			w.opts.Logger.LogAttrs(context.Background(), slog.LevelError, "panic on the COM thread",
				slog.String("op", op), slog.String("panic", fmt.Sprint(pe.Value)), slog.String("stack", string(pe.Stack)))
		}
		return &vss.Error{Op: op, Code: vss.ErrUnexpected, Detail: pe.Error(), Err: pe}
	}
	return err
}

// comCall runs f on the COM thread, unless the session is closed or an
// asynchronous call is under way.
func (w *winRequestor) comCall(op string, f func() error) error {
	w.mu.Lock()
	err := w.refuse(op)
	w.mu.Unlock()
	if err != nil {
		return err
	}
	if perr := w.t.Do(func() { err = f() }); perr != nil {
		return w.comError(op, perr)
	}
	return err
}

// call is comCall, traced.
func (w *winRequestor) call(op string, f func() error) error {
	return w.traced(op, func() error { return w.comCall(op, f) })
}

// async starts an asynchronous call and waits for it within its phase's
// time-out, cancelling it when ctx ends. then, if not nil, runs on the COM
// thread right after it succeeded. It is traced.
func (w *winRequestor) async(ctx context.Context, op string, timeout time.Duration,
	start func() (*vsscom.Async, error), then func() error) error {
	return w.traced(op, func() error { return w.asyncCall(ctx, op, timeout, start, then) })
}

// asyncCall is async, not traced.
func (w *winRequestor) asyncCall(ctx context.Context, op string, timeout time.Duration,
	start func() (*vsscom.Async, error), then func() error) error {
	w.mu.Lock()
	if err := w.refuse(op); err != nil {
		w.mu.Unlock()
		return err
	}
	ctx, cancel := context.WithTimeoutCause(ctx, timeout,
		fmt.Errorf("%s took longer than its time-out of %v: %w", op, timeout, context.DeadlineExceeded))
	defer cancel()
	w.busy, w.cancelBusy, w.busyDone = op, cancel, make(chan struct{})
	done := w.busyDone
	w.mu.Unlock()
	defer func() {
		w.mu.Lock()
		w.busy, w.cancelBusy = "", nil
		close(done)
		w.mu.Unlock()
	}()
	var err error
	perr := w.t.Do(func() {
		a, serr := start()
		if serr != nil {
			err = serr
			return
		}
		if err = a.Wait(ctx); err == nil && then != nil {
			err = then()
		}
	})
	if perr != nil {
		return w.comError(op, perr)
	}
	return err
}

// interrupt cancels the asynchronous call under way, if any, and waits
// for it to return.
func (w *winRequestor) interrupt() {
	w.mu.Lock()
	cancel, done := w.cancelBusy, w.busyDone
	w.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
}

func (w *winRequestor) InitializeForBackup(ctx context.Context, bcdXML string) error {
	return w.call("InitializeForBackup", func() error { return w.bc.InitializeForBackup(bcdXML) })
}

func (w *winRequestor) InitializeForRestore(ctx context.Context, bcdXML string) error {
	return w.call("InitializeForRestore", func() error { return w.bc.InitializeForRestore(bcdXML) })
}

func (w *winRequestor) SetContext(ctx context.Context, sc vss.SnapshotContext) error {
	return w.traced("SetContext", func() error {
		if !sc.Valid() && sc != vss.ContextAll { // VSS_CTX_ALL is for Query and DeleteSnapshots
			return vss.Errorf(vss.ErrInvalidArg, "SetContext", "%v is not a valid VSS_CTX_* combination", sc)
		}
		return w.comCall("SetContext", func() error { return w.bc.SetContext(sc) })
	})
}

func (w *winRequestor) SetBackupState(ctx context.Context, s BackupState) error {
	bt := s.Type
	if bt == 0 {
		bt = vss.BackupFull
	}
	return w.call("SetBackupState", func() error {
		return w.bc.SetBackupState(s.SelectComponents, s.BootableSystemState, bt, s.PartialFileSupport)
	})
}

func (w *winRequestor) GatherWriterMetadata(ctx context.Context) error {
	return w.traced("GatherWriterMetadata", func() error {
		err := w.comCall("GatherWriterMetadata", func() error {
			if err := w.bc.EnableWriterClasses(w.opts.IncludeWriterClasses); err != nil {
				return err
			}
			return w.bc.DisableWriterClasses(w.opts.ExcludeWriterClasses)
		})
		if err != nil {
			return err
		}
		return w.asyncCall(ctx, "GatherWriterMetadata", w.opts.Timeouts.GatherMetadata, w.bc.GatherWriterMetadata, func() error {
			// Read every document now: the metadata must be read before
			// FreeWriterMetadata, which PrepareForBackup or Close calls.
			md, err := w.bc.WriterMetadata()
			w.mu.Lock()
			w.metadataSet = true
			if err == nil {
				w.metadata = md
			}
			w.mu.Unlock()
			return err
		})
	})
}

// AbortBackup cancels an asynchronous call under way, then aborts. VSS
// answers VSS_E_BAD_STATE when there is nothing to abort; the Requestor
// contract says that case is ignored.
func (w *winRequestor) AbortBackup(ctx context.Context) error {
	return w.traced("AbortBackup", func() error {
		w.interrupt()
		err := w.comCall("AbortBackup", w.abort)
		if vss.CodeOf(err) == vss.ErrBadState && !w.isClosed() {
			return nil
		}
		return err
	})
}

// abort calls AbortBackup on the COM thread and notes that the backup
// ended.
func (w *winRequestor) abort() error {
	err := w.bc.AbortBackup()
	if err == nil {
		w.mu.Lock()
		w.ended = true
		w.mu.Unlock()
	}
	return err
}

func (w *winRequestor) isClosed() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.closed
}

// freeMetadata calls FreeWriterMetadata once, on the COM thread.
func (w *winRequestor) freeMetadata() error {
	w.mu.Lock()
	owed := w.metadataSet
	w.metadataSet = false
	w.mu.Unlock()
	if !owed {
		return nil
	}
	return w.bc.FreeWriterMetadata()
}

// Close ends the session. A backup prepared (PrepareForBackup succeeded)
// and not ended by BackupComplete or AbortBackup is aborted first, as
// Microsoft's "Aborting VSS Operations" asks of requestors: an
// asynchronous call under way (DoSnapshotSet, say) is cancelled, then
// AbortBackup sends Abort to the writers, and only then is the
// IVssBackupComponents released. SeBackupPrivilege returns to the state
// it had before the session. All of it is bounded by Timeouts.Close: past
// it, Close returns an error wrapping context.DeadlineExceeded and leaves
// the session's COM thread to finish by itself.
func (w *winRequestor) Close() error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return nil
	}
	w.closed = true
	w.mu.Unlock()
	var step int
	if w.trace != nil {
		step = w.trace.begin("Close", false)
	}
	done := make(chan error, 1)
	go func() { done <- w.teardown() }()
	timer := time.NewTimer(w.opts.Timeouts.Close)
	defer timer.Stop()
	var err error
	select {
	case err = <-done:
	case <-timer.C:
		// The COM thread hangs in a call: give up on it, but not on the
		// privilege, which is the process's.
		perr := w.releasePrivilege()
		err = errors.Join(&vss.Error{Op: "Close", Code: vss.ErrUnexpected,
			Detail: fmt.Sprintf("VSS did not finish within %v (a COM call hangs, or an operation is slow to stop); "+
				"the session's COM thread is left to abort and release the session by itself", w.opts.Timeouts.Close),
			Err: context.DeadlineExceeded}, perr)
	}
	if w.trace != nil {
		w.trace.end("Close", step, err)
	}
	return err
}

// teardown is Close's work: cancel, abort, free, release, end the thread,
// give back the privilege.
func (w *winRequestor) teardown() error {
	w.interrupt()
	var errs []error
	perr := w.t.Do(func() {
		w.mu.Lock()
		owed := w.prepared && !w.ended
		w.mu.Unlock()
		if owed {
			if err := w.abort(); err != nil && vss.CodeOf(err) != vss.ErrBadState {
				errs = append(errs, err)
			}
		}
		if err := w.freeMetadata(); err != nil {
			errs = append(errs, err)
		}
		w.bc.Release()
	})
	if perr != nil {
		errs = append(errs, w.comError("Close", perr))
	}
	w.t.Close()
	if err := w.releasePrivilege(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
