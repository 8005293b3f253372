package main

import (
	"fmt"
	"path"
	"strings"

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

// newSimulatedSession builds a simulated machine: one volume with sample
// files, an application writer and the system provider, and returns a
// session on it.
func newSimulatedSession(volume string) (*coordinator.Session, error) {
	vol := simulate.NewVolume(volume)
	for name, data := range sampleFiles {
		if err := vol.MkdirAll(path.Dir(name)); err != nil {
			return nil, fmt.Errorf("simulated volume: %w", err)
		}
		if err := vol.WriteFile(name, []byte(data)); err != nil {
			return nil, fmt.Errorf("simulated volume: %w", err)
		}
	}
	vols := simulate.NewVolumeSet(vol)
	s, _, err := simulate.NewSession(simulate.Config{
		Writers:   []writer.Writer{simulate.NewScriptedWriter("Orders"), simulate.NewScriptedWriter("Registry")},
		Providers: []provider.Provider{simulate.NewSystemProvider(vols)},
		Volumes:   vols,
	})
	return s, err
}
