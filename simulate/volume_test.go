package simulate

import (
	"bytes"
	"errors"
	"io/fs"
	"testing"
	"testing/fstest"
)

// fillVolume writes a small tree used by several tests.
func fillVolume(t testing.TB, v *Volume) {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(v.MkdirAll("db/logs"))
	must(v.MkdirAll("empty"))
	must(v.WriteFile("db/data.mdf", bytes.Repeat([]byte("page"), 3000)))
	must(v.WriteFile("db/logs/0001.ldf", []byte("log one")))
	must(v.WriteFile("readme.txt", []byte("hello")))
	must(v.WriteAt("sparse.bin", 3*BlockSize+10, []byte("tail")))
}

func TestSnapshotPassesTestFS(t *testing.T) {
	v := NewVolume(`C:\`)
	fillVolume(t, v)
	s := v.Snapshot()
	defer s.Release()
	// Change everything after the snapshot: the snapshot must not see it.
	if err := v.WriteFile("readme.txt", []byte("changed")); err != nil {
		t.Fatal(err)
	}
	if err := v.WriteFile("new.txt", nil); err != nil {
		t.Fatal(err)
	}
	if err := fstest.TestFS(s, "db/data.mdf", "db/logs/0001.ldf", "readme.txt", "sparse.bin", "empty"); err != nil {
		t.Fatal(err)
	}
	if err := fstest.TestFS(v.FS(), "new.txt", "readme.txt"); err != nil {
		t.Fatal(err)
	}
	got, err := fs.ReadFile(s, "readme.txt")
	if err != nil || string(got) != "hello" {
		t.Fatalf("snapshot readme = %q, %v; want hello", got, err)
	}
	if _, err := fs.Stat(s, "new.txt"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("new.txt in snapshot: %v", err)
	}
}
