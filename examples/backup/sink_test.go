package main

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/vsskit/vss/requestor"
)

var volume = fstest.MapFS{
	"a/one.txt":     {Data: []byte("one")},
	"a/b/two.txt":   {Data: []byte(strings.Repeat("two ", 1000))},
	"a/b/empty.txt": {Data: nil},
	"c/three.bin":   {Data: bytes.Repeat([]byte{0, 1, 2}, 5000)},
}

// fill opens a sink for out (where a previous backup lies) and copies the
// volume into it.
func fill(t *testing.T, out string) sink {
	t.Helper()
	s, err := openSink(out)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Abort)
	if _, err := copyPaths(context.Background(), requestor.VolumeSnapshot{Volume: `C:\`, FS: volume}, []string{"a", "c"}, nil, s, newProgress(io.Discard, true)); err != nil {
		t.Fatal(err)
	}
	return s
}

// manifestOf is the manifest a sink keeps.
func manifestOf(s sink) *manifest {
	switch s := s.(type) {
	case *tarSink:
		return &s.m
	case *zipSink:
		return &s.m
	case *dirSink:
		return &s.m
	}
	panic("unknown sink")
}

func outputs(t *testing.T) []string {
	dir := t.TempDir()
	return []string{filepath.Join(dir, "b.tar.gz"), filepath.Join(dir, "b.tgz"), filepath.Join(dir, "b.zip"), filepath.Join(dir, "b")}
}

// Each sink finishes, checks and places a backup that reads back as
// written; until Place the previous archive is there as it was.
func TestSinksPlaceACheckedBackup(t *testing.T) {
	for _, out := range outputs(t) {
		previous := []byte("the previous backup")
		if filepath.Ext(out) != "" {
			if err := os.WriteFile(out, previous, 0o640); err != nil {
				t.Fatal(err)
			}
		}
		s := fill(t, out)
		if err := s.Finish(context.Background()); err != nil {
			t.Fatalf("%s: Finish: %v", out, err)
		}
		if filepath.Ext(out) != "" {
			if got, _ := os.ReadFile(out); !bytes.Equal(got, previous) {
				t.Errorf("%s: replaced before Place", out)
			}
		}
		if err := s.Place(); err != nil {
			t.Fatalf("%s: Place: %v", out, err)
		}
		if got := len(*manifestOf(s)); got != 7 { // 4 files, a, a/b and c
			t.Errorf("%s: %d entries recorded, want 7", out, got)
		}
		fi, err := os.Stat(out)
		if err != nil {
			t.Fatal(err)
		}
		if filepath.Ext(out) != "" && fi.Mode().Perm() != 0o640 {
			t.Errorf("%s: mode %v, want the previous archive's 0640", out, fi.Mode())
		}
	}
}

// A backup that does not read back as written is not placed, and is
// removed: here the manifest is altered as if a file's data had changed
// on its way to the disk.
func TestSinksRefuseABackupThatDoesNotReadBack(t *testing.T) {
	for _, out := range outputs(t) {
		previous := []byte("the previous backup")
		if filepath.Ext(out) != "" {
			if err := os.WriteFile(out, previous, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		s := fill(t, out)
		m := *manifestOf(s)
		for i := range m {
			if m[i].name == "a/b/two.txt" {
				m[i].sum[7] ^= 1
			}
		}
		err := s.Finish(context.Background())
		if err == nil || !strings.Contains(err.Error(), "a/b/two.txt: the data read back differs") {
			t.Errorf("%s: Finish = %v", out, err)
		}
		s.Abort()
		if filepath.Ext(out) != "" {
			if got, _ := os.ReadFile(out); !bytes.Equal(got, previous) {
				t.Errorf("%s: the previous archive changed", out)
			}
		} else if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Errorf("%s: a refused directory backup is there (%v)", out, err)
		}
		if left, _ := filepath.Glob(filepath.Join(filepath.Dir(out), ".*.partial")); len(left) > 0 {
			t.Errorf("%s: left %q", out, left)
		}
	}
}

// The check reads the archive back: a byte changed in a file's data, in a
// tar header or in the compressed stream is found.
func TestCheckReadsTheArchiveBack(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"b.tar.gz", "b.zip"} {
		s := fill(t, filepath.Join(dir, name))
		if err := s.Finish(context.Background()); err != nil {
			t.Fatal(err)
		}
		m := *manifestOf(s)
		var good []byte
		var at []int // the bytes to change, one at a time
		switch s := s.(type) {
		case *tarSink:
			var err error
			if good, err = os.ReadFile(s.f.Name()); err != nil {
				t.Fatal(err)
			}
			at = []int{len(good) / 3, len(good) / 2, len(good) - 5}
		case *zipSink:
			var err error
			if good, err = os.ReadFile(s.f.Name()); err != nil {
				t.Fatal(err)
			}
			zr, err := zip.NewReader(bytes.NewReader(good), int64(len(good)))
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range zr.File {
				if off, err := f.DataOffset(); err == nil && f.UncompressedSize64 > 0 {
					at = append(at, int(off)) // the first block's header and codes
				}
			}
		}
		if len(at) < 3 {
			t.Fatalf("%s: %d places to change", name, len(at))
		}
		for _, i := range at {
			bad := bytes.Clone(good)
			bad[i] ^= 0x20
			var err error
			switch s.(type) {
			case *tarSink:
				err = checkTar(context.Background(), bytes.NewReader(bad), m)
			case *zipSink:
				f := filepath.Join(dir, "bad.zip")
				if werr := os.WriteFile(f, bad, 0o644); werr != nil {
					t.Fatal(werr)
				}
				zf, oerr := os.Open(f)
				if oerr != nil {
					t.Fatal(oerr)
				}
				err = checkZip(context.Background(), zf, m)
				zf.Close()
			}
			if err == nil {
				t.Errorf("%s: byte %d of %d changed, and the check passed", name, i, len(good))
			}
		}
		s.Abort()
	}
}
