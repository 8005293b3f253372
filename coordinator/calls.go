package coordinator

import (
	"strings"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/writer"
)

// begin lays out the program of a call that is legal in the current phase.
// Calls that need no writer or provider finish at once.
func (m *Machine) begin(c *Call) {
	op := c.Kind.String()
	if m.beginRestore(c) { // the calls of a restore session (restore.go)
		return
	}
	switch c.Kind {
	case CallInitializeForBackup:
		if c.BCDXML != "" {
			if err := m.loadDocument(op, c.BCDXML); err != nil {
				m.finish(err)
				return
			}
		}
		m.phase = PhaseInitialized
		m.finish(nil)

	case CallSetContext:
		if !c.Context.Valid() {
			m.finish(vss.Errorf(vss.ErrInvalidArg, op, "%v is not a snapshot context a requestor may set", c.Context))
			return
		}
		if m.scSet {
			m.finish(vss.Errorf(vss.ErrBadState, op, "the context is already %v: SetContext can be called only once", m.sc))
			return
		}
		if m.set != nil && len(m.set.volumes) > 0 {
			m.finish(vss.Errorf(vss.ErrBadState, op, "volumes were added to snapshot set %v in context %v; SetContext must come before AddToSnapshotSet", m.set.id, m.sc))
			return
		}
		m.sc, m.scSet = c.Context, true
		m.finish(nil)

	case CallSetBackupState:
		s := c.BackupState
		if s.Type == vss.BackupUndefined {
			s.Type = vss.BackupFull
		}
		if s.Type < vss.BackupFull || s.Type > vss.BackupOther {
			m.finish(vss.Errorf(vss.ErrInvalidArg, op, "%v is not a backup type", s.Type))
			return
		}
		m.bs, m.bsSet = s, true
		m.finish(nil)

	case CallGatherWriterMetadata:
		m.then(identifyWriters, func(m *Machine) { m.phase = PhaseMetadataGathered })

	case CallWriterMetadata:
		n := 0
		for _, w := range m.writers {
			if w.identified && w.md != nil {
				n++
			}
		}
		if n > 0 {
			m.cur.reply.Metadata = make([]*writer.Metadata, 0, n)
		}
		for _, w := range m.writers {
			if w.identified && w.md != nil {
				m.cur.reply.Metadata = append(m.cur.reply.Metadata, w.md)
			}
		}
		m.finish(nil)

	case CallStartSnapshotSet:
		if m.set != nil {
			if m.set.state == setBuilding {
				m.finish(vss.Errorf(vss.ErrSnapshotSetInProgress, op, "snapshot set %v is still being built", m.set.id))
			} else {
				m.finish(vss.Errorf(vss.ErrBadState, op, "this session already made snapshot set %v; a session is single use", m.set.id))
			}
			return
		}
		id, err := m.newID()
		if err != nil {
			m.finish(vss.Errorf(vss.ErrUnexpected, op, "%w", err))
			return
		}
		m.set = &snapshotSet{id: id}
		m.sets = append(m.sets, m.set)
		m.record(m.step, &Record{Kind: RecState, Actor: vssActor, Decision: DecisionSetStarted, SetID: id})
		m.cur.reply.ID = id
		m.finish(nil)

	case CallAddToSnapshotSet:
		m.beginAddToSnapshotSet(c)

	case CallAddComponent:
		if m.refuseWithoutWriters(op) {
			return
		}
		m.finish(m.addComponent(c))

	case CallPrepareForBackup:
		if m.refuseWithoutWriters(op) {
			return
		}
		if !m.bsSet {
			// "Before PrepareForBackup can be called, SetBackupState must
			// be called" (Microsoft's PrepareForBackup page).
			m.finish(vss.Errorf(vss.ErrBadState, op, "call SetBackupState first: it must come before PrepareForBackup"))
			return
		}
		if m.set == nil {
			m.finish(vss.Errorf(vss.ErrBadState, op, "call StartSnapshotSet first: a backup starts its snapshot set before PrepareForBackup"))
			return
		}
		m.excludeUnselected()
		m.then(func(m *Machine) {
			m.broadcast(writer.EventPrepareBackup, m.participants())
		}, func(m *Machine) { m.phase = PhaseBackupPrepared })

	case CallDoSnapshotSet:
		if m.set == nil || m.set.state != setBuilding {
			m.finish(vss.Errorf(vss.ErrBadState, op, "no snapshot set being built: call StartSnapshotSet first"))
			return
		}
		m.beginDoSnapshotSet()

	case CallGatherWriterStatus:
		if m.status == nil {
			m.status = make([]requestor.WriterStatus, 0, len(m.writers))
		}
		m.status = m.status[:0]
		for _, w := range m.writers {
			// "GetWriterStatus reports only the status of those writers
			// whose metadata was provided to VSS by writers' Identify
			// event handlers" (Microsoft's "Determining Writer Status"):
			// a writer that failed Identify is not listed.
			if w.identified {
				m.status = append(m.status, w.writerStatus(m.selectedOf(w)))
			}
		}
		m.gathered = true
		m.finish(nil)

	case CallWriterStatus:
		if !m.gathered {
			m.finish(vss.Errorf(vss.ErrBadState, op, "call GatherWriterStatus first"))
			return
		}
		m.cur.reply.Status = append(m.cur.reply.Status, m.status...)
		m.finish(nil)

	case CallGetSnapshotProperties, CallSnapshotFS:
		pc := provider.MethodGetSnapshotProperties
		if c.Kind == CallSnapshotFS {
			pc = provider.MethodSnapshotFS
		}
		m.askProviders(pc, c.ID, provider.ObjectSnapshot)
		m.then(func(m *Machine) {
			r, err := m.firstResult()
			if err != nil {
				c := &m.cur.call // not captured: begin's argument stays on the stack
				m.finish(vss.Errorf(vss.CodeOf(err), c.Kind.String(), "snapshot %v: %w", c.ID, err))
				return
			}
			m.cur.reply.Snapshot, m.cur.reply.FS = r.Snapshot, r.FS
		})

	case CallSetBackupSucceeded:
		comp := m.findSelected(c.WriterID, c.Component)
		if comp == nil {
			m.finish(vss.Errorf(vss.ErrObjectNotFound, op, "component %v of writer %v was not added with AddComponent", c.Component, c.WriterID))
			return
		}
		comp.BackupSucceeded = c.Succeeded
		m.finish(nil)

	case CallBackupComplete:
		if m.refuseWithoutWriters(op) {
			return
		}
		m.then(func(m *Machine) {
			m.broadcast(writer.EventBackupComplete, m.writersIn(vss.WriterWaitingForBackupComplete, -1))
		}, func(m *Machine) { m.phase = PhaseBackupCompleted })

	case CallAbortBackup:
		// Microsoft: AbortBackup must be called when a backup ends after
		// StartSnapshotSet and before DoSnapshotSet returns, and is ignored
		// when nothing is under way. Writers hear of it once they prepared.
		underway := m.phase == PhaseBackupPrepared || m.phase == PhaseSnapshotCreated ||
			(m.set != nil && m.set.state == setBuilding)
		if !underway {
			m.finish(nil)
			return
		}
		m.record(m.step, &Record{Kind: RecState, Actor: vssActor, Decision: DecisionAbortBackup})
		if m.phase == PhaseBackupPrepared || m.phase == PhaseSnapshotCreated {
			m.abortWriters()
		}
		if m.set != nil && m.set.state == setBuilding {
			// Its DoSnapshotSet was never called: the providers hear
			// nothing of it (see abandonSet).
			m.abandonSet(m.set)
		}
		m.phase = PhaseAborted

	case CallDeleteSnapshots:
		if c.Object != provider.ObjectSnapshot && c.Object != provider.ObjectSnapshotSet {
			m.finish(vss.Errorf(vss.ErrInvalidArg, op, "%v cannot be deleted; name a snapshot or a snapshot set", c.Object))
			return
		}
		m.askProviders(provider.MethodDeleteSnapshots, c.ID, c.Object)
		m.then(func(m *Machine) {
			c := &m.cur.call
			n := 0
			for i := range m.cfg.Providers {
				if r, ok := m.cur.results.get(i); ok && r.Err == nil {
					n += r.Count
				}
			}
			if n == 0 {
				_, err := m.firstResult()
				if err == nil {
					err = vss.ErrObjectNotFound
				}
				m.finish(vss.Errorf(vss.CodeOf(err), c.Kind.String(), "%v %v: %w", c.Object, c.ID, err))
				return
			}
			m.forget(c.ID, c.Object)
			m.cur.reply.Count = n
		})

	case CallSaveAsXML:
		xml, err := m.document().XML()
		if err != nil {
			m.finish(vss.Errorf(vss.ErrUnexpected, op, "%v", err))
			return
		}
		m.cur.reply.XML = xml
		m.finish(nil)

	case CallClose:
		m.beginClose()

	case CallEnableWriterClasses, CallDisableWriterClasses, CallDisableWriterInstances:
		m.choose(c)
	case CallSetPreviousBackupStamp, CallSetBackupOptions:
		m.finish(m.setComponentText(c))

	default:
		m.finish(vss.Errorf(vss.ErrInvalidArg, op, "unknown call"))
	}
}

