package main

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var line = regexp.MustCompile(`^\[step (\d+)\] \+\d+\.\d{3}s (.+?): (.+)$`)

// TestQuickstartNarratesTheElevenSteps checks what the issue asks of the
// quickstart: every step 1 to 11, in order; every Freeze before the
// commit and every Thaw after it; Freeze front end, back end, system, and
// Thaw the reverse.
func TestQuickstartNarratesTheElevenSteps(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(&out))
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	seen := map[int]bool{}
	prev := 0
	pos := map[string]int{}
	for i, l := range lines {
		m := line.FindStringSubmatch(l)
		require.NotNil(t, m, "line %d does not start with [step N]: %q", i+1, l)
		step, _ := strconv.Atoi(m[1])
		assert.GreaterOrEqual(t, step, prev, "steps go back at line %d: %q", i+1, l)
		prev = step
		seen[step] = true
		key := m[2] + ": " + m[3]
		if _, ok := pos[key]; !ok {
			pos[key] = i
		}
	}
	for s := 1; s <= 11; s++ {
		assert.True(t, seen[s], "step %d missing", s)
	}
	commit := pos[`provider "vss simulated system provider": CommitSnapshots -> ok`]
	require.NotZero(t, commit)
	order := []string{"Shop Application", "Inventory Database", "System Writer"}
	for i, w := range order {
		freeze := pos[`writer "`+w+`": Freeze -> ok`]
		thaw := pos[`writer "`+w+`": Thaw`]
		assert.Less(t, freeze, commit, "%s frozen before the commit", w)
		assert.Greater(t, thaw, commit, "%s thawed after the commit", w)
		if i > 0 {
			before := order[i-1]
			assert.Less(t, pos[`writer "`+before+`": Freeze`], pos[`writer "`+w+`": Freeze`], "Freeze order")
			assert.Greater(t, pos[`writer "`+before+`": Thaw`], pos[`writer "`+w+`": Thaw`], "Thaw order")
		}
	}
	assert.Contains(t, out.String(), `read C:\inventory.db from \\?\GLOBALROOT\Device\HarddiskVolumeShadowCopy1: "42 widgets"`,
		"the shadow copy keeps the point in time while the live volume changes")

	var again bytes.Buffer
	require.NoError(t, run(&again))
	assert.Equal(t, out.String(), again.String(), "the same run, byte for byte")
}
