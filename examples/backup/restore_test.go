package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/simulate"
)

// storedSimulatedBackup backs up the simulated volume into memory.
func storedSimulatedBackup(t *testing.T) *simulate.MemoryMedia {
	t.Helper()
	s, err := newSimulatedSession(`C:\`, 3)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	m := simulate.NewMemoryMedia()
	res, err := requestor.Backup(context.Background(), s, requestor.Plan{Volumes: []string{`C:\`}, Copy: m.Copy})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Keep(res); err != nil {
		t.Fatal(err)
	}
	return m
}

// A stored backup of the simulated volume is restored, through a
// simulated restore session, into a directory: every file comes back
// byte for byte, straight under it (one volume).
func TestRestoreIntoADirectory(t *testing.T) {
	m := storedSimulatedBackup(t)
	dir := filepath.Join(t.TempDir(), "restored")
	var out, errOut bytes.Buffer
	if err := restoreMedia(context.Background(), m, restoreOptions{simulate: true, to: dir}, &out, &errOut); err != nil {
		t.Fatalf("%v (%s)", err, errOut.String())
	}
	for name, data := range sampleFiles {
		got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
		if err != nil || string(got) != data {
			t.Errorf("%s: %d bytes, %v", name, len(got), err)
		}
	}
	name, data := generatedFile(2)
	if got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name))); err != nil || !bytes.Equal(got, data) {
		t.Errorf("%s: %v", name, err)
	}
	if !strings.HasPrefix(out.String(), "restored 9 files") {
		t.Errorf("output %q", out.String())
	}
}

// With -simulate and no -to, the backup goes onto a fresh simulated
// volume; without -simulate, -to is required.
func TestRestoreOntoAFreshSimulatedVolume(t *testing.T) {
	m := storedSimulatedBackup(t)
	var out, errOut bytes.Buffer
	if err := restoreMedia(context.Background(), m, restoreOptions{simulate: true}, &out, &errOut); err != nil {
		t.Fatalf("%v (%s)", err, errOut.String())
	}
	if want := `to a fresh simulated volume C:\`; !strings.Contains(out.String(), want) {
		t.Errorf("output %q, want it to say %q", out.String(), want)
	}
	err := restoreMedia(context.Background(), m, restoreOptions{}, &out, &errOut)
	var ue usageError
	if !errors.As(err, &ue) {
		t.Errorf("a restore with neither -to nor -simulate = %v, want a usage error", err)
	}
}
