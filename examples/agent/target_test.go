//go:build !windows

package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vsskit/vss/requestor"
)

// -restore-in-place writes each volume's files at its root (here two
// directories standing for two volumes' roots), and nothing outside it,
// through a link or otherwise.
func TestRootTargetWritesAtEachVolumesRoot(t *testing.T) {
	c, d, outside := t.TempDir(), t.TempDir(), t.TempDir()
	require.NoError(t, os.Symlink(outside, filepath.Join(c, "out")))
	tg := &rootTarget{dirs: map[string]*requestor.DirTarget{}}
	require.NoError(t, tg.WriteFile(c, "Users/ann/a.txt", strings.NewReader("on C"), 0o644, time.Now()))
	require.NoError(t, tg.WriteFile(d, "b.txt", strings.NewReader("on D"), 0o644, time.Now()))
	found, err := tg.Exists(c, "Users/ann/a.txt")
	require.NoError(t, err)
	require.True(t, found)
	require.Error(t, tg.WriteFile(c, "out/pwned", strings.NewReader("x"), 0o644, time.Now()))
	require.Error(t, tg.WriteFile(c, "../pwned", strings.NewReader("x"), 0o644, time.Now()))
	require.NoError(t, tg.Close())
	got, err := os.ReadFile(filepath.Join(c, "Users", "ann", "a.txt"))
	require.NoError(t, err)
	require.Equal(t, "on C", string(got))
	got, err = os.ReadFile(filepath.Join(d, "b.txt"))
	require.NoError(t, err)
	require.Equal(t, "on D", string(got))
	entries, err := os.ReadDir(outside)
	require.NoError(t, err)
	require.Empty(t, entries)
	_, err = os.Stat(filepath.Join(filepath.Dir(c), "pwned"))
	require.True(t, os.IsNotExist(err))
}

// -restore-to and -restore-in-place exclude each other, and
// -restore-in-place is for Windows volumes, not a simulated one.
func TestRestoreFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-simulate", "-token-file", "t", "-ca-out", "c", "-restore-to", "d", "-restore-in-place"},
		{"-simulate", "-token-file", "t", "-ca-out", "c", "-restore-in-place"},
	} {
		_, err := parse(args, io.Discard)
		var ue usageError
		require.ErrorAs(t, err, &ue, "%v", args)
	}
}
