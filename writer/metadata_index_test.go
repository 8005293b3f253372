package writer

import (
	"runtime"
	"testing"
	"time"
	"weak"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vsskit/vss"
)

// A document's index goes when the document does.
func TestIndexGoesWithItsMetadata(t *testing.T) {
	p := func() weak.Pointer[Metadata] {
		md := NewMetadata(Info{Name: "w"})
		_, err := md.AddComponent(ComponentInfo{Type: vss.ComponentFileGroup, Name: "c"})
		require.NoError(t, err)
		p := weak.Make(md)
		_, ok := indexes.Load(p)
		require.True(t, ok, "the builder indexed the document")
		return p
	}()
	indexed := func() bool { _, ok := indexes.Load(p); return ok }
	for deadline := time.Now().Add(10 * time.Second); indexed() && time.Now().Before(deadline); {
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
	assert.False(t, indexed(), "the index outlived its document")
}
