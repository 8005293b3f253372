package simulate

import (
	"context"
	"testing"
	"time"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/writer"
)

// BenchmarkBackup runs the full sequence of a backup (3 writers at the
// three levels, 2 volumes) in virtual time, session set-up included.
func BenchmarkBackup(b *testing.B) {
	c, d := NewVolume(`C:\`), NewVolume(`D:\`)
	if err := c.WriteFile("a", []byte("a")); err != nil {
		b.Fatal(err)
	}
	vols := NewVolumeSet(c, d)
	prov := NewSystemProvider(vols)
	plan := requestor.Plan{Volumes: []string{`C:\`, `D:\`}}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		ws := []writer.Writer{
			NewScriptedWriter("Front", WithLevel(vss.AppFrontEnd)),
			NewScriptedWriter("Back", WithLevel(vss.AppBackEnd)),
			NewScriptedWriter("System", WithLevel(vss.AppSystem)),
		}
		s, _, err := NewSession(Config{Seed: 1, Writers: ws, Providers: []provider.Provider{prov}, Volumes: vols})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := requestor.Backup(ctx, s, plan); err != nil {
			b.Fatal(err)
		}
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBackupWithApplication is BenchmarkBackup with a transactional
// application writing to C:\ all along, fronted by the front-end writer:
// it is frozen, queues its transactions and applies them at the thaw.
// The front-end writer takes 100 ms to prepare and each writer 200 ms to
// freeze, so the eight transactions arrive before and during the freeze.
// Each op's application rewrites the same records of C:\ in place, as
// the previous op's shadow copy is gone: nothing is copied on write.
func BenchmarkBackupWithApplication(b *testing.B) {
	freeze := Behavior{Cost: 200 * time.Millisecond}
	plan := requestor.Plan{Volumes: []string{`C:\`, `D:\`}}
	ctx := context.Background()
	c, d := NewVolume(`C:\`), NewVolume(`D:\`)
	vols := NewVolumeSet(c, d)
	prov := NewSystemProvider(vols)
	prepare := Behavior{Cost: 100 * time.Millisecond}
	b.ReportAllocs()
	var acked, queued int
	for b.Loop() {
		app := NewTransactionalApp(c, AppConfig{Requests: 8, Interval: 100 * time.Millisecond})
		ws := []writer.Writer{
			NewAppWriter(app, NewScriptedWriter("Front", WithLevel(vss.AppFrontEnd), On(writer.EventPrepareSnapshot, prepare), On(writer.EventFreeze, freeze))),
			NewScriptedWriter("Back", WithLevel(vss.AppBackEnd), On(writer.EventFreeze, freeze)),
			NewScriptedWriter("System", WithLevel(vss.AppSystem), On(writer.EventFreeze, freeze)),
		}
		s, loop, err := NewSession(Config{Seed: 1, Writers: ws, Providers: []provider.Provider{prov}, Volumes: vols})
		if err != nil {
			b.Fatal(err)
		}
		app.Start(loop)
		if _, err := requestor.Backup(ctx, s, plan); err != nil {
			b.Fatal(err)
		}
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
		acked += app.Stats().Acknowledged
		for _, t := range app.txns {
			if t.queuedAt {
				queued++
			}
		}
	}
	b.ReportMetric(float64(acked)/float64(b.N), "txns/op")
	b.ReportMetric(float64(queued)/float64(b.N), "queued/op")
}
