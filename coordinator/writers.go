package coordinator

import (
	"fmt"
	"time"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/writer"
)

// writerSlot is the machine's view of one writer.
type writerSlot struct {
	index    int
	info     writer.Info
	level    vss.AppLevel
	state    vss.WriterState
	failure  vss.HRESULT
	failedAt writer.EventKind
	detail   string
	// What the writer recorded with SetWriterFailureEx: its
	// application's code and message (GetWriterStatusEx).
	appFailure vss.HRESULT
	appMessage string

	identified bool             // answered Identify: takes part in the backup, unless excluded
	md         *writer.Metadata // its writer metadata document
	pastPost   bool             // PostSnapshot was sent: no Abort any more
	// excluded says why the writer takes no part in the backup and gets
	// no more events (see exclude); empty while it takes part.
	excluded string

	inWindow  bool          // frozen: Freeze sent, neither Thaw nor Abort since
	windowEnd time.Duration // when the freeze timeout expires, counted from the session's start

	actor Actor // the writer as trace records name it
}

func (w *writerSlot) failed() bool { return w.state.Failed() }

// stateFlags returns the writer's state as the flags of a trace entry
// hold it: the machine's states are VSS_WRITER_STATE values, which fit.
func (w *writerSlot) stateFlags() uint8 { return uint8(w.state) << entryStateShift }

// participants returns the writers taking part in the backup: those that
// answered Identify and were not excluded, when the context has writers.
// The slice is the machine's buffer, as writersIn's.
func (m *Machine) participants() []*writerSlot {
	m.wsBuf = m.wsBuf[:0]
	if !m.sc.WithWriters() {
		return m.wsBuf
	}
	for _, w := range m.writers {
		if w.takesPart() {
			m.wsBuf = append(m.wsBuf, w)
		}
	}
	return m.wsBuf
}

// takesPart reports whether the writer answered Identify and was not
// excluded from the backup since.
func (w *writerSlot) takesPart() bool { return w.identified && w.excluded == "" }

// baseEvent describes the backup as writers see it at this moment.
func (m *Machine) baseEvent(kind writer.EventKind) *writer.Event {
	e := &writer.Event{Kind: kind, BackupType: m.bs.Type, Context: m.sc,
		ComponentsSelected: m.bs.SelectComponents, BootableSystemState: m.bs.BootableSystemState,
		PartialFileSupport: m.bs.PartialFileSupport}
	if m.set != nil && kind != writer.EventPrepareBackup {
		e.SnapshotSetID = m.set.id
		e.Volumes = m.set.names
		if len(m.set.devices) > 0 {
			e.SnapshotDevices = m.set.devices
		}
	}
	return e
}

// sendEvent delivers an event to one writer. Freeze is bounded by the
// writer's freeze window, other events by the event timeout.
func (m *Machine) sendEvent(w *writerSlot, base *writer.Event, background bool) {
	m.sendEventIn(w, base, background, &m.newEvents(1)[0])
}

// newEvents returns n zero events for writers' own copies. They are cut
// from chunks of several, never reused: a writer may keep its event.
func (m *Machine) newEvents(n int) []writer.Event {
	if n > len(m.evChunk) {
		m.evChunk = make([]writer.Event, max(n, 4*len(m.writers))) // four events of every writer
	}
	evs := m.evChunk[:n:n]
	m.evChunk = m.evChunk[n:]
	return evs
}

// sendEventIn is sendEvent with the writer's copy of the event in e.
func (m *Machine) sendEventIn(w *writerSlot, base *writer.Event, background bool, e *writer.Event) {
	*e = *base // Volumes and SnapshotDevices are shared and read-only
	if e.Kind == writer.EventFreeze || e.Kind == writer.EventThaw {
		e.Level = w.level
	}
	if sel := m.selectedOf(w); len(sel) > 0 {
		e.Components = make([]*writer.Component, len(sel))
		for i, c := range sel {
			e.Components[i] = c.Clone()
		}
	}
	due := m.at + m.cfg.EventTimeout
	switch e.Kind {
	case writer.EventFreeze:
		w.inWindow = true
		w.windowEnd = m.at + w.info.EffectiveFreezeTimeout()
		due = 0 // the freeze window bounds it
	case writer.EventThaw, writer.EventAbort:
		w.inWindow = false
	case writer.EventPostSnapshot:
		w.pastPost = true // from now on the writer gets no Abort
	}
	if e.Kind == writer.EventFreeze { // the record carries the freeze window
		m.record(m.step, &Record{Kind: RecWriterEvent, Actor: w.actor, Event: e.Kind, Timeout: w.info.EffectiveFreezeTimeout()})
	} else {
		m.quick(RecWriterEvent, &w.actor, int(e.Kind), "", w.stateFlags())
	}
	m.start(Op{Kind: OpWriterEvent, Writer: w.index, Event: e}, due, background)
}

