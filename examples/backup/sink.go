package main

import (
	"archive/tar"
	"archive/zip"
	"compress/gzip"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// sink is where copied files go: a directory or an archive.
type sink interface {
	Dir(name string, info fs.FileInfo) error
	File(name string, info fs.FileInfo, r io.Reader) error
	Close() error
}

// openSink chooses the sink by the name's extension.
func openSink(out string) (sink, error) {
	lower := strings.ToLower(out)
	switch {
	case strings.HasSuffix(lower, ".zip"):
		f, err := os.Create(out)
		if err != nil {
			return nil, err
		}
		return &zipSink{f: f, w: zip.NewWriter(f)}, nil
	case strings.HasSuffix(lower, ".tar"), strings.HasSuffix(lower, ".tar.gz"), strings.HasSuffix(lower, ".tgz"):
		f, err := os.Create(out)
		if err != nil {
			return nil, err
		}
		s := &tarSink{f: f}
		var w io.Writer = f
		if !strings.HasSuffix(lower, ".tar") {
			s.gz = gzip.NewWriter(f)
			w = s.gz
		}
		s.w = tar.NewWriter(w)
		return s, nil
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, err
	}
	return dirSink(out), nil
}

// dirSink writes into a directory.
type dirSink string

func (d dirSink) Dir(name string, info fs.FileInfo) error {
	return os.MkdirAll(filepath.Join(string(d), filepath.FromSlash(name)), 0o755)
}

func (d dirSink) File(name string, info fs.FileInfo, r io.Reader) error {
	dst := filepath.Join(string(d), filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	f, err := os.Create(dst)
	if err != nil {
		return err
	}
	_, err = io.Copy(f, r)
	return errors.Join(err, f.Close(), os.Chtimes(dst, info.ModTime(), info.ModTime()))
}

func (d dirSink) Close() error { return nil }

// tarSink writes a tar archive, gzip-compressed or not.
type tarSink struct {
	f  *os.File
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

func (t *tarSink) Dir(name string, info fs.FileInfo) error { return t.header(name, info) }

func (t *tarSink) File(name string, info fs.FileInfo, r io.Reader) error {
	if err := t.header(name, info); err != nil {
		return err
	}
	_, err := io.CopyN(t.w, r, info.Size())
	return err
}

func (t *tarSink) Close() error {
	err := t.w.Close()
	if t.gz != nil {
		err = errors.Join(err, t.gz.Close())
	}
	return errors.Join(err, t.f.Close())
}

// zipSink writes a zip archive.
type zipSink struct {
	f *os.File
	w *zip.Writer
}

func (z *zipSink) Dir(name string, info fs.FileInfo) error {
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
	_, err = io.Copy(w, r)
	return err
}

func (z *zipSink) Close() error { return errors.Join(z.w.Close(), z.f.Close()) }
