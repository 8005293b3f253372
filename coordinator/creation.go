package coordinator

import (
	"github.com/vsskit/vss"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/writer"
)

// beginDoSnapshotSet lays out the creation sequence of a shadow copy set
// (steps 5 to 9), one stage after the other; each stage waits for every
// writer or provider it involved.
func (m *Machine) beginDoSnapshotSet() {
	m.set.state = setCreating
	m.then(doSnapshotSetStages[:]...)
}

// doSnapshotSetStages is the program of DoSnapshotSet. Its stages work on
// m.set, the one set of the session, which no other call can change
// while DoSnapshotSet runs. An empty set (no volume added) runs the
// writer events only: it has no provider to call and no volume to hold
// writes on.
//
// EndPrepareSnapshots comes first, before the writers' PrepareForSnapshot,
// as Microsoft's sequence diagram of a backup (vss-sequence.png) and the
// shadow copy creation process for providers (step 4) show it.
var doSnapshotSetStages = [...]func(*Machine){
	func(m *Machine) { m.providerStage(6, provider.MethodEndPrepareSnapshots) },
	func(m *Machine) { // step 6: PrepareForSnapshot
		m.step = 6
		ws := m.wsBuf[:0]
		if m.sc.WithWriters() {
			for _, w := range m.writers {
				if w.takesPart() && !w.failed() { // the participants that did not fail
					ws = append(ws, w)
				}
			}
		}
		m.wsBuf = ws
		m.broadcast(writer.EventPrepareSnapshot, ws)
	},
	func(m *Machine) { m.freezeStage(0) },
	func(m *Machine) { m.freezeStage(1) },
	func(m *Machine) { m.freezeStage(2) },
	func(m *Machine) { m.providerStage(7, provider.MethodPreCommitSnapshots) },
	func(m *Machine) { // step 7: flush and hold writes
		m.step = 7
		if len(m.set.volumes) == 0 {
			return // an empty set: no volume to hold writes on
		}
		m.record(m.step, &Record{Kind: RecWrites, Actor: vssActor, Decision: DecisionHoldWrites, Timeout: m.cfg.HoldTimeout})
		m.start(Op{Kind: OpHoldWrites, Volumes: m.set.volumeNames()}, m.at+m.cfg.HoldTimeout, false)
	},
	func(m *Machine) { // step 8: commit inside the hold window
		m.step = 8
		if len(m.set.volumes) == 0 {
			return
		}
		m.holdDue = m.at + m.cfg.HoldTimeout
		set := m.set
		for _, p := range set.providers() {
			m.callProvider(Op{Provider: p, Method: provider.MethodCommitSnapshots, SetID: set.id})
		}
	},
	func(m *Machine) { // step 8: release writes
		m.holdDue = 0
		if len(m.set.volumes) > 0 {
			m.releaseWrites(m.set)
		}
	},
	func(m *Machine) { m.providerStage(8, provider.MethodPostCommitSnapshots) },
	func(m *Machine) { m.thawStage(2) },
	func(m *Machine) { m.thawStage(1) },
	func(m *Machine) { m.thawStage(0) },
	func(m *Machine) { m.providerStage(9, provider.MethodPreFinalCommitSnapshots) },
	func(m *Machine) { // step 9: learn the shadow copies' devices for PostSnapshot
		m.cur.results.stop()
		for _, v := range m.set.volumes {
			m.callProvider(Op{Provider: v.provider, Method: provider.MethodGetSnapshotProperties, SnapshotID: v.snapshotID, Volume: v.name})
		}
	},
	func(m *Machine) { // step 9: PostSnapshot
		m.broadcast(writer.EventPostSnapshot, m.writersIn(vss.WriterWaitingForPostSnapshot, -1))
	},
	func(m *Machine) { m.providerStage(9, provider.MethodPostFinalCommitSnapshots) },
	func(m *Machine) {
		m.set.state = setCreated
		m.phase = PhaseSnapshotCreated
		m.record(m.step, &Record{Kind: RecState, Actor: vssActor, Decision: DecisionSetCreated, SetID: m.set.id})
	},
}

// providerStage calls a creation method on every provider of the set.
func (m *Machine) providerStage(step int, call provider.Method) {
	m.step = step
	set := m.set
	for _, p := range set.providers() {
		o := Op{Provider: p, Method: call, SetID: set.id}
		if call == provider.MethodPostCommitSnapshots {
			o.Count = len(set.volumes)
		}
		m.callProvider(o)
	}
}

// freezeStage freezes the writers of one level rank (0 front end, 1 back
// end, 2 system), all at once; the next level waits for them.
func (m *Machine) freezeStage(rank int) {
	m.step = 6
	m.broadcast(writer.EventFreeze, m.writersIn(vss.WriterWaitingForFreeze, rank))
}

// thawStage thaws the frozen writers of one level rank; system first.
// Thawing in the reverse of the Freeze order is this library's rule:
// Microsoft documents only the Freeze order.
func (m *Machine) thawStage(rank int) {
	m.step = 9
	ws := m.writersIn(vss.WriterWaitingForThaw, rank)
	n := 0
	for _, w := range ws {
		if w.inWindow {
			ws[n] = w
			n++
		}
	}
	m.broadcast(writer.EventThaw, ws[:n])
}

