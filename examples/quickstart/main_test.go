package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vsskit/vss/coordinator"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/simulate/vsstest"
	"github.com/vsskit/vss/writer"
)

var line = regexp.MustCompile(`^\[step (\d+)\] \+\d+\.\d{3}s (.+?): (.+)$`)

// TestQuickstartNarratesTheElevenSteps checks what the quickstart
// promises: every step 1 to 11, in order; every Freeze before the commit
// and every Thaw after it; Freeze front end, back end, system, and Thaw
// the reverse. It reads the trace's typed records; the printed lines are
// only checked to have the narration's form.
func TestQuickstartNarratesTheElevenSteps(t *testing.T) {
	var out bytes.Buffer
	trace, err := run(&out)
	require.NoError(t, err)
	for i, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		require.Regexp(t, line, l, "line %d does not start with [step N]", i+1)
	}
	seen := map[int]bool{}
	prev := 0
	for _, r := range trace {
		assert.GreaterOrEqual(t, r.Step, prev, "steps go back at %v", r)
		prev = r.Step
		seen[r.Step] = true
		assert.Contains(t, out.String(), r.String()+"\n", "every record is narrated")
	}
	for s := 1; s <= 11; s++ {
		assert.True(t, seen[s], "step %d missing", s)
	}
	commit := vsstest.Match{Kind: coordinator.RecProviderResult, Method: provider.MethodCommitSnapshots, Outcome: vsstest.Succeeded}
	require.Len(t, vsstest.Find(trace, commit), 1)
	order := []string{"Shop Application", "Inventory Database", "System Writer"}
	for i, w := range order {
		freezeOK := vsstest.WriterResult(w, writer.EventFreeze)
		freezeOK.Outcome = vsstest.Succeeded
		require.NoError(t, vsstest.HappenedBefore(trace, freezeOK, commit), "%s frozen before the commit", w)
		require.NoError(t, vsstest.HappenedBefore(trace, commit, vsstest.WriterEvent(w, writer.EventThaw)), "%s thawed after the commit", w)
		if i > 0 {
			before := order[i-1]
			require.NoError(t, vsstest.HappenedBefore(trace, vsstest.WriterEvent(before, writer.EventFreeze), vsstest.WriterEvent(w, writer.EventFreeze)), "Freeze order")
			require.NoError(t, vsstest.HappenedBefore(trace, vsstest.WriterEvent(w, writer.EventThaw), vsstest.WriterEvent(before, writer.EventThaw)), "Thaw order")
		}
	}
	require.NoError(t, vsstest.NoWriterFrozen(trace))
	assert.Contains(t, out.String(), `read C:\inventory.db from \\?\GLOBALROOT\Device\HarddiskVolumeShadowCopy1: "42 widgets"`,
		"the shadow copy keeps the point in time while the live volume changes")

	var again bytes.Buffer
	_, err = run(&again)
	require.NoError(t, err)
	assert.Equal(t, out.String(), again.String(), "the same run, byte for byte")
}
