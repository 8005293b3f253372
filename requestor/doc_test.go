//go:build !windows

// The Windows test binary runs under Wine away from the source tree; the
// package documentation is checked on the other systems.

package requestor_test

import (
	"os"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vsskit/vss/internal/xmldoc"
)

// thousands writes n with commas between groups of three digits.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// The package documentation states the limits xmldoc enforces.
func TestDocStatesLimits(t *testing.T) {
	doc, err := os.ReadFile("requestor.go")
	require.NoError(t, err)
	for _, want := range []string{
		"size        32 MiB (" + thousands(xmldoc.MaxSize) + " bytes)",
		"depth       " + strconv.Itoa(xmldoc.MaxDepth) + " nested elements",
		"elements    " + thousands(xmldoc.MaxElements) + "\n",
		"attributes  " + thousands(xmldoc.MaxAttributes) + ",",
	} {
		assert.Contains(t, string(doc), want)
	}
}
