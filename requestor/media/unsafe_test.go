package media

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/vsskit/vss/requestor"
)

// craft writes an archive of the given headers, each regular file with
// a few bytes of data, as an attacker or a damaged tool would.
func craft(t *testing.T, hs ...*tar.Header) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, h := range hs {
		data := []byte("root:x:0:0::/root:/bin/sh\n")
		if h.Typeflag == tar.TypeReg {
			h.Size = int64(len(data))
		}
		if h.Mode == 0 {
			h.Mode = 0o644
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			tw.Write(data)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// An entry whose name leaves the restore target, a link pointing out of
// the volume, and an entry beneath a link are refused, by Open and by
// Verify, naming the entry, before anything of the archive can be read.
func TestUnsafeEntriesAreRefused(t *testing.T) {
	reg := func(name string) *tar.Header { return &tar.Header{Name: name, Typeflag: tar.TypeReg} }
	link := func(name, to string) *tar.Header {
		return &tar.Header{Name: name, Typeflag: tar.TypeSymlink, Linkname: to}
	}
	for _, c := range []struct {
		name    string
		entries []*tar.Header
		bad     string // the entry the error must name
	}{
		{"dot-dot", []*tar.Header{reg("../../etc/passwd")}, "../../etc/passwd"},
		{"dot-dot in a volume", []*tar.Header{reg("data/C/../../etc/passwd")}, "data/C/../../etc/passwd"},
		{"dot-dot as the volume", []*tar.Header{reg("data/../etc/passwd")}, "data/../etc/passwd"},
		{"absolute", []*tar.Header{reg("/etc/passwd")}, "/etc/passwd"},
		{"absolute in a volume", []*tar.Header{reg("data/C//etc/passwd")}, "data/C//etc/passwd"},
		{"drive", []*tar.Header{reg(`data/C/C:\Windows\win.ini`)}, `data/C/C:\Windows\win.ini`},
		{"device path", []*tar.Header{reg(`data/C/\\?\GLOBALROOT\Device\x`)}, `data/C/\\?\GLOBALROOT\Device\x`},
		{"backslash dot-dot", []*tar.Header{reg(`data/C/..\..\etc\passwd`)}, `data/C/..\..\etc\passwd`},
		{"device name", []*tar.Header{reg("data/C/Users/NUL.txt")}, "data/C/Users/NUL.txt"},
		{"link out", []*tar.Header{link("data/C/etc", "../../../etc")}, "data/C/etc"},
		{"absolute link", []*tar.Header{link("data/C/etc", "/etc")}, "data/C/etc"},
		{"drive link", []*tar.Header{link("data/C/win", `C:\Windows`)}, "data/C/win"},
		{"link not shortest", []*tar.Header{link("data/C/d/up", "l/..")}, "data/C/d/up"},
		{"beneath a link", []*tar.Header{link("data/C/d", "x/y"), reg("data/C/d/passwd")}, "data/C/d/passwd"},
		{"hard link", []*tar.Header{reg("data/C/a"), {Name: "data/C/b", Typeflag: tar.TypeLink, Linkname: "/etc/passwd"}}, "data/C/b"},
		{"device", []*tar.Header{{Name: "data/C/sda", Typeflag: tar.TypeBlock}}, "data/C/sda"},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := craft(t, c.entries...)
			_, err := Open(bytes.NewReader(b), int64(len(b)))
			_, verr := Verify(context.Background(), bytes.NewReader(b))
			for _, err := range []error{err, verr} {
				var ee *EntryError
				if !errors.Is(err, ErrUnsafePath) || !errors.As(err, &ee) || ee.Entry != c.bad {
					t.Errorf("got %v, want ErrUnsafePath naming %s", err, c.bad)
				}
			}
		})
	}
}

