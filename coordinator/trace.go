package coordinator

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// RecordKind says what a trace record is about.
type RecordKind int

// The kinds of trace record.
const (
	RecCall           RecordKind = iota + 1 // a requestor call begins
	RecReturn                               // a requestor call returns
	RecWriterEvent                          // VSS sends a writer event
	RecWriterResult                         // a writer answers an event (or fails to)
	RecProviderCall                         // VSS calls a provider
	RecProviderResult                       // a provider returns
	RecWrites                               // writes held or released on volumes
	RecState                                // a writer or session state change, a decision of VSS
)

var recordKindNames = [...]string{
	RecCall: "call", RecReturn: "return", RecWriterEvent: "event", RecWriterResult: "result",
	RecProviderCall: "provider-call", RecProviderResult: "provider-result", RecWrites: "writes", RecState: "state",
}

func (k RecordKind) String() string {
	if k > 0 && int(k) < len(recordKindNames) {
		return recordKindNames[k]
	}
	return fmt.Sprintf("RecordKind(%d)", int(k))
}

// Record is one event of a backup session: a requestor call or return, a
// writer event or answer, a provider call or return, a hold or release of
// writes, or a state change. Step is the seed step (1 to 11, DESIGN.md
// section 3) it belongs to, so a trace reads against the eleven steps.
type Record struct {
	Seq     int           // 1, 2, ... in the order things happened
	At      time.Duration // time since the session started (virtual in the simulator)
	Step    int           // seed step, 1 to 11
	Kind    RecordKind
	Actor   string // "requestor", "vss", `writer "Name"`, `provider "Name"`
	What    string // the call, event or state, for example "Freeze"
	Outcome string // "ok", an error, or a detail; empty for a call or event being sent
}

// String prints the record as one line, for example
//
//	[step 6] +1.250s writer "SQL Writer": Freeze -> ok
func (r Record) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "[step %d] +%.3fs %s: %s", r.Step, r.At.Seconds(), r.Actor, r.What)
	if r.Outcome != "" {
		b.WriteString(" -> ")
		b.WriteString(r.Outcome)
	}
	return b.String()
}

// Trace is the recorded history of a session. It is not safe for
// concurrent use; the session appends to it under its own lock.
type Trace struct {
	records  []Record
	logger   *slog.Logger
	onRecord func(Record)
}

// NewTrace returns an empty trace that also logs every record to logger as
// a log/slog record, if logger is not nil.
func NewTrace(logger *slog.Logger) *Trace {
	return &Trace{logger: logger, records: make([]Record, 0, 160)} // a whole backup's worth
}

// Add appends r, numbering it.
func (t *Trace) Add(r Record) {
	r.Seq = len(t.records) + 1
	t.records = append(t.records, r)
	if t.onRecord != nil {
		t.onRecord(r)
	}
	if t.logger != nil {
		t.logger.LogAttrs(context.Background(), slog.LevelInfo, r.What,
			slog.Int("seq", r.Seq), slog.Int("step", r.Step), slog.Duration("at", r.At),
			slog.String("kind", r.Kind.String()), slog.String("actor", r.Actor), slog.String("outcome", r.Outcome))
	}
}

// OnRecord makes the trace call f with every record as it is added, for
// printing a session live. f runs under the session's lock: it must not
// call the session.
func (t *Trace) OnRecord(f func(Record)) { t.onRecord = f }

// Records returns a copy of the records so far.
func (t *Trace) Records() []Record { return append([]Record(nil), t.records...) }

// Len returns the number of records.
func (t *Trace) Len() int { return len(t.records) }

// String prints the trace one record per line.
func (t *Trace) String() string {
	var b strings.Builder
	for _, r := range t.records {
		b.WriteString(r.String())
		b.WriteByte('\n')
	}
	return b.String()
}
