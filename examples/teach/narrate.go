package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/coordinator"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/writer"
)

// narrator prints a run as it happens: for every trace record its line,
// its step (with the step's sentence when the step changes), what it means
// in plain words, the state of every writer, and what the data on each
// volume and in its shadow copy look like at that moment.
type narrator struct {
	out  io.Writer
	w    *world
	wait func() // between events with -step; nil otherwise

	trace  []coordinator.Record
	step   int
	states map[string]vss.WriterState // by writer name
	order  []string                   // writer names, in the session's order
	set    vss.ID                     // the snapshot set being made
	codes  []vss.HRESULT              // the failures seen, in order, once each
	shown  string                     // the state last shown
	// restore narrates a restore session (restore.go): its records carry
	// no backup step, and the volumes show the data on disk.
	restore bool
}

func newNarrator(out io.Writer, w *world, wait func()) *narrator {
	n := &narrator{out: out, w: w, wait: wait, states: map[string]vss.WriterState{}}
	for _, wr := range w.writers {
		name := wr.Info().Name
		n.order = append(n.order, name)
		n.states[name] = vss.WriterStable
	}
	return n
}

func (n *narrator) printf(format string, args ...any) { fmt.Fprintf(n.out, format, args...) }

// say prints a line of the requestor's own, a decision or what it read, in
// the form of the trace's lines.
func (n *narrator) say(format string, args ...any) {
	if n.restore {
		n.printf("[restore] +%.3fs requestor says: %s\n", n.w.loop.Elapsed().Seconds(), fmt.Sprintf(format, args...))
		return
	}
	n.printf("[step %d] +%.3fs requestor says: %s\n", max(n.step, 1), n.w.loop.Elapsed().Seconds(), fmt.Sprintf(format, args...))
}

// other prints what another requestor on the computer does: its calls are
// not in this session's trace.
func (n *narrator) other(format string, args ...any) {
	n.printf("[other requestor] +%.3fs\n%s\n", n.w.loop.Elapsed().Seconds(), wrap(fmt.Sprintf(format, args...), 76, "    "))
}

// note prints an explanation that belongs to no record.
func (n *narrator) note(format string, args ...any) {
	n.printf("    %s\n", fmt.Sprintf(format, args...))
}

// record narrates one trace record; the session calls it as the record
// happens.
func (n *narrator) record(r coordinator.Record) {
	n.trace = append(n.trace, r)
	n.track(r)
	if n.restore {
		n.restoreHeader(r)
	}
	if r.Step != n.step {
		n.step = r.Step
		if s, ok := coordinator.StepOf(r.Step); ok {
			n.printf("\n== Step %d: %s ==\n", s.Number, s.Title)
			n.printf("%s\n\n", wrap(s.Text, 76, ""))
		}
	}
	n.printf("%s\n", r)
	n.printf("%s\n", wrap(n.meaning(r), 76, "    "))
	var st strings.Builder
	fmt.Fprintf(&st, "    writers:  %s\n", n.writerStates())
	for _, v := range n.w.volumes {
		fmt.Fprintf(&st, "    %-9s %s\n", v.Name()+":", n.volumeState(v.Name()))
	}
	// The state of the writers and the data: at every event when stepping,
	// otherwise only when it changed since the last event that showed it.
	if st.String() != n.shown || n.wait != nil {
		n.printf("%s", st.String())
		n.shown = st.String()
	}
	if n.wait != nil {
		n.wait()
	}
}

