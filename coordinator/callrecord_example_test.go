package coordinator_test

import (
	"context"
	"fmt"

	"github.com/vsskit/vss/coordinator"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/simulate"
	"github.com/vsskit/vss/writer"
)

// A tool that logs real and simulated sessions alike keeps their call
// records: a Windows session hands requestor.CallRecords to
// WindowsOptions.OnRecord, and a simulated session's records convert to
// the same.
func ExampleRecord_CallRecord() {
	var calls []requestor.CallRecord
	keep := func(c requestor.CallRecord) { calls = append(calls, c) } // what WindowsOptions.OnRecord would be

	vols := simulate.NewVolumeSet(simulate.NewVolume(`C:\`))
	s, _, err := simulate.NewSession(simulate.Config{
		Writers:   []writer.Writer{simulate.NewScriptedWriter("Orders")},
		Providers: []provider.Provider{simulate.NewSystemProvider(vols)},
		Volumes:   vols,
		OnRecord: func(r coordinator.Record) {
			if c, ok := r.CallRecord(); ok {
				keep(c)
			}
		},
	})
	if err != nil {
		panic(err)
	}
	defer s.Close()
	ctx := context.Background()
	_ = s.InitializeForBackup(ctx, "")
	_ = s.GatherWriterMetadata(ctx)
	_ = s.PrepareForBackup(ctx) // before StartSnapshotSet: out of order
	for _, c := range calls {
		fmt.Printf("[step %d] %s %s %s\n", c.Step, c.Kind(), c.Call, c.Code.Name())
	}
	// Output:
	// [step 1] call InitializeForBackup S_OK
	// [step 1] return InitializeForBackup S_OK
	// [step 1] call GatherWriterMetadata S_OK
	// [step 1] return GatherWriterMetadata S_OK
	// [step 3] call PrepareForBackup S_OK
	// [step 3] return PrepareForBackup VSS_E_BAD_STATE
}
