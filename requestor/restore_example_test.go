package requestor_test

import (
	"context"
	"fmt"

	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/simulate"
)

// A backup of a simulated volume is stored in memory, then restored onto
// a fresh volume through a restore session: the file comes back as it
// was in the shadow copy.
func ExampleRestore() {
	ctx := context.Background()
	vol := simulate.NewVolume(`C:\`)
	_ = vol.MkdirAll("orders")
	_ = vol.WriteFile("orders/ledger.txt", []byte("1001 paid\n"))
	vols := simulate.NewVolumeSet(vol)
	session, _, _ := simulate.NewSession(simulate.Config{Providers: []provider.Provider{simulate.NewSystemProvider(vols)}, Volumes: vols})
	media := simulate.NewMemoryMedia()
	res, err := requestor.Backup(ctx, session, requestor.Plan{Volumes: []string{`C:\`}, Copy: media.Copy})
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = media.Keep(res) // step 11: the backup components document and the writers' metadata
	_ = session.Close()

	fresh := simulate.NewVolume(`C:\`)
	freshVols := simulate.NewVolumeSet(fresh)
	restoring, _, _ := simulate.NewSession(simulate.Config{Providers: []provider.Provider{simulate.NewSystemProvider(freshVols)}, Volumes: freshVols})
	defer restoring.Close()
	rres, err := requestor.Restore(ctx, restoring, media, requestor.RestorePlan{Target: simulate.NewVolumeTarget(fresh)})
	if err != nil {
		fmt.Println(err)
		return
	}
	b, _ := fresh.ReadFile("orders/ledger.txt")
	fmt.Printf("restored %d file, %d directory: %q\n", rres.Files, rres.Dirs, b)
	// Output:
	// restored 1 file, 1 directory: "1001 paid\n"
}
