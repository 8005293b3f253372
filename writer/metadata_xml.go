package writer

import (
	"github.com/vsskit/vss"
	"github.com/vsskit/vss/internal/xmldoc"
)

// MetadataNamespace is the XML namespace of writer metadata documents.
const MetadataNamespace = "x-schema:#VssWriterMetadataInfo"

// The XML tokens of the enums: they differ from the API names.
var (
	usageTokens = map[string]vss.UsageType{
		"UNDEFINED": vss.UsageUndefined, "BOOTABLE_SYSTEM_STATE": vss.UsageBootableSystemState,
		"SYSTEM_SERVICE": vss.UsageSystemService, "USER_DATA": vss.UsageUserData, "OTHER": vss.UsageOther,
	}
	sourceTokens = map[string]vss.SourceType{
		"UNDEFINED": vss.SourceUndefined, "TRANSACTION_DB": vss.SourceTransactedDB,
		"NONTRANSACTIONAL_DB": vss.SourceNonTransactedDB, "OTHER": vss.SourceOther,
	}
	methodTokens = map[string]vss.RestoreMethod{
		"UNDEFINED": vss.RestoreMethodUndefined, "RESTORE_IF_NONE_THERE": vss.RestoreIfNotThere,
		"RESTORE_IF_CAN_BE_REPLACED": vss.RestoreIfCanReplace, "STOP_RESTART_SERVICE": vss.RestoreStopRestoreStart,
		"RESTORE_TO_ALTERNATE_LOCATION": vss.RestoreToAlternateLocation, "REPLACE_AT_REBOOT": vss.RestoreAtReboot,
		"REPLACE_AT_REBOOT_IF_CANNOT_REPLACE": vss.RestoreAtRebootIfCannotReplace, "CUSTOM": vss.RestoreCustom,
		"RESTORE_STOP_START": vss.RestoreStopStart,
	}
	writerRestoreTokens = map[string]vss.WriterRestore{
		"undefined": vss.WriterRestoreUndefined, "never": vss.WriterRestoreNever,
		"ifReplaceFails": vss.WriterRestoreIfReplaceFails, "always": vss.WriterRestoreAlways,
	}
)

// ParseMetadata reads a writer metadata document as
// IVssExamineWriterMetadata::SaveAsXML or a writer wrote it, in UTF-8 or
// UTF-16 (with or without a byte order mark). Errors name the element and
// the problem and match vss.ErrInvalidXMLDocument or
// vss.ErrCorruptXMLDocument with errors.Is. A document over this
// library's limits, not well-formed, or declaring a component twice is
// refused: see the package documentation.
func ParseMetadata(doc []byte) (*Metadata, error) {
	root, _, err := xmldoc.Parse(doc)
	if err != nil {
		return nil, err
	}
	if err := xmldoc.CheckRoot(root, "WRITER_METADATA", MetadataNamespace, "a writer metadata document"); err != nil {
		return nil, err
	}
	x := xmldoc.Open(root)
	md := &Metadata{Version: x.Str("version"), BackupSchema: vss.BackupSchema(x.Uint("backupSchema"))}
	seenID := false
	x.Children(&md.Unknown.Elements, func(c *xmldoc.Elem) bool {
		switch c.E.Tag {
		case "IDENTIFICATION":
			if seenID {
				x.SetErr(c.Invalid("", "a second IDENTIFICATION element"))
				return true
			}
			seenID = true
			x.SetErr(md.readIdentity(c))
		case "RESTORE_METHOD":
			if md.RestoreMethod != nil {
				x.SetErr(c.Invalid("", "a second RESTORE_METHOD element"))
				return true
			}
			rm, err := readRestoreMethod(c)
			x.SetErr(err)
			md.RestoreMethod = rm
		case "BACKUP_LOCATIONS":
			x.SetErr(md.readLocations(c))
		default:
			return false
		}
		return true
	})
	md.Unknown.Attrs = x.Rest(false)
	if err := x.Err(); err != nil {
		return nil, err
	}
	if !seenID {
		return nil, xmldoc.Invalid("WRITER_METADATA", "", "no IDENTIFICATION element: the writer's identity is missing")
	}
	return md, nil
}

