//go:build windows && (amd64 || arm64)

package requestor

import (
	"context"
	"fmt"
	"sync"
	"time"
	"unsafe"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/internal/com"
	"github.com/vsskit/vss/internal/vsscom"
)

// NewWindows opens a session with the real Volume Shadow Copy Service: it
// enables SeBackupPrivilege, starts an OS thread for the session's COM
// calls (multithreaded apartment, COM security set once per process) and
// creates an IVssBackupComponents. Without backup rights the error wraps
// vss.ErrAccessDenied and says backup privileges are needed; where VSS is
// missing (Wine, Windows editions without it) it wraps vss.ErrNotImpl and
// says VSS is not available. Close the session to release it.
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
	if err := com.EnableBackupPrivilege(); err != nil {
		return nil, err
	}
	t, err := com.NewThread()
	if err != nil {
		return nil, err
	}
	w := &winRequestor{opts: opts, t: t}
	t.Do(func() {
		p, cerr := create()
		if cerr != nil {
			err = cerr
			return
		}
		w.bc = vsscom.NewBackupComponents(p)
	})
	if err != nil {
		t.Close()
		return nil, err
	}
	return w, nil
}

// winRequestor is a Windows session. Every COM call runs on t. mu guards
// the fields below it; the COM calls themselves are serialised by t.
type winRequestor struct {
	opts WindowsOptions
	t    *com.Thread
	bc   *vsscom.BackupComponents

	mu          sync.Mutex
	closed      bool
	busy        string             // the asynchronous call under way, if any
	cancelBusy  context.CancelFunc // cancels it
	busyDone    chan struct{}      // closed when it returns
	metadata    []vsscom.WriterMetadata
	metadataSet bool // GatherWriterMetadata succeeded: FreeWriterMetadata is owed
	status      []WriterStatus
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

// call runs f on the COM thread, unless the session is closed or an
// asynchronous call is under way.
func (w *winRequestor) call(op string, f func() error) error {
	w.mu.Lock()
	err := w.refuse(op)
	w.mu.Unlock()
	if err != nil {
		return err
	}
	if !w.t.Do(func() { err = f() }) {
		return &vss.Error{Op: op, Code: vss.ErrBadState, Detail: "the VSS session is closed"}
	}
	return err
}

// async starts an asynchronous call and waits for it within its phase's
// time-out, cancelling it when ctx ends. then, if not nil, runs on the COM
// thread right after it succeeded.
func (w *winRequestor) async(ctx context.Context, op string, timeout time.Duration,
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
	ran := w.t.Do(func() {
		a, serr := start()
		if serr != nil {
			err = serr
			return
		}
		if err = a.Wait(ctx); err == nil && then != nil {
			err = then()
		}
	})
	if !ran {
		return &vss.Error{Op: op, Code: vss.ErrBadState, Detail: "the VSS session is closed"}
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
	if !sc.Valid() && sc != vss.ContextAll { // VSS_CTX_ALL is for Query and DeleteSnapshots
		return vss.Errorf(vss.ErrInvalidArg, "SetContext", "%v is not a valid VSS_CTX_* combination", sc)
	}
	return w.call("SetContext", func() error { return w.bc.SetContext(sc) })
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
	err := w.call("GatherWriterMetadata", func() error {
		if err := w.bc.EnableWriterClasses(w.opts.IncludeWriterClasses); err != nil {
			return err
		}
		return w.bc.DisableWriterClasses(w.opts.ExcludeWriterClasses)
	})
	if err != nil {
		return err
	}
	return w.async(ctx, "GatherWriterMetadata", w.opts.Timeouts.GatherMetadata, w.bc.GatherWriterMetadata, func() error {
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
}

// AbortBackup cancels an asynchronous call under way, then aborts. VSS
// answers VSS_E_BAD_STATE when there is nothing to abort; the Requestor
// contract says that case is ignored.
func (w *winRequestor) AbortBackup(ctx context.Context) error {
	w.interrupt()
	err := w.call("AbortBackup", w.bc.AbortBackup)
	if vss.CodeOf(err) == vss.ErrBadState && !w.isClosed() {
		return nil
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

func (w *winRequestor) Close() error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return nil
	}
	w.closed = true
	w.mu.Unlock()
	w.interrupt()
	var err error
	w.t.Do(func() {
		err = w.freeMetadata()
		w.bc.Release()
	})
	w.t.Close()
	return err
}
