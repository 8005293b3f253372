package requestor_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/internal/testdata"
	"github.com/vsskit/vss/internal/xmldoc"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/writer"
)

// Both real backup components documents parse, write back, parse to an
// equal model, and lose no element or attribute.
func TestRealBackupDocumentRoundTrip(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(testdata.Dir(t), "*", "*.bcd.xml"))
	require.NoError(t, err)
	require.Len(t, files, 2)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			in, err := os.ReadFile(f)
			require.NoError(t, err)
			d, err := requestor.ParseBackupDocument(in)
			require.NoError(t, err)
			assert.Equal(t, vss.BackupFull, d.Type)
			assert.True(t, d.SelectComponents)
			assert.False(t, d.SnapshotSetID.IsNil())
			require.NotEmpty(t, d.Writers)

			out, err := d.XML()
			require.NoError(t, err)
			again, err := requestor.ParseBackupDocument([]byte(out))
			require.NoError(t, err)
			if diff := cmp.Diff(d, again); diff != "" {
				t.Fatalf("parse(write(parse(doc))) differs (-first +second):\n%s", diff)
			}
			lost, err := xmldoc.Lost(in, []byte(out))
			require.NoError(t, err)
			require.Empty(t, lost)
		})
	}
}

// The SQL Server writer's selected component carries its backup stamp and
// private metadata, as the writer recorded them at backup.
func TestRealBackupDocumentSQLComponent(t *testing.T) {
	in, err := os.ReadFile(filepath.Join(testdata.Dir(t), "vss-xml-sql", "ws2012_diskshadow_with_sql_BCDocument.bcd.xml"))
	require.NoError(t, err)
	d, err := requestor.ParseBackupDocument(in)
	require.NoError(t, err)
	var found *writer.Component
	for _, w := range d.Writers {
		for _, c := range w.Components {
			if c.Name == "local1" {
				found = c
			}
		}
	}
	require.NotNil(t, found, "component local1 of the SQL Server writer")
	assert.Equal(t, vss.ComponentFileGroup, found.Type)
	assert.NotEmpty(t, found.BackupStamp)
	assert.NotEmpty(t, found.BackupMetadata)
}

// The diskshadow manifest (UTF-16 without a byte order mark) is refused
// for what it is.
func TestDiskshadowManifestRefused(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(testdata.Dir(t), "*", "*Manifest*.xml"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		_, err = requestor.ParseBackupDocument(b)
		require.Error(t, err)
		assert.True(t, errors.Is(err, vss.ErrInvalidXMLDocument))
		assert.Contains(t, err.Error(), "diskshadow manifest")
		_, err = writer.ParseMetadata(b)
		assert.Contains(t, err.Error(), "diskshadow manifest")
	}
}

const smallBCD = `<BACKUP_COMPONENTS xmlns="x-schema:#VssComponentMetadata" version="1.2" bootableSystemStateBackup="no" selectComponents="yes" backupType="incremental" partialFileSupport="no" snapshotSetId="e109943b-232e-4b52-8dc4-62b7de94761b">` +
	`<WRITER_COMPONENTS instanceId="1BDDD48E-5052-49DB-9B07-B96F96727E6B" writerId="d61d61c8-d73a-4eee-8cdd-f6f9786b7124" backupSchema="3">` +
	`<COMPONENT logicalPath="HOST" componentName="sales" componentType="database" backupSucceeded="yes" backupStamp="lsn:42" previousBackupStamp="lsn:7">` +
	`<BACKUP_METADATA xmlns="" metadata="private"/><PARTIAL_FILE path="C:\db" filename="x.mdf" ranges="0:4096"/></COMPONENT></WRITER_COMPONENTS>` +
	`<SNAPSHOT_SET_DESCRIPTION snapshotSetId="e109943b-232e-4b52-8dc4-62b7de94761b" context="0"/></BACKUP_COMPONENTS>`

func TestParseBackupDocument(t *testing.T) {
	d, err := requestor.ParseBackupDocument([]byte(smallBCD))
	require.NoError(t, err)
	assert.Equal(t, vss.BackupIncremental, d.Type)
	inst := vss.MustParseID("{1bddd48e-5052-49db-9b07-b96f96727e6b}")
	key := writer.ComponentKey{Type: vss.ComponentDatabase, LogicalPath: "HOST", Name: "sales"}
	c := d.Component(inst, key)
	require.NotNil(t, c)
	assert.True(t, c.BackupSucceeded)
	assert.Equal(t, "lsn:42", c.BackupStamp)
	assert.Equal(t, "lsn:7", c.PreviousBackupStamp)
	assert.Equal(t, "private", c.BackupMetadata)
	assert.Equal(t, []writer.PartialFile{{Path: `C:\db`, Name: "x.mdf", Ranges: "0:4096"}}, c.PartialFiles)
	assert.Equal(t, "SNAPSHOT_SET_DESCRIPTION", d.Unknown.Elements[0].Tag)

	out, err := d.XML()
	require.NoError(t, err)
	again, err := requestor.ParseBackupDocument([]byte(out))
	require.NoError(t, err)
	assert.Empty(t, cmp.Diff(d, again))
	lost, err := xmldoc.Lost([]byte(smallBCD), []byte(out))
	require.NoError(t, err)
	assert.Empty(t, lost)
}

