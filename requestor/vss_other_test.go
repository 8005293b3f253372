//go:build !windows

package requestor_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/requestor"
)

func TestNewWindowsSaysVSSNeedsWindows(t *testing.T) {
	r, err := requestor.NewWindows(requestor.WindowsOptions{})
	if r != nil || !errors.Is(err, vss.ErrNotImpl) || !strings.Contains(err.Error(), "VSS needs Windows") {
		t.Errorf("NewWindows = %v, %v; want a nil session and E_NOTIMPL saying VSS needs Windows", r, err)
	}
}
