package requestor

import (
	"strconv"
	"strings"
	"time"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/internal/xmldoc"
	"github.com/vsskit/vss/writer"
)

// BackupDocumentNamespace is the XML namespace of backup components
// documents.
const BackupDocumentNamespace = "x-schema:#VssComponentMetadata"

var (
	backupTypeTokens = map[string]vss.BackupType{
		"undefined": vss.BackupUndefined, "full": vss.BackupFull, "incremental": vss.BackupIncremental,
		"differential": vss.BackupDifferential, "log": vss.BackupLog, "copy": vss.BackupCopy, "other": vss.BackupOther,
	}
	componentTypeTokens = map[string]vss.ComponentType{
		"database": vss.ComponentDatabase, "filegroup": vss.ComponentFileGroup,
	}
	// The tokens by value, as xmldoc.TokenOf finds them, for xmlDirect.
	backupTypeNames    = xmldoc.TokensOf(backupTypeTokens)
	componentTypeNames = xmldoc.TokensOf(componentTypeTokens)
)

// ParseBackupDocument reads a backup components document as
// IVssBackupComponents::SaveAsXML wrote it, in UTF-8 or UTF-16 (with or
// without a byte order mark). Errors name the element and the problem and
// match vss.ErrInvalidXMLDocument or vss.ErrCorruptXMLDocument with
// errors.Is. A document over this library's limits, or not well-formed,
// is refused: see the package documentation.
func ParseBackupDocument(doc []byte) (*BackupDocument, error) {
	root, _, err := xmldoc.Parse(doc)
	if err != nil {
		return nil, err
	}
	if err := xmldoc.CheckRoot(root, "BACKUP_COMPONENTS", BackupDocumentNamespace, "a backup components document"); err != nil {
		return nil, err
	}
	x := xmldoc.Open(root)
	d := &BackupDocument{
		Version:             x.Str("version"),
		BootableSystemState: x.Bool("bootableSystemStateBackup"),
		SelectComponents:    x.Bool("selectComponents"),
		Type:                xmldoc.Token(x, "backupType", backupTypeTokens),
		PartialFileSupport:  x.Bool("partialFileSupport"),
		SnapshotSetID:       x.ID("snapshotSetId", false),
	}
	writers := map[vss.ID]bool{}
	x.Children(&d.Unknown.Elements, func(c *xmldoc.Elem) bool {
		if c.E.Tag != "WRITER_COMPONENTS" {
			return false
		}
		w, err := readWriterComponents(c)
		x.SetErr(err)
		if writers[w.InstanceID] && !w.InstanceID.IsNil() {
			x.SetErr(c.Invalid("instanceId", "writer %v appears twice", w.InstanceID))
		}
		writers[w.InstanceID] = true
		d.Writers = append(d.Writers, w)
		return true
	})
	d.Unknown.Attrs = x.Rest(false)
	if err := x.Err(); err != nil {
		return nil, err
	}
	return d, nil
}

func readWriterComponents(x *xmldoc.Elem) (*WriterComponents, error) {
	w := &WriterComponents{
		InstanceID:   x.ID("instanceId", true),
		ClassID:      x.ID("writerId", true),
		InstanceName: x.Str("instanceName"),
		BackupSchema: vss.BackupSchema(x.Uint("backupSchema")),
	}
	selected := map[writer.ComponentKey]bool{}
	x.Children(&w.Unknown.Elements, func(c *xmldoc.Elem) bool {
		if c.E.Tag != "COMPONENT" {
			return false
		}
		comp := readComponent(c)
		x.SetErr(c.Err())
		if selected[comp.Key()] {
			x.SetErr(c.Invalid("componentName", "component %v appears twice", comp.Key()))
		}
		selected[comp.Key()] = true
		w.Components = append(w.Components, comp)
		return true
	})
	w.Unknown.Attrs = x.Rest(true)
	return w, x.Err()
}

