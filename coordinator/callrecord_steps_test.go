package coordinator

import (
	"testing"

	"github.com/vsskit/vss/requestor"
)

// TestCallStepsAgree: the Windows requestor numbers its calls' steps with
// requestor.CallStep; sessions of this package with CallKind's steps. A
// call both make must get the same step in both traces.
func TestCallStepsAgree(t *testing.T) {
	for _, k := range Calls() {
		if got := requestor.CallStep(k.String()); got != k.step() {
			t.Errorf("%v: requestor.CallStep says step %d, the coordinator's trace step %d", k, got, k.step())
		}
	}
}