// writersIn returns the participants in state s (and of level rank, unless
// rank is negative). The slice is the machine's buffer, valid until the
// next call: a stage hands it to broadcast at once.
func (m *Machine) writersIn(s vss.WriterState, rank int) []*writerSlot {
	m.wsBuf = m.wsBuf[:0]
	if !m.sc.WithWriters() {
		return m.wsBuf
	}
	for _, w := range m.writers {
		if w.takesPart() && w.state == s && (rank < 0 || w.level.FreezeRank() == rank) {
			m.wsBuf = append(m.wsBuf, w)
		}
	}
	return m.wsBuf
}

// failSet fails the shadow copy set being created: writes are released,
// writers not yet past PostSnapshot get Abort, every provider of the set
// gets AbortSnapshots, and DoSnapshotSet returns err once all of that is
// done. Only the first failure counts.
//
// A hold or release of writes still running stays awaited: its outcome
// decides whether writes must be released, and a hold that took effect
// after the failure (its answer arriving after a cancellation, say) is
// released like any other.
func (m *Machine) failSet(err error) {
	if m.cur == nil || m.cur.aborted {
		return
	}
	m.cur.aborted = true
	m.holdDue = 0
	m.orphanIf(func(o *op) bool { return o.barrier && (!o.writes() || reintroduced.lateHold) })
	m.cur.reply.Err = err
	m.record(m.step, &Record{Kind: RecState, Actor: vssActor, Decision: DecisionAbortSet, Err: err, Code: vss.CodeOf(err)})
	m.cur.stages = append(m.cur.stages[:0], failSetStages[:]...)
	m.cur.next = 0
}

// failSetStages undo the creation of m.set: see failSet.
var failSetStages = [...]func(*Machine){
	func(m *Machine) {
		if m.set.held {
			m.releaseWrites(m.set)
		}
	},
	func(m *Machine) {
		m.abortWriters()
		m.abortProviders(m.set)
	},
	func(m *Machine) {
		m.set.state = setAborted
		m.set.devices = nil
		m.phase = PhaseAborted
	},
}

// abandonSet gives up a set whose DoSnapshotSet was never called. Its
// providers are sent nothing: "VSS will only call AbortSnapshots after the
// requester has called DoSnapshotSet, even if the shadow copy fails or is
// aborted before this point", and a provider learns of the abandoned set
// when BeginPrepareSnapshot starts the next one (Microsoft's "State
// Transitions in Shadow Copy Providers").
func (m *Machine) abandonSet(set *snapshotSet) {
	set.state = setAborted
	if len(set.touched) > 0 {
		m.record(m.step, &Record{Kind: RecState, Actor: vssActor, Decision: DecisionSetAbandoned, SetID: set.id})
	}
}

// abortProviders sends AbortSnapshots to every provider asked to prepare
// part of the set, including one whose BeginPrepareSnapshot failed. Only a
// set whose DoSnapshotSet was called is aborted so (see abandonSet).
func (m *Machine) abortProviders(set *snapshotSet) {
	for _, p := range set.touched {
		m.callProvider(Op{Provider: p, Method: provider.MethodAbortSnapshots, SetID: set.id})
	}
}

// abortCall stops the current call after a cancellation: what
// it started is undone, then it replies with err.
func (m *Machine) abortCall(err error) {
	kind := m.cur.call.Kind
	if kind == CallDoSnapshotSet {
		m.failSet(err)
		return
	}
	m.orphanBarrier()
	m.cur.aborted = true
	m.cur.reply.Err = err
	m.cur.stages, m.cur.next = m.cur.stages[:0], 0
	switch kind {
	case CallGatherWriterMetadata, CallAddToSnapshotSet, CallPrepareForBackup, CallBackupComplete:
		m.then(abortCallStages[:]...)
	}
}

// abortCallStages undo what the current call started: see abortCall.
var abortCallStages = [...]func(*Machine){
	func(m *Machine) {
		if m.cur.call.Kind != CallGatherWriterMetadata {
			m.abortWriters()
		}
		if m.set != nil && m.set.state == setBuilding {
			m.abandonSet(m.set)
		}
	},
	func(m *Machine) { m.phase = PhaseAborted },
}

// releaseWrites releases the writes held on the set's volumes; the stage
// waits for it. Releasing is bounded by the hold window too: a release
// that does not answer within it is a clean-up failure of the call.
func (m *Machine) releaseWrites(set *snapshotSet) {
	m.record(m.step, &Record{Kind: RecWrites, Actor: vssActor, Decision: DecisionReleaseWrites})
	m.start(Op{Kind: OpReleaseWrites, Volumes: set.volumeNames()}, m.at+m.cfg.HoldTimeout, false)
}

// cleanupFailed records the failure of clean-up work of the current call
// (aborting or deleting shadow copies, releasing writes): the call's
// reply joins it to its own error, for the requestor must learn that
// something may be left behind.
func (m *Machine) cleanupFailed(err error) {
	if m.cur != nil {
		m.cur.cleanup = append(m.cur.cleanup, err)
	}
}
