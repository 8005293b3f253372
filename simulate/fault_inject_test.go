package simulate

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/writer"
)

// bare is a writer with the four required handlers and nothing else.
type bare struct{ writer.Writer }

// onlyProvider hides every optional capability of the provider it holds.
type onlyProvider struct{ provider.Provider }

// The injector's wrappers keep exactly the optional handlers and
// capabilities of what they wrap: a wrapper that hid one (or claimed one)
// would change what VSS does with the participant.
func TestInjectorHidesNoOptionalInterface(t *testing.T) {
	in := NewInjector(nil, nil)
	vol := NewVolume(`C:\`)
	app := NewTransactionalApp(vol, AppConfig{})
	for _, w := range []writer.Writer{NewScriptedWriter("S"), bare{NewScriptedWriter("B")}, NewAppWriter(app, NewScriptedWriter("A"))} {
		wrapped := in.Writer(w)
		for _, k := range writer.Events() {
			assert.Equal(t, writer.Handles(w, k), writer.Handles(wrapped, k), "%T %v", w, k)
		}
	}
	sys := NewSystemProvider(NewVolumeSet(vol))
	for _, p := range []provider.Provider{sys, onlyProvider{sys}} {
		wrapped := in.Provider(p)
		for _, m := range provider.Methods() {
			assert.Equal(t, provider.Supports(p, m), provider.Supports(wrapped, m), "%T %v", p, m)
		}
	}
	_, err := provider.SnapshotFS(context.Background(), in.Provider(onlyProvider{sys}), [16]byte{1})
	assert.Error(t, err, "a provider that cannot open shadow copies cannot through the injector either")
}
