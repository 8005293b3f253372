package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// buildBackup builds the command into a temporary directory and returns
// its path.
func buildBackup(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command to build the binary: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "backup")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// checkNewArchive checks that name is a complete backup of the simulated
// volume with n generated files: every file, with its contents, and
// nothing else.
func checkNewArchive(name string, n int) error {
	want := map[string]string{}
	for p, data := range sampleFiles {
		want[p] = data
	}
	for i := range n {
		p, data := generatedFile(i)
		want[p] = string(data)
	}
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return err
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			return err
		}
		w, ok := want[h.Name]
		if !ok || w != string(data) {
			return fmt.Errorf("%s: unexpected or wrong (%d bytes)", h.Name, len(data))
		}
		delete(want, h.Name)
	}
	if _, err := io.Copy(io.Discard, gz); err != nil {
		return err
	}
	if len(want) > 0 {
		return fmt.Errorf("%d files missing", len(want))
	}
	return nil
}

// TestInterruptKeepsThePreviousArchive runs the command over a good
// archive and interrupts it (os.Interrupt, as Ctrl-C does) at a random
// instant of its run, many times: the archive is the previous one byte for
// byte, or, when the backup had ended or its data was already stored, a
// complete new backup; never anything else, and no temporary file remains. CI runs 15 runs;
// VSS_SIGINT_RUNS=300 runs more, VSS_SIGINT_SEED picks another seed.
func TestInterruptKeepsThePreviousArchive(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("os.Interrupt cannot be sent to a process on Windows")
	}
	runs, seed := 15, uint64(1)
	if s := os.Getenv("VSS_SIGINT_RUNS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("VSS_SIGINT_RUNS=%q is not a count", s)
		}
		runs = n
	}
	if s := os.Getenv("VSS_SIGINT_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("VSS_SIGINT_SEED=%q is not a number", s)
		}
		seed = n
	}
	bin := buildBackup(t)
	const files = 50 // about 3.6 MB: interrupts land in the copy and the check too
	dir := t.TempDir()
	out := filepath.Join(dir, "backup.tar.gz")
	args := []string{"-simulate", "-simulate-files", strconv.Itoa(files), "-quiet", "-out", out}

	// Uninterrupted runs complete; the quickest bounds the instants the
	// interrupts are sent at.
	good := goodArchive(t, out)
	var window time.Duration
	for range 3 {
		start := time.Now()
		if b, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
			t.Fatalf("an uninterrupted run: %v\n%s", err, b)
		}
		if d := time.Since(start) * 6 / 5; window == 0 || d < window {
			window = d
		}
		if err := checkNewArchive(out, files); err != nil {
			t.Fatalf("an uninterrupted run: %v", err)
		}
		if err := onlyFile(dir, "backup.tar.gz"); err != nil {
			t.Fatal(err)
		}
	}

	rng := rand.New(rand.NewPCG(seed, 0))
	var interrupted, completed, completedAfterStored, killedEarly, killedLate int
	during := map[string]int{} // the backup steps interrupted
	for i := range runs {
		if err := os.WriteFile(out, good, 0o644); err != nil {
			t.Fatal(err)
		}
		delay := time.Duration(rng.Int64N(int64(window)))
		cmd := exec.Command(bin, args...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// The delay only chooses where the interrupt lands; what is
		// checked holds wherever it lands.
		timer := time.AfterFunc(delay, func() { cmd.Process.Signal(os.Interrupt) })
		err := cmd.Wait()
		timer.Stop()
		got, rerr := os.ReadFile(out)
		if rerr != nil {
			t.Fatalf("run %d (interrupt after %v): the archive: %v", i, delay, rerr)
		}
		same := bytes.Equal(got, good)
		code := cmd.ProcessState.ExitCode()
		switch {
		case code == 130 && same:
			interrupted++
			m := interruptedAt.FindStringSubmatch(stderr.String())
			if m == nil {
				t.Errorf("run %d: exit 130 but stderr %q", i, stderr.String())
			} else {
				during[m[1]]++
			}
		case code == 130:
			t.Errorf("run %d (interrupt after %v): interrupted, and the previous archive changed (%d bytes, was %d)", i, delay, len(got), len(good))
		case code == 0 || code == -1 && !same:
			// Completed before the interrupt, or killed by it after
			// the backup ended (the handler is gone once run returns).
			if cerr := checkNewArchive(out, files); cerr != nil {
				t.Errorf("run %d (interrupt after %v, exit %d): the archive is neither the previous one nor a complete new one: %v", i, delay, code, cerr)
			}
			if code == 0 {
				completed++
				if strings.Contains(stderr.String(), "interrupted after the data was stored") {
					completedAfterStored++
				}
			} else {
				killedLate++
			}
		case code == -1:
			killedEarly++ // before the handler was installed: nothing written yet
		default:
			t.Errorf("run %d (interrupt after %v): %v\n%s", i, delay, err, stderr.String())
		}
		if err := onlyFile(dir, "backup.tar.gz"); err != nil {
			t.Errorf("run %d (interrupt after %v): %v", i, delay, err)
		}
	}
	t.Logf("%d runs (seed %d, interrupts within %v): %d interrupted with the previous archive intact (during %v); "+
		"%d completed with a new archive (%d of them interrupted after the data was stored); %d killed before the backup started, %d killed after it ended",
		runs, seed, window, interrupted, during, completed, completedAfterStored, killedEarly, killedLate)
}
