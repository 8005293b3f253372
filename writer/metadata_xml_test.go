package writer_test

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/internal/xmldoc"
	"github.com/vsskit/vss/writer"
)

// A small document in the shape Windows writes, with an element and
// attributes this library does not model.
const smallWMD = `<WRITER_METADATA xmlns="x-schema:#VssWriterMetadataInfo" version="1.2" backupSchema="3" future="1">` +
	`<IDENTIFICATION writerId="A65FAA63-5EA8-4EBC-9DBD-A0C4DB26912A" instanceId="{dd8d6255-b3bb-4ec1-8249-73cd75c0ee21}" instanceName="SQL" friendlyName="SqlServerWriter" usage="USER_DATA" dataSource="TRANSACTION_DB" majorVersion="1" minorVersion="2"/>` +
	`<RESTORE_METHOD method="RESTORE_IF_CAN_BE_REPLACED" writerRestore="always" rebootRequired="no"><ALTERNATE_LOCATION_MAPPING path="C:\db" filespec="*.mdf" recursive="no" alternatePath="D:\db"/></RESTORE_METHOD>` +
	`<BACKUP_LOCATIONS><DATABASE logicalPath="HOST" componentName="sales" caption="Sales&#xD;&#xA;database" restoreMetadata="no" notifyOnBackupComplete="yes" selectable="yes" selectableForRestore="yes" componentFlags="2">` +
	`<DATABASE_FILES path="C:\db" filespec="sales.mdf" filespecBackupType="3855"/><DATABASE_LOGFILES path="C:\db" filespec="sales.ldf"/>` +
	`<DEPENDENCY writerId="a65faa63-5ea8-4ebc-9dbd-a0c4db26912a" componentName="master"/><VENDOR_HINT level="3">kept</VENDOR_HINT></DATABASE>` +
	`<EXCLUDE_FILES path="C:\db" filespec="*.tmp" recursive="yes"/></BACKUP_LOCATIONS><EXTENSION xmlns="urn:example" a="b"><INNER/></EXTENSION></WRITER_METADATA>`

func TestParseMetadata(t *testing.T) {
	md, err := writer.ParseMetadata([]byte(smallWMD))
	require.NoError(t, err)
	assert.Equal(t, "SqlServerWriter", md.Name)
	assert.Equal(t, vss.MustParseID("{a65faa63-5ea8-4ebc-9dbd-a0c4db26912a}"), md.ClassID)
	assert.Equal(t, vss.UsageUserData, md.Usage)
	assert.Equal(t, vss.SourceTransactedDB, md.Source)
	assert.Equal(t, vss.SchemaDifferential|vss.SchemaIncremental, md.BackupSchema)
	require.NotNil(t, md.RestoreMethod)
	assert.Equal(t, vss.RestoreIfCanReplace, md.RestoreMethod.Method)
	assert.Equal(t, vss.WriterRestoreAlways, md.RestoreMethod.WriterRestore)
	assert.Equal(t, "D:\\db", md.RestoreMethod.AlternateLocations[0].AlternatePath)
	require.Len(t, md.Components, 1)
	c := md.Components[0]
	assert.Equal(t, writer.ComponentKey{Type: vss.ComponentDatabase, LogicalPath: "HOST", Name: "sales"}, c.Key())
	assert.Equal(t, "Sales\r\ndatabase", c.Caption)
	assert.True(t, c.Selectable)
	assert.Len(t, c.DatabaseFiles, 1)
	assert.Len(t, c.LogFiles, 1)
	assert.Equal(t, "master", c.Dependencies[0].ComponentName)
	assert.Equal(t, "VENDOR_HINT", c.Unknown.Elements[0].Tag)
	assert.Equal(t, []vss.XMLAttr{{Key: "future", Value: "1"}}, md.Unknown.Attrs)
	assert.Equal(t, "EXTENSION", md.Unknown.Elements[0].Tag)
	assert.True(t, md.ExcludeFiles[0].Recursive)

	out, err := md.XML()
	require.NoError(t, err)
	again, err := writer.ParseMetadata([]byte(out))
	require.NoError(t, err)
	assert.Empty(t, cmp.Diff(md, again))
	lost, err := xmldoc.Lost([]byte(smallWMD), []byte(out))
	require.NoError(t, err)
	assert.Empty(t, lost)
}

func utf16Bytes(s string, bigEndian, bom bool) []byte {
	u := utf16.Encode([]rune(s))
	if bom {
		u = append([]uint16{0xFEFF}, u...)
	}
	b := make([]byte, 0, 2*len(u))
	for _, c := range u {
		if bigEndian {
			b = append(b, byte(c>>8), byte(c))
		} else {
			b = append(b, byte(c), byte(c>>8))
		}
	}
	return b
}

