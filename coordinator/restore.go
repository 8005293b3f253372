package coordinator

import (
	"strings"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/writer"
)

// A restore session, as Microsoft's "Overview of Processing a Restore
// Under VSS" and the pages it leads to describe it: InitializeForRestore
// loads the backup components document the backup saved; GatherWriterMetadata
// sends Identify, as in a backup; the requestor chooses what to restore
// and how (SetRestoreState, SetSelectedForRestore, AddRestoreSubcomponent,
// SetRestoreOptions, SetAdditionalRestores, AddNewTarget); PreRestore
// tells the writers, which may set a restore target; the requestor puts
// the files back, reading the writers' targets (WriterComponents), and
// says how it went (SetFileRestoreStatus, AddAlternativeLocationMapping);
// PostRestore tells the writers, and GatherWriterStatus says how they
// fared. The Restore phases say which call is legal when.
//
// The rules:
//   - A writer's failure at PreRestore or PostRestore never fails the call:
//     it shows in GatherWriterStatus as VSS_WS_FAILED_AT_PRE_RESTORE or
//     VSS_WS_FAILED_AT_POST_RESTORE. A restore has no Abort: no writer
//     ever receives one, whatever fails or is cancelled, and AbortBackup
//     is not a call of a restore session.
//   - In component mode only the writers with a component selected for
//     restore receive PreRestore and PostRestore; otherwise every writer
//     that answered Identify does.
//   - A writer's restore requirement (its metadata's RESTORE_METHOD,
//     VSS_WRITERRESTORE_ENUM) is honoured: VSS_WRE_NEVER gets neither
//     event; VSS_WRE_IF_REPLACE_FAILS gets PreRestore, and PostRestore only
//     when a component of its was not wholly restored (its
//     FileRestoreStatus is VSS_RS_NONE or VSS_RS_FAILED, or was not set).
//   - A writer that failed at PreRestore receives no PostRestore (this
//     library's rule: Microsoft does not say; its files may not have been
//     restored, and its failure is reported already). The others do.
//   - From PostRestore on the document is read-only: every call that
//     changes it fails with VSS_E_BAD_STATE.
//
// Writers of the document are matched to the writers running now by
// instance ID, or, for a restore on another system where instances are
// new, by writer class (and instance name when the class has several
// instances), as the restore calls name writers by class.

// restoreSession is the state of a restore: the document loaded by
// InitializeForRestore, which the restore calls change in place.
type restoreSession struct {
	doc *requestor.BackupDocument
	typ vss.RestoreType // SetRestoreState's; VSS_RTYPE_UNDEFINED, which writers treat as by copy, unless set
}

// RestoreStep is the step number trace records of a restore session carry:
// a restore is none of the eleven steps of a backup.
const RestoreStep = 0

// callStep returns the step a call's records carry: its own, the step in
// progress for a call that belongs to none, and RestoreStep for every
// call of a restore session.
func (m *Machine) callStep(k CallKind) int {
	if m.rst != nil || k == CallInitializeForRestore {
		return RestoreStep
	}
	if s := k.step(); s != 0 {
		return s
	}
	return m.step
}

