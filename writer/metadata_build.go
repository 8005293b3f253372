package writer

import (
	"strings"

	"github.com/vsskit/vss"
)

// The builder: what a writer calls in OnIdentify to declare itself, the
// IVssCreateWriterMetadata methods. Each validates as VSS does and fails
// with an error matching vss.ErrInvalidArg (or vss.ErrObjectAlreadyExists,
// vss.ErrObjectNotFound), leaving the document unchanged.

// AddComponent declares a component (IVssCreateWriterMetadata::AddComponent).
// c.Type, c.Name and c.LogicalPath identify it; its files are added
// afterwards with AddFiles, AddDatabaseFiles and AddDatabaseLogFiles. The
// name must be set and hold no backslash; the logical path, when set, is
// names separated by single backslashes, with none at either end.
//
// Components are found by key through an index of Components, so that
// declaring many costs linear time; a component whose key was changed
// through its pointer to that of one being declared is not seen as a
// duplicate until Validate, which checks the whole document at Identify.
func (md *Metadata) AddComponent(c ComponentInfo) (*ComponentInfo, error) {
	const op = "AddComponent"
	if err := checkComponentKey(op, c.Key()); err != nil {
		return nil, err
	}
	if len(c.Files)+len(c.DatabaseFiles)+len(c.LogFiles) > 0 {
		return nil, vss.Errorf(vss.ErrInvalidArg, op, "component %v: add its files with AddFiles, AddDatabaseFiles or AddDatabaseLogFiles", c.Key())
	}
	ix := md.index()
	if ix.component(c.Key()) != nil {
		return nil, vss.Errorf(vss.ErrObjectAlreadyExists, op, "component %v is already declared", c.Key())
	}
	comp := c
	md.Components = append(md.Components, &comp)
	ix.follow(md.Components)
	return &comp, nil
}

