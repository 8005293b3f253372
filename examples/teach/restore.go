package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
	"time"

	"github.com/vsskit/vss/coordinator"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/simulate"
)

// The restore scenario: the orders database is backed up (as in
// component, without narration) into a simulate.MemoryMedia, then
// restored onto a fresh machine by requestor.Restore, whose restore
// session is narrated.

// restoreParts are the parts of a restore session, by the call that
// opens each: what the narration prints as a header before it.
var restoreParts = map[coordinator.CallKind][2]string{
	coordinator.CallInitializeForRestore: {"The requestor opens a restore session",
		"It gives VSS the backup components document stored with the backup: which components of which " +
			"writers were backed up, and what the writers recorded about them. It reads the stored writer " +
			"metadata documents too: they say where each writer's files go and how they are to be restored " +
			"(the restore method). Then the writers describe themselves again (Identify), and the requestor " +
			"selects what to restore."},
	coordinator.CallPreRestore: {"VSS prepares the writers (PreRestore)",
		"Each writer whose components are selected learns that its files are about to be replaced: it stops " +
			"its application, and may say where it wants the files (its restore target)."},
	coordinator.CallWriterComponents: {"The requestor puts the files back",
		"It reads the writers' restore targets, then writes every stored file of the selected components " +
			"where the writer's restore method and target say, and reports, per component, how much it restored."},
	coordinator.CallPostRestore: {"VSS tells the writers the files are back (PostRestore)",
		"Each writer checks what was restored and brings its application back on the restored data. A " +
			"writer's failure here, as at PreRestore, shows only in its status: a restore has no Abort."},
}

// restoreHeader prints the header of the part of the restore a record
// opens.
func (n *narrator) restoreHeader(r coordinator.Record) {
	if r.Kind != coordinator.RecCall {
		return
	}
	if p, ok := restoreParts[r.Call]; ok {
		n.printf("\n== Restore: %s ==\n%s\n\n", p[0], wrap(p[1], 76, ""))
	}
}

// diskState describes the data of the applications on a volume as it is
// on the disk: how many whole transactions its files hold, and whether the
// application's own check finds them consistent.
func (n *narrator) diskState(volume string) string {
	var parts []string
	for _, a := range n.w.appsOn(volume) {
		if a.aware == nil {
			continue
		}
		rec, err := a.aware.Records(a.volume.FS())
		s := fmt.Sprintf("%s: %d whole transactions on disk", a.name, rec)
		switch {
		case err != nil && a.aware.Stats().Writes > 0:
			s += ", one being written"
		case err != nil:
			s += ": NOT consistent: " + err.Error()
		case rec == 0:
			s = a.name + ": no data"
		}
		parts = append(parts, s)
	}
	if len(parts) == 0 {
		return "no data"
	}
	return strings.Join(parts, "; ")
}

