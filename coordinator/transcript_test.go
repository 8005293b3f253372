package coordinator_test

// Golden transcripts of the state machine, in the manner of etcd's rafttest
// interaction tests. Each file in testdata/transcripts is a script that
// drives a coordinator.Machine through its exported API only (Call,
// Complete, Tick, Cancel, Abandon), with the machine's answer to every
// directive written beneath it. The test runs the script and fails at the
// first line where the machine now answers differently;
//
//	go test ./coordinator -run Transcript -update
//
// rewrites the answers with what the machine does now. Review the change
// before you commit it: a transcript is a claim about how VSS behaves.
//
// # Scripts
//
// A script is read line by line. Lines starting with # and blank lines are
// comments, kept as they are. Any other line is a directive; a word
// starting with # (other than an op's #TOKEN) begins a comment that runs
// to the end of the line. The answer to a directive follows it under a
// line of four dashes and ends at the next blank line:
//
//	call StartSnapshotSet
//	----
//	[step 2] +0.000s requestor: StartSnapshotSet
//	[step 2] +0.000s vss: snapshot set {...} -> started
//	[step 2] +0.000s requestor: StartSnapshotSet -> ok
//	reply StartSnapshotSet: ok, snapshot set {...}
//	machine: phase MetadataGathered; idle
//
// The participants come first, before any other directive:
//
//	writer NAME LEVEL [freeze=DURATION]
//	    a writer at level front, back or system, with its freeze
//	    timeout (writer.DefaultFreezeTimeout if not given)
//	provider NAME TYPE
//	    a provider of type hardware, software or system
//
// The machine starts at a fixed time, with IDs drawn from a ChaCha8 source
// of fixed seed, and time moves only when a script says so. Then:
//
//	call CALL [ARGS]
//	    the requestor makes a call (coordinator.CallKind names, or
//	    Microsoft's GetWriterMetadata and GetWriterStatus). Arguments:
//	    SetContext VSS_CTX_...; SetBackupState [VSS_BT_...] [components];
//	    AddToSnapshotSet VOLUME [provider=NAME]; AddComponent WRITER
//	    [PATH\]NAME; SetBackupSucceeded WRITER [PATH\]NAME true|false;
//	    GetSnapshotProperties VOLUME and SnapshotFS VOLUME (the snapshot
//	    AddToSnapshotSet returned for it); DeleteSnapshots set|VOLUME;
//	    InitializeForRestore WRITER [PATH\]NAME ... (the document of a
//	    component-mode backup of those components); SetSelectedForRestore
//	    WRITER [PATH\]NAME true|false; SetFileRestoreStatus WRITER
//	    [PATH\]NAME VSS_RS_...
//	answer SELECTOR [OUTCOME]
//	    completes every awaited op SELECTOR matches, in the order they
//	    started, with OUTCOME (ok if not given)
//	on SELECTOR OUTCOME
//	    from now on, stabilize answers the ops SELECTOR matches with
//	    OUTCOME; a later rule wins over an earlier one
//	stabilize
//	    completes awaited ops one at a time, oldest first, as the rules
//	    say (ok by default), until every op left is one that hangs
//	tick DURATION
//	    time passes; the machine fails what has timed out
//	cancel
//	    the requestor's context ends (Machine.Cancel with context.Canceled)
//	abandon
//	    the driver gives up on everything awaited (Machine.Abandon)
//	status
//	    prints each writer's state and failure as the machine holds them
//
// A SELECTOR is #TOKEN (one op, even one the machine no longer awaits),
// all, writer NAME|* [EVENT], provider NAME|* [METHOD] or writes (holding
// and releasing writes). An OUTCOME is ok, error HRESULT (a name such as
// VSS_E_WRITERERROR_RETRYABLE), unsupported (IsVolumeSupported answers
// false) or, for on only, hang.
//
// # Transcripts
//
// The answer to a directive shows each input it fed the machine and what
// the machine did in return: the trace records the input produced, then
// the ops it started and cancelled, then the reply if the call finished.
// The machine's state ends the answer.
//
//	complete #N OP -> OUTCOME   an op the script completed (answer, stabilize)
//	[step S] +T.TTTs ...         a trace record, as Record.String prints it
//	start #N OP                  an op the machine started
//	cancel #N OP                 an op the machine no longer awaits
//	reply CALL: ...              the reply to the call, once it finished
//	machine: ...                 the phase, the call awaiting ops, the
//	                             next deadline and the frozen writers

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/coordinator"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/writer"
)

var update = flag.Bool("update", false, "rewrite testdata/transcripts with what the machine does now")

const transcriptDir = "testdata/transcripts"

