package xmldoc

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/beevik/etree"
	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/internal/testdata"
)

// An element a model does not know, with what such elements carry: a
// namespace prefix, namespace declarations, prefixed attributes, values
// that need escaping, text, white space between children, and nesting.
const vendorHint = `<ms:HINT xmlns:ms="urn:example" ms:level="3" note="a &amp; b &lt;c&gt; &quot;d&quot;&#xD;&#xA;e">` +
	"\n  <ms:STEP order=\"1\">flush &amp; hold</ms:STEP>\n  <EMPTY/>\n" +
	`<DEEP><DEEPER x="y">z</DEEPER></DEEP></ms:HINT>`

var vendorHintElement = vss.XMLElement{
	Space: "ms", Tag: "HINT",
	Attrs: []vss.XMLAttr{
		{Space: "xmlns", Key: "ms", Value: "urn:example"},
		{Space: "ms", Key: "level", Value: "3"},
		{Key: "note", Value: "a & b <c> \"d\"\r\ne"},
	},
	Children: []vss.XMLElement{
		{Space: "ms", Tag: "STEP", Attrs: []vss.XMLAttr{{Key: "order", Value: "1"}}, Text: "flush & hold"},
		{Tag: "EMPTY"},
		{Tag: "DEEP", Children: []vss.XMLElement{{Tag: "DEEPER", Attrs: []vss.XMLAttr{{Key: "x", Value: "y"}}, Text: "z"}}},
	},
}

func parseElement(t *testing.T, doc string) vss.XMLElement {
	t.Helper()
	root, _, err := Parse([]byte(doc))
	require.NoError(t, err)
	return *root
}

func write(t *testing.T, e *etree.Element) string {
	t.Helper()
	s, err := Write(e)
	require.NoError(t, err)
	return s
}

// Parse keeps everything of an element but white space between its
// children, and Build writes it back as it was read.
func TestParseBuild(t *testing.T) {
	got := parseElement(t, vendorHint)
	assert.Empty(t, cmp.Diff(vendorHintElement, got))

	out := write(t, Build(etree.NewElement("PARENT"), got))
	assert.Equal(t, `<ms:HINT xmlns:ms="urn:example" ms:level="3" note="a &amp; b &lt;c> &quot;d&quot;&#xD;&#xA;e">`+
		`<ms:STEP order="1">flush &amp; hold</ms:STEP><EMPTY/><DEEP><DEEPER x="y">z</DEEPER></DEEP></ms:HINT>`, out)
	assert.Empty(t, cmp.Diff(got, parseElement(t, out)))
}

// Text that is not only white space is kept, pieces between children
// joined; CDATA is text like any other.
func TestParseElementText(t *testing.T) {
	for _, tc := range []struct{ doc, text string }{
		{`<E>  </E>`, ""},
		{"<E>\n\t<C/>\n</E>", ""},
		{`<E> padded </E>`, " padded "},
		{`<E>one<C/>two</E>`, "onetwo"},
		{`<E><![CDATA[a <b> & c]]></E>`, "a <b> & c"},
		{`<E>&#x41;&amp;</E>`, "A&"},
	} {
		assert.Equal(t, tc.text, parseElement(t, tc.doc).Text, tc.doc)
	}
}

// A hand-built element needs only a tag; what it leaves empty is not
// written.
func TestBuildMinimal(t *testing.T) {
	out := write(t, Build(etree.NewElement("P"), vss.XMLElement{Tag: "X"}))
	assert.Equal(t, `<X/>`, out)
	out = write(t, Build(etree.NewElement("P"), vss.XMLElement{Tag: "X", Text: "1 < 2", Children: []vss.XMLElement{{Tag: "Y"}}}))
	assert.Equal(t, `<X>1 &lt; 2<Y/></X>`, out)
}