// broadcast sends an event to every writer in ws; the stage waits for all.
func (m *Machine) broadcast(kind writer.EventKind, ws []*writerSlot) {
	base := m.baseEvent(kind)
	evs := m.newEvents(len(ws)) // each writer's own copy
	for i, w := range ws {
		m.sendEventIn(w, base, false, &evs[i])
	}
}

// writerResult applies a writer's answer to an event.
func (m *Machine) writerResult(o *op, c *Completion) {
	w := m.writers[o.writer]
	kind := o.event
	rec, recorded := writer.Failure{}, false
	if c.Event != nil && kind != writer.EventAbort {
		if f := c.Event.Failure; f != nil {
			rec, recorded = *f, true
			if rec.Failed() && !rec.Code.IsWriterError() {
				rec.Code = vss.ErrWriterNonRetryable // set by hand, not through SetWriterFailure
			}
		}
		m.keepComponents(w, c.Event)
	}
	if recorded {
		w.appFailure, w.appMessage = rec.Application, rec.Message
		if c.Err == nil && rec.Failed() {
			// A veto: the handler recorded a failure and returned success
			// (Microsoft's "Writer Errors and Vetoes").
			c.Err = vss.Errorf(rec.Code, kind.String(), "the writer recorded %v and returned success", rec)
		}
	}
	if c.Err != nil {
		m.record(m.step, result(&Record{Kind: RecWriterResult, Actor: w.actor, Event: kind}, c.Err))
		if kind == writer.EventAbort {
			return // an Abort that fails leaves the writer where the Abort put it
		}
		code := vss.WriterFailure(c.Err)
		if recorded && rec.Failed() {
			code = rec.Code // what the writer recorded is what VSS reports
		}
		m.failWriter(w, kind, code, c.Err.Error())
		if kind == writer.EventFreeze || kind == writer.EventThaw {
			m.abortWriter(w)
		}
		return
	}
	switch kind {
	case writer.EventIdentify:
		w.identified, w.md = true, c.Metadata
		m.setState(w, vss.WriterStable)
	case writer.EventPrepareBackup:
		m.setState(w, vss.WriterStable)
	case writer.EventPrepareSnapshot:
		m.setState(w, vss.WriterWaitingForFreeze)
	case writer.EventFreeze:
		m.setState(w, vss.WriterWaitingForThaw)
	case writer.EventThaw:
		m.setState(w, vss.WriterWaitingForPostSnapshot)
	case writer.EventPostSnapshot:
		m.setState(w, vss.WriterWaitingForBackupComplete)
	case writer.EventBackupComplete:
		m.setState(w, vss.WriterStable)
	case writer.EventPreRestore, writer.EventPostRestore:
		m.keepRestoreComponents(w, c.Event)
	}
	m.quick(RecWriterResult, &w.actor, int(kind), "", entryResult|w.stateFlags())
}

// keepComponents stores in the backup components document what a writer
// recorded in its components while it handled e, whether it succeeded or
// not, at the events where Microsoft's pages let a writer record it: a
// backup stamp, backup metadata, partial and differenced files at the
// events of a backup from PrepareBackup to PostSnapshot (SetBackupStamp
// and AddDifferencedFilesByLastModifyTime answer VSS_E_BAD_STATE at
// BackupComplete and BackupShutdown); a component's failure
// (IVssComponentEx2::SetFailure) at any event but Identify. What a
// writer records at other events is not kept.
func (m *Machine) keepComponents(w *writerSlot, e *writer.Event) {
	backup := false
	switch e.Kind {
	case writer.EventPrepareBackup, writer.EventPrepareSnapshot, writer.EventFreeze, writer.EventThaw, writer.EventPostSnapshot:
		backup = true
	case writer.EventIdentify, writer.EventAbort:
		return
	}
	sel := m.selectedOf(w)
	for _, c := range e.Components {
		for _, s := range sel {
			if s.Key() != c.Key() {
				continue
			}
			if backup {
				s.BackupStamp, s.BackupMetadata = c.BackupStamp, c.BackupMetadata
				s.PartialFiles = append(s.PartialFiles[:0:0], c.PartialFiles...)
				s.DifferencedFiles = append(s.DifferencedFiles[:0:0], c.DifferencedFiles...)
			}
			if c.Failure != nil {
				f := *c.Failure
				s.Failure = &f
			}
		}
	}
}

