package simulate

import (
	"context"
	"fmt"
	"io/fs"
	"time"

	"github.com/vsskit/vss/writer"
)

// TransactionalApp is a simulated VSS-aware application: a small database
// that writes each transaction as a record of several blocks in its data
// file, then a commit record in its commit log, one write after the
// other, while a backup runs. Its writer (an AppWriter) makes it
// application consistent: on Freeze it finishes the transaction in flight
// and queues new ones; on Thaw or Abort it applies the queue and resumes.
// A shadow copy taken while it is frozen therefore holds whole,
// committed transactions only (CheckSnapshot).
//
// Its clients' requests and the timing of every write come from the
// Loop given to Start, so a seed reproduces them; it never reads the wall
// clock. Like the Loop, it must be used by one goroutine.
type TransactionalApp struct{ *appEngine }

// NewTransactionalApp returns a transactional application writing to vol.
// It does nothing until Start.
func NewTransactionalApp(vol *Volume, cfg AppConfig) *TransactionalApp {
	a := &TransactionalApp{newAppEngine(vol, cfg, true)}
	a.check = a.checkSnapshotData
	return a
}

// Freeze is what the application's writer does on Freeze: it finishes the
// transaction in flight at once (ctx is charged the virtual time its
// remaining writes take, see Spend) and from then on queues new
// transactions instead of writing them. Freezing a frozen application does
// nothing.
func (a *TransactionalApp) Freeze(ctx context.Context) {
	if a.frozen {
		return
	}
	a.frozen = true
	if a.cfg.Bug == AppBugNoQueue {
		return
	}
	a.gate = true
	if n := a.finishCurrent(); n > 0 {
		Spend(ctx, time.Duration(n)*time.Millisecond)
	}
}

// Resume is what the application's writer does on Thaw and on Abort: it
// writes every queued transaction, in order, and goes back to normal
// work. Resuming an application that is not frozen does nothing, so a
// second Abort, or an Abort without Freeze, is harmless.
func (a *TransactionalApp) Resume() {
	if !a.frozen {
		return
	}
	a.frozen, a.gate = false, false
	if a.cfg.Bug == AppBugDropQueue {
		a.queue = nil
	} else {
		a.flushQueue()
	}
	a.pump()
}

// Frozen reports whether the application is frozen: its writer received
// Freeze and neither Thaw nor Abort since.
func (a *TransactionalApp) Frozen() bool { return a.frozen }

// CheckSnapshot checks that fsys, a shadow copy of the application's
// volume taken while the application was frozen, is application
// consistent: every transaction in it is whole (all its blocks) and
// committed, and every commit record names whole data. A torn or
// uncommitted transaction is an error wrapping ErrTornRecord.
func (a *TransactionalApp) CheckSnapshot(fsys fs.FS) error {
	data, clog, err := a.readFiles(fsys)
	if err != nil {
		return err
	}
	return a.checkSnapshotData(data, clog)
}

// checkSnapshotData is CheckSnapshot on the application's files as read.
func (a *TransactionalApp) checkSnapshotData(data, clog []byte) error {
	var errs []error
	for id := range a.records(data, clog) {
		parts, commit, err := a.recordState(data, clog, id)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("%v: %w", err, ErrTornRecord))
		case parts == 0 && commit == 0:
		case parts == a.cfg.Blocks && commit != 0:
		default:
			errs = append(errs, fmt.Errorf("transaction %d is torn: %d of its %d blocks, commit record %v: %w",
				id, parts, a.cfg.Blocks, commit != 0, ErrTornRecord))
		}
	}
	return firstErrs(errs)
}

// AppWriter is the VSS writer of a TransactionalApp: a scripted Writer
// (its costs, failures and event record still apply) that also freezes
// the application on Freeze and resumes it on Thaw and on Abort. Made
// from a ScriptedWriter WithAppLog, it also keeps the application's log
// (AppLog), truncated by full and log backups only. It
// implements writer.Writer and every optional writer interface Writer
// does.
type AppWriter struct {
	*ScriptedWriter
	app *TransactionalApp
}

// NewAppWriter returns the writer that fronts app, adding the
// application's freeze and resume to the scripted writer w (a front-end
// writer named after the application when nil).
func NewAppWriter(app *TransactionalApp, w *ScriptedWriter) *AppWriter {
	if w == nil {
		w = NewScriptedWriter("Transactional Application")
	}
	return &AppWriter{ScriptedWriter: w, app: app}
}

// App returns the application the writer fronts.
func (w *AppWriter) App() *TransactionalApp { return w.app }

// OnFreeze implements writer.Writer: the application finishes its
// transaction in flight and queues new ones, then the script runs.
func (w *AppWriter) OnFreeze(ctx context.Context, e *writer.Event) error {
	w.app.Freeze(ctx)
	return w.ScriptedWriter.OnFreeze(ctx, e)
}

// OnThaw implements writer.Writer: the script runs, then the application
// applies its queue and resumes.
func (w *AppWriter) OnThaw(ctx context.Context, e *writer.Event) error {
	defer w.app.Resume()
	return w.ScriptedWriter.OnThaw(ctx, e)
}

// OnAbort implements writer.Writer: the application applies its queue
// and resumes, whatever the script says, as VSS requires of an aborted
// writer; it is harmless without a Freeze and when repeated.
func (w *AppWriter) OnAbort(ctx context.Context, e *writer.Event) error {
	defer w.app.Resume()
	return w.ScriptedWriter.OnAbort(ctx, e)
}

var (
	_ writer.Writer          = (*AppWriter)(nil)
	_ writer.Identifier      = (*AppWriter)(nil)
	_ writer.PostSnapshotter = (*AppWriter)(nil)
)
