package vsstest

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/google/go-cmp/cmp"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/coordinator"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/writer"
)

// The trace assertions check a session's trace (coordinator.Session.Trace)
// in a user's own tests. Each returns nil or an error that says what the
// trace holds instead, with a go-cmp diff for sequences, so they serve
// testify and plain testing alike:
//
//	require.NoError(t, vsstest.HappenedBefore(trace, a, b))
//	if err := simulate.NoWriterFrozen(trace); err != nil {
//		t.Fatal(err)
//	}

// Match selects trace records by their typed fields: a record matches
// when each non-zero field of the Match equals the record's. Build one with
// WriterEvent, WriterResult, RequestorCall or ProviderCall, or fill it in.
// Names are compared as they are, never parsed from text, so any writer
// name works, quotes and all.
type Match struct {
	Kind  coordinator.RecordKind // zero: any kind
	Actor coordinator.ActorKind  // zero: any actor
	Name  string                 // the writer's or provider's name; empty: any
	// Call, Event, Method and Decision select what the record is about;
	// zero: any.
	Call     coordinator.CallKind
	Event    writer.EventKind
	Method   provider.Method
	Decision coordinator.Decision
	// Outcome selects results by how they ended; zero: any.
	Outcome Outcome
	// Code, if not zero, selects results (or writer failures) with this
	// HRESULT.
	Code vss.HRESULT
}

// Outcome selects results by how they ended.
type Outcome int

// The outcomes a Match can require.
const (
	AnyOutcome Outcome = iota // any record, result or not
	Succeeded                 // a result that succeeded
	Failed                    // a result that failed
)

// WriterEvent matches VSS sending event kind to the writer named name.
func WriterEvent(name string, kind writer.EventKind) Match {
	return Match{Kind: coordinator.RecWriterEvent, Actor: coordinator.ActorWriter, Name: name, Event: kind}
}

// WriterResult matches the writer named name answering event kind (with
// any outcome; set Outcome to require one).
func WriterResult(name string, kind writer.EventKind) Match {
	return Match{Kind: coordinator.RecWriterResult, Actor: coordinator.ActorWriter, Name: name, Event: kind}
}

// RequestorCall matches the requestor starting call (for example
// coordinator.CallDoSnapshotSet).
func RequestorCall(call coordinator.CallKind) Match {
	return Match{Kind: coordinator.RecCall, Actor: coordinator.ActorRequestor, Call: call}
}

// ProviderCall matches VSS calling method of the provider named name.
func ProviderCall(name string, method provider.Method) Match {
	return Match{Kind: coordinator.RecProviderCall, Actor: coordinator.ActorProvider, Name: name, Method: method}
}

// Matches reports whether r is selected by m.
func (m Match) Matches(r coordinator.Record) bool {
	switch {
	case m.Kind != 0 && r.Kind != m.Kind,
		m.Actor != 0 && r.Actor.Kind != m.Actor,
		m.Name != "" && r.Actor.Name != m.Name,
		m.Call != 0 && r.Call != m.Call,
		m.Event != 0 && r.Event != m.Event,
		m.Method != 0 && r.Method != m.Method,
		m.Decision != 0 && r.Decision != m.Decision,
		m.Code != 0 && r.Code != m.Code,
		m.Outcome == Succeeded && !r.OK(),
		m.Outcome == Failed && !(r.Result && r.Err != nil):
		return false
	}
	return true
}

func (m Match) String() string {
	var parts []string
	if m.Kind != 0 {
		parts = append(parts, m.Kind.String())
	}
	switch {
	case m.Actor != 0 && m.Name != "":
		parts = append(parts, coordinator.Actor{Kind: m.Actor, Name: m.Name}.String())
	case m.Actor != 0:
		parts = append(parts, coordinator.Actor{Kind: m.Actor}.String())
	case m.Name != "":
		parts = append(parts, strconv.Quote(m.Name))
	}
	if m.Call != 0 {
		parts = append(parts, m.Call.String())
	}
	if m.Event != 0 {
		parts = append(parts, m.Event.String())
	}
	if m.Method != 0 {
		parts = append(parts, m.Method.String())
	}
	if m.Decision != 0 {
		parts = append(parts, m.Decision.String())
	}
	switch m.Outcome {
	case Succeeded:
		parts = append(parts, "-> ok")
	case Failed:
		parts = append(parts, "-> failed")
	}
	if m.Code != 0 {
		parts = append(parts, "-> "+m.Code.Name())
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
// `writer "SQL Writer": Freeze -> ok` (coordinator.Record.Line), for
// comparison with SameSequence.
func Sequence(trace []coordinator.Record, m Match) []string {
	var out []string
	for _, r := range trace {
		if m.Matches(r) {
			out = append(out, r.Line())
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
	frozen := map[coordinator.Actor]coordinator.Record{}
	var order []coordinator.Actor
	for _, r := range trace {
		if r.Kind != coordinator.RecWriterEvent {
			continue
		}
		switch r.Event {
		case writer.EventFreeze:
			if _, ok := frozen[r.Actor]; !ok {
				order = append(order, r.Actor)
			}
			frozen[r.Actor] = r
		case writer.EventThaw, writer.EventAbort:
			delete(frozen, r.Actor)
		}
	}
	var left []string
	for _, a := range order {
		if r, ok := frozen[a]; ok {
			left = append(left, fmt.Sprintf("  %v: Freeze sent at #%d (+%.3fs), then neither Thaw nor Abort", a, r.Seq, r.At.Seconds()))
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

// LeftBehind returns the shadow copies in snaps (what the session's
// providers list once it ended) that the session should not have left:
// all of them but the preparations of a set abandoned before its
// DoSnapshotSet (coordinator.DecisionSetAbandoned in the trace) that are
// still in state VSS_SS_PREPARING. VSS never sends AbortSnapshots for
// such a set; its providers learn of it only when BeginPrepareSnapshot
// starts the next one (Microsoft's "State Transitions in Shadow Copy
// Providers"), so they may hold it until then.
func LeftBehind(trace []coordinator.Record, snaps []provider.Snapshot) []provider.Snapshot {
	abandoned := map[vss.ID]bool{}
	for _, r := range trace {
		if r.Decision == coordinator.DecisionSetAbandoned {
			abandoned[r.SetID] = true
		}
	}
	var left []provider.Snapshot
	for _, s := range snaps {
		if !abandoned[s.SetID] || s.State != vss.SnapshotPreparing {
			left = append(left, s)
		}
	}
	return left
}