func readComponent(x *xmldoc.Elem) *writer.Component {
	c := &writer.Component{
		LogicalPath:         x.Str("logicalPath"),
		Name:                x.Required("componentName"),
		BackupSucceeded:     x.Bool("backupSucceeded"),
		BackupStamp:         x.Str("backupStamp"),
		PreviousBackupStamp: x.Str("previousBackupStamp"),
		BackupOptions:       x.Str("backupOptions"),
		RestoreOptions:      x.Str("restoreOptions"),
		SelectedForRestore:  x.Bool("selectedForRestore"),
		AdditionalRestores:  x.Bool("additionalRestores"),
	}
	if _, ok := x.Lookup("componentType"); !ok {
		x.Fail("componentType", "missing")
	}
	c.Type = xmldoc.Token(x, "componentType", componentTypeTokens)
	c.Failure = readFailure(x)
	x.Children(&c.Unknown.Elements, func(e *xmldoc.Elem) bool {
		var into *string
		switch e.E.Tag {
		case "PARTIAL_FILE":
			f, ok := readPartialFile(e)
			if ok {
				c.PartialFiles = append(c.PartialFiles, f)
			}
			return ok
		case "DIFFERENCED_FILE":
			f, ok := readDifferencedFile(e)
			if ok {
				c.DifferencedFiles = append(c.DifferencedFiles, f)
			}
			return ok
		case "BACKUP_METADATA":
			into = &c.BackupMetadata
		case "RESTORE_METADATA":
			into = &c.RestoreMetadata
		default:
			return false
		}
		// The element holds one attribute (and resets the namespace); one
		// with more, or a second one, is kept whole as unknown.
		v, ok := e.Lookup("metadata")
		if !ok || v == "" || *into != "" || len(e.Rest(false)) > 0 || len(e.E.Children) > 0 {
			return false
		}
		*into = v
		return true
	})
	c.Unknown.Attrs = x.Rest(true)
	return c
}

// The component failure (IVssComponentEx2::SetFailure), partial files
// (AddPartialFile) and differenced files
// (AddDifferencedFilesByLastModifyTime) are written in this library's
// form: Microsoft does not publish how the backup components document
// holds them, and no saved document at hand has any. A COMPONENT carries
// a failure as the attributes failure, applicationFailure (HRESULTs as
// unsigned decimals) and applicationMessage; a partial file is a
// PARTIAL_FILE element (path, filename, ranges, metadata), a differenced
// file set a DIFFERENCED_FILE element (path, filespec, recursive,
// lastModifyTime as a FILETIME: 100-ns intervals since 1601 UTC, in
// decimal). The parser reads them back, their other attributes and
// children kept as unknown; an element of either name that lacks what
// this form needs (a path and a file name) is kept whole as unknown.

// readFailure reads a component's failure attributes; nil when it has
// none.
func readFailure(x *xmldoc.Elem) *writer.Failure {
	_, a := x.Lookup("failure")
	_, b := x.Lookup("applicationFailure")
	_, m := x.Lookup("applicationMessage")
	if !a && !b && !m {
		return nil
	}
	return &writer.Failure{Code: vss.HRESULT(x.Uint("failure")), Application: vss.HRESULT(x.Uint("applicationFailure")),
		Message: x.Str("applicationMessage")}
}

// readPartialFile reads a PARTIAL_FILE element of this library's form;
// ok is false, and nothing is read, for one of another form.
func readPartialFile(x *xmldoc.Elem) (f writer.PartialFile, ok bool) {
	if !has(x, "path", "filename") {
		return f, false
	}
	f = writer.PartialFile{Path: x.Str("path"), Name: x.Str("filename"), Ranges: x.Str("ranges"), Metadata: x.Str("metadata")}
	x.Children(&f.Unknown.Elements, func(*xmldoc.Elem) bool { return false })
	f.Unknown.Attrs = x.Rest(true)
	return f, true
}