func TestCheckPathAndLink(t *testing.T) {
	for _, p := range []string{"a", "a/b.txt", "Users/ann/CONFIG.SYS", "console/x", "COM10"} {
		if err := checkPath(p); err != nil {
			t.Errorf("%q refused: %v", p, err)
		}
	}
	for _, p := range []string{"", ".", "..", "a/..", "/a", "a//b", "a/", `a\b`, "a:b", "a\x00", "con", "con.d", "Aux.txt", "lpt1", "COM²", "x/PRN .log", "CONOUT$"} {
		if err := checkPath(p); !errors.Is(err, ErrUnsafePath) {
			t.Errorf("%q accepted", p)
		}
	}
	for _, l := range [][2]string{{"a", "b"}, {"d/a", "../b"}, {"d/e/a", "../../b"}, {"a", "."}, {"d/a", ".."}} {
		if err := checkLink(l[0], l[1]); err != nil {
			t.Errorf("%s -> %s refused: %v", l[0], l[1], err)
		}
	}
	for _, l := range [][2]string{{"a", ".."}, {"d/a", "../.."}, {"a", "/b"}, {"a", "b/../.."}, {"a", "l/.."}, {"a", ""}, {"a", `..\b`}, {"a", "C:/x"}, {"a", "./b"}} {
		if err := checkLink(l[0], l[1]); !errors.Is(err, ErrUnsafePath) {
			t.Errorf("%s -> %s accepted", l[0], l[1])
		}
	}
}

