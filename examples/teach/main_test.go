package main

import (
	"bytes"
	"encoding/xml"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/coordinator"
	"github.com/vsskit/vss/coordinator/diagram"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/simulate"
	"github.com/vsskit/vss/simulate/vsstest"
	"github.com/vsskit/vss/writer"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./examples/teach -update to write the golden files")
	if string(want) != got {
		t.Errorf("%s differs from what the run prints now (go test ./examples/teach -update rewrites it; review the diff):\n%s",
			path, firstDiff(string(want), got))
	}
}

// firstDiff shows the first line where two texts part.
func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return "line " + strconv.Itoa(i+1) + ":\n  want: " + a + "\n  got:  " + b
		}
	}
	return "(same lines, different ends)"
}

// runScenario runs a scenario with its own seed, as the command does, and
// returns what it printed and its result.
func runScenario(t *testing.T, name string) (string, *result) {
	t.Helper()
	sc, ok := scenarioNamed(name)
	require.True(t, ok, name)
	var out bytes.Buffer
	res, err := run(&out, sc, sc.seed, options{compare: true})
	require.NoError(t, err)
	return out.String(), res
}

// The narration, the Mermaid diagram and the SVG timeline of every
// scenario are kept as golden files: a change to the protocol, the
// simulator or the narration shows as a diff to review.
func TestScenariosGolden(t *testing.T) {
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			out, res := runScenario(t, sc.name)
			golden(t, sc.name+".txt", out)
			title := "teach -scenario " + sc.name + " -seed " + strconv.FormatUint(sc.seed, 10)
			golden(t, sc.name+".mmd", diagram.Mermaid(res.trace, diagram.Title(title)))
			golden(t, sc.name+".svg", diagram.SVG(res.trace, diagram.Title(title)))
		})
	}
}

// has checks that the narration says sub, however its lines are wrapped,
// and on failure prints sub alone rather than the whole narration.
func has(t *testing.T, out, sub string, msgAndArgs ...any) {
	t.Helper()
	flat := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	if !strings.Contains(flat(out), flat(sub)) {
		t.Errorf("the narration does not say %q %v", sub, msgAndArgs)
	}
}

// runCommand runs the command as main does.
func runCommand(stdin string, args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = teach(args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

// Every scenario runs from the command line as go run ./examples/teach
// -scenario NAME does, and -list names each once.
func TestEveryScenarioRunsFromTheCommandLine(t *testing.T) {
	code, list, _ := runCommand("", "-list")
	require.Equal(t, 0, code)
	lines := strings.Split(strings.TrimSpace(list), "\n")
	require.Len(t, lines, len(scenarios))
	for i, sc := range scenarios {
		assert.True(t, strings.HasPrefix(lines[i], sc.name+" "), lines[i])
		code, out, errOut := runCommand("", "-scenario", sc.name)
		assert.Equal(t, 0, code, "%s: %s", sc.name, errOut)
		want, _ := runScenario(t, sc.name)
		assert.True(t, want == out, "%s: the command prints the narration", sc.name)
	}
	code, _, errOut := runCommand("", "-scenario", "no-such-scenario")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, `no scenario "no-such-scenario"`)
}

var stepHeader = regexp.MustCompile(`(?m)^== Step (\d+): (.+) ==$`)

// The narration goes through the steps that apply to the scenario, each
// with its sentence, in order: in component mode the metadata (step 4)
// comes before the writers prepare (step 3), because the requestor needs
// it to choose components. Every event is narrated, under its step.
func TestNarrationCoversTheStepsInOrder(t *testing.T) {
	all := []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}
	want := map[string][]int{
		"normal":         all,
		"writer-veto":    all,
		"freeze-timeout": all,
		"commit-timeout": {1, 2, 3, 4, 5, 6, 7, 8, 11},
		"no-writer":      all,
		"busy":           all,
		"component":      {1, 4, 2, 3, 5, 6, 7, 8, 9, 10, 11},
		"remote":         all,
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			out, res := runScenario(t, sc.name)
			var got []int
			for _, m := range stepHeader.FindAllStringSubmatch(out, -1) {
				n, _ := strconv.Atoi(m[1])
				got = append(got, n)
				s, ok := coordinator.StepOf(n)
				require.True(t, ok)
				assert.Equal(t, s.Title, m[2])
				has(t, out, wrap(s.Text, 76, ""), "step %d has its sentence", n)
			}
			assert.Equal(t, want[sc.name], got)
			for _, r := range res.trace {
				assert.True(t, strings.Contains(out, r.String()+"\n"), "%v is narrated", r)
			}
		})
	}
}

