package xmldoc

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vsskit/vss"
)

// utf16Of encodes units as UTF-16 in enc, after a byte order mark when bom.
func utf16Of(units []uint16, enc Encoding, bom bool) []byte {
	if bom {
		units = append([]uint16{0xFEFF}, units...)
	}
	var b []byte
	for _, u := range units {
		if enc == UTF16LE {
			b = append(b, byte(u), byte(u>>8))
		} else {
			b = append(b, byte(u>>8), byte(u))
		}
	}
	return b
}

// UTF-16 decodes to the same text, surrogate pairs included, in either
// byte order, with or without a byte order mark.
func TestDecodeUTF16(t *testing.T) {
	const doc = `<DOC a="é €"><T>𝄞 x</T></DOC>`
	for _, enc := range []Encoding{UTF16LE, UTF16BE} {
		for _, bom := range []bool{false, true} {
			text, got, err := Decode(utf16Of(utf16.Encode([]rune(doc)), enc, bom))
			require.NoError(t, err)
			assert.Equal(t, enc, got)
			assert.Equal(t, doc, string(text))
		}
	}
}

// A lone surrogate is not a character: the document is refused, naming
// the byte offset of the unit, instead of read with U+FFFD in its place.
func TestDecodeUTF16LoneSurrogate(t *testing.T) {
	pre := utf16.Encode([]rune(`<DOC a="`))
	for _, tc := range []struct {
		name  string
		units []uint16
		bom   bool
		unit  string
		at    string
	}{
		{"high alone", append(append(pre, 0xD834), utf16.Encode([]rune(`"/>`))...), false, "0xD834", "offset 16"},
		{"high at the end", append(pre, 0xD834), true, "0xD834", "offset 18"},
		{"low alone", append(append(pre, 0xDD1E, 0xD834, 0xDD1E), utf16.Encode([]rune(`"/>`))...), true, "0xDD1E", "offset 18"},
		{"two highs", append(append(pre, 0xD834, 0xD834, 0xDD1E), utf16.Encode([]rune(`"/>`))...), false, "0xD834", "offset 16"},
	} {
		for _, enc := range []Encoding{UTF16LE, UTF16BE} {
			t.Run(tc.name+" "+enc.String(), func(t *testing.T) {
				_, _, err := Parse(utf16Of(tc.units, enc, tc.bom))
				require.Error(t, err)
				assert.True(t, errors.Is(err, vss.ErrInvalidXMLDocument), "%v", err)
				for _, w := range []string{"lone surrogate", tc.unit, tc.at, enc.String()} {
					assert.Contains(t, err.Error(), w)
				}
			})
		}
	}
}