// refuseWithoutWriters fails the current call with VSS_E_BAD_STATE when
// the context has no writers: "If requesters call AddComponent,
// PrepareForBackup, or BackupComplete, an error will be returned"
// (Microsoft's "Shadow Copy Creation Details"). Microsoft names no code
// for it; VSS_E_BAD_STATE is the one those calls' pages give for a call
// "not called within the correct sequence".
func (m *Machine) refuseWithoutWriters(op string) bool {
	if m.sc.WithWriters() {
		return false
	}
	m.finish(vss.Errorf(vss.ErrBadState, op, "the context %v has no writers", m.sc))
	return true
}

// beginAddToSnapshotSet picks a provider for the volume (the one named, or
// the first supporting it: hardware, then software, then system) and
// prepares its snapshot.
func (m *Machine) beginAddToSnapshotSet(c *Call) {
	op := c.Kind.String()
	set := m.set
	switch {
	case set == nil || set.state != setBuilding:
		m.finish(vss.Errorf(vss.ErrBadState, op, "no snapshot set is being built; call StartSnapshotSet first"))
		return
	case strings.TrimSpace(c.Volume) == "":
		m.finish(vss.Errorf(vss.ErrInvalidArg, op, "empty volume name"))
		return
	case len(set.volumes) >= MaxVolumesPerSet:
		m.finish(vss.Errorf(vss.ErrMaximumNumberOfVolumesReached, op, "the set already holds %d volumes", MaxVolumesPerSet))
		return
	}
	for _, v := range set.volumes {
		// A volume added twice: VSS_E_OBJECT_ALREADY_EXISTS is this
		// library's choice (the AddToSnapshotSet page lists no code for it).
		if strings.EqualFold(v.name, c.Volume) {
			m.finish(vss.Errorf(vss.ErrObjectAlreadyExists, op, "volume %s is already in the set", c.Volume))
			return
		}
	}
	candidates := m.cur.candidates[:0]
	for i, p := range m.cfg.Providers {
		if c.ProviderID.IsNil() || p.ID == c.ProviderID {
			candidates = append(candidates, i)
		}
	}
	m.cur.candidates = candidates
	if len(candidates) == 0 {
		m.finish(vss.Errorf(vss.ErrProviderNotRegistered, op, "no provider %v", c.ProviderID))
		return
	}
	m.cur.results.start(len(m.cfg.Providers))
	for _, p := range candidates {
		m.callProvider(Op{Provider: p, Method: provider.MethodIsVolumeSupported, Volume: c.Volume, Context: m.sc})
	}
	m.cur.chosen = -1
	m.then(addToSnapshotSetStages[:]...)
}

