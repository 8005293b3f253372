package requestor

import (
	"github.com/vsskit/vss"
	"github.com/vsskit/vss/writer"
)

// BackupDocument is a backup components document (BCD): the requestor's
// record of a backup, which IVssBackupComponents::SaveAsXML returns in
// step 11 and a restore (or InitializeForBackup, for a transportable
// shadow copy) reads back. It says what kind of backup ran, which
// components of which writers were selected, and what the requestor and
// the writers recorded about each (success, stamps, options, private
// metadata). ParseBackupDocument reads one and XML writes one; what this
// model does not know is kept in the Unknown fields and written back.
type BackupDocument struct {
	// Version is the document format's version, "1.2" for documents of
	// current Windows.
	Version string
	// The backup state, as SetBackupState declared it.
	Type                vss.BackupType
	SelectComponents    bool
	BootableSystemState bool
	PartialFileSupport  bool
	// SnapshotSetID is the shadow copy set of the backup; vss.NilID before
	// StartSnapshotSet.
	SnapshotSetID vss.ID
	// Writers are the writers with selected components, in document order.
	Writers []*WriterComponents
	// Unknown keeps attributes and elements of BACKUP_COMPONENTS that this
	// model does not know (a transportable shadow copy's description, for
	// example).
	Unknown writer.Unknown
}

// WriterComponents is one writer's part of a backup components document
// (the WRITER_COMPONENTS element, IVssWriterComponentsExt): its identity
// and the components selected for it.
type WriterComponents struct {
	InstanceID   vss.ID
	ClassID      vss.ID
	InstanceName string
	// BackupSchema is what the writer declared in its metadata.
	BackupSchema vss.BackupSchema
	// Components are the components selected for this writer.
	Components []*writer.Component
	Unknown    writer.Unknown
}

// NewBackupDocument returns an empty document for a backup in state s.
func NewBackupDocument(s BackupState) *BackupDocument {
	t := s.Type
	if t == vss.BackupUndefined {
		t = vss.BackupFull
	}
	return &BackupDocument{
		Version: "1.2", Type: t, SelectComponents: s.SelectComponents,
		BootableSystemState: s.BootableSystemState, PartialFileSupport: s.PartialFileSupport,
	}
}

// State returns the backup state the document records.
func (d *BackupDocument) State() BackupState {
	return BackupState{SelectComponents: d.SelectComponents, BootableSystemState: d.BootableSystemState,
		Type: d.Type, PartialFileSupport: d.PartialFileSupport}
}

// Writer returns the part of the document of the writer with instance ID
// instance, or nil.
func (d *BackupDocument) Writer(instance vss.ID) *WriterComponents {
	for _, w := range d.Writers {
		if w.InstanceID == instance {
			return w
		}
	}
	return nil
}

// Component returns the component with key of the writer with instance
// ID instance, or nil.
func (d *BackupDocument) Component(instance vss.ID, key writer.ComponentKey) *writer.Component {
	w := d.Writer(instance)
	if w == nil {
		return nil
	}
	for _, c := range w.Components {
		if c.Key() == key {
			return c
		}
	}
	return nil
}

// AddComponent records a selected component, as
// IVssBackupComponents::AddComponent does: a component needs a name, and
// may be added once (vss.ErrObjectAlreadyExists).
func (d *BackupDocument) AddComponent(instance, class vss.ID, key writer.ComponentKey) (*writer.Component, error) {
	const op = "AddComponent"
	if key.Name == "" {
		return nil, vss.Errorf(vss.ErrInvalidArg, op, "a component needs a name")
	}
	if key.Type != vss.ComponentDatabase && key.Type != vss.ComponentFileGroup {
		return nil, vss.Errorf(vss.ErrInvalidArg, op, "component %v: %v is not a component type", key, key.Type)
	}
	if d.Component(instance, key) != nil {
		return nil, vss.Errorf(vss.ErrObjectAlreadyExists, op, "component %v of writer %v is already selected", key, instance)
	}
	w := d.Writer(instance)
	if w == nil {
		w = &WriterComponents{InstanceID: instance, ClassID: class}
		d.Writers = append(d.Writers, w)
	}
	c := &writer.Component{Type: key.Type, LogicalPath: key.LogicalPath, Name: key.Name}
	w.Components = append(w.Components, c)
	return c, nil
}
