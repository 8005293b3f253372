//go:build windows && (amd64 || arm64)

package requestor_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"
	"unsafe"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/internal/com"
	"github.com/vsskit/vss/internal/vsscom/vssfake"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/simulate"
	"github.com/vsskit/vss/writer"
)

// These tests run the Windows requestor's real COM code (vtable calls,
// GUIDs by value, BSTRs, CoTaskMem strings, IVssAsync waits) against a
// fake IVssBackupComponents whose behaviour comes from a simulated
// session. CI runs them under Wine.

// world is a simulated VSS with one volume holding orders.db, and the fake
// COM object in front of it.
type world struct {
	fake    *vssfake.Fake
	session interface{ Close() error }
	prov    provider.Provider
	writers []*simulate.ScriptedWriter
}

func newWorld(t *testing.T, writers ...*simulate.ScriptedWriter) *world {
	t.Helper()
	vol := simulate.NewVolume(`C:\`)
	if err := vol.WriteFile("orders.db", []byte("order 1001")); err != nil {
		t.Fatal(err)
	}
	vols := simulate.NewVolumeSet(vol)
	ws := make([]writer.Writer, len(writers))
	for i, w := range writers {
		ws[i] = w
	}
	prov := simulate.NewSystemProvider(vols)
	s, _, err := simulate.NewSession(simulate.Config{Writers: ws, Providers: []provider.Provider{prov}, Volumes: vols})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return &world{fake: &vssfake.Fake{R: s}, session: s, prov: prov, writers: writers}
}

// snapshotDir is a directory for the fake's shadow copies. Not t.TempDir:
// under Wine, os.RemoveAll fails (Wine lacks the file APIs it uses), and
// the Wine prefix is thrown away anyway.
func snapshotDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "vss-snapshots-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}

// open opens a Windows session on the fake and checks, when the test
// ends, that every COM object, BSTR and CoTaskMem string was released.
func (w *world) open(t *testing.T, opts requestor.WindowsOptions) requestor.Windows {
	t.Helper()
	bstrs, mem := com.LiveBSTRs(), com.LiveTaskMem()
	r, err := requestor.NewWindowsForTest(opts, w.fake.Create)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := r.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		if n := vssfake.Live(); n != 0 {
			t.Errorf("%d COM objects still referenced after Close", n)
		}
		if n := com.LiveBSTRs() - bstrs; n != 0 {
			t.Errorf("%d BSTRs leaked", n)
		}
		if n := com.LiveTaskMem() - mem; n != 0 {
			t.Errorf("%d CoTaskMem strings leaked", n)
		}
	})
	return r
}

// waitForCall waits until the fake VSS received the call.
func waitForCall(t *testing.T, f *vssfake.Fake, call string) {
	t.Helper()
	for i := 0; !slices.Contains(f.Calls(), call); i++ {
		if i == 500 {
			t.Fatalf("%s never reached the fake VSS", call)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestWindowsFullBackupThroughCOM(t *testing.T) {
	w := newWorld(t, simulate.NewScriptedWriter("Orders"), simulate.NewScriptedWriter("Registry"))
	w.fake.SnapshotDir = snapshotDir(t)
	excluded := vss.MustParseID("{AFBAB4A2-367D-4D15-A586-71DBB18F8485}")
	r := w.open(t, requestor.WindowsOptions{ExcludeWriterClasses: []vss.ID{excluded}})
	ctx := context.Background()

	var copied string
	res, err := requestor.Backup(ctx, r, requestor.Plan{
		Volumes: []string{`C:`},
		Keep:    true,
		Copy: func(ctx context.Context, src *requestor.CopySource) error {
			snaps := src.Snapshots
			if err := fstest.TestFS(snaps[0].FS, "orders.db"); err != nil {
				t.Errorf("the shadow copy as an fs.FS: %v", err)
			}
			data, err := fs.ReadFile(snaps[0].FS, "orders.db")
			copied = string(data)
			return err
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if copied != "order 1001" {
		t.Errorf("read %q from the shadow copy through its device path, want %q", copied, "order 1001")
	}
	var names []string
	for _, m := range res.Metadata {
		names = append(names, m.Name)
	}
	slices.Sort(names)
	if strings.Join(names, ",") != "Orders,Registry" {
		t.Errorf("writer metadata from IVssExamineWriterMetadata: %v", names)
	}
	for _, s := range res.Writers {
		if s.State != vss.WriterStable || s.Failed() {
			t.Errorf("writer %s: %v %v", s.Name, s.State, s.Failure)
		}
	}
	snap := res.Snapshots[0].Properties
	if snap.SetID != res.SnapshotSetID || snap.DeviceObject == "" || snap.Created.IsZero() {
		t.Errorf("VSS_SNAPSHOT_PROP read back as %+v", snap)
	}
	if docs, err := r.WriterMetadataXML(ctx); err != nil || len(docs) != 2 || !strings.Contains(docs[0], "<WRITER_METADATA") {
		t.Errorf("WriterMetadataXML = %v, %v", docs, err)
	}
	if _, dis := w.fake.WriterClasses(); len(dis) != 1 || dis[0] != excluded {
		t.Errorf("DisableWriterClasses got %v, want [%v]", dis, excluded)
	}
	if !w.fake.MetadataFreed() {
		t.Error("FreeWriterMetadata was not called")
	}

	// The shadow copies were kept: Query lists them, DeleteSnapshots
	// removes them.
	listed, err := r.Query(ctx)
	if err != nil || len(listed) != 1 || listed[0].ID != snap.ID || listed[0].DeviceObject != snap.DeviceObject {
		t.Fatalf("Query = %+v, %v; want the one shadow copy %v", listed, err, snap.ID)
	}
	n, err := r.DeleteSnapshots(ctx, res.SnapshotSetID, provider.ObjectSnapshotSet)
	if err != nil || n != 1 {
		t.Errorf("DeleteSnapshots = %d, %v; want 1", n, err)
	}
	if listed, err := r.Query(ctx); err != nil || len(listed) != 0 {
		t.Errorf("Query after delete = %v, %v", listed, err)
	}
	bcd, err := r.SaveAsXML(ctx)
	switch {
	case errors.Is(err, vss.ErrNotImpl):
		t.Log("the simulated session cannot save a backup components document yet")
	case err != nil || bcd == "":
		t.Errorf("SaveAsXML = %q, %v", bcd, err)
	}

	want := []string{"InitializeForBackup", "SetBackupState", "DisableWriterClasses", "GatherWriterMetadata",
		"GetWriterMetadataCount", "StartSnapshotSet", "AddToSnapshotSet", "PrepareForBackup", "FreeWriterMetadata",
		"DoSnapshotSet", "GetSnapshotProperties", "BackupComplete", "GatherWriterStatus", "Query", "DeleteSnapshots", "SaveAsXML"}
	calls := w.fake.Calls()
	at := 0
	for _, c := range calls {
		if at < len(want) && c == want[at] {
			at++
		}
	}
	if at != len(want) {
		t.Errorf("calls out of order or missing %q:\n%v", want[at], calls)
	}
}

func TestWindowsCancelledAsyncOperation(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts requestor.WindowsOptions
		ctx  func() (context.Context, context.CancelFunc)
		want error
	}{
		{"context cancelled", requestor.WindowsOptions{},
			func() (context.Context, context.CancelFunc) {
				ctx, cancel := context.WithCancel(context.Background())
				time.AfterFunc(300*time.Millisecond, cancel)
				return ctx, cancel
			}, context.Canceled},
		{"phase time-out", requestor.WindowsOptions{Timeouts: requestor.PhaseTimeouts{Snapshot: 300 * time.Millisecond}},
			func() (context.Context, context.CancelFunc) { return context.WithCancel(context.Background()) },
			context.DeadlineExceeded},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t, simulate.NewScriptedWriter("Orders"))
			w.fake.Block = "DoSnapshotSet"
			r := w.open(t, tc.opts)
			bg := context.Background()
			prepare(t, r)

			ctx, cancel := tc.ctx()
			defer cancel()
			done := make(chan error, 1)
			start := time.Now()
			go func() { done <- r.DoSnapshotSet(ctx) }()
			waitForCall(t, w.fake, "DoSnapshotSet")
			if _, err := r.StartSnapshotSet(bg); !errors.Is(err, vss.ErrSnapshotSetInProgress) {
				t.Errorf("a call during DoSnapshotSet: %v, want VSS_E_SNAPSHOT_SET_IN_PROGRESS", err)
			}
			err := <-done
			if !errors.Is(err, tc.want) || vss.CodeOf(err) != vss.AsyncCancelled {
				t.Errorf("DoSnapshotSet = %v; want %v with VSS_S_ASYNC_CANCELLED", err, tc.want)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("cancellation took %v", d)
			}
			if got := w.fake.Cancelled(); !slices.Equal(got, []string{"DoSnapshotSet"}) {
				t.Errorf("IVssAsync::Cancel called for %v, want [DoSnapshotSet]", got)
			}
			if calls := w.fake.Calls(); calls[len(calls)-1] != "AbortBackup" {
				t.Errorf("the cancelled set was not aborted: calls end %v", calls[len(calls)-3:])
			}
		})
	}
}

func TestWindowsWriterFailureThroughStatus(t *testing.T) {
	flaky := simulate.NewScriptedWriter("Flaky", simulate.On(writer.EventFreeze, simulate.Behavior{Err: vss.ErrWriterRetryable}))
	w := newWorld(t, flaky, simulate.NewScriptedWriter("Steady"))
	r := w.open(t, requestor.WindowsOptions{})
	// Flaky is required: without, its failure would leave the backup
	// degraded, not failed.
	_, err := requestor.Backup(context.Background(), r, requestor.Plan{Volumes: []string{`C:\`}, RequireWriters: []vss.ID{flaky.Info().ClassID}})
	if !errors.Is(err, vss.ErrWriterRetryable) {
		t.Fatalf("Backup = %v, want VSS_E_WRITERERROR_RETRYABLE", err)
	}
	var be *requestor.BackupError
	if !errors.As(err, &be) {
		t.Fatalf("not a *BackupError: %T", err)
	}
	found := false
	for _, s := range be.Writers {
		if s.Name == "Flaky" {
			found = true
			if s.State != vss.WriterFailedAtFreeze || s.Failure != vss.ErrWriterRetryable || s.FailedAt != writer.EventFreeze {
				t.Errorf("Flaky through GetWriterStatus: %+v", s)
			}
		} else if s.Failed() {
			t.Errorf("%s failed: %+v", s.Name, s)
		}
	}
	if !found {
		t.Errorf("no status for Flaky in %+v", be.Writers)
	}
	if flaky.Frozen() {
		t.Error("Flaky is still frozen")
	}
}

func TestWindowsRestoreCalls(t *testing.T) {
	w := newWorld(t)
	var session requestor.Requestor = w.open(t, requestor.WindowsOptions{})
	ctx := context.Background()
	// A tool reaches the restore calls through the capability.
	r, ok := session.(requestor.Restorer)
	if !ok {
		t.Fatal("the Windows session is not a requestor.Restorer")
	}
	class := vss.MustParseID("{A65FAA63-5EA8-4EBC-9DBD-A0C4DB26912A}")
	if err := r.InitializeForRestore(ctx, "<BACKUP_COMPONENTS/>"); err != nil {
		t.Fatal(err)
	}
	key := writer.ComponentKey{Type: vss.ComponentFileGroup, LogicalPath: `Shop\Orders`, Name: "Ledger"}
	if err := r.SetSelectedForRestore(ctx, class, key, true); err != nil {
		t.Fatal(err)
	}
	for _, f := range []func(context.Context) error{r.PreRestore, r.PostRestore} {
		if err := f(ctx); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{class.String() + `:Shop\Orders\Ledger=true`}
	if got := w.fake.SelectedForRestore(); !slices.Equal(got, want) {
		t.Errorf("SetSelectedForRestore reached VSS as %v, want %v", got, want)
	}
}

func TestWindowsErrorsCarryTheHRESULT(t *testing.T) {
	w := newWorld(t, simulate.NewScriptedWriter("Orders"))
	r := w.open(t, requestor.WindowsOptions{})
	err := r.DoSnapshotSet(context.Background())
	if !errors.Is(err, vss.ErrBadState) {
		t.Errorf("DoSnapshotSet before InitializeForBackup = %v, want VSS_E_BAD_STATE", err)
	}
	if _, err := r.AddToSnapshotSet(context.Background(), "C:\x00", vss.NilID); !errors.Is(err, vss.ErrInvalidArg) {
		t.Errorf("a volume name holding NUL = %v, want E_INVALIDARG", err)
	}
}

func TestWindowsCloseDuringDoSnapshotSet(t *testing.T) {
	w := newWorld(t, simulate.NewScriptedWriter("Orders"))
	w.fake.Block = "DoSnapshotSet"
	r := w.open(t, requestor.WindowsOptions{})
	bg := context.Background()
	prepare(t, r)
	done := make(chan error, 1)
	go func() { done <- r.DoSnapshotSet(bg) }()
	waitForCall(t, w.fake, "DoSnapshotSet")
	if err := r.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := <-done; vss.CodeOf(err) != vss.AsyncCancelled {
		t.Errorf("DoSnapshotSet after Close = %v, want VSS_S_ASYNC_CANCELLED", err)
	}
	if err := r.InitializeForBackup(bg, ""); !errors.Is(err, vss.ErrBadState) {
		t.Errorf("a call after Close = %v, want VSS_E_BAD_STATE", err)
	}
	// Close cancelled DoSnapshotSet, then aborted the backup before
	// releasing the session (Microsoft's "Aborting VSS Operations").
	calls := w.fake.Calls()
	i := slices.Index(calls, "DoSnapshotSet")
	if !slices.Contains(calls[i:], "AbortBackup") || !slices.Equal(w.fake.Cancelled(), []string{"DoSnapshotSet"}) {
		t.Errorf("Close during DoSnapshotSet: calls %v, cancelled %v; want DoSnapshotSet cancelled, then AbortBackup", calls, w.fake.Cancelled())
	}
}

func TestWindowsCreateFailureReleasesTheThread(t *testing.T) {
	before := runtime.NumGoroutine()
	_, err := requestor.NewWindowsForTest(requestor.WindowsOptions{}, func() (unsafe.Pointer, error) {
		return nil, vss.Errorf(vss.ErrAccessDenied, "CreateVssBackupComponents", "backup privileges are needed")
	})
	if !errors.Is(err, vss.ErrAccessDenied) || !strings.Contains(err.Error(), "backup privileges are needed") {
		t.Errorf("NewWindows = %v, want E_ACCESSDENIED saying backup privileges are needed", err)
	}
	for i := 0; runtime.NumGoroutine() > before; i++ {
		if i == 100 {
			t.Fatalf("%d goroutines, %d before: the COM thread was not ended", runtime.NumGoroutine(), before)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestWindowsRealVSS opens a session with the real VSS. Under Wine,
// vssapi.dll answers E_NOTIMPL and the error must say that VSS is not
// available; on real Windows (elevated) the session opens.
func TestWindowsRealVSS(t *testing.T) {
	r, err := requestor.NewWindows(requestor.WindowsOptions{})
	switch {
	case err == nil:
		t.Log("real VSS is available")
		if err := r.Close(); err != nil {
			t.Error(err)
		}
	case errors.Is(err, vss.ErrNotImpl):
		if !strings.Contains(err.Error(), "VSS is not available") {
			t.Errorf("error does not say VSS is not available: %v", err)
		}
		t.Logf("as expected without VSS: %v", err)
	case errors.Is(err, vss.ErrAccessDenied):
		if !strings.Contains(err.Error(), "SeBackupPrivilege is not held") && !strings.Contains(err.Error(), "refused this account") {
			t.Errorf("access denied does not say why: %v", err)
		}
	default:
		t.Errorf("NewWindows = %v", err)
	}
}

// TestWindowsSnapshotContexts passes VSS_CTX_* bitmasks through SetContext:
// releasing the session deletes a backup context's shadow copy and keeps
// a persistent one.
func TestWindowsSnapshotContexts(t *testing.T) {
	for _, tc := range []struct {
		sc   vss.SnapshotContext
		kept int
	}{{vss.ContextBackup, 0}, {vss.ContextAppRollback, 1}, {vss.ContextClientAccessibleWriters, 1}} {
		t.Run(tc.sc.String(), func(t *testing.T) {
			w := newWorld(t, simulate.NewScriptedWriter("Orders"))
			r := w.open(t, requestor.WindowsOptions{})
			if _, err := requestor.Backup(context.Background(), r, requestor.Plan{Volumes: []string{`C:\`}, Context: tc.sc, Keep: true}); err != nil {
				t.Fatal(err)
			}
			if err := r.Close(); err != nil {
				t.Fatal(err)
			}
			left, err := w.prov.Query(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if len(left) != tc.kept {
				t.Errorf("%d shadow copies left after the session ended, want %d", len(left), tc.kept)
			}
			if tc.kept == 1 && vss.SnapshotContext(left[0].Attributes)&vss.SnapshotContext(vss.AttrPersistent) == 0 {
				t.Errorf("kept shadow copy is not persistent: %v", left[0].Attributes)
			}
		})
	}
}
