package requestor

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/vsskit/vss"
)

// TestCallTraceNumbersAndSteps: records are numbered in order; a call
// takes its step, AbortBackup and calls outside the eleven steps take the
// session's, a call refused because another is under way does not move
// the session, and DoSnapshotSet returns at step 9 when it succeeded.
func TestCallTraceNumbersAndSteps(t *testing.T) {
	var got []CallRecord
	var log bytes.Buffer
	tr := newCallTrace(slog.New(slog.NewTextHandler(&log, nil)), func(c CallRecord) { got = append(got, c) })
	do := func(call string, refused bool, err error) {
		s := tr.begin(call, refused)
		tr.end(call, s, err)
	}
	do("PrepareForBackup", false, nil)
	s := tr.begin("DoSnapshotSet", false)
	do("StartSnapshotSet", true, vss.ErrSnapshotSetInProgress)
	tr.end("DoSnapshotSet", s, nil)
	do("AbortBackup", false, nil)
	do("PreRestore", false, errors.New("not a backup"))
	want := []string{
		"[step 3] requestor: PrepareForBackup", "[step 3] requestor: PrepareForBackup -> ok",
		"[step 5] requestor: DoSnapshotSet",
		"[step 2] requestor: StartSnapshotSet", "[step 2] requestor: StartSnapshotSet -> " + vss.ErrSnapshotSetInProgress.Error(),
		"[step 9] requestor: DoSnapshotSet -> ok",
		"[step 9] requestor: AbortBackup", "[step 9] requestor: AbortBackup -> ok",
		"[step 9] requestor: PreRestore", "[step 9] requestor: PreRestore -> not a backup",
	}
	if len(got) != len(want) {
		t.Fatalf("%d records, want %d: %v", len(got), len(want), got)
	}
	for i, c := range got {
		if line := c.String(); c.Seq != i+1 || !strings.HasPrefix(line, want[i][:9]) || !strings.HasSuffix(line, want[i][9:]) {
			t.Errorf("record %d = %d %q, want %q", i, c.Seq, line, want[i])
		}
	}
	if got[4].Code != vss.ErrSnapshotSetInProgress || got[9].Code != vss.ErrFail || got[1].Code != vss.OK {
		t.Errorf("codes %v %v %v", got[4].Code, got[9].Code, got[1].Code)
	}
	if n := strings.Count(log.String(), "actor=requestor"); n != len(want) {
		t.Errorf("%d log records, want %d", n, len(want))
	}
	none := newCallTrace(nil, nil) // nobody listens: nothing is recorded
	if none != nil {
		t.Errorf("a trace without logger or OnRecord: %v", none)
	}
	none.end("Close", none.begin("Close", false), nil)
}