// runRestore runs the restore scenario from seed, narrating the restore
// to out.
func runRestore(out io.Writer, sc *scenario, seed uint64, opt options) (*result, error) {
	ctx := context.Background()
	fmt.Fprintf(out, "Scenario %s (seed %d): %s\n\n%s\n", sc.name, seed, sc.summary, wrap(sc.intro, 76, ""))

	// The backup, unnarrated: the orders database, in component mode.
	bw := newWorld(machine{}, seed)
	bs, err := bw.session(nil)
	if err != nil {
		return nil, err
	}
	media := simulate.NewMemoryMedia()
	orders := bw.writers[0].Info()
	var atBackup int
	bres, err := requestor.Backup(ctx, bs, requestor.Plan{Volumes: []string{`C:\`}, Components: []requestor.ComponentSelection{
		{WriterInstance: orders.InstanceID, WriterClass: orders.ClassID, Component: ordersComponent}},
		Copy: func(ctx context.Context, src *requestor.CopySource) error {
			atBackup, _ = bw.apps[0].aware.Records(src.Snapshots[0].FS)
			return media.Copy(ctx, src)
		}})
	if cerr := bs.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("the backup before the restore failed: %w", err)
	}
	if err := media.Keep(bres); err != nil {
		return nil, err
	}
	files, _ := media.Files()
	wmds, _ := media.WriterMetadata()
	fmt.Fprintf(out, "\n%s\n", wrap(fmt.Sprintf("The backup stored %d entries of C:\\ (the orders database's shadow copy held %d whole transactions), "+
		"the backup components document and %d writer metadata documents. The restore starts on a fresh machine.",
		len(files), atBackup, len(wmds)), 76, ""))

	// The restore, narrated, on a fresh machine.
	w := newWorld(machine{}, seed)
	n := newNarrator(out, w, opt.wait)
	n.restore = true
	// Only the orders application runs: it starts on its fresh disk.
	rs, err := coordinator.New(coordinator.Config{Writers: w.writers, Providers: w.providers, Volumes: w.vols,
		Runtime: w.loop, IDs: w.loop.IDs(), OnRecord: n.record})
	if err != nil {
		return nil, err
	}
	w.apps[0].start(w.loop)
	target := &narratedTarget{Target: simulate.NewVolumeTarget(w.volumes...), n: n}
	res, rerr := requestor.Restore(ctx, rs, media, requestor.RestorePlan{Target: target,
		Components: []requestor.RestoreSelection{{WriterClass: orders.ClassID, Component: ordersComponent}}})
	failed := ""
	if rerr != nil {
		failed = rerr.Error()
		n.say("the restore fails: %v", rerr)
	}
	if res != nil {
		for _, c := range res.Components {
			if c.Reason != "" {
				n.say("reported component %s as %v: %s", c.Component, c.Status, c.Reason)
			} else {
				n.say("reported component %s as %v", c.Component, c.Status)
			}
		}
		for _, s := range res.Writers {
			if s.Failed() {
				n.say("writer %q is %v with %s: %s", s.Name, s.State, s.Failure.Name(), s.Detail)
			} else {
				n.say("writer %q is %v", s.Name, s.State)
			}
		}
	}
	restored, _ := w.apps[0].aware.Records(w.volumes[0].FS())
	before := w.apps[0].stats().Acknowledged
	w.loop.Wait(nil, w.loop.Now().Add(5*time.Second), true)
	after := w.apps[0].stats().Acknowledged
	if err := rs.Close(); err != nil {
		return nil, err
	}
	n.printf("\n== What happened ==\n")
	if failed == "" {
		n.printf("The restore succeeded.\n")
	} else {
		n.printf("%s\n", wrap("The restore failed: "+failed+".", 76, ""))
	}
	w.apps[0].aware.Settle() // the transaction in flight reaches the disk
	verdict := "consistent, and nothing it acknowledged is lost"
	if err := errors.Join(w.apps[0].check(w.volumes[0].FS()), w.apps[0].aware.CheckLive(w.volumes[0].FS())); err != nil {
		verdict = "NOT consistent: " + err.Error()
	}
	same := "as many as the shadow copy held"
	if restored != atBackup {
		same = fmt.Sprintf("but the shadow copy held %d", atBackup)
	}
	n.printf("%s\n", wrap(fmt.Sprintf("C:\\orders after PostRestore: %d whole transactions, %s; the "+
		"application reloaded them and, in the 5 s that followed, acknowledged %d new ones; its data is %s.",
		restored, same, after-before, verdict), 76, ""))
	if len(n.codes) > 0 {
		n.printf("\nCodes met in this run, and what they mean:\n")
		for _, c := range n.codes {
			n.printf("  %s (0x%08X): %s\n", c.Name(), uint32(c), explainText(c))
		}
	}
	n.printf("\nDraw this run: go run ./examples/teach -scenario %s -seed %d -mermaid %s.mmd -svg %s.svg\n", sc.name, seed, sc.name, sc.name)
	return &result{trace: n.trace, failed: failed}, nil
}

// narratedTarget is the restore target with the requestor saying what it
// writes.
type narratedTarget struct {
	requestor.Target
	n *narrator
}

// WriteFile implements requestor.Target.
func (t *narratedTarget) WriteFile(volume, name string, r io.Reader, mode fs.FileMode, modTime time.Time) error {
	c := &countingReader{r: r}
	err := t.Target.WriteFile(volume, name, c, mode, modTime)
	if err != nil {
		t.n.say("could not put back %s%s: %v", volume, strings.ReplaceAll(path.Clean(name), "/", `\`), err)
		return err
	}
	t.n.say("puts back %s%s (%d bytes, checked against the digest stored with it)", volume, strings.ReplaceAll(name, "/", `\`), c.n)
	return nil
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
