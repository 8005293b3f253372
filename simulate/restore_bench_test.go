package simulate_test

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"testing"
	"time"

	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/simulate"
)

// restoreBenchMedia is a stored backup of 256 MiB: 64 files of 4 MiB on
// C:\, with the document of a backup that selected no component.
func restoreBenchMedia(b *testing.B) (*simulate.MemoryMedia, [][]byte) {
	b.Helper()
	const files, size = 64, 4 << 20
	m := simulate.NewMemoryMedia()
	xml, err := requestor.NewBackupDocument(requestor.BackupState{}).XML()
	if err != nil {
		b.Fatal(err)
	}
	if err := m.Keep(&requestor.Result{BackupDocument: xml}); err != nil {
		b.Fatal(err)
	}
	m.Add(requestor.MediaFile{Volume: `C:\`, Path: "data", Mode: fs.ModeDir | 0o755}, nil)
	var contents [][]byte
	for i := range files {
		c := bytes.Repeat([]byte(fmt.Sprintf("file %02d ", i)), size/8)
		contents = append(contents, c)
		m.Add(requestor.MediaFile{Volume: `C:\`, Path: fmt.Sprintf("data/f%02d.bin", i), Mode: 0o644, ModTime: time.Unix(0, 0)}, c)
	}
	return m, contents
}

// BenchmarkRestore256MiB restores 256 MiB from memory onto a fresh
// simulated volume through a whole restore session (requestor.Restore:
// the session, every digest checked, the files written under temporary
// names and renamed). BenchmarkRestoreCopy256MiB writes the same bytes to
// the same kind of sink with io.Copy alone, for the ratio.
func BenchmarkRestore256MiB(b *testing.B) {
	m, _ := restoreBenchMedia(b)
	b.SetBytes(256 << 20)
	b.ResetTimer()
	for range b.N {
		vol := simulate.NewVolume(`C:\`)
		vols := simulate.NewVolumeSet(vol)
		s, _, err := simulate.NewSession(simulate.Config{Providers: []provider.Provider{simulate.NewSystemProvider(vols)}, Volumes: vols})
		if err != nil {
			b.Fatal(err)
		}
		res, err := requestor.Restore(context.Background(), s, m, requestor.RestorePlan{Target: simulate.NewVolumeTarget(vol)})
		if err != nil || res.Bytes != 256<<20 {
			b.Fatalf("%v, %d bytes", err, res.Bytes)
		}
		_ = s.Close()
	}
}

// BenchmarkRestoreCopy256MiB: see BenchmarkRestore256MiB.
func BenchmarkRestoreCopy256MiB(b *testing.B) {
	_, contents := restoreBenchMedia(b)
	b.SetBytes(256 << 20)
	b.ResetTimer()
	for range b.N {
		vol := simulate.NewVolume(`C:\`)
		if err := vol.MkdirAll("data"); err != nil {
			b.Fatal(err)
		}
		for i, c := range contents {
			if err := vol.WriteFile(fmt.Sprintf("data/f%02d.bin", i), nil); err != nil {
				b.Fatal(err)
			}
			w := &volumeWriter{v: vol, name: fmt.Sprintf("data/f%02d.bin", i)}
			if _, err := bytes.NewReader(c).WriteTo(w); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// volumeWriter appends to a file of a simulated volume, for io.Copy.
type volumeWriter struct {
	v    *simulate.Volume
	name string
	off  int64
}

func (w *volumeWriter) Write(p []byte) (int, error) {
	if err := w.v.WriteAt(w.name, w.off, p); err != nil {
		return 0, err
	}
	w.off += int64(len(p))
	return len(p), nil
}

// BenchmarkRestoreVerifiedCopy256MiB copies the same files from the
// medium, reading each to its end so that its digest is checked, through
// the same VolumeTarget, without a restore session: what Restore adds to
// it is the session and the placement of files.
func BenchmarkRestoreVerifiedCopy256MiB(b *testing.B) {
	m, _ := restoreBenchMedia(b)
	files, _ := m.Files()
	b.SetBytes(256 << 20)
	b.ResetTimer()
	for range b.N {
		t := simulate.NewVolumeTarget(simulate.NewVolume(`C:\`))
		for _, f := range files[1:] {
			rc, err := m.Open(f)
			if err != nil {
				b.Fatal(err)
			}
			if err := t.WriteFile(f.Volume, f.Path, rc, f.Mode, f.ModTime); err != nil {
				b.Fatal(err)
			}
		}
	}
}
