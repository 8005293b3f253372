package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"
)

// sink is where copied files go: a directory or an archive. Nothing
// appears at the output path until Place: the files go to a temporary
// file or directory next to it, which Finish completes, writes to disk and
// reads back to check it against what was written, and Place renames into
// place. Abort removes it. A previous backup at the output path stays as
// it was until a complete new one replaces it.
type sink interface {
	Dir(name string, info fs.FileInfo) error
	File(name string, info fs.FileInfo, r io.Reader) error
	// Finish completes the output, syncs it to disk and checks it: the
	// data is stored, under a temporary name.
	Finish(ctx context.Context) error
	// Place renames the finished output to the output path.
	Place() error
	// Abort removes the output unless it was placed.
	Abort()
}

// entry is one file or directory a sink was given, as Commit checks it.
type entry struct {
	name string // slash-separated, relative to the volume's root
	dir  bool
	size int64
	sum  [sha256.Size]byte
}

// manifest is what a sink was given, in order.
type manifest []entry

// file stores one file's data with write, which returns how many bytes it
// stored, and records its size and SHA-256. The file must have the size
// info gives: a shadow copy does not change while it is read.
func (m *manifest) file(name string, info fs.FileInfo, r io.Reader, write func(io.Reader) (int64, error)) error {
	h := sha256.New()
	n, err := write(io.TeeReader(r, h))
	if err != nil {
		return err
	}
	if n != info.Size() {
		return fmt.Errorf("read %d bytes of a %d-byte file", n, info.Size())
	}
	e := entry{name: name, size: n}
	h.Sum(e.sum[:0])
	*m = append(*m, e)
	return nil
}

func (m *manifest) dir(name string) { *m = append(*m, entry{name: name, dir: true}) }

// checker compares the entries read back from an archive, in order, with
// the manifest.
type checker struct {
	ctx  context.Context
	want manifest
	next int
}

// entry checks the next entry read back; r is its data (nil for a
// directory).
func (c *checker) entry(name string, dir bool, size int64, r io.Reader) error {
	if err := c.ctx.Err(); err != nil {
		return err
	}
	if c.next == len(c.want) {
		return fmt.Errorf("%s is in the output but was not written", name)
	}
	e := c.want[c.next]
	c.next++
	if name != e.name || dir != e.dir {
		return fmt.Errorf("entry %d is %s, want %s", c.next, name, e.name)
	}
	if dir {
		return nil
	}
	return e.check(size, r)
}

// check compares a file read back with what was written.
func (e entry) check(size int64, r io.Reader) error {
	if size != e.size {
		return fmt.Errorf("%s: %d bytes, %d were written", e.name, size, e.size)
	}
	h := sha256.New()
	n, err := io.Copy(h, r)
	if err != nil {
		return fmt.Errorf("%s: %w", e.name, err)
	}
	if n != e.size || !bytes.Equal(h.Sum(nil), e.sum[:]) {
		return fmt.Errorf("%s: the data read back differs from the data written", e.name)
	}
	return nil
}

func (c *checker) end() error {
	if c.next < len(c.want) {
		return fmt.Errorf("%s was written but is not in the output", c.want[c.next].name)
	}
	return nil
}

// openSink chooses the sink by the name's extension and creates its
// temporary file or directory next to out; a .tar is a backup archive
// (openOutput).
func openSink(out string) (sink, error) {
	lower := strings.ToLower(out)
	switch {
	case strings.HasSuffix(lower, ".zip"):
		f, err := createTemp(out)
		if err != nil {
			return nil, err
		}
		return &zipSink{archive: archive{f: f, out: out}, w: zip.NewWriter(f)}, nil
	case strings.HasSuffix(lower, ".tar.gz"), strings.HasSuffix(lower, ".tgz"):
		f, err := createTemp(out)
		if err != nil {
			return nil, err
		}
		s := &tarSink{archive: archive{f: f, out: out}, gz: gzip.NewWriter(f)}
		s.w = tar.NewWriter(s.gz)
		return s, nil
	}
	return openDirSink(out)
}

// tempPattern names the temporary output next to out: hidden, and saying
// what it is.
func tempPattern(out string) (dir, pattern string) {
	return filepath.Dir(out), "." + filepath.Base(out) + ".*.partial"
}

func createTemp(out string) (*os.File, error) {
	if fi, err := os.Stat(out); err == nil && fi.IsDir() {
		return nil, fmt.Errorf("-out %s is a directory; an archive name ends in .tar, .tar.gz, .tgz or .zip", out)
	}
	dir, pattern := tempPattern(out)
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return nil, fmt.Errorf("cannot create the archive next to %s: %w", out, err)
	}
	return f, nil
}

