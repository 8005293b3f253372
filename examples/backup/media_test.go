package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vsskit/vss/requestor/media"
)

// backupTar runs the simulated backup to dir/backup.tar and returns the
// archive's path.
func backupTar(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out := filepath.Join(dir, "backup.tar")
	var stdout bytes.Buffer
	if err := run(context.Background(), append([]string{"-simulate", "-quiet", "-out", out}, args...), &stdout, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), "backed up 6 files") {
		t.Errorf("stdout: %q", stdout.String())
	}
	return out
}

// -out backup.tar writes a backup archive that any tar lists with the
// data, the backup components document and the writers' metadata
// documents; -verify checks it and -list shows it.
func TestSimulatedBackupToMedia(t *testing.T) {
	dir := t.TempDir()
	out := backupTar(t, dir)
	if err := onlyFile(dir, "backup.tar"); err != nil {
		t.Error(err)
	}
	a, err := media.OpenFile(out)
	if err != nil {
		t.Fatal(err)
	}
	files, _ := a.Files()
	stored := map[string]bool{}
	for _, f := range files {
		if f.Mode.IsRegular() {
			stored[f.Path] = true
		}
	}
	a.Close()
	for name := range sampleFiles {
		if !stored[name] {
			t.Errorf("%s is not in the archive", name)
		}
	}
	var stdout bytes.Buffer
	if code := runMain(context.Background(), []string{"-verify", out}, &stdout, io.Discard); code != 0 || !strings.Contains(stdout.String(), "verified: 6 files") {
		t.Errorf("-verify: exit %d, %q", code, stdout.String())
	}
	stdout.Reset()
	if code := runMain(context.Background(), []string{"-list", out}, &stdout, io.Discard); code != 0 {
		t.Errorf("-list: exit %d", code)
	}
	for _, want := range []string{"backup components document", `writer metadata of "Orders"`, `writer metadata of "Registry"`, `C:\ProgramData\Orders\orders.db`} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("-list does not show %s: %s", want, stdout.String())
		}
	}
	tarCmd, err := exec.LookPath("tar")
	if err != nil {
		t.Skip("no tar on PATH")
	}
	listed, err := exec.Command(tarCmd, "-tf", out).Output()
	if err != nil {
		t.Fatal(err)
	}
	names := strings.Fields(string(listed))
	for _, want := range []string{"data/C/ProgramData/Orders/orders.db", "data/C/Users/ann/Documents/plan.txt",
		"vss/backup-components.xml", "vss/writers/01-Orders.xml", "vss/writers/02-Registry.xml", "vss/manifest.json"} {
		if !slices.Contains(names, want) {
			t.Errorf("tar -tf does not list %s: %q", want, names)
		}
	}
}

// A damaged byte or a truncated archive fails -verify (exit 1, the error
// naming the entry) and -list, and writes nothing: the directory holds
// the same files with the same contents.
func TestVerifyNamesTheDamagedEntry(t *testing.T) {
	dir := t.TempDir()
	good, err := os.ReadFile(backupTar(t, dir))
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(good, []byte("order;order;"))
	if i < 0 {
		t.Fatal("orders.db not found")
	}
	flipped := bytes.Clone(good)
	flipped[i+1000] ^= 0x01
	for name, c := range map[string]struct {
		data []byte
		want error
	}{
		"corrupted": {flipped, media.ErrCorrupt},
		"truncated": {good[:i+1000], media.ErrTruncated},
	} {
		t.Run(name, func(t *testing.T) {
			bad := filepath.Join(dir, name+".tar")
			if err := os.WriteFile(bad, c.data, 0o644); err != nil {
				t.Fatal(err)
			}
			before := snapshotDir(t, dir)
			var stdout, stderr bytes.Buffer
			if code := runMain(context.Background(), []string{"-verify", bad}, &stdout, &stderr); code != 1 {
				t.Errorf("-verify: exit %d, want 1", code)
			}
			if !strings.Contains(stderr.String(), "entry data/C/ProgramData/Orders/orders.db") || stdout.Len() > 0 {
				t.Errorf("-verify: stdout %q, stderr %q", stdout.String(), stderr.String())
			}
			err := verifyArchive(context.Background(), bad, io.Discard)
			if !errors.Is(err, c.want) {
				t.Errorf("-verify: %v, want %v", err, c.want)
			}
			if !maps.Equal(before, snapshotDir(t, dir)) {
				t.Error("a failed -verify changed the directory")
			}
			if name == "truncated" {
				if code := runMain(context.Background(), []string{"-list", bad}, io.Discard, io.Discard); code != 1 {
					t.Errorf("-list of a truncated archive: exit %d", code)
				}
			}
		})
	}
}

// The same through the binary, as a user runs it.
func TestVerifyByTheBinary(t *testing.T) {
	dir := t.TempDir()
	out := backupTar(t, dir)
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, b[:len(b)-700], 0o644); err != nil {
		t.Fatal(err)
	}
	bin := buildBackup(t)
	var stderr bytes.Buffer
	cmd := exec.Command(bin, "-verify", out)
	cmd.Stderr = &stderr
	err = cmd.Run()
	if code := cmd.ProcessState.ExitCode(); code != 1 || !strings.Contains(stderr.String(), "vss/manifest.json.sha256 (header at byte") || !strings.Contains(stderr.String(), ": truncated: ") {
		t.Errorf("exit %d (%v): %s", code, err, stderr.String())
	}
}

func TestVerifyAndListArguments(t *testing.T) {
	for _, args := range [][]string{{"-verify", "a.tar", "-out", "b.tar"}, {"-verify", "a.tar", "-list", "a.tar"}, {"-list", "a.tar", "Users"}} {
		if code := runMain(context.Background(), args, io.Discard, io.Discard); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
	}
}

// snapshotDir returns the names and contents of the files in dir.
func snapshotDir(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		m[e.Name()] = string(b)
	}
	return m
}

// A backup archive whose backup fails is not written, and the previous
// one stays as it was.
func TestFailedBackupToMediaKeepsThePreviousArchive(t *testing.T) {
	dir := t.TempDir()
	out := backupTar(t, dir)
	good, _ := os.ReadFile(out)
	if code := runMain(context.Background(), []string{"-simulate", "-quiet", "-out", out, "Users", "NoSuchDir"}, io.Discard, io.Discard); code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if got, _ := os.ReadFile(out); !bytes.Equal(got, good) {
		t.Error("the previous archive changed")
	}
	if err := onlyFile(dir, "backup.tar"); err != nil {
		t.Error(err)
	}
}