func TestBackupDocumentAddComponent(t *testing.T) {
	d := requestor.NewBackupDocument(requestor.BackupState{SelectComponents: true})
	assert.Equal(t, vss.BackupFull, d.Type)
	w, cl := vss.MustParseID("{00000000-0000-0000-0000-000000000001}"), vss.MustParseID("{00000000-0000-0000-0000-000000000002}")
	key := writer.ComponentKey{Type: vss.ComponentFileGroup, LogicalPath: `A\B`, Name: "files"}
	c, err := d.AddComponent(w, cl, key)
	require.NoError(t, err)
	c.BackupStamp = "s1"
	_, err = d.AddComponent(w, cl, key)
	assert.True(t, errors.Is(err, vss.ErrObjectAlreadyExists))
	_, err = d.AddComponent(w, cl, writer.ComponentKey{Type: vss.ComponentFileGroup})
	assert.True(t, errors.Is(err, vss.ErrInvalidArg))

	out, err := d.XML()
	require.NoError(t, err)
	again, err := requestor.ParseBackupDocument([]byte(out))
	require.NoError(t, err)
	assert.Empty(t, cmp.Diff(d, again))
	assert.Equal(t, d.State(), again.State())
}

func TestParseBackupDocumentErrors(t *testing.T) {
	for _, tc := range []struct {
		name, doc string
		want      []string
	}{
		{"wrong root", `<WRITER_METADATA/>`, []string{"<WRITER_METADATA>", "backup components document"}},
		{"truncated", smallBCD[:strings.Index(smallBCD, "<COMPONENT ")], []string{"not well-formed", "<BACKUP_COMPONENTS/WRITER_COMPONENTS>", "truncated"}},
		{"truncated in a tag", smallBCD[:200], []string{"not well-formed", "unexpected EOF"}},
		{"bad snapshot set", strings.Replace(smallBCD, `snapshotSetId="e109943b-232e-4b52-8dc4-62b7de94761b">`, `snapshotSetId="e109943b">`, 1), []string{"<BACKUP_COMPONENTS>", "snapshotSetId", "not a GUID"}},
		{"bad backup type", strings.Replace(smallBCD, `backupType="incremental"`, `backupType="weekly"`, 1), []string{"backupType", `"weekly"`}},
		{"bad component type", strings.Replace(smallBCD, `componentType="database"`, `componentType="table"`, 1), []string{"<BACKUP_COMPONENTS/WRITER_COMPONENTS/COMPONENT>", "componentType"}},
		{"missing writer", strings.Replace(smallBCD, `writerId="d61d61c8-d73a-4eee-8cdd-f6f9786b7124"`, ``, 1), []string{"WRITER_COMPONENTS>", "writerId", "missing"}},
		{"second root", smallBCD + `<BACKUP_COMPONENTS/>`, []string{"<BACKUP_COMPONENTS>", "second root element"}},
		{"attribute twice", strings.Replace(smallBCD, `backupStamp="lsn:42"`, `backupStamp="lsn:42" backupStamp="lsn:43"`, 1), []string{"<BACKUP_COMPONENTS/WRITER_COMPONENTS/COMPONENT>", "attribute backupStamp", "appears twice"}},
		{"undeclared root prefix", `<vss:BACKUP_COMPONENTS backupType="full"/>`, []string{"<BACKUP_COMPONENTS>", "prefix vss is not declared"}},
		{"root in another namespace", strings.Replace(smallBCD, requestor.BackupDocumentNamespace, "urn:other", 1), []string{"<BACKUP_COMPONENTS> attribute xmlns", `namespace "urn:other"`}},
		{"component twice", strings.Replace(smallBCD, `</WRITER_COMPONENTS>`, `<COMPONENT logicalPath="HOST" componentName="sales" componentType="database"/></WRITER_COMPONENTS>`, 1), []string{"COMPONENT[2]>", "appears twice"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := requestor.ParseBackupDocument([]byte(tc.doc))
			require.Error(t, err)
			var de *xmldoc.Error
			require.ErrorAs(t, err, &de)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

func FuzzParseBackupDocument(f *testing.F) {
	f.Add([]byte(smallBCD))
	f.Add([]byte(`<BACKUP_COMPONENTS backupType="full"><WRITER_COMPONENTS instanceId="00000000-0000-0000-0000-000000000001" writerId="00000000-0000-0000-0000-000000000002"/></BACKUP_COMPONENTS>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := requestor.ParseBackupDocument(b)
		if err != nil {
			var de *xmldoc.Error
			if !errors.As(err, &de) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		out, err := d.XML()
		if err != nil {
			return
		}
		again, err := requestor.ParseBackupDocument([]byte(out))
		if err != nil {
			t.Fatalf("cannot read back what was written: %v\n%s", err, out)
		}
		if diff := cmp.Diff(d, again); diff != "" {
			t.Fatalf("round trip differs:\n%s", diff)
		}
	})
}
