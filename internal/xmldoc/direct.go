package xmldoc

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/vsskit/vss"
)

// Direct writes a document straight into a string, byte for byte as Write
// writes the same elements built with Out: compact, without an XML
// declaration, attribute values escaped canonically, an element without
// children closed with "/>". It spares a document the tree: saving the
// backup components document of every backup is its use. Elements must be
// ended in the reverse order they were started.
//
// Like Write, it refuses what Parse would refuse to read, with the same
// error: each element is checked as its start tag is closed, in the order
// Write checks a tree, and Result reports the first refusal. The names a
// program gives Start, Set, SetNonEmpty, SetBool, SetUint and SetID are
// its own (XML names without a prefix, each attribute of an element
// once): an element with no other attribute is only counted against the
// limits. The attributes of SetNS and SetUnknown, which come from
// documents, have their element checked in full.
type Direct struct {
	b    strings.Builder
	open bool // the innermost element's start tag is not closed yet

	// The start tag being written: its element and its attributes, the
	// first in attrArr, the others in attrRest (no slice of the Direct's
	// own memory is kept in it, so that a Direct can live on the stack).
	tag      string
	attrArr  [16]vss.XMLAttr
	attrRest []vss.XMLAttr
	nattrs   int
	foreign  bool // some of them come from SetNS or SetUnknown

	// Until an element needs the checker (full), the elements are
	// followed here: the open ones' tags, and counts.
	tags     [8]string
	depth    int
	elements int
	attrs    int
	full     bool
	c        checker // once full, the elements written, as Parse follows them
	err      error   // the first thing Parse would refuse
}

// NewDirect returns a writer with room for size bytes.
func NewDirect(size int) *Direct {
	d := &Direct{}
	d.b.Grow(size)
	return d
}

// Start opens element tag, in namespace ns unless ns is empty.
func (d *Direct) Start(tag, ns string) {
	if d.open {
		d.check()
		d.b.WriteByte('>')
	}
	d.b.WriteByte('<')
	d.b.WriteString(tag)
	d.open = true
	d.tag, d.nattrs, d.attrRest, d.foreign = tag, 0, d.attrRest[:0], false
	if ns != "" {
		d.Set("xmlns", ns)
	}
}

// End closes element tag.
func (d *Direct) End(tag string) {
	if d.open {
		d.check()
		d.b.WriteString("/>")
		d.open = false
	} else {
		d.b.WriteString("</")
		d.b.WriteString(tag)
		d.b.WriteByte('>')
	}
	switch {
	case d.err != nil:
	case d.full:
		d.c.leave()
	default:
		d.depth--
	}
}

// check checks the element whose start tag is being closed as Write's
// check does: limits, namespaces, each attribute once, names. With only
// the program's own names, the limits are all that can fail: such an
// element is counted, and the checker is needed only from the first
// element with other names, deeper than the tags kept here, or at a
// limit.
func (d *Direct) check() {
	if d.err != nil {
		return
	}
	if !d.full {
		if !d.foreign && d.depth < len(d.tags) && d.elements < MaxElements && d.attrs+d.nattrs <= MaxAttributes {
			d.tags[d.depth] = d.tag
			d.depth, d.elements, d.attrs = d.depth+1, d.elements+1, d.attrs+d.nattrs
			return
		}
		// The elements open so far had only the program's own names: they
		// declared no prefix.
		d.c.open = append(d.c.open[:0], d.tags[:d.depth]...)
		d.c.undoAt = make([]int, d.depth)
		d.c.elements, d.c.attrs = d.elements, d.attrs
		d.full = true
	}
	if !d.foreign {
		d.err = d.c.openElement(d.tag, d.nattrs)
		return
	}
	attrs := d.attrArr[:min(d.nattrs, len(d.attrArr))]
	if len(d.attrRest) > 0 {
		attrs = append(attrs[:len(attrs):len(attrs)], d.attrRest...)
	}
	if d.err = d.c.enter("", d.tag, attrs); d.err != nil {
		return
	}
	if !isNCName(d.tag, false) {
		d.err = Invalid(d.c.path(), "", "%q is not an XML name", d.tag)
		return
	}
	for _, a := range attrs {
		if !isNCName(a.Space, true) || !isNCName(a.Key, false) {
			d.err = Invalid(d.c.path(), qualified(a.Space, a.Key), "%q is not an XML name", qualified(a.Space, a.Key))
			return
		}
	}
}

