package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// failingWriter accepts limit bytes, then fails every write.
type failingWriter struct {
	limit int
	err   error
}

func (f *failingWriter) Write(p []byte) (int, error) {
	if len(p) > f.limit {
		n := f.limit
		f.limit = 0
		return n, f.err
	}
	f.limit -= len(p)
	return len(p), nil
}

// An output that cannot be written is an error, whether the first write
// fails or one in the middle, and the backup still ends cleanly.
func TestOutputThatCannotBeWritten(t *testing.T) {
	full := errors.New("no space left on device")
	for _, limit := range []int{0, 1000} {
		trace, err := run(&failingWriter{limit: limit, err: full})
		require.ErrorIs(t, err, full, "after %d bytes", limit)
		assert.Contains(t, err.Error(), "cannot write the output")
		assert.NotEmpty(t, trace, "the backup ran to its end")
	}
}

// The exit status says so too: the command, with its output on a full
// device, fails and says why on stderr.
func TestExitsNonZeroWhenOutputFails(t *testing.T) {
	if os.Getenv("QUICKSTART_RUN_MAIN") == "1" {
		main()
		return
	}
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skipf("no /dev/full here: %v", err)
	}
	defer full.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^TestExitsNonZeroWhenOutputFails$")
	cmd.Env = append(os.Environ(), "QUICKSTART_RUN_MAIN=1")
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = full, &stderr
	err = cmd.Run()
	assert.Equal(t, 1, cmd.ProcessState.ExitCode(), "%v", err)
	assert.True(t, strings.HasPrefix(stderr.String(), "quickstart: cannot write the output: "), "stderr: %q", stderr.String())
	assert.Contains(t, stderr.String(), "no space left on device")
}
