package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/requestor/media"
	"github.com/vsskit/vss/requestor/remote"
	"github.com/vsskit/vss/writer"
)

// output is where a backup goes: a sink the files are copied into one by
// one, or a backup archive (mediaOutput). Nothing appears at the output
// path until Place; see sink.
type output interface {
	// Finish completes the copy of the data, syncs it to disk and checks
	// it: the data is stored, under a temporary name.
	Finish(ctx context.Context) error
	// Place renames the finished output to the output path.
	Place() error
	// Abort removes the output unless it was placed.
	Abort()
}

// isMediaArchive says whether -out names a backup archive (package
// media): a .tar file, which holds the backup's documents with the data
// and can be restored through the writers.
func isMediaArchive(out string) bool { return strings.HasSuffix(strings.ToLower(out), ".tar") }

// openOutput opens the output -out names.
func openOutput(out string) (output, error) {
	if isMediaArchive(out) {
		f, err := createTemp(out)
		if err != nil {
			return nil, err
		}
		return &mediaOutput{archive: archive{f: f, out: out}, w: media.NewWriter(f)}, nil
	}
	return openSink(out)
}

// mediaOutput writes a backup archive: the files from the shadow copy
// during the backup (copy, then Finish, which syncs them and reads them
// back), the backup's documents once it has returned (documents, which
// syncs and verifies the whole archive), then Place.
type mediaOutput struct {
	archive
	w *media.Writer
}

// copy stores the files under paths of the backup's shadow copy, less
// those the writers' exclude lists name, or, with components, the files
// of the selected components.
func (m *mediaOutput) copy(ctx context.Context, src *requestor.CopySource, paths []string, components bool, p *progress) (copyStats, error) {
	var total int64
	var err error
	var files []requestor.SnapshotFile
	if components {
		var items []componentFile
		items, total, err = componentFiles(src)
		for _, it := range items {
			files = append(files, it.f)
		}
	} else {
		total, _, err = measure(src.Snapshots[0], paths, src.Excludes())
	}
	if err != nil {
		return copyStats{}, err
	}
	p.start(total)
	defer p.done()
	m.w.Progress = p.add
	if components {
		err = m.w.CopyFiles(ctx, src.Snapshots, files)
	} else {
		m.w.Exclude = media.ExcludeWriters(src.Excludes())
		err = m.w.CopySnapshot(ctx, src.Snapshots[0], paths...)
	}
	st := m.w.Stats()
	return copyStats{files: st.Files, bytes: st.Bytes, excluded: st.Excluded, skipped: len(st.Skipped)}, err
}

func (m *mediaOutput) Finish(ctx context.Context) error {
	if err := m.f.Sync(); err != nil {
		return err
	}
	end, err := m.f.Seek(0, io.SeekCurrent)
	if err != nil {
		return err
	}
	if err := m.w.CheckWritten(ctx, io.NewSectionReader(m.f, 0, end)); err != nil {
		return fmt.Errorf("the archive written does not read back as written: %w", err)
	}
	return nil
}

// documents completes the archive with the backup components document
// and the writer metadata documents of the backup that has returned res,
// syncs it and verifies it whole.
func (m *mediaOutput) documents(ctx context.Context, r requestor.Requestor, res *requestor.Result) error {
	wmd, err := media.WriterMetadataXML(ctx, r, res)
	if err != nil {
		return err
	}
	if err := m.w.Finish(res.BackupDocument, wmd); err != nil {
		return err
	}
	return m.finish(func(f *os.File) error {
		_, err := media.Verify(ctx, bufio.NewReaderSize(f, 256<<10))
		return err
	})
}

// Abort removes the temporary archive and frees the writer.
func (m *mediaOutput) Abort() {
	m.w.Abandon()
	m.archive.Abort()
}

// verifyArchive reads the backup archive name end to end and checks
// every byte against its manifest; it writes nothing.
func verifyArchive(ctx context.Context, name string, stdout io.Writer) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	sum, err := media.Verify(ctx, bufio.NewReaderSize(f, 256<<10))
	if err != nil {
		return fmt.Errorf("verifying %s: %w", name, err)
	}
	fmt.Fprintf(stdout, "%s: verified: %d files (%s), %d directories, %d links from %s, the backup components document and %d writer metadata documents; every size and SHA-256 matches the manifest\n",
		name, sum.Files, humanBytes(sum.Bytes), sum.Dirs, sum.Links, strings.Join(sum.Volumes, ", "), sum.WriterMetadata)
	return nil
}

// listArchive prints what the backup archive name holds: its documents
// and, as tar -tv would, its files.
func listArchive(name string, stdout io.Writer) error {
	a, err := media.OpenFile(name)
	if err != nil {
		return fmt.Errorf("listing %s: %w", name, err)
	}
	defer a.Close()
	bcd, err := a.BackupDocument()
	if err != nil {
		return fmt.Errorf("listing %s: %w", name, err)
	}
	wmd, err := a.WriterMetadata()
	if err != nil {
		return fmt.Errorf("listing %s: %w", name, err)
	}
	fmt.Fprintf(stdout, "backup components document (%s)\n", humanBytes(int64(len(bcd))))
	for _, doc := range wmd {
		md, err := writer.ParseMetadata([]byte(doc))
		if err != nil {
			return fmt.Errorf("listing %s: writer metadata: %w", name, err)
		}
		fmt.Fprintf(stdout, "writer metadata of %q (%d components)\n", md.Name, len(md.Components))
	}
	files, _ := a.Files()
	for _, f := range files {
		sep := `\`
		if strings.HasSuffix(f.Volume, `\`) {
			sep = ""
		}
		line := fmt.Sprintf("%s %10d %s %s%s%s", f.Mode, f.Size, f.ModTime.UTC().Format("2006-01-02 15:04:05"),
			f.Volume, sep, strings.ReplaceAll(f.Path, "/", `\`))
		if f.Link != "" {
			line += " -> " + f.Link
		}
		fmt.Fprintln(stdout, line)
	}
	return nil
}

// restoreArchive restores the backup archive -restore names, as
// restoreMedia does. The archive is verified end to end first, so that a
// damaged or truncated one restores nothing; then, as a requestor.Media,
// every file is checked against its manifest again as it is read.
func restoreArchive(ctx context.Context, o options, stdout, stderr io.Writer) error {
	if err := verifyArchive(ctx, o.restore, io.Discard); err != nil {
		return fmt.Errorf("nothing restored: %w", err)
	}
	a, err := media.OpenFile(o.restore)
	if err != nil {
		return fmt.Errorf("restoring %s: %w", o.restore, err)
	}
	defer a.Close()
	ro := restoreOptions{simulate: o.simulate, to: o.to, quiet: o.quiet}
	if o.remote != "" {
		var c *remote.Client
		if ro.remote, c, err = remoteSession(ctx, o); err != nil {
			return err
		}
		defer c.Close() // after restoreMedia closed the session
		ro.where = "the protected machine, through the agent at " + o.remote
	}
	return restoreMedia(ctx, a, ro, stdout, stderr)
}
