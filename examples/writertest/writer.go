package writertest

import (
	"context"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/writer"
)

// ClassID is the KV store writer's class: the same for every instance.
var ClassID = vss.MustParseID("{3f6e2c1a-9b7d-4e58-a1c0-5d2b8e7f9a34}")

// Writer is the KV store's VSS writer. It declares the store as one
// database component, freezes the store on Freeze (waiting for the put in
// flight), and thaws it on Thaw and on Abort, which may come more than
// once or without a Freeze.
type Writer struct {
	Store    *Store
	Instance vss.ID
}

// Info names the writer.
func (w *Writer) Info() writer.Info {
	return writer.Info{ClassID: ClassID, InstanceID: w.Instance, Name: "KV Store Writer",
		Usage: vss.UsageUserData, Source: vss.SourceTransactedDB, Level: vss.AppFrontEnd}
}

// OnIdentify declares the store: a database component "kv" whose data is
// the index and whose log is the log.
func (w *Writer) OnIdentify(_ context.Context, md *writer.Metadata) error {
	if _, err := md.AddComponent(writer.ComponentInfo{Type: vss.ComponentDatabase, Name: "kv",
		Caption: "Key-value store", Selectable: true}); err != nil {
		return err
	}
	if err := md.AddDatabaseFiles("", "kv", writer.FileSpec{Path: `C:\kv`, Spec: "index"}); err != nil {
		return err
	}
	if err := md.AddDatabaseLogFiles("", "kv", writer.FileSpec{Path: `C:\kv`, Spec: "log"}); err != nil {
		return err
	}
	return md.SetRestoreMethod(writer.RestoreMethod{Method: vss.RestoreIfCanReplace})
}

// OnPrepareSnapshot has nothing to flush: puts write through.
func (w *Writer) OnPrepareSnapshot(context.Context, *writer.Event) error { return nil }

// OnFreeze freezes the store.
func (w *Writer) OnFreeze(ctx context.Context, _ *writer.Event) error { return w.Store.Freeze(ctx) }

// OnThaw thaws the store.
func (w *Writer) OnThaw(context.Context, *writer.Event) error {
	w.Store.Thaw()
	return nil
}

// OnAbort thaws the store: the backup ended early.
func (w *Writer) OnAbort(context.Context, *writer.Event) error {
	w.Store.Thaw()
	return nil
}

// ForgetfulWriter is a broken Writer, kept to show what the test suite
// reports: its OnAbort forgets to thaw the store, so after a failed
// shadow copy the store stays frozen and every put hangs.
type ForgetfulWriter struct{ Writer }

// OnAbort does nothing: the defect.
func (w *ForgetfulWriter) OnAbort(context.Context, *writer.Event) error { return nil }