// selectedOf returns the components selected of writer w.
func (m *Machine) selectedOf(w *writerSlot) []*writer.Component {
	if len(m.selected) == 0 {
		return nil
	}
	return m.selected[w.info.InstanceID]
}

func (m *Machine) setState(w *writerSlot, s vss.WriterState) {
	if w.state != s {
		w.state = s
	}
}

// failWriter records a writer's failure at an event.
func (m *Machine) failWriter(w *writerSlot, kind writer.EventKind, code vss.HRESULT, detail string) {
	w.state, w.failure, w.failedAt, w.detail = kind.FailedState(), code, kind, detail
	switch kind {
	case writer.EventIdentify:
		w.identified = false
	case writer.EventPostSnapshot:
		w.pastPost = true
	}
	m.record(m.step, &Record{Kind: RecState, Actor: w.actor, Decision: DecisionWriterFailed, State: w.state, Code: code})
}

// abortWriter sends Abort to one writer at once, without making the stage
// wait for it (the call still waits before it returns). A writer that did
// not fail is aborted through no fault of its own and returns to Stable
// (this library's rule: Microsoft does not say which state VSS reports
// for it).
func (m *Machine) abortWriter(w *writerSlot) {
	if w.pastPost {
		return
	}
	if !w.failed() {
		m.setState(w, vss.WriterStable)
	}
	m.sendEvent(w, m.baseEvent(writer.EventAbort), true)
}

// abortWriters sends Abort to every participant not yet past PostSnapshot.
func (m *Machine) abortWriters() {
	for _, w := range m.participants() {
		// A writer whose own event is still running is no longer awaited:
		// the Abort supersedes it.
		m.orphanIf(func(o *op) bool {
			return o.kind == OpWriterEvent && o.writer == w.index && o.event != writer.EventAbort
		})
		m.abortWriter(w)
	}
}

// writerTimedOut handles a writer that did not answer an event in time.
func (m *Machine) writerTimedOut(w *writerSlot, kind writer.EventKind) {
	m.record(m.step, result(&Record{Kind: RecWriterResult, Actor: w.actor, Event: kind, Timeout: m.cfg.EventTimeout},
		vss.Errorf(vss.ErrWriterNotResponding, kind.String(), "no answer within %v", m.cfg.EventTimeout)))
	if kind == writer.EventAbort {
		return
	}
	m.failWriter(w, kind, vss.ErrWriterNotResponding, fmt.Sprintf("no answer to %s within %v", kind, m.cfg.EventTimeout))
	if kind == writer.EventThaw {
		m.abortWriter(w)
	}
}

// freezeWindowExpired fails a writer frozen longer than its freeze timeout
// and aborts it at once. Still inside OnFreeze, it failed at Freeze;
// already frozen and waiting for Thaw, it failed at Thaw, as the writer
// itself reports when its timer fires before the Thaw.
func (m *Machine) freezeWindowExpired(w *writerSlot) {
	kind := writer.EventThaw
	if late := m.orphanIf(func(o *op) bool {
		return o.kind == OpWriterEvent && o.writer == w.index && o.event == writer.EventFreeze
	}); len(late) > 0 {
		kind = writer.EventFreeze
	}
	timeout := w.info.EffectiveFreezeTimeout()
	m.record(m.step, &Record{Kind: RecState, Actor: w.actor, Decision: DecisionFreezeTimeout, Timeout: timeout})
	m.failWriter(w, kind, vss.ErrWriterTimeout, fmt.Sprintf("frozen longer than the freeze timeout of %v", timeout))
	m.abortWriter(w)
}

// writerStatus is GetWriterStatusEx for one writer, with the failures it
// recorded on its selected components sel (IVssComponentEx2::GetFailure).
func (w *writerSlot) writerStatus(sel []*writer.Component) requestor.WriterStatus {
	s := requestor.WriterStatus{InstanceID: w.info.InstanceID, ClassID: w.info.ClassID, Name: w.info.Name,
		State: w.state, Failure: w.failure, FailedAt: w.failedAt, Detail: w.detail,
		ApplicationFailure: w.appFailure, ApplicationMessage: w.appMessage}
	for _, c := range sel {
		if c.Failure != nil {
			s.ComponentFailures = append(s.ComponentFailures, requestor.ComponentFailure{Component: c.Key(), Failure: *c.Failure})
		}
	}
	return s
}
