package coordinator

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/writer"
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
	RecState                                // a writer's failure or a decision of VSS
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

// ActorKind says which participant of a backup a trace record is about.
type ActorKind uint8

// The participants of a backup session.
const (
	ActorRequestor ActorKind = iota + 1 // the requestor (the backup tool)
	ActorVSS                            // the VSS service itself: the coordinator
	ActorWriter                         // a writer
	ActorProvider                       // a provider
)

// Actor names the participant of a trace record. Index and Name identify
// a writer or a provider: its index in Config.Writers or Config.Providers
// and its name (writer.Info.Name, provider.Info.Name).
type Actor struct {
	Kind  ActorKind
	Index int
	Name  string
}

// Requestor and VSS are the two actors that have no name.
var (
	requestorActor = Actor{Kind: ActorRequestor}
	vssActor       = Actor{Kind: ActorVSS}
)

// String prints the actor as trace lines show it: "requestor", "vss",
// `writer "NAME"` or `provider "NAME"`, the name quoted as Go quotes
// strings.
func (a Actor) String() string {
	switch a.Kind {
	case ActorRequestor:
		return "requestor"
	case ActorVSS:
		return "vss"
	case ActorWriter:
		return "writer " + strconv.Quote(a.Name)
	case ActorProvider:
		return "provider " + strconv.Quote(a.Name)
	}
	return fmt.Sprintf("Actor(%d)", int(a.Kind))
}

// Decision names what VSS itself decided or did, in a RecState or
// RecWrites record.
type Decision uint8

// The coordinator's decisions.
const (
	// DecisionSetStarted: StartSnapshotSet created set Record.SetID.
	DecisionSetStarted Decision = iota + 1
	// DecisionProviderChosen: VSS chose provider Record.Detail for
	// Record.Volume (hardware, then software, then system).
	DecisionProviderChosen
	// DecisionComponentSelected: the requestor selected component
	// Record.Detail of the writer Record.Actor.
	DecisionComponentSelected
	// DecisionHoldWrites: VSS flushes and holds writes on the set's volumes
	// (step 7); the RecWrites record with an outcome says whether it worked.
	DecisionHoldWrites
	// DecisionReleaseWrites: VSS releases the held writes (step 8).
	DecisionReleaseWrites
	// DecisionSetCreated: DoSnapshotSet created set Record.SetID.
	DecisionSetCreated
	// DecisionAbortBackup: the requestor called AbortBackup while a backup
	// was under way.
	DecisionAbortBackup
	// DecisionAbortSet: the set being created is given up, because of
	// Record.Err; writers get Abort and providers AbortSnapshots.
	DecisionAbortSet
	// DecisionCancel: the call in progress was cancelled (its context
	// ended, or the driver knows nothing it awaits can answer); Record.Err
	// is the cause.
	DecisionCancel
	// DecisionAbandon: the driver gave up on everything the machine awaits
	// (Machine.Abandon); Record.Err is the cause.
	DecisionAbandon
	// DecisionTimedOut: work VSS started did not finish in time: a provider
	// call (Record.Method), holding writes, or releasing them (Record.Detail
	// is then "release writes").
	DecisionTimedOut
	// DecisionWriterFailed: the writer Record.Actor failed; Record.State is
	// its VSS_WS_FAILED_AT_* state and Record.Code its failure.
	DecisionWriterFailed
	// DecisionFreezeTimeout: the writer Record.Actor stayed frozen longer
	// than its freeze timeout (Record.Timeout).
	DecisionFreezeTimeout
	// DecisionAutoRelease: at the end of the session VSS deletes the
	// auto-release set Record.SetID.
	DecisionAutoRelease
	// DecisionSetAbandoned: the set Record.SetID, whose DoSnapshotSet was
	// never called, is given up (AbortBackup, Close, a cancelled call);
	// its providers are told nothing.
	DecisionSetAbandoned
	// DecisionWriterExcluded: the writer Record.Actor takes no part in the
	// backup from here on and receives no more events; Record.Detail says
	// why.
	DecisionWriterExcluded
	// DecisionComponentExcluded: the selected component of the writer
	// Record.Actor is left out of the backup; Record.Detail names it and
	// says why.
	DecisionComponentExcluded
)

