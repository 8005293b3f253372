package requestor_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/coordinator"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/simulate"
	"github.com/vsskit/vss/writer"
)

// Backup runs a whole VSS backup over any Requestor; here, a simulated
// session with one writer and one volume. The same call runs against real
// VSS on Windows.
func ExampleBackup() {
	vol := simulate.NewVolume(`C:\`)
	_ = vol.WriteFile("orders.db", []byte("order 1001"))
	vols := simulate.NewVolumeSet(vol)
	session, _, err := simulate.NewSession(simulate.Config{
		Writers:   []writer.Writer{simulate.NewScriptedWriter("Orders")},
		Providers: []provider.Provider{simulate.NewSystemProvider(vols)},
		Volumes:   vols,
	})
	if err != nil {
		panic(err)
	}
	defer session.Close()

	res, err := requestor.Backup(context.Background(), session, requestor.Plan{
		Volumes: []string{`C:\`},
		Copy: func(ctx context.Context, src *requestor.CopySource) error {
			snaps := src.Snapshots
			data, err := fs.ReadFile(snaps[0].FS, "orders.db")
			fmt.Printf("copied %q from the shadow copy of %s\n", data, snaps[0].Volume)
			return err
		},
	})
	if err != nil {
		panic(err)
	}
	for _, w := range res.Writers {
		fmt.Println(w.Name, w.State)
	}
	// Output:
	// copied "order 1001" from the shadow copy of C:\
	// Orders VSS_WS_STABLE
}

// A writer that fails does not fail a backup in non-component mode: the
// backup goes on, and Result.Degraded names the writer, whose data in
// the shadow copy is only crash consistent. A writer the plan requires
// fails the backup with the writer's own VSS error, and Backup aborts and
// deletes the shadow copies.
func ExampleBackup_writerFailure() {
	ctx := context.Background()
	vols := simulate.NewVolumeSet(simulate.NewVolume(`C:\`))
	flaky := simulate.NewScriptedWriter("Flaky", simulate.On(writer.EventFreeze, simulate.Behavior{Err: vss.ErrWriterNonRetryable}))
	session := func() *coordinator.Session {
		s, _, _ := simulate.NewSession(simulate.Config{
			Writers:   []writer.Writer{flaky},
			Providers: []provider.Provider{simulate.NewSystemProvider(vols)},
			Volumes:   vols,
		})
		return s
	}

	s := session()
	res, err := requestor.Backup(ctx, s, requestor.Plan{Volumes: []string{`C:\`}})
	_ = s.Close()
	fmt.Println("backup:", err)
	for _, w := range res.Degraded {
		fmt.Printf("degraded: %s %v %s\n", w.Name, w.State, w.Failure.Name())
	}

	s = session()
	_, err = requestor.Backup(ctx, s, requestor.Plan{Volumes: []string{`C:\`}, RequireWriters: []vss.ID{flaky.Info().ClassID}})
	_ = s.Close()
	fmt.Println(errors.Is(err, vss.ErrWriterNonRetryable))
	fmt.Println(err)
	// Output:
	// backup: <nil>
	// degraded: Flaky VSS_WS_FAILED_AT_FREEZE VSS_E_WRITERERROR_NONRETRYABLE
	// true
	// vss backup failed at GatherWriterStatus after DoSnapshotSet: writer "Flaky" (VSS_WS_FAILED_AT_FREEZE): VSS_E_WRITERERROR_NONRETRYABLE (0x800423F4): the writer failed; retrying will not help
}

// A component-mode backup that selects a component by its writer's class
// alone, and copies exactly the component's files: ComponentFiles (here
// through CopySource.Files) reads its file sets in the shadow copy,
// wildcards and all, and leaves out what the writer's exclude list names.
func ExampleComponentFiles() {
	vol := simulate.NewVolume(`C:\`)
	_ = vol.MkdirAll("shop")
	for _, f := range []string{"shop/orders.db", "shop/orders.log", "shop/orders.tmp", "shop/prices.db"} {
		_ = vol.WriteFile(f, []byte(f))
	}
	vols := simulate.NewVolumeSet(vol)
	shop := simulate.NewScriptedWriter("Shop", simulate.WithIdentify(func(_ context.Context, md *writer.Metadata) error {
		if _, err := md.AddComponent(writer.ComponentInfo{Type: vss.ComponentDatabase, Name: "orders", Selectable: true}); err != nil {
			return err
		}
		return errors.Join(
			md.AddDatabaseFiles("", "orders", writer.FileSpec{Path: `C:\Shop`, Spec: "orders.*"}),
			md.AddExcludeFiles(writer.FileSpec{Path: `C:\Shop`, Spec: "*.tmp"}))
	}))
	session, _, _ := simulate.NewSession(simulate.Config{
		Writers:   []writer.Writer{shop},
		Providers: []provider.Provider{simulate.NewSystemProvider(vols)},
		Volumes:   vols,
	})
	defer session.Close()

	_, err := requestor.Backup(context.Background(), session, requestor.Plan{
		Volumes: []string{`C:\`},
		Components: []requestor.ComponentSelection{{WriterClass: shop.Info().ClassID,
			Component: writer.ComponentKey{Type: vss.ComponentDatabase, Name: "orders"}}},
		Copy: func(ctx context.Context, src *requestor.CopySource) error {
			for _, c := range src.Components {
				files, err := src.Files(c)
				if err != nil {
					return err
				}
				for _, f := range files {
					fmt.Printf("%s from %s\n", f.Path, f.Name)
				}
			}
			return nil
		},
	})
	fmt.Println("backup:", err)
	// Output:
	// C:\Shop\orders.db from shop/orders.db
	// C:\Shop\orders.log from shop/orders.log
	// backup: <nil>
}

// A backup that a writer fails with VSS_E_WRITERERROR_RETRYABLE is tried
// again, whole, on a new session that Retry.Open opens; Result.Attempts
// lists both attempts. (A simulated session waits in virtual time; here
// Delay is short in case the session has no clock of its own.)
func ExampleRetry() {
	vols := simulate.NewVolumeSet(simulate.NewVolume(`C:\`))
	// The writer fails its first Freeze only.
	flaky := simulate.NewScriptedWriter("Flaky", simulate.On(writer.EventFreeze, simulate.Behavior{Err: vss.ErrWriterRetryable, Times: 1}))
	open := func(context.Context) (requestor.Requestor, error) {
		s, _, err := simulate.NewSession(simulate.Config{
			Writers:   []writer.Writer{flaky},
			Providers: []provider.Provider{simulate.NewSystemProvider(vols)},
			Volumes:   vols,
		})
		return s, err
	}
	first, _ := open(context.Background())
	defer first.Close()

	res, err := requestor.Backup(context.Background(), first, requestor.Plan{
		Volumes:        []string{`C:\`},
		RequireWriters: []vss.ID{flaky.Info().ClassID},
		Retry:          requestor.Retry{Attempts: 3, Delay: time.Millisecond, Open: open},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer res.Session.Close() // the session that made the backup
	for i, a := range res.Attempts {
		outcome := "succeeded"
		if a.Err != nil {
			outcome = "failed at " + a.Step + ": " + vss.CodeOf(a.Err).Name()
		}
		fmt.Printf("attempt %d, session %d: %s\n", i+1, a.Session, outcome)
	}
	// Output:
	// attempt 1, session 0: failed at GatherWriterStatus after DoSnapshotSet: VSS_E_WRITERERROR_RETRYABLE
	// attempt 2, session 1: succeeded
}

// A tool that restores asks its session for the Restorer capability with
// a type assertion, not for a platform: the same code restores with the
// real VSS (NewWindows) and with any other session that can restore.
func ExampleRestorer() {
	var (
		ctx    = context.Background()
		r      requestor.Requestor // the session, however it was opened
		bcdXML string              // the backup components document stored with the backup (SaveAsXML)
		class  vss.ID              // the writer class of the component to restore
		key    writer.ComponentKey // the component, as added at backup time
	)
	rs, ok := r.(requestor.Restorer)
	if !ok {
		fmt.Println("this session cannot restore")
		return
	}
	steps := []func() error{
		func() error { return rs.InitializeForRestore(ctx, bcdXML) },
		func() error { return r.GatherWriterMetadata(ctx) },
		func() error { return rs.SetSelectedForRestore(ctx, class, key, true) },
		func() error { return rs.PreRestore(ctx) },
		// ... put the component's files back ...
		func() error { return rs.PostRestore(ctx) },
		func() error { return r.GatherWriterStatus(ctx) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			fmt.Println("restore:", err)
			return
		}
	}
	statuses, _ := r.WriterStatus(ctx)
	for _, s := range statuses {
		if s.Failed() {
			fmt.Printf("writer %s failed the restore: %v at %v\n", s.Name, s.Failure, s.FailedAt)
		}
	}
}

// A tool that leaves a writer out of its backup asks its session for the
// WriterChooser capability, between InitializeForBackup and
// GatherWriterMetadata; the writer left out gets no event of the session.
func ExampleWriterChooser() {
	vols := simulate.NewVolumeSet(simulate.NewVolume(`C:\`))
	orders, mail := simulate.NewScriptedWriter("Orders"), simulate.NewScriptedWriter("Mail")
	session, _, err := simulate.NewSession(simulate.Config{
		Writers:   []writer.Writer{orders, mail},
		Providers: []provider.Provider{simulate.NewSystemProvider(vols)},
		Volumes:   vols,
	})
	if err != nil {
		panic(err)
	}
	defer session.Close()
	ctx := context.Background()

	var r requestor.Requestor = session
	_ = r.InitializeForBackup(ctx, "")
	if wc, ok := r.(requestor.WriterChooser); ok {
		_ = wc.DisableWriterClasses(ctx, []vss.ID{mail.Info().ClassID})
	}
	_ = r.GatherWriterMetadata(ctx)
	md, _ := r.WriterMetadata(ctx)
	for _, m := range md {
		fmt.Println("takes part:", m.Name)
	}
	fmt.Println("Mail got Identify:", mail.Count(writer.EventIdentify) > 0)
	// Output:
	// takes part: Orders
	// Mail got Identify: false
}