// readDifferencedFile reads a DIFFERENCED_FILE element of this library's
// form; ok is false, and nothing is read, for one of another form.
func readDifferencedFile(x *xmldoc.Elem) (f writer.DifferencedFile, ok bool) {
	if !has(x, "path", "filespec", "lastModifyTime") {
		return f, false
	}
	ft, err := strconv.ParseUint(strings.TrimSpace(attr(x, "lastModifyTime")), 10, 64)
	if err != nil {
		return f, false
	}
	recursive := attr(x, "recursive")
	if recursive != "" && recursive != "yes" && recursive != "no" {
		return f, false
	}
	f = writer.DifferencedFile{Path: x.Str("path"), Spec: x.Str("filespec"), Recursive: x.Bool("recursive"),
		LastModifyTime: timeOfFiletime(ft)}
	x.Str("lastModifyTime")
	x.Children(&f.Unknown.Elements, func(*xmldoc.Elem) bool { return false })
	f.Unknown.Attrs = x.Rest(true)
	return f, true
}

// has reports whether x has every attribute of keys (in no namespace),
// without marking any read.
func has(x *xmldoc.Elem, keys ...string) bool {
	for _, k := range keys {
		found := false
		for _, a := range x.E.Attrs {
			found = found || (a.Key == k && a.Space == "")
		}
		if !found {
			return false
		}
	}
	return true
}

// attr returns attribute key of x (in no namespace) without marking it
// read; "" when absent.
func attr(x *xmldoc.Elem, key string) string {
	for _, a := range x.E.Attrs {
		if a.Key == key && a.Space == "" {
			return a.Value
		}
	}
	return ""
}

// filetimeUnix is the Unix time of the FILETIME epoch, 1601-01-01 UTC, in
// seconds.
const filetimeUnix = -11644473600

// timeOfFiletime and filetimeOf convert between a FILETIME, in 100-ns
// intervals since 1601 UTC, and a time; a time before 1601 is 0.
func timeOfFiletime(ft uint64) time.Time {
	return time.Unix(int64(ft/1e7)+filetimeUnix, int64(ft%1e7)*100).UTC()
}

func filetimeOf(t time.Time) uint64 {
	sec := t.Unix() - filetimeUnix
	if sec < 0 {
		return 0
	}
	return uint64(sec)*1e7 + uint64(t.Nanosecond()/100)
}

// XML writes the document as IVssBackupComponents::SaveAsXML does: UTF-8,
// compact, without an XML declaration. It fails when a field holds a
// value the format cannot express, and when ParseBackupDocument would
// refuse what it wrote: a document over this library's limits (see the
// package documentation), an Unknown attribute an element already has, a
// namespace prefix no element declares, a name that is not an XML name.
func (d *BackupDocument) XML() (string, error) {
	if !d.hasUnknownElements() {
		return d.xmlDirect()
	}
	return d.xmlTree()
}

// hasUnknownElements reports whether the document holds elements it does
// not know, which only the tree writes back.
func (d *BackupDocument) hasUnknownElements() bool {
	if len(d.Unknown.Elements) > 0 {
		return true
	}
	for _, w := range d.Writers {
		if len(w.Unknown.Elements) > 0 {
			return true
		}
		for _, c := range w.Components {
			if len(c.Unknown.Elements) > 0 {
				return true
			}
		}
	}
	return false
}

