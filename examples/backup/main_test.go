package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestSimulatedBackupToDirectory(t *testing.T) {
	out := filepath.Join(t.TempDir(), "docs")
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"-simulate", "-out", out, "Users/ann"}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(out, "Users", "ann", "Documents", "plan.txt"))
	if err != nil || string(got) != sampleFiles["Users/ann/Documents/plan.txt"] {
		t.Fatalf("plan.txt = %q, %v", got, err)
	}
	if _, err := os.Stat(filepath.Join(out, "Users", "bob")); !os.IsNotExist(err) {
		t.Errorf("Users/bob was not selected but is there (%v)", err)
	}
	if !strings.Contains(stdout.String(), "backed up 2 files") {
		t.Errorf("stdout: %q", stdout.String())
	}
	if !strings.Contains(stderr.String(), "100%") {
		t.Errorf("no finished progress bar on stderr: %q", stderr.String())
	}
}

func TestSimulatedBackupToArchive(t *testing.T) {
	out := filepath.Join(t.TempDir(), "all.tar.gz")
	if err := run(context.Background(), []string{"-simulate", "-quiet", "-out", out}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]bool{}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			files[h.Name] = true
		}
	}
	for name := range sampleFiles {
		if !files[name] {
			t.Errorf("%s missing from the archive (has %v)", name, files)
		}
	}
}

func TestWithoutWindowsSaysSo(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("on Windows the real VSS answers")
	}
	err := run(context.Background(), []string{"-out", t.TempDir()}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "VSS needs Windows") || strings.Contains(err.Error(), "\n") {
		t.Errorf("got %v, want a one-line 'VSS needs Windows' error", err)
	}
}

func TestBadArguments(t *testing.T) {
	for _, args := range [][]string{{"-simulate"}, {"-simulate", "-out", "x", "../etc"}} {
		var stderr bytes.Buffer
		if code := runMain(context.Background(), args, io.Discard, &stderr); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
		if n := strings.Count(stderr.String(), "backup: "); n != 1 {
			t.Errorf("%q: %d error lines, want 1: %q", args, n, stderr.String())
		}
	}
}

// A flag error is printed once, by the flag package, with the usage; -h
// prints the usage and is not a failure.
func TestUnknownFlagReportedOnce(t *testing.T) {
	var stderr bytes.Buffer
	if code := runMain(context.Background(), []string{"-bogus"}, io.Discard, &stderr); code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	if n := strings.Count(stderr.String(), "-bogus"); n != 1 {
		t.Errorf("-bogus named %d times: %q", n, stderr.String())
	}
	if !strings.Contains(stderr.String(), "Usage of backup") {
		t.Errorf("no usage: %q", stderr.String())
	}
	stderr.Reset()
	if code := runMain(context.Background(), []string{"-h"}, io.Discard, &stderr); code != 0 || !strings.Contains(stderr.String(), "-out string") {
		t.Errorf("-h: exit %d, %q", code, stderr.String())
	}
}