func checkComponentKey(op string, k ComponentKey) error {
	if k.Type != vss.ComponentDatabase && k.Type != vss.ComponentFileGroup {
		return vss.Errorf(vss.ErrInvalidArg, op, "component %q: %v is not a component type (database or file group)", k.Name, k.Type)
	}
	if k.Name == "" {
		return vss.Errorf(vss.ErrInvalidArg, op, "a component needs a name")
	}
	if strings.Contains(k.Name, `\`) {
		return vss.Errorf(vss.ErrInvalidArg, op, "component name %q holds a backslash; put the path in the logical path", k.Name)
	}
	if err := checkLogicalPath(k.LogicalPath); err != nil {
		return vss.Errorf(vss.ErrInvalidArg, op, "component %q: %v", k.Name, err)
	}
	return nil
}

// checkLogicalPath: names separated by single backslashes.
func checkLogicalPath(p string) error {
	if p == "" {
		return nil
	}
	if strings.HasPrefix(p, `\`) || strings.HasSuffix(p, `\`) {
		return vss.Errorf(vss.ErrInvalidArg, "", "logical path %q starts or ends with a backslash", p)
	}
	if strings.Contains(p, `\\`) {
		return vss.Errorf(vss.ErrInvalidArg, "", "logical path %q has an empty name between backslashes", p)
	}
	return nil
}

func checkFileSpec(op string, f FileSpec) error {
	if f.Path == "" {
		return vss.Errorf(vss.ErrInvalidArg, op, "a file set needs a path")
	}
	if f.Spec == "" {
		return vss.Errorf(vss.ErrInvalidArg, op, "file set %s needs a file specification (a name or a pattern such as *.mdf)", f.Path)
	}
	if strings.ContainsAny(f.Spec, `\/`) {
		return vss.Errorf(vss.ErrInvalidArg, op, "file specification %q holds a path separator; put the directory in the path", f.Spec)
	}
	return nil
}

func (md *Metadata) find(op string, key ComponentKey) (*ComponentInfo, *componentIndex, error) {
	ix := md.index()
	c := ix.component(key)
	if c == nil {
		if c = md.Component(key); c == nil {
			return nil, nil, vss.Errorf(vss.ErrObjectNotFound, op, "no component %v; declare it with AddComponent first", key)
		}
	}
	return c, ix, nil
}

// AddFiles adds a file set to a file group component
// (IVssCreateWriterMetadata::AddFilesToFileGroup). A file set without a
// backup type mask gets DefaultFileSpecBackupType, here and in
// AddDatabaseFiles and AddDatabaseLogFiles.
func (md *Metadata) AddFiles(logicalPath, name string, f FileSpec) error {
	const op = "AddFilesToFileGroup"
	c, ix, err := md.find(op, ComponentKey{Type: vss.ComponentFileGroup, LogicalPath: logicalPath, Name: name})
	if err != nil {
		return err
	}
	if err := checkFileSpec(op, f); err != nil {
		return err
	}
	f.BackupType = f.EffectiveBackupType()
	c.Files = append(c.Files, f)
	ix.addFile(c, 0, f)
	return nil
}

// AddDatabaseFiles adds database files to a database component
// (IVssCreateWriterMetadata::AddDatabaseFiles).
func (md *Metadata) AddDatabaseFiles(logicalPath, name string, f FileSpec) error {
	const op = "AddDatabaseFiles"
	c, ix, err := md.find(op, ComponentKey{Type: vss.ComponentDatabase, LogicalPath: logicalPath, Name: name})
	if err != nil {
		return err
	}
	if err := checkFileSpec(op, f); err != nil {
		return err
	}
	f.BackupType = f.EffectiveBackupType()
	c.DatabaseFiles = append(c.DatabaseFiles, f)
	ix.addFile(c, 1, f)
	return nil
}

// AddDatabaseLogFiles adds log files to a database component
// (IVssCreateWriterMetadata::AddDatabaseLogFiles).
func (md *Metadata) AddDatabaseLogFiles(logicalPath, name string, f FileSpec) error {
	const op = "AddDatabaseLogFiles"
	c, ix, err := md.find(op, ComponentKey{Type: vss.ComponentDatabase, LogicalPath: logicalPath, Name: name})
	if err != nil {
		return err
	}
	if err := checkFileSpec(op, f); err != nil {
		return err
	}
	f.BackupType = f.EffectiveBackupType()
	c.LogFiles = append(c.LogFiles, f)
	ix.addFile(c, 2, f)
	return nil
}

// AddDependency declares that a component must be backed up and restored
// with another, of this writer (dep.WriterClass nil) or another
// (IVssCreateWriterMetadataEx::AddComponentDependency).
func (md *Metadata) AddDependency(key ComponentKey, dep Dependency) error {
	const op = "AddComponentDependency"
	c, _, err := md.find(op, key)
	if err != nil {
		return err
	}
	if dep.ComponentName == "" {
		return vss.Errorf(vss.ErrInvalidArg, op, "a dependency names a component")
	}
	if err := checkLogicalPath(dep.LogicalPath); err != nil {
		return vss.Errorf(vss.ErrInvalidArg, op, "dependency %q: %v", dep.ComponentName, err)
	}
	c.Dependencies = append(c.Dependencies, dep)
	return nil
}

// AddExcludeFiles leaves a file set out of the backup
// (IVssCreateWriterMetadata::AddExcludeFiles).
func (md *Metadata) AddExcludeFiles(f FileSpec) error {
	if err := checkFileSpec("AddExcludeFiles", f); err != nil {
		return err
	}
	md.ExcludeFiles = append(md.ExcludeFiles, f)
	return nil
}

// AddExcludeFromSnapshot leaves a file set out of the shadow copy
// (IVssCreateWriterMetadataEx::AddExcludeFilesFromSnapshot).
func (md *Metadata) AddExcludeFromSnapshot(f FileSpec) error {
	if err := checkFileSpec("AddExcludeFilesFromSnapshot", f); err != nil {
		return err
	}
	md.ExcludeFromSnapshot = append(md.ExcludeFromSnapshot, f)
	return nil
}

// SetRestoreMethod sets how the writer's files are restored
// (IVssCreateWriterMetadata::SetRestoreMethod). The stop-and-restart
// methods need the service's name.
func (md *Metadata) SetRestoreMethod(rm RestoreMethod) error {
	const op = "SetRestoreMethod"
	if rm.Method < vss.RestoreIfNotThere || rm.Method > vss.RestoreStopStart {
		return vss.Errorf(vss.ErrInvalidArg, op, "%v is not a restore method", rm.Method)
	}
	if rm.WriterRestore < vss.WriterRestoreUndefined || rm.WriterRestore > vss.WriterRestoreAlways {
		return vss.Errorf(vss.ErrInvalidArg, op, "%v is not a writer restore setting", rm.WriterRestore)
	}
	if (rm.Method == vss.RestoreStopRestoreStart || rm.Method == vss.RestoreStopStart) && rm.Service == "" {
		return vss.Errorf(vss.ErrInvalidArg, op, "%v needs the service to stop and start", rm.Method)
	}
	keep := []FileSpec(nil)
	if md.RestoreMethod != nil {
		keep = md.RestoreMethod.AlternateLocations
	}
	r := rm
	r.AlternateLocations = append(keep, rm.AlternateLocations...)
	md.RestoreMethod = &r
	return nil
}

// AddAlternateLocationMapping says where a file set is restored when its
// own location cannot be written
// (IVssCreateWriterMetadata::AddAlternateLocationMapping). The file set
// (path, specification, recursion) must be one already added to a
// component, and f.AlternatePath says where.
func (md *Metadata) AddAlternateLocationMapping(f FileSpec) error {
	const op = "AddAlternateLocationMapping"
	if err := checkFileSpec(op, f); err != nil {
		return err
	}
	if f.AlternatePath == "" {
		return vss.Errorf(vss.ErrInvalidArg, op, "file set %s\\%s: the mapping needs an alternate path", f.Path, f.Spec)
	}
	if !md.index().hasFileSet(f) {
		return vss.Errorf(vss.ErrInvalidArg, op, "file set %s\\%s (recursive %v) is not one of the components' file sets", f.Path, f.Spec, f.Recursive)
	}
	if md.RestoreMethod == nil {
		md.RestoreMethod = &RestoreMethod{}
	}
	md.RestoreMethod.AlternateLocations = append(md.RestoreMethod.AlternateLocations, f)
	return nil
}

// SetBackupSchema declares the backup features the writer supports
// (IVssCreateWriterMetadataEx::SetBackupSchema).
func (md *Metadata) SetBackupSchema(s vss.BackupSchema) { md.BackupSchema = s }

// Validate checks the whole document as VSS does when a writer's Identify
// handler returns: every component is well formed and declared once, a
// database component has database files and a file group none. Identify
// fails a writer whose document is not valid.
func (md *Metadata) Validate() error {
	const op = "Identify"
	seen := map[ComponentKey]bool{}
	for _, c := range md.Components {
		if err := checkComponentKey(op, c.Key()); err != nil {
			return err
		}
		if seen[c.Key()] {
			return vss.Errorf(vss.ErrInvalidArg, op, "component %v is declared twice", c.Key())
		}
		seen[c.Key()] = true
		switch c.Type {
		case vss.ComponentDatabase:
			if len(c.DatabaseFiles) == 0 {
				return vss.Errorf(vss.ErrInvalidArg, op, "database component %v has no database files", c.Key())
			}
			if len(c.Files) > 0 {
				return vss.Errorf(vss.ErrInvalidArg, op, "database component %v has file group files", c.Key())
			}
		case vss.ComponentFileGroup:
			if len(c.DatabaseFiles)+len(c.LogFiles) > 0 {
				return vss.Errorf(vss.ErrInvalidArg, op, "file group %v has database files", c.Key())
			}
		}
	}
	return nil
}
