package coordinator

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"time"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/writer"
)

// Limits and defaults of the protocol.
const (
	// MaxVolumesPerSet is the most volumes a shadow copy set may hold.
	MaxVolumesPerSet = 64
	// DefaultHoldTimeout is how long VSS holds writes on the volumes while
	// the providers commit: 10 s. A commit that takes longer fails the set
	// with vss.ErrFlushWritesTimeout.
	DefaultHoldTimeout = 10 * time.Second
	// DefaultEventTimeout is how long a writer may take to answer an event
	// other than Freeze before it is failed with
	// vss.ErrWriterNotResponding. Microsoft documents no single figure;
	// five minutes, and that failure code, are this library's choice.
	DefaultEventTimeout = 5 * time.Minute
	// DefaultProviderTimeout is how long a provider may take to answer a
	// call other than CommitSnapshots (which the 10 s flush-and-hold
	// window bounds, as Microsoft documents): past it the call counts as
	// failed with vss.ErrUnexpectedProviderError, wrapping
	// context.DeadlineExceeded, and its context is cancelled. Microsoft
	// documents no figure for these calls; five minutes is this library's
	// choice. It bounds the clean-up calls too (AbortSnapshots, and the
	// DeleteSnapshots of Close), which run on contexts of their own,
	// whatever became of the requestor's.
	DefaultProviderTimeout = 5 * time.Minute
)

// MachineConfig describes the participants of a session to the state
// machine. The machine never calls them: it only names them by index in
// the Ops it emits.
type MachineConfig struct {
	Writers   []writer.Info   // the writers, by index
	Providers []provider.Info // the providers, by index
	// IDs is the source of random bytes for snapshot set and snapshot IDs.
	IDs io.Reader
	// Start is the time the session starts; trace times count from it.
	Start time.Time
	// HoldTimeout is the flush-and-hold window; zero means
	// DefaultHoldTimeout. VSS's window is fixed; changing it is this
	// library's knob for tests.
	HoldTimeout time.Duration
	// EventTimeout bounds writer events other than Freeze; zero means
	// DefaultEventTimeout.
	EventTimeout time.Duration
	// ProviderTimeout bounds provider calls other than CommitSnapshots;
	// zero means DefaultProviderTimeout.
	ProviderTimeout time.Duration
	// Trace receives every record; nil records nothing.
	Trace *Trace
}

// Machine is the VSS service's side of one backup session as a pure state
// machine, in the manner of etcd's raft: it performs no I/O, starts no
// goroutine and reads no clock. Inputs are requestor calls (Call),
// outcomes of work it asked for (Complete), the passing of time (Tick) and
// cancellation (Cancel); each returns an Output naming the work to start
// and, when a call is finished, its Reply. NextDeadline says when the
// machine next needs a Tick.
//
// A driver feeds it: Session does so with goroutines and a clock, the
// simulator with a single-threaded loop in virtual time. Because every
// transition is a method call, each ordering can be tested directly.
// A Machine is not safe for concurrent use.
type Machine struct {
	cfg   MachineConfig
	now   time.Time
	at    time.Duration // now - cfg.Start, as trace records show it
	phase Phase
	step  int

	sc    vss.SnapshotContext
	scSet bool // SetContext succeeded; it may not again
	bs    requestor.BackupState
	bsSet bool // SetBackupState succeeded: PrepareForBackup may come

	choice     writerChoice          // the writers enabled and disabled before GatherWriterMetadata
	exclusions []requestor.Exclusion // the writers and components left out, in order

	writers  []*writerSlot
	set      *snapshotSet                   // the set being built or created
	sets     []*snapshotSet                 // every set of the session, for Close
	selected map[vss.ID][]*writer.Component // made at the first selection
	loaded   *requestor.BackupDocument      // the document InitializeForBackup started from, if any
	rst      *restoreSession                // a restore session's state (restore.go); nil in a backup
	status   []requestor.WriterStatus
	gathered bool // GatherWriterStatus ran

	pending []op // the Ops awaited, in the order they started; zero ops are tombstones of completed ones
	live    int  // the Ops awaited: pending without its tombstones
	named   bool // the trace knows every actor's name by its index (quick)
	token   uint64
	cur     *activeCall
	out     Output

	// Buffers reused from call to call: a session makes one call at a
	// time, and its driver consumes an Output before the next input
	// (out.Start keeps its memory too: see clearOut).
	active activeCall

	holdDue      time.Duration  // the end of the hold window, from the start; zero unless a commit runs under held writes
	lastDue      time.Duration  // NextDeadline's last answer, from the start
	lastDeadline time.Time      // and as a time
	provActors   []Actor        // the providers as trace records name them
	wsBuf        []*writerSlot  // writersIn's buffer
	evChunk      []writer.Event // what is left of the chunk writers' events are cut from

	// First room for the buffers above, enough for a backup with a few
	// writers and providers, in the machine's own memory.
	slotBuf    [3]writerSlot
	writerBuf  [3]*writerSlot
	wsArr      [3]*writerSlot
	provBuf    [2]Actor
	pendingBuf [4]op
	startArr   [3]Op
	stageBuf   [20]func(*Machine) // DoSnapshotSet has 18 stages
}