// addToSnapshotSetStages are the stages of AddToSnapshotSet once the
// candidate providers answered IsVolumeSupported: choose one and prepare
// the snapshot, then add the volume to m.set. The call's state is in
// m.cur.
var addToSnapshotSetStages = [...]func(*Machine){
	func(m *Machine) {
		c, set := &m.cur.call, m.set
		op := c.Kind.String()
		chosen := -1
		var failed error // the first provider that could not answer
		for _, p := range m.cur.candidates {
			r, _ := m.cur.results.get(p)
			if r.Err != nil && failed == nil {
				failed = r.Err
			}
			if r.Err != nil || !r.Supported {
				continue
			}
			rank := m.cfg.Providers[p].Type.SelectionRank()
			if chosen < 0 || rank < m.cfg.Providers[chosen].Type.SelectionRank() {
				chosen = p
			}
		}
		m.cur.chosen = chosen
		if chosen < 0 {
			code := vss.ErrVolumeNotSupported
			if !c.ProviderID.IsNil() {
				code = vss.ErrVolumeNotSupportedByProvider
			}
			if failed != nil {
				m.finish(vss.Errorf(code, op, "no provider supports volume %s; one could not answer: %w", c.Volume, failed))
				return
			}
			m.finish(vss.Errorf(code, op, "no provider supports volume %s", c.Volume))
			return
		}
		id, err := m.newID()
		if err != nil {
			m.finish(vss.Errorf(vss.ErrUnexpected, op, "%w", err))
			return
		}
		m.cur.snapID = id
		m.record(m.step, &Record{Kind: RecState, Actor: vssActor, Decision: DecisionProviderChosen, Volume: c.Volume,
			Detail: m.cfg.Providers[chosen].Name})
		set.touch(chosen)
		m.callProvider(Op{Provider: chosen, Method: provider.MethodBeginPrepareSnapshot, SetID: set.id, SnapshotID: id,
			Volume: c.Volume, Context: m.sc})
	},
	func(m *Machine) {
		c, set := &m.cur.call, m.set
		set.setVolumes(append(set.volumes, setVolume{name: c.Volume, snapshotID: m.cur.snapID, provider: m.cur.chosen}),
			append(set.names[:len(set.names):len(set.names)], c.Volume)) // never alias a slice writers hold
		m.cur.reply.ID = m.cur.snapID
	},
}