// Documents saved by Windows may be UTF-16, with or without a byte order
// mark, and may say so in their declaration.
func TestParseMetadataEncodings(t *testing.T) {
	want, err := writer.ParseMetadata([]byte(smallWMD))
	require.NoError(t, err)
	decl := `<?xml version="1.0" encoding="UTF-16"?>` + smallWMD
	for name, b := range map[string][]byte{
		"utf8-bom":       append([]byte{0xEF, 0xBB, 0xBF}, smallWMD...),
		"utf16le-bom":    utf16Bytes(decl, false, true),
		"utf16le-no-bom": utf16Bytes(decl, false, false),
		"utf16be-bom":    utf16Bytes(decl, true, true),
		"utf16be-no-bom": utf16Bytes(smallWMD, true, false),
	} {
		t.Run(name, func(t *testing.T) {
			md, err := writer.ParseMetadata(b)
			require.NoError(t, err)
			assert.Empty(t, cmp.Diff(want, md))
		})
	}
}

// Bad documents fail with an error that names the element and the
// problem, and carries the VSS HRESULT.
func TestParseMetadataErrors(t *testing.T) {
	deep := strings.Repeat("<A>", 100) + strings.Repeat("</A>", 100)
	huge := make([]byte, 100<<20)
	copy(huge, smallWMD)
	for _, tc := range []struct {
		name, doc string
		raw       []byte
		code      vss.HRESULT
		want      []string
	}{
		{name: "empty", doc: "", code: vss.ErrCorruptXMLDocument, want: []string{"no root element"}},
		{name: "truncated", doc: smallWMD[:len(smallWMD)/2], code: vss.ErrCorruptXMLDocument, want: []string{"not well-formed"}},
		{name: "truncated after a child", doc: smallWMD[:strings.Index(smallWMD, "<BACKUP_LOCATIONS>")], code: vss.ErrCorruptXMLDocument, want: []string{"WRITER_METADATA"}},
		{name: "wrong root", doc: `<BACKUP_COMPONENTS/>`, code: vss.ErrInvalidXMLDocument, want: []string{"<BACKUP_COMPONENTS>", "writer metadata document"}},
		{name: "manifest", doc: `<Manifest><Writers Count = '1'/></Manifest>`, code: vss.ErrInvalidXMLDocument, want: []string{"diskshadow manifest"}},
		{name: "bad GUID", doc: strings.Replace(smallWMD, "A65FAA63-5EA8-4EBC-9DBD-A0C4DB26912A", "not-a-guid", 1),
			code: vss.ErrInvalidXMLDocument, want: []string{"<WRITER_METADATA/IDENTIFICATION>", "writerId", `"not-a-guid" is not a GUID`}},
		{name: "bad enum", doc: strings.Replace(smallWMD, `usage="USER_DATA"`, `usage="SOMETIMES"`, 1),
			code: vss.ErrInvalidXMLDocument, want: []string{"IDENTIFICATION", "usage", `"SOMETIMES" is not one of`}},
		{name: "bad bool", doc: strings.Replace(smallWMD, `selectable="yes"`, `selectable="maybe"`, 1),
			code: vss.ErrInvalidXMLDocument, want: []string{"<WRITER_METADATA/BACKUP_LOCATIONS/DATABASE>", "selectable"}},
		{name: "component without name", doc: strings.Replace(smallWMD, `componentName="sales"`, ``, 1),
			code: vss.ErrInvalidXMLDocument, want: []string{"DATABASE>", "componentName", "missing"}},
		{name: "no identity", doc: `<WRITER_METADATA/>`, code: vss.ErrInvalidXMLDocument, want: []string{"IDENTIFICATION"}},
		{name: "deep", doc: deep, code: vss.ErrInvalidXMLDocument, want: []string{"nested more than 64 deep"}},
		{name: "100 MB", raw: huge, code: vss.ErrInvalidXMLDocument, want: []string{"104857600 bytes", "limit"}},
		{name: "odd UTF-16", raw: utf16Bytes(smallWMD, false, true)[:101], code: vss.ErrCorruptXMLDocument, want: []string{"odd number of bytes"}},
		{name: "component twice", doc: strings.Replace(smallWMD, `<EXCLUDE_FILES`, `<DATABASE logicalPath="HOST" componentName="sales"><DATABASE_FILES path="C:\db" filespec="sales2.mdf"/></DATABASE><EXCLUDE_FILES`, 1),
			code: vss.ErrInvalidXMLDocument, want: []string{"<WRITER_METADATA/BACKUP_LOCATIONS/DATABASE[2]>", "componentName", `component HOST\sales is declared twice`}},
		{name: "lone surrogate", raw: append(utf16Bytes(smallWMD[:40], false, true), 0x00, 0xD8, '"', 0),
			code: vss.ErrInvalidXMLDocument, want: []string{"lone surrogate 0xD800 at byte offset 82"}},
		{name: "second root", doc: smallWMD + `<WRITER_METADATA/>`, code: vss.ErrInvalidXMLDocument, want: []string{"<WRITER_METADATA>", "second root element"}},
		{name: "attribute twice", doc: strings.Replace(smallWMD, `friendlyName="SqlServerWriter"`, `friendlyName="SqlServerWriter" friendlyName="Other"`, 1),
			code: vss.ErrInvalidXMLDocument, want: []string{"<WRITER_METADATA/IDENTIFICATION>", "attribute friendlyName", "appears twice"}},
		{name: "undeclared root prefix", doc: `<vss:WRITER_METADATA><IDENTIFICATION/></vss:WRITER_METADATA>`,
			code: vss.ErrInvalidXMLDocument, want: []string{"<WRITER_METADATA>", "prefix vss is not declared"}},
		{name: "root prefix in another namespace", doc: `<vss:WRITER_METADATA xmlns:vss="urn:other"/>`,
			code: vss.ErrInvalidXMLDocument, want: []string{"<WRITER_METADATA>", `prefix vss is bound to namespace "urn:other"`, writer.MetadataNamespace}},
		{name: "root in another namespace", doc: strings.Replace(smallWMD, writer.MetadataNamespace, "urn:other", 1),
			code: vss.ErrInvalidXMLDocument, want: []string{"<WRITER_METADATA> attribute xmlns", `namespace "urn:other"`, writer.MetadataNamespace}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := tc.raw
			if b == nil {
				b = []byte(tc.doc)
			}
			md, err := writer.ParseMetadata(b)
			require.Error(t, err)
			assert.Nil(t, md)
			assert.True(t, errors.Is(err, tc.code), "%v is not %v", err, tc.code)
			var de *xmldoc.Error
			require.ErrorAs(t, err, &de)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

// A component declared twice is refused by ParseMetadata as Validate
// refuses it: VSS would not have let the writer declare it.
func TestParseMetadataComponentTwice(t *testing.T) {
	md, err := writer.ParseMetadata([]byte(smallWMD))
	require.NoError(t, err)
	twice := *md.Components[0]
	twice.DatabaseFiles = []writer.FileSpec{{Path: `C:\db`, Spec: "sales2.mdf"}}
	md.Components = append(md.Components, &twice)
	err = md.Validate()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "declared twice")

	doc, err := md.XML()
	require.NoError(t, err)
	_, err = writer.ParseMetadata([]byte(doc))
	require.Error(t, err)
	assert.True(t, errors.Is(err, vss.ErrInvalidXMLDocument))
	assert.Contains(t, err.Error(), "declared twice")

	// The same name as a file group is another component.
	twice.Type = vss.ComponentFileGroup
	twice.Files, twice.DatabaseFiles, twice.LogFiles = twice.DatabaseFiles, nil, nil
	require.NoError(t, md.Validate())
	doc, err = md.XML()
	require.NoError(t, err)
	_, err = writer.ParseMetadata([]byte(doc))
	require.NoError(t, err)
}

// A root element in the document's namespace by a prefix is the same
// root, and reads as if it had none.
func TestParseMetadataPrefixedRoot(t *testing.T) {
	doc := strings.Replace(smallWMD, `<WRITER_METADATA xmlns=`, `<vss:WRITER_METADATA xmlns:vss=`, 1)
	doc = strings.Replace(doc, `</WRITER_METADATA>`, `</vss:WRITER_METADATA>`, 1)
	md, err := writer.ParseMetadata([]byte(doc))
	require.NoError(t, err)
	want, err := writer.ParseMetadata([]byte(smallWMD))
	require.NoError(t, err)
	want.Unknown.Attrs = append([]vss.XMLAttr{{Space: "xmlns", Key: "vss", Value: writer.MetadataNamespace}}, want.Unknown.Attrs...)
	assert.Empty(t, cmp.Diff(want, md))
}

func FuzzParseMetadata(f *testing.F) {
	f.Add([]byte(smallWMD))
	f.Add(utf16Bytes(smallWMD, false, false))
	f.Add([]byte(`<WRITER_METADATA><IDENTIFICATION writerId="00000000-0000-0000-0000-000000000001" instanceId="00000000-0000-0000-0000-000000000002"/></WRITER_METADATA>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		md, err := writer.ParseMetadata(b)
		if err != nil {
			var de *xmldoc.Error
			if !errors.As(err, &de) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		out, err := md.XML()
		if err != nil {
			return // a value the format cannot write back is refused, not lost
		}
		again, err := writer.ParseMetadata([]byte(out))
		if err != nil {
			t.Fatalf("cannot read back what was written: %v\n%s", err, out)
		}
		if d := cmp.Diff(md, again); d != "" {
			t.Fatalf("round trip differs:\n%s", d)
		}
	})
}