// activeCall is the requestor call the machine is working on: its program
// of stages, run one after another, each waiting for the Ops it started.
type activeCall struct {
	call    Call
	stages  []func(*Machine)
	next    int
	reply   Reply
	aborted bool // the stages were replaced by an abort program
	// results holds the providers' answers to the current stage, by index.
	results provResults
	// cleanup holds the failures of clean-up work (aborting or deleting
	// shadow copies, releasing writes): the reply's error joins them.
	cleanup []error

	// AddToSnapshotSet: the providers asked, the one chosen and the
	// snapshot's ID.
	candidates []int
	chosen     int
	snapID     vss.ID
}

// provResults holds the providers' answers to a stage, by provider index,
// once start has been called for the stage. Its memory is reused from
// call to call: a backup asks the providers a dozen times.
type provResults struct {
	on  bool
	c   []Completion
	got []bool
}

// start begins collecting answers of n providers.
func (r *provResults) start(n int) {
	r.on = true
	r.c = slices.Grow(r.c[:0], n)[:n]
	r.got = slices.Grow(r.got[:0], n)[:n]
	clear(r.c)
	clear(r.got)
}

// stop stops collecting: later answers are not kept.
func (r *provResults) stop() { r.on = false }

// put keeps provider i's answer, if collecting.
func (r *provResults) put(i int, c *Completion) {
	if r.on && i < len(r.c) {
		r.c[i], r.got[i] = *c, true
	}
}

// get returns provider i's answer and whether it answered.
func (r *provResults) get(i int) (Completion, bool) {
	if !r.on || i >= len(r.c) || !r.got[i] {
		return Completion{}, false
	}
	return r.c[i], true
}

// recycled returns r emptied and stopped, keeping its memory.
func (r provResults) recycled() provResults {
	return provResults{c: r.c[:0], got: r.got[:0]}
}