var decisionNames = [...]string{
	DecisionSetStarted: "SetStarted", DecisionProviderChosen: "ProviderChosen",
	DecisionComponentSelected: "ComponentSelected", DecisionHoldWrites: "HoldWrites",
	DecisionReleaseWrites: "ReleaseWrites", DecisionSetCreated: "SetCreated", DecisionAbortBackup: "AbortBackup",
	DecisionAbortSet: "AbortSet", DecisionCancel: "Cancel", DecisionAbandon: "Abandon", DecisionTimedOut: "TimedOut",
	DecisionWriterFailed: "WriterFailed", DecisionFreezeTimeout: "FreezeTimeout", DecisionAutoRelease: "AutoRelease",
	DecisionSetAbandoned: "SetAbandoned", DecisionWriterExcluded: "WriterExcluded", DecisionComponentExcluded: "ComponentExcluded",
}

// String returns the decision's Go name without its prefix, for example
// "HoldWrites".
func (d Decision) String() string {
	if d > 0 && int(d) < len(decisionNames) {
		return decisionNames[d]
	}
	return fmt.Sprintf("Decision(%d)", int(d))
}

// Record is one event of a backup session: a requestor call or return, a
// writer event or answer, a provider call or return, a hold or release of
// writes, or a decision of VSS. Its fields are typed, for programs; String
// prints it for people, and nothing ever parses that text back.
//
// Which fields are set depends on Kind:
//
//	RecCall, RecReturn                 Call
//	RecWriterEvent, RecWriterResult    Event (Actor is the writer)
//	RecProviderCall, RecProviderResult Method, Volume (Actor is the provider)
//	RecWrites, RecState                Decision, and what it names
//
// Results (RecReturn, RecWriterResult, RecProviderResult, and a RecWrites
// record with an outcome) carry Err, nil on success, and Code, its HRESULT
// (vss.OK on success).
type Record struct {
	Seq  int           // 1, 2, ... in the order things happened
	At   time.Duration // time since the session started (virtual in the simulator)
	Step int           // the step of the backup, 1 to 11, that the record belongs to
	Kind RecordKind
	// Actor is who the record is about: the requestor for calls, VSS for
	// its decisions, the writer or provider for events and provider calls.
	Actor Actor

	Call     CallKind         // RecCall, RecReturn: the IVssBackupComponents method
	Event    writer.EventKind // RecWriterEvent, RecWriterResult
	Method   provider.Method  // RecProviderCall, RecProviderResult; DecisionTimedOut of a provider call
	Decision Decision         // RecState, RecWrites

	// Result is set on the records that report an outcome: RecReturn,
	// RecWriterResult, RecProviderResult and a RecWrites record that says
	// whether holding or releasing worked.
	Result bool
	Err    error       // the failure; nil on success
	Code   vss.HRESULT // vss.CodeOf(Err): vss.OK on success

	// State is the state of the writer the record is about (its Actor is
	// a writer), as GatherWriterStatus would report it when the record is
	// made: after a successful answer, the state the answer leads to; on
	// DecisionWriterFailed, its VSS_WS_FAILED_AT_* state; on an Abort sent
	// to a writer that did not fail, Stable.
	State vss.WriterState

	Volume    string // the volume of a provider call or of DecisionProviderChosen
	SetID     vss.ID // DecisionSetStarted, DecisionSetCreated, DecisionAutoRelease, DecisionSetAbandoned
	Supported bool   // RecProviderResult of IsVolumeSupported
	Count     int    // RecProviderResult of DeleteSnapshots: shadow copies deleted
	// Timeout is the window a record opens or closes: the writer's freeze
	// timeout on its Freeze event and on DecisionFreezeTimeout, the
	// flush-and-hold window on DecisionHoldWrites, the event timeout on a
	// writer's result that never came.
	Timeout time.Duration
	Detail  string // DecisionProviderChosen: the provider; DecisionComponentSelected: the component; DecisionTimedOut: "release writes"; DecisionWriterExcluded, DecisionComponentExcluded: why
}

// OK reports whether the record is a result that succeeded.
func (r Record) OK() bool { return r.Result && r.Err == nil }

// What returns the record's subject as trace lines print it: the call,
// event or provider method (with its volume), or the decision, for
// example "Freeze" or "flush and hold writes".
func (r Record) What() string {
	switch r.Kind {
	case RecCall, RecReturn:
		return r.Call.String()
	case RecWriterEvent, RecWriterResult:
		return r.Event.String()
	case RecProviderCall, RecProviderResult:
		if r.Volume != "" {
			return r.Method.String() + " " + r.Volume
		}
		return r.Method.String()
	}
	switch r.Decision {
	case DecisionSetStarted, DecisionSetCreated:
		return "snapshot set " + r.SetID.String()
	case DecisionProviderChosen:
		return "provider for " + r.Volume
	case DecisionComponentSelected:
		return "component selected"
	case DecisionHoldWrites:
		return "flush and hold writes"
	case DecisionReleaseWrites:
		return "release writes"
	case DecisionAbortBackup:
		return "abort backup"
	case DecisionAbortSet:
		return "abort snapshot set"
	case DecisionCancel:
		return "cancel"
	case DecisionAbandon:
		return "abandon"
	case DecisionTimedOut:
		if r.Method != 0 {
			return r.Method.String()
		}
		if r.Detail != "" {
			return r.Detail
		}
		return "hold writes"
	case DecisionWriterFailed:
		return r.State.String()
	case DecisionFreezeTimeout:
		return "freeze timeout"
	case DecisionAutoRelease:
		return "auto-release snapshot set " + r.SetID.String()
	case DecisionSetAbandoned:
		return "abandon snapshot set " + r.SetID.String()
	case DecisionWriterExcluded:
		return "writer excluded"
	case DecisionComponentExcluded:
		return "component excluded"
	}
	return r.Decision.String()
}