// track keeps what the narration shows up to date with a record: writer
// states, the set being made, what became of its shadow copies, and the
// failures to explain at the end.
func (n *narrator) track(r coordinator.Record) {
	if r.Actor.Kind == coordinator.ActorWriter && r.State != vss.WriterStateUnknown {
		n.states[r.Actor.Name] = r.State
	}
	if code := r.Code; code.Failed() {
		seen := false
		for _, c := range n.codes {
			seen = seen || c == code
		}
		if !seen {
			n.codes = append(n.codes, code)
		}
	}
	switch {
	case r.Decision == coordinator.DecisionSetStarted:
		n.set = r.SetID
	case r.Kind == coordinator.RecProviderResult && r.Method == provider.MethodCommitSnapshots && r.OK():
		for _, id := range n.w.sets[n.set] {
			if n.w.providerOf[id] == r.Actor.Name {
				sc := n.w.shadows[id]
				sc.state, sc.at = shadowTaken, r.At
			}
		}
	case r.Decision == coordinator.DecisionAbortSet:
		for _, id := range n.w.sets[n.set] {
			n.w.shadows[id].state = shadowDropped
		}
	case r.Kind == coordinator.RecProviderResult && r.Method == provider.MethodDeleteSnapshots && r.OK() && r.Count > 0:
		for _, id := range n.w.sets[n.set] {
			if sc := n.w.shadows[id]; sc.state == shadowTaken && n.w.providerOf[id] == r.Actor.Name {
				sc.state = shadowDeleted
			}
		}
	}
}

// writerStates prints every writer's state, without the VSS_WS_ prefix.
func (n *narrator) writerStates() string {
	var parts []string
	for _, name := range n.order {
		parts = append(parts, name+" "+strings.TrimPrefix(n.states[name].String(), "VSS_WS_"))
	}
	return strings.Join(parts, " · ")
}

// volumeState describes the data of the applications on a volume, live and
// in the shadow copy of the set being made.
func (n *narrator) volumeState(volume string) string {
	if n.restore {
		return n.diskState(volume)
	}
	var b strings.Builder
	v, _ := n.w.vols.Get(volume)
	for i, a := range n.w.appsOn(volume) {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s: %s", a.name, a.live())
	}
	if v != nil && v.Held() {
		b.WriteString("; VSS holds its writes")
		if p := v.Pending(); p > 0 {
			fmt.Fprintf(&b, " (%d waiting)", p)
		}
	}
	b.WriteString("\n              shadow copy: ")
	b.WriteString(n.shadowState(volume))
	return b.String()
}

func (n *narrator) shadowState(volume string) string {
	sc := n.w.shadowOf(n.set, volume)
	if sc == nil {
		return "none yet"
	}
	switch sc.state {
	case shadowPreparing:
		return "being prepared"
	case shadowDropped:
		return "none: the set failed, VSS had it dropped"
	case shadowDeleted:
		return fmt.Sprintf("deleted (it was taken at +%.3fs)", sc.at.Seconds())
	}
	var parts []string
	for _, a := range n.w.appsOn(volume) {
		parts = append(parts, fmt.Sprintf("%s: %s", a.name, n.snapshotApp(sc, a)))
	}
	return fmt.Sprintf("taken at +%.3fs; %s", sc.at.Seconds(), strings.Join(parts, "; "))
}

// snapshotApp describes an application's data in a shadow copy, with the
// application's own verdict.
func (n *narrator) snapshotApp(sc *shadowCopy, a *app) string {
	s := recordsOf(a, sc.content[a]).describe(a, "TORN")
	if err := sc.verdict[a]; err != nil {
		return s + ": NOT consistent"
	}
	return s + ": consistent"
}

