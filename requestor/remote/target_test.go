//go:build !windows

package remote_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/requestor/remote"
)

// dirTargetAgent serves simple machines whose restores write into a
// requestor.DirTarget under dir/target (volume C:\ in dir/target/C),
// with files of at most limit bytes.
func dirTargetAgent(t *testing.T, dir string, limit int64) *testAgent {
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "target", "C"), 0o755))
	return startAgent(t, simpleMachine, remote.AgentConfig{MaxRestoreFile: limit,
		RestoreTarget: func(context.Context, requestor.Requestor) (requestor.Target, error) {
			return requestor.NewDirTarget(filepath.Join(dir, "target"), false)
		}})
}

// tree lists every path under dir, links marked "@".
func tree(t *testing.T, dir string) []string {
	var out []string
	require.NoError(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if d.Type()&fs.ModeSymlink != 0 {
			rel += "@"
		}
		out = append(out, filepath.ToSlash(rel))
		return nil
	}))
	return out
}

// The agent's restore target refuses what could lead out of it, as
// reads are refused: .., an absolute path, a device or stream name, a
// link's target off the volume, a write through a link that leads out;
// and a file over the agent's limit. Nothing is written, anywhere: the
// test reads the file system.
func TestRestoreTargetRefusesEscapes(t *testing.T) {
	dir := t.TempDir()
	outside := filepath.Join(dir, "outside")
	require.NoError(t, os.Mkdir(outside, 0o755))
	ta := dirTargetAgent(t, dir, 16)
	require.NoError(t, os.Symlink(outside, filepath.Join(dir, "target", "C", "evil")))
	r, _ := ta.session(t, ta.dial(t, remote.Options{}))
	require.True(t, r.Has(remote.CapRestoreTarget))
	tg := r.Target()
	const vol = `C:\`
	write := func(name string, data string) error {
		return tg.WriteFile(vol, name, strings.NewReader(data), 0o644, time.Now())
	}
	for _, name := range []string{"../../etc/passwd", "/etc/passwd", "a/../../b", "CON", "dir/NUL.txt", "file.txt:stream", `C:\x`, `a\b`, ""} {
		err := write(name, "root::0:0::/:/bin/sh\n")
		require.ErrorIs(t, err, remote.ErrPathRefused, name)
		require.ErrorIs(t, err, fs.ErrPermission, name)
		require.ErrorIs(t, tg.MkdirAll(vol, name), remote.ErrPathRefused, name)
		require.ErrorIs(t, tg.Symlink(vol, name, "x"), remote.ErrPathRefused, name)
	}
	_, err := tg.Exists(vol, "../../etc/passwd")
	require.ErrorIs(t, err, remote.ErrPathRefused)
	for _, link := range []string{"../../../etc", "/etc", `..\..\etc`, "C:/etc", "a/../../x"} {
		require.ErrorIs(t, tg.Symlink(vol, "l", link), remote.ErrPathRefused, link)
	}
	// Through a link that leads out of the target: the target refuses it.
	require.Error(t, write("evil/passwd", "pwned"))
	require.Error(t, tg.MkdirAll(vol, "evil/sub"))
	// Over the agent's limit.
	require.ErrorIs(t, write("big.bin", strings.Repeat("x", 17)), remote.ErrTooLarge)
	// What is allowed works.
	require.NoError(t, write("ok/file.txt", "sixteen bytes ok"))
	found, err := tg.Exists(vol, "ok/file.txt")
	require.NoError(t, err)
	require.True(t, found)
	require.NoError(t, tg.Symlink(vol, "ok/link", "file.txt"))

	require.Empty(t, tree(t, outside)[1:], "nothing written outside the target")
	require.Equal(t, []string{".", "target", "target/C", "target/C/evil@", "target/C/ok", "target/C/ok/file.txt", "target/C/ok/link@"},
		slices.DeleteFunc(tree(t, dir), func(p string) bool { return strings.HasPrefix(p, "outside") }))
	got, err := os.ReadFile(filepath.Join(dir, "target", "C", "ok", "file.txt"))
	require.NoError(t, err)
	require.True(t, bytes.Equal([]byte("sixteen bytes ok"), got))
}

// A restore through an agent that has no restore target is refused with
// vss.ErrNotSupported, and writes nothing.
func TestRestoreWithoutTargetIsNotSupported(t *testing.T) {
	ta := startAgent(t, simpleMachine, remote.AgentConfig{})
	r, _ := ta.session(t, ta.dial(t, remote.Options{}))
	require.False(t, r.Has(remote.CapRestoreTarget))
	err := r.Target().WriteFile(`C:\`, "a.txt", strings.NewReader("a"), 0o644, time.Time{})
	require.ErrorIs(t, err, vss.ErrNotSupported)
	require.NotContains(t, ta.logs.String(), "/target/")
}

// signalTarget is a Target that says when a WriteFile has received its
// first bytes.
type signalTarget struct {
	requestor.Target
	got chan struct{}
}

func (s signalTarget) WriteFile(volume, name string, r io.Reader, mode fs.FileMode, t time.Time) error {
	return s.Target.WriteFile(volume, name, &firstRead{r: r, got: s.got}, mode, t)
}

type firstRead struct {
	r    io.Reader
	got  chan struct{}
	once sync.Once
}

func (f *firstRead) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if n > 0 {
		f.once.Do(func() { close(f.got) })
	}
	return n, err
}

// failingReader gives its bytes, waits for the agent to have received
// them, then fails, as a stored file that does not match its digest.
type failingReader struct {
	data []byte
	wait chan struct{}
	err  error
}

func (f *failingReader) Read(p []byte) (int, error) {
	if len(f.data) > 0 {
		n := copy(p, f.data)
		f.data = f.data[n:]
		return n, nil
	}
	<-f.wait
	return 0, f.err
}

// A file whose reading fails on the client, midway, is streamed to the
// agent as it is read and fails there too: nothing is left at its path,
// and the client's error is the reader's.
func TestRestoreTargetWriteCutShortLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	got := make(chan struct{})
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "C"), 0o755))
	ta := startAgent(t, simpleMachine, remote.AgentConfig{
		RestoreTarget: func(context.Context, requestor.Requestor) (requestor.Target, error) {
			dt, err := requestor.NewDirTarget(dir, false)
			return signalTarget{Target: dt, got: got}, err
		}})
	r, _ := ta.session(t, ta.dial(t, remote.Options{}))
	bad := errors.New("stored file does not match its digest")
	err := r.Target().WriteFile(`C:\`, "db/orders.db", &failingReader{data: bytes.Repeat([]byte("x"), 1<<20), wait: got, err: bad}, 0o644, time.Now())
	require.ErrorIs(t, err, bad)
	require.NoError(t, r.Close()) // waits for the agent's side of the write
	ta.waitEnd(t)
	require.Equal(t, []string{".", "C", "C/db"}, tree(t, dir))
}
