package simulate

import (
	"fmt"
	"strings"

	"github.com/google/go-cmp/cmp"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/coordinator"
	"github.com/vsskit/vss/writer"
)

// The trace assertions check a session's trace (coordinator.Session.Trace)
// in a user's own tests. Each returns nil or an error that says what the
// trace holds instead, with a go-cmp diff for sequences, so they serve
// testify and plain testing alike:
//
//	require.NoError(t, simulate.HappenedBefore(trace, a, b))
//	if err := simulate.NoWriterFrozen(trace); err != nil {
//		t.Fatal(err)
//	}

// Match selects trace records: a record matches when each non-empty field
// equals the record's (What also matches a record whose What starts with
// it and a space, so "IsVolumeSupported" matches "IsVolumeSupported C:\").
// Build one with WriterEvent, WriterResult, RequestorCall or ProviderCall,
// or fill it in.
type Match struct {
	Kind    coordinator.RecordKind // zero: any kind
	Actor   string                 // `writer "Name"`, `provider "Name"`, "requestor", "vss"
	What    string
	Outcome string
}

// WriterEvent matches VSS sending event kind to the writer named name.
func WriterEvent(name string, kind writer.EventKind) Match {
	return Match{Kind: coordinator.RecWriterEvent, Actor: writerActor(name), What: kind.String()}
}

// WriterResult matches the writer named name answering event kind (with
// any outcome; set Outcome to "ok" for a success only).
func WriterResult(name string, kind writer.EventKind) Match {
	return Match{Kind: coordinator.RecWriterResult, Actor: writerActor(name), What: kind.String()}
}

// RequestorCall matches the requestor calling method (for example
// "DoSnapshotSet") of IVssBackupComponents.
func RequestorCall(method string) Match {
	return Match{Kind: coordinator.RecCall, Actor: "requestor", What: method}
}

// ProviderCall matches VSS calling method of the provider named name.
func ProviderCall(name, method string) Match {
	return Match{Kind: coordinator.RecProviderCall, Actor: `provider "` + name + `"`, What: method}
}

func writerActor(name string) string { return `writer "` + name + `"` }

// Matches reports whether r is selected by m.
func (m Match) Matches(r coordinator.Record) bool {
	if m.Kind != 0 && r.Kind != m.Kind {
		return false
	}
	if m.Actor != "" && r.Actor != m.Actor {
		return false
	}
	if m.What != "" && r.What != m.What && !strings.HasPrefix(r.What, m.What+" ") {
		return false
	}
	return m.Outcome == "" || r.Outcome == m.Outcome
}

func (m Match) String() string {
	var parts []string
	if m.Kind != 0 {
		parts = append(parts, m.Kind.String())
	}
	for _, p := range []string{m.Actor, m.What} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	if m.Outcome != "" {
		parts = append(parts, "-> "+m.Outcome)
	}
	if len(parts) == 0 {
		return "any record"
	}
	return strings.Join(parts, " ")
}

// Find returns the records of trace that m selects, in order.
func Find(trace []coordinator.Record, m Match) []coordinator.Record {
	var out []coordinator.Record
	for _, r := range trace {
		if m.Matches(r) {
			out = append(out, r)
		}
	}
	return out
}

// HappenedBefore checks that a record matching a is in trace, and that the
// first such record comes before every record matching b. A b that never
// happened is fine; use Find to require it.
func HappenedBefore(trace []coordinator.Record, a, b Match) error {
	first := -1
	for i, r := range trace {
		if a.Matches(r) {
			first = i
			break
		}
	}
	if first < 0 {
		return fmt.Errorf("trace: no record matches %v", a)
	}
	for _, r := range trace[:first] {
		if b.Matches(r) {
			return fmt.Errorf("trace: %v happened before %v:\n  #%d %v\n  #%d %v", b, a, r.Seq, r, trace[first].Seq, trace[first])
		}
	}
	return nil
}

// Sequence returns the records m selects as lines of the form
// `writer "SQL Writer": Freeze -> ok` (actor, what, outcome if any), for
// comparison with SameSequence.
func Sequence(trace []coordinator.Record, m Match) []string {
	var out []string
	for _, r := range trace {
		if m.Matches(r) {
			line := r.Actor + ": " + r.What
			if r.Outcome != "" {
				line += " -> " + r.Outcome
			}
			out = append(out, line)
		}
	}
	return out
}

// SameSequence checks that the records m selects are exactly want, in
// order (lines as Sequence prints them); the error holds a go-cmp diff,
// -want +got.
func SameSequence(trace []coordinator.Record, m Match, want []string) error {
	got := Sequence(trace, m)
	if d := cmp.Diff(want, got); d != "" {
		return fmt.Errorf("trace: the records matching %v differ (-want +got):\n%s", m, d)
	}
	return nil
}

// NoWriterFrozen checks that every writer that was sent Freeze was later
// sent Thaw or Abort: that the session left no writer frozen.
func NoWriterFrozen(trace []coordinator.Record) error {
	frozen := map[string]coordinator.Record{}
	var order []string
	for _, r := range trace {
		if r.Kind != coordinator.RecWriterEvent {
			continue
		}
		switch r.What {
		case writer.EventFreeze.String():
			if _, ok := frozen[r.Actor]; !ok {
				order = append(order, r.Actor)
			}
			frozen[r.Actor] = r
		case writer.EventThaw.String(), writer.EventAbort.String():
			delete(frozen, r.Actor)
		}
	}
	var left []string
	for _, a := range order {
		if r, ok := frozen[a]; ok {
			left = append(left, fmt.Sprintf("  %s: Freeze sent at #%d (+%.3fs), then neither Thaw nor Abort", a, r.Seq, r.At.Seconds()))
		}
	}
	if len(left) > 0 {
		return fmt.Errorf("trace: %d writer(s) left frozen:\n%s", len(left), strings.Join(left, "\n"))
	}
	return nil
}

// WriterEndedIn checks the state VSS holds for the writer named name in
// session s (for example vss.WriterStable after a good backup, or
// vss.WriterFailedAtFreeze), as GatherWriterStatus would report it. It
// works after Close.
func WriterEndedIn(s *coordinator.Session, name string, want vss.WriterState) error {
	got, failure, ok := s.WriterState(name)
	if !ok {
		return fmt.Errorf("trace: the session has no writer named %q", name)
	}
	if got != want {
		if failure != vss.OK {
			return fmt.Errorf("trace: writer %q ended in %v (failure %v), want %v", name, got, failure.Name(), want)
		}
		return fmt.Errorf("trace: writer %q ended in %v, want %v", name, got, want)
	}
	return nil
}
