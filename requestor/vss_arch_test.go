package requestor

import (
	"errors"
	"strings"
	"testing"

	"github.com/vsskit/vss"
)

// TestUnsupportedArchSaysWhatIsUnsupported: Microsoft's "Supported
// Configurations and Restrictions" (usage-conventions) supports native
// 32-bit requestors and not 32-bit requestors under WOW64; the message
// says which case the program is in and what this library lacks.
func TestUnsupportedArchSaysWhatIsUnsupported(t *testing.T) {
	err := unsupportedArch("386", true)
	if !errors.Is(err, vss.ErrNotImpl) || !strings.Contains(err.Error(), "under WOW64") ||
		!strings.Contains(err.Error(), "VSS does not support") || !strings.Contains(err.Error(), "GOARCH=amd64") {
		t.Errorf("under WOW64: %v", err)
	}
	err = unsupportedArch("386", false)
	if !errors.Is(err, vss.ErrNotImpl) || strings.Contains(err.Error(), "WOW64") ||
		!strings.Contains(err.Error(), "VSS itself serves native 32-bit requestors") || !strings.Contains(err.Error(), "this library does not implement") {
		t.Errorf("on 32-bit Windows: %v", err)
	}
}
