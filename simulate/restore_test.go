package simulate_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/coordinator"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/simulate"
	"github.com/vsskit/vss/writer"
)

// storeBackup runs requestor.Backup over session and returns what it
// stored: every file of every shadow copy, the backup components
// document and the writers' metadata documents.
func storeBackup(t *testing.T, session *coordinator.Session, plan requestor.Plan) *simulate.MemoryMedia {
	t.Helper()
	m := simulate.NewMemoryMedia()
	plan.Copy = m.Copy
	res, err := requestor.Backup(context.Background(), session, plan)
	if err != nil {
		t.Fatalf("backup: %v", err)
	}
	if err := m.Keep(res); err != nil {
		t.Fatal(err)
	}
	return m
}

// snapshotAtCommit returns an OnRecord hook that keeps a copy of vol as
// it is when VSS calls CommitSnapshots: the writes are held then, so it
// is the volume at the commit instant.
func snapshotAtCommit(vol *simulate.Volume, into **simulate.VolumeSnapshot) func(coordinator.Record) {
	return func(r coordinator.Record) {
		if r.Kind == coordinator.RecProviderCall && r.Method == provider.MethodCommitSnapshots && *into == nil {
			*into = vol.Snapshot()
		}
	}
}

// sameFiles compares the files under dir of two file systems byte for
// byte.
func sameFiles(t *testing.T, want, got fs.FS, dir string) {
	t.Helper()
	n := 0
	err := fs.WalkDir(want, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		w, err := fs.ReadFile(want, p)
		if err != nil {
			return err
		}
		g, err := fs.ReadFile(got, p)
		if err != nil {
			return fmt.Errorf("restored volume: %w", err)
		}
		if !bytes.Equal(w, g) {
			return fmt.Errorf("%s: restored %d bytes differ from the %d at the commit instant", p, len(g), len(w))
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatalf("no file under %s to compare", dir)
	}
}

// The aware application writes continuously; a backup stores its data;
// the data is restored onto a fresh simulated volume through a restore
// session. At PostRestore (before the application reloads) the restored
// files equal the volume at the commit instant, byte for byte; the
// application's consistency check passes on them; after PostRestore it
// works again and loses nothing. Microsoft: "Overview of Processing a
// Restore Under VSS", "Overview of Restore Clean up and Termination" (the
// writer makes use of the restored data at PostRestore).
func TestRestoreAwareApplicationEndToEnd(t *testing.T) {
	ctx := context.Background()
	c := simulate.NewVolume(`C:\`)
	vols := simulate.NewVolumeSet(c)
	db := simulate.NewTransactionalApp(c, simulate.AppConfig{Dir: "orders", Requests: 60})
	w := simulate.NewAppWriter(db, simulate.NewScriptedWriter("Orders", simulate.WithIdentify(db.DeclareFiles)))
	var atCommit *simulate.VolumeSnapshot
	session, loop, err := simulate.NewSession(simulate.Config{Seed: 5, Writers: []writer.Writer{w},
		Providers: []provider.Provider{simulate.NewSystemProvider(vols)}, Volumes: vols, Jitter: 20 * time.Millisecond,
		OnRecord: snapshotAtCommit(c, &atCommit)})
	if err != nil {
		t.Fatal(err)
	}
	db.Start(loop)
	loop.Wait(nil, loop.Now().Add(5*time.Second), true) // the application works a while first
	info := w.Info()
	media := storeBackup(t, session, requestor.Plan{Volumes: []string{`C:\`}, Components: []requestor.ComponentSelection{
		{WriterInstance: info.InstanceID, WriterClass: info.ClassID, Component: writer.ComponentKey{Type: vss.ComponentFileGroup, Name: "orders"}}}})
	if err := session.Close(); err != nil {
		t.Fatal(err)
	}
	if atCommit == nil {
		t.Fatal("no CommitSnapshots in the backup's trace")
	}
	if db.Stats().Acknowledged == 0 || db.Stats().Requests == db.Stats().Acknowledged {
		t.Fatalf("the application was not writing during the backup: %+v", db.Stats())
	}

	// A fresh volume, the same application (not yet started) and writer.
	fresh := simulate.NewVolume(`C:\`)
	freshVols := simulate.NewVolumeSet(fresh)
	db2 := simulate.NewTransactionalApp(fresh, simulate.AppConfig{Dir: "orders", Requests: 10})
	checked := false
	w2 := simulate.NewAppWriter(db2, simulate.NewScriptedWriter("Orders", simulate.WithIdentify(db2.DeclareFiles),
		simulate.On(writer.EventPostRestore, simulate.Behavior{Do: func(ctx context.Context, e *writer.Event) {
			sameFiles(t, atCommit.FS(), fresh.FS(), "orders")
			if err := db2.CheckSnapshot(fresh.FS()); err != nil {
				t.Errorf("consistency check of the restored data: %v", err)
			}
			checked = true
		}})))
	rsession, rloop, err := simulate.NewSession(simulate.Config{Seed: 6, Writers: []writer.Writer{w2},
		Providers: []provider.Provider{simulate.NewSystemProvider(freshVols)}, Volumes: freshVols})
	if err != nil {
		t.Fatal(err)
	}
	db2.Start(rloop)
	res, err := requestor.Restore(ctx, rsession, media, requestor.RestorePlan{Target: simulate.NewVolumeTarget(fresh)})
	if err != nil {
		t.Fatalf("restore: %v", err)
	}
	if !checked {
		t.Fatal("the writer received no PostRestore")
	}
	if len(res.Components) != 1 || res.Components[0].Status != vss.FileRestoreAll {
		t.Errorf("components: %+v, want orders restored whole", res.Components)
	}
	if got := w2.Events(); !slices.Equal(got, []writer.EventKind{writer.EventIdentify, writer.EventPreRestore, writer.EventPostRestore}) {
		t.Errorf("the writer received %v", got)
	}
	restored := db2.Stats().Acknowledged
	if restored == 0 {
		t.Fatal("the application reloaded no transaction")
	}

	// The application works again: its clients make new requests, which
	// reach the volume after the restored ones, and nothing is lost.
	rloop.Wait(nil, rloop.Now().Add(time.Minute), true)
	db2.Settle()
	if st := db2.Stats(); st.Acknowledged != restored+10 {
		t.Errorf("after the restore the application acknowledged %d requests, want the %d restored and 10 new", st.Acknowledged, restored)
	}
	if err := db2.CheckLive(fresh.FS()); err != nil {
		t.Errorf("after the restore: %v", err)
	}
	if err := db2.CheckSnapshot(fresh.FS()); err != nil {
		t.Errorf("after new work: %v", err)
	}
	if err := rsession.Close(); err != nil {
		t.Fatal(err)
	}
}

// The same with the application that knows nothing of VSS: the restored
// data equals the volume at the commit instant too, byte for byte, but
// that instant may fall inside a record: with some seed the restored
// data holds a torn record, which the aware application's never does.
func TestRestoreUnawareApplicationIsCrashConsistent(t *testing.T) {
	torn := 0
	for seed := uint64(1); seed <= 12; seed++ {
		c := simulate.NewVolume(`C:\`)
		vols := simulate.NewVolumeSet(c)
		app := simulate.NewUnawareApp(c, simulate.AppConfig{Dir: "logs", Requests: 60})
		var atCommit *simulate.VolumeSnapshot
		session, loop, err := simulate.NewSession(simulate.Config{Seed: seed,
			Providers: []provider.Provider{simulate.NewSystemProvider(vols)}, Volumes: vols, Jitter: 20 * time.Millisecond,
			OnRecord: snapshotAtCommit(c, &atCommit)})
		if err != nil {
			t.Fatal(err)
		}
		app.Start(loop)
		loop.Wait(nil, loop.Now().Add(5*time.Second), true)
		media := storeBackup(t, session, requestor.Plan{Volumes: []string{`C:\`}})
		_ = session.Close()

		fresh := simulate.NewVolume(`C:\`)
		freshVols := simulate.NewVolumeSet(fresh)
		rsession, _, err := simulate.NewSession(simulate.Config{Seed: seed,
			Providers: []provider.Provider{simulate.NewSystemProvider(freshVols)}, Volumes: freshVols})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := requestor.Restore(context.Background(), rsession, media, requestor.RestorePlan{Target: simulate.NewVolumeTarget(fresh)}); err != nil {
			t.Fatalf("seed %d: restore: %v", seed, err)
		}
		_ = rsession.Close()
		sameFiles(t, atCommit.FS(), fresh.FS(), "logs")
		if err := app.CheckSnapshot(fresh.FS()); errors.Is(err, simulate.ErrTornRecord) {
			torn++
		} else if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
	}
	if torn == 0 {
		t.Fatal("no seed restored a torn record: the unaware application's restore shows nothing crash consistent")
	}
	t.Logf("%d of 12 seeds restored a torn record", torn)
}

// ordersBackup backs up C:\orders of a simulated volume, with a writer
// whose metadata describes the files as customize leaves it, and returns
// what was stored.
func ordersBackup(t *testing.T, customize func(md *writer.Metadata) error, opts ...simulate.WriterOption) (*simulate.MemoryMedia, *simulate.ScriptedWriter) {
	t.Helper()
	c := simulate.NewVolume(`C:\`)
	for name, data := range map[string]string{"orders/ledger.db": "ledger", "orders/log/0001.log": "log one"} {
		if err := c.MkdirAll(path.Dir(name)); err != nil {
			t.Fatal(err)
		}
		if err := c.WriteFile(name, []byte(data)); err != nil {
			t.Fatal(err)
		}
	}
	w := simulate.NewScriptedWriter("Orders", append([]simulate.WriterOption{simulate.WithIdentify(func(ctx context.Context, md *writer.Metadata) error {
		if _, err := md.AddComponent(writer.ComponentInfo{Type: vss.ComponentFileGroup, Name: "orders", Selectable: true}); err != nil {
			return err
		}
		if err := md.AddFiles("", "orders", writer.FileSpec{Path: `C:\orders`, Spec: "*", Recursive: true}); err != nil {
			return err
		}
		return customize(md)
	})}, opts...)...)
	vols := simulate.NewVolumeSet(c)
	s, _, err := simulate.NewSession(simulate.Config{Writers: []writer.Writer{w}, Providers: []provider.Provider{simulate.NewSystemProvider(vols)}, Volumes: vols})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	info := w.Info()
	m := storeBackup(t, s, requestor.Plan{Volumes: []string{`C:\`}, Components: []requestor.ComponentSelection{
		{WriterInstance: info.InstanceID, WriterClass: info.ClassID, Component: writer.ComponentKey{Type: vss.ComponentFileGroup, Name: "orders"}}}})
	return m, w
}

// restoreInto restores m into a directory target at target, as plan
// (its Target aside) says, and returns the result and error; the writer
// w takes part.
func restoreInto(t *testing.T, m *simulate.MemoryMedia, w *simulate.ScriptedWriter, target string, plan ...requestor.RestorePlan) (*requestor.RestoreResult, error) {
	t.Helper()
	dt, err := requestor.NewDirTarget(target, false)
	if err != nil {
		t.Fatal(err)
	}
	defer dt.Close()
	vols := simulate.NewVolumeSet(simulate.NewVolume(`C:\`))
	s, _, err := simulate.NewSession(simulate.Config{Writers: []writer.Writer{w}, Providers: []provider.Provider{simulate.NewSystemProvider(vols)}, Volumes: vols})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var p requestor.RestorePlan
	if len(plan) > 0 {
		p = plan[0]
	}
	p.Target = dt
	return requestor.Restore(context.Background(), s, m, p)
}

// tree lists every path under dir, for checking what a restore wrote.
func tree(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out = append(out, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// A stored entry naming ../../etc/passwd, an absolute path, or a symbolic
// link that leads out of its volume is refused: the restore fails before
// anything is written, inside the target or out of it (the test checks
// the file system around the target).
func TestRestoreRefusesEntriesThatLeaveTheTarget(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    requestor.MediaFile
	}{
		{"dot-dot", requestor.MediaFile{Volume: `C:\`, Path: "../../etc/passwd", Mode: 0o644}},
		{"absolute", requestor.MediaFile{Volume: `C:\`, Path: "/etc/passwd", Mode: 0o644}},
		{"backslash", requestor.MediaFile{Volume: `C:\`, Path: `..\..\etc\passwd`, Mode: 0o644}},
		{"link-out", requestor.MediaFile{Volume: `C:\`, Path: "orders/escape", Mode: fs.ModeSymlink, Link: "../../.."}},
		{"link-absolute", requestor.MediaFile{Volume: `C:\`, Path: "orders/escape", Mode: fs.ModeSymlink, Link: "/etc"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, w := ordersBackup(t, func(*writer.Metadata) error { return nil })
			// The bad entry comes after good ones, as a crafted archive would
			// put it, and a file through the link after it.
			m.Add(tc.f, []byte("root::0:0::/root:/bin/sh\n"))
			m.Add(requestor.MediaFile{Volume: `C:\`, Path: "orders/escape/passwd", Mode: 0o644}, []byte("x"))
			outer := t.TempDir()
			target := filepath.Join(outer, "a", "b", "target")
			if err := os.MkdirAll(target, 0o755); err != nil {
				t.Fatal(err)
			}
			res, err := restoreInto(t, m, w, target)
			if !errors.Is(err, vss.ErrInvalidArg) {
				t.Fatalf("restore = %v, want the entry refused (E_INVALIDARG)", err)
			}
			if res != nil {
				t.Errorf("a restore refused before the session ran returned %+v", res)
			}
			if got := tree(t, outer); !slices.Equal(got, []string{".", "a", "a/b", "a/b/target"}) {
				t.Errorf("the restore wrote %v", got)
			}
			if w.Count(writer.EventPreRestore) != 0 {
				t.Error("the writer heard of a restore that was refused")
			}
		})
	}
}

// A writer metadata document whose alternate location mapping leads out
// of the target (C:\..\..\escape) is refused too: with nothing written,
// and with the writer, which received PreRestore, receiving PostRestore
// and the component reported as not restored. Microsoft:
// "IVssBackupComponents::AddAlternativeLocationMapping" (files go to the
// mapping with VSS_RME_RESTORE_TO_ALTERNATE_LOCATION), "Overview of
// Restore Clean up and Termination".
func TestRestoreRefusesADocumentPathThatLeavesTheTarget(t *testing.T) {
	m, w := ordersBackup(t, func(md *writer.Metadata) error {
		return md.SetRestoreMethod(writer.RestoreMethod{Method: vss.RestoreToAlternateLocation, WriterRestore: vss.WriterRestoreAlways,
			AlternateLocations: []writer.FileSpec{{Path: `C:\orders`, Spec: "*", Recursive: true, AlternatePath: `C:\..\..\escape`}}})
	})
	outer := t.TempDir()
	target := filepath.Join(outer, "a", "b", "target")
	if err := os.MkdirAll(target, 0o755); err != nil {
		t.Fatal(err)
	}
	res, err := restoreInto(t, m, w, target)
	if !errors.Is(err, vss.ErrInvalidArg) || !strings.Contains(err.Error(), "leads out of the restore target") {
		t.Fatalf("restore = %v, want the alternate location refused", err)
	}
	if got := tree(t, outer); !slices.Equal(got, []string{".", "a", "a/b", "a/b/target"}) {
		t.Errorf("the restore wrote %v", got)
	}
	if res == nil || len(res.Components) != 1 || res.Components[0].Status != vss.FileRestoreNone {
		t.Errorf("result %+v, want the component reported as VSS_RS_NONE", res)
	}
	if w.Count(writer.EventPreRestore) != 1 || w.Count(writer.EventPostRestore) != 1 || w.Count(writer.EventAbort) != 0 {
		t.Errorf("the writer received %v", w.Events())
	}
}

// Restore methods and targets decide where files go: an alternate
// location mapping moves the writer's files (and the restore reports
// the mapping, which the writer sees at PostRestore); a plan's new target
// moves them elsewhere; VSS_RME_RESTORE_IF_NOT_THERE restores nothing
// when a file is there; VSS_RME_CUSTOM nothing at all; at reboot stages
// the files; stop-and-start stops the service around the writing, and
// without a ServiceControl restores nothing; a restore target the writer
// sets at PreRestore overrides the method (VSS_RT_ALTERNATE,
// VSS_RT_ORIGINAL_LOCATION), and VSS_RT_DIRECTED is not supported.
// Microsoft: "Setting VSS Restore Methods", "VSS_RESTORE_TARGET",
// "Working with New Targets During Restore".
func TestRestoreHonoursRestoreMethods(t *testing.T) {
	alt := writer.FileSpec{Path: `C:\orders`, Spec: "*", Recursive: true, AlternatePath: `D:\alternate\orders`}
	cases := []struct {
		name     string
		method   vss.RestoreMethod
		plan     func(w *simulate.ScriptedWriter) []requestor.NewTarget
		already  string            // a file already in the target
		target   vss.RestoreTarget // what the writer sets at PreRestore
		services *services
		want     []string
		status   vss.FileRestoreStatus
	}{
		{name: "alternate", method: vss.RestoreToAlternateLocation,
			want: []string{"D/alternate/orders/ledger.db", "D/alternate/orders/log/0001.log"}, status: vss.FileRestoreAll},
		{name: "if-can-replace", method: vss.RestoreIfCanReplace, already: "C/orders/ledger.db",
			want: []string{"C/orders/ledger.db", "C/orders/log/0001.log"}, status: vss.FileRestoreAll},
		{name: "new-target", method: vss.RestoreIfCanReplace, plan: func(w *simulate.ScriptedWriter) []requestor.NewTarget {
			return []requestor.NewTarget{{WriterClass: w.Info().ClassID, Component: writer.ComponentKey{Type: vss.ComponentFileGroup, Name: "orders"},
				Files: writer.FileSpec{Path: `C:\orders`, Spec: "*", Recursive: true, AlternatePath: `E:\new`}}}
		}, want: []string{"E/new/ledger.db", "E/new/log/0001.log"}, status: vss.FileRestoreAll},
		{name: "if-not-there", method: vss.RestoreIfNotThere, already: "C/orders/ledger.db",
			want: []string{"C/orders/ledger.db"}, status: vss.FileRestoreNone},
		{name: "custom", method: vss.RestoreCustom, want: nil, status: vss.FileRestoreNone},
		{name: "at-reboot", method: vss.RestoreAtReboot,
			want: []string{"C/orders/ledger.db.vss-at-reboot", "C/orders/log/0001.log.vss-at-reboot"}, status: vss.FileRestoreAll},
		{name: "stop-start", method: vss.RestoreStopRestoreStart, services: &services{},
			want: []string{"C/orders/ledger.db", "C/orders/log/0001.log"}, status: vss.FileRestoreAll},
		{name: "stop-start-without-control", method: vss.RestoreStopRestoreStart, want: nil, status: vss.FileRestoreNone},
		{name: "target-alternate", method: vss.RestoreIfCanReplace, target: vss.RestoreTargetAlternate,
			want: []string{"D/alternate/orders/ledger.db", "D/alternate/orders/log/0001.log"}, status: vss.FileRestoreAll},
		{name: "target-original-location", method: vss.RestoreToAlternateLocation, target: vss.RestoreTargetOriginalLocation,
			want: []string{"C/orders/ledger.db", "C/orders/log/0001.log"}, status: vss.FileRestoreAll},
		{name: "target-directed", method: vss.RestoreIfCanReplace, target: vss.RestoreTargetDirected, want: nil, status: vss.FileRestoreNone},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, w := ordersBackup(t, func(md *writer.Metadata) error {
				return md.SetRestoreMethod(writer.RestoreMethod{Method: tc.method, WriterRestore: vss.WriterRestoreAlways,
					Service: "OrdersSvc", AlternateLocations: []writer.FileSpec{alt}})
			}, simulate.On(writer.EventPreRestore, simulate.Behavior{Do: func(ctx context.Context, e *writer.Event) {
				for _, c := range e.Components {
					c.RestoreTarget = tc.target
				}
			}}))
			target := t.TempDir()
			if tc.already != "" {
				p := filepath.Join(target, filepath.FromSlash(tc.already))
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte("already there"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			var plan requestor.RestorePlan
			if tc.services != nil {
				tc.services.dir = target
				plan.Services = tc.services
			}
			if tc.plan != nil {
				plan.NewTargets = tc.plan(w)
			}
			res, err := restoreInto(t, m, w, target, plan)
			if err != nil {
				t.Fatal(err)
			}
			var files []string
			for _, p := range tree(t, target) {
				if st, err := os.Stat(filepath.Join(target, p)); err == nil && st.Mode().IsRegular() {
					files = append(files, p)
				}
			}
			if !slices.Equal(files, tc.want) {
				t.Errorf("files %v, want %v", files, tc.want)
			}
			if len(res.Components) != 1 || res.Components[0].Status != tc.status {
				t.Errorf("components %+v, want %v", res.Components, tc.status)
			}
			e := w.LastEvent(writer.EventPostRestore)
			if e == nil || len(e.Components) != 1 || e.Components[0].FileRestoreStatus != tc.status {
				t.Fatalf("the writer's PostRestore: %+v", e)
			}
			if got := e.Components[0].AlternateLocations; (tc.name == "alternate" || tc.name == "target-alternate") != (len(got) == 1) {
				t.Errorf("alternate location mappings reported: %v", got)
			}
			if got := e.Components[0].NewTargets; (tc.name == "new-target") != (len(got) == 1) {
				t.Errorf("new targets reported: %v", got)
			}
			if tc.name == "at-reboot" && (len(res.AtReboot) != 2 || res.AtReboot[0].Target != "orders/ledger.db") {
				t.Errorf("files to replace at reboot: %+v", res.AtReboot)
			}
			if tc.services != nil && !slices.Equal(tc.services.log, []string{"stop OrdersSvc (0 files there)", "start OrdersSvc (2 files there)"}) {
				t.Errorf("services: %v", tc.services.log)
			}
		})
	}
}

// A stored file that does not match its digest fails the restore with an
// error naming it, and leaves nothing where it was going.
func TestRestoreStopsAtACorruptEntry(t *testing.T) {
	m, w := ordersBackup(t, func(*writer.Metadata) error { return nil })
	if !m.Damage(`C:\`, "orders/ledger.db", []byte("ledgeR")) {
		t.Fatal("orders/ledger.db was not stored")
	}
	target := t.TempDir()
	_, err := restoreInto(t, m, w, target)
	if err == nil || !strings.Contains(err.Error(), "orders/ledger.db") {
		t.Fatalf("restore = %v, want an error naming orders/ledger.db", err)
	}
	if _, err := os.Stat(filepath.Join(target, "C", "orders", "ledger.db")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the corrupt file was left in the target (%v)", err)
	}
	for _, p := range tree(t, target) {
		if strings.Contains(p, ".vss-restore") {
			t.Errorf("a temporary file was left: %s", p)
		}
	}
}

// A symbolic link that stays on its volume is restored as a link.
func TestRestoreWritesALinkThatStaysInside(t *testing.T) {
	m, w := ordersBackup(t, func(*writer.Metadata) error { return nil })
	m.Add(requestor.MediaFile{Volume: `C:\`, Path: "orders/current", Mode: fs.ModeSymlink | 0o777, Link: "log/0001.log"}, nil)
	target := t.TempDir()
	res, err := restoreInto(t, m, w, target)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := os.Readlink(filepath.Join(target, "C", "orders", "current")); err != nil || got != "log/0001.log" {
		t.Errorf("the link reads %q, %v", got, err)
	}
	if b, err := os.ReadFile(filepath.Join(target, "C", "orders", "current")); err != nil || string(b) != "log one" {
		t.Errorf("through the link: %q, %v", b, err)
	}
	if res.Links != 1 || res.Files != 2 || res.Components[0].Status != vss.FileRestoreAll {
		t.Errorf("result %+v", res)
	}
}

// Through requestor.Restore, a writer that vetoes PreRestore (a fault
// plan's `writer "Ledger" PreRestore error(...)`) leaves its component
// unrestored (reported VSS_RS_NONE, its files not written) and fails the
// restore with its status; the other writer's files are restored and it
// gets PostRestore; nobody gets Abort. Microsoft: "Overview of Preparing
// for Restore" (the requester checks writer status after PreRestore).
func TestRestoreGoesOnWithoutAWriterThatVetoedPreRestore(t *testing.T) {
	c := simulate.NewVolume(`C:\`)
	for _, name := range []string{"orders/ledger.db", "ledger/book.db"} {
		if err := c.MkdirAll(path.Dir(name)); err != nil {
			t.Fatal(err)
		}
		if err := c.WriteFile(name, []byte(name)); err != nil {
			t.Fatal(err)
		}
	}
	declare := func(dir string) func(context.Context, *writer.Metadata) error {
		return func(ctx context.Context, md *writer.Metadata) error {
			if _, err := md.AddComponent(writer.ComponentInfo{Type: vss.ComponentFileGroup, Name: dir, Selectable: true}); err != nil {
				return err
			}
			return md.AddFiles("", dir, writer.FileSpec{Path: `C:\` + dir, Spec: "*", Recursive: true})
		}
	}
	newWriters := func() (*simulate.ScriptedWriter, *simulate.ScriptedWriter) {
		return simulate.NewScriptedWriter("Orders", simulate.WithIdentify(declare("orders"))),
			simulate.NewScriptedWriter("Ledger", simulate.WithIdentify(declare("ledger")))
	}
	orders, ledger := newWriters()
	vols := simulate.NewVolumeSet(c)
	s, _, err := simulate.NewSession(simulate.Config{Writers: []writer.Writer{orders, ledger}, Providers: []provider.Provider{simulate.NewSystemProvider(vols)}, Volumes: vols})
	if err != nil {
		t.Fatal(err)
	}
	var sel []requestor.ComponentSelection
	for _, w := range []*simulate.ScriptedWriter{orders, ledger} {
		sel = append(sel, requestor.ComponentSelection{WriterInstance: w.Info().InstanceID, WriterClass: w.Info().ClassID,
			Component: writer.ComponentKey{Type: vss.ComponentFileGroup, Name: strings.ToLower(w.Info().Name)}})
	}
	m := storeBackup(t, s, requestor.Plan{Volumes: []string{`C:\`}, Components: sel})
	_ = s.Close()

	plan, err := simulate.ParsePlan(`writer "Ledger" PreRestore error(VSS_E_WRITERERROR_RETRYABLE)`)
	if err != nil {
		t.Fatal(err)
	}
	orders, ledger = newWriters()
	rvols := simulate.NewVolumeSet(simulate.NewVolume(`C:\`))
	rs, _, err := simulate.NewSession(simulate.Config{Writers: []writer.Writer{orders, simulate.InjectWriter(ledger, plan, nil)},
		Providers: []provider.Provider{simulate.NewSystemProvider(rvols)}, Volumes: rvols})
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	target := t.TempDir()
	dt, err := requestor.NewDirTarget(target, false)
	if err != nil {
		t.Fatal(err)
	}
	defer dt.Close()
	res, err := requestor.Restore(context.Background(), rs, m, requestor.RestorePlan{Target: dt})
	var re *requestor.RestoreError
	if !errors.As(err, &re) || !errors.Is(err, vss.ErrWriterRetryable) || !strings.Contains(err.Error(), `"Ledger"`) {
		t.Fatalf("restore = %v, want a RestoreError naming Ledger's VSS_E_WRITERERROR_RETRYABLE", err)
	}
	status := map[string]vss.FileRestoreStatus{}
	for _, c := range res.Components {
		status[c.Component.Name] = c.Status
	}
	if status["orders"] != vss.FileRestoreAll || status["ledger"] != vss.FileRestoreNone {
		t.Errorf("components %+v", res.Components)
	}
	var failedAt vss.WriterState
	for _, w := range res.Writers {
		if w.Name == "Ledger" {
			failedAt = w.State
		}
	}
	if failedAt != vss.WriterFailedAtPreRestore {
		t.Errorf("Ledger's state %v, want VSS_WS_FAILED_AT_PRE_RESTORE", failedAt)
	}
	if got := tree(t, target); !slices.Equal(got, []string{".", "C", "C/orders", "C/orders/ledger.db"}) {
		t.Errorf("restored %v", got)
	}
	if orders.Count(writer.EventPostRestore) != 1 || ledger.Count(writer.EventPostRestore) != 0 {
		t.Errorf("PostRestore: Orders %d, Ledger %d; want 1 and 0", orders.Count(writer.EventPostRestore), ledger.Count(writer.EventPostRestore))
	}
	if orders.Count(writer.EventAbort)+ledger.Count(writer.EventAbort) != 0 {
		t.Error("a writer received Abort in a restore")
	}
}

// A medium that lists the volume's root directory (".") restores as one
// that does not; "." as a file is refused.
func TestRestoreLeavesTheRootAsItIs(t *testing.T) {
	m, w := ordersBackup(t, func(*writer.Metadata) error { return nil })
	m.Add(requestor.MediaFile{Volume: `C:\`, Path: ".", Mode: fs.ModeDir | 0o755}, nil)
	if _, err := restoreInto(t, m, w, t.TempDir()); err != nil {
		t.Errorf("a medium listing the root: %v", err)
	}
	if err := requestor.CheckMediaFile(requestor.MediaFile{Volume: `C:\`, Path: ".", Mode: 0o644}); !errors.Is(err, vss.ErrInvalidArg) {
		t.Errorf(`"." as a file = %v`, err)
	}
}

// services is a requestor.ServiceControl that notes what it is asked,
// with how many files the restore target holds then.
type services struct {
	dir string
	log []string
}

func (s *services) note(what, name string) error {
	n := 0
	_ = filepath.WalkDir(s.dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			n++
		}
		return nil
	})
	s.log = append(s.log, fmt.Sprintf("%s %s (%d files there)", what, name, n))
	return nil
}

func (s *services) Stop(ctx context.Context, name string) error  { return s.note("stop", name) }
func (s *services) Start(ctx context.Context, name string) error { return s.note("start", name) }
