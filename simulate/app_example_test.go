package simulate_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/simulate"
	"github.com/vsskit/vss/writer"
)

// Two applications write while a backup runs: a transactional one whose
// writer freezes it, on C:\, and one that knows nothing of VSS, on D:\.
// The shadow copy of C:\ holds whole transactions only; the one of D:\ is
// crash consistent and, with this seed, holds a torn record. After the
// backup no acknowledged write is missing from either live volume.
func ExampleTransactionalApp() {
	c, d := simulate.NewVolume(`C:\`), simulate.NewVolume(`D:\`)
	vols := simulate.NewVolumeSet(c, d)
	db := simulate.NewTransactionalApp(c, simulate.AppConfig{Dir: "orders"})
	logger := simulate.NewUnawareApp(d, simulate.AppConfig{Dir: "logs"})

	session, loop, err := simulate.NewSession(simulate.Config{
		Seed:      73,
		Writers:   []writer.Writer{simulate.NewAppWriter(db, simulate.NewScriptedWriter("Orders"))},
		Providers: []provider.Provider{simulate.NewSystemProvider(vols)},
		Volumes:   vols,
		Jitter:    20e6, // 20 ms
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	db.Start(loop)
	logger.Start(loop)

	_, err = requestor.Backup(context.Background(), session, requestor.Plan{
		Volumes: []string{`C:\`, `D:\`},
		Copy: func(ctx context.Context, src *requestor.CopySource) error {
			snaps := src.Snapshots
			for _, s := range snaps {
				if s.Volume == `C:\` {
					fmt.Println("C: shadow copy consistent:", db.CheckSnapshot(s.FS) == nil)
				} else {
					fmt.Println("D: shadow copy torn:", errors.Is(logger.CheckSnapshot(s.FS), simulate.ErrTornRecord))
				}
			}
			return nil
		},
	})
	fmt.Println("backup:", err)
	_ = session.Close()

	db.Settle()
	logger.Settle()
	fmt.Println("C: no lost write:", db.CheckLive(c.FS()) == nil)
	fmt.Println("D: no lost write:", logger.CheckLive(d.FS()) == nil)
	// Output:
	// C: shadow copy consistent: true
	// D: shadow copy torn: true
	// backup: <nil>
	// C: no lost write: true
	// D: no lost write: true
}
