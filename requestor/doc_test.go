//go:build !windows

// The Windows test binary runs under Wine away from the source tree; the
// package documentation is checked on the other systems.

package requestor_test

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vsskit/vss/internal/xmldoc"
)

// The package documentation states the limits xmldoc enforces.
func TestDocStatesLimits(t *testing.T) {
	doc, err := os.ReadFile("requestor.go")
	require.NoError(t, err)
	for _, want := range xmldoc.DocumentedLimits() {
		assert.Contains(t, string(doc), want)
	}
}
