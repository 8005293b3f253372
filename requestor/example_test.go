package requestor_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	"github.com/vsskit/vss"
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
		Copy: func(ctx context.Context, snaps []requestor.VolumeSnapshot) error {
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

// A writer failure fails the backup with the writer's own VSS error, and
// Backup aborts and deletes the shadow copies.
func ExampleBackup_writerFailure() {
	vols := simulate.NewVolumeSet(simulate.NewVolume(`C:\`))
	flaky := simulate.NewScriptedWriter("Flaky", simulate.On(writer.EventFreeze, simulate.Behavior{Err: vss.ErrWriterRetryable}))
	session, _, _ := simulate.NewSession(simulate.Config{
		Writers:   []writer.Writer{flaky},
		Providers: []provider.Provider{simulate.NewSystemProvider(vols)},
		Volumes:   vols,
	})
	defer session.Close()

	_, err := requestor.Backup(context.Background(), session, requestor.Plan{Volumes: []string{`C:\`}})
	fmt.Println(errors.Is(err, vss.ErrWriterRetryable))
	// Output:
	// true
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
