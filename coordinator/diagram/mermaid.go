package diagram

import (
	"fmt"
	"strings"

	"github.com/vsskit/vss/coordinator"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/writer"
)

// The colours of Mermaid's rectangles: writers frozen, writes held, a
// failure.
const (
	mermaidFrozen  = "rgba(66, 133, 244, 0.14)"
	mermaidHeld    = "rgba(255, 152, 0, 0.22)"
	mermaidFailure = "rgba(229, 57, 53, 0.28)"
)

// Mermaid returns a Mermaid sequence diagram of the trace: the requestor,
// VSS, every writer, every provider and every volume as participants, each
// requestor call, writer event and provider call as an arrow and each
// answer as a dashed one back, and VSS's decisions as notes. A note opens
// each step of the backup. Rectangles show when writers were frozen (from
// the first Freeze sent until no writer is frozen) and when writes were
// held, with their windows; failures are red rectangles and crossed
// arrows. The text starts with "sequenceDiagram" and renders with Mermaid 10
// or later.
func Mermaid(trace []coordinator.Record, opts ...Option) string {
	o := buildOptions(opts)
	m := newModel(trace)
	d := &mermaidWriter{m: m}
	d.line("sequenceDiagram")
	if o.title != "" {
		d.line("    title " + mermaidText(o.title))
	}
	d.participants()
	d.records()
	return d.b.String()
}

type mermaidWriter struct {
	m *model
	b strings.Builder
	// rects is the stack of open rectangles, innermost last.
	rects []string
}

func (d *mermaidWriter) line(s string) {
	d.b.WriteString(strings.Repeat("    ", len(d.rects)))
	d.b.WriteString(s)
	d.b.WriteByte('\n')
}

// id is a participant's Mermaid identifier: generated, so that no name can
// break the syntax.
func (d *mermaidWriter) id(lane int) string {
	switch d.m.lanes[lane].kind {
	case laneRequestor:
		return "R"
	case laneVSS:
		return "VSS"
	}
	return fmt.Sprintf("P%d", lane)
}

func (d *mermaidWriter) participants() {
	groups := []struct {
		kind  laneKind
		title string
		color string
	}{
		{laneWriter, "Writers", "rgba(66, 133, 244, 0.06)"},
		{laneProvider, "Providers", "rgba(120, 120, 120, 0.06)"},
		{laneVolume, "Volumes", "rgba(255, 152, 0, 0.06)"},
	}
	d.line("    participant R as Requestor")
	d.line("    participant VSS as VSS")
	for _, g := range groups {
		var ls []int
		for i, l := range d.m.lanes {
			if l.kind == g.kind {
				ls = append(ls, i)
			}
		}
		if len(ls) == 0 {
			continue
		}
		d.line("    box " + g.color + " " + g.title)
		for _, i := range ls {
			l := d.m.lanes[i]
			name := l.name
			if l.kind == laneVolume {
				name = "volume " + name
			}
			d.line("        participant " + d.id(i) + " as " + mermaidText(name))
		}
		d.line("    end")
	}
}

// open starts a rectangle of the given colour.
func (d *mermaidWriter) open(color string) {
	d.line("rect " + color)
	d.rects = append(d.rects, color)
}

// close ends the innermost rectangle of the colour, closing and reopening
// any opened inside it, so that rectangles that overlap without nesting
// (a writer aborted while writes are held) still nest in the text.
func (d *mermaidWriter) close(color string) {
	at := -1
	for i := len(d.rects) - 1; i >= 0; i-- {
		if d.rects[i] == color {
			at = i
			break
		}
	}
	if at < 0 {
		return
	}
	inner := append([]string(nil), d.rects[at+1:]...)
	for range len(d.rects) - at {
		d.rects = d.rects[:len(d.rects)-1]
		d.line("end")
	}
	for _, c := range inner {
		d.open(c)
	}
}

func (d *mermaidWriter) arrow(from, to int, dashed, failed bool, text string) {
	a := "->>"
	switch {
	case dashed && failed:
		a = "--x"
	case dashed:
		a = "-->>"
	case failed:
		a = "-x"
	}
	d.line(d.id(from) + a + d.id(to) + ": " + mermaidText(text))
}

func (d *mermaidWriter) note(lanes []int, text string) {
	over := d.id(lanes[0])
	if len(lanes) > 1 && lanes[len(lanes)-1] != lanes[0] {
		over += "," + d.id(lanes[len(lanes)-1])
	}
	d.line("Note over " + over + ": " + mermaidText(text))
}

// writerLanes returns the first and last writer lanes, or VSS's.
func (d *mermaidWriter) writerLanes() []int {
	var ls []int
	for i, l := range d.m.lanes {
		if l.kind == laneWriter {
			ls = append(ls, i)
		}
	}
	if len(ls) == 0 {
		return []int{1}
	}
	return []int{ls[0], ls[len(ls)-1]}
}

