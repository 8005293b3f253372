package main

import (
	"fmt"
	"path"
	"strings"

	"github.com/vsskit/vss/coordinator"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/simulate"
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
	for name, data := range sampleFiles {
		if err := write(name, []byte(data)); err != nil {
			return nil, err
		}
	}
	for i := range extra {
		if err := write(generatedFile(i)); err != nil {
			return nil, err
		}
	}
	vols := simulate.NewVolumeSet(vol)
	s, _, err := simulate.NewSession(simulate.Config{
		Writers:   simulatedWriters(),
		Providers: []provider.Provider{simulate.NewSystemProvider(vols)},
		Volumes:   vols,
	})
	return s, err
}