// NewMachine returns a machine in PhaseNew.
func NewMachine(cfg MachineConfig) *Machine {
	if cfg.HoldTimeout <= 0 {
		cfg.HoldTimeout = DefaultHoldTimeout
	}
	if cfg.EventTimeout <= 0 {
		cfg.EventTimeout = DefaultEventTimeout
	}
	if cfg.ProviderTimeout <= 0 {
		cfg.ProviderTimeout = DefaultProviderTimeout
	}
	m := &Machine{cfg: cfg, now: cfg.Start}
	n, np := len(cfg.Writers), len(cfg.Providers)
	slots, writers := m.slotBuf[:0], m.writerBuf[:0]
	if n > len(m.slotBuf) {
		slots, writers = make([]writerSlot, 0, n), make([]*writerSlot, 0, n)
	}
	for i, info := range cfg.Writers {
		slots = append(slots, writerSlot{index: i, info: info, level: info.EffectiveLevel(),
			state: vss.WriterStable, failure: vss.OK, actor: Actor{Kind: ActorWriter, Index: i, Name: info.Name}})
		writers = append(writers, &slots[i])
	}
	m.writers = writers
	m.provActors = m.provBuf[:0]
	for i, p := range cfg.Providers {
		m.provActors = append(m.provActors, Actor{Kind: ActorProvider, Index: i, Name: p.Name})
	}
	// Room for what a backup needs at once: a stage's Ops (one per
	// writer or provider, and the Aborts that may follow), DoSnapshotSet's
	// program, the writers of a stage.
	m.pending, m.out.Start = m.pendingBuf[:0], m.startArr[:0]
	if k := max(n, np); k > len(m.startArr) {
		m.pending, m.out.Start = make([]op, 0, 2*k), make([]Op, 0, k)
	}
	m.active.stages = m.stageBuf[:0]
	m.wsBuf = m.wsArr[:0]
	if n > len(m.wsArr) {
		m.wsBuf = make([]*writerSlot, 0, n)
	}
	if t := cfg.Trace; t != nil { // the trace names the actors by index
		m.named = true
		for _, w := range m.writers {
			m.named = m.named && t.named(&w.actor)
		}
		for i := range m.provActors {
			m.named = m.named && t.named(&m.provActors[i])
		}
	}
	return m
}

// Phase returns the session's phase.
func (m *Machine) Phase() Phase { return m.phase }

// Busy reports whether a call is in progress.
func (m *Machine) Busy() bool { return m.cur != nil }

// Now returns the time of the latest input.
func (m *Machine) Now() time.Time { return m.now }

// WriterState returns writer i's current state and failure.
func (m *Machine) WriterState(i int) (vss.WriterState, vss.HRESULT) {
	w := m.writers[i]
	return w.state, w.failure
}

// Frozen returns the indexes of the writers that are frozen: Freeze was
// sent and neither Thaw nor Abort has been sent since.
func (m *Machine) Frozen() []int {
	var f []int
	for _, w := range m.writers {
		if w.inWindow {
			f = append(f, w.index)
		}
	}
	return f
}

// Pending returns how many Ops the machine awaits.
func (m *Machine) Pending() int { return m.live }

// NextDeadline returns the earliest time at which the machine needs a
// Tick: a writer's freeze window, an event's timeout or the end of the
// hold window. ok is false when nothing is timed.
func (m *Machine) NextDeadline() (t time.Time, ok bool) {
	const never = time.Duration(math.MaxInt64)
	due := never // the earliest, counted from the session's start; zero durations are none
	for i := range m.pending {
		if d := m.pending[i].due; d != 0 && d < due {
			due = d
		}
	}
	for _, w := range m.writers {
		if w.inWindow && w.windowEnd != 0 && w.windowEnd < due {
			due = w.windowEnd
		}
	}
	if d := m.holdDue; d != 0 && d < due {
		due = d
	}
	if due == never {
		return time.Time{}, false
	}
	if due != m.lastDue || m.lastDeadline.IsZero() { // it seldom changes: spare the time arithmetic
		m.lastDue, m.lastDeadline = due, m.cfg.Start.Add(due)
	}
	return m.lastDeadline, true
}

// Call starts a requestor call. If the call cannot start (it is out of
// order, or another call is in progress), the Output holds its Reply at
// once and nothing else.
func (m *Machine) Call(now time.Time, c Call) Output {
	m.call(now, &c)
	return m.take()
}

