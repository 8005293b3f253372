package main

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/writer"
)

// copyStats counts what was copied, and what the writers' exclude lists
// left out.
type copyStats struct {
	files    int
	bytes    int64
	excluded int // files the writers' exclude lists left out
	skipped  int // entries a backup archive leaves out (media.Stats.Skipped)
}

// copyPaths copies the files under each path of the shadow copy snap into
// sink, leaving out those a writer's exclude list names: it first
// measures them, for the progress bar, then copies.
func copyPaths(ctx context.Context, snap requestor.VolumeSnapshot, paths []string, excl *requestor.ExcludeList, sink sink, p *progress) (copyStats, error) {
	fsys := snap.FS
	total, excluded, err := measure(snap, paths, excl)
	if err != nil {
		return copyStats{}, err
	}
	st := copyStats{excluded: excluded}
	p.start(total)
	defer p.done()
	for _, root := range paths {
		err := fs.WalkDir(fsys, root, func(name string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			if name == "." {
				return nil
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			if d.IsDir() {
				return sink.Dir(name, info)
			}
			if !d.Type().IsRegular() || excl.Excludes(snap.OriginalPath(name)) {
				return nil // links and devices are not copied, nor excluded files
			}
			if err := copyFile(fsys, name, info, sink, p); err != nil {
				return err
			}
			st.files++
			st.bytes += info.Size()
			return nil
		})
		if err != nil {
			return st, err
		}
	}
	return st, nil
}

// copyComponents copies the files of the selected components into sink,
// as their writers' file sets name them (requestor.ComponentFiles: a
// component's own files and its component set's, less the writer's
// exclude list).
func copyComponents(ctx context.Context, src *requestor.CopySource, sink sink, p *progress) (copyStats, error) {
	items, total, err := componentFiles(src)
	if err != nil {
		return copyStats{}, err
	}
	p.start(total)
	defer p.done()
	var st copyStats
	for _, it := range items {
		if err := ctx.Err(); err != nil {
			return st, err
		}
		if err := copyFile(it.f.FS, it.f.Name, it.info, sink, p); err != nil {
			return st, err
		}
		st.files++
		st.bytes += it.info.Size()
	}
	return st, nil
}

// componentFile is a file of a selected component, with its size.
type componentFile struct {
	f    requestor.SnapshotFile
	info fs.FileInfo
}

// componentFiles lists the files of the selected components once each,
// as their writers' file sets name them (CopySource.Files), and their
// total size, for the progress bar.
func componentFiles(src *requestor.CopySource) ([]componentFile, int64, error) {
	var items []componentFile
	var total int64
	seen := map[string]bool{}
	for _, c := range src.Components {
		files, err := src.Files(c)
		if err != nil {
			return nil, 0, err
		}
		for _, f := range files {
			if seen[f.Volume+"|"+f.Name] {
				continue
			}
			seen[f.Volume+"|"+f.Name] = true
			info, err := fs.Stat(f.FS, f.Name)
			if err != nil {
				return nil, 0, fmt.Errorf("reading the shadow copy: %w", err)
			}
			items = append(items, componentFile{f, info})
			total += info.Size()
		}
	}
	return items, total, nil
}

// copyFile copies one file of fsys into sink.
func copyFile(fsys fs.FS, name string, info fs.FileInfo, sink sink, p *progress) error {
	f, err := fsys.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := sink.File(name, info, io.TeeReader(f, p)); err != nil {
		return fmt.Errorf("copying %s: %w", path.Clean(name), err)
	}
	return nil
}

// selectComponents selects the components of -component, each
// WRITER:COMPONENT, by writer name and component key
// (requestor.SelectByName).
func selectComponents(specs []string) requestor.Selector {
	return func(ctx context.Context, mds []*writer.Metadata) ([]requestor.ComponentSelection, error) {
		var out []requestor.ComponentSelection
		for _, s := range specs {
			w, c, _ := strings.Cut(s, ":")
			sel, err := requestor.SelectByName(w, c)(ctx, mds)
			if err != nil {
				return nil, err
			}
			out = append(out, sel...)
		}
		return out, nil
	}
}

// backupTypes are the values of -type.
var backupTypes = map[string]vss.BackupType{
	"copy": vss.BackupCopy, "full": vss.BackupFull, "incremental": vss.BackupIncremental,
	"differential": vss.BackupDifferential, "log": vss.BackupLog,
}

func parseBackupType(s string) (vss.BackupType, error) {
	if t, ok := backupTypes[strings.ToLower(s)]; ok {
		return t, nil
	}
	return 0, fmt.Errorf("%q is not copy, full, incremental, differential or log", s)
}

// report says what the backup left out: files the writers exclude, and
// writers that failed without failing the backup.
func report(w io.Writer, st copyStats, res *requestor.Result) {
	if st.excluded > 0 {
		fmt.Fprintf(w, "left out %d files the writers exclude from backups\n", st.excluded)
	}
	if st.skipped > 0 {
		fmt.Fprintf(w, "left out %d entries a restore could not put back (links out of the volume, devices); -list shows what is stored\n", st.skipped)
	}
	for _, d := range res.Degraded {
		fmt.Fprintf(w, "writer %q failed (%v, %s): its files are only crash consistent\n", d.Name, d.State, d.Failure.Name())
	}
}

// measure returns the size of the regular files under paths of the
// shadow copy snap, less those the exclude list names, for the progress
// bar, and how many it left out.
func measure(snap requestor.VolumeSnapshot, paths []string, excl *requestor.ExcludeList) (total int64, excluded int, err error) {
	for _, root := range paths {
		err := fs.WalkDir(snap.FS, root, func(name string, d fs.DirEntry, err error) error {
			if err != nil || !d.Type().IsRegular() {
				return err
			}
			if excl.Excludes(snap.OriginalPath(name)) {
				excluded++
				return nil
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			total += info.Size()
			return nil
		})
		if err != nil {
			return 0, 0, fmt.Errorf("reading the shadow copy: %w", err)
		}
	}
	return total, excluded, nil
}