func (d *mermaidWriter) records() {
	m := d.m
	all := []int{0, len(m.lanes) - 1}
	frozen := map[int]bool{} // writer lanes frozen now
	held := false
	step := 0
	for i, r := range m.trace {
		if r.Step != step {
			step = r.Step
			text := fmt.Sprintf("Step %d at %s", step, seconds(r.At))
			if s, ok := coordinator.StepOf(step); ok {
				text = fmt.Sprintf("Step %d · %s (%s)", step, s.Title, seconds(r.At))
			}
			d.note(all, text)
		}
		lane := m.laneOf[i]
		// Windows open before the record that opens them.
		switch {
		case r.Kind == coordinator.RecWriterEvent && r.Event == writer.EventFreeze && !frozen[lane]:
			if len(frozen) == 0 {
				d.open(mermaidFrozen)
				d.note(d.writerLanes(), "writers frozen: each may stay frozen for its freeze window")
			}
			frozen[lane] = true
		case r.Kind == coordinator.RecWrites && !r.Result && r.Decision == coordinator.DecisionHoldWrites && !held:
			held = true
			d.open(mermaidHeld)
		}
		why, failed := failure(r)
		if failed {
			d.open(mermaidFailure)
		}
		d.record(i, r, failed)
		if failed {
			d.note([]int{lane}, "failed: "+why)
			d.close(mermaidFailure)
		}
		// ... and close after the record that closes them.
		switch {
		case r.Kind == coordinator.RecWriterEvent && (r.Event == writer.EventThaw || r.Event == writer.EventAbort) && frozen[lane]:
			delete(frozen, lane)
			if len(frozen) == 0 {
				d.note(d.writerLanes(), "no writer frozen any more")
				d.close(mermaidFrozen)
			}
		case r.Kind == coordinator.RecWrites && !r.Result && r.Decision == coordinator.DecisionReleaseWrites && held:
			held = false
			d.close(mermaidHeld)
		}
	}
	if held {
		d.note(all, "the trace ends with writes still held")
	}
	if len(frozen) > 0 {
		d.note(all, "the trace ends with writers still frozen")
	}
	for len(d.rects) > 0 {
		d.close(d.rects[len(d.rects)-1])
	}
}

// record draws one record as an arrow or a note.
func (d *mermaidWriter) record(i int, r coordinator.Record, failed bool) {
	m := d.m
	lane := m.laneOf[i]
	const requestor, vss = 0, 1
	switch r.Kind {
	case coordinator.RecCall:
		d.arrow(requestor, vss, false, false, r.Call.String())
	case coordinator.RecReturn:
		d.arrow(vss, requestor, true, failed, r.Call.String()+" → "+outcome(r))
	case coordinator.RecWriterEvent:
		text := r.Event.String()
		if r.Event == writer.EventFreeze && r.Timeout > 0 {
			text += " (window " + short(r.Timeout) + ")"
		}
		d.arrow(vss, lane, false, false, text)
	case coordinator.RecWriterResult:
		d.arrow(lane, vss, true, failed, r.Event.String()+" → "+outcome(r)+", "+strings.TrimPrefix(r.State.String(), "VSS_WS_"))
	case coordinator.RecProviderCall:
		d.arrow(vss, lane, false, false, r.What())
	case coordinator.RecProviderResult:
		d.arrow(lane, vss, true, failed, r.What()+" → "+outcome(r))
		if vols := m.provVolumes[i]; r.Method == provider.MethodCommitSnapshots && r.OK() {
			for _, v := range vols {
				d.arrow(lane, v, false, false, "shadow copy of "+m.lanes[v].name+" at "+seconds(r.At))
			}
		}
	case coordinator.RecWrites:
		vols := m.setVolumes[i]
		switch {
		case r.Result && failed:
			d.arrow(lane, vss, true, true, r.What()+" → "+outcome(r))
		case r.Result:
			// the outcome of a hold or release that worked adds nothing
		case len(vols) == 0:
			d.note([]int{vss}, r.What())
		default:
			text := r.What()
			if r.Decision == coordinator.DecisionHoldWrites && r.Timeout > 0 {
				text += " (window " + short(r.Timeout) + ")"
			}
			for _, v := range vols {
				d.arrow(vss, v, false, false, text)
			}
		}
	case coordinator.RecState:
		if failed {
			return // the failure note says it
		}
		text := r.What()
		if o := r.Outcome(); o != "" {
			text += " → " + o
		}
		d.note([]int{lane}, text)
	}
}

// outcome is a result's outcome, short: ok, the HRESULT's name, or the
// detail trace lines print.
func outcome(r coordinator.Record) string {
	if r.Err != nil {
		if r.Kind == coordinator.RecWriterResult && r.Timeout > 0 {
			return "no answer within " + r.Timeout.String()
		}
		return r.Code.Name()
	}
	return r.Outcome()
}

// mermaidText makes s safe as Mermaid text (a participant's name, a
// message, a note): characters Mermaid's grammar gives a meaning to become
// entity codes, which Mermaid turns back into the characters when it
// draws, and line breaks and control characters become spaces.
func mermaidText(s string) string {
	var b strings.Builder
	for _, c := range s {
		switch {
		case strings.ContainsRune("#;:\"<>&%{}`", c):
			fmt.Fprintf(&b, "#%d;", c)
		case c < ' ' || c == 0x7f || c == '\u2028' || c == '\u2029' || c == '\u0085':
			b.WriteByte(' ')
		default:
			b.WriteRune(c)
		}
	}
	return strings.TrimSpace(b.String())
}