func TestTranscripts(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(transcriptDir, "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no transcripts in %s", transcriptDir)
	}
	for _, path := range files {
		name := filepath.ToSlash(path)
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txt"), func(t *testing.T) {
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			got, err := runTranscript(name, string(b))
			if err != nil {
				t.Fatal(err)
			}
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if err := compareTranscript(name, string(b), got); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestTranscriptHarnessRejectsWrongTranscripts makes sure the harness
// cannot pass vacuously: a transcript altered in any way fails, naming the
// altered line.
func TestTranscriptHarnessRejectsWrongTranscripts(t *testing.T) {
	const name = transcriptDir + "/normal_backup.txt"
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	good := string(b)
	got, err := runTranscript(name, good)
	if err != nil {
		t.Fatal(err)
	}
	if err := compareTranscript(name, good, got); err != nil {
		t.Fatalf("the transcript as committed must pass: %v", err)
	}
	lines := strings.Split(good, "\n")
	find := func(f func(string) bool) int {
		t.Helper()
		i := slices.IndexFunc(lines, f)
		if i < 0 {
			t.Fatal("no line to alter")
		}
		return i
	}
	edit := func(f func(ls []string) []string) string {
		return strings.Join(f(slices.Clone(lines)), "\n")
	}
	freeze := find(func(l string) bool { return strings.HasPrefix(l, "[step 6]") && strings.HasSuffix(l, "Freeze -> ok") })
	start := find(func(l string) bool { return strings.HasPrefix(l, "start #") })
	state := find(func(l string) bool { return strings.HasPrefix(l, "machine: ") })
	reply := find(func(l string) bool { return strings.HasPrefix(l, "reply DoSnapshotSet: ") })
	dashes := find(func(l string) bool { return l == "----" })

	cases := []struct {
		what string
		text string
		line int // 0-based index of the line the failure must name
	}{
		{"a writer's answer changed", edit(func(ls []string) []string {
			ls[freeze] = strings.TrimSuffix(ls[freeze], "ok") + "failed: VSS_E_WRITERERROR_RETRYABLE"
			return ls
		}), freeze},
		{"a started op left out", edit(func(ls []string) []string { return slices.Delete(ls, start, start+1) }), start},
		{"an op too many", edit(func(ls []string) []string {
			return slices.Insert(ls, state, `start #99 writer "Front": Abort`)
		}), state},
		{"a call that fails", edit(func(ls []string) []string {
			ls[reply] = "reply DoSnapshotSet: VSS_E_FLUSH_WRITES_TIMEOUT"
			return ls
		}), reply},
		{"a time that differs", edit(func(ls []string) []string {
			ls[freeze] = strings.Replace(ls[freeze], "+0.000s", "+0.001s", 1)
			return ls
		}), freeze},
		{"a directive without its transcript", edit(func(ls []string) []string {
			end := dashes + slices.Index(ls[dashes:], "")
			return slices.Delete(ls, dashes, end)
		}), dashes},
	}
	for _, tc := range cases {
		if tc.text == good {
			t.Fatalf("%s: the alteration changed nothing", tc.what)
		}
		got, err := runTranscript(name, tc.text)
		if err != nil {
			t.Fatalf("%s: %v", tc.what, err)
		}
		err = compareTranscript(name, tc.text, got)
		if err == nil {
			t.Errorf("%s: the harness accepted a wrong transcript", tc.what)
			continue
		}
		if want := fmt.Sprintf("%s:%d:", name, tc.line+1); !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%s: the failure should name line %d:\n%v", tc.what, tc.line+1, err)
		}
	}

	// A script that names what does not exist fails at that line, with or
	// without -update.
	bad := strings.Replace(good, "\ncall DoSnapshotSet\n", "\ncall DoSnapshotSet\nanswer writer Nobody Freeze\n", 1)
	_, err = runTranscript(name, bad)
	if err == nil || !strings.Contains(err.Error(), `no writer "Nobody"`) {
		t.Errorf("a script naming an unknown writer must fail, got %v", err)
	}
}

// compareTranscript compares a transcript file with what running it gave,
// and names the first line that differs.
func compareTranscript(name, want, got string) error {
	w, g := splitLines(want), splitLines(got)
	for i := range max(len(w), len(g)) {
		wl, gl := "(end of file)", "(end of file)"
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return fmt.Errorf("%s:%d: the machine's transcript differs\nwant: %s\ngot:  %s\n"+
				"(go test ./coordinator -run Transcript -update rewrites it; review the change)\n\ndiff (-want +got):\n%s",
				name, i+1, wl, gl, cmp.Diff(w, g))
		}
	}
	return nil
}

