package writer

import (
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vsskit/vss"
)

func indexCount() int {
	n := 0
	indexes.Range(func(any, any) bool { n++; return true })
	return n
}

// A document's index goes when the document does.
func TestIndexGoesWithItsMetadata(t *testing.T) {
	before := indexCount()
	func() {
		md := NewMetadata(Info{Name: "w"})
		_, err := md.AddComponent(ComponentInfo{Type: vss.ComponentFileGroup, Name: "c"})
		require.NoError(t, err)
		assert.Equal(t, before+1, indexCount())
	}()
	deadline := time.Now().Add(5 * time.Second)
	for indexCount() > before && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
	assert.Equal(t, before, indexCount())
}
