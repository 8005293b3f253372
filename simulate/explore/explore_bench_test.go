package explore

import (
	"context"
	"fmt"
	"testing"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/simulate"
	"github.com/vsskit/vss/writer"
)

// BenchmarkSingleFaults runs every single-fault point of the reference
// scenario, invariants checked, once per op.
func BenchmarkSingleFaults(b *testing.B) {
	sc := ThreeWriterScenario()
	n := len(sc.SingleFaults())
	for b.Loop() {
		if rep := sc.ExploreSingleFaults(1); len(rep.Failures) > 0 {
			b.Fatal(rep)
		}
	}
	b.ReportMetric(float64(n), "points/op")
}

// BenchmarkLargeBackup is a backup of 64 volumes (the most a set may hold)
// with 200 writers at the three levels, in virtual time.
func BenchmarkLargeBackup(b *testing.B) {
	vols := simulate.NewVolumeSet()
	var names []string
	for i := range 64 {
		v := simulate.NewVolume(fmt.Sprintf(`V%02d:\`, i))
		if err := v.WriteFile("data", []byte{byte(i)}); err != nil {
			b.Fatal(err)
		}
		if err := vols.Add(v); err != nil {
			b.Fatal(err)
		}
		names = append(names, v.Name())
	}
	prov := simulate.NewSystemProvider(vols)
	levels := []vss.AppLevel{vss.AppFrontEnd, vss.AppBackEnd, vss.AppSystem}
	ctx := context.Background()
	for b.Loop() {
		ws := make([]writer.Writer, 200)
		for i := range ws {
			ws[i] = simulate.NewScriptedWriter(fmt.Sprintf("W%03d", i), simulate.WithLevel(levels[i%3]))
		}
		s, _, err := simulate.NewSession(simulate.Config{Seed: 1, Writers: ws, Providers: []provider.Provider{prov}, Volumes: vols})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := requestor.Backup(ctx, s, requestor.Plan{Volumes: names}); err != nil {
			b.Fatal(err)
		}
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
	}
}
