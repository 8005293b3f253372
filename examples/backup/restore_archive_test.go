package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The tool's own round trip: -out backup.tar, then -restore backup.tar
// -to DIR puts every backed-up file back byte for byte through a restore
// session, and what the writer's exclude list left out of the backup is
// not there; a damaged archive restores nothing.
func TestRestoreTheArchive(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	archive := filepath.Join(dir, "backup.tar")
	if err := run(ctx, []string{"-simulate", "-quiet", "-out", archive}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	to := filepath.Join(dir, "restored")
	var out bytes.Buffer
	if err := run(ctx, []string{"-simulate", "-quiet", "-restore", archive, "-to", to}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "restored 6 files") {
		t.Errorf("output %q", out.String())
	}
	for name, data := range sampleFiles {
		got, err := os.ReadFile(filepath.Join(to, filepath.FromSlash(name)))
		if err != nil || string(got) != data {
			t.Errorf("%s: %d bytes, %v", name, len(got), err)
		}
	}
	for name := range excludedFiles {
		if _, err := os.Stat(filepath.Join(to, filepath.FromSlash(name))); !os.IsNotExist(err) {
			t.Errorf("%s, which the writer excludes, was restored (%v)", name, err)
		}
	}

	// One byte of the orders database damaged: the restore fails naming
	// the entry, and nothing is written to the target.
	b, err := os.ReadFile(archive)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(b, []byte("order;order;"))
	if i < 0 {
		t.Fatal("the orders database's data is not in the archive")
	}
	b[i] ^= 1
	damaged := filepath.Join(dir, "damaged.tar")
	if err := os.WriteFile(damaged, b, 0o644); err != nil {
		t.Fatal(err)
	}
	to2 := filepath.Join(dir, "restored2")
	err = run(ctx, []string{"-simulate", "-quiet", "-restore", damaged, "-to", to2}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "orders.db") {
		t.Fatalf("a damaged archive restored, or the error names no entry: %v", err)
	}
	entries, _ := os.ReadDir(to2)
	for _, e := range entries {
		t.Errorf("a failed restore wrote %s", e.Name())
	}
}