// xmlDirect is xmlTree written straight into the string, the same bytes
// without building the tree, for a document with no unknown elements.
func (d *BackupDocument) xmlDirect() (string, error) {
	x := xmldoc.NewDirect(320 + 160*len(d.Writers))
	x.Start("BACKUP_COMPONENTS", BackupDocumentNamespace)
	x.SetNonEmpty("version", d.Version)
	x.SetBool("bootableSystemStateBackup", d.BootableSystemState)
	x.SetBool("selectComponents", d.SelectComponents)
	tok, ok := backupTypeNames[d.Type]
	if !ok {
		return "", xmldoc.Invalid("BACKUP_COMPONENTS", "backupType", "%d is not a backup type", int32(d.Type))
	}
	x.Set("backupType", tok)
	x.SetBool("partialFileSupport", d.PartialFileSupport)
	if !d.SnapshotSetID.IsNil() {
		x.SetID("snapshotSetId", d.SnapshotSetID)
	}
	x.SetUnknown(d.Unknown.Attrs)
	for _, w := range d.Writers {
		x.Start("WRITER_COMPONENTS", "")
		x.SetID("instanceId", w.InstanceID)
		x.SetID("writerId", w.ClassID)
		x.SetNonEmpty("instanceName", w.InstanceName)
		x.SetUint("backupSchema", uint32(w.BackupSchema))
		x.SetUnknown(w.Unknown.Attrs) // the tree writes attributes before children too
		for _, c := range w.Components {
			x.Start("COMPONENT", "")
			x.SetNonEmpty("logicalPath", c.LogicalPath)
			x.Set("componentName", c.Name)
			tok, ok := componentTypeNames[c.Type]
			if !ok {
				return "", xmldoc.Invalid("BACKUP_COMPONENTS/WRITER_COMPONENTS/COMPONENT", "componentType", "component %v: %v is not a component type", c.Key(), c.Type)
			}
			x.Set("componentType", tok)
			x.SetBool("backupSucceeded", c.BackupSucceeded)
			x.SetNonEmpty("backupStamp", c.BackupStamp)
			x.SetNonEmpty("previousBackupStamp", c.PreviousBackupStamp)
			x.SetNonEmpty("backupOptions", c.BackupOptions)
			x.SetNonEmpty("restoreOptions", c.RestoreOptions)
			x.SetBool("selectedForRestore", c.SelectedForRestore)
			x.SetBool("additionalRestores", c.AdditionalRestores)
			if f := c.Failure; f != nil {
				x.SetUint("failure", uint32(f.Code))
				x.SetUint("applicationFailure", uint32(f.Application))
				x.SetNonEmpty("applicationMessage", f.Message)
			}
			x.SetUnknown(c.Unknown.Attrs)
			if c.BackupMetadata != "" {
				x.Start("BACKUP_METADATA", "")
				x.Set("xmlns", "")
				x.Set("metadata", c.BackupMetadata)
				x.End("BACKUP_METADATA")
			}
			if c.RestoreMetadata != "" {
				x.Start("RESTORE_METADATA", "")
				x.Set("xmlns", "")
				x.Set("metadata", c.RestoreMetadata)
				x.End("RESTORE_METADATA")
			}
			for _, p := range c.PartialFiles {
				x.Start("PARTIAL_FILE", "")
				x.Set("path", p.Path)
				x.Set("filename", p.Name)
				x.Set("ranges", p.Ranges)
				x.SetNonEmpty("metadata", p.Metadata)
				x.SetUnknown(p.Unknown.Attrs)
				x.End("PARTIAL_FILE")
			}
			for _, f := range c.DifferencedFiles {
				x.Start("DIFFERENCED_FILE", "")
				x.Set("path", f.Path)
				x.Set("filespec", f.Spec)
				x.SetBool("recursive", f.Recursive)
				x.Set("lastModifyTime", strconv.FormatUint(filetimeOf(f.LastModifyTime), 10))
				x.SetUnknown(f.Unknown.Attrs)
				x.End("DIFFERENCED_FILE")
			}
			x.End("COMPONENT")
		}
		x.End("WRITER_COMPONENTS")
	}
	x.End("BACKUP_COMPONENTS")
	return x.Result()
}

