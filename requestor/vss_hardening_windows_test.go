//go:build windows && (amd64 || arm64)

package requestor_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/internal/com"
	"github.com/vsskit/vss/internal/vsscom/vssfake"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/simulate"
	"github.com/vsskit/vss/writer"
)

// prepare takes a session through PrepareForBackup of C:\.
func prepare(t *testing.T, r requestor.Requestor) {
	t.Helper()
	bg := context.Background()
	for _, err := range []error{r.InitializeForBackup(bg, ""), r.SetBackupState(bg, requestor.BackupState{}), r.GatherWriterMetadata(bg)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := r.StartSnapshotSet(bg); err != nil {
		t.Fatal(err)
	}
	if _, err := r.AddToSnapshotSet(bg, `C:\`, vss.NilID); err != nil {
		t.Fatal(err)
	}
	if err := r.PrepareForBackup(bg); err != nil {
		t.Fatal(err)
	}
}

// TestWindowsCloseAbortsAPreparedBackup: Microsoft's "Aborting VSS
// Operations": after PrepareForBackup, a requestor that stops the backup
// must call AbortBackup and await it before releasing
// IVssBackupComponents; before PrepareForBackup, or once BackupComplete
// ended the backup, it just releases it.
func TestWindowsCloseAbortsAPreparedBackup(t *testing.T) {
	bg := context.Background()
	for _, tc := range []struct {
		name  string
		until func(t *testing.T, r requestor.Requestor)
		abort bool
		// writerAbort: the writer is not yet past PostSnapshot, so the
		// abort reaches it.
		writerAbort bool
	}{
		{"before PrepareForBackup", func(t *testing.T, r requestor.Requestor) {
			if err := r.InitializeForBackup(bg, ""); err != nil {
				t.Fatal(err)
			}
			if err := r.GatherWriterMetadata(bg); err != nil {
				t.Fatal(err)
			}
		}, false, false},
		{"after PrepareForBackup", prepare, true, true},
		{"after DoSnapshotSet", func(t *testing.T, r requestor.Requestor) {
			prepare(t, r)
			if err := r.DoSnapshotSet(bg); err != nil {
				t.Fatal(err)
			}
		}, true, false},
		{"after BackupComplete", func(t *testing.T, r requestor.Requestor) {
			if _, err := requestor.Backup(bg, r, requestor.Plan{Volumes: []string{`C:\`}}); err != nil {
				t.Fatal(err)
			}
		}, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			orders := simulate.NewScriptedWriter("Orders")
			w := newWorld(t, orders)
			r := w.open(t, requestor.WindowsOptions{})
			tc.until(t, r)
			before := orders.Count(writer.EventAbort)
			if err := r.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			calls := w.fake.Calls()
			aborted := slices.Contains(calls, "AbortBackup")
			if aborted != tc.abort {
				t.Errorf("Close sent AbortBackup: %v, want %v; calls %v", aborted, tc.abort, calls)
			}
			if got := orders.Count(writer.EventAbort) - before; (got > 0) != tc.writerAbort {
				t.Errorf("the writer received %d Abort events; want some: %v", got, tc.writerAbort)
			}
			if orders.Frozen() {
				t.Error("the writer is still frozen")
			}
		})
	}
}

// TestWindowsCloseIsBounded: a COM call that hangs (here AbortBackup)
// cannot hold Close for longer than Timeouts.Close.
func TestWindowsCloseIsBounded(t *testing.T) {
	w := newWorld(t, simulate.NewScriptedWriter("Orders"))
	w.fake.Hang = "AbortBackup"
	r, err := requestor.NewWindowsForTest(requestor.WindowsOptions{Timeouts: requestor.PhaseTimeouts{Close: 200 * time.Millisecond}}, w.fake.Create)
	if err != nil {
		t.Fatal(err)
	}
	prepare(t, r)
	start := time.Now()
	err = r.Close()
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Close took %v with a time-out of 200ms", d)
	}
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "a COM call hangs") {
		t.Errorf("Close with a hung AbortBackup = %v, want an error wrapping context.DeadlineExceeded", err)
	}
	// Let the COM thread finish: it releases everything by itself.
	w.fake.Unhang()
	for i := 0; vssfake.Live() != 0; i++ {
		if i == 500 {
			t.Fatalf("%d COM objects still referenced after the hung call returned", vssfake.Live())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestWindowsPanicOnTheCOMThread: a panic in work run on the COM thread
// (here inside a COM call, and in creating the session) comes back as an
// error to the caller; the process goes on, and so does the session.
func TestWindowsPanicOnTheCOMThread(t *testing.T) {
	w := newWorld(t, simulate.NewScriptedWriter("Orders"))
	w.fake.Panic = "SaveAsXML"
	r := w.open(t, requestor.WindowsOptions{})
	bg := context.Background()
	if err := r.InitializeForBackup(bg, ""); err != nil {
		t.Fatal(err)
	}
	_, err := r.SaveAsXML(bg)
	var pe *com.PanicError
	if vss.CodeOf(err) != vss.ErrUnexpected || !errors.As(err, &pe) || !strings.Contains(err.Error(), "panic on the COM thread") {
		t.Errorf("SaveAsXML that panics = %v, want VSS_E_UNEXPECTED saying it panicked", err)
	}
	if err := r.GatherWriterMetadata(bg); err != nil {
		t.Errorf("the session after the panic: %v", err)
	}

	_, err = requestor.NewWindowsForTest(requestor.WindowsOptions{}, func() (unsafe.Pointer, error) { panic("create went wrong") })
	if !errors.As(err, &pe) || pe.Value != "create went wrong" {
		t.Errorf("NewWindows whose create panics = %v, want the panic as an error", err)
	}
}

// TestWindowsCOMSecurityConflict: when the host set COM security first
// (CoInitializeSecurity answers RPC_E_TOO_LATE), NewWindows fails saying
// so, unless WindowsOptions.AcceptHostCOMSecurity accepts the host's
// settings.
func TestWindowsCOMSecurityConflict(t *testing.T) {
	defer com.SetSecurityCallForTest(func([]uintptr) vss.HRESULT { return com.RPCETooLate })()
	w := newWorld(t)
	_, err := requestor.NewWindowsForTest(requestor.WindowsOptions{}, w.fake.Create)
	if vss.CodeOf(err) != com.RPCETooLate || !strings.Contains(err.Error(), "AcceptHostCOMSecurity") {
		t.Fatalf("NewWindows after the host set COM security = %v, want RPC_E_TOO_LATE naming the option", err)
	}
	r := w.open(t, requestor.WindowsOptions{AcceptHostCOMSecurity: true})
	if err := r.InitializeForBackup(context.Background(), ""); err != nil {
		t.Errorf("a session accepting the host's COM security: %v", err)
	}
}

// TestWindowsBackupPrivilegeRestoredAtClose: SeBackupPrivilege is enabled
// for the session and back to disabled after Close.
func TestWindowsBackupPrivilegeRestoredAtClose(t *testing.T) {
	was, err := com.BackupPrivilegeEnabled()
	if err != nil {
		t.Fatal(err)
	}
	defer com.SetBackupPrivilegeForTest(was)
	if err := com.SetBackupPrivilegeForTest(false); err != nil {
		t.Fatal(err)
	}
	w := newWorld(t)
	r, err := requestor.NewWindowsForTest(requestor.WindowsOptions{}, w.fake.Create)
	if err != nil {
		t.Fatal(err)
	}
	if on, err := com.BackupPrivilegeEnabled(); !on || err != nil {
		t.Errorf("during the session: SeBackupPrivilege enabled = %v, %v", on, err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if on, err := com.BackupPrivilegeEnabled(); on || err != nil {
		t.Errorf("after Close: SeBackupPrivilege enabled = %v, %v; want it disabled again", on, err)
	}
}

// TestWindowsSnapshotFSDoesNotFollowLinks reads a shadow copy holding a
// link whose absolute target is outside it: the link is reported as a
// link and its target is never read. Wine cannot make links: there the
// test reads the same shadow copy without one, through the same
// CreateFile path (FILE_FLAG_OPEN_REPARSE_POINT), and checks what it can.
func TestWindowsSnapshotFSDoesNotFollowLinks(t *testing.T) {
	w := newWorld(t, simulate.NewScriptedWriter("Orders"))
	w.fake.SnapshotDir = snapshotDir(t)
	live := filepath.Join(snapshotDir(t), "live.db")
	if err := os.WriteFile(live, []byte("live data"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := w.open(t, requestor.WindowsOptions{})
	_, err := requestor.Backup(context.Background(), r, requestor.Plan{
		Volumes: []string{`C:\`},
		Copy: func(ctx context.Context, src *requestor.CopySource) error {
			fsys := src.Snapshots[0].FS
			dir := src.Snapshots[0].Properties
			linked := os.Symlink(live, filepath.Join(dir.DeviceObject, "link.db")) == nil
			if fi, err := os.Lstat(filepath.Join(dir.DeviceObject, "link.db")); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
				linked = false // Wine answers success and makes no link
			}
			if err := os.Mkdir(filepath.Join(dir.DeviceObject, "sub"), 0o755); err != nil {
				return err
			}
			if linked {
				if err := os.Symlink(filepath.Dir(live), filepath.Join(dir.DeviceObject, "sub", "dirlink")); err != nil {
					return err
				}
			} else {
				t.Log("this system cannot make symbolic links (Wine): checking the shadow copy without one")
			}
			if data, err := fs.ReadFile(fsys, "orders.db"); err != nil || string(data) != "order 1001" {
				t.Errorf("orders.db = %q, %v", data, err)
			}
			if fi, err := fs.Stat(fsys, "sub"); err != nil || !fi.IsDir() {
				t.Errorf("Stat(sub) = %v, %v; want a directory", fi, err)
			}
			es, err := fs.ReadDir(fsys, ".")
			if err != nil {
				return err
			}
			var names []string
			for _, e := range es {
				names = append(names, e.Name())
				if e.Name() == "link.db" && e.Type() != fs.ModeSymlink {
					t.Errorf("ReadDir: link.db has type %v, want a link", e.Type())
				}
			}
			want := []string{"orders.db", "sub"}
			if linked {
				want = []string{"link.db", "orders.db", "sub"}
			}
			if !slices.Equal(names, want) {
				t.Errorf("ReadDir(.) = %v, want %v", names, want)
			}
			if !linked {
				return nil
			}
			if data, err := fs.ReadFile(fsys, "link.db"); !errors.Is(err, requestor.ErrLinkNotFollowed) {
				t.Errorf("reading the link = %q, %v; want ErrLinkNotFollowed and none of the live data", data, err)
			}
			if _, err := fs.ReadFile(fsys, "sub/dirlink/live.db"); !errors.Is(err, requestor.ErrLinkNotFollowed) {
				t.Errorf("reading through a directory link = %v, want ErrLinkNotFollowed", err)
			}
			if fi, err := fs.Stat(fsys, "link.db"); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
				t.Errorf("Stat(link.db) = %v, %v; want the link itself", fi, err)
			}
			if target, err := fs.ReadLink(fsys, "link.db"); err != nil || target != live {
				t.Errorf("ReadLink(link.db) = %q, %v; want %q", target, err, live)
			}
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
}
