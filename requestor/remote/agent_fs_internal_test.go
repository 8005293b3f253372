package remote

import (
	"errors"
	"io/fs"
	"testing"

	"github.com/stretchr/testify/require"
)

// The names Windows reads as something else than a file of the shadow
// copy are refused; ordinary names, dots inside included, pass.
func TestValidName(t *testing.T) {
	for _, name := range []string{
		"", "/", "/etc/passwd", "../x", "a/../b", "a//b", "a/", `a\b`, "C:", "C:/x", "a:stream", "file.txt::$DATA",
		"NUL", "nul", "nul.txt", "a/CON", "aux.c", "COM1", "lpt9.log", "COM¹", "CONIN$", "x.", "x ", "a\x00b", "a\tb", "a*b", "a?b", `a"b`, "a<b", "a|b",
	} {
		err := validName("open", name)
		require.Error(t, err, "%q", name)
		require.True(t, errors.Is(err, ErrPathRefused) && errors.Is(err, fs.ErrPermission), "%q: %v", name, err)
	}
	for _, name := range []string{".", "a", "a/b.txt", "console", "COM10", "LPT", "nul-device", "a.b.c", "Users/ann/Documents/plan.txt", ".hidden"} {
		require.NoError(t, validName("open", name), "%q", name)
	}
}

// A range is one byte range, inside the file, start to end inclusive.
func TestParseRange(t *testing.T) {
	for _, c := range []struct {
		h             string
		size          int64
		start, n      int64
		partial, fail bool
	}{
		{"", 10, 0, 10, false, false},
		{"bytes=0-", 10, 0, 10, true, false},
		{"bytes=3-", 10, 3, 7, true, false},
		{"bytes=3-4", 10, 3, 2, true, false},
		{"bytes=9-9", 10, 9, 1, true, false},
		{"bytes=5-100", 10, 5, 5, true, false},
		{"bytes=10-", 10, 0, 0, false, true},
		{"bytes=-5", 10, 0, 0, false, true},
		{"bytes=4-3", 10, 0, 0, false, true},
		{"bytes=0-1,3-4", 10, 0, 0, false, true},
		{"items=0-1", 10, 0, 0, false, true},
		{"bytes=x-", 10, 0, 0, false, true},
		{"bytes=0-", 0, 0, 0, false, false},
	} {
		start, n, partial, err := parseRange(c.h, c.size)
		if c.fail {
			require.ErrorIs(t, err, fs.ErrInvalid, "%q", c.h)
			continue
		}
		require.NoError(t, err, "%q", c.h)
		require.Equal(t, []any{c.start, c.n, c.partial}, []any{start, n, partial}, "%q", c.h)
	}
}