// xmlTree builds the document as a tree and writes it; it writes back
// unknown elements.
func (d *BackupDocument) xmlTree() (string, error) {
	root := xmldoc.NewRoot("BACKUP_COMPONENTS", BackupDocumentNamespace)
	root.SetNonEmpty("version", d.Version)
	root.SetBool("bootableSystemStateBackup", d.BootableSystemState)
	root.SetBool("selectComponents", d.SelectComponents)
	tok, ok := xmldoc.TokenOf(backupTypeTokens, d.Type)
	if !ok {
		return "", xmldoc.Invalid("BACKUP_COMPONENTS", "backupType", "%d is not a backup type", int32(d.Type))
	}
	root.Set("backupType", tok)
	root.SetBool("partialFileSupport", d.PartialFileSupport)
	if !d.SnapshotSetID.IsNil() {
		root.SetID("snapshotSetId", d.SnapshotSetID)
	}
	root.Unknown(d.Unknown.Attrs, nil)
	for _, w := range d.Writers {
		we := root.Child("WRITER_COMPONENTS")
		we.SetID("instanceId", w.InstanceID)
		we.SetID("writerId", w.ClassID)
		we.SetNonEmpty("instanceName", w.InstanceName)
		we.SetUint("backupSchema", uint32(w.BackupSchema))
		for _, c := range w.Components {
			ce := we.Child("COMPONENT")
			ce.SetNonEmpty("logicalPath", c.LogicalPath)
			ce.Set("componentName", c.Name)
			tok, ok := xmldoc.TokenOf(componentTypeTokens, c.Type)
			if !ok {
				return "", xmldoc.Invalid("BACKUP_COMPONENTS/WRITER_COMPONENTS/COMPONENT", "componentType", "component %v: %v is not a component type", c.Key(), c.Type)
			}
			ce.Set("componentType", tok)
			ce.SetBool("backupSucceeded", c.BackupSucceeded)
			ce.SetNonEmpty("backupStamp", c.BackupStamp)
			ce.SetNonEmpty("previousBackupStamp", c.PreviousBackupStamp)
			ce.SetNonEmpty("backupOptions", c.BackupOptions)
			ce.SetNonEmpty("restoreOptions", c.RestoreOptions)
			ce.SetBool("selectedForRestore", c.SelectedForRestore)
			ce.SetBool("additionalRestores", c.AdditionalRestores)
			if f := c.Failure; f != nil {
				ce.SetUint("failure", uint32(f.Code))
				ce.SetUint("applicationFailure", uint32(f.Application))
				ce.SetNonEmpty("applicationMessage", f.Message)
			}
			if c.BackupMetadata != "" {
				m := ce.Child("BACKUP_METADATA")
				m.Set("xmlns", "")
				m.Set("metadata", c.BackupMetadata)
			}
			if c.RestoreMetadata != "" {
				m := ce.Child("RESTORE_METADATA")
				m.Set("xmlns", "")
				m.Set("metadata", c.RestoreMetadata)
			}
			for _, p := range c.PartialFiles {
				pe := ce.Child("PARTIAL_FILE")
				pe.Set("path", p.Path)
				pe.Set("filename", p.Name)
				pe.Set("ranges", p.Ranges)
				pe.SetNonEmpty("metadata", p.Metadata)
				pe.Unknown(p.Unknown.Attrs, p.Unknown.Elements)
			}
			for _, f := range c.DifferencedFiles {
				de := ce.Child("DIFFERENCED_FILE")
				de.Set("path", f.Path)
				de.Set("filespec", f.Spec)
				de.SetBool("recursive", f.Recursive)
				de.Set("lastModifyTime", strconv.FormatUint(filetimeOf(f.LastModifyTime), 10))
				de.Unknown(f.Unknown.Attrs, f.Unknown.Elements)
			}
			ce.Unknown(c.Unknown.Attrs, c.Unknown.Elements)
		}
		we.Unknown(w.Unknown.Attrs, w.Unknown.Elements)
	}
	root.Unknown(nil, d.Unknown.Elements)
	return xmldoc.Write(root.E)
}