// meaning says what a record means, in plain words.
func (n *narrator) meaning(r coordinator.Record) string {
	who := r.Actor.Name
	switch r.Kind {
	case coordinator.RecCall:
		return callMeaning[r.Call]
	case coordinator.RecReturn:
		if r.Err != nil {
			return fmt.Sprintf("VSS answers %s with %s: %s. (go run ./examples/teach -explain %s)", r.Call, r.Code.Name(), explainText(r.Code), r.Code.Name())
		}
		return fmt.Sprintf("VSS answers %s: done.", r.Call)
	case coordinator.RecWriterEvent:
		m := eventMeaning[r.Event]
		if r.Event == writer.EventFreeze {
			m += fmt.Sprintf(" It may stay frozen %s: its freeze window.", dur(r.Timeout))
		}
		return fmt.Sprintf("VSS sends %s to %s: %s", r.Event, who, m)
	case coordinator.RecWriterResult:
		if r.Err != nil {
			if r.Timeout > 0 {
				return fmt.Sprintf("%s did not answer %s within %s.", who, r.Event, dur(r.Timeout))
			}
			m := fmt.Sprintf("%s fails %s with %s.", who, r.Event, vss.WriterFailure(r.Err).Name())
			switch r.Event {
			case writer.EventFreeze, writer.EventThaw:
				m += " VSS sends it Abort at once: its application must work normally again."
			case writer.EventIdentify, writer.EventPrepareBackup, writer.EventPrepareSnapshot:
				m += " A veto: it gets no PrepareSnapshot, Freeze or Thaw in this backup, so its data is never frozen."
			}
			return m
		}
		return fmt.Sprintf("%s has done %s; VSS now holds it as %s.", who, r.Event, r.State)
	case coordinator.RecProviderCall:
		return fmt.Sprintf("VSS calls %s on the provider: %s", r.Method, methodMeaning(r))
	case coordinator.RecProviderResult:
		switch {
		case r.Err != nil:
			return fmt.Sprintf("The provider fails %s: %v.", r.Method, r.Err)
		case r.Method == provider.MethodIsVolumeSupported && r.Supported:
			return fmt.Sprintf("The provider can shadow copy %s.", r.Volume)
		case r.Method == provider.MethodIsVolumeSupported:
			return fmt.Sprintf("The provider cannot shadow copy %s.", r.Volume)
		case r.Method == provider.MethodCommitSnapshots:
			return "The provider has taken its shadow copies: each holds its volume as it was when the writes were held."
		case r.Method == provider.MethodDeleteSnapshots:
			return fmt.Sprintf("The provider deleted %d shadow copies.", r.Count)
		}
		return fmt.Sprintf("The provider has done %s.", r.Method)
	case coordinator.RecWrites:
		return writesMeaning(r)
	}
	return decisionMeaning(r)
}

var callMeaning = map[coordinator.CallKind]string{
	coordinator.CallInitializeForBackup:   "The requestor (the backup tool) opens a backup session with VSS.",
	coordinator.CallSetContext:            "The requestor sets the kind of shadow copy it wants (its context).",
	coordinator.CallSetBackupState:        "The requestor says what kind of backup this is: a full backup, with or without choosing components.",
	coordinator.CallGatherWriterMetadata:  "The requestor asks VSS to collect the writers' metadata: VSS sends Identify to every writer.",
	coordinator.CallWriterMetadata:        "The requestor reads the writer metadata documents.",
	coordinator.CallStartSnapshotSet:      "The requestor starts a shadow copy set. Only one set can be in creation on a machine at a time.",
	coordinator.CallAddToSnapshotSet:      "The requestor adds a volume to the set; VSS looks for the provider that will shadow copy it.",
	coordinator.CallAddComponent:          "The requestor selects a component of a writer for the backup.",
	coordinator.CallPrepareForBackup:      "The requestor tells the writers to prepare for the backup: VSS sends PrepareBackup.",
	coordinator.CallDoSnapshotSet:         "The requestor asks VSS to create the shadow copies. Until the call returns, VSS runs steps 6 to 9 on its own.",
	coordinator.CallGatherWriterStatus:    "The requestor asks VSS for every writer's status.",
	coordinator.CallWriterStatus:          "The requestor reads the writers' status: their states and failures.",
	coordinator.CallGetSnapshotProperties: "The requestor asks for a shadow copy's properties: its device, its volume, when it was made.",
	coordinator.CallSnapshotFS:            "The requestor opens a shadow copy to read the files in it.",
	coordinator.CallSetBackupSucceeded:    "The requestor records that it backed up a component.",
	coordinator.CallBackupComplete:        "The requestor tells VSS the data is stored: VSS sends BackupComplete to the writers.",
	coordinator.CallAbortBackup:           "The requestor gives the backup up: VSS sends Abort to every writer still taking part.",
	coordinator.CallDeleteSnapshots:       "The requestor deletes the shadow copies it no longer needs.",
	coordinator.CallSaveAsXML:             "The requestor saves the backup components document, to store with the data.",
	coordinator.CallClose:                 "The requestor ends the session: VSS sends BackupShutdown to the writers and deletes the shadow copies nobody keeps.",

	coordinator.CallInitializeForRestore:          "The requestor opens a restore session with VSS, from the backup components document it stored with the backup.",
	coordinator.CallSetRestoreState:               "The requestor says what kind of restore this is (by copy, an import, other).",
	coordinator.CallSetSelectedForRestore:         "The requestor selects a component of the backup for restore.",
	coordinator.CallAddRestoreSubcomponent:        "The requestor selects a subcomponent for restore on its own.",
	coordinator.CallSetRestoreOptions:             "The requestor hands a writer its private restore options.",
	coordinator.CallSetAdditionalRestores:         "The requestor says whether more restores of a component follow.",
	coordinator.CallAddNewTarget:                  "The requestor says it restores files of a component somewhere new.",
	coordinator.CallPreRestore:                    "The requestor tells the writers their files are about to be restored: VSS sends PreRestore.",
	coordinator.CallWriterComponents:              "The requestor reads the writers' components: where each writer wants its files restored (its restore target).",
	coordinator.CallSetFileRestoreStatus:          "The requestor reports how much of a component it restored.",
	coordinator.CallAddAlternativeLocationMapping: "The requestor reports that it restored files to a writer's alternate location.",
	coordinator.CallPostRestore:                   "The requestor tells the writers the files are back: VSS sends PostRestore.",
}