// Parse refuses what XML does not allow in a document, even where
// encoding/xml's tokenizer lets it through, with an error naming the
// problem and where it is.
func TestParseNotWellFormed(t *testing.T) {
	many := `<A`
	for i := range 20 {
		many += fmt.Sprintf(` a%d="%d"`, i, i)
	}
	many += ` a7="again"/>`
	for _, tc := range []struct {
		name, doc string
		code      vss.HRESULT
		want      []string
	}{
		{"second root", `<A/><B/>`, vss.ErrInvalidXMLDocument, []string{"<A>", "second root element <B>"}},
		{"second root after white space", "<A></A>\n <ms:B xmlns:ms=\"u\"/>", vss.ErrInvalidXMLDocument, []string{"second root element <ms:B>"}},
		{"text after the root", `<A/>text`, vss.ErrInvalidXMLDocument, []string{"text outside the root element", `"text"`}},
		{"text before the root", `text<A/>`, vss.ErrInvalidXMLDocument, []string{"text outside the root element"}},
		{"attribute twice", `<A><B x="1" y="2" x="3"/></A>`, vss.ErrInvalidXMLDocument, []string{"<A/B>", "attribute x", "appears twice"}},
		{"attribute twice among many", many, vss.ErrInvalidXMLDocument, []string{"attribute a7", "appears twice"}},
		{"prefixed attribute twice", `<A xmlns:p="u" p:x="1" p:x="2"/>`, vss.ErrInvalidXMLDocument, []string{"attribute p:x", "appears twice"}},
		{"same namespace and name twice", `<A xmlns:p="u" xmlns:q="u" p:x="1" q:x="2"/>`, vss.ErrInvalidXMLDocument, []string{"attribute q:x", "appears twice"}},
		{"declaration twice", `<A xmlns="u" xmlns="v"/>`, vss.ErrInvalidXMLDocument, []string{"attribute xmlns", "appears twice"}},
		{"undeclared element prefix", `<A><p:B/></A>`, vss.ErrInvalidXMLDocument, []string{"<A/B>", "prefix p is not declared"}},
		{"undeclared root prefix", `<p:A/>`, vss.ErrInvalidXMLDocument, []string{"<A>", "prefix p is not declared"}},
		{"undeclared attribute prefix", `<A p:x="1"/>`, vss.ErrInvalidXMLDocument, []string{"attribute p:x", "prefix p is not declared"}},
		{"prefix out of scope", `<A><B xmlns:p="u"/><p:C/></A>`, vss.ErrInvalidXMLDocument, []string{"<A/C>", "prefix p is not declared"}},
		{"prefix bound to nothing", `<A xmlns:p=""/>`, vss.ErrInvalidXMLDocument, []string{"xmlns:p", "no namespace"}},
		{"xmlns declared", `<A xmlns:xmlns="u"/>`, vss.ErrInvalidXMLDocument, []string{"xmlns cannot be declared"}},
		{"xml rebound", `<A xmlns:xml="u"/>`, vss.ErrInvalidXMLDocument, []string{"only the prefix xml"}},
		{"xmlns element", `<xmlns:A/>`, vss.ErrInvalidXMLDocument, []string{"prefix xmlns"}},
		{"colon in a name", `<A :x="1"/>`, vss.ErrInvalidXMLDocument, []string{`":x" is not a qualified name`}},
		{"local part no name", `<A xmlns:a="u" a:1b="2"/>`, vss.ErrInvalidXMLDocument, []string{`"a:1b" is not a qualified name`}},
		{"two colons", `<A a:b:c="2"/>`, vss.ErrInvalidXMLDocument, []string{`"a:b:c" is not a qualified name`}},
		{"document type", `<!DOCTYPE A [<!ENTITY big "x">]><A>&big;</A>`, vss.ErrInvalidXMLDocument, []string{"document type declaration"}},
		{"wrong end tag", `<A><B></A></B>`, vss.ErrCorruptXMLDocument, []string{"<A/B>", "not well-formed", "<B> closed by </A>"}},
		{"end tag alone", `<A/></A>`, vss.ErrCorruptXMLDocument, []string{"</A> closes no element"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Parse([]byte(tc.doc))
			require.Error(t, err)
			assert.True(t, errors.Is(err, tc.code), "%v is not %v", err, tc.code)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

// What XML allows is read: prefixes in scope, xml:lang, comments and
// processing instructions around the root, a declaration before it, the
// default namespace reset with xmlns="" as the backup components
// document's BACKUP_METADATA does.
func TestParseWellFormed(t *testing.T) {
	for _, doc := range []string{
		`<A xmlns:p="u" p:x="1" x="2"><p:B p:y="2"/><B xmlns:p="v" p:x="3"/></A>`,
		`<A xmlns:p="u" xmlns:q="v" p:x="1" q:x="2"/>`,
		`<A xml:lang="en" lang="fr"/>`,
		"<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n<!-- saved -->\n<A/>\n<!-- end -->\n",
		`<A xmlns="x-schema:#VssComponentMetadata"><B xmlns="" metadata="m"/></A>`,
		`<A xmlns:xml="http://www.w3.org/XML/1998/namespace"/>`,
	} {
		_, _, err := Parse([]byte(doc))
		assert.NoError(t, err, doc)
	}
}

// Text is one piece between two child elements, whatever comments and
// processing instructions split it, and the pieces are joined; pieces
// that are only white space are not kept.
func TestParseText(t *testing.T) {
	root, _, err := Parse([]byte("<E>a<!-- 1 --> b<?pi x?>c<![CDATA[<d>]]><C/>\n  <C/>e<!---->\n</E>"))
	require.NoError(t, err)
	assert.Equal(t, "a bc<d>e\n", root.Text)
	assert.Len(t, root.Children, 2)
}

// Documents over a limit are refused with an error naming the limit, by
// the scan before anything is built.
func TestParseLimits(t *testing.T) {
	elements := "<A>" + strings.Repeat("<x/>", MaxElements) + "</A>"
	attrs := "<A>" + strings.Repeat(`<x a="" b="" c="" d="" e="" f="" g="" h=""/>`, MaxAttributes/8) + `<y i=""/></A>`
	deep := strings.Repeat("<A>", MaxDepth+1) + strings.Repeat("</A>", MaxDepth+1)
	for _, tc := range []struct{ name, doc, want string }{
		{"elements", elements, fmt.Sprintf("more than %d elements, this library's limit", MaxElements)},
		{"attributes", attrs, fmt.Sprintf("more than %d attributes, this library's limit", MaxAttributes)},
		{"depth", deep, fmt.Sprintf("elements nested more than %d deep, this library's limit", MaxDepth)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := scan([]byte(tc.doc))
			require.Error(t, err)
			assert.True(t, errors.Is(err, vss.ErrInvalidXMLDocument))
			assert.Contains(t, err.Error(), tc.want)
			p := parser{t: []byte(tc.doc)}
			_, err = p.parse()
			require.Error(t, err, "the parser checks the limits too")
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	// At the limits, a document is read.
	_, _, err := Parse([]byte("<A>" + strings.Repeat("<x/>", MaxElements-1) + "</A>"))
	require.NoError(t, err)
}

// allocated returns the bytes f allocates.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// A document of empty elements up to the size limit is refused by the
// scan, before any of them is built: it costs what the scan keeps, 4
// bytes an element up to the limit, where the tree cost 4.2 GB.
func TestParseEmptyElementsCostLittleMemory(t *testing.T) {
	doc := []byte("<A>" + strings.Repeat("<x/>", (MaxSize-8)/4) + "</A>")
	require.LessOrEqual(t, len(doc), MaxSize)
	var err error
	n := allocated(func() { _, _, err = Parse(doc) })
	require.Error(t, err)
	assert.Contains(t, err.Error(), "elements, this library's limit")
	assert.Less(t, n, uint64(4*MaxElements+64<<10), "bytes allocated to refuse a %d-byte document", len(doc))
}