// Outcome returns what trace lines print after the arrow: "ok", the
// error, or a detail; empty for a call or event being sent.
func (r Record) Outcome() string {
	if r.Result {
		switch {
		case r.Err != nil && r.Kind == RecWriterResult && vss.CodeOf(r.Err) == vss.ErrWriterNotResponding && r.Timeout > 0:
			return "no answer within " + r.Timeout.String()
		case r.Err != nil && r.Kind == RecWriterResult:
			return "failed: " + r.Err.Error()
		case r.Err != nil:
			return r.Err.Error()
		case r.Kind == RecProviderResult && r.Method == provider.MethodIsVolumeSupported:
			return "supported=" + strconv.FormatBool(r.Supported)
		case r.Kind == RecProviderResult && r.Method == provider.MethodDeleteSnapshots:
			return "deleted " + strconv.Itoa(r.Count)
		}
		return "ok"
	}
	switch r.Decision {
	case DecisionSetStarted:
		return "started"
	case DecisionSetCreated:
		return "created"
	case DecisionProviderChosen, DecisionComponentSelected, DecisionWriterExcluded, DecisionComponentExcluded:
		return r.Detail
	case DecisionSetAbandoned:
		return "providers not told"
	case DecisionAbortBackup:
		return "requested by the requestor"
	case DecisionAbortSet, DecisionCancel, DecisionAbandon:
		if r.Err != nil {
			return r.Err.Error()
		}
	case DecisionTimedOut:
		return "timed out"
	case DecisionWriterFailed:
		return r.Code.Name()
	case DecisionFreezeTimeout:
		return fmt.Sprintf("frozen longer than %v", r.Timeout)
	}
	return ""
}

// Line prints the record without its step and time, for example
//
//	writer "SQL Writer": Freeze -> ok
func (r Record) Line() string {
	var b strings.Builder
	r.appendLine(&b)
	return b.String()
}

func (r Record) appendLine(b *strings.Builder) {
	b.WriteString(r.Actor.String())
	b.WriteString(": ")
	b.WriteString(r.What())
	if o := r.Outcome(); o != "" {
		b.WriteString(" -> ")
		b.WriteString(o)
	}
}

// String prints the record as one line, for example
//
//	[step 6] +1.250s writer "SQL Writer": Freeze -> ok
func (r Record) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "[step %d] +%.3fs ", r.Step, r.At.Seconds())
	r.appendLine(&b)
	return b.String()
}

// Trace is the recorded history of a session. It is not safe for
// concurrent use; the session appends to it under its own lock.
//
// It keeps its records packed (see entry), 24 bytes each instead of a
// Record's 192, and holding no pointers: a backup makes some 140 of them,
// and a session's trace was most of what it allocated. Records and String
// unpack them.
type Trace struct {
	entries  []entry
	more     []entryMore     // the fields few records use
	whole    []Record        // the records that do not fit in an entry
	names    [2][]string     // writer and provider names, by Actor.Index
	volumes  []string        // the volumes records name, by entry.volume-1
	windows  []time.Duration // the windows records carry (Timeout), by entry.window-1
	logger   *slog.Logger
	onRecord func(Record)

	// First room for names, volumes and windows, enough for most sessions.
	nameBuf [2][4]string
	volBuf  [4]string
	winBuf  [4]time.Duration
}

// entry is a Record packed: Seq is its position, the one field that says
// which call, event or method it is about is what, the actor's name is in
// Trace.names, its volume in Trace.volumes, its window (Timeout) in
// Trace.windows, a writer's state in the high bits of flags, and the
// fields few records use (an error among them) are in Trace.more. A record
// that does not fit (its numbers too large, say) is kept whole in
// Trace.whole.
type entry struct {
	at       time.Duration
	more     int32  // 1 + its index in Trace.more; -1 - its index in Trace.whole; 0 if none
	index    uint16 // Actor.Index
	window   uint16 // 1 + its index in Trace.windows; 0 if none
	volume   uint16 // 1 + its index in Trace.volumes; 0 if none
	step     uint8
	kind     uint8 // RecordKind
	actor    uint8 // ActorKind
	what     uint8 // Call, Event or Method, as kind says
	decision uint8
	flags    uint8 // entryResult, entrySupported, and State << entryStateShift
}

