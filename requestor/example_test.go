package requestor_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

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