// call is Call with the call by pointer, its Output left in m.out.
func (m *Machine) call(now time.Time, c *Call) {
	m.advance(now)
	m.clearOut()
	step := m.callStep(c.Kind)
	if m.cur != nil {
		code := vss.ErrBadState
		if m.cur.call.Kind == CallDoSnapshotSet && (c.Kind == CallDoSnapshotSet || c.Kind == CallStartSnapshotSet ||
			c.Kind == CallAddToSnapshotSet) {
			code = vss.ErrSnapshotSetInProgress
		}
		m.refuseIn(step, c, code, m.cur.call.Kind.String()+" is in progress")
		return
	}
	if c.Kind == CallClose && m.phase == PhaseClosed {
		m.out.Reply = &Reply{Kind: c.Kind}
		return
	}
	m.step = step
	m.quick(RecCall, &requestorActor, int(c.Kind), "", 0)
	a := &m.active // reset field by field, keeping its buffers
	a.call = *c
	a.stages, a.next = a.stages[:0], 0
	a.reply = Reply{Kind: c.Kind}
	a.aborted = false
	a.results = a.results.recycled()
	clear(a.cleanup)
	a.cleanup = a.cleanup[:0]
	a.candidates, a.chosen, a.snapID = a.candidates[:0], 0, vss.NilID
	m.cur = a
	if !m.phase.Legal(c.Kind) && !m.legalWithoutWriters(c.Kind) {
		m.finish(vss.Errorf(vss.ErrBadState, c.Kind.String(), "not legal in phase %s", m.phase))
		m.pump()
		return
	}
	m.begin(&m.cur.call)
	m.pump()
}

// Complete reports the outcome of an Op. Outcomes of Ops the machine no
// longer awaits (cancelled or timed out) are ignored.
func (m *Machine) Complete(now time.Time, c Completion) Output {
	m.complete(now, &c)
	return m.take()
}

// complete is Complete with the completion by pointer, its Output left in
// m.out.
func (m *Machine) complete(now time.Time, c *Completion) {
	m.advance(now)
	i := m.find(c.Token)
	if i < 0 {
		return
	}
	done := m.pending[i]
	m.pending[i] = op{} // a tombstone: the others keep their places and order
	if m.live--; m.live == 0 {
		m.pending = m.pending[:0]
	}
	o := &done
	switch o.kind {
	case OpWriterEvent:
		m.writerResult(o, c)
	case OpProvider:
		m.providerResult(o, c)
	case OpHoldWrites, OpReleaseWrites:
		m.writesResult(o, c)
	}
	m.pump()
}

// Tick tells the machine the time is now; it fails whatever has timed out.
func (m *Machine) Tick(now time.Time) Output {
	m.advance(now)
	m.expire()
	m.pump()
	return m.take()
}

// Cancel tells the machine that the requestor gave up on the call in
// progress (its context ended), or that the driver knows nothing the call
// awaits can ever answer. The machine stops waiting, aborts what the call
// started (a snapshot set in creation is aborted: its writers get Abort and
// its providers AbortSnapshots) and then replies with an error that wraps
// cause: VSS_S_ASYNC_CANCELLED for a context's end, VSS_E_UNEXPECTED
// otherwise. Without a call in progress it does nothing.
func (m *Machine) Cancel(now time.Time, cause error) Output {
	m.advance(now)
	if m.cur == nil || m.cur.aborted {
		return m.take()
	}
	err := &vss.Error{Op: m.cur.call.Kind.String(), Code: vss.AsyncCancelled,
		Detail: "cancelled by the requestor: " + cause.Error(), Err: cause}
	if !errors.Is(cause, context.Canceled) && !errors.Is(cause, context.DeadlineExceeded) {
		// Not the requestor: the driver knows nothing it awaits can answer.
		err.Code, err.Detail = vss.ErrUnexpected, "a participant never answered: "+cause.Error()
	}
	m.record(m.step, &Record{Kind: RecState, Actor: vssActor, Decision: DecisionCancel, Err: cause, Code: vss.CodeOf(cause)})
	m.abortCall(err)
	m.pump()
	return m.take()
}

// refuse answers a call that cannot start, with code and why, recording
// the call and its return; the machine's state does not change.
func (m *Machine) refuse(now time.Time, c *Call, code vss.HRESULT, why string) Output {
	m.advance(now)
	m.clearOut()
	step := m.callStep(c.Kind)
	m.refuseIn(step, c, code, why)
	return m.take()
}

