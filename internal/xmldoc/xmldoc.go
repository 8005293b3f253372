// Package xmldoc is the XML layer under the writer metadata document (WMD)
// and the backup components document (BCD): it decodes the encodings
// Windows saves them in, enforces size and depth limits before parsing,
// reads elements' attributes with typed errors that name the element and
// the problem, and keeps what a model does not know (as vss.XMLElement and
// vss.XMLAttr) so that a document written back loses nothing.
package xmldoc

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/beevik/etree"

	"github.com/vsskit/vss"
)

// Limits on a document before it is parsed. The largest real document
// known (the System Writer's WMD on Windows Server 2012) is 2.1 MB and 4
// elements deep.
const (
	// MaxSize is the largest document accepted, in bytes as stored.
	MaxSize = 32 << 20
	// MaxDepth is the deepest element nesting accepted.
	MaxDepth = 64
)

// Encoding is how a document's bytes were stored.
type Encoding int

const (
	UTF8    Encoding = iota // UTF-8, with or without a byte order mark
	UTF16LE                 // UTF-16 little-endian, with or without a byte order mark
	UTF16BE                 // UTF-16 big-endian, with or without a byte order mark
)

func (e Encoding) String() string {
	switch e {
	case UTF16LE:
		return "UTF-16LE"
	case UTF16BE:
		return "UTF-16BE"
	}
	return "UTF-8"
}

// Error is a document that cannot be read: it names where (the element's
// path from the root, and the attribute when one is at fault) and what is
// wrong. It matches the VSS HRESULT in Code with errors.Is:
// VSS_E_CORRUPT_XML_DOCUMENT when the bytes are not well-formed XML,
// VSS_E_INVALID_XML_DOCUMENT when the XML is not a valid document of its
// kind.
type Error struct {
	Code    vss.HRESULT
	Path    string // "WRITER_METADATA/BACKUP_LOCATIONS/FILE_GROUP[3]"; empty for the document as a whole
	Attr    string // the attribute at fault, if any
	Problem string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("vss document: ")
	if e.Path != "" {
		b.WriteString("<" + e.Path + ">")
		if e.Attr != "" {
			b.WriteString(" attribute " + e.Attr)
		}
		b.WriteString(": ")
	}
	b.WriteString(e.Problem)
	fmt.Fprintf(&b, " (%s)", e.Code.Name())
	return b.String()
}

// Unwrap returns the HRESULT, for errors.Is.
func (e *Error) Unwrap() error { return e.Code }

// Invalid returns a VSS_E_INVALID_XML_DOCUMENT error at path.
func Invalid(path, attr, format string, args ...any) *Error {
	return &Error{Code: vss.ErrInvalidXMLDocument, Path: path, Attr: attr, Problem: fmt.Sprintf(format, args...)}
}

// Corrupt returns a VSS_E_CORRUPT_XML_DOCUMENT error.
func Corrupt(path, format string, args ...any) *Error {
	return &Error{Code: vss.ErrCorruptXMLDocument, Path: path, Problem: fmt.Sprintf(format, args...)}
}

// Decode returns the document as UTF-8 and the encoding it was stored in.
// It detects UTF-16 by its byte order mark or, without one, by the zero
// bytes around the first '<', as diskshadow stores its manifest.
func Decode(b []byte) ([]byte, Encoding, error) {
	if len(b) > MaxSize {
		return nil, UTF8, Invalid("", "", "the document is %d bytes; the limit is %d", len(b), MaxSize)
	}
	switch {
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		return b[3:], UTF8, nil
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}):
		return decode16(b[2:], UTF16LE, 2)
	case bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		return decode16(b[2:], UTF16BE, 2)
	case len(b) >= 2 && b[0] != 0 && b[1] == 0:
		return decode16(b, UTF16LE, 0)
	case len(b) >= 2 && b[0] == 0 && b[1] != 0:
		return decode16(b, UTF16BE, 0)
	}
	return b, UTF8, nil
}

// decode16 converts UTF-16 text (b, after any byte order mark, which
// was bom bytes long) to UTF-8. A surrogate without its other half is not
// a character: the text is refused, naming the offset of the unit in the
// stored bytes, rather than read with U+FFFD in its place.
func decode16(b []byte, enc Encoding, bom int) ([]byte, Encoding, error) {
	if len(b)%2 != 0 {
		return nil, enc, Corrupt("", "%v text with an odd number of bytes (%d): truncated", enc, len(b))
	}
	unit := func(i int) rune {
		if enc == UTF16LE {
			return rune(b[i]) | rune(b[i+1])<<8
		}
		return rune(b[i])<<8 | rune(b[i+1])
	}
	// Mostly ASCII: one byte of UTF-8 for two of UTF-16.
	out := make([]byte, 0, len(b)/2+len(b)/32)
	for i := 0; i < len(b); i += 2 {
		r := unit(i)
		switch {
		case r < utf8.RuneSelf:
			out = append(out, byte(r))
			continue
		case utf16.IsSurrogate(r):
			if r < 0xDC00 && i+3 < len(b) {
				if lo := unit(i + 2); lo >= 0xDC00 && lo <= 0xDFFF {
					r = utf16.DecodeRune(r, lo)
					i += 2
					break
				}
			}
			return nil, enc, Invalid("", "", "%v text has a lone surrogate 0x%04X at byte offset %d, which is not a character", enc, r, bom+i)
		}
		out = utf8.AppendRune(out, r)
	}
	return out, enc, nil
}

