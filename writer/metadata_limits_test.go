package writer_test

import (
	"errors"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/internal/xmldoc"
	"github.com/vsskit/vss/writer"
)

// manyFiles returns a document with one component of n file sets whose
// paths are pathLen bytes long.
func manyFiles(n, pathLen int) *writer.Metadata {
	md := writer.NewMetadata(writer.Info{
		ClassID: vss.MustParseID("{a65faa63-5ea8-4ebc-9dbd-a0c4db26912a}"), Name: "Many Files Writer",
		Usage: vss.UsageUserData, Source: vss.SourceOther,
	})
	c := &writer.ComponentInfo{Type: vss.ComponentFileGroup, Name: "files", Files: make([]writer.FileSpec, n)}
	dir := `C:\` + strings.Repeat("d", max(pathLen-3, 0))
	for i := range c.Files {
		c.Files[i] = writer.FileSpec{Path: dir, Spec: "f" + strconv.Itoa(i) + ".dat"}
	}
	md.Components = append(md.Components, c)
	return md
}

// XML refuses to write what ParseMetadata would refuse to read, naming
// the limit or the problem; a document over the element limit is refused
// before any of it is built.
func TestXMLRefusesWhatParseRefuses(t *testing.T) {
	t.Run("a million files", func(t *testing.T) {
		md := manyFiles(1_000_000, 10)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := md.XML()
		runtime.ReadMemStats(&after)
		require.Error(t, err)
		assert.True(t, errors.Is(err, vss.ErrInvalidXMLDocument))
		assert.Contains(t, err.Error(), "more than 500000, this library's limit")
		assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(1<<20), "bytes allocated to refuse it")
	})
	// 300,000 file sets of 100-byte paths: under the element and
	// attribute limits, over the size limit.
	t.Run("size", func(t *testing.T) {
		_, err := manyFiles(300_000, 100).XML()
		require.Error(t, err)
		assert.True(t, errors.Is(err, vss.ErrInvalidXMLDocument))
		assert.Contains(t, err.Error(), "more than 33554432 bytes, this library's limit")
	})
	md := func(edit func(md *writer.Metadata)) *writer.Metadata {
		md := manyFiles(1, 10)
		edit(md)
		return md
	}
	deep := vss.XMLElement{Tag: "LEVEL"}
	for range xmldoc.MaxDepth {
		deep = vss.XMLElement{Tag: "LEVEL", Children: []vss.XMLElement{deep}}
	}
	attrs := make([]vss.XMLAttr, xmldoc.MaxAttributes)
	for i := range attrs {
		attrs[i] = vss.XMLAttr{Key: "a" + strconv.Itoa(i)}
	}
	for _, tc := range []struct {
		name string
		md   *writer.Metadata
		want []string
	}{
		{"depth", md(func(md *writer.Metadata) { md.Unknown.Elements = []vss.XMLElement{deep} }),
			[]string{"nested more than 64 deep, this library's limit"}},
		{"attributes", md(func(md *writer.Metadata) { md.UnknownLocations.Attrs = attrs }),
			[]string{"more than 2000000 attributes, this library's limit"}},
		{"attribute the model writes", md(func(md *writer.Metadata) {
			md.Components[0].Unknown.Attrs = []vss.XMLAttr{{Key: "componentName", Value: "again"}}
		}), []string{"<WRITER_METADATA/BACKUP_LOCATIONS/FILE_GROUP> attribute componentName", "appears twice"}},
		{"undeclared prefix", md(func(md *writer.Metadata) {
			md.Unknown.Elements = []vss.XMLElement{{Space: "v", Tag: "HINT"}}
		}), []string{"<WRITER_METADATA/HINT>", "prefix v is not declared"}},
		{"not a name", md(func(md *writer.Metadata) {
			md.Components[0].Files[0].Unknown.Elements = []vss.XMLElement{{Tag: "two words"}}
		}), []string{"<WRITER_METADATA/BACKUP_LOCATIONS/FILE_GROUP/FILE_LIST/two words>", `"two words" is not an XML name`}},
		{"not an attribute name", md(func(md *writer.Metadata) {
			md.Unknown.Attrs = []vss.XMLAttr{{Key: "1st"}}
		}), []string{"<WRITER_METADATA> attribute 1st", "not an XML name"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.md.XML()
			require.Error(t, err)
			assert.True(t, errors.Is(err, vss.ErrInvalidXMLDocument))
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

// Names beyond ASCII are XML names as encoding/xml reads them; a
// document using them reads back.
func TestXMLNamesBeyondASCII(t *testing.T) {
	md := manyFiles(1, 10)
	md.Unknown.Elements = []vss.XMLElement{{Tag: "Größe", Attrs: []vss.XMLAttr{{Key: "été", Value: "1"}}}}
	doc, err := md.XML()
	require.NoError(t, err)
	back, err := writer.ParseMetadata([]byte(doc))
	require.NoError(t, err)
	assert.Equal(t, md.Unknown.Elements, back.Unknown.Elements)
}

// The package documentation states the limits xmldoc enforces.
func TestDocStatesLimits(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	require.NoError(t, err)
	for _, want := range xmldoc.DocumentedLimits() {
		assert.Contains(t, string(doc), want)
	}
}
