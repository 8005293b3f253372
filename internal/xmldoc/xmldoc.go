// Package xmldoc is the XML layer under the writer metadata document (WMD)
// and the backup components document (BCD): it decodes the encodings
// Windows saves them in, enforces limits before parsing, parses with XML's
// well-formedness rules into a tree of vss.XMLElement, reads elements'
// attributes with typed errors that name the element and the problem, and
// keeps what a model does not know (as vss.XMLElement and vss.XMLAttr) so
// that a document written back loses nothing. Documents are written with
// github.com/beevik/etree, refusing what Parse would refuse to read.
package xmldoc

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/vsskit/vss"
)

// Limits on a document, this library's choices: Windows documents none.
// They bound the time and memory a document can cost, whoever wrote it:
// a writer's metadata comes from another process, and a backup components
// document read at restore from wherever the backup was stored. The
// largest real document known, the System Writer's WMD on Windows Server
// 2012, is 2.2 MB and 4 elements deep, with 19,001 elements and 57,024
// attributes: the limits leave it 15 times the size, 16 times the depth,
// 26 times the elements and 35 times the attributes. Size, depth,
// elements and attributes are counted by a scan of the bytes before
// anything is built, so a document over a limit costs one pass over its
// bytes and, in memory, 4 bytes an element up to the limit. A document
// within them costs Parse under 1 s and under 7 times its size in heap
// (BENCHMARKS.md, "Hostile documents").
const (
	// MaxSize is the largest document accepted, in bytes as stored.
	MaxSize = 32 << 20
	// MaxDepth is the deepest element nesting accepted.
	MaxDepth = 64
	// MaxElements is the most elements a document may have.
	MaxElements = 500_000
	// MaxAttributes is the most attributes a document may have, all
	// elements together, namespace declarations included.
	MaxAttributes = 2_000_000
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
// VSS_E_CORRUPT_XML_DOCUMENT when the bytes cannot be read as XML at all
// (truncated, an odd number of bytes of UTF-16, a syntax error the
// tokenizer stops at); VSS_E_INVALID_XML_DOCUMENT, which Microsoft
// documents for a document that "is not a correctly formed XML string or
// does not match the schema", for everything else: text that is not
// characters (a lone UTF-16 surrogate), a break of XML's rules for a
// document (a second root element, an attribute twice, an undeclared
// namespace prefix), a document over one of this library's limits, and a
// document that is not a valid one of its kind.
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
