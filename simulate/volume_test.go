package simulate

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fillVolume writes a small tree used by several tests.
func fillVolume(t testing.TB, v *Volume) {
	t.Helper()
	require.NoError(t, v.MkdirAll("db/logs"))
	require.NoError(t, v.MkdirAll("empty"))
	require.NoError(t, v.WriteFile("db/data.mdf", bytes.Repeat([]byte("page"), 3000)))
	require.NoError(t, v.WriteFile("db/logs/0001.ldf", []byte("log one")))
	require.NoError(t, v.WriteFile("readme.txt", []byte("hello")))
	require.NoError(t, v.WriteAt("sparse.bin", 3*BlockSize+10, []byte("tail")))
}

func TestSnapshotPassesTestFS(t *testing.T) {
	v := NewVolume(`C:\`)
	fillVolume(t, v)
	s := v.Snapshot()
	defer s.Release()
	// Change everything after the snapshot: the snapshot must not see it.
	require.NoError(t, v.WriteFile("readme.txt", []byte("changed")))
	require.NoError(t, v.WriteFile("new.txt", nil))
	require.NoError(t, v.WriteAt("db/data.mdf", 5000, []byte("XXXX")))
	require.NoError(t, v.Rename("db/logs", "logs"))

	require.NoError(t, fstest.TestFS(s, "db/data.mdf", "db/logs/0001.ldf", "readme.txt", "sparse.bin", "empty"))
	require.NoError(t, fstest.TestFS(s.FS(), "db/data.mdf", "db/logs/0001.ldf", "readme.txt", "sparse.bin", "empty"))
	require.NoError(t, fstest.TestFS(v.FS(), "new.txt", "readme.txt", "logs/0001.ldf"))

	got, err := fs.ReadFile(s, "readme.txt")
	require.NoError(t, err)
	assert.Equal(t, "hello", string(got))
	_, err = fs.Stat(s, "new.txt")
	assert.ErrorIs(t, err, fs.ErrNotExist)
	data, err := s.ReadFile("db/data.mdf")
	require.NoError(t, err)
	assert.Equal(t, bytes.Repeat([]byte("page"), 3000), data)
	sparse, err := s.ReadFile("sparse.bin")
	require.NoError(t, err)
	assert.Equal(t, append(make([]byte, 3*BlockSize+10), "tail"...), sparse)
}

func TestEmptyVolumeSnapshotPassesTestFS(t *testing.T) {
	s := NewVolume(`E:\`).Snapshot()
	defer s.Release()
	require.NoError(t, fstest.TestFS(s))
}

// TestVolumeOperations checks each write operation's effect and errors on
// a fresh copy of the fillVolume tree.
func TestVolumeOperations(t *testing.T) {
	tests := []struct {
		name    string
		op      func(v *Volume) error
		wantErr error
		path    string // if set, the file's contents afterwards
		want    string
		gone    string // if set, a path that must not exist afterwards
	}{
		{name: "write file creates", op: func(v *Volume) error { return v.WriteFile("a.txt", []byte("a")) }, path: "a.txt", want: "a"},
		{name: "write file replaces", op: func(v *Volume) error { return v.WriteFile("readme.txt", []byte("bye")) }, path: "readme.txt", want: "bye"},
		{name: "write file accepts backslashes", op: func(v *Volume) error { return v.WriteFile(`\db\logs\x`, []byte("x")) }, path: "db/logs/x", want: "x"},
		{name: "write file needs parent", op: func(v *Volume) error { return v.WriteFile("nope/a.txt", nil) }, wantErr: fs.ErrNotExist},
		{name: "write file over directory", op: func(v *Volume) error { return v.WriteFile("db", nil) }, wantErr: ErrIsDir},
		{name: "write file under file", op: func(v *Volume) error { return v.WriteFile("readme.txt/x", nil) }, wantErr: ErrNotDir},
		{name: "write file at root", op: func(v *Volume) error { return v.WriteFile("/", nil) }, wantErr: ErrIsDir},
		{name: "path escaping the root", op: func(v *Volume) error { return v.WriteFile("../x", nil) }, wantErr: fs.ErrInvalid},
		{name: "write at overwrites", op: func(v *Volume) error { return v.WriteAt("readme.txt", 1, []byte("EL")) }, path: "readme.txt", want: "hELlo"},
		{name: "write at extends with zeros", op: func(v *Volume) error { return v.WriteAt("readme.txt", 7, []byte("!")) }, path: "readme.txt", want: "hello\x00\x00!"},
		{name: "write at creates", op: func(v *Volume) error { return v.WriteAt("b.txt", 2, []byte("b")) }, path: "b.txt", want: "\x00\x00b"},
		{name: "write at negative offset", op: func(v *Volume) error { return v.WriteAt("readme.txt", -1, []byte("x")) }, wantErr: fs.ErrInvalid},
		{name: "write at beyond the size limit", op: func(v *Volume) error { return v.WriteAt("big", maxFileSize, []byte("x")) }, wantErr: ErrFileTooLarge},
		{name: "truncate shrinks", op: func(v *Volume) error { return v.Truncate("readme.txt", 2) }, path: "readme.txt", want: "he"},
		{name: "truncate to zero", op: func(v *Volume) error { return v.Truncate("readme.txt", 0) }, path: "readme.txt", want: ""},
		{name: "truncate shrink then grow reads zeros", op: func(v *Volume) error {
			if err := v.Truncate("readme.txt", 1); err != nil {
				return err
			}
			return v.Truncate("readme.txt", 4)
		}, path: "readme.txt", want: "h\x00\x00\x00"},
		{name: "truncate missing", op: func(v *Volume) error { return v.Truncate("nope", 1) }, wantErr: fs.ErrNotExist},
		{name: "truncate negative", op: func(v *Volume) error { return v.Truncate("readme.txt", -1) }, wantErr: fs.ErrInvalid},
		{name: "truncate directory", op: func(v *Volume) error { return v.Truncate("db", 0) }, wantErr: ErrIsDir},
		{name: "rename file", op: func(v *Volume) error { return v.Rename("readme.txt", "db/r.txt") }, path: "db/r.txt", want: "hello", gone: "readme.txt"},
		{name: "rename replaces file", op: func(v *Volume) error { return v.Rename("readme.txt", "db/logs/0001.ldf") }, path: "db/logs/0001.ldf", want: "hello", gone: "readme.txt"},
		{name: "rename directory", op: func(v *Volume) error { return v.Rename("db/logs", "empty/logs") }, path: "empty/logs/0001.ldf", want: "log one", gone: "db/logs"},
		{name: "rename onto itself", op: func(v *Volume) error { return v.Rename("readme.txt", "readme.txt") }, path: "readme.txt", want: "hello"},
		{name: "rename missing", op: func(v *Volume) error { return v.Rename("nope", "x") }, wantErr: fs.ErrNotExist},
		{name: "rename into own subtree", op: func(v *Volume) error { return v.Rename("db", "db/logs/db") }, wantErr: fs.ErrInvalid},
		{name: "rename directory onto file", op: func(v *Volume) error { return v.Rename("empty", "readme.txt") }, wantErr: ErrNotDir},
		{name: "rename file onto directory", op: func(v *Volume) error { return v.Rename("readme.txt", "empty") }, wantErr: ErrIsDir},
		{name: "rename onto non-empty directory", op: func(v *Volume) error { return v.Rename("empty", "db") }, wantErr: ErrDirNotEmpty},
		{name: "rename to missing parent", op: func(v *Volume) error { return v.Rename("readme.txt", "no/x") }, wantErr: fs.ErrNotExist},
		{name: "remove file", op: func(v *Volume) error { return v.Remove("readme.txt") }, gone: "readme.txt"},
		{name: "remove empty directory", op: func(v *Volume) error { return v.Remove("empty") }, gone: "empty"},
		{name: "remove non-empty directory", op: func(v *Volume) error { return v.Remove("db") }, wantErr: ErrDirNotEmpty},
		{name: "remove root", op: func(v *Volume) error { return v.Remove(".") }, wantErr: fs.ErrInvalid},
		{name: "remove missing", op: func(v *Volume) error { return v.Remove("nope") }, wantErr: fs.ErrNotExist},
		{name: "mkdirall existing", op: func(v *Volume) error { return v.MkdirAll("db/logs") }, path: "db/logs/0001.ldf", want: "log one"},
		{name: "mkdirall through file", op: func(v *Volume) error { return v.MkdirAll("readme.txt/x") }, wantErr: ErrNotDir},
		{name: "submit zero write", op: func(v *Volume) error {
			var err error
			v.Submit(Write{}, func(e error) { err = e })
			return err
		}, wantErr: fs.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := NewVolume(`C:\`)
			fillVolume(t, v)
			before := v.Snapshot()
			defer before.Release()
			err := tt.op(v)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				var pe *fs.PathError
				assert.ErrorAs(t, err, &pe, "errors are *fs.PathError")
				// A failed operation changes nothing.
				assert.Equal(t, tree(t, before), tree(t, v.FS()))
				return
			}
			require.NoError(t, err)
			if tt.path != "" {
				got, err := v.ReadFile(tt.path)
				require.NoError(t, err)
				assert.Equal(t, tt.want, string(got))
			}
			if tt.gone != "" {
				_, err := fs.Stat(v.FS(), tt.gone)
				assert.ErrorIs(t, err, fs.ErrNotExist)
			}
			require.NoError(t, fstest.TestFS(v.FS(), paths(tree(t, v.FS()))...))
			// The snapshot taken before is untouched.
			w := NewVolume("W")
			fillVolume(t, w)
			assert.Equal(t, tree(t, w.FS()), tree(t, before))
		})
	}
}

// tree returns every path of fsys with its contents ("/" for directories).
func tree(t testing.TB, fsys fs.FS) map[string]string {
	t.Helper()
	out := map[string]string{}
	require.NoError(t, fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			out[p] = "/"
			return nil
		}
		b, err := fs.ReadFile(fsys, p)
		out[p] = string(b)
		return err
	}))
	return out
}

// paths returns the paths of a tree other than the root, sorted.
func paths(m map[string]string) []string {
	var out []string
	for p := range m {
		if p != "." {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}

func TestFirstWriteAfterSnapshotCopiesBlockOnce(t *testing.T) {
	v := NewVolume(`C:\`)
	require.NoError(t, v.WriteFile("f", make([]byte, 100*BlockSize)))
	require.Equal(t, 0, v.Stats().BlocksCopied, "no copy without a snapshot")

	s := v.Snapshot()
	assert.Equal(t, 0, v.Stats().BlocksCopied, "taking a snapshot copies nothing")
	require.NoError(t, v.WriteAt("f", 5*BlockSize+7, []byte("x")))
	assert.Equal(t, 1, v.Stats().BlocksCopied, "first write to a block copies it")
	require.NoError(t, v.WriteAt("f", 5*BlockSize+9, []byte("y")))
	assert.Equal(t, 1, v.Stats().BlocksCopied, "second write to the same block copies nothing")
	require.NoError(t, v.WriteAt("f", 5*BlockSize+BlockSize-1, []byte("zz")))
	assert.Equal(t, 2, v.Stats().BlocksCopied, "a write across two blocks copies the new one")
	require.NoError(t, v.WriteAt("f", 70*BlockSize, make([]byte, BlockSize)))
	assert.Equal(t, 3, v.Stats().BlocksCopied, "a whole-block write replaces the block")

	old, err := s.ReadFile("f")
	require.NoError(t, err)
	assert.Equal(t, make([]byte, 100*BlockSize), old, "the snapshot keeps the old blocks")

	s2 := v.Snapshot()
	require.NoError(t, v.WriteAt("f", 5*BlockSize, []byte("w")))
	assert.Equal(t, 4, v.Stats().BlocksCopied, "a newer snapshot shares the block again")
	s.Release()
	s2.Release()
	require.NoError(t, v.WriteAt("f", 6*BlockSize, []byte("w")))
	assert.Equal(t, 4, v.Stats().BlocksCopied, "with every snapshot released, writes copy nothing")
	assert.Equal(t, 0, v.LiveSnapshots())
}

func TestReleasedSnapshotCannotBeRead(t *testing.T) {
	v := NewVolume(`C:\`)
	fillVolume(t, v)
	s := v.Snapshot()
	f, err := s.Open("readme.txt")
	require.NoError(t, err)
	require.Equal(t, 1, v.LiveSnapshots())
	s.Release()
	s.Release() // idempotent
	assert.True(t, s.Released())
	assert.Equal(t, 0, v.LiveSnapshots())
	_, err = io.ReadAll(f)
	assert.ErrorIs(t, err, fs.ErrClosed)
	_, err = s.Open("readme.txt")
	assert.ErrorIs(t, err, fs.ErrClosed)
	_, err = s.ReadFile("readme.txt")
	assert.ErrorIs(t, err, fs.ErrClosed)
	_, err = s.Stat(".")
	assert.ErrorIs(t, err, fs.ErrClosed)
	_, err = s.ReadDir(".")
	assert.ErrorIs(t, err, fs.ErrClosed)
	// The volume goes on.
	require.NoError(t, v.WriteFile("readme.txt", []byte("still here")))
}

func TestInvalidNamesThroughFS(t *testing.T) {
	v := NewVolume(`C:\`)
	fillVolume(t, v)
	for _, name := range []string{"/readme.txt", "db/", "../x", "db//logs", `db\logs`} {
		_, err := v.FS().Open(name)
		if name == `db\logs` {
			assert.ErrorIs(t, err, fs.ErrNotExist, "io/fs names use slashes")
			continue
		}
		assert.ErrorIs(t, err, fs.ErrInvalid, name)
	}
	_, err := fs.ReadDir(v.FS(), "readme.txt")
	assert.ErrorIs(t, err, ErrNotDir)
	_, err = fs.ReadFile(v.FS(), "db")
	assert.ErrorIs(t, err, ErrIsDir)
}

func TestTruncateLargeSparseFile(t *testing.T) {
	v := NewVolume(`C:\`)
	require.NoError(t, v.WriteAt("sparse", maxFileSize-1, []byte("z")))
	require.NoError(t, v.WriteAt("sparse", 10, []byte("a")))
	s := v.Snapshot()
	defer s.Release()
	require.NoError(t, v.Truncate("sparse", 11))
	got, err := v.ReadFile("sparse")
	require.NoError(t, err)
	assert.Equal(t, append(make([]byte, 10), 'a'), got)
	info, err := s.Stat("sparse")
	require.NoError(t, err)
	assert.Equal(t, maxFileSize, info.Size())
	_, err = s.ReadFile("sparse")
	assert.ErrorIs(t, err, ErrFileTooLarge, "a 1 TiB file is not read whole")
	f0, err := s.Open("sparse")
	require.NoError(t, err)
	tail := make([]byte, 2)
	n, err := f0.(io.ReaderAt).ReadAt(tail, maxFileSize-2)
	require.NoError(t, err)
	assert.Equal(t, []byte{0, 'z'}, tail[:n], "but in parts")
	require.NoError(t, v.Truncate("sparse", 1<<20))
	f, err := v.FS().Open("sparse")
	require.NoError(t, err)
	buf := make([]byte, 8)
	_, err = f.(io.ReaderAt).ReadAt(buf, 1<<19)
	require.NoError(t, err)
	assert.Equal(t, make([]byte, 8), buf, "the dropped tail reads as zeros")
}

func TestWritesErrorsAreNotPanics(t *testing.T) {
	v := NewVolume("", nil, WithVolumeClock(nil))
	assert.Equal(t, "", v.Name())
	assert.Error(t, errors.Join(v.Rename("", "x"), v.Rename("x", "")))
}

// TestVolumeConcurrentUse writes, reads, snapshots and releases from
// several goroutines; the race detector checks the locking, and every
// snapshot must read a whole write, never half of one.
func TestVolumeConcurrentUse(t *testing.T) {
	v := NewVolume(`C:\`)
	require.NoError(t, v.WriteFile("f", bytes.Repeat([]byte{'0'}, 3*BlockSize)))
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			fill := bytes.Repeat([]byte{byte('a' + g)}, 3*BlockSize)
			for range 50 {
				if err := v.WriteAt("f", 0, fill); err != nil {
					t.Error(err)
					return
				}
				s := v.Snapshot()
				b, err := s.ReadFile("f")
				if err != nil {
					t.Error(err)
				} else if bytes.Count(b, b[:1]) != len(b) {
					t.Error("a snapshot holds part of a write")
				}
				if _, err := fs.ReadDir(v.FS(), "."); err != nil {
					t.Error(err)
				}
				s.Release()
			}
		})
	}
	wg.Wait()
	assert.Equal(t, 0, v.LiveSnapshots())
}

// TestLiveFileFollowsItsPath: a file opened on the live volume reads what
// the file holds now, never a block a released snapshot gave back for
// reuse, and fails once the file is gone.
func TestLiveFileFollowsItsPath(t *testing.T) {
	v := NewVolume(`C:\`)
	require.NoError(t, v.WriteFile("db", bytes.Repeat([]byte("a"), BlockSize)))
	f, err := v.FS().Open("db")
	require.NoError(t, err)
	defer f.Close()

	s := v.Snapshot()
	require.NoError(t, v.WriteAt("db", 0, []byte("b"))) // copies the block for s
	s.Release()                                         // and frees the old one
	for i := range 8 {
		// Reuse freed blocks for other data.
		require.NoError(t, v.WriteFile(fmt.Sprint("other", i), bytes.Repeat([]byte("X"), BlockSize)))
	}
	got := make([]byte, 4)
	_, err = f.(io.ReaderAt).ReadAt(got, 0)
	require.NoError(t, err)
	assert.Equal(t, "baaa", string(got), "the live file reads its current contents")

	require.NoError(t, v.WriteFile("db", []byte("replaced contents")))
	end, err := f.(io.Seeker).Seek(0, io.SeekEnd)
	require.NoError(t, err)
	assert.Equal(t, int64(len("replaced contents")), end, "replacing the contents keeps the file")

	require.NoError(t, v.Rename("db", "db.old"))
	require.NoError(t, v.WriteFile("db", []byte("a new file")))
	_, err = f.(io.ReaderAt).ReadAt(got, 0)
	assert.ErrorIs(t, err, fs.ErrNotExist, "another file at the path is not the one opened")
	require.NoError(t, v.Remove("db"))
	_, err = f.Read(got)
	assert.ErrorIs(t, err, fs.ErrNotExist)
}