// archive is the temporary file an archive sink writes, and where it
// goes.
type archive struct {
	f    *os.File
	out  string
	m    manifest
	done bool // placed or aborted
}

// finish syncs the temporary file and checks it with check.
func (a *archive) finish(check func(f *os.File) error) error {
	if err := a.f.Sync(); err != nil {
		return err
	}
	if _, err := a.f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	if err := check(a.f); err != nil {
		return fmt.Errorf("the archive written does not read back as written: %w", err)
	}
	return nil
}

// Place renames the finished temporary file to out, keeping a replaced
// archive's permissions.
func (a *archive) Place() error {
	err := a.place()
	if err != nil {
		a.Abort()
	}
	return err
}

func (a *archive) place() error {
	perm := fs.FileMode(0o644)
	if fi, err := os.Stat(a.out); err == nil {
		perm = fi.Mode().Perm()
	}
	if err := a.f.Chmod(perm); err != nil && runtime.GOOS != "windows" {
		return err
	}
	if err := a.f.Close(); err != nil {
		return err
	}
	if err := os.Rename(a.f.Name(), a.out); err != nil {
		return err
	}
	a.done = true
	syncDir(filepath.Dir(a.out))
	return nil
}

func (a *archive) Abort() {
	if a.done {
		return
	}
	a.done = true
	a.f.Close()
	os.Remove(a.f.Name())
}

// syncDir makes a rename in dir durable where the system allows it; a
// failure only loses that guarantee, not the backup.
func syncDir(dir string) {
	if runtime.GOOS == "windows" {
		return
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// tarSink writes a gzip-compressed tar archive of the files.
type tarSink struct {
	archive
	gz *gzip.Writer
	w  *tar.Writer
}

func (t *tarSink) header(name string, info fs.FileInfo) error {
	h, err := tar.FileInfoHeader(info, "")
	if err != nil {
		return err
	}
	h.Name = name
	if info.IsDir() {
		h.Name += "/"
	}
	return t.w.WriteHeader(h)
}

func (t *tarSink) Dir(name string, info fs.FileInfo) error {
	t.m.dir(name)
	return t.header(name, info)
}

func (t *tarSink) File(name string, info fs.FileInfo, r io.Reader) error {
	if err := t.header(name, info); err != nil {
		return err
	}
	return t.m.file(name, info, r, func(r io.Reader) (int64, error) { return io.Copy(t.w, r) })
}

func (t *tarSink) Finish(ctx context.Context) error {
	if err := errors.Join(t.w.Close(), t.gz.Close()); err != nil {
		return err
	}
	return t.finish(func(f *os.File) error { return checkTar(ctx, f, t.m) })
}

// checkTar reads a gzip-compressed tar archive back and checks every
// entry, and the gzip stream's checksum and length.
func checkTar(ctx context.Context, f io.Reader, m manifest) error {
	r, err := gzip.NewReader(f)
	if err != nil {
		return err
	}
	c := &checker{ctx: ctx, want: m}
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		switch h.Typeflag {
		case tar.TypeDir:
			err = c.entry(strings.TrimSuffix(h.Name, "/"), true, 0, nil)
		case tar.TypeReg:
			err = c.entry(h.Name, false, h.Size, tr)
		default:
			err = fmt.Errorf("%s: an entry of type %q was never written", h.Name, h.Typeflag)
		}
		if err != nil {
			return err
		}
	}
	if err := c.end(); err != nil {
		return err
	}
	// Read what follows the tar end marker to the end of the file: the
	// gzip trailer's CRC-32 and length are checked there, and anything
	// after it is an error.
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	return nil
}

// zipSink writes a zip archive.
type zipSink struct {
	archive
	w *zip.Writer
}

func (z *zipSink) Dir(name string, info fs.FileInfo) error {
	z.m.dir(name)
	_, err := z.w.Create(name + "/")
	return err
}

func (z *zipSink) File(name string, info fs.FileInfo, r io.Reader) error {
	h, err := zip.FileInfoHeader(info)
	if err != nil {
		return err
	}
	h.Name, h.Method = name, zip.Deflate
	w, err := z.w.CreateHeader(h)
	if err != nil {
		return err
	}
	return z.m.file(name, info, r, func(r io.Reader) (int64, error) { return io.Copy(w, r) })
}

func (z *zipSink) Finish(ctx context.Context) error {
	if err := z.w.Close(); err != nil {
		return err
	}
	return z.finish(func(f *os.File) error { return checkZip(ctx, f, z.m) })
}

// checkZip reads a zip archive back and checks every entry; reading an
// entry to its end also checks its CRC-32.
func checkZip(ctx context.Context, f *os.File, m manifest) error {
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	zr, err := zip.NewReader(f, fi.Size())
	if err != nil {
		return err
	}
	c := &checker{ctx: ctx, want: m}
	for _, zf := range zr.File {
		if strings.HasSuffix(zf.Name, "/") {
			err = c.entry(strings.TrimSuffix(zf.Name, "/"), true, 0, nil)
		} else {
			err = checkZipFile(c, zf)
		}
		if err != nil {
			return err
		}
	}
	return c.end()
}

func checkZipFile(c *checker, zf *zip.File) error {
	r, err := zf.Open()
	if err != nil {
		return err
	}
	defer r.Close()
	return c.entry(zf.Name, false, int64(zf.UncompressedSize64), r)
}

// dirSink writes into a temporary directory next to the output directory,
// renamed into place by Place. The output directory must not exist, or be
// empty: a backup never mixes with, or deletes, what is already there.
type dirSink struct {
	tmp, out string
	m        manifest
	done     bool
}

func openDirSink(out string) (*dirSink, error) {
	if err := checkDirFree(out); err != nil {
		return nil, err
	}
	dir, pattern := tempPattern(out)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp(dir, pattern)
	if err != nil {
		return nil, fmt.Errorf("cannot create the output directory next to %s: %w", out, err)
	}
	if err := os.Chmod(tmp, 0o755); err != nil && runtime.GOOS != "windows" {
		os.Remove(tmp)
		return nil, err
	}
	return &dirSink{tmp: tmp, out: out}, nil
}

// checkDirFree says whether out can receive a directory backup: it does
// not exist, or is an empty directory.
func checkDirFree(out string) error {
	f, err := os.Open(out)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("-out %s exists and is not a directory (an archive name ends in .tar, .tar.gz, .tgz or .zip)", out)
	}
	if names, _ := f.Readdirnames(1); len(names) > 0 {
		return fmt.Errorf("-out %s is a directory that is not empty; give a new directory, or an archive name to replace an archive", out)
	}
	return nil
}

