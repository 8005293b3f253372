package coordinator

import (
	"testing"

	"github.com/vsskit/vss/requestor"
)

// TestCallStepsAgree: the Windows requestor numbers its calls' steps with
// requestor.CallStep; sessions of this package with CallKind's steps,
// made from it. A call both make must get the same step in both traces,
// and every call of the eleven steps has one.
func TestCallStepsAgree(t *testing.T) {
	for _, k := range Calls() {
		if got := requestor.CallStep(k.String()); got != k.step() {
			t.Errorf("%v: requestor.CallStep says step %d, the coordinator's trace step %d", k, got, k.step())
		}
	}
	for k, want := range map[CallKind]int{CallInitializeForBackup: 1, CallStartSnapshotSet: 2, CallPrepareForBackup: 3,
		CallAddComponent: 4, CallDoSnapshotSet: 5, CallWriterStatus: 10, CallBackupComplete: 11, CallAbortBackup: 0, CallPreRestore: 0} {
		if got := k.step(); got != want {
			t.Errorf("%v: step %d, want %d", k, got, want)
		}
	}
}