var eventMeaning = map[writer.EventKind]string{
	writer.EventIdentify:        "it describes its data in its writer metadata document.",
	writer.EventPrepareBackup:   "it learns what the backup includes and gets ready.",
	writer.EventPrepareSnapshot: "the shadow copy is near; it gets ready to freeze.",
	writer.EventFreeze:          "its application must finish what it is writing and hold back new writes, so that its files on the volume are consistent.",
	writer.EventThaw:            "the shadow copy exists; its application may write again.",
	writer.EventPostSnapshot:    "the shadow copy set exists; the writer may note what it needs for a restore.",
	writer.EventAbort:           "the backup of this set is given up; its application must work normally again at once.",
	writer.EventBackupComplete:  "the requestor has stored the data.",
	writer.EventBackupShutdown:  "the backup session is over.",
	writer.EventPreRestore:      "a restore is about to write its files.",
	writer.EventPostRestore:     "a restore wrote its files.",
}

func methodMeaning(r coordinator.Record) string {
	switch r.Method {
	case provider.MethodIsVolumeSupported:
		return "can it shadow copy " + r.Volume + "?"
	case provider.MethodBeginPrepareSnapshot:
		return "prepare a shadow copy of " + r.Volume + "."
	case provider.MethodEndPrepareSnapshots:
		return "finish preparing the set."
	case provider.MethodPreCommitSnapshots:
		return "get ready to commit, quickly: writes will be held while it commits."
	case provider.MethodCommitSnapshots:
		return "take the shadow copies now, while every write to the set's volumes is held."
	case provider.MethodPostCommitSnapshots:
		return "the commit is over and writes flow again."
	case provider.MethodPreFinalCommitSnapshots, provider.MethodPostFinalCommitSnapshots:
		return "finish the set, after the writers thawed."
	case provider.MethodAbortSnapshots:
		return "the set failed: drop every shadow copy of it."
	case provider.MethodGetSnapshotProperties:
		return "describe a shadow copy (its device)."
	case provider.MethodSnapshotFS:
		return "open a shadow copy for reading."
	case provider.MethodDeleteSnapshots:
		return "delete shadow copies."
	}
	return r.Method.String() + "."
}