// refuseIn is refuse at the given step, its Output left in m.out.
func (m *Machine) refuseIn(step int, c *Call, code vss.HRESULT, why string) {
	err := vss.Errorf(code, c.Kind.String(), "%s", why)
	m.record(step, &Record{Kind: RecCall, Actor: requestorActor, Call: c.Kind})
	m.record(step, result(&Record{Kind: RecReturn, Actor: requestorActor, Call: c.Kind}, err))
	m.out.Reply = &Reply{Kind: c.Kind, Err: err}
}

func (m *Machine) advance(now time.Time) {
	if now != m.now && now.After(m.now) { // most inputs come at the time of the last
		m.now, m.at = now, now.Sub(m.cfg.Start)
	}
}

// takeInto moves the Output of the last input into o, field by field: a
// driver's own copy, made under its lock. (A struct copy of m.out would
// read it back 16 bytes at a time while its fields are still being
// stored, which stalls.)
func (m *Machine) takeInto(o *Output) {
	o.Start, o.Cancel, o.Reply = m.out.Start, m.out.Cancel, m.out.Reply
	if len(o.Start) == 0 {
		o.Start = nil
	}
	m.clearOut()
}

func (m *Machine) take() Output {
	var out Output
	m.takeInto(&out)
	return out
}

// clearOut empties m.out for the next input. Its Start keeps its memory
// (the machine's buffer of started Ops, valid for the driver until the
// next input); fields are written only if they change, as writing a
// pointer costs more while the collector marks.
func (m *Machine) clearOut() {
	m.out.Start = m.out.Start[:0]
	if m.out.Cancel != nil {
		m.out.Cancel = nil
	}
	if m.out.Reply != nil {
		m.out.Reply = nil
	}
}

// pump runs the current call's stages for as long as none of their Ops
// is outstanding, and replies when the program is done and nothing the
// call started is still awaited.
func (m *Machine) pump() {
	for m.cur != nil {
		if m.barrierPending() {
			return
		}
		if m.cur.next < len(m.cur.stages) {
			s := m.cur.stages[m.cur.next]
			m.cur.next++
			s(m)
			continue
		}
		if m.live > 0 {
			return // background work, such as an Abort, must settle first
		}
		if len(m.cur.cleanup) > 0 {
			m.cur.reply.Err = errors.Join(append([]error{m.cur.reply.Err}, m.cur.cleanup...)...)
		}
		if err := m.cur.reply.Err; err == nil {
			m.quick(RecReturn, &requestorActor, int(m.cur.call.Kind), "", entryResult)
		} else {
			m.record(m.step, result(&Record{Kind: RecReturn, Actor: requestorActor, Call: m.cur.call.Kind}, err))
		}
		clear(m.active.stages) // drop the closures
		m.cur = nil
		m.out.Reply = &m.active.reply // kept until the next call
	}
}

func (m *Machine) barrierPending() bool {
	for i := range m.pending {
		if m.pending[i].barrier {
			return true
		}
	}
	return false
}

// find returns the index of the awaited Op named token, or -1.
func (m *Machine) find(token uint64) int {
	if token == 0 {
		return -1 // the token of no Op, and of the tombstones in pending
	}
	for i := range m.pending {
		if m.pending[i].token == token {
			return i
		}
	}
	return -1
}

// orphanIf stops awaiting the Ops that match, cancels them, and returns
// them in the order they started.
func (m *Machine) orphanIf(match func(o *op) bool) []op {
	var gone []op
	kept := m.pending[:0]
	for _, o := range m.pending {
		if o.token == 0 {
			continue // a tombstone
		}
		if match(&o) {
			gone = append(gone, o)
			m.out.Cancel = append(m.out.Cancel, o.token)
		} else {
			kept = append(kept, o)
		}
	}
	clear(m.pending[len(kept):])
	m.pending, m.live = kept, len(kept)
	return gone
}

// then appends stages to the current call's program.
func (m *Machine) then(stages ...func(*Machine)) {
	m.cur.stages = append(m.cur.stages, stages...)
}