// The default seed of no-writer tears a record of the web log, which no
// writer quiesces, in the shadow copy, and the narration names it; the
// orders database, frozen by its writer, is whole. normal, with the same
// seed and a writer for the web log, has the same record whole.
func TestNoWriterTearsWhatNormalKeepsWhole(t *testing.T) {
	out, res := runScenario(t, "no-writer")
	ids := torn(res.shadow["weblog"])
	require.NotEmpty(t, ids, "the default seed must tear a record of the web log")
	id := ids[0]
	assert.ErrorIs(t, res.consistent["weblog"], simulate.ErrTornRecord)
	assert.NoError(t, res.consistent["orders"])
	assert.Empty(t, torn(res.shadow["orders"]))
	name := "record " + strconv.Itoa(id)
	has(t, out, name+" TORN")
	has(t, out, "Record "+strconv.Itoa(id)+" of the web log is torn in the shadow copy")
	has(t, out, name+" is whole in the shadow copy")

	out, normal := runScenario(t, "normal")
	assert.True(t, contains(normal.shadow["weblog"].whole, id), "normal holds %s whole", name)
	assert.Empty(t, torn(normal.shadow["weblog"]))
	assert.NoError(t, normal.consistent["weblog"])
	has(t, out, name+" of the web log is torn in the shadow copy. Here the writer froze the web log before the commit, and "+name+" is whole.")
	assert.Empty(t, res.failed, "VSS cannot tell: the backup succeeds")
}

// find returns the records a match selects.
func find(trace []coordinator.Record, m vsstest.Match) []coordinator.Record {
	return vsstest.Find(trace, m)
}

func TestWriterVetoFailsTheBackupAtTheStatusCheck(t *testing.T) {
	out, res := runScenario(t, "writer-veto")
	failedAt := vsstest.Match{Kind: coordinator.RecState, Decision: coordinator.DecisionWriterFailed, Name: ordersWriter, Code: vss.ErrWriterRetryable}
	require.Len(t, find(res.trace, failedAt), 1)
	assert.Equal(t, vss.WriterFailedAtPrepareBackup, find(res.trace, failedAt)[0].State)
	assert.Empty(t, find(res.trace, vsstest.WriterEvent(ordersWriter, writer.EventFreeze)), "a writer that vetoed is never frozen")
	assert.NotEmpty(t, find(res.trace, vsstest.WriterEvent(weblogWriter, writer.EventFreeze)))
	assert.NoError(t, vsstest.HappenedBefore(res.trace, vsstest.RequestorCall(coordinator.CallGatherWriterStatus), vsstest.RequestorCall(coordinator.CallAbortBackup)))
	assert.Contains(t, res.failed, "VSS_E_WRITERERROR_RETRYABLE")
	has(t, out, "-explain VSS_E_WRITERERROR_RETRYABLE")
	assert.False(t, res.frozen["orders"], "nothing froze the orders database")
}

func TestFreezeTimeoutFailsTheWriterFrozenTooLong(t *testing.T) {
	out, res := runScenario(t, "freeze-timeout")
	timedOut := vsstest.Match{Kind: coordinator.RecState, Decision: coordinator.DecisionFreezeTimeout, Name: weblogWriter}
	timeout := find(res.trace, timedOut)
	require.Len(t, timeout, 1)
	freeze := find(res.trace, vsstest.WriterEvent(weblogWriter, writer.EventFreeze))
	require.Len(t, freeze, 1)
	assert.Equal(t, writer.DefaultFreezeTimeout, timeout[0].At-freeze[0].At, "failed exactly at the end of its window")
	assert.NoError(t, vsstest.HappenedBefore(res.trace, timedOut, vsstest.WriterEvent(weblogWriter, writer.EventAbort)))
	commit := vsstest.Match{Kind: coordinator.RecProviderResult, Method: provider.MethodCommitSnapshots, Outcome: vsstest.Succeeded}
	assert.NoError(t, vsstest.HappenedBefore(res.trace, vsstest.WriterEvent(weblogWriter, writer.EventAbort), commit), "aborted before the commit")
	assert.Empty(t, find(res.trace, vsstest.WriterEvent(weblogWriter, writer.EventThaw)))
	assert.NoError(t, vsstest.NoWriterFrozen(res.trace))
	assert.Contains(t, res.failed, "VSS_E_WRITERERROR_TIMEOUT")
	assert.False(t, res.frozen["weblog"], "aborted, the web log writes again before the commit")
	has(t, out, "frozen longer than its 60s window")
}

