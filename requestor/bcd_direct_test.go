package requestor

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/internal/testdata"
	"github.com/vsskit/vss/internal/xmldoc"
	"github.com/vsskit/vss/writer"
)

// XML writes a document without unknown elements straight into the
// string; those bytes are the tree's, whatever the strings hold.
func TestBackupDocumentDirectIsTheTree(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pieces := []string{"", "a", "SQL Server", `C:\Data`, "&", "<", ">", `"`, "'", "\t", "\n", "\r", "\r\n", "\x00", "\x01",
		"\x7f", "\xff", "\xed\xa0\x80", "é", "€", "\uFFFD", "\uFFFE", "😀", "]]>", "&amp;", " x "}
	str := func() string {
		s := ""
		for range rng.IntN(5) {
			s += pieces[rng.IntN(len(pieces))]
		}
		return s
	}
	id := func() vss.ID {
		var x vss.ID
		for i := range x {
			x[i] = byte(rng.Uint32())
		}
		if rng.IntN(4) == 0 {
			return vss.NilID
		}
		return x
	}
	attrs := func() []vss.XMLAttr {
		var as []vss.XMLAttr
		for range rng.IntN(3) {
			a := vss.XMLAttr{Key: "k" + string(rune('a'+rng.IntN(26))), Value: str()}
			if rng.IntN(2) == 0 {
				a.Space = "ms"
			}
			as = append(as, a)
		}
		return as
	}
	failed := 0
	for i := range 2000 {
		d := NewBackupDocument(BackupState{Type: vss.BackupType(rng.IntN(9)), // some not a backup type SelectComponents: rng.IntN(2) == 0,
			BootableSystemState: rng.IntN(2) == 0, PartialFileSupport: rng.IntN(2) == 0})
		d.Version = []string{"", "1.2", str()}[rng.IntN(3)]
		d.SnapshotSetID = id()
		d.Unknown.Attrs = attrs()
		for range rng.IntN(3) {
			w := &WriterComponents{InstanceID: id(), ClassID: id(), InstanceName: str(), BackupSchema: vss.BackupSchema(rng.Uint32()),
				Unknown: writer.Unknown{Attrs: attrs()}}
			for range rng.IntN(3) {
				w.Components = append(w.Components, &writer.Component{Type: vss.ComponentType(rng.IntN(4)), // some not a component type
					LogicalPath: str(), Name: "c" + str(), BackupSucceeded: rng.IntN(2) == 0, BackupStamp: str(),
					PreviousBackupStamp: str(), BackupOptions: str(), RestoreOptions: str(),
					SelectedForRestore: rng.IntN(2) == 0, AdditionalRestores: rng.IntN(2) == 0,
					BackupMetadata: str(), RestoreMetadata: str(), Unknown: writer.Unknown{Attrs: attrs()}})
			}
			d.Writers = append(d.Writers, w)
		}
		require.False(t, d.hasUnknownElements())
		direct, derr := d.xmlDirect()
		tree, terr := d.xmlTree()
		require.Equal(t, terr, derr, "document %d", i)
		require.Equal(t, tree, direct, "document %d", i)
		if terr != nil {
			failed++
		}
	}
	assert.Greater(t, failed, 100, "documents with a type that is none")
}

// The real documents, written by the tree (they hold unknown elements),
// and without their unknown elements, written both ways.
func TestRealBackupDocumentDirectIsTheTree(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(testdata.Dir(t), "*", "*.bcd.xml"))
	require.NoError(t, err)
	for _, f := range files {
		in, err := os.ReadFile(f)
		require.NoError(t, err)
		d, err := ParseBackupDocument(in)
		require.NoError(t, err)
		out, err := d.XML()
		require.NoError(t, err)
		tree, err := d.xmlTree()
		require.NoError(t, err)
		assert.Equal(t, tree, out)
		d.Unknown.Elements = nil
		for _, w := range d.Writers {
			w.Unknown.Elements = nil
			for _, c := range w.Components {
				c.Unknown.Elements = nil
			}
		}
		direct, err := d.xmlDirect()
		require.NoError(t, err)
		tree, err = d.xmlTree()
		require.NoError(t, err)
		assert.Equal(t, tree, direct)
	}
}

// What ParseBackupDocument would refuse to read, XML refuses to write,
// with the same error whichever way it writes the document.
func TestBackupDocumentDirectRefusesAsTheTree(t *testing.T) {
	comp := func(attrs ...vss.XMLAttr) *BackupDocument {
		d := NewBackupDocument(BackupState{Type: vss.BackupFull})
		d.Writers = []*WriterComponents{{InstanceID: vss.ID{1}, ClassID: vss.ID{2}, Components: []*writer.Component{
			{Type: vss.ComponentDatabase, Name: "db", Unknown: writer.Unknown{Attrs: attrs}}}}}
		return d
	}
	many := NewBackupDocument(BackupState{Type: vss.BackupFull})
	w := &WriterComponents{InstanceID: vss.ID{1}, ClassID: vss.ID{2}}
	for i := range xmldoc.MaxElements {
		w.Components = append(w.Components, &writer.Component{Type: vss.ComponentDatabase, Name: strconv.Itoa(i)})
	}
	many.Writers = []*WriterComponents{w}
	big := comp()
	big.Writers[0].Components[0].BackupStamp = strings.Repeat("x", xmldoc.MaxSize)
	for name, d := range map[string]*BackupDocument{
		"attribute twice":     comp(vss.XMLAttr{Key: "componentName", Value: "again"}),
		"undeclared prefix":   comp(vss.XMLAttr{Space: "ms", Key: "x", Value: "1"}),
		"declared prefix":     comp(vss.XMLAttr{Space: "xmlns", Key: "ms", Value: "urn:x"}, vss.XMLAttr{Space: "ms", Key: "x", Value: "1"}),
		"prefixed twice":      comp(vss.XMLAttr{Space: "xmlns", Key: "a", Value: "urn:x"}, vss.XMLAttr{Space: "xmlns", Key: "b", Value: "urn:x"}, vss.XMLAttr{Space: "a", Key: "x"}, vss.XMLAttr{Space: "b", Key: "x"}),
		"xmlns declared":      comp(vss.XMLAttr{Space: "xmlns", Key: "xmlns", Value: "urn:x"}),
		"not a name":          comp(vss.XMLAttr{Key: "a b", Value: "1"}),
		"colon in local name": comp(vss.XMLAttr{Key: "a:b", Value: "1"}),
		"over the elements":   many,
		"over the size":       big,
	} {
		direct, derr := d.xmlDirect()
		tree, terr := d.xmlTree()
		assert.Equal(t, terr, derr, name)
		assert.Equal(t, tree, direct, name)
		if name != "declared prefix" {
			assert.ErrorIs(t, derr, vss.ErrInvalidXMLDocument, name)
		}
	}
}
