package main

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"path"
)

// copyStats counts what was copied.
type copyStats struct {
	files   int
	bytes   int64
	skipped int // entries a backup archive leaves out (media.Stats.Skipped)
}

// copyPaths copies the files under each path of fsys into sink: it first
// measures them, for the progress bar, then copies.
func copyPaths(ctx context.Context, fsys fs.FS, paths []string, sink sink, p *progress) (copyStats, error) {
	total, err := measure(fsys, paths)
	if err != nil {
		return copyStats{}, err
	}
	p.start(total)
	defer p.done()
	var st copyStats
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
			if !d.Type().IsRegular() {
				return nil // links and devices are not copied
			}
			f, err := fsys.Open(name)
			if err != nil {
				return err
			}
			defer f.Close()
			if err := sink.File(name, info, io.TeeReader(f, p)); err != nil {
				return fmt.Errorf("copying %s: %w", path.Clean(name), err)
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

// measure returns the size of the regular files under paths, for the
// progress bar.
func measure(fsys fs.FS, paths []string) (int64, error) {
	var total int64
	for _, root := range paths {
		err := fs.WalkDir(fsys, root, func(name string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.Type().IsRegular() {
				info, err := d.Info()
				if err != nil {
					return err
				}
				total += info.Size()
			}
			return nil
		})
		if err != nil {
			return 0, fmt.Errorf("reading the shadow copy: %w", err)
		}
	}
	return total, nil
}