// splitLines splits a file into lines, ignoring the blank lines at its end.
func splitLines(s string) []string {
	return strings.Split(strings.TrimRight(s, "\n"), "\n")
}

// runTranscript runs the script in text and returns the file as it should
// read: the same script, with each directive followed by what the machine
// answered.
func runTranscript(name, text string) (string, error) {
	r := &runner{start: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), ops: map[uint64]coordinator.Op{},
		answeredOK: map[uint64]bool{}, snapshots: map[string]vss.ID{}, devices: map[vss.ID]int{}}
	r.now = r.start
	lines := splitLines(text)
	var out []string
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			out = append(out, line)
			continue
		}
		r.out = nil
		if err := r.do(directive(line)); err != nil {
			return "", fmt.Errorf("%s:%d: %s: %w", name, i+1, line, err)
		}
		for _, l := range r.out {
			if strings.TrimSpace(l) == "" || l == "----" {
				return "", fmt.Errorf("%s:%d: %s: the transcript would hold the line %q", name, i+1, line, l)
			}
		}
		out = append(out, line, "----")
		out = append(out, r.out...)
		out = append(out, "")
		// Skip the transcript the file holds, and the blank line ending it.
		if i+1 < len(lines) && lines[i+1] == "----" {
			i++
			for i+1 < len(lines) && lines[i+1] != "" {
				i++
			}
		}
		if i+1 < len(lines) && lines[i+1] == "" {
			i++
		}
	}
	return strings.Join(splitLines(strings.Join(out, "\n")), "\n") + "\n", nil
}

// directive returns the words of a directive line, without its comment:
// a word starting with # that is not an op's #TOKEN starts one.
func directive(line string) []string {
	words := strings.Fields(line)
	for i, w := range words {
		if tok, ok := strings.CutPrefix(w, "#"); ok {
			if _, err := strconv.ParseUint(tok, 10, 64); err != nil {
				return words[:i]
			}
		}
	}
	return words
}

// runner is the driver of one script: the machine and what the script
// knows about it.
type runner struct {
	writers   []writer.Info
	providers []provider.Info
	m         *coordinator.Machine
	trace     *coordinator.Trace
	printed   int // trace records printed so far

	start, now time.Time
	ops        map[uint64]coordinator.Op // every op started, by token
	open       []uint64                  // the ops awaited, in the order they started
	answeredOK map[uint64]bool
	rules      []rule

	current   coordinator.Call // the call in progress, or the last one
	setID     vss.ID
	snapshots map[string]vss.ID // volume -> snapshot, from AddToSnapshotSet
	devices   map[vss.ID]int    // snapshot -> the number of its shadow copy device

	out []string
}

func (r *runner) printf(format string, args ...any) {
	r.out = append(r.out, fmt.Sprintf(format, args...))
}

func (r *runner) do(words []string) error {
	verb, args := words[0], words[1:]
	switch verb {
	case "writer", "provider":
		if r.m != nil {
			return errors.New("participants come before every other directive")
		}
		if verb == "writer" {
			return r.addWriter(args)
		}
		return r.addProvider(args)
	}
	if r.m == nil {
		r.trace = coordinator.NewTrace(nil)
		var seed [32]byte
		copy(seed[:], "vss golden transcripts")
		r.m = coordinator.NewMachine(coordinator.MachineConfig{Writers: r.writers, Providers: r.providers,
			IDs: rand.NewChaCha8(seed), Start: r.start, Trace: r.trace})
	}
	switch verb {
	case "call":
		if len(args) == 0 {
			return errors.New("call what?")
		}
		c, err := r.parseCall(args)
		if err != nil {
			return err
		}
		if !r.m.Busy() {
			r.current = c
		}
		r.apply(r.m.Call(r.now, c))
	case "answer":
		sel, oc, err := r.parseRule(args)
		if err != nil {
			return err
		}
		if oc.hang {
			return errors.New("answer cannot hang; use on")
		}
		var toks []uint64
		if sel.token != 0 {
			if _, ok := r.ops[sel.token]; !ok {
				return fmt.Errorf("no op #%d was started", sel.token)
			}
			toks = []uint64{sel.token}
		} else {
			for _, tok := range r.open {
				if sel.match(r.ops[tok]) {
					toks = append(toks, tok)
				}
			}
			if len(toks) == 0 {
				return errors.New("no awaited op matches")
			}
		}
		for _, tok := range toks {
			if sel.token == 0 && !slices.Contains(r.open, tok) {
				continue // an earlier answer ended it
			}
			if err := r.complete(tok, oc); err != nil {
				return err
			}
		}
	case "on":
		sel, oc, err := r.parseRule(args)
		if err != nil {
			return err
		}
		if oc.words == 0 {
			return errors.New("on SELECTOR OUTCOME")
		}
		if sel.token != 0 {
			return errors.New("a rule names ops by participant, not by token")
		}
		r.rules = append(r.rules, rule{sel, oc})
		r.printf("stabilize answers %s -> %s", strings.Join(args[:len(args)-oc.words], " "), oc)
		return nil
	case "stabilize":
		if len(args) != 0 {
			return errors.New("stabilize takes no arguments")
		}
		for n := 0; ; n++ {
			if n == 100000 {
				return errors.New("the machine never settles")
			}
			i := slices.IndexFunc(r.open, func(tok uint64) bool { return !r.ruleFor(r.ops[tok]).hang })
			if i < 0 {
				break
			}
			if err := r.complete(r.open[i], r.ruleFor(r.ops[r.open[i]])); err != nil {
				return err
			}
		}
	case "tick":
		if len(args) != 1 {
			return errors.New("tick DURATION")
		}
		d, err := time.ParseDuration(args[0])
		if err != nil || d < 0 {
			return fmt.Errorf("bad duration %q", args[0])
		}
		r.now = r.now.Add(d)
		r.printf("time is +%.3fs", r.now.Sub(r.start).Seconds())
		r.apply(r.m.Tick(r.now))
	case "cancel":
		r.apply(r.m.Cancel(r.now, context.Canceled))
	case "abandon":
		r.apply(r.m.Abandon(r.now, errors.New("nothing the machine awaits can answer")))
	case "status":
		for i, w := range r.writers {
			st, code := r.m.WriterState(i)
			if code == vss.OK {
				r.printf("writer %q: %v", w.Name, st)
			} else {
				r.printf("writer %q: %v, %s", w.Name, st, code.Name())
			}
		}
	default:
		return fmt.Errorf("unknown directive %q", verb)
	}
	r.printf("%s", r.machineLine())
	return nil
}