func TestCommitTimeoutFailsTheWholeSet(t *testing.T) {
	out, res := runScenario(t, "commit-timeout")
	ret := find(res.trace, vsstest.Match{Kind: coordinator.RecReturn, Call: coordinator.CallDoSnapshotSet})
	require.Len(t, ret, 1)
	assert.Equal(t, vss.ErrFlushWritesTimeout, ret[0].Code)
	hold := find(res.trace, vsstest.Match{Kind: coordinator.RecWrites, Decision: coordinator.DecisionHoldWrites})
	abort := find(res.trace, vsstest.Match{Kind: coordinator.RecState, Decision: coordinator.DecisionAbortSet})
	require.NotEmpty(t, hold)
	require.Len(t, abort, 1)
	assert.LessOrEqual(t, abort[0].At-hold[0].At, coordinator.DefaultHoldTimeout+10e6, "the set fails at the end of the hold window")
	assert.NotEmpty(t, find(res.trace, vsstest.Match{Kind: coordinator.RecProviderCall, Method: provider.MethodAbortSnapshots}))
	assert.Empty(t, res.shadow, "no shadow copy remains, not even the one committed in time")
	has(t, out, "no shadow copy of it remains")
	assert.NoError(t, vsstest.NoWriterFrozen(res.trace))
}

// busy: another requestor on the computer holds its snapshot set for 5 s,
// so this backup's StartSnapshotSet fails with
// VSS_E_SNAPSHOT_SET_IN_PROGRESS (Microsoft, IVssBackupComponents::
// StartSnapshotSet: "only one shadow copy creation operation can be in
// progress at one time. Either wait to try again or return with a failure
// error code"); the tool waits, tries again once the other set is given
// up, and the backup succeeds.
func TestBusyRetriesStartSnapshotSetUntilTheOtherSetIsDone(t *testing.T) {
	out, res := runScenario(t, "busy")
	starts := find(res.trace, vsstest.Match{Kind: coordinator.RecReturn, Call: coordinator.CallStartSnapshotSet})
	require.Len(t, starts, 2)
	assert.Equal(t, vss.ErrSnapshotSetInProgress, starts[0].Code, "refused while the other set is in creation")
	assert.True(t, starts[1].OK(), "started once it is done")
	assert.GreaterOrEqual(t, starts[1].At-starts[0].At, 5*time.Second, "after the tool's pause")
	assert.Empty(t, res.failed)
	assert.NoError(t, res.consistent["orders"])
	assert.NoError(t, res.consistent["weblog"])
	has(t, out, "another backup tool on this computer has gathered the writers' metadata and")
	has(t, out, "VSS creates one set at a time. Nothing is wrong with this backup: it waits 5s and tries again")
	has(t, out, "gives its set up (AbortBackup)")
	assert.Less(t, strings.Index(out, "gives its set up"), strings.Index(out, "-> started"), "the set starts after the other is given up")
}

func TestComponentModeSelectsOneComponent(t *testing.T) {
	out, res := runScenario(t, "component")
	sel := find(res.trace, vsstest.Match{Kind: coordinator.RecState, Decision: coordinator.DecisionComponentSelected})
	require.Len(t, sel, 1)
	assert.Equal(t, ordersWriter, sel[0].Actor.Name)
	assert.Equal(t, ordersComponent.String(), sel[0].Detail)
	assert.NoError(t, vsstest.HappenedBefore(res.trace, vsstest.RequestorCall(coordinator.CallAddComponent), vsstest.RequestorCall(coordinator.CallPrepareForBackup)))
	assert.NotEmpty(t, find(res.trace, vsstest.Match{Kind: coordinator.RecReturn, Call: coordinator.CallSetBackupSucceeded, Outcome: vsstest.Succeeded}))
	assert.Empty(t, res.failed)
	has(t, out, `leaves D:\weblog out: no component of it is selected`)
}