func (md *Metadata) readIdentity(x *xmldoc.Elem) error {
	md.ClassID = x.ID("writerId", true)
	md.InstanceID = x.ID("instanceId", true)
	md.InstanceName = x.Str("instanceName")
	md.Name = x.Str("friendlyName")
	md.Usage = xmldoc.Token(x, "usage", usageTokens)
	md.Source = xmldoc.Token(x, "dataSource", sourceTokens)
	md.MajorVersion = x.Uint("majorVersion")
	md.MinorVersion = x.Uint("minorVersion")
	x.Children(&md.UnknownIdentification.Elements, func(*xmldoc.Elem) bool { return false })
	md.UnknownIdentification.Attrs = x.Rest(true)
	return x.Err()
}

func readRestoreMethod(x *xmldoc.Elem) (*RestoreMethod, error) {
	rm := &RestoreMethod{
		Method:         xmldoc.Token(x, "method", methodTokens),
		Service:        x.Str("service"),
		UserProcedure:  x.Str("userProcedure"),
		WriterRestore:  xmldoc.Token(x, "writerRestore", writerRestoreTokens),
		RebootRequired: x.Bool("rebootRequired"),
	}
	x.Children(&rm.Unknown.Elements, func(c *xmldoc.Elem) bool {
		if c.E.Tag != "ALTERNATE_LOCATION_MAPPING" {
			return false
		}
		fs, err := readFileSpec(c)
		x.SetErr(err)
		rm.AlternateLocations = append(rm.AlternateLocations, fs)
		return true
	})
	rm.Unknown.Attrs = x.Rest(true)
	return rm, x.Err()
}

func (md *Metadata) readLocations(x *xmldoc.Elem) error {
	// A component declared twice is refused here as Validate refuses it:
	// VSS would not have let the writer declare it.
	declared := map[ComponentKey]bool{}
	x.Children(&md.UnknownLocations.Elements, func(c *xmldoc.Elem) bool {
		switch c.E.Tag {
		case "FILE_GROUP", "DATABASE":
			comp, err := readComponent(c)
			x.SetErr(err)
			if declared[comp.Key()] {
				x.SetErr(c.Invalid("componentName", "component %v is declared twice", comp.Key()))
			}
			declared[comp.Key()] = true
			md.Components = append(md.Components, comp)
		case "EXCLUDE_FILES", "EXCLUDE_FILES_FROM_SNAPSHOT":
			fs, err := readFileSpec(c)
			x.SetErr(err)
			if c.E.Tag == "EXCLUDE_FILES" {
				md.ExcludeFiles = append(md.ExcludeFiles, fs)
			} else {
				md.ExcludeFromSnapshot = append(md.ExcludeFromSnapshot, fs)
			}
		default:
			return false
		}
		return true
	})
	md.UnknownLocations.Attrs = x.Rest(true)
	return x.Err()
}

func readComponent(x *xmldoc.Elem) (*ComponentInfo, error) {
	c := &ComponentInfo{
		Type:                   vss.ComponentFileGroup,
		LogicalPath:            x.Str("logicalPath"),
		Name:                   x.Required("componentName"),
		Caption:                x.Str("caption"),
		Icon:                   x.Str("icon"),
		RestoreMetadata:        x.Bool("restoreMetadata"),
		NotifyOnBackupComplete: x.Bool("notifyOnBackupComplete"),
		Selectable:             x.Bool("selectable"),
		SelectableForRestore:   x.Bool("selectableForRestore"),
		Flags:                  vss.ComponentFlags(x.Uint("componentFlags")),
	}
	if x.E.Tag == "DATABASE" {
		c.Type = vss.ComponentDatabase
	}
	// The System Writer lists some 19,000 files in one component: size
	// the list once instead of growing it.
	if n := countChildren(x, "FILE_LIST"); n > 0 {
		c.Files = make([]FileSpec, 0, n)
	}
	x.Children(&c.Unknown.Elements, func(e *xmldoc.Elem) bool {
		var list *[]FileSpec
		switch tag := e.E.Tag; {
		case tag == "FILE_LIST":
			list = &c.Files
		case tag == "DATABASE_FILES" && c.Type == vss.ComponentDatabase:
			list = &c.DatabaseFiles
		case tag == "DATABASE_LOGFILES" && c.Type == vss.ComponentDatabase:
			list = &c.LogFiles
		case tag == "DEPENDENCY":
			d := e
			dep := Dependency{WriterClass: d.ID("writerId", false), LogicalPath: d.Str("logicalPath"), ComponentName: d.Required("componentName")}
			d.Children(&dep.Unknown.Elements, func(*xmldoc.Elem) bool { return false })
			dep.Unknown.Attrs = d.Rest(true)
			x.SetErr(d.Err())
			c.Dependencies = append(c.Dependencies, dep)
			return true
		default:
			return false
		}
		fs, err := readFileSpec(e)
		x.SetErr(err)
		*list = append(*list, fs)
		return true
	})
	c.Unknown.Attrs = x.Rest(true)
	return c, x.Err()
}

