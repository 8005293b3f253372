package main

import (
	"context"
	"fmt"
	"path"
	"strings"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/coordinator"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/simulate"
	"github.com/vsskit/vss/writer"
)

// sampleFiles are what the simulated volume holds.
var sampleFiles = map[string]string{
	"Users/ann/Documents/plan.txt":   "Q3: ship the backup tool.\n",
	"Users/ann/Documents/notes.md":   "# Notes\n" + strings.Repeat("VSS keeps writers consistent.\n", 2000),
	"Users/bob/Desktop/todo.txt":     "buy milk\n",
	"ProgramData/Orders/orders.db":   strings.Repeat("order;", 50000),
	"ProgramData/Orders/orders.log":  "1001 committed\n1002 committed\n",
	"Windows/System32/config/SYSTEM": strings.Repeat("\x00", 4096),
}

// excludedFiles are on the simulated volume too, but the Orders writer's
// exclude list leaves them out of every backup.
var excludedFiles = map[string]string{
	"ProgramData/Orders/orders.tmp": "scratch\n",
}

// ordersWriter is the simulated volume's application writer: its
// component "orders" is the order database and its log, and its exclude
// list leaves out its scratch files.
func ordersWriter(volume string) *simulate.ScriptedWriter {
	dir := strings.TrimRight(volume, `\`) + `\ProgramData\Orders`
	return simulate.NewScriptedWriter("Orders", simulate.WithIdentify(func(_ context.Context, md *writer.Metadata) error {
		if _, err := md.AddComponent(writer.ComponentInfo{Type: vss.ComponentDatabase, Name: "orders", Selectable: true}); err != nil {
			return err
		}
		if err := md.AddDatabaseFiles("", "orders", writer.FileSpec{Path: dir, Spec: "*.db"}); err != nil {
			return err
		}
		if err := md.AddDatabaseLogFiles("", "orders", writer.FileSpec{Path: dir, Spec: "*.log"}); err != nil {
			return err
		}
		return md.AddExcludeFiles(writer.FileSpec{Path: dir, Spec: "*.tmp"})
	}))
}

// generatedFileSize is the size of each file -simulate-files adds.
const generatedFileSize = 64 << 10

// generatedFile is the name and contents of the i-th file -simulate-files
// adds: lines of text, different in every file.
func generatedFile(i int) (string, []byte) {
	b := make([]byte, 0, generatedFileSize+64)
	for line := 0; len(b) < generatedFileSize; line++ {
		b = fmt.Appendf(b, "file %d line %d: %x\n", i, line, uint32(i)*2654435761+uint32(line)*40503)
	}
	return fmt.Sprintf("Data/%03d/file%05d.txt", i/100, i), b[:generatedFileSize]
}

// newSimulatedSession builds a simulated machine: one volume with the
// sample files and extra generated ones, an application writer and the
// system provider, and returns a session on it.
func newSimulatedSession(volume string, extra int) (*coordinator.Session, error) {
	vol := simulate.NewVolume(volume)
	write := func(name string, data []byte) error {
		if err := vol.MkdirAll(path.Dir(name)); err != nil {
			return fmt.Errorf("simulated volume: %w", err)
		}
		if err := vol.WriteFile(name, data); err != nil {
			return fmt.Errorf("simulated volume: %w", err)
		}
		return nil
	}
	for _, files := range []map[string]string{sampleFiles, excludedFiles} {
		for name, data := range files {
			if err := write(name, []byte(data)); err != nil {
				return nil, err
			}
		}
	}
	for i := range extra {
		if err := write(generatedFile(i)); err != nil {
			return nil, err
		}
	}
	vols := simulate.NewVolumeSet(vol)
	s, _, err := simulate.NewSession(simulate.Config{
		Writers:   simulatedWriters(volume),
		Providers: []provider.Provider{simulate.NewSystemProvider(vols)},
		Volumes:   vols,
	})
	return s, err
}