// addComponent selects a component of an identified writer.
func (m *Machine) addComponent(c *Call) error {
	op := c.Kind.String()
	if !m.bs.SelectComponents {
		return vss.Errorf(vss.ErrBadState, op, "SetBackupState did not select components")
	}
	if c.Component.Name == "" {
		return vss.Errorf(vss.ErrInvalidArg, op, "a component needs a name")
	}
	if m.set != nil {
		// "If a requester wants to select specific writer components, it
		// must call AddComponent before calling StartSnapshotSet"
		// (Microsoft's "Shadow Copy Creation Details").
		return vss.Errorf(vss.ErrBadState, op, "the snapshot set is started: components are added before StartSnapshotSet")
	}
	var w *writerSlot
	for _, x := range m.writers {
		if x.identified && x.info.InstanceID == c.WriterID && (c.ClassID.IsNil() || x.info.ClassID == c.ClassID) {
			w = x
		}
	}
	if w == nil {
		return vss.Errorf(vss.ErrObjectNotFound, op, "no writer instance %v of class %v answered Identify", c.WriterID, c.ClassID)
	}
	if m.findSelected(c.WriterID, c.Component) != nil {
		return vss.Errorf(vss.ErrObjectAlreadyExists, op, "component %v is already selected", c.Component)
	}
	if m.selected == nil {
		m.selected = map[vss.ID][]*writer.Component{}
	}
	m.selected[c.WriterID] = append(m.selected[c.WriterID],
		&writer.Component{Type: c.Component.Type, LogicalPath: c.Component.LogicalPath, Name: c.Component.Name})
	m.record(m.step, &Record{Kind: RecState, Actor: w.actor, Decision: DecisionComponentSelected, Detail: c.Component.String()})
	return nil
}

func (m *Machine) findSelected(writerID vss.ID, key writer.ComponentKey) *writer.Component {
	for _, comp := range m.selected[writerID] {
		if comp.Key() == key {
			return comp
		}
	}
	return nil
}

// forget marks deleted snapshots so Close does not delete them again.
func (m *Machine) forget(id vss.ID, kind provider.ObjectType) {
	for _, s := range m.sets {
		if kind == provider.ObjectSnapshotSet && s.id == id {
			s.state = setDeleted
		}
		if kind == provider.ObjectSnapshot {
			for i, v := range s.volumes {
				if v.snapshotID == id {
					s.setVolumes(append(s.volumes[:i:i], s.volumes[i+1:]...), append(s.names[:i:i], s.names[i+1:]...))
					break
				}
			}
		}
	}
}

// beginClose ends the session: writers get BackupShutdown, a set still in
// creation is aborted, and the shadow copies of a set made in an
// auto-release (non-persistent) context are deleted.
func (m *Machine) beginClose() {
	m.then(func(m *Machine) {
		m.step = m.callStep(CallClose)
		m.broadcast(writer.EventBackupShutdown, m.participants())
		for _, s := range m.sets {
			switch {
			case s.state == setBuilding:
				m.abandonSet(s)
			case s.state == setCreating && len(s.touched) > 0:
				s.state = setAborted
				m.abortProviders(s)
			case s.state == setCreated && !m.sc.Persistent() && len(s.volumes) > 0:
				s.state = setDeleted
				m.record(m.step, &Record{Kind: RecState, Actor: vssActor, Decision: DecisionAutoRelease, SetID: s.id})
				for _, p := range s.providers() {
					m.callProvider(Op{Provider: p, Method: provider.MethodDeleteSnapshots, SnapshotID: s.id, Object: provider.ObjectSnapshotSet})
				}
			}
		}
	}, func(m *Machine) { m.phase = PhaseClosed })
}
