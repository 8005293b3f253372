package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vsskit/vss/internal/xmldoc"
)

// What is not a regular file is refused at once, saying what it is,
// without reading from it.
func TestRefusesWhatIsNotAFile(t *testing.T) {
	code, out, errOut := runInspect(t.TempDir())
	assert.Equal(t, 1, code)
	assert.Empty(t, out)
	assert.Contains(t, errOut, "a directory, not a regular file")

	if _, err := os.Stat("/dev/zero"); err == nil {
		code, _, errOut = runInspect("/dev/zero")
		assert.Equal(t, 1, code)
		assert.Contains(t, errOut, "/dev/zero: a character device, not a regular file")
	}
	if _, err := os.Stat("/dev/null"); err == nil {
		code, _, errOut = runInspect("/dev/null")
		assert.Equal(t, 1, code)
		assert.Contains(t, errOut, "a character device, not a regular file")
	}
}

// A file larger than a document may be fails before it is read.
func TestRefusesAFileLargerThanTheLimit(t *testing.T) {
	p := filepath.Join(t.TempDir(), "huge.xml")
	f, err := os.Create(p)
	require.NoError(t, err)
	require.NoError(t, f.Truncate(xmldoc.MaxSize+1)) // sparse: nothing is written
	require.NoError(t, f.Close())
	code, _, errOut := runInspect(p)
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "the file is 33554433 bytes; a VSS document is at most 33554432 (32 MiB)")

	// At the limit it is read.
	require.NoError(t, os.Truncate(p, xmldoc.MaxSize))
	b, err := readDocument(p)
	require.NoError(t, err)
	assert.Len(t, b, xmldoc.MaxSize)
}
