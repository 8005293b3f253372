package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
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
	for _, args := range [][]string{{"-simulate"}, {"-simulate", "-out", "x", "../etc"}, {"-out", "x", "-simulate-files", "3"},
		{"-restore", "b.tar"}, {"-to", "dir"}, {"-restore", "b.tar", "-to", "dir", "-out", "x.tar"}, {"-restore", "b.tar", "-verify", "b.tar", "-to", "dir"}} {
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
	if code := runMain(context.Background(), []string{"-h"}, io.Discard, &stderr); code != 0 || !strings.Contains(stderr.String(), "-simulate-files N") {
		t.Errorf("-h: exit %d, %q", code, stderr.String())
	}
}

// The same, through the binary, as a user sees it.
func TestUnknownFlagReportedOnceByTheBinary(t *testing.T) {
	bin := buildBackup(t)
	var stderr bytes.Buffer
	cmd := exec.Command(bin, "-bogus")
	cmd.Stderr = &stderr
	err := cmd.Run()
	if code := cmd.ProcessState.ExitCode(); code != 2 {
		t.Errorf("exit %d (%v), want 2", code, err)
	}
	if n := strings.Count(stderr.String(), "flag provided but not defined: -bogus"); n != 1 || strings.Contains(stderr.String(), "backup: ") {
		t.Errorf("the error is printed %d times: %q", n, stderr.String())
	}
}

// A backup that fails, before or after the output was opened, leaves the
// previous archive as it was and no temporary file.
func TestFailedBackupKeepsThePreviousArchive(t *testing.T) {
	for name, paths := range map[string][]string{
		"missing path":  {"Users", "NoSuchDir"},
		"no VSS":        nil,
		"not a dir out": {"Users"},
	} {
		t.Run(name, func(t *testing.T) {
			if name == "no VSS" && runtime.GOOS == "windows" {
				t.Skip("on Windows the real VSS answers")
			}
			dir := t.TempDir()
			out := filepath.Join(dir, "backup.tar.gz")
			if name == "not a dir out" {
				out = filepath.Join(dir, "backup.tar.gz", "x.tar")
			}
			good := goodArchive(t, filepath.Join(dir, "backup.tar.gz"))
			var stderr bytes.Buffer
			args := []string{"-simulate", "-quiet", "-out", out}
			if name == "no VSS" {
				args = args[1:]
			}
			if code := runMain(context.Background(), append(args, paths...), io.Discard, &stderr); code != 1 {
				t.Errorf("exit %d, want 1: %s", code, stderr.String())
			}
			got, err := os.ReadFile(filepath.Join(dir, "backup.tar.gz"))
			if err != nil || !bytes.Equal(got, good) {
				t.Errorf("the previous archive changed (%d bytes, was %d; %v)", len(got), len(good), err)
			}
			if err := onlyFile(dir, "backup.tar.gz"); err != nil {
				t.Error(err)
			}
		})
	}
}

// An interrupted backup in process: an already cancelled context stands
// for Ctrl-C; the exit status says so and the archive is kept.
func TestCancelledBackupKeepsThePreviousArchive(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "backup.zip")
	good := goodArchive(t, out)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stderr bytes.Buffer
	if code := runMain(ctx, []string{"-simulate", "-quiet", "-out", out}, io.Discard, &stderr); code != 130 {
		t.Errorf("exit %d, want 130: %s", code, stderr.String())
	}
	if !interruptedAt.MatchString(stderr.String()) {
		t.Errorf("stderr %q", stderr.String())
	}
	if got, _ := os.ReadFile(out); !bytes.Equal(got, good) {
		t.Error("the previous archive changed")
	}
	if err := onlyFile(dir, "backup.zip"); err != nil {
		t.Error(err)
	}
}

// A directory backup goes to a new or empty directory; one with files in
// it is refused before the backup starts, and left as it was.
func TestDirectoryOutputMustBeNewOrEmpty(t *testing.T) {
	out := filepath.Join(t.TempDir(), "docs")
	if err := os.Mkdir(out, 0o755); err != nil {
		t.Fatal(err)
	}
	args := []string{"-simulate", "-quiet", "-out", out, "Users/bob"}
	if err := run(context.Background(), args, io.Discard, io.Discard); err != nil {
		t.Fatalf("into an empty directory: %v", err)
	}
	got, err := os.ReadFile(filepath.Join(out, "Users", "bob", "Desktop", "todo.txt"))
	if err != nil || string(got) != sampleFiles["Users/bob/Desktop/todo.txt"] {
		t.Fatalf("todo.txt = %q, %v", got, err)
	}
	err = run(context.Background(), args, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("into a directory with files: %v", err)
	}
	if err := onlyFile(filepath.Dir(out), "docs"); err != nil {
		t.Error(err)
	}
}

func TestSimulateFiles(t *testing.T) {
	out := filepath.Join(t.TempDir(), "big.tar.gz")
	var stdout bytes.Buffer
	if err := run(context.Background(), []string{"-simulate", "-simulate-files", "30", "-quiet", "-out", out}, &stdout, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), "backed up 36 files") {
		t.Errorf("stdout: %q", stdout.String())
	}
	if err := checkNewArchive(out, 30); err != nil {
		t.Error(err)
	}
}

// goodArchive writes a valid .tar.gz, standing for the previous backup, and
// returns its bytes.
func goodArchive(t *testing.T, name string) []byte {
	t.Helper()
	var b bytes.Buffer
	gz := gzip.NewWriter(&b)
	tw := tar.NewWriter(gz)
	for i := range 20 {
		data := strings.Repeat(fmt.Sprintf("last week's backup, file %d\n", i), 500)
		if err := tw.WriteHeader(&tar.Header{Name: fmt.Sprintf("Users/ann/old%02d.txt", i), Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(tw, data); err != nil {
			t.Fatal(err)
		}
	}
	if err := errors.Join(tw.Close(), gz.Close()); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// onlyFile fails unless dir holds exactly the file name: no temporary
// output is left behind.
func onlyFile(dir, name string) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{name}) {
		return fmt.Errorf("the output directory holds %q, want only %q", names, name)
	}
	return nil
}

var interruptedAt = regexp.MustCompile(`^backup: interrupted(?: during (.+?))?; nothing was written to `)