func readFileSpec(x *xmldoc.Elem) (FileSpec, error) {
	fs := FileSpec{
		Path:          x.Required("path"),
		Spec:          x.Str("filespec"),
		Recursive:     x.Bool("recursive"),
		AlternatePath: x.Str("alternatePath"),
		BackupType:    vss.FileSpecBackupType(x.Uint("filespecBackupType")),
	}
	x.Children(&fs.Unknown.Elements, func(*xmldoc.Elem) bool { return false })
	fs.Unknown.Attrs = x.Rest(true)
	return fs, x.Err()
}

// XML writes the document as IVssExamineWriterMetadata::SaveAsXML does:
// UTF-8, compact, without an XML declaration. It fails when a field holds
// a value the format cannot express (an enum value with no token), and
// when ParseMetadata would refuse what it wrote: a document over this
// library's limits (see the package documentation), an Unknown attribute
// an element already has, a namespace prefix no element declares, a name
// that is not an XML name. A document over the element limit is refused
// before anything is built.
func (md *Metadata) XML() (string, error) {
	if n := md.elements(); n > xmldoc.MaxElements {
		return "", xmldoc.Invalid("", "", "the document would have %d elements, more than %d, this library's limit", n, xmldoc.MaxElements)
	}
	root := xmldoc.NewRoot("WRITER_METADATA", MetadataNamespace)
	root.SetNonEmpty("version", md.Version)
	if md.BackupSchema != 0 {
		root.SetUint("backupSchema", uint32(md.BackupSchema))
	}
	root.Unknown(md.Unknown.Attrs, nil)

	id := root.Child("IDENTIFICATION")
	id.SetID("writerId", md.ClassID)
	id.SetID("instanceId", md.InstanceID)
	id.SetNonEmpty("instanceName", md.InstanceName)
	id.Set("friendlyName", md.Name)
	if err := setToken(id, "IDENTIFICATION", "usage", usageTokens, md.Usage); err != nil {
		return "", err
	}
	if err := setToken(id, "IDENTIFICATION", "dataSource", sourceTokens, md.Source); err != nil {
		return "", err
	}
	id.SetUint("majorVersion", md.MajorVersion)
	id.SetUint("minorVersion", md.MinorVersion)
	id.Unknown(md.UnknownIdentification.Attrs, md.UnknownIdentification.Elements)

	if rm := md.RestoreMethod; rm != nil {
		e := root.Child("RESTORE_METHOD")
		if err := setToken(e, "RESTORE_METHOD", "method", methodTokens, rm.Method); err != nil {
			return "", err
		}
		e.SetNonEmpty("service", rm.Service)
		e.SetNonEmpty("userProcedure", rm.UserProcedure)
		if err := setToken(e, "RESTORE_METHOD", "writerRestore", writerRestoreTokens, rm.WriterRestore); err != nil {
			return "", err
		}
		e.SetBool("rebootRequired", rm.RebootRequired)
		for _, m := range rm.AlternateLocations {
			writeFileSpec(e.Child("ALTERNATE_LOCATION_MAPPING"), m)
		}
		e.Unknown(rm.Unknown.Attrs, rm.Unknown.Elements)
	}

	loc := root.Child("BACKUP_LOCATIONS")
	for _, c := range md.Components {
		tag := "FILE_GROUP"
		switch c.Type {
		case vss.ComponentDatabase:
			tag = "DATABASE"
		case vss.ComponentFileGroup, vss.ComponentUndefined:
		default:
			return "", xmldoc.Invalid("BACKUP_LOCATIONS", "", "component %q has type %v, which has no element", c.Name, c.Type)
		}
		e := loc.Child(tag)
		e.SetNonEmpty("logicalPath", c.LogicalPath)
		e.Set("componentName", c.Name)
		e.SetNonEmpty("caption", c.Caption)
		e.SetNonEmpty("icon", c.Icon)
		e.SetBool("restoreMetadata", c.RestoreMetadata)
		e.SetBool("notifyOnBackupComplete", c.NotifyOnBackupComplete)
		e.SetBool("selectable", c.Selectable)
		e.SetBool("selectableForRestore", c.SelectableForRestore)
		e.SetUint("componentFlags", uint32(c.Flags))
		for _, f := range c.Files {
			writeFileSpec(e.Child("FILE_LIST"), f)
		}
		for _, f := range c.DatabaseFiles {
			writeFileSpec(e.Child("DATABASE_FILES"), f)
		}
		for _, f := range c.LogFiles {
			writeFileSpec(e.Child("DATABASE_LOGFILES"), f)
		}
		for _, d := range c.Dependencies {
			de := e.Child("DEPENDENCY")
			if !d.WriterClass.IsNil() {
				de.SetID("writerId", d.WriterClass)
			}
			de.SetNonEmpty("logicalPath", d.LogicalPath)
			de.Set("componentName", d.ComponentName)
			de.Unknown(d.Unknown.Attrs, d.Unknown.Elements)
		}
		e.Unknown(c.Unknown.Attrs, c.Unknown.Elements)
	}
	for _, f := range md.ExcludeFiles {
		writeFileSpec(loc.Child("EXCLUDE_FILES"), f)
	}
	for _, f := range md.ExcludeFromSnapshot {
		writeFileSpec(loc.Child("EXCLUDE_FILES_FROM_SNAPSHOT"), f)
	}
	loc.Unknown(md.UnknownLocations.Attrs, md.UnknownLocations.Elements)
	root.Unknown(nil, md.Unknown.Elements)
	return xmldoc.Write(root.E)
}