func TestVolumeKeys(t *testing.T) {
	for v, want := range map[string]string{
		`C:\`: "C", `c:`: "c", `\\?\Volume{3f2504e0-4f89-11d3-9a0c-0305e82c3301}\`: "Volume{3f2504e0-4f89-11d3-9a0c-0305e82c3301}",
		`D:\mnt\data\`: "D_mnt_data", `..`: "volume", `\\.\x`: "__._x", "/": "volume",
	} {
		if got := volumeKey(v); got != want || !validKey(got) {
			t.Errorf("volumeKey(%q) = %q, want %q", v, got, want)
		}
	}
}

// The writer stores links that stay inside the volume and leaves out,
// listed in Stats.Skipped, those that do not and what is neither a file,
// a directory nor a link; two volumes whose keys would be the same get
// keys of their own.
func TestWriterStoresWhatARestoreCanPutBack(t *testing.T) {
	mod := time.Date(2026, 11, 30, 10, 0, 0, 123456789, time.UTC)
	fsys := fstest.MapFS{
		"a/file.txt": {Data: []byte("data"), ModTime: mod, Mode: 0o600},
		"a/in":       {Data: []byte("../b/x"), Mode: fs.ModeSymlink},
		"a/out":      {Data: []byte("../../etc"), Mode: fs.ModeSymlink},
		"a/abs":      {Data: []byte("/etc"), Mode: fs.ModeSymlink},
		"a/win":      {Data: []byte(`..\b\x`), Mode: fs.ModeSymlink},
		"a/pipe":     {Mode: fs.ModeNamedPipe},
		"b/x":        {Data: []byte("x")},
	}
	var out bytes.Buffer
	w := NewWriter(&out)
	ctx := context.Background()
	for _, v := range []string{`C:\`, `C:`} {
		if err := w.CopySnapshot(ctx, requestor.VolumeSnapshot{Volume: v, FS: fsys}, "a", "b", "a/file.txt"); err != nil {
			t.Fatal(err)
		}
	}
	st := w.Stats()
	if st.Files != 4 || st.Links != 4 || len(st.Skipped) != 6 {
		t.Errorf("stats %+v", st)
	}
	for _, s := range st.Skipped {
		if s.Path != "a/out" && s.Path != "a/abs" && s.Path != "a/pipe" {
			t.Errorf("skipped %+v", s)
		}
	}
	if err := w.CheckWritten(ctx, bytes.NewReader(out.Bytes())); err != nil {
		t.Errorf("CheckWritten: %v", err)
	}
	if err := w.Finish("<BACKUP_COMPONENTS/>", nil); err != nil {
		t.Fatal(err)
	}
	if err := w.Finish("<BACKUP_COMPONENTS/>", nil); err == nil {
		t.Error("a second Finish succeeded")
	}
	b := out.Bytes()
	a, err := Open(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	if vs := a.Volumes(); len(vs) != 2 || !strings.Contains(string(b), "data/C-2/a/in") {
		t.Errorf("volumes %q", vs)
	}
	files, _ := a.Files()
	var got []string
	for _, f := range files {
		got = append(got, f.Volume+"|"+f.Path+"|"+f.Mode.String()+"|"+f.Link)
		if f.Path == "a/file.txt" && (!f.ModTime.Equal(mod) || f.Mode != 0o600) {
			t.Errorf("file.txt: %v %v", f.ModTime, f.Mode)
		}
	}
	want := []string{`C:\|a|dr-xr-xr-x|`, `C:\|a/file.txt|-rw-------|`, `C:\|a/in|L---------|../b/x`, `C:\|a/win|L---------|../b/x`,
		`C:\|b|dr-xr-xr-x|`, `C:\|b/x|----------|`}
	if len(got) != 12 || strings.Join(got[:6], "\n") != strings.Join(want, "\n") {
		t.Errorf("files:\n%s\nwant first:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if _, err := Verify(ctx, bytes.NewReader(b)); err != nil {
		t.Error(err)
	}
}

// Names tar's plain header cannot hold (long, or not ASCII) go into PAX
// records, which read back, through Open and Verify, like any other.
func TestLongAndUnicodeNames(t *testing.T) {
	long := strings.Repeat("Verzeichnis-", 12) + "/" + strings.Repeat("x", 120) + ".txt"
	fsys := fstest.MapFS{
		long:                       {Data: []byte("long")},
		"Users/zoë/Été/résumé.txt": {Data: []byte("unicode")},
		"Users/zoë/lien":           {Data: []byte("Été/résumé.txt"), Mode: fs.ModeSymlink},
	}
	var out bytes.Buffer
	w := NewWriter(&out)
	if err := w.CopySnapshot(context.Background(), requestor.VolumeSnapshot{Volume: `C:\`, FS: fsys}); err != nil {
		t.Fatal(err)
	}
	if err := w.Finish("<BACKUP_COMPONENTS/>", nil); err != nil {
		t.Fatal(err)
	}
	b := out.Bytes()
	if !bytes.Contains(b, []byte(" path=data/C/"+long)) {
		t.Error("no PAX path record for the long name")
	}
	got, err := readAll(b)
	if err != nil {
		t.Fatal(err)
	}
	if string(got[long]) != "long" || string(got["Users/zoë/Été/résumé.txt"]) != "unicode" {
		t.Errorf("read back %q", got)
	}
	if _, err := Verify(context.Background(), bytes.NewReader(b)); err != nil {
		t.Error(err)
	}
}

// A backup cancelled while a large file streams stops at the next block;
// the Writer then refuses to finish an incomplete archive.
func TestCancelledCopyLeavesTheArchiveUnfinished(t *testing.T) {
	fsys := fstest.MapFS{"big": {Data: make([]byte, 80*blockSize)}}
	ctx, cancel := context.WithCancel(context.Background())
	var out bytes.Buffer
	w := NewWriter(&out)
	stored := 0
	w.Progress = func(n int) {
		stored += n
		if stored == blockSize {
			cancel()
		}
	}
	err := w.CopySnapshot(ctx, requestor.VolumeSnapshot{Volume: `C:\`, FS: fsys})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("CopySnapshot: %v", err)
	}
	if stored > 2*blockSize {
		t.Errorf("%d bytes stored after the cancel", stored)
	}
	if err := w.Finish("<BACKUP_COMPONENTS/>", nil); err == nil || !errors.Is(err, context.Canceled) {
		t.Errorf("Finish after the failure: %v", err)
	}
	w.Abandon()
	if _, err := Verify(context.Background(), bytes.NewReader(out.Bytes())); !errors.Is(err, ErrTruncated) {
		t.Errorf("Verify of the unfinished archive: %v", err)
	}
}
