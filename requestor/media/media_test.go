package media

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/simulate"
	"github.com/vsskit/vss/writer"
)

// pattern returns n bytes that differ from file to file and block to block.
func pattern(seed, n int) []byte {
	b := make([]byte, n)
	x := uint32(seed)*2654435761 + 1
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return b
}

// smallVolume is a volume whose archive is a few kilobytes, small enough
// to damage at every byte.
var smallVolume = map[string][]byte{
	"Users/ann/plan.txt":  []byte("Q3: ship the backup tool.\n"),
	"Users/ann/empty.txt": nil,
	"Users/bob/todo.txt":  []byte("buy milk\n"),
}

// largeVolume has files hashed in line and on the hashing goroutine,
// over several blocks.
var largeVolume = map[string][]byte{
	"Users/ann/plan.txt":          []byte("Q3: ship the backup tool.\n"),
	"Users/ann/empty.txt":         nil,
	"ProgramData/Orders/db":       pattern(1, 3*blockSize+12345),
	"ProgramData/Orders/log":      pattern(2, inlineSize+1),
	"ProgramData/Orders/exact":    pattern(3, blockSize),
	"Windows/System32/config/SYS": pattern(4, 4096),
}

// simulatedBackup backs up a simulated volume C:\ holding files through
// requestor.Backup into an archive, as a tool does, and returns the
// archive and the backup's result.
func simulatedBackup(t testing.TB, files map[string][]byte) ([]byte, *requestor.Result) {
	t.Helper()
	vol := simulate.NewVolume(`C:\`)
	for name, data := range files {
		if err := vol.MkdirAll(path.Dir(name)); err != nil {
			t.Fatal(err)
		}
		if err := vol.WriteFile(name, data); err != nil {
			t.Fatal(err)
		}
	}
	vols := simulate.NewVolumeSet(vol)
	s, _, err := simulate.NewSession(simulate.Config{
		Writers:   []writer.Writer{simulate.NewScriptedWriter("Orders"), simulate.NewScriptedWriter("Registry")},
		Providers: []provider.Provider{simulate.NewSystemProvider(vols)},
		Volumes:   vols,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var out bytes.Buffer
	ctx := context.Background()
	mw := NewWriter(&out)
	res, err := requestor.Backup(ctx, s, requestor.Plan{Volumes: []string{`C:\`}, Copy: mw.CopySnapshots})
	if err != nil {
		t.Fatal(err)
	}
	wmd, err := WriterMetadataXML(ctx, s, res)
	if err != nil {
		t.Fatal(err)
	}
	if err := mw.Finish(res.BackupDocument, wmd); err != nil {
		t.Fatal(err)
	}
	return out.Bytes(), res
}

// readAll opens an archive and reads everything in it through the
// requestor.Media interface: documents, and every file to its end.
func readAll(b []byte) (map[string][]byte, error) {
	a, err := Open(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, err
	}
	if _, err := a.BackupDocument(); err != nil {
		return nil, err
	}
	if _, err := a.WriterMetadata(); err != nil {
		return nil, err
	}
	files, _ := a.Files()
	got := map[string][]byte{}
	for _, f := range files {
		if !f.Mode.IsRegular() {
			continue
		}
		r, err := a.Open(f)
		if err != nil {
			return nil, err
		}
		data, err := io.ReadAll(r)
		r.Close()
		if err != nil {
			return nil, err
		}
		got[f.Path] = data
	}
	return got, nil
}

func TestRoundTrip(t *testing.T) {
	b, res := simulatedBackup(t, largeVolume)
	a, err := Open(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	if doc, err := a.BackupDocument(); err != nil || doc != res.BackupDocument {
		t.Errorf("backup components document: %v, equal %v", err, doc == res.BackupDocument)
	}
	wmd, err := a.WriterMetadata()
	if err != nil || len(wmd) != 2 {
		t.Fatalf("writer metadata: %d documents, %v", len(wmd), err)
	}
	for i, doc := range wmd {
		md, err := writer.ParseMetadata([]byte(doc))
		if err != nil || md.Name != res.Metadata[i].Name {
			t.Errorf("writer metadata %d: %v, %v", i, md, err)
		}
	}
	if vs := a.Volumes(); !slices.Equal(vs, []string{`C:\`}) {
		t.Errorf("volumes %q", vs)
	}
	files, _ := a.Files()
	regular := 0
	for _, f := range files {
		if f.Volume != `C:\` {
			t.Errorf("%s: volume %q", f.Path, f.Volume)
		}
		if f.Mode.IsDir() {
			continue
		}
		regular++
		want, ok := largeVolume[f.Path]
		if !ok || f.Size != int64(len(want)) {
			t.Errorf("%s: %d bytes, not in the volume or of another size", f.Path, f.Size)
			continue
		}
		r, err := a.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		if _, err := io.Copy(&got, r); err != nil || !bytes.Equal(got.Bytes(), want) {
			t.Errorf("%s: read %d bytes, %v", f.Path, got.Len(), err)
		}
		r.Close()
		if _, err := r.Read(make([]byte, 1)); err == nil {
			t.Errorf("%s: read after Close", f.Path)
		}
	}
	if regular != len(largeVolume) {
		t.Errorf("%d files stored, want %d", regular, len(largeVolume))
	}
	sum, err := Verify(context.Background(), bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if sum.Files != len(largeVolume) || sum.WriterMetadata != 2 || sum.Dirs == 0 || !slices.Equal(sum.Volumes, []string{`C:\`}) {
		t.Errorf("summary %+v", sum)
	}
}

// Any tar tool lists the data, the backup components document and the
// writers' metadata documents.
func TestTarListsTheArchive(t *testing.T) {
	tarCmd, err := exec.LookPath("tar")
	if err != nil {
		t.Skip("no tar on PATH")
	}
	b, _ := simulatedBackup(t, largeVolume)
	name := filepath.Join(t.TempDir(), "backup.tar")
	if err := os.WriteFile(name, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tarCmd, "-tf", name).CombinedOutput()
	if err != nil {
		t.Fatalf("tar -tf: %v: %s", err, out)
	}
	listed := strings.Fields(string(out))
	for _, want := range []string{"data/C/ProgramData/Orders/db", "data/C/Users/ann/plan.txt", "vss/backup-components.xml",
		"vss/writers/01-Orders.xml", "vss/writers/02-Registry.xml", "vss/manifest.json", "vss/manifest.json.sha256"} {
		if !slices.Contains(listed, want) {
			t.Errorf("tar -tf does not list %s: %q", want, listed)
		}
	}
	// Extracted, the files are the volume's and the manifest checks with
	// sha256sum.
	dir := t.TempDir()
	if out, err := exec.Command(tarCmd, "-xf", name, "-C", dir).CombinedOutput(); err != nil {
		t.Fatalf("tar -xf: %v: %s", err, out)
	}
	got, err := os.ReadFile(filepath.Join(dir, "data", "C", "ProgramData", "Orders", "db"))
	if err != nil || !bytes.Equal(got, largeVolume["ProgramData/Orders/db"]) {
		t.Errorf("extracted db: %d bytes, %v", len(got), err)
	}
	if sha, err := exec.LookPath("sha256sum"); err == nil {
		cmd := exec.Command(sha, "-c", "manifest.json.sha256")
		cmd.Dir = filepath.Join(dir, "vss")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("sha256sum -c: %v: %s", err, out)
		}
	}
}

// checkFails says whether err is an *EntryError matching target.
func checkFails(err error, target error) string {
	var ee *EntryError
	switch {
	case err == nil:
		return "not detected"
	case !errors.As(err, &ee) || ee.Entry == "":
		return fmt.Sprintf("error names no entry: %v", err)
	case !errors.Is(err, target):
		return fmt.Sprintf("error is not %v: %v", target, err)
	}
	return ""
}

// Every byte of an archive counts: damaged anywhere, it fails Verify and
// it fails reading it back (opening, or reading a file or document to
// its end), with an error naming an entry. Every byte: none goes
// unchecked, the padding, the end marker and the checksum fields'
// terminators included. The second archive has PAX records (a name that
// is not ASCII) and a symbolic link.
func TestEveryCorruptedByteIsDetected(t *testing.T) {
	sim, _ := simulatedBackup(t, smallVolume)
	var pax bytes.Buffer
	w := NewWriter(&pax)
	fsys := fstest.MapFS{
		"Users/zoë/résumé.txt": {Data: []byte("unicode")},
		"Users/zoë/lien":       {Data: []byte("résumé.txt"), Mode: fs.ModeSymlink},
	}
	if err := w.CopySnapshot(context.Background(), requestor.VolumeSnapshot{Volume: `C:\`, FS: fsys}); err != nil {
		t.Fatal(err)
	}
	if err := w.Finish("<BACKUP_COMPONENTS/>", nil); err != nil {
		t.Fatal(err)
	}
	for _, b := range [][]byte{sim, pax.Bytes()} {
		bad := make([]byte, len(b))
		for i := range b {
			copy(bad, b)
			bad[i] ^= 0xff
			// A damaged name may also make an unsafe one; refused either way.
			err := verifyBytes(bad)
			if msg := checkFails(err, ErrCorrupt); msg != "" && checkFails(err, ErrUnsafePath) != "" {
				t.Fatalf("byte %d of %d damaged: Verify: %s", i, len(b), msg)
			}
			if _, err := readAll(bad); err == nil || !errors.As(err, new(*EntryError)) {
				t.Fatalf("byte %d of %d damaged: reading: %v", i, len(b), err)
			}
		}
	}
}

func verifyBytes(b []byte) error {
	_, err := Verify(context.Background(), bytes.NewReader(b))
	return err
}

// A damaged byte in a large file's data is reported, by name, at the end
// of the file, whether it is read through Read or io.Copy (WriteTo).
func TestCorruptedDataNamesTheEntry(t *testing.T) {
	b, _ := simulatedBackup(t, largeVolume)
	i := bytes.Index(b, largeVolume["ProgramData/Orders/db"][:64])
	if i < 0 {
		t.Fatal("data not found")
	}
	b[i+2*blockSize+7] ^= 1
	err := verifyBytes(b)
	if msg := checkFails(err, ErrCorrupt); msg != "" || !strings.Contains(err.Error(), "data/C/ProgramData/Orders/db") {
		t.Fatalf("Verify: %s %v", msg, err)
	}
	a, err := Open(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err) // the index does not read data
	}
	files, _ := a.Files()
	for _, f := range files {
		if f.Path != "ProgramData/Orders/db" {
			continue
		}
		for _, read := range []func(io.Reader) error{
			func(r io.Reader) error { _, err := io.Copy(io.Discard, r); return err },
			func(r io.Reader) error { _, err := io.ReadAll(struct{ io.Reader }{r}); return err },
		} {
			r, _ := a.Open(f)
			err := read(r)
			r.Close()
			var ee *EntryError
			if !errors.Is(err, ErrCorrupt) || !errors.As(err, &ee) || ee.Entry != "data/C/ProgramData/Orders/db" {
				t.Errorf("reading the damaged file: %v", err)
			}
		}
	}
}

// An archive cut anywhere is truncated, for Verify and for Open, and
// the error names an entry.
func TestEveryTruncationIsDetected(t *testing.T) {
	b, _ := simulatedBackup(t, smallVolume)
	for n := range len(b) {
		if msg := checkFails(verifyBytes(b[:n]), ErrTruncated); msg != "" {
			t.Fatalf("cut at %d of %d: Verify: %s", n, len(b), msg)
		}
		if _, err := Open(bytes.NewReader(b[:n]), int64(n)); checkFails(err, ErrTruncated) != "" {
			t.Fatalf("cut at %d of %d: Open: %s", n, len(b), checkFails(err, ErrTruncated))
		}
	}
}

// An archive cut inside a large file names the file.
func TestTruncatedDataNamesTheEntry(t *testing.T) {
	b, _ := simulatedBackup(t, largeVolume)
	i := bytes.Index(b, largeVolume["ProgramData/Orders/db"][:64])
	cut := b[:i+blockSize+100]
	for name, err := range map[string]error{
		"Verify": verifyBytes(cut),
		"Open":   func() error { _, err := Open(bytes.NewReader(cut), int64(len(cut))); return err }(),
	} {
		var ee *EntryError
		if !errors.Is(err, ErrTruncated) || !errors.As(err, &ee) || ee.Entry != "data/C/ProgramData/Orders/db" {
			t.Errorf("%s: %v", name, err)
		}
	}
}
