package coordinator

import (
	"errors"
	"fmt"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/provider"
)

// setState is where a shadow copy set is in its life.
type setState int

const (
	setBuilding setState = iota // StartSnapshotSet: volumes being added
	setCreating                 // DoSnapshotSet running
	setCreated                  // DoSnapshotSet succeeded
	setAborted                  // creation failed or the backup was aborted
	setDeleted                  // deleted by DeleteSnapshots
)

// snapshotSet is a shadow copy set of the session.
type snapshotSet struct {
	id      vss.ID
	volumes []setVolume
	names   []string // the volume names, as events show them (read-only)
	// touched lists every provider asked to prepare a snapshot of the set,
	// even if it then failed: it may hold something to abort.
	touched []int
	state   setState
	provs   []int // providers(), until the volumes change
	held    bool  // writes on its volumes are held (or may be)
	// holdUnknown is set when holding timed out: whether it took effect is
	// unknown, so writes are released, and a release that finds nothing
	// held is no failure.
	holdUnknown bool
	devices     map[string]string // volume -> shadow copy device, after commit
}

// setVolume is one volume of a set, with its snapshot and provider.
type setVolume struct {
	name       string
	snapshotID vss.ID
	provider   int
}

// providers returns the indexes of the providers holding part of the set,
// in the order they joined it. The slice is the set's, kept until its
// volumes change (setVolumes): the caller only reads it.
func (s *snapshotSet) providers() []int {
	if s.provs != nil {
		return s.provs
	}
	ps := []int{}
	for _, v := range s.volumes {
		seen := false
		for _, p := range ps {
			seen = seen || p == v.provider
		}
		if !seen {
			ps = append(ps, v.provider)
		}
	}
	s.provs = ps
	return ps
}

// setVolumes replaces the set's volumes and their names.
func (s *snapshotSet) setVolumes(vols []setVolume, names []string) {
	s.volumes, s.names, s.provs = vols, names, nil
}

// touch records that provider p was asked to prepare part of the set.
func (s *snapshotSet) touch(p int) {
	for _, t := range s.touched {
		if t == p {
			return
		}
	}
	s.touched = append(s.touched, p)
}

func (s *snapshotSet) volumeNames() []string {
	names := make([]string, len(s.volumes))
	for i, v := range s.volumes {
		names[i] = v.name
	}
	return names
}

// callProvider emits a provider call; the stage waits for it. Every call
// is bounded: CommitSnapshots by the flush-and-hold window, the others by
// the provider time-out.
func (m *Machine) callProvider(o Op) {
	o.Kind = OpProvider
	m.quick(RecProviderCall, &m.provActors[o.Provider], int(o.Method), o.Volume, 0)
	due := m.at + m.cfg.ProviderTimeout
	if o.Method == provider.MethodCommitSnapshots {
		due = 0 // the hold window bounds it
	}
	m.start(o, due, false)
}

// providerError maps a provider's error to what the requestor sees: a
// documented HRESULT passes through, anything else becomes
// vss.ErrUnexpectedProviderError.
func (m *Machine) providerError(op string, o *op, err error) error {
	code := vss.ErrUnexpectedProviderError
	var h vss.HRESULT
	if errors.As(err, &h) && h.Failed() {
		code = h
	}
	return &vss.Error{Op: op, Code: code, Err: err,
		Detail: fmt.Sprintf("provider %q failed at %s: %v", m.cfg.Providers[o.provider].Name, o.method, err)}
}

// providerResult applies a provider's answer.
func (m *Machine) providerResult(o *op, c *Completion) {
	if c.Err == nil && c.Count == 0 {
		var flags uint8 = entryResult
		if c.Supported {
			flags |= entrySupported
		}
		m.quick(RecProviderResult, &m.provActors[o.provider], int(o.method), o.volume, flags)
	} else {
		m.record(m.step, result(&Record{Kind: RecProviderResult, Actor: m.provActors[o.provider], Method: o.method,
			Volume: o.volume, Supported: c.Supported, Count: c.Count}, c.Err))
	}
	if m.cur != nil {
		m.cur.results.put(o.provider, c)
	}
	if c.Err == nil {
		if o.method == provider.MethodGetSnapshotProperties && m.cur != nil && m.cur.call.Kind == CallDoSnapshotSet && m.set != nil {
			if m.set.devices == nil {
				m.set.devices = make(map[string]string, len(m.set.volumes))
			}
			if c.Snapshot != nil {
				m.set.devices[o.volume] = c.Snapshot.DeviceObject
			}
		}
		return
	}
	switch o.method {
	case provider.MethodBeginPrepareSnapshot:
		m.stop(m.providerError(m.cur.call.Kind.String(), o, c.Err))
	case provider.MethodEndPrepareSnapshots, provider.MethodPreCommitSnapshots, provider.MethodCommitSnapshots, provider.MethodPostCommitSnapshots,
		provider.MethodPreFinalCommitSnapshots, provider.MethodPostFinalCommitSnapshots:
		m.failSet(m.providerError("DoSnapshotSet", o, c.Err))
	case provider.MethodGetSnapshotProperties:
		if m.cur != nil && m.cur.call.Kind == CallDoSnapshotSet {
			m.failSet(m.providerError("DoSnapshotSet", o, c.Err))
		}
	case provider.MethodAbortSnapshots, provider.MethodDeleteSnapshots:
		// Clean-up: the provider may keep what it was told to remove,
		// unless it has nothing by that name. The requestor's own
		// DeleteSnapshots reads its answers itself.
		if m.cur != nil && !errors.Is(c.Err, vss.ErrObjectNotFound) &&
			(o.method == provider.MethodAbortSnapshots || m.cur.call.Kind == CallClose) {
			m.cleanupFailed(m.providerError(m.cur.call.Kind.String(), o, c.Err))
		}
	}
}

