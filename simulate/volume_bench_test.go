package simulate

import (
	"fmt"
	"runtime"
	"testing"
)

// filledVolume returns a volume holding size bytes of data in files of at
// most 64 MiB, written through the ordinary write path.
func filledVolume(b *testing.B, size int64) *Volume {
	b.Helper()
	v := NewVolume(`C:\`)
	chunk := make([]byte, 1<<20)
	for i := range chunk {
		chunk[i] = byte(i)
	}
	const perFile = 64 << 20
	for off := int64(0); off < size; off += int64(len(chunk)) {
		name := fmt.Sprintf("file%03d.bin", off/perFile)
		n := min(int64(len(chunk)), size-off)
		if err := v.WriteAt(name, off%perFile, chunk[:n]); err != nil {
			b.Fatal(err)
		}
	}
	runtime.GC() // the setup's garbage is not the benchmark's
	return v
}

// BenchmarkSnapshotCreate takes (and releases) a snapshot of a full
// volume: the cost must not grow with the volume's size.
func BenchmarkSnapshotCreate(b *testing.B) {
	for _, size := range []struct {
		name  string
		bytes int64
	}{{"1MiB", 1 << 20}, {"1GiB", 1 << 30}} {
		b.Run(size.name, func(b *testing.B) {
			v := filledVolume(b, size.bytes)
			for b.Loop() {
				v.Snapshot().Release()
			}
			if v.Stats().BlocksCopied != 0 {
				b.Fatal("taking snapshots copied blocks")
			}
		})
	}
}

// writeBench writes n bytes at the start of block after block of a file
// of the given size; with snapshot set, a snapshot is taken before the
// first write to each block, so that every write is the first to its
// block since a snapshot and copies it. A 64 MiB file is cold in cache
// when a block comes round again; a 1 MiB file stays warm.
func writeBench(b *testing.B, size int64, n int, snapshot bool) {
	v := filledVolume(b, size)
	data := make([]byte, n)
	blocks := size / BlockSize
	var s *VolumeSnapshot
	i := int64(0)
	for b.Loop() {
		if i%blocks == 0 && snapshot {
			if s != nil {
				s.Release()
			}
			s = v.Snapshot()
		}
		if err := v.WriteAt("file000.bin", (i%blocks)*BlockSize, data); err != nil {
			b.Fatal(err)
		}
		i++
	}
	if s != nil {
		s.Release()
	}
	b.ReportMetric(float64(v.Stats().BlocksCopied)/float64(i), "copies/op")
	b.SetBytes(int64(n))
}

// writeBenches runs writeBench over file and write sizes.
func writeBenches(b *testing.B, snapshot bool) {
	for _, file := range []struct {
		name string
		size int64
	}{{"64MiB", 64 << 20}, {"1MiB", 1 << 20}} {
		for _, n := range []struct {
			name  string
			bytes int
		}{{"4KiB", BlockSize}, {"512B", 512}} {
			b.Run(file.name+"/"+n.name, func(b *testing.B) { writeBench(b, file.size, n.bytes, snapshot) })
		}
	}
}

// BenchmarkPlainWrite overwrites part of a block no snapshot shares.
func BenchmarkPlainWrite(b *testing.B) { writeBenches(b, false) }

// BenchmarkFirstWriteAfterSnapshot overwrites part of a block a snapshot
// shares: the block is copied first (a write of the whole block needs
// none of the old bytes, only a fresh block).
func BenchmarkFirstWriteAfterSnapshot(b *testing.B) { writeBenches(b, true) }