// finish ends the current call's program with err (nil for success); Ops
// still running are awaited before the reply.
func (m *Machine) finish(err error) {
	if err != nil && m.cur.reply.Err == nil {
		m.cur.reply.Err = err
	}
	m.cur.next = len(m.cur.stages)
}

// stop ends the current call with err and gives up waiting for the Ops its
// stage started.
func (m *Machine) stop(err error) {
	m.orphanBarrier()
	m.finish(err)
}

// orphanBarrier stops awaiting the current stage's Ops and cancels them.
func (m *Machine) orphanBarrier() {
	m.orphanIf(func(o *op) bool { return o.barrier })
}

// start emits an Op and, unless background, makes the current stage wait
// for it.
func (m *Machine) start(o Op, due time.Duration, background bool) {
	m.token++
	o.Token = m.token
	var p *op
	m.pending, p = push1(m.pending)
	p.token, p.due, p.kind, p.writer, p.provider, p.method = o.Token, due, o.Kind, o.Writer, o.Provider, o.Method
	p.volume, p.barrier, p.event = o.Volume, !background, 0
	if o.Event != nil {
		p.event = o.Event.Kind
	}
	m.live++
	var s *Op
	m.out.Start, s = push1(m.out.Start)
	*s = o
}

// push1 extends s by one element and returns it with a pointer to that
// element, which the caller fills in place: an element built aside and
// appended is copied 16 bytes at a time while its fields are still being
// stored, a stall. The element may hold what the slice held before.
func push1[T any](s []T) ([]T, *T) {
	n := len(s)
	if n == cap(s) {
		var zero T
		s = append(s, zero)
	} else {
		s = s[:n+1]
	}
	return s, &s[n]
}

// expire fails whatever has passed its deadline: writer events, freeze
// windows and the hold window.
func (m *Machine) expire() {
	expired := m.orphanIf(func(o *op) bool { return o.due != 0 && m.at >= o.due })
	for i := range expired {
		o := &expired[i]
		switch o.kind {
		case OpWriterEvent:
			m.writerTimedOut(m.writers[o.writer], o.event)
		case OpProvider:
			m.record(m.step, &Record{Kind: RecState, Actor: m.provActors[o.provider], Method: o.method, Decision: DecisionTimedOut})
			m.providerResult(o, &Completion{Err: vss.Errorf(vss.ErrUnexpectedProviderError, o.method.String(),
				"no answer within %v: %w", m.cfg.ProviderTimeout, context.DeadlineExceeded)})
		default:
			r := Record{Kind: RecState, Actor: vssActor, Decision: DecisionTimedOut}
			if o.kind == OpReleaseWrites {
				r.Detail = "release writes"
			}
			m.record(m.step, &r)
			m.writesTimedOut(o)
		}
	}
	for _, w := range m.writers {
		if w.inWindow && m.at >= w.windowEnd {
			m.freezeWindowExpired(w)
		}
	}
	if m.holdDue != 0 && m.at >= m.holdDue {
		m.holdDue = 0
		m.failSet(vss.Errorf(vss.ErrFlushWritesTimeout, "DoSnapshotSet",
			"the providers did not commit within the %v flush-and-hold window", m.cfg.HoldTimeout))
	}
}

func (k OpKind) String() string {
	switch k {
	case OpWriterEvent:
		return "writer event"
	case OpProvider:
		return "provider call"
	case OpHoldWrites:
		return "hold writes"
	case OpReleaseWrites:
		return "release writes"
	}
	return fmt.Sprintf("OpKind(%d)", int(k))
}

// record adds r to the trace, at the machine's time and the given step. A
// record about a writer carries the writer's state as it is now.
func (m *Machine) record(step int, r *Record) {
	if m.cfg.Trace == nil {
		return
	}
	r.At, r.Step = m.at, step
	if r.Actor.Kind == ActorWriter && r.State == vss.WriterStateUnknown && r.Actor.Index < len(m.writers) {
		r.State = m.writers[r.Actor.Index].state
	}
	m.cfg.Trace.add(r)
}