// beginRestore lays out the program of a restore call, or of a call both
// sessions have whose restore form differs, and reports whether it did.
func (m *Machine) beginRestore(c *Call) bool {
	op := c.Kind.String()
	switch c.Kind {
	case CallInitializeForRestore:
		d, err := requestor.ParseBackupDocument([]byte(c.BCDXML))
		if err != nil {
			code := vss.CodeOf(err)
			if code != vss.ErrInvalidXMLDocument {
				code = vss.ErrInvalidXMLDocument // "the load operation of the specified XML document failed"
			}
			m.finish(vss.Errorf(code, op, "%v", err))
			return true
		}
		m.rst = &restoreSession{doc: d}
		m.bs = d.State()
		m.phase = PhaseRestoreInitialized
		m.finish(nil)
	case CallGatherWriterMetadata:
		if m.rst == nil {
			return false
		}
		m.then(identifyWriters, func(m *Machine) { m.phase = PhaseRestoreMetadataGathered })
	case CallWriterComponents:
		m.cur.reply.Components = m.restoreComponents()
		m.finish(nil)
	case CallSetRestoreState:
		if c.RestoreType < vss.RestoreTypeUndefined || c.RestoreType > vss.RestoreTypeOther {
			m.finish(vss.Errorf(vss.ErrInvalidArg, op, "%v is not a restore type", c.RestoreType))
			return true
		}
		m.rst.typ = c.RestoreType
		m.finish(nil)
	case CallSetSelectedForRestore:
		if !m.rst.doc.SelectComponents {
			m.finish(vss.Errorf(vss.ErrBadState, op, "the backup was not in component mode: SetSelectedForRestore has meaning only for restores in component mode"))
			return true
		}
		comp, w, err := m.restoreComponent(c)
		if err != nil {
			m.finish(err)
			return true
		}
		comp.SelectedForRestore = c.Selected
		m.record(m.step, &Record{Kind: RecState, Actor: w.actor, Decision: DecisionComponentSelected,
			Detail: c.Component.String() + restoreSelection(c.Selected)})
		m.finish(nil)
	case CallAddRestoreSubcomponent:
		m.finish(m.addRestoreSubcomponent(c))
	case CallSetRestoreOptions:
		comp, _, err := m.restoreComponent(c)
		if err == nil {
			comp.RestoreOptions = c.Options
		}
		m.finish(err)
	case CallSetAdditionalRestores:
		comp, _, err := m.restoreComponent(c)
		if err == nil {
			comp.AdditionalRestores = c.Selected
		}
		m.finish(err)
	case CallAddAlternativeLocationMapping, CallAddNewTarget:
		m.finish(m.addRestoreLocation(c))
	case CallSetFileRestoreStatus:
		if c.FileStatus < vss.FileRestoreNone || c.FileStatus > vss.FileRestoreFailed {
			m.finish(vss.Errorf(vss.ErrInvalidArg, op, "%v is not a file restore status (VSS_RS_NONE, VSS_RS_ALL or VSS_RS_FAILED)", c.FileStatus))
			return true
		}
		comp, _, err := m.restoreComponent(c)
		if err == nil {
			comp.FileRestoreStatus = c.FileStatus
		}
		m.finish(err)
	case CallPreRestore:
		m.then(func(m *Machine) { m.broadcastRestore(writer.EventPreRestore) },
			func(m *Machine) { m.phase = PhaseRestoring })
	case CallPostRestore:
		m.then(func(m *Machine) { m.broadcastRestore(writer.EventPostRestore) },
			func(m *Machine) { m.phase = PhaseRestored })
	default:
		return false
	}
	return true
}

// identifyWriters is the stage of GatherWriterMetadata, in a backup or a
// restore: Identify to every writer.
func identifyWriters(m *Machine) {
	m.excludeDisabled()
	base := m.baseEvent(writer.EventIdentify)
	for _, w := range m.writers {
		if w.excluded == "" {
			m.sendEvent(w, base, false)
		}
	}
}

func restoreSelection(selected bool) string {
	if selected {
		return " selected for restore"
	}
	return " not selected for restore"
}

// restoreComponents returns a copy of the writers' parts of the
// document, as GetWriterComponents gives them.
func (m *Machine) restoreComponents() []*requestor.WriterComponents {
	out := make([]*requestor.WriterComponents, 0, len(m.rst.doc.Writers))
	for _, w := range m.rst.doc.Writers {
		wc := *w
		wc.Components = make([]*writer.Component, len(w.Components))
		for i, c := range w.Components {
			wc.Components[i] = cloneComponent(c)
		}
		out = append(out, &wc)
	}
	return out
}

// cloneComponent copies a component, its lists included, so that a
// writer or requestor holding the copy shares nothing mutable with the
// session's document.
func cloneComponent(c *writer.Component) *writer.Component {
	cc := *c
	cc.RestoreSubcomponents = append([]writer.ComponentKey(nil), c.RestoreSubcomponents...)
	cc.NewTargets = append([]writer.FileSpec(nil), c.NewTargets...)
	cc.AlternateLocations = append([]writer.FileSpec(nil), c.AlternateLocations...)
	return &cc
}