// attr keeps an attribute of the start tag being written, for check.
func (d *Direct) attr(space, key, value string) {
	if d.nattrs < len(d.attrArr) {
		d.attrArr[d.nattrs] = vss.XMLAttr{Space: space, Key: key, Value: value}
	} else {
		d.attrRest = append(d.attrRest, vss.XMLAttr{Space: space, Key: key, Value: value})
	}
	d.nattrs++
}

// Set writes an attribute of the element just started.
func (d *Direct) Set(key, value string) { d.set("", key, value) }

// SetNS writes an attribute with a namespace prefix (none if space is
// empty), of a name from a document.
func (d *Direct) SetNS(space, key, value string) {
	d.foreign = true
	d.set(space, key, value)
}

func (d *Direct) set(space, key, value string) {
	d.attr(space, key, value)
	d.b.WriteByte(' ')
	if space != "" {
		d.b.WriteString(space)
		d.b.WriteByte(':')
	}
	d.b.WriteString(key)
	d.b.WriteString(`="`)
	escapeAttr(&d.b, value)
	d.b.WriteByte('"')
}

// SetNonEmpty writes an attribute unless value is empty.
func (d *Direct) SetNonEmpty(key, value string) {
	if value != "" {
		d.Set(key, value)
	}
}

// SetBool writes a "yes"/"no" attribute.
func (d *Direct) SetBool(key string, v bool) {
	if v {
		d.Set(key, "yes")
	} else {
		d.Set(key, "no")
	}
}

// SetUint writes a decimal attribute.
func (d *Direct) SetUint(key string, v uint32) {
	var b [10]byte
	d.Set(key, string(strconv.AppendUint(b[:0], uint64(v), 10)))
}

// SetID writes a GUID attribute in the documents' form (lower case, no
// braces), as vss.ID.XMLString prints it.
func (d *Direct) SetID(key string, id vss.ID) {
	var buf [36]byte
	b := id.AppendXML(buf[:0])
	d.attr("", key, "") // its value is no matter to the checks
	d.b.WriteByte(' ')
	d.b.WriteString(key)
	d.b.WriteString(`="`)
	d.b.Write(b) // hexadecimal digits and dashes: nothing to escape
	d.b.WriteByte('"')
}

// SetUnknown writes back attributes the model did not know.
func (d *Direct) SetUnknown(attrs []vss.XMLAttr) {
	for _, a := range attrs {
		d.SetNS(a.Space, a.Key, a.Value)
	}
}

// Result returns the document, or what Parse would refuse in it, as Write
// would: a refusal of the checks, else a document over MaxSize.
func (d *Direct) Result() (string, error) {
	if d.err != nil {
		return "", d.err
	}
	if d.b.Len() > MaxSize {
		return "", Invalid("", "", "the document would be more than %d bytes, this library's limit", MaxSize)
	}
	return d.b.String(), nil
}

// escapeAttr writes s escaped as etree escapes a canonical attribute value
// (WriteSettings.CanonicalAttrVal): &, <, " and the whitespace that an
// attribute value would not keep are escaped, and what is not an XML
// character (invalid UTF-8 included) becomes U+FFFD.
func escapeAttr(b *strings.Builder, s string) {
	i := 0
	for i < len(s) && s[i] >= 0x20 && s[i] < utf8.RuneSelf && s[i] != '&' && s[i] != '<' && s[i] != '"' {
		i++
	}
	if i == len(s) { // nothing to escape, as most values
		b.WriteString(s)
		return
	}
	last := 0
	for i := 0; i < len(s); {
		r, width := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, width = utf8.DecodeRuneInString(s[i:])
		}
		i += width
		var esc string
		switch r {
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '"':
			esc = "&quot;"
		case '\t':
			esc = "&#x9;"
		case '\n':
			esc = "&#xA;"
		case '\r':
			esc = "&#xD;"
		default:
			if !xmlChar(r) || (r == utf8.RuneError && width == 1) {
				esc = "\uFFFD"
				break
			}
			continue
		}
		b.WriteString(s[last : i-width])
		b.WriteString(esc)
		last = i
	}
	b.WriteString(s[last:])
}

// xmlChar reports whether r is a character XML allows.
func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D || r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}
