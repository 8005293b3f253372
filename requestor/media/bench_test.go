//go:build unix

package media

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/simulate"
	"github.com/vsskit/vss/writer"
)

// benchVolumeSize is the simulated volume the benchmarks back up: 256
// MiB in 64 files of 4 MiB.
const (
	benchVolumeSize = 256 << 20
	benchFileSize   = 4 << 20
)

var benchVols *simulate.VolumeSet

// benchVolume returns the volume set with C:\ full of benchVolumeSize
// bytes, made once.
func benchVolume(b *testing.B) *simulate.VolumeSet {
	if benchVols != nil {
		return benchVols
	}
	vol := simulate.NewVolume(`C:\`)
	block := pattern(7, 1<<20)
	for i := range benchVolumeSize / benchFileSize {
		name := fmt.Sprintf("Data/%02d/file%03d.bin", i/16, i)
		if err := vol.MkdirAll(filepath.Dir(name)); err != nil {
			b.Fatal(err)
		}
		for off := 0; off < benchFileSize; off += len(block) {
			block[0], block[1] = byte(i), byte(off>>20)
			if err := vol.WriteAt(name, int64(off), block); err != nil {
				b.Fatal(err)
			}
		}
	}
	benchVols = simulate.NewVolumeSet(vol)
	runtime.GC()
	return benchVols
}

// benchBackup runs one whole simulated backup of C:\ through
// requestor.Backup with copy as Plan.Copy, and then finish.
func benchBackup(b *testing.B, copy func(ctx context.Context, src *requestor.CopySource) error, finish func(requestor.Requestor, *requestor.Result) error) {
	vols := benchVolume(b)
	s, _, err := simulate.NewSession(simulate.Config{
		Writers:   []writer.Writer{simulate.NewScriptedWriter("Orders")},
		Providers: []provider.Provider{simulate.NewSystemProvider(vols)},
		Volumes:   vols,
	})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	res, err := requestor.Backup(context.Background(), s, requestor.Plan{Volumes: []string{`C:\`}, Copy: copy})
	if err != nil {
		b.Fatal(err)
	}
	if err := finish(s, res); err != nil {
		b.Fatal(err)
	}
}

// cpuTime returns the CPU time the process has used, all its threads
// together, user and system.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loop runs body b.N times and reports, beside the wall time, the CPU
// time per op ("cpu-ns/op"), which the machine's other load does not
// inflate the way it does the wall time.
func loop(b *testing.B, body func()) {
	b.SetBytes(benchVolumeSize)
	start := cpuTime(b)
	for b.Loop() {
		body()
	}
	b.ReportMetric(float64(cpuTime(b)-start)/float64(b.N), "cpu-ns/op")
}

// sinks are the kinds of sink both sides of a comparison write to: a
// file, emptied before each backup, and io.Discard.
func sinks(b *testing.B) map[string]func() io.Writer {
	f, err := os.Create(filepath.Join(b.TempDir(), "sink"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { f.Close() })
	return map[string]func() io.Writer{
		"file": func() io.Writer {
			if err := f.Truncate(0); err != nil {
				b.Fatal(err)
			}
			if _, err := f.Seek(0, io.SeekStart); err != nil {
				b.Fatal(err)
			}
			return f
		},
		"discard": func() io.Writer { return io.Discard },
	}
}

// BenchmarkBackup backs up the 256 MiB simulated volume: "archive"
// writes the backup archive (files, SHA-256 of each, documents,
// manifest), "copy" does a plain io.Copy of each file's bytes to the
// same kind of sink, both through the same requestor.Backup.
func BenchmarkBackup(b *testing.B) {
	benchVolume(b)
	for _, kind := range []string{"file", "discard"} {
		sink := sinks(b)[kind]
		b.Run(kind+"/archive", func(b *testing.B) {
			loop(b, func() {
				mw := NewWriter(sink())
				benchBackup(b, mw.CopySnapshots, func(r requestor.Requestor, res *requestor.Result) error {
					wmd, err := WriterMetadataXML(context.Background(), r, res)
					if err != nil {
						return err
					}
					return mw.Finish(res.BackupDocument, wmd)
				})
			})
		})
		b.Run(kind+"/copy", func(b *testing.B) {
			loop(b, func() {
				w := sink()
				benchBackup(b, func(ctx context.Context, src *requestor.CopySource) error {
					snaps := src.Snapshots
					return fs.WalkDir(snaps[0].FS, ".", func(name string, d fs.DirEntry, err error) error {
						if err != nil || !d.Type().IsRegular() {
							return err
						}
						f, err := snaps[0].FS.Open(name)
						if err != nil {
							return err
						}
						defer f.Close()
						_, err = io.Copy(w, f)
						return err
					})
				}, func(requestor.Requestor, *requestor.Result) error { return nil })
			})
		})
	}
}

// benchArchive writes the archive of the 256 MiB volume to a file, once.
func benchArchive(b *testing.B) string {
	name := filepath.Join(b.TempDir(), "backup.tar")
	f, err := os.Create(name)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	mw := NewWriter(f)
	benchBackup(b, mw.CopySnapshots, func(r requestor.Requestor, res *requestor.Result) error {
		wmd, err := WriterMetadataXML(context.Background(), r, res)
		if err != nil {
			return err
		}
		return mw.Finish(res.BackupDocument, wmd)
	})
	return name
}

// BenchmarkRestoreRead reads the files back from the archive file, as
// a restore does: "archive" opens the archive (index, manifest) and
// reads every file through requestor.Media (checking its SHA-256), "copy"
// does a plain io.Copy of the same bytes of the same file, to the same
// kind of sink.
func BenchmarkRestoreRead(b *testing.B) {
	name := benchArchive(b)
	a, err := OpenFile(name)
	if err != nil {
		b.Fatal(err)
	}
	files, _ := a.Files()
	a.Close()
	for _, kind := range []string{"file", "discard"} {
		sink := sinks(b)[kind]
		b.Run(kind+"/archive", func(b *testing.B) {
			loop(b, func() {
				w := sink()
				a, err := OpenFile(name)
				if err != nil {
					b.Fatal(err)
				}
				files, _ := a.Files()
				for _, f := range files {
					if !f.Mode.IsRegular() {
						continue
					}
					r, err := a.Open(f)
					if err != nil {
						b.Fatal(err)
					}
					if _, err := io.Copy(w, r); err != nil {
						b.Fatal(err)
					}
					r.Close()
				}
				a.Close()
			})
		})
		b.Run(kind+"/copy", func(b *testing.B) {
			loop(b, func() {
				w := sink()
				f, err := os.Open(name)
				if err != nil {
					b.Fatal(err)
				}
				for i, mf := range files {
					if !mf.Mode.IsRegular() {
						continue
					}
					// The same bytes: the entry's data, where Open found it.
					e := benchEntry(b, name, i)
					if _, err := io.Copy(w, io.NewSectionReader(f, e.off, e.size)); err != nil {
						b.Fatal(err)
					}
				}
				f.Close()
			})
		})
	}
}

var benchEntries []tarEntry

// benchEntry returns the i-th entry of the archive, indexed once.
func benchEntry(b *testing.B, name string, i int) tarEntry {
	if benchEntries == nil {
		a, err := OpenFile(name)
		if err != nil {
			b.Fatal(err)
		}
		benchEntries = a.entries
		a.Close()
	}
	return benchEntries[i]
}

// BenchmarkVerify verifies the archive file, against a plain io.Copy of
// the file to io.Discard.
func BenchmarkVerify(b *testing.B) {
	name := benchArchive(b)
	b.Run("verify", func(b *testing.B) {
		loop(b, func() {
			f, err := os.Open(name)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := Verify(context.Background(), f); err != nil {
				b.Fatal(err)
			}
			f.Close()
		})
	})
	b.Run("copy", func(b *testing.B) {
		loop(b, func() {
			f, err := os.Open(name)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := io.Copy(io.Discard, f); err != nil {
				b.Fatal(err)
			}
			f.Close()
		})
	})
}