// liveWriterOf returns the running writer (one that answered Identify)
// that the document's writer wc stands for, or nil.
func (m *Machine) liveWriterOf(wc *requestor.WriterComponents) *writerSlot {
	var byClass []*writerSlot
	for _, w := range m.writers {
		if !w.identified {
			continue
		}
		if w.info.InstanceID == wc.InstanceID {
			return w
		}
		if w.info.ClassID == wc.ClassID {
			byClass = append(byClass, w)
		}
	}
	if len(byClass) == 1 {
		return byClass[0]
	}
	for _, w := range byClass {
		if w.info.InstanceName == wc.InstanceName {
			return w
		}
	}
	return nil
}

// docWriterOf returns the document's part of the running writer w, or nil.
func (m *Machine) docWriterOf(w *writerSlot) *requestor.WriterComponents {
	for _, wc := range m.rst.doc.Writers {
		if m.liveWriterOf(wc) == w {
			return wc
		}
	}
	return nil
}

// restoreComponent finds the component a restore call names, by writer
// class and key, in the document, with the running writer it belongs
// to. The error is VSS_E_OBJECT_NOT_FOUND when the component is not in
// the document or no instance of its writer runs, as
// SetSelectedForRestore's page says, and E_INVALIDARG for a component
// without a name.
func (m *Machine) restoreComponent(c *Call) (*writer.Component, *writerSlot, error) {
	op := c.Kind.String()
	if c.Component.Name == "" {
		return nil, nil, vss.Errorf(vss.ErrInvalidArg, op, "a component needs a name")
	}
	found := false
	for _, wc := range m.rst.doc.Writers {
		if wc.ClassID != c.ClassID {
			continue
		}
		for _, comp := range wc.Components {
			if comp.Key() != c.Component {
				continue
			}
			found = true
			if w := m.liveWriterOf(wc); w != nil {
				return comp, w, nil
			}
		}
	}
	if found {
		return nil, nil, vss.Errorf(vss.ErrObjectNotFound, op, "component %v is in the backup, but no instance of writer class %v is running", c.Component, c.ClassID)
	}
	return nil, nil, vss.Errorf(vss.ErrObjectNotFound, op, "writer class %v has no component %v in the backup components document", c.ClassID, c.Component)
}

// addRestoreSubcomponent records AddRestoreSubcomponent: the
// subcomponent must be a component of the writer's metadata, selectable
// for restore, inside the component set the named component defines.
func (m *Machine) addRestoreSubcomponent(c *Call) error {
	op := c.Kind.String()
	comp, w, err := m.restoreComponent(c)
	if err != nil {
		return err
	}
	sub := c.Subcomponent
	if sub.Name == "" || sub.LogicalPath == "" {
		return vss.Errorf(vss.ErrInvalidArg, op, "a subcomponent needs a logical path and a name")
	}
	if !c.Component.InSet(sub.LogicalPath) {
		return vss.Errorf(vss.ErrInvalidArg, op, "%s is not in the component set of %v", writer.ComponentKey{LogicalPath: sub.LogicalPath, Name: sub.Name}, c.Component)
	}
	var info *writer.ComponentInfo
	if w.md != nil {
		for _, ci := range w.md.Components {
			if strings.EqualFold(ci.LogicalPath, sub.LogicalPath) && ci.Name == sub.Name {
				info = ci
			}
		}
	}
	if info == nil {
		return vss.Errorf(vss.ErrObjectNotFound, op, "writer %q declares no component %s\\%s", w.info.Name, sub.LogicalPath, sub.Name)
	}
	if !info.SelectableForRestore {
		return vss.Errorf(vss.ErrInvalidArg, op, "component %v of writer %q is not selectable for restore", info.Key(), w.info.Name)
	}
	key := writer.ComponentKey{LogicalPath: info.LogicalPath, Name: info.Name}
	for _, k := range comp.RestoreSubcomponents {
		if k == key {
			return vss.Errorf(vss.ErrObjectAlreadyExists, op, "subcomponent %v is already added", key)
		}
	}
	comp.RestoreSubcomponents = append(comp.RestoreSubcomponents, key)
	return nil
}

