// Command quickstart runs a simulated VSS backup of two volumes with three
// writers, one at each application level, and prints every event of it as
// it happens, one line each, tagged with the step of the eleven-step VSS
// backup it belongs to:
//
//	go run ./examples/quickstart
//
// Everything runs in memory and in virtual time: the writers take seconds
// to freeze, but the program finishes at once, and prints the same lines
// every time.
package main

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/coordinator"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/simulate"
	"github.com/vsskit/vss/writer"
)

func main() {
	if _, err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

// run runs the narrated backup, printing to out, and returns the session's
// trace, Close included. If the narration cannot be written (stdout
// closed, a full disk), the backup still runs to its end, and run returns
// the first write error.
func run(w io.Writer) (trace []coordinator.Record, err error) {
	out := &checkedWriter{w: w}
	defer func() {
		if err == nil && out.err != nil {
			err = fmt.Errorf("cannot write the output: %w", out.err)
		}
	}()
	ctx := context.Background()
	var loop *simulate.Loop
	// say prints one line of the requestor's own narration, in the form of
	// the trace's lines.
	say := func(step int, format string, args ...any) {
		fmt.Fprintf(out, "[step %d] +%.3fs requestor: %s\n", step, loop.Elapsed().Seconds(), fmt.Sprintf(format, args...))
	}

	// The simulated machine: two volumes with some data, and the system
	// provider that shadow copies them.
	c := simulate.NewVolume(`C:\`)
	d := simulate.NewVolume(`D:\`)
	if err := c.WriteFile("inventory.db", []byte("42 widgets")); err != nil {
		return nil, err
	}
	if err := d.WriteFile("inventory.log", []byte("sold 3 widgets")); err != nil {
		return nil, err
	}
	vols := simulate.NewVolumeSet(c, d)

	// Three writers: an application (front end) over a database engine
	// (back end), and a system writer. Each takes a little virtual time.
	writers := []writer.Writer{
		simulate.NewScriptedWriter("Shop Application", simulate.WithLevel(vss.AppFrontEnd),
			simulate.On(writer.EventFreeze, simulate.Behavior{Cost: 200 * time.Millisecond}),
			simulate.On(writer.EventThaw, simulate.Behavior{Cost: 50 * time.Millisecond})),
		simulate.NewScriptedWriter("Inventory Database", simulate.WithLevel(vss.AppBackEnd),
			simulate.On(writer.EventPrepareSnapshot, simulate.Behavior{Cost: 300 * time.Millisecond}),
			simulate.On(writer.EventFreeze, simulate.Behavior{Cost: 500 * time.Millisecond}),
			simulate.On(writer.EventThaw, simulate.Behavior{Cost: 100 * time.Millisecond})),
		simulate.NewScriptedWriter("System Writer", simulate.WithLevel(vss.AppSystem),
			simulate.WithUsage(vss.UsageBootableSystemState, vss.SourceOther),
			simulate.On(writer.EventFreeze, simulate.Behavior{Cost: 100 * time.Millisecond})),
	}

	session, loop, err := simulate.NewSession(simulate.Config{
		Seed:      1,
		Writers:   writers,
		Providers: []provider.Provider{simulate.NewSystemProvider(vols)},
		Volumes:   vols,
		OnRecord: func(r coordinator.Record) {
			fmt.Fprintln(out, r)
			trace = append(trace, r)
		},
	})
	if err != nil {
		return nil, err
	}
	defer session.Close()               // on the error paths; closing twice does nothing
	var r requestor.Requestor = session // the same code runs against real VSS

	// Step 1: ask VSS to gather the writers' metadata.
	if err := r.InitializeForBackup(ctx, ""); err != nil {
		return nil, err
	}
	if err := r.SetContext(ctx, vss.ContextBackup); err != nil {
		return nil, err
	}
	// A COPY backup: the writers keep their backup history and logs (a
	// FULL one lets SQL Server, say, truncate logs it thinks backed up).
	if err := r.SetBackupState(ctx, requestor.BackupState{Type: vss.BackupCopy}); err != nil {
		return nil, err
	}
	if err := r.GatherWriterMetadata(ctx); err != nil {
		return nil, err
	}

	// Step 2: VSS finds the provider for each volume.
	setID, err := r.StartSnapshotSet(ctx)
	if err != nil {
		return nil, err
	}
	snapIDs := map[string]vss.ID{}
	for _, v := range []string{`C:\`, `D:\`} {
		id, err := r.AddToSnapshotSet(ctx, v, vss.NilID)
		if err != nil {
			return nil, err
		}
		snapIDs[v] = id
	}

	// Step 3: the writers prepare for the backup.
	if err := r.PrepareForBackup(ctx); err != nil {
		return nil, err
	}

	// Step 4: the writers' metadata documents reach the requestor.
	mds, err := r.WriterMetadata(ctx)
	if err != nil {
		return nil, err
	}
	for _, md := range mds {
		say(4, "writer metadata of %q (%v, %v)", md.Name, md.Usage, md.Source)
	}

	// Steps 5 to 9: create the shadow copy set: freeze, commit, thaw.
	if err := r.DoSnapshotSet(ctx); err != nil {
		return nil, err
	}

	// Step 10: check the writers, then read the backup data from the
	// shadow copies.
	if err := r.GatherWriterStatus(ctx); err != nil {
		return nil, err
	}
	status, err := r.WriterStatus(ctx)
	if err != nil {
		return nil, err
	}
	for _, s := range status {
		say(10, "writer %q is %v", s.Name, s.State)
	}
	// The application keeps working on the live volume meanwhile; the
	// shadow copy keeps the point in time.
	if err := c.WriteFile("inventory.db", []byte("39 widgets")); err != nil {
		return nil, err
	}
	for _, v := range []string{`C:\`, `D:\`} {
		props, err := r.GetSnapshotProperties(ctx, snapIDs[v])
		if err != nil {
			return nil, err
		}
		fsys, err := r.SnapshotFS(ctx, snapIDs[v])
		if err != nil {
			return nil, err
		}
		err = fs.WalkDir(fsys, ".", func(path string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return err
			}
			data, err := fs.ReadFile(fsys, path)
			if err != nil {
				return err
			}
			say(10, "read %s%s from %s: %q", v, path, props.DeviceObject, data)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}

	// Step 11: the data is stored; tell the writers, end the session.
	say(11, "stored the data of snapshot set %v with the writer metadata", setID)
	if err := r.BackupComplete(ctx); err != nil {
		return nil, err
	}
	err = r.Close()
	return trace, err
}

// checkedWriter keeps the first error of its writes; after one, it writes
// nothing more.
type checkedWriter struct {
	w   io.Writer
	err error
}

func (c *checkedWriter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p)
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	c.err = err
	return n, err
}
