package explore

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/simulate"
)

// The commit recorder keeps exactly the capabilities of the provider it
// wraps.
func TestCommitRecorderHidesNoCapability(t *testing.T) {
	vols := simulate.NewVolumeSet(simulate.NewVolume(`C:\`))
	r := &commitRecorder{vols: vols}
	sys := simulate.NewSystemProvider(vols)
	for _, p := range []provider.Provider{sys, struct{ provider.Provider }{sys}} {
		for _, m := range provider.Methods() {
			assert.Equal(t, provider.Supports(p, m), provider.Supports(r.wrap(p), m), "%T %v", p, m)
		}
	}
}