const (
	entryResult = 1 << iota
	entrySupported
)

// entryStateShift places Record.State in an entry's flags: the states of
// VSS_WRITER_STATE, 0 to 15, fit in the four bits above it. (A record
// about a writer carries its state, so most records have one.)
const entryStateShift = 4

// entryState returns s in an entry's flags, and whether it fits there.
func entryState(s vss.WriterState) (uint8, bool) {
	if s < 0 || s >= 1<<(8-entryStateShift) {
		return 0, false
	}
	return uint8(s) << entryStateShift, true
}

// entryMore holds the fields of a record that few records use.
type entryMore struct {
	err     error
	code    vss.HRESULT
	setID   vss.ID
	detail  string
	count   int
	timeout time.Duration // a Timeout not in Trace.windows
	state   vss.WriterState
}

// NewTrace returns an empty trace that also logs every record to logger as
// a log/slog record, if logger is not nil.
func NewTrace(logger *slog.Logger) *Trace {
	t := &Trace{logger: logger, entries: make([]entry, 0, 144)} // a backup's 140 records, in 3456 bytes (a size class that packs 7 to a span)
	t.names[0], t.names[1], t.volumes, t.windows = t.nameBuf[0][:0], t.nameBuf[1][:0], t.volBuf[:0], t.winBuf[:0]
	return t
}

// add appends r, numbering it.
func (t *Trace) add(r *Record) {
	r.Seq = len(t.entries) + 1
	t.entries = append(t.entries, t.pack(r))
	t.notify(r)
}

// next appends an entry for the machine to fill (see Machine.quick),
// then to hand over with added.
func (t *Trace) next() *entry {
	n := len(t.entries)
	if n == cap(t.entries) {
		t.entries = append(t.entries, entry{})
	} else {
		t.entries = t.entries[:n+1]
	}
	return &t.entries[n]
}

// added tells the OnRecord function and the logger, if any, of the entry
// just filled.
func (t *Trace) added() {
	r := t.record(len(t.entries) - 1)
	t.notify(&r)
}

// notify hands r to the trace's OnRecord function and logger.
func (t *Trace) notify(r *Record) {
	if t.onRecord != nil {
		t.onRecord(*r)
	}
	if t.logger != nil {
		t.logger.LogAttrs(context.Background(), slog.LevelInfo, r.What(),
			slog.Int("seq", r.Seq), slog.Int("step", r.Step), slog.Duration("at", r.At),
			slog.String("kind", r.Kind.String()), slog.String("actor", r.Actor.String()), slog.String("outcome", r.Outcome()))
	}
}

// pack returns r as an entry: packed if it fits, else kept whole.
func (t *Trace) pack(r *Record) entry {
	e := entry{at: r.At, index: uint16(r.Actor.Index), step: uint8(r.Step), kind: uint8(r.Kind),
		actor: uint8(r.Actor.Kind), decision: uint8(r.Decision)}
	if r.Result {
		e.flags |= entryResult
	}
	if r.Supported {
		e.flags |= entrySupported
	}
	state, stateFits := entryState(r.State)
	if stateFits {
		e.flags |= state
	}
	what, rest := r.Method, int(r.Call)|int(r.Event)
	switch r.Kind {
	case RecCall, RecReturn:
		what, rest = provider.Method(r.Call), int(r.Event)|int(r.Method)
	case RecWriterEvent, RecWriterResult:
		what, rest = provider.Method(r.Event), int(r.Call)|int(r.Method)
	}
	e.what = uint8(what)
	if rest != 0 || what != provider.Method(e.what) || r.Step != int(e.step) || r.Kind != RecordKind(e.kind) ||
		r.Decision != Decision(e.decision) || r.Actor.Index != int(e.index) || !t.named(&r.Actor) || !t.volume(r.Volume, &e.volume) {
		t.whole = append(t.whole, *r)
		return entry{more: -int32(len(t.whole))}
	}
	timeout := r.Timeout // unless the window table holds it
	if timeout != 0 && t.window(timeout, &e.window) {
		timeout = 0
	}
	if r.Err != nil || r.Code != vss.OK || !stateFits || r.SetID != vss.NilID || r.Count != 0 || timeout != 0 || r.Detail != "" {
		if t.more == nil {
			t.more = make([]entryMore, 0, 6) // a backup has five such records
		}
		x := entryMore{err: r.Err, code: r.Code, setID: r.SetID, detail: r.Detail, count: r.Count, timeout: timeout}
		if !stateFits {
			x.state = r.State
		}
		t.more = append(t.more, x)
		e.more = int32(len(t.more))
	}
	return e
}