func writeFileSpec(e xmldoc.Out, f FileSpec) {
	e.Set("path", f.Path)
	e.Set("filespec", f.Spec)
	e.SetNonEmpty("alternatePath", f.AlternatePath)
	e.SetBool("recursive", f.Recursive)
	if f.BackupType != 0 {
		e.SetUint("filespecBackupType", uint32(f.BackupType))
	}
	e.Unknown(f.Unknown.Attrs, f.Unknown.Elements)
}

func setToken[T ~int32](e xmldoc.Out, elem, attr string, table map[string]T, v T) error {
	tok, ok := xmldoc.TokenOf(table, v)
	if !ok {
		return xmldoc.Invalid(elem, attr, "%d has no token in the document format", int32(v))
	}
	e.Set(attr, tok)
	return nil
}

func countChildren(x *xmldoc.Elem, tag string) int {
	n := 0
	for i := range x.E.Children {
		if x.E.Children[i].Tag == tag {
			n++
		}
	}
	return n
}

// elements counts the elements XML writes, stopping past the limit.
func (md *Metadata) elements() int {
	n := 3 // WRITER_METADATA, IDENTIFICATION, BACKUP_LOCATIONS
	for _, u := range []Unknown{md.Unknown, md.UnknownIdentification, md.UnknownLocations} {
		n += unknownElements(u.Elements)
	}
	fileSets := func(list []FileSpec) {
		for i := range list {
			n += 1 + unknownElements(list[i].Unknown.Elements)
		}
	}
	if rm := md.RestoreMethod; rm != nil {
		n += 1 + unknownElements(rm.Unknown.Elements)
		fileSets(rm.AlternateLocations)
	}
	for _, c := range md.Components {
		if n > xmldoc.MaxElements {
			return n
		}
		n += 1 + unknownElements(c.Unknown.Elements)
		fileSets(c.Files)
		fileSets(c.DatabaseFiles)
		fileSets(c.LogFiles)
		for i := range c.Dependencies {
			n += 1 + unknownElements(c.Dependencies[i].Unknown.Elements)
		}
	}
	fileSets(md.ExcludeFiles)
	fileSets(md.ExcludeFromSnapshot)
	return n
}

func unknownElements(es []vss.XMLElement) int {
	n := len(es)
	for i := range es {
		if len(es[i].Children) > 0 && n <= xmldoc.MaxElements {
			n += unknownElements(es[i].Children)
		}
	}
	return n
}