// Reading an element leaves what was not asked for: Rest has the
// attributes not looked up (the namespace declaration only when asked),
// Children the child elements f did not take, in document order.
func TestElemKeepsWhatItDoesNotRead(t *testing.T) {
	doc := parseElement(t, `<DOC xmlns="urn:doc" known="1" future="2" xmlns:v="urn:v" v:flag="yes">`+
		`<KNOWN/><NEW a="b"/><KNOWN/><v:EXT>t</v:EXT></DOC>`)
	x := Open(&doc)
	assert.Equal(t, "1", x.Str("known"))
	var known []string
	var unknown []vss.XMLElement
	x.Children(&unknown, func(c *Elem) bool {
		if c.E.Tag != "KNOWN" {
			return false
		}
		known = append(known, c.Path())
		return true
	})
	assert.Equal(t, []string{"DOC/KNOWN", "DOC/KNOWN[2]"}, known)
	assert.Empty(t, cmp.Diff([]vss.XMLElement{
		{Tag: "NEW", Attrs: []vss.XMLAttr{{Key: "a", Value: "b"}}},
		{Space: "v", Tag: "EXT", Text: "t"},
	}, unknown))
	assert.Equal(t, []vss.XMLAttr{
		{Key: "future", Value: "2"}, {Space: "xmlns", Key: "v", Value: "urn:v"}, {Space: "v", Key: "flag", Value: "yes"},
	}, x.Rest(false))
	assert.Equal(t, []vss.XMLAttr{
		{Key: "xmlns", Value: "urn:doc"}, {Key: "future", Value: "2"}, {Space: "xmlns", Key: "v", Value: "urn:v"}, {Space: "v", Key: "flag", Value: "yes"},
	}, x.Rest(true))
	assert.NoError(t, x.Err())
}

// Out.Unknown writes the kept attributes after those the model set and
// the kept elements after the children it added, and they read back
// equal.
func TestOutUnknown(t *testing.T) {
	attrs := []vss.XMLAttr{{Key: "future", Value: "2"}, {Space: "xmlns", Key: "ms", Value: "urn:example"}}
	root := NewRoot("DOC", "urn:doc")
	root.Set("known", "1")
	root.Child("KNOWN")
	root.Unknown(attrs, []vss.XMLElement{vendorHintElement})
	root.Unknown(nil, nil)
	out := write(t, root.E)

	doc := parseElement(t, out)
	x := Open(&doc)
	assert.Equal(t, "1", x.Str("known"))
	var unknown []vss.XMLElement
	x.Children(&unknown, func(c *Elem) bool { return c.E.Tag == "KNOWN" })
	assert.Empty(t, cmp.Diff([]vss.XMLElement{vendorHintElement}, unknown))
	assert.Equal(t, attrs, x.Rest(false))
	assert.Equal(t, "KNOWN", x.E.Children[0].Tag, "modelled children come first")
}

// Every real document, kept whole as one element and built again, writes
// back with nothing lost and reads back equal.
func TestRealDocumentsElementRoundTrip(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(testdata.Dir(t), "*", "*.xml"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			in, err := os.ReadFile(f)
			require.NoError(t, err)
			root, _, err := Parse(in)
			require.NoError(t, err)
			kept := *root
			out := write(t, Build(etree.NewElement("PARENT"), kept))
			lost, err := Lost(in, []byte(out))
			require.NoError(t, err)
			assert.Empty(t, lost)
			again, _, err := Parse([]byte(out))
			require.NoError(t, err)
			if d := cmp.Diff(kept, *again); d != "" {
				t.Fatalf("differs after a round trip (-first +second):\n%s", d)
			}
		})
	}
}

// Text split into many pieces, by comments or by child elements, costs
// memory in proportion to the document: reading it does not copy what was
// read with each new piece.
func TestTextPiecesCostLinear(t *testing.T) {
	const pieces = 100_000
	for _, tc := range []struct {
		name, sep string
		perPiece  uint64 // bytes a piece may cost: its share of the tree and the model
	}{
		{"comments", "<!---->", 128},
		{"elements", "<C/>", 1024},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := []byte("<A><UNKNOWN>" + strings.Repeat("text"+tc.sep, pieces) + "</UNKNOWN></A>")
			var e vss.XMLElement
			n := allocated(func() {
				root, _, err := Parse(doc)
				require.NoError(t, err)
				e = root.Children[0]
			})
			assert.Len(t, e.Text, 4*pieces)
			assert.Less(t, n, uint64(len(doc))+tc.perPiece*pieces, "bytes allocated for a %d-byte document", len(doc))
		})
	}
}