// quick records, at the machine's time and step, the record of a call, an
// event or a provider method (what), or its outcome without error: it is
// the same record as Record{Kind: kind, Actor: *a, Call, Event or Method:
// what, Volume: volume} with Result and Supported set by flags, written
// straight into the trace when it fits an entry. A record about a writer
// has the writer's state in flags too (writerSlot.stateFlags), as record
// would give it.
func (m *Machine) quick(kind RecordKind, a *Actor, what int, volume string, flags uint8) {
	t := m.cfg.Trace
	if t == nil {
		return
	}
	var v uint16
	if m.named && uint(what) <= 255 && uint(m.step) <= 255 && uint(a.Index) <= 0xFFFF && (volume == "" || t.volume(volume, &v)) {
		// Written in place, field by field: an entry built aside and
		// copied in would be read back while its bytes are still being
		// stored, which stalls.
		e := t.next()
		e.at, e.more, e.index, e.window, e.volume = m.at, 0, uint16(a.Index), 0, v
		e.step, e.kind, e.actor, e.what, e.decision, e.flags = uint8(m.step), uint8(kind), uint8(a.Kind), uint8(what), 0, flags
		if t.onRecord != nil || t.logger != nil {
			t.added()
		}
		return
	}
	r := Record{Kind: kind, Actor: *a, Volume: volume, Result: flags&entryResult != 0, Supported: flags&entrySupported != 0}
	switch kind {
	case RecCall, RecReturn:
		r.Call = CallKind(what)
	case RecWriterEvent, RecWriterResult:
		r.Event = writer.EventKind(what)
	default:
		r.Method = provider.Method(what)
	}
	m.record(m.step, &r)
}

// result makes r a result record with outcome err.
func result(r *Record, err error) *Record {
	r.Result, r.Err, r.Code = true, err, vss.CodeOf(err)
	return r
}

// newID draws a snapshot set or snapshot ID, unique within the session
// even from a poor source (a fuzzer's bytes may repeat).
func (m *Machine) newID() (vss.ID, error) {
	if m.cfg.IDs == nil {
		return vss.NilID, errors.New("coordinator: no ID source configured")
	}
	for range 32 {
		id, err := vss.NewID(m.cfg.IDs)
		if err != nil {
			return vss.NilID, err
		}
		if !m.idInUse(id) {
			return id, nil
		}
	}
	return vss.NilID, errors.New("coordinator: the ID source keeps repeating itself")
}

func (m *Machine) idInUse(id vss.ID) bool {
	for _, s := range m.sets {
		if s.id == id {
			return true
		}
		for _, v := range s.volumes {
			if v.snapshotID == id {
				return true
			}
		}
	}
	return false
}

// Abandon gives up on every Op the machine awaits and ends the call in
// progress with cause (or the error it already had). A driver uses it when
// nothing it awaits can ever complete, for example a runtime that knows a
// participant will never answer. Writes held are released all the same
// (and that release awaited). The session is left Aborted.
func (m *Machine) Abandon(now time.Time, cause error) Output {
	m.advance(now)
	m.orphanIf(func(*op) bool { return true })
	m.holdDue = 0
	if m.set != nil && m.set.held && m.cur != nil {
		m.set.held = false // released once: a release abandoned in turn is not retried
		m.releaseWrites(m.set)
	}
	for _, w := range m.writers {
		w.inWindow = false
	}
	if m.cur != nil {
		m.record(m.step, &Record{Kind: RecState, Actor: vssActor, Decision: DecisionAbandon, Err: cause, Code: vss.CodeOf(cause)})
		if m.cur.reply.Err == nil {
			m.cur.reply.Err = &vss.Error{Op: m.cur.call.Kind.String(), Code: vss.ErrUnexpected, Detail: cause.Error(), Err: cause}
		}
		m.cur.next = len(m.cur.stages)
		if m.phase != PhaseClosed && m.cur.call.Kind != CallClose {
			m.phase = PhaseAborted
		} else {
			m.phase = PhaseClosed
		}
	}
	m.pump()
	return m.take()
}
