package coordinator

import (
	"github.com/vsskit/vss"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/writer"
)

// The backup components document (BCD) of the session: SaveAsXML writes
// it from the session's state, and InitializeForBackup can start a session
// from one saved earlier.

// loadDocument starts the session from a saved backup components
// document: its backup state and its component selection (with what the
// requestor and the writers recorded) become the session's. A writer of
// the document that is not in the session keeps its part of the document,
// which SaveAsXML writes back unchanged.
func (m *Machine) loadDocument(op, xml string) error {
	d, err := requestor.ParseBackupDocument([]byte(xml))
	if err != nil {
		return vss.Errorf(vss.CodeOf(err), op, "%v", err)
	}
	m.loaded = d
	// The document records the backup state SetBackupState set when it
	// was made: this library counts it as set (Microsoft's pages do not
	// say whether a loaded document spares the call).
	m.bs, m.bsSet = d.State(), true
	if m.selected == nil {
		m.selected = map[vss.ID][]*writer.Component{}
	}
	for _, w := range d.Writers {
		comps := make([]*writer.Component, len(w.Components))
		for i, c := range w.Components {
			comps[i] = c.Clone()
		}
		m.selected[w.InstanceID] = comps
	}
	return nil
}

// document builds the backup components document of the session as it
// stands: the backup state, the snapshot set, and for every writer with
// selected components those components with what was recorded about
// them.
func (m *Machine) document() *requestor.BackupDocument {
	d := requestor.NewBackupDocument(m.bs)
	if m.set != nil {
		d.SnapshotSetID = m.set.id
	}
	var old map[vss.ID]*requestor.WriterComponents
	if m.loaded != nil {
		d.Version, d.Unknown = m.loaded.Version, m.loaded.Unknown
		old = map[vss.ID]*requestor.WriterComponents{}
		for _, w := range m.loaded.Writers {
			old[w.InstanceID] = w
		}
	}
	done := map[vss.ID]bool{}
	add := func(instance vss.ID) {
		comps := m.selected[instance]
		if done[instance] || len(comps) == 0 {
			return
		}
		done[instance] = true
		wc := &requestor.WriterComponents{InstanceID: instance}
		if o := old[instance]; o != nil {
			wc.ClassID, wc.InstanceName, wc.BackupSchema, wc.Unknown = o.ClassID, o.InstanceName, o.BackupSchema, o.Unknown
		}
		if w := m.writerByInstance(instance); w != nil {
			wc.ClassID, wc.InstanceName = w.info.ClassID, w.info.InstanceName
			if w.md != nil {
				wc.BackupSchema = w.md.BackupSchema
			}
		}
		for _, c := range comps {
			wc.Components = append(wc.Components, c.Clone())
		}
		d.Writers = append(d.Writers, wc)
	}
	// Writers in the order of the loaded document, then of the session.
	if m.loaded != nil {
		for _, w := range m.loaded.Writers {
			add(w.InstanceID)
		}
	}
	for _, w := range m.writers {
		add(w.info.InstanceID)
	}
	return d
}

func (m *Machine) writerByInstance(id vss.ID) *writerSlot {
	for _, w := range m.writers {
		if w.info.InstanceID == id {
			return w
		}
	}
	return nil
}

// setComponentText records what SetPreviousBackupStamp or
// SetBackupOptions gives for a selected component, which its writer reads
// at PrepareBackup (IVssComponent::GetPreviousBackupStamp,
// GetBackupOptions). The component is named by its writer's class, as
// Windows names it: every selected instance of the class gets it.
func (m *Machine) setComponentText(c *Call) error {
	op := c.Kind.String()
	if c.Component.Name == "" {
		return vss.Errorf(vss.ErrInvalidArg, op, "a component needs a name")
	}
	found := false
	for instance, comps := range m.selected {
		if m.classOf(instance) != c.ClassID {
			continue
		}
		for _, comp := range comps {
			if comp.Key() != c.Component {
				continue
			}
			found = true
			if c.Kind == CallSetPreviousBackupStamp {
				comp.PreviousBackupStamp = c.Text
			} else {
				comp.BackupOptions = c.Text
			}
		}
	}
	if !found {
		return vss.Errorf(vss.ErrObjectNotFound, op, "component %v of writer class %v was not added with AddComponent", c.Component, c.ClassID)
	}
	return nil
}

// classOf returns the class of the writer instance, from the session's
// writers or the document it was started from.
func (m *Machine) classOf(instance vss.ID) vss.ID {
	if w := m.writerByInstance(instance); w != nil {
		return w.info.ClassID
	}
	if m.loaded != nil {
		if w := m.loaded.Writer(instance); w != nil {
			return w.ClassID
		}
	}
	return vss.NilID
}
