package requestor

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/internal/testdata"
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