func (r *runner) addWriter(args []string) error {
	if len(args) < 2 || len(args) > 3 {
		return errors.New("writer NAME LEVEL [freeze=DURATION]")
	}
	levels := map[string]vss.AppLevel{"front": vss.AppFrontEnd, "back": vss.AppBackEnd, "system": vss.AppSystem}
	level, ok := levels[args[1]]
	if !ok {
		return fmt.Errorf("no level %q: front, back or system", args[1])
	}
	if slices.ContainsFunc(r.writers, func(w writer.Info) bool { return w.Name == args[0] }) {
		return fmt.Errorf("two writers named %q", args[0])
	}
	n := byte(len(r.writers) + 1)
	info := writer.Info{Name: args[0], Level: level,
		InstanceID: vss.ID{0x1e, 0x57, 3: n}, ClassID: vss.ID{0xc1, 0xa5, 3: n}}
	if len(args) == 3 {
		v, ok := strings.CutPrefix(args[2], "freeze=")
		d, err := time.ParseDuration(v)
		if !ok || err != nil || d <= 0 {
			return fmt.Errorf("bad freeze timeout %q", args[2])
		}
		info.FreezeTimeout = d
	}
	r.writers = append(r.writers, info)
	r.printf("writer %d %q: %v, freeze timeout %v", len(r.writers)-1, info.Name, info.EffectiveLevel(), info.EffectiveFreezeTimeout())
	return nil
}

func (r *runner) addProvider(args []string) error {
	if len(args) != 2 {
		return errors.New("provider NAME TYPE")
	}
	types := map[string]vss.ProviderType{"hardware": vss.ProviderHardware, "software": vss.ProviderSoftware,
		"system": vss.ProviderSystem}
	typ, ok := types[args[1]]
	if !ok {
		return fmt.Errorf("no provider type %q: hardware, software or system", args[1])
	}
	if slices.ContainsFunc(r.providers, func(p provider.Info) bool { return p.Name == args[0] }) {
		return fmt.Errorf("two providers named %q", args[0])
	}
	info := provider.Info{ID: vss.ID{0x9f, 0x0e, 3: byte(len(r.providers) + 1)}, Name: args[0], Type: typ}
	r.providers = append(r.providers, info)
	r.printf("provider %d %q: %v", len(r.providers)-1, info.Name, info.Type)
	return nil
}

func (r *runner) writer(name string) (int, error) {
	i := slices.IndexFunc(r.writers, func(w writer.Info) bool { return w.Name == name })
	if i < 0 {
		return 0, fmt.Errorf("no writer %q", name)
	}
	return i, nil
}

func (r *runner) provider(name string) (int, error) {
	i := slices.IndexFunc(r.providers, func(p provider.Info) bool { return p.Name == name })
	if i < 0 {
		return 0, fmt.Errorf("no provider %q", name)
	}
	return i, nil
}