// Every HRESULT the library defines is explained by the command, by name
// and by value; a code it does not define says so and exits 1.
func TestExplain(t *testing.T) {
	code, out, _ := runCommand("", "-explain", "0x80042316")
	require.Equal(t, 0, code)
	assert.True(t, strings.HasPrefix(out, "VSS_E_SNAPSHOT_SET_IN_PROGRESS (0x80042316)\n"), out)
	has(t, out, "step 2  VSS contacts the provider of each volume")
	has(t, out, "[Microsoft: IVssBackupComponents::StartSnapshotSet]")
	has(t, out, "[this library]")
	has(t, out, "Usual causes:")
	has(t, out, "What a tool should do:")

	code, out, _ = runCommand("", "-explain", "VSS_E_BAD_STATE")
	require.Equal(t, 0, code)
	assert.True(t, strings.HasPrefix(out, "VSS_E_BAD_STATE (0x80042301)\n"))
	code, again, _ := runCommand("", "-explain", "vss_e_bad_state")
	assert.Equal(t, 0, code)
	assert.Equal(t, out, again)

	for _, h := range vss.HRESULTs() {
		for _, arg := range []string{h.Name(), "0x" + strconv.FormatUint(uint64(h), 16)} {
			code, out, errOut := runCommand("", "-explain", arg)
			assert.Equal(t, 0, code, "%s: %s", arg, errOut)
			assert.True(t, strings.HasPrefix(out, h.Name()+" ("), "%s: %s", arg, out)
			has(t, out, "What a tool should do:", arg)
		}
	}

	code, out, _ = runCommand("", "-explain", "0x12345678")
	assert.Equal(t, 1, code)
	has(t, out, "0x12345678 is not an HRESULT this library defines")
	code, _, errOut := runCommand("", "-explain", "nonsense")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, `"nonsense" is neither an HRESULT name nor a hexadecimal value`)
}

// -step waits for Enter after each event, shows the whole state at each,
// and runs to the end when the input ends.
func TestStepWaitsForEnter(t *testing.T) {
	code, out, _ := runCommand("\n\n\n", "-scenario", "normal", "-step")
	require.Equal(t, 0, code)
	assert.Equal(t, 4, strings.Count(out, "[Enter]"), "three lines of input, then the end of it")
	has(t, out, "== What happened ==")
	first := strings.Split(out, "[Enter]")[1]
	assert.Contains(t, first, "writers:", "stepping shows the state at every event")
}

func TestSeedReproducesARun(t *testing.T) {
	_, a, _ := runCommand("", "-scenario", "no-writer", "-seed", "7")
	_, b, _ := runCommand("", "-scenario", "no-writer", "-seed", "7")
	assert.Equal(t, a, b)
	assert.Contains(t, a, "Scenario no-writer (seed 7)")
	_, c, _ := runCommand("", "-scenario", "no-writer")
	assert.NotEqual(t, a, c)
}

// -mermaid and -svg write the run's diagrams.
func TestDiagramFiles(t *testing.T) {
	dir := t.TempDir()
	mmd, svg := filepath.Join(dir, "run.mmd"), filepath.Join(dir, "run.svg")
	code, out, errOut := runCommand("", "-scenario", "freeze-timeout", "-mermaid", mmd, "-svg", svg)
	require.Equal(t, 0, code, errOut)
	has(t, out, "wrote "+mmd)
	m, err := os.ReadFile(mmd)
	require.NoError(t, err)
	assert.True(t, bytes.HasPrefix(m, []byte("sequenceDiagram\n")))
	assert.Contains(t, string(m), "failed#58; frozen longer than 60s")
	s, err := os.ReadFile(svg)
	require.NoError(t, err)
	dec := xml.NewDecoder(bytes.NewReader(s))
	for {
		_, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err, "the timeline is well-formed XML")
	}
	assert.Contains(t, string(s), "frozen longer than 60s")
}