// writesResult applies the outcome of holding or releasing writes.
func (m *Machine) writesResult(o *op, c *Completion) {
	d := DecisionReleaseWrites
	if o.kind == OpHoldWrites {
		d = DecisionHoldWrites
	}
	m.record(m.step, result(&Record{Kind: RecWrites, Actor: vssActor, Decision: d}, c.Err))
	if m.set == nil {
		return
	}
	if o.kind == OpReleaseWrites {
		if c.Err != nil && !m.set.holdUnknown {
			m.cleanupFailed(vss.Errorf(vss.ErrUnexpected, "DoSnapshotSet", "releasing writes on %v failed: %w", m.set.names, c.Err))
		}
		m.set.held, m.set.holdUnknown = false, false
		return
	}
	if c.Err != nil {
		code := vss.ErrHoldWritesTimeout
		var h vss.HRESULT
		if errors.As(c.Err, &h) && h.Failed() {
			code = h
		}
		m.failSet(&vss.Error{Op: "DoSnapshotSet", Code: code, Detail: "holding writes failed: " + c.Err.Error(), Err: c.Err})
		return
	}
	m.set.held = true
}

// firstResult returns the successful result of the lowest-indexed provider
// among those that answered the current call, skipping "not found".
func (m *Machine) firstResult() (Completion, error) {
	var firstErr error
	for i := range m.cfg.Providers {
		c, ok := m.cur.results.get(i)
		if !ok {
			continue
		}
		if c.Err == nil {
			return c, nil
		}
		if firstErr == nil && !errors.Is(c.Err, vss.ErrObjectNotFound) {
			firstErr = c.Err
		}
	}
	if firstErr != nil {
		return Completion{}, firstErr
	}
	return Completion{}, vss.ErrObjectNotFound
}

// owner returns the provider holding a snapshot of this session, or -1.
func (m *Machine) owner(snapshotID vss.ID) int {
	for _, s := range m.sets {
		for _, v := range s.volumes {
			if v.snapshotID == snapshotID {
				return v.provider
			}
		}
	}
	return -1
}

// askProviders calls every provider that may hold the object (its owner if
// the session knows it), for GetSnapshotProperties, SnapshotFS and
// DeleteSnapshots.
func (m *Machine) askProviders(call provider.Method, id vss.ID, kind provider.ObjectType) {
	m.cur.results.start(len(m.cfg.Providers))
	targets := []int{}
	if kind == provider.ObjectSnapshot {
		if p := m.owner(id); p >= 0 {
			targets = append(targets, p)
		}
	}
	if len(targets) == 0 {
		for i := range m.cfg.Providers {
			targets = append(targets, i)
		}
	}
	for _, p := range targets {
		m.callProvider(Op{Provider: p, Method: call, SnapshotID: id, Object: kind})
	}
}

// writesTimedOut handles a hold or release of writes that did not answer
// in time. A hold fails the set with VSS_E_HOLD_WRITES_TIMEOUT; as it may
// have taken effect, the writes are released all the same. A release
// leaves the writes possibly held: the call's reply says so.
func (m *Machine) writesTimedOut(o *op) {
	if m.set == nil {
		return
	}
	if o.kind == OpReleaseWrites {
		m.set.held = false
		m.cleanupFailed(vss.Errorf(vss.ErrUnexpected, "DoSnapshotSet",
			"releasing writes on %v did not finish within %v: they may still be held", m.set.names, m.cfg.HoldTimeout))
		return
	}
	m.set.held, m.set.holdUnknown = true, true
	m.failSet(vss.Errorf(vss.ErrHoldWritesTimeout, "DoSnapshotSet", "holding writes did not finish within %v", m.cfg.HoldTimeout))
}
