package main

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vsskit/vss"
)

// tarNames lists the regular files of a .tar.
func tarNames(t *testing.T, name string) []string {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var names []string
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			names = append(names, h.Name)
		}
	}
	slices.Sort(names)
	return names
}

// -component backs up exactly the files of the writer's component, as
// its file sets name them, less its exclude list.
func TestComponentBackup(t *testing.T) {
	out := filepath.Join(t.TempDir(), "orders.tar")
	var stdout bytes.Buffer
	if err := run(context.Background(), []string{"-simulate", "-quiet", "-out", out, "-component", "Orders:orders"}, &stdout, io.Discard); err != nil {
		t.Fatal(err)
	}
	// A .tar is a backup archive: the files under data/<volume>/, the
	// documents under vss/.
	want := []string{"data/C/ProgramData/Orders/orders.db", "data/C/ProgramData/Orders/orders.log"}
	var got []string
	for _, name := range tarNames(t, out) {
		if strings.HasPrefix(name, "data/") {
			got = append(got, name)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("archive holds %v, want %v", got, want)
	}
	err := run(context.Background(), []string{"-simulate", "-quiet", "-out", filepath.Join(t.TempDir(), "x.tar"), "-component", "Orders:returns"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), `no writer "Orders" declares a component returns`) {
		t.Errorf("unknown component: %v", err)
	}
}

// A copy of directories leaves out what a writer's exclude list names,
// and says so.
func TestPathBackupLeavesOutExcludedFiles(t *testing.T) {
	out := filepath.Join(t.TempDir(), "data.tar")
	var stdout bytes.Buffer
	if err := run(context.Background(), []string{"-simulate", "-quiet", "-out", out, "ProgramData"}, &stdout, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, name := range tarNames(t, out) {
		if _, excluded := excludedFiles[name]; excluded {
			t.Errorf("%s is excluded by the Orders writer but was copied", name)
		}
	}
	if !strings.Contains(stdout.String(), "left out 1 files the writers exclude") {
		t.Errorf("stdout: %q", stdout.String())
	}
}

func TestTypeFlag(t *testing.T) {
	for arg, want := range map[string]vss.BackupType{"": vss.BackupUndefined, "copy": vss.BackupCopy, "FULL": vss.BackupFull, "log": vss.BackupLog} {
		args := []string{"-out", "x"}
		if arg != "" {
			args = append(args, "-type", arg)
		}
		o, err := parse(args, io.Discard)
		if err != nil || o.typ != want {
			t.Errorf("-type %q: %v, %v; want %v", arg, o.typ, err, want)
		}
	}
	if _, err := parse([]string{"-out", "x", "-type", "weekly"}, io.Discard); err == nil {
		t.Error("-type weekly accepted")
	}
}