// Parse decodes b, checks the limits and parses it. The root element is
// returned; a document that is not well-formed XML, or has no root, is a
// VSS_E_CORRUPT_XML_DOCUMENT *Error.
func Parse(b []byte) (*etree.Element, Encoding, error) {
	text, enc, err := Decode(b)
	if err != nil {
		return nil, enc, err
	}
	if err := checkDepth(text); err != nil {
		return nil, enc, err
	}
	doc := etree.NewDocument()
	doc.ReadSettings = etree.ReadSettings{
		// The text is UTF-8 now, whatever its declaration says.
		CharsetReader: func(_ string, r io.Reader) (io.Reader, error) { return r, nil },
	}
	if err := doc.ReadFromBytes(text); err != nil {
		path, problem := diagnose(text)
		return nil, enc, Corrupt(path, "not well-formed XML: %s", problem)
	}
	root := doc.Root()
	if root == nil {
		return nil, enc, Corrupt("", "no root element")
	}
	return root, enc, nil
}

// diagnose re-reads text that did not parse with encoding/xml, whose
// errors say where and what, and names the elements open at that point.
func diagnose(text []byte) (path, problem string) {
	d := xml.NewDecoder(bytes.NewReader(text))
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	var open []string
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			if len(open) > 0 {
				return strings.Join(open, "/"), "the document ends before this element is closed (truncated)"
			}
			return "", "no root element"
		}
		if err != nil {
			return strings.Join(open, "/"), err.Error()
		}
		switch t := tok.(type) {
		case xml.StartElement:
			open = append(open, t.Name.Local)
		case xml.EndElement:
			if len(open) > 0 {
				open = open[:len(open)-1]
			}
		}
	}
}

// checkDepth scans the markup once, without building anything, and refuses
// nesting deeper than MaxDepth before a parser allocates for it.
func checkDepth(t []byte) error {
	depth := 0
	var stack [MaxDepth]string
	for i := 0; i < len(t); i++ {
		if t[i] != '<' {
			continue
		}
		rest := t[i:]
		switch {
		case bytes.HasPrefix(rest, []byte("<!--")):
			i = skipTo(t, i, "-->")
		case bytes.HasPrefix(rest, []byte("<![CDATA[")):
			i = skipTo(t, i, "]]>")
		case bytes.HasPrefix(rest, []byte("<?")):
			i = skipTo(t, i, "?>")
		case bytes.HasPrefix(rest, []byte("<!")):
			i = skipTo(t, i, ">")
		case bytes.HasPrefix(rest, []byte("</")):
			if depth > 0 {
				depth--
			}
			i = skipTo(t, i, ">")
		default:
			end, selfClosed := tagEnd(t, i)
			if !selfClosed {
				if depth == MaxDepth {
					return Invalid(strings.Join(stack[:4], "/")+"/...", "", "elements nested more than %d deep", MaxDepth)
				}
				stack[depth] = tagName(t[i+1 : end])
				depth++
			}
			i = end
		}
	}
	return nil
}

func skipTo(t []byte, i int, end string) int {
	j := bytes.Index(t[i:], []byte(end))
	if j < 0 {
		return len(t)
	}
	return i + j + len(end) - 1
}

// tagEnd finds the '>' closing the start tag at t[i], skipping quoted
// attribute values.
func tagEnd(t []byte, i int) (int, bool) {
	var quote byte
	for j := i + 1; j < len(t); j++ {
		c := t[j]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			return j, t[j-1] == '/'
		}
	}
	return len(t), false
}

func tagName(b []byte) string {
	n := bytes.IndexAny(b, " \t\r\n/>")
	if n < 0 {
		n = len(b)
	}
	if n > 64 {
		n = 64
	}
	return string(b[:n])
}

// Write serializes root compactly, without an XML declaration, as Windows'
// SaveAsXML does. Attribute values are escaped canonically, so line breaks
// in them (the ASR Writer's captions have CR LF) survive any parser.
func Write(root *etree.Element) (string, error) {
	// Written straight into a strings.Builder: a document is a string in
	// the end, and etree's Document.WriteTo would add a buffer and a copy.
	var b strings.Builder
	root.WriteTo(&b, &etree.WriteSettings{CanonicalAttrVal: true})
	return b.String(), nil
}
