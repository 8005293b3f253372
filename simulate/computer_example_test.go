package simulate_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/coordinator"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/simulate"
)

// Two requestors share one simulated computer: while the first one's
// snapshot set is being created, the second one's StartSnapshotSet fails
// with VSS_E_SNAPSHOT_SET_IN_PROGRESS. The second waits with Session.Sleep,
// in virtual time, and a callback on the loop ends the first one's backup
// meanwhile; its next attempt succeeds.
func ExampleComputer() {
	ctx := context.Background()
	vols := simulate.NewVolumeSet(simulate.NewVolume(`C:\`))
	c, _ := simulate.NewComputer(simulate.Config{Seed: 1,
		Providers: []provider.Provider{simulate.NewSystemProvider(vols)}, Volumes: vols})
	first, _ := c.NewSession(simulate.SessionConfig{})
	second, _ := c.NewSession(simulate.SessionConfig{})
	defer first.Close()
	defer second.Close()
	for _, s := range []*coordinator.Session{first, second} {
		_ = s.InitializeForBackup(ctx, "")
		_ = s.GatherWriterMetadata(ctx)
	}

	_, _ = first.StartSnapshotSet(ctx)
	c.Loop().After(7*time.Second, func() { _ = first.AbortBackup(ctx) })
	for {
		_, err := second.StartSnapshotSet(ctx)
		fmt.Printf("+%v StartSnapshotSet: %v\n", c.Loop().Elapsed(), vss.CodeOf(err).Name())
		if !errors.Is(err, vss.ErrSnapshotSetInProgress) {
			break
		}
		_ = second.Sleep(ctx, 5*time.Second)
	}
	// Output:
	// +0s StartSnapshotSet: VSS_E_SNAPSHOT_SET_IN_PROGRESS
	// +5s StartSnapshotSet: VSS_E_SNAPSHOT_SET_IN_PROGRESS
	// +10s StartSnapshotSet: S_OK
}