// addRestoreLocation records AddAlternativeLocationMapping or
// AddNewTarget: the file set must be one the writer declared for the
// component or a subcomponent of its set (path, file specification and
// recursion alike), VSS_E_OBJECT_NOT_FOUND otherwise, and its
// destination must be given.
func (m *Machine) addRestoreLocation(c *Call) error {
	op := c.Kind.String()
	comp, w, err := m.restoreComponent(c)
	if err != nil {
		return err
	}
	f := c.Files
	if f.Path == "" || f.Spec == "" || f.AlternatePath == "" {
		return vss.Errorf(vss.ErrInvalidArg, op, "a file set needs a path, a file specification and a destination")
	}
	if !m.declaresFiles(w, c.Component, f) {
		return vss.Errorf(vss.ErrObjectNotFound, op, "component %v of writer %q declares no file set %s (%s, recursive %t)",
			c.Component, w.info.Name, f.Path, f.Spec, f.Recursive)
	}
	spec := writer.FileSpec{Path: f.Path, Spec: f.Spec, Recursive: f.Recursive, AlternatePath: f.AlternatePath}
	if c.Kind == CallAddNewTarget {
		comp.NewTargets = append(comp.NewTargets, spec)
	} else {
		comp.AlternateLocations = append(comp.AlternateLocations, spec)
	}
	return nil
}

// declaresFiles reports whether writer w's metadata declares the file set
// f in component k or in a component of its set.
func (m *Machine) declaresFiles(w *writerSlot, k writer.ComponentKey, f writer.FileSpec) bool {
	if w.md == nil {
		return false
	}
	for _, ci := range w.md.Components {
		if ci.Key() != k && !k.InSet(ci.LogicalPath) {
			continue
		}
		for _, list := range [][]writer.FileSpec{ci.Files, ci.DatabaseFiles, ci.LogFiles} {
			for _, d := range list {
				if d.SameSet(f) {
					return true
				}
			}
		}
	}
	return false
}

// broadcastRestore sends PreRestore or PostRestore to the writers the
// restore concerns, each with its own copy of its components.
func (m *Machine) broadcastRestore(kind writer.EventKind) {
	for _, w := range m.participants() {
		comps, ok := m.restoreEventComponents(w, kind)
		if !ok {
			continue
		}
		base := m.baseEvent(kind)
		base.Components, base.RestoreType = comps, m.rst.typ
		m.sendEvent(w, base, false)
	}
}

// restoreEventComponents returns the components writer w receives with a
// restore event, and whether it receives the event at all (see the rules
// above).
func (m *Machine) restoreEventComponents(w *writerSlot, kind writer.EventKind) ([]*writer.Component, bool) {
	if kind == writer.EventPostRestore && w.state == vss.WriterFailedAtPreRestore {
		return nil, false
	}
	var comps []*writer.Component
	if wc := m.docWriterOf(w); wc != nil {
		for _, c := range wc.Components {
			if !m.rst.doc.SelectComponents || c.SelectedForRestore {
				comps = append(comps, cloneComponent(c))
			}
		}
	}
	if m.rst.doc.SelectComponents && len(comps) == 0 {
		return nil, false
	}
	if w.md != nil && w.md.RestoreMethod != nil {
		switch w.md.RestoreMethod.WriterRestore {
		case vss.WriterRestoreNever:
			return nil, false
		case vss.WriterRestoreIfReplaceFails:
			if kind == writer.EventPostRestore {
				failed := false
				for _, c := range comps {
					failed = failed || c.FileRestoreStatus != vss.FileRestoreAll
				}
				if !failed {
					return nil, false
				}
			}
		}
	}
	return comps, true
}

// keepRestoreComponents stores what a writer recorded in its components
// at PreRestore or PostRestore: its restore target and failure messages.
func (m *Machine) keepRestoreComponents(w *writerSlot, e *writer.Event) {
	if e == nil || m.rst == nil {
		return
	}
	wc := m.docWriterOf(w)
	if wc == nil {
		return
	}
	for _, c := range e.Components {
		for _, d := range wc.Components {
			if d.Key() == c.Key() {
				d.RestoreTarget = c.RestoreTarget
				d.PreRestoreFailureMsg, d.PostRestoreFailureMsg = c.PreRestoreFailureMsg, c.PostRestoreFailureMsg
			}
		}
	}
}