// named reports whether the trace can name a from its kind and index: the
// requestor and VSS have no name, writers and providers have the name the
// trace first saw at their index.
func (t *Trace) named(a *Actor) bool {
	var names *[]string
	switch a.Kind {
	case ActorWriter:
		names = &t.names[0]
	case ActorProvider:
		names = &t.names[1]
	default:
		return a.Index == 0 && a.Name == ""
	}
	switch i := a.Index; {
	case i >= 0 && i < len(*names):
		return (*names)[i] == a.Name
	case i == len(*names):
		*names = append(*names, a.Name)
		return true
	}
	return false
}

// window sets *w to the index of d in the trace's windows, adding it if
// it is new; false if the table is full. A session's windows are few: its
// writers' freeze timeouts, its hold window, its event timeout.
func (t *Trace) window(d time.Duration, w *uint16) bool {
	for i, x := range t.windows {
		if x == d {
			*w = uint16(i + 1)
			return true
		}
	}
	if len(t.windows) >= 1<<16-1 {
		return false
	}
	t.windows = append(t.windows, d)
	*w = uint16(len(t.windows))
	return true
}

// volume sets *v to the index of name in the trace's volumes, adding it
// if it is new; false if the table is full.
func (t *Trace) volume(name string, v *uint16) bool {
	if name == "" {
		return true
	}
	for i, n := range t.volumes {
		if n == name {
			*v = uint16(i + 1)
			return true
		}
	}
	if len(t.volumes) >= 1<<16-1 {
		return false
	}
	t.volumes = append(t.volumes, name)
	*v = uint16(len(t.volumes))
	return true
}

// record unpacks entry i.
func (t *Trace) record(i int) Record {
	var r Record
	t.unpack(i, &r)
	return r
}

// unpack writes entry i into r, which is zero, field by field: Records
// unpacks a whole trace straight into the slice it returns.
func (t *Trace) unpack(i int, r *Record) {
	e := &t.entries[i]
	if e.more < 0 {
		*r = t.whole[-e.more-1]
		return
	}
	r.Seq, r.At, r.Step, r.Kind = i+1, e.at, int(e.step), RecordKind(e.kind)
	r.Actor.Kind, r.Actor.Index = ActorKind(e.actor), int(e.index)
	r.Decision, r.Result, r.Supported = Decision(e.decision), e.flags&entryResult != 0, e.flags&entrySupported != 0
	r.State = vss.WriterState(e.flags >> entryStateShift)
	if e.volume > 0 {
		r.Volume = t.volumes[e.volume-1]
	}
	if e.window > 0 {
		r.Timeout = t.windows[e.window-1]
	}
	if e.more > 0 {
		x := &t.more[e.more-1]
		r.Err, r.Code, r.SetID, r.Detail, r.Count = x.err, x.code, x.setID, x.detail, x.count
		if x.timeout != 0 {
			r.Timeout = x.timeout
		}
		if x.state != 0 {
			r.State = x.state
		}
	}
	switch r.Actor.Kind {
	case ActorWriter:
		r.Actor.Name = t.names[0][e.index]
	case ActorProvider:
		r.Actor.Name = t.names[1][e.index]
	}
	switch r.Kind {
	case RecCall, RecReturn:
		r.Call = CallKind(e.what)
	case RecWriterEvent, RecWriterResult:
		r.Event = writer.EventKind(e.what)
	default:
		r.Method = provider.Method(e.what)
	}
}

// OnRecord makes the trace call f with every record as it is added, for
// printing a session live. f runs under the session's lock: it must not
// call the session.
func (t *Trace) OnRecord(f func(Record)) { t.onRecord = f }

// Records returns a copy of the records so far.
func (t *Trace) Records() []Record {
	if len(t.entries) == 0 {
		return nil
	}
	rs := make([]Record, len(t.entries))
	for i := range rs {
		t.unpack(i, &rs[i])
	}
	return rs
}

// Len returns the number of records.
func (t *Trace) Len() int { return len(t.entries) }

// String prints the trace one record per line.
func (t *Trace) String() string {
	var b strings.Builder
	for i := range t.entries {
		b.WriteString(t.record(i).String())
		b.WriteByte('\n')
	}
	return b.String()
}
