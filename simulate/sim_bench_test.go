package simulate

import (
	"context"
	"testing"

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
	prov := NewSoftwareProvider(vols)
	plan := requestor.Plan{Volumes: []string{`C:\`, `D:\`}}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		ws := []writer.Writer{
			NewWriter("Front", WithLevel(vss.AppFrontEnd)),
			NewWriter("Back", WithLevel(vss.AppBackEnd)),
			NewWriter("System", WithLevel(vss.AppSystem)),
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