// parseCall reads CALL [ARGS].
func (r *runner) parseCall(args []string) (coordinator.Call, error) {
	kind, err := coordinator.ParseCallKind(args[0])
	if err != nil {
		return coordinator.Call{}, err
	}
	c, args := coordinator.Call{Kind: kind}, args[1:]
	want := func(n int, usage string) error {
		if len(args) != n {
			return fmt.Errorf("%v %s", kind, usage)
		}
		return nil
	}
	component := func(s string) writer.ComponentKey {
		k := writer.ComponentKey{Type: vss.ComponentDatabase, Name: s}
		if i := strings.LastIndex(s, `\`); i >= 0 {
			k.LogicalPath, k.Name = s[:i], s[i+1:]
		}
		return k
	}
	switch kind {
	case coordinator.CallSetContext:
		if err := want(1, "VSS_CTX_..."); err != nil {
			return c, err
		}
		for _, sc := range []vss.SnapshotContext{vss.ContextBackup, vss.ContextFileShareBackup, vss.ContextNASRollback,
			vss.ContextAppRollback, vss.ContextClientAccessible, vss.ContextClientAccessibleWriters, vss.ContextAll} {
			if sc.String() == args[0] {
				c.Context = sc
				return c, nil
			}
		}
		return c, fmt.Errorf("no snapshot context %q", args[0])
	case coordinator.CallSetBackupState:
		for _, a := range args {
			switch {
			case a == "components":
				c.BackupState.SelectComponents = true
			case strings.HasPrefix(a, "VSS_BT_"):
				for bt := vss.BackupFull; bt <= vss.BackupOther; bt++ {
					if bt.String() == a {
						c.BackupState.Type = bt
					}
				}
				if c.BackupState.Type == vss.BackupUndefined {
					return c, fmt.Errorf("no backup type %q", a)
				}
			default:
				return c, fmt.Errorf("SetBackupState [VSS_BT_...] [components], not %q", a)
			}
		}
	case coordinator.CallAddToSnapshotSet:
		if len(args) != 1 && len(args) != 2 {
			return c, want(1, "VOLUME [provider=NAME]")
		}
		c.Volume = args[0]
		if len(args) == 2 {
			name, ok := strings.CutPrefix(args[1], "provider=")
			if !ok {
				return c, want(1, "VOLUME [provider=NAME]")
			}
			p, err := r.provider(name)
			if err != nil {
				return c, err
			}
			c.ProviderID = r.providers[p].ID
		}
	case coordinator.CallAddComponent, coordinator.CallSetBackupSucceeded:
		n, usage := 2, `WRITER [PATH\]NAME`
		if kind == coordinator.CallSetBackupSucceeded {
			n, usage = 3, `WRITER [PATH\]NAME true|false`
		}
		if err := want(n, usage); err != nil {
			return c, err
		}
		w, err := r.writer(args[0])
		if err != nil {
			return c, err
		}
		c.WriterID, c.ClassID, c.Component = r.writers[w].InstanceID, r.writers[w].ClassID, component(args[1])
		if n == 3 {
			if c.Succeeded, err = strconv.ParseBool(args[2]); err != nil {
				return c, fmt.Errorf("%v %s, not %q", kind, usage, args[2])
			}
		}
	case coordinator.CallInitializeForRestore:
		// The document of a component-mode backup of WRITER's [PATH\]NAME
		// components, pairs of arguments.
		if len(args) == 0 || len(args)%2 != 0 {
			return c, fmt.Errorf(`%v WRITER [PATH\]NAME [WRITER [PATH\]NAME...]`, kind)
		}
		d := requestor.NewBackupDocument(requestor.BackupState{SelectComponents: true})
		for i := 0; i < len(args); i += 2 {
			w, err := r.writer(args[i])
			if err != nil {
				return c, err
			}
			if _, err := d.AddComponent(r.writers[w].InstanceID, r.writers[w].ClassID, component(args[i+1])); err != nil {
				return c, err
			}
		}
		x, err := d.XML()
		if err != nil {
			return c, err
		}
		c.BCDXML = x
	case coordinator.CallSetSelectedForRestore, coordinator.CallSetFileRestoreStatus:
		usage := `WRITER [PATH\]NAME true|false`
		if kind == coordinator.CallSetFileRestoreStatus {
			usage = `WRITER [PATH\]NAME VSS_RS_...`
		}
		if err := want(3, usage); err != nil {
			return c, err
		}
		w, err := r.writer(args[0])
		if err != nil {
			return c, err
		}
		c.ClassID, c.Component = r.writers[w].ClassID, component(args[1])
		if kind == coordinator.CallSetSelectedForRestore {
			if c.Selected, err = strconv.ParseBool(args[2]); err != nil {
				return c, fmt.Errorf("%v %s, not %q", kind, usage, args[2])
			}
			break
		}
		for st := vss.FileRestoreNone; st <= vss.FileRestoreFailed; st++ {
			if st.String() == args[2] {
				c.FileStatus = st
			}
		}
		if c.FileStatus == vss.FileRestoreUndefined {
			return c, fmt.Errorf("%v %s, not %q", kind, usage, args[2])
		}
	case coordinator.CallGetSnapshotProperties, coordinator.CallSnapshotFS:
		if err := want(1, "VOLUME"); err != nil {
			return c, err
		}
		id, ok := r.snapshots[args[0]]
		if !ok {
			return c, fmt.Errorf("no snapshot of %s was added", args[0])
		}
		c.ID = id
	case coordinator.CallDeleteSnapshots:
		if err := want(1, "set|VOLUME"); err != nil {
			return c, err
		}
		if args[0] == "set" {
			c.ID, c.Object = r.setID, provider.ObjectSnapshotSet
		} else {
			id, ok := r.snapshots[args[0]]
			if !ok {
				return c, fmt.Errorf("no snapshot of %s was added", args[0])
			}
			c.ID, c.Object = id, provider.ObjectSnapshot
		}
	default:
		if err := want(0, "takes no arguments"); err != nil {
			return c, err
		}
	}
	return c, nil
}

// selector names ops.
type selector struct {
	token  uint64 // one op; zero if the others say
	kinds  []coordinator.OpKind
	index  int // writer or provider index; -1 for any
	event  writer.EventKind
	method provider.Method
}

func (s selector) match(o coordinator.Op) bool {
	if s.token != 0 {
		return o.Token == s.token
	}
	if len(s.kinds) > 0 && !slices.Contains(s.kinds, o.Kind) {
		return false
	}
	switch o.Kind {
	case coordinator.OpWriterEvent:
		return (s.index < 0 || s.index == o.Writer) && (s.event == 0 || s.event == o.Event.Kind)
	case coordinator.OpProvider:
		return (s.index < 0 || s.index == o.Provider) && (s.method == 0 || s.method == o.Method)
	}
	return true
}

// outcome is how an op completes.
type outcome struct {
	err         vss.HRESULT // error CODE
	unsupported bool
	hang        bool
	words       int // how many words of the directive it took
}

func (oc outcome) String() string {
	switch {
	case oc.hang:
		return "hang"
	case oc.unsupported:
		return "unsupported"
	case oc.err != vss.OK:
		return "error " + oc.err.Name()
	}
	return "ok"
}

type rule struct {
	sel selector
	oc  outcome
}

// ruleFor returns how stabilize answers o: the latest rule that matches,
// or ok.
func (r *runner) ruleFor(o coordinator.Op) outcome {
	for i := len(r.rules) - 1; i >= 0; i-- {
		if r.rules[i].sel.match(o) {
			return r.rules[i].oc
		}
	}
	return outcome{}
}

// parseRule reads SELECTOR [OUTCOME].
func (r *runner) parseRule(args []string) (selector, outcome, error) {
	var oc outcome
	end := slices.IndexFunc(args, func(a string) bool {
		return a == "ok" || a == "error" || a == "unsupported" || a == "hang"
	})
	if end >= 0 {
		switch args[end] {
		case "error":
			if len(args) != end+2 {
				return selector{}, oc, errors.New("error HRESULT")
			}
			code, err := vss.ParseHRESULT(args[end+1])
			if err != nil {
				return selector{}, oc, err
			}
			if !code.Failed() {
				return selector{}, oc, fmt.Errorf("%s is not a failure", args[end+1])
			}
			oc.err = code
		case "unsupported":
			oc.unsupported = true
		case "hang":
			oc.hang = true
		}
		if args[end] != "error" && len(args) != end+1 {
			return selector{}, oc, fmt.Errorf("words after the outcome: %q", args[end+1:])
		}
		oc.words = len(args) - end
		args = args[:end]
	}
	sel := selector{index: -1}
	if len(args) == 0 {
		return sel, oc, errors.New("which ops? #TOKEN, all, writer NAME [EVENT], provider NAME [METHOD] or writes")
	}
	switch args[0] {
	case "all":
		if len(args) != 1 {
			return sel, oc, errors.New("all takes nothing more")
		}
	case "writes":
		if len(args) != 1 {
			return sel, oc, errors.New("writes takes nothing more")
		}
		sel.kinds = []coordinator.OpKind{coordinator.OpHoldWrites, coordinator.OpReleaseWrites}
	case "writer", "provider":
		if len(args) < 2 || len(args) > 3 {
			return sel, oc, fmt.Errorf("%s NAME|* [WHAT]", args[0])
		}
		var err error
		if args[0] == "writer" {
			sel.kinds = []coordinator.OpKind{coordinator.OpWriterEvent}
			if args[1] != "*" {
				sel.index, err = r.writer(args[1])
			}
		} else {
			sel.kinds = []coordinator.OpKind{coordinator.OpProvider}
			if args[1] != "*" {
				sel.index, err = r.provider(args[1])
			}
		}
		if err != nil {
			return sel, oc, err
		}
		if len(args) == 3 && args[0] == "writer" {
			i := slices.IndexFunc(writer.Events(), func(k writer.EventKind) bool { return k.String() == args[2] })
			if i < 0 {
				return sel, oc, fmt.Errorf("no writer event %q", args[2])
			}
			sel.event = writer.Events()[i]
		}
		if len(args) == 3 && args[0] == "provider" {
			if sel.method, err = provider.ParseMethod(args[2]); err != nil {
				return sel, oc, err
			}
		}
	default:
		tok, ok := strings.CutPrefix(args[0], "#")
		n, err := strconv.ParseUint(tok, 10, 64)
		if !ok || err != nil || n == 0 || len(args) != 1 {
			return sel, oc, fmt.Errorf("no ops %q: #TOKEN, all, writer NAME [EVENT], provider NAME [METHOD] or writes", strings.Join(args, " "))
		}
		sel.token = n
	}
	return sel, oc, nil
}

// complete feeds the machine the outcome of op tok.
func (r *runner) complete(tok uint64, oc outcome) error {
	o := r.ops[tok]
	c := coordinator.Completion{Token: tok}
	switch {
	case oc.unsupported:
		if o.Kind != coordinator.OpProvider || o.Method != provider.MethodIsVolumeSupported {
			return fmt.Errorf("#%d is not IsVolumeSupported: it cannot answer unsupported", tok)
		}
	case oc.err != vss.OK:
		c.Err = oc.err
	default:
		r.succeed(o, &c)
	}
	awaited := slices.Contains(r.open, tok)
	r.open = slices.DeleteFunc(r.open, func(t uint64) bool { return t == tok })
	if awaited {
		r.printf("complete #%d %s -> %s", tok, r.describe(o), oc)
	} else {
		r.printf("complete #%d %s -> %s (no longer awaited)", tok, r.describe(o), oc)
	}
	if c.Err == nil && awaited {
		r.answeredOK[tok] = true
	}
	r.apply(r.m.Complete(r.now, c))
	return nil
}

// succeed fills in what a participant that succeeds returns.
func (r *runner) succeed(o coordinator.Op, c *coordinator.Completion) {
	switch o.Kind {
	case coordinator.OpWriterEvent:
		if o.Event.Kind == writer.EventIdentify {
			c.Metadata = writer.NewMetadata(r.writers[o.Writer])
		} else {
			c.Event = o.Event
		}
	case coordinator.OpProvider:
		switch o.Method {
		case provider.MethodIsVolumeSupported:
			c.Supported = true
		case provider.MethodGetSnapshotProperties:
			c.Snapshot = &provider.Snapshot{ID: o.SnapshotID, SetID: r.setID, ProviderID: r.providers[o.Provider].ID,
				DeviceObject: fmt.Sprintf(`\\?\GLOBALROOT\Device\HarddiskVolumeShadowCopy%d`, r.devices[o.SnapshotID])}
		case provider.MethodSnapshotFS:
			c.FS = fstest.MapFS{}
		case provider.MethodDeleteSnapshots:
			c.Count = 1
			if o.Object == provider.ObjectSnapshotSet {
				c.Count = 0
				for tok, p := range r.ops {
					if r.answeredOK[tok] && p.Kind == coordinator.OpProvider && p.Method == provider.MethodBeginPrepareSnapshot &&
						p.Provider == o.Provider && p.SetID == o.SnapshotID {
						c.Count++
					}
				}
			}
		}
	}
}

// apply prints what the machine did after an input and keeps track of the
// ops it started and cancelled.
func (r *runner) apply(out coordinator.Output) {
	recs := r.trace.Records()
	for _, rec := range recs[r.printed:] {
		r.printf("%s", rec)
	}
	r.printed = len(recs)
	for _, o := range out.Start {
		r.ops[o.Token] = o
		r.open = append(r.open, o.Token)
		if o.Kind == coordinator.OpProvider && o.Method == provider.MethodBeginPrepareSnapshot {
			r.devices[o.SnapshotID] = len(r.devices) + 1
		}
		r.printf("start #%d %s", o.Token, r.describe(o))
	}
	for _, tok := range out.Cancel {
		r.open = slices.DeleteFunc(r.open, func(t uint64) bool { return t == tok })
		r.printf("cancel #%d %s", tok, r.describe(r.ops[tok]))
	}
	if out.Reply != nil {
		r.reply(*out.Reply)
	}
}

// describe names an op.
func (r *runner) describe(o coordinator.Op) string {
	switch o.Kind {
	case coordinator.OpWriterEvent:
		return fmt.Sprintf("writer %q: %v", r.writers[o.Writer].Name, o.Event.Kind)
	case coordinator.OpProvider:
		s := fmt.Sprintf("provider %q: %v", r.providers[o.Provider].Name, o.Method)
		if o.Volume != "" {
			s += " " + o.Volume
		}
		switch o.Method {
		case provider.MethodBeginPrepareSnapshot, provider.MethodGetSnapshotProperties, provider.MethodSnapshotFS:
			s += " snapshot " + o.SnapshotID.String()
		case provider.MethodDeleteSnapshots:
			s += fmt.Sprintf(" %v %v", o.Object, o.SnapshotID)
		case provider.MethodPostCommitSnapshots:
			s += fmt.Sprintf(" (%d snapshots)", o.Count)
		}
		return s
	case coordinator.OpHoldWrites:
		return "vss: hold writes on " + strings.Join(o.Volumes, " ")
	case coordinator.OpReleaseWrites:
		return "vss: release writes on " + strings.Join(o.Volumes, " ")
	}
	return o.Kind.String()
}

// reply prints a call's reply, and keeps the IDs later calls name.
func (r *runner) reply(rp coordinator.Reply) {
	if rp.Err != nil {
		r.printf("reply %v: %s", rp.Kind, vss.CodeOf(rp.Err).Name())
		return
	}
	switch rp.Kind {
	case coordinator.CallStartSnapshotSet:
		r.setID = rp.ID
		r.printf("reply %v: ok, snapshot set %v", rp.Kind, rp.ID)
	case coordinator.CallAddToSnapshotSet:
		r.snapshots[r.current.Volume] = rp.ID
		r.printf("reply %v: ok, snapshot %v", rp.Kind, rp.ID)
	case coordinator.CallWriterMetadata:
		var names []string
		for _, md := range rp.Metadata {
			names = append(names, strconv.Quote(md.Name))
		}
		r.printf("reply %v: ok, %d documents: %s", rp.Kind, len(rp.Metadata), strings.Join(names, ", "))
	case coordinator.CallWriterStatus:
		r.printf("reply %v: ok, %d writers", rp.Kind, len(rp.Status))
		for _, s := range rp.Status {
			r.printf("  %s", writerStatus(s))
		}
	case coordinator.CallGetSnapshotProperties:
		r.printf("reply %v: ok, snapshot %v on %s", rp.Kind, rp.Snapshot.ID, rp.Snapshot.DeviceObject)
	case coordinator.CallSnapshotFS:
		r.printf("reply %v: ok, a file system: %t", rp.Kind, rp.FS != nil)
	case coordinator.CallDeleteSnapshots:
		r.printf("reply %v: ok, deleted %d", rp.Kind, rp.Count)
	case coordinator.CallSaveAsXML:
		r.printf("reply %v: ok, %d bytes of XML", rp.Kind, len(rp.XML))
	default:
		r.printf("reply %v: ok", rp.Kind)
	}
}

func writerStatus(s requestor.WriterStatus) string {
	if !s.Failed() && s.Failure == vss.OK {
		return fmt.Sprintf("writer %q: %v", s.Name, s.State)
	}
	return fmt.Sprintf("writer %q: %v, %s at %v", s.Name, s.State, s.Failure.Name(), s.FailedAt)
}

// machineLine sums up the machine after an input.
func (r *runner) machineLine() string {
	var b strings.Builder
	fmt.Fprintf(&b, "machine: phase %v", r.m.Phase())
	switch n := r.m.Pending(); {
	case r.m.Busy():
		fmt.Fprintf(&b, "; %v awaits %s", r.current.Kind, plural(n, "op"))
	case n > 0:
		fmt.Fprintf(&b, "; awaits %s", plural(n, "op"))
	default:
		b.WriteString("; idle")
	}
	if d, ok := r.m.NextDeadline(); ok {
		fmt.Fprintf(&b, "; next deadline +%.3fs", d.Sub(r.start).Seconds())
	}
	if f := r.m.Frozen(); len(f) > 0 {
		b.WriteString("; frozen")
		for _, i := range f {
			fmt.Fprintf(&b, " %q", r.writers[i].Name)
		}
	}
	return b.String()
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
