package simulate

import (
	"context"
	"fmt"
	"io/fs"
	"time"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/writer"
)

// A TransactionalApp in a restore: its writer stops it at PreRestore, so
// that it does not write while its files are replaced, and at
// PostRestore it reloads its data from the restored files, checks that
// they are consistent, and works again.

// StopForRestore is what the application's writer does at PreRestore: it
// finishes the transaction in flight (ctx is charged the virtual time its
// remaining writes take) and then writes nothing: new requests wait in
// its queue until Reload or ResumeAfterRestore.
func (a *TransactionalApp) StopForRestore(ctx context.Context) {
	a.gate = true
	if n := a.finishCurrent(); n > 0 {
		Spend(ctx, time.Duration(n)*time.Millisecond)
	}
}

// ResumeAfterRestore makes an application stopped for a restore work
// again on the files it has, when its files were not restored (its
// writer failed, or the requestor restored nothing).
func (a *TransactionalApp) ResumeAfterRestore() {
	if a.frozen {
		return
	}
	a.gate = false
	a.pump()
}

// Reload is what the application's writer does at PostRestore: it reads
// its data file and commit log from its volume, as restored, checks that
// every transaction in them is whole and committed (an error wraps
// ErrTornRecord otherwise, and the application stays stopped), and takes
// them as its own: the restored transactions count as requested and
// acknowledged, its queue is dropped (the requests in it were made after
// the data it now has), new transactions follow the restored ones, and
// its clients make as many requests again as its configuration says.
// The restored transactions must be numbered from 0 with no gap.
func (a *TransactionalApp) Reload() error {
	n, err := a.Records(a.vol.FS())
	if err != nil {
		return fmt.Errorf("the restored data is not consistent: %w", err)
	}
	data, clog := a.rdata, a.rclog // as Records read them
	for id := n; id < a.records(data, clog); id++ {
		if parts, commit, _ := a.recordState(data, clog, id); parts != 0 || commit != 0 {
			return fmt.Errorf("transaction %d follows a gap in the restored data: %w", id, ErrTornRecord)
		}
	}
	txns := make([]*appTxn, n)
	for id := range txns {
		_, commit, _ := a.recordState(data, clog, id)
		txns[id] = &appTxn{id: id, nonce: commit, submitted: a.steps, done: a.steps, acked: true}
	}
	// The clients' chain of arrivals goes on if it had not ended: it
	// checks the number of requests against the new configuration.
	arriving := a.loop != nil && !a.stopped && len(a.txns) < a.cfg.Requests
	a.epoch++
	a.txns, a.queue, a.cur, a.writes = txns, nil, nil, nil
	a.applied = 0
	a.stats = AppStats{Requests: len(txns), Acknowledged: len(txns)}
	a.cfg.Requests += len(txns)
	a.stopped, a.gate, a.frozen = false, false, false
	if !arriving {
		a.scheduleArrival()
	}
	a.pump()
	return nil
}

// OnPreRestore implements writer.Restorer: the application stops (see
// StopForRestore), then the script runs; when the script fails the
// event (a veto), the application works again on the files it has.
func (w *AppWriter) OnPreRestore(ctx context.Context, e *writer.Event) error {
	w.app.StopForRestore(ctx)
	if err := w.ScriptedWriter.OnPreRestore(ctx, e); err != nil {
		w.app.ResumeAfterRestore()
		return err
	}
	return nil
}

// OnPostRestore implements writer.Restorer: the script runs, then, if
// every component of the application was restored (VSS_RS_ALL, or no
// component in a restore not in component mode), the application
// reloads its data (see Reload); a Reload that finds the data torn fails
// the event with vss.ErrWriterNonRetryable. When its files were not all
// restored, the application works again on what it has.
func (w *AppWriter) OnPostRestore(ctx context.Context, e *writer.Event) error {
	if err := w.ScriptedWriter.OnPostRestore(ctx, e); err != nil {
		w.app.ResumeAfterRestore()
		return err
	}
	for _, c := range e.Components {
		if c.FileRestoreStatus != vss.FileRestoreAll {
			w.app.ResumeAfterRestore()
			return nil
		}
	}
	if err := w.app.Reload(); err != nil {
		return fmt.Errorf("%w: %w", vss.ErrWriterNonRetryable, err)
	}
	return nil
}

// DeclareFiles is an OnIdentify handler (WithIdentify) for an
// application's writer: one file group component, named after the
// application's directory, holding every file of that directory on the
// volume, selectable for backup, with the restore method
// VSS_RME_RESTORE_IF_CAN_REPLACE and the writer taking part in restores
// (VSS_WRE_ALWAYS).
func (a *TransactionalApp) DeclareFiles(ctx context.Context, md *writer.Metadata) error {
	if err := md.SetRestoreMethod(writer.RestoreMethod{Method: vss.RestoreIfCanReplace, WriterRestore: vss.WriterRestoreAlways}); err != nil {
		return err
	}
	if _, err := md.AddComponent(writer.ComponentInfo{Type: vss.ComponentFileGroup, Name: a.cfg.Dir, Selectable: true}); err != nil {
		return err
	}
	return md.AddFiles("", a.cfg.Dir, writer.FileSpec{Path: a.vol.Name() + a.cfg.Dir, Spec: "*", Recursive: true})
}

// Records counts the whole, committed transactions of the application's
// data in fsys (its volume, a shadow copy, a restored copy), numbered
// from 0 up to the first that is not; err wraps ErrTornRecord when the
// data is not consistent (see CheckSnapshot): on a live volume, a
// transaction being written.
func (a *TransactionalApp) Records(fsys fs.FS) (int, error) {
	data, clog, err := a.readFiles(fsys)
	if err != nil {
		return 0, err
	}
	n := 0
	for id := range a.records(data, clog) {
		if parts, commit, _ := a.recordState(data, clog, id); parts != a.cfg.Blocks || commit == 0 {
			break
		}
		n++
	}
	return n, a.checkSnapshotData(data, clog)
}