func (d *dirSink) path(name string) string { return filepath.Join(d.tmp, filepath.FromSlash(name)) }

func (d *dirSink) Dir(name string, info fs.FileInfo) error {
	d.m.dir(name)
	return os.MkdirAll(d.path(name), 0o755)
}

func (d *dirSink) File(name string, info fs.FileInfo, r io.Reader) error {
	dst := d.path(name)
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	f, err := os.Create(dst)
	if err != nil {
		return err
	}
	err = d.m.file(name, info, r, func(r io.Reader) (int64, error) { return io.Copy(f, r) })
	if err == nil {
		err = f.Sync()
	}
	return errors.Join(err, f.Close(), os.Chtimes(dst, info.ModTime(), info.ModTime()))
}

func (d *dirSink) Finish(ctx context.Context) error {
	if err := checkDir(ctx, d.tmp, d.m); err != nil {
		return fmt.Errorf("the files written do not read back as written: %w", err)
	}
	return nil
}

func (d *dirSink) Place() error {
	err := checkDirFree(d.out)
	if err == nil {
		// An empty directory at out gives way; on Windows a rename does
		// not replace a directory.
		if rerr := os.Remove(d.out); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
			err = rerr
		}
	}
	if err == nil {
		err = os.Rename(d.tmp, d.out)
	}
	if err != nil {
		d.Abort()
		return err
	}
	d.done = true
	syncDir(filepath.Dir(d.out))
	return nil
}

func (d *dirSink) Abort() {
	if d.done {
		return
	}
	d.done = true
	os.RemoveAll(d.tmp)
}

// checkDir reads the files of a directory backup back and checks each
// against the manifest; the directory must hold nothing else.
func checkDir(ctx context.Context, root string, m manifest) error {
	want := map[string]entry{}
	for _, e := range m {
		want[e.name] = e
	}
	seen := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if p == root {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		name := filepath.ToSlash(rel)
		e, ok := want[name]
		if !ok && d.IsDir() {
			// A parent of a selected path, made to hold it.
			return nil
		}
		if !ok || e.dir != d.IsDir() {
			return fmt.Errorf("%s is in the output but was not written", name)
		}
		seen++
		if e.dir {
			return nil
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		fi, err := f.Stat()
		if err != nil {
			return err
		}
		return e.check(fi.Size(), f)
	})
	if err != nil {
		return err
	}
	if seen != len(want) {
		for _, e := range m {
			if _, err := os.Lstat(filepath.Join(root, filepath.FromSlash(e.name))); err != nil {
				return fmt.Errorf("%s was written but is not in the output", path.Clean(e.name))
			}
		}
	}
	return nil
}