func writesMeaning(r coordinator.Record) string {
	switch {
	case r.Decision == coordinator.DecisionHoldWrites && !r.Result:
		return fmt.Sprintf("VSS flushes the file systems and holds every write to the set's volumes, for at most %s: a write issued now waits, it is not lost.", dur(r.Timeout))
	case r.Decision == coordinator.DecisionHoldWrites && r.Err == nil:
		return "Writes are held: the volumes stand still for the commit."
	case r.Decision == coordinator.DecisionReleaseWrites && !r.Result:
		return "VSS releases the held writes: they reach the volumes, not the shadow copies."
	case r.Decision == coordinator.DecisionReleaseWrites && r.Err == nil:
		return "Writes flow again."
	}
	return fmt.Sprintf("%s failed: %v.", r.What(), r.Err)
}

func decisionMeaning(r coordinator.Record) string {
	switch r.Decision {
	case coordinator.DecisionSetStarted:
		return "VSS creates the shadow copy set " + r.SetID.String() + "."
	case coordinator.DecisionProviderChosen:
		return fmt.Sprintf("VSS chooses %q for %s: a hardware provider if one supports the volume, then a software one, then the system provider.", r.Detail, r.Volume)
	case coordinator.DecisionComponentSelected:
		return fmt.Sprintf("The backup includes component %s of %s: the writers will see it selected.", r.Detail, r.Actor.Name)
	case coordinator.DecisionSetCreated:
		return "The shadow copy set exists: every shadow copy of it was committed at one instant."
	case coordinator.DecisionAbortBackup:
		return "VSS aborts the backup at the requestor's request."
	case coordinator.DecisionAbortSet:
		return fmt.Sprintf("VSS gives the set up (%s): the providers drop it, the writers get Abort, and no shadow copy of it remains, not even those already committed.", r.Code.Name())
	case coordinator.DecisionTimedOut:
		return fmt.Sprintf("%s did not finish in time.", r.What())
	case coordinator.DecisionWriterFailed:
		return fmt.Sprintf("VSS records the failure of %s: %s, %s. The requestor will see it in the writer status; the call itself does not fail.", r.Actor.Name, r.State, r.Code.Name())
	case coordinator.DecisionFreezeTimeout:
		return fmt.Sprintf("%s has been frozen longer than its %s window: VSS fails it and sends it Abort at once, even though the backup goes on.", r.Actor.Name, dur(r.Timeout))
	case coordinator.DecisionAutoRelease:
		return "Nobody keeps the shadow copies of this backup: VSS deletes them as the session ends."
	case coordinator.DecisionCancel, coordinator.DecisionAbandon:
		return fmt.Sprintf("VSS stops waiting: %v.", r.Err)
	case coordinator.DecisionWriterExcluded:
		return fmt.Sprintf("VSS leaves %s out of the backup (%s): it gets no more events and is not frozen for the shadow copy.", r.Actor.Name, r.Detail)
	case coordinator.DecisionComponentExcluded:
		return fmt.Sprintf("VSS leaves a component of %s out of the backup: %s.", r.Actor.Name, r.Detail)
	case coordinator.DecisionSetAbandoned:
		return "VSS gives the set up before creating it: its providers are told nothing and learn of it when the next set begins."
	}
	return r.Line()
}

// explainText is what an HRESULT means, from the library's table.
func explainText(h vss.HRESULT) string {
	if e, ok := vss.Explain(h); ok {
		return e.Text
	}
	return "a code this library does not know"
}

// wrap breaks text into lines of at most width characters, each starting
// with indent.
func wrap(text string, width int, indent string) string {
	var b strings.Builder
	line := indent
	for _, word := range strings.Fields(text) {
		if len(line) > len(indent) && len(line)+1+len(word) > width+len(indent) {
			b.WriteString(line)
			b.WriteByte('\n')
			line = indent
		}
		if len(line) > len(indent) {
			line += " "
		}
		line += word
	}
	b.WriteString(line)
	return b.String()
}

// dur prints a window: 60s, 10s, 2m0s.
func dur(d time.Duration) string {
	if d%time.Second == 0 && d < 2*time.Minute {
		return fmt.Sprintf("%ds", int(d/time.Second))
	}
	return d.String()
}
