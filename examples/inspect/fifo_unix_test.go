//go:build unix

package main

import (
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A named pipe with no writer is refused; opening it would wait forever.
func TestRefusesANamedPipe(t *testing.T) {
	p := filepath.Join(t.TempDir(), "pipe.xml")
	require.NoError(t, syscall.Mkfifo(p, 0o600))
	code, _, errOut := runInspect(p)
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "a named pipe, not a regular file")

	// Should the pipe take a file's place between the check and the
	// open, the open does not wait either, and the pipe is refused.
	_, _, err := openChecked(p)
	assert.ErrorContains(t, err, "a named pipe, not a regular file")
}
