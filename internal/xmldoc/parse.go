package xmldoc

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"

	"github.com/beevik/etree"
)

// Parse decodes b, checks the limits and parses it. The root element is
// returned; a document that is not well-formed XML, or has no root, is a
// VSS_E_CORRUPT_XML_DOCUMENT or VSS_E_INVALID_XML_DOCUMENT *Error (see
// Error for which).
//
// The tree holds elements, their attributes, and their text when it is
// not only white space: the text of an element between two child
// elements, comments and processing instructions being no boundary, is
// one CharData. Comments, processing instructions and directives are not
// kept; no model reads them, and a document split into pieces by them
// costs no more than one that is not.
func Parse(b []byte) (*etree.Element, Encoding, error) {
	text, enc, err := Decode(b)
	if err != nil {
		return nil, enc, err
	}
	if err := scan(text); err != nil {
		return nil, enc, err
	}
	root, err := build(text)
	if err != nil {
		return nil, enc, err
	}
	return root, enc, nil
}

// scan passes over the markup once, without building anything, and
// refuses a document over the depth, element or attribute limits before
// a parser allocates for it. It counts what a parser would find in a
// well-formed document; in one that is not, it may count more, never
// less, and the parser refuses the document anyway.
func scan(t []byte) error {
	depth, elements, attrs := 0, 0, 0
	var open [MaxDepth]int // offset of each open element's start tag
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
			end, selfClosed, n := tagEnd(t, i)
			if elements++; elements > MaxElements {
				return Invalid("", "", "more than %d elements, this library's limit", MaxElements)
			}
			if attrs += n; attrs > MaxAttributes {
				return Invalid("", "", "more than %d attributes, this library's limit", MaxAttributes)
			}
			if !selfClosed {
				if depth == MaxDepth {
					var names []string
					for _, at := range open[:4] {
						names = append(names, tagName(t[at+1:]))
					}
					return Invalid(strings.Join(names, "/")+"/...", "", "elements nested more than %d deep, this library's limit", MaxDepth)
				}
				open[depth] = i
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
// attribute values, and counts the tag's attributes by their '='.
func tagEnd(t []byte, i int) (end int, selfClosed bool, attrs int) {
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
		case c == '=':
			attrs++
		case c == '>':
			return j, t[j-1] == '/', attrs
		}
	}
	return len(t), false, attrs
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

// The namespaces XML reserves.
const (
	xmlNamespace   = "http://www.w3.org/XML/1998/namespace"
	xmlnsNamespace = "http://www.w3.org/2000/xmlns/"
)

// builder makes the tree from encoding/xml's tokens, checking what the
// tokenizer does not: end tags match, one root element, no text outside
// it, each attribute once, namespace prefixes declared (XML Namespaces
// 1.0), and the limits again.
type builder struct {
	open     []*etree.Element
	root     *etree.Element
	text     []byte // the innermost open element's text not yet added
	elements int
	attrs    int

	// Prefixes in scope: bound maps each to its namespace; undo records,
	// for each declaration, what it replaced, and undoAt where each open
	// element's declarations start in undo.
	bound  map[string]string
	undo   []binding
	undoAt []int

	seen map[xml.Name]struct{} // for elements with many attributes
}

type binding struct {
	prefix, uri string
	had         bool
}

func build(text []byte) (*etree.Element, error) {
	d := xml.NewDecoder(bytes.NewReader(text))
	// The text is UTF-8 now, whatever its declaration says.
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	var b builder
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, Corrupt(b.path(), "not well-formed XML: %s", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if err := b.start(t); err != nil {
				return nil, err
			}
		case xml.EndElement:
			if err := b.end(t); err != nil {
				return nil, err
			}
		case xml.CharData:
			if len(b.open) > 0 {
				b.text = append(b.text, t...)
			} else if !isSpace(t) {
				return nil, Invalid(b.path(), "", "text outside the root element: %.40q", string(t))
			}
		}
	}
	if len(b.open) > 0 {
		return nil, Corrupt(b.path(), "not well-formed XML: the document ends before this element is closed (truncated)")
	}
	if b.root == nil {
		return nil, Corrupt("", "no root element")
	}
	return b.root, nil
}

// path names the open elements, for an error.
func (b *builder) path() string {
	names := make([]string, len(b.open))
	for i, e := range b.open {
		names[i] = e.Tag
	}
	return strings.Join(names, "/")
}

// flush adds the text read since the last tag to the innermost open
// element, unless it is only white space.
func (b *builder) flush() {
	if len(b.text) > 0 {
		if !isSpace(b.text) {
			b.open[len(b.open)-1].CreateText(string(b.text))
		}
		b.text = b.text[:0]
	}
}

func (b *builder) start(t xml.StartElement) error {
	if len(b.open) == 0 && b.root != nil {
		return Invalid(b.root.Tag, "", "a second root element <%s> after this one: a document has one", qname(t.Name))
	}
	b.flush()
	e := &etree.Element{Space: t.Name.Space, Tag: t.Name.Local}
	if err := b.enter(e, t.Name, t.Attr); err != nil {
		return err
	}
	if len(b.open) > 1 {
		b.open[len(b.open)-2].AddChild(e)
	} else {
		b.root = e
	}
	if len(t.Attr) > 0 {
		e.Attr = make([]etree.Attr, len(t.Attr))
		for i, a := range t.Attr {
			e.Attr[i] = etree.Attr{Space: a.Name.Space, Key: a.Name.Local, Value: a.Value}
		}
	}
	return nil
}

// enter opens element e, named name with attributes attrs: it checks the
// limits, declares the prefixes e declares and checks its names and
// attributes.
func (b *builder) enter(e *etree.Element, name xml.Name, attrs []xml.Attr) error {
	if len(b.open) == MaxDepth {
		return Invalid(b.path(), "", "elements nested more than %d deep, this library's limit", MaxDepth)
	}
	if b.elements++; b.elements > MaxElements {
		return Invalid("", "", "more than %d elements, this library's limit", MaxElements)
	}
	if b.attrs += len(attrs); b.attrs > MaxAttributes {
		return Invalid("", "", "more than %d attributes, this library's limit", MaxAttributes)
	}
	b.open = append(b.open, e)
	b.undoAt = append(b.undoAt, len(b.undo))
	return b.namespaces(name, attrs)
}

func (b *builder) end(t xml.EndElement) error {
	if len(b.open) == 0 {
		return Corrupt("", "not well-formed XML: </%s> closes no element", qname(t.Name))
	}
	e := b.open[len(b.open)-1]
	if e.Tag != t.Name.Local || e.Space != t.Name.Space {
		return Corrupt(b.path(), "not well-formed XML: <%s> closed by </%s>", e.FullTag(), qname(t.Name))
	}
	b.flush()
	b.leave()
	return nil
}

// leave closes the innermost open element, and the scope of the prefixes
// it declared.
func (b *builder) leave() {
	at := b.undoAt[len(b.undoAt)-1]
	for i := len(b.undo) - 1; i >= at; i-- {
		u := b.undo[i]
		if u.had {
			b.bound[u.prefix] = u.uri
		} else {
			delete(b.bound, u.prefix)
		}
	}
	b.undo = b.undo[:at]
	b.undoAt = b.undoAt[:len(b.undoAt)-1]
	b.open = b.open[:len(b.open)-1]
}

// namespaces declares the prefixes an element declares in attrs, then
// checks that its names are qualified names with declared prefixes and
// that no attribute appears twice, by its name as written or by its
// namespace and local name.
func (b *builder) namespaces(name xml.Name, attrs []xml.Attr) error {
	for _, a := range attrs {
		if a.Name.Space != "xmlns" {
			continue
		}
		p, uri := a.Name.Local, a.Value
		switch {
		case p == "xmlns":
			return Invalid(b.path(), "xmlns:xmlns", "the prefix xmlns cannot be declared")
		case p == "xml" && uri != xmlNamespace, p != "xml" && uri == xmlNamespace:
			return Invalid(b.path(), "xmlns:"+p, "only the prefix xml is bound to %s, and it cannot be bound to anything else", xmlNamespace)
		case uri == xmlnsNamespace:
			return Invalid(b.path(), "xmlns:"+p, "no prefix may be bound to %s", xmlnsNamespace)
		case uri == "":
			return Invalid(b.path(), "xmlns:"+p, "a prefix cannot be bound to no namespace (an empty xmlns:%s)", p)
		}
		if b.bound == nil {
			b.bound = map[string]string{}
		}
		old, had := b.bound[p]
		b.undo = append(b.undo, binding{p, old, had})
		b.bound[p] = uri
	}
	if err := b.qualified(name, false); err != nil {
		return err
	}
	for _, a := range attrs {
		if err := b.qualified(a.Name, true); err != nil {
			return err
		}
	}
	return b.unique(attrs)
}

// qualified checks that name is a qualified name (no colon in the local
// part, none at either end) with a declared prefix.
func (b *builder) qualified(name xml.Name, attr bool) error {
	at := ""
	if attr {
		at = qname(name)
	}
	if strings.Contains(name.Local, ":") || (name.Space == "" && strings.HasPrefix(name.Local, ":")) {
		return Invalid(b.path(), at, "%q is not a qualified name (a prefix, one colon, a local name)", qname(name))
	}
	switch name.Space {
	case "", "xml":
		return nil
	case "xmlns":
		if attr {
			return nil
		}
		return Invalid(b.path(), "", "an element cannot have the prefix xmlns")
	}
	if _, ok := b.bound[name.Space]; !ok {
		return Invalid(b.path(), at, "the namespace prefix %s is not declared (no xmlns:%s in scope)", name.Space, name.Space)
	}
	return nil
}

// unique refuses an attribute that appears twice: by the name as written
// or, for prefixed names, by namespace and local name.
func (b *builder) unique(attrs []xml.Attr) error {
	expanded := func(n xml.Name) xml.Name {
		switch n.Space {
		case "", "xmlns":
			return xml.Name{Space: "\x00" + n.Space, Local: n.Local} // not a namespace: compared as written
		case "xml":
			return xml.Name{Space: xmlNamespace, Local: n.Local}
		}
		return xml.Name{Space: b.bound[n.Space], Local: n.Local}
	}
	twice := func(a xml.Attr) error {
		return Invalid(b.path(), qname(a.Name), "the attribute appears twice: an element has each attribute once")
	}
	if len(attrs) <= 8 {
		for i := 1; i < len(attrs); i++ {
			for j := range i {
				if expanded(attrs[i].Name) == expanded(attrs[j].Name) {
					return twice(attrs[i])
				}
			}
		}
		return nil
	}
	if b.seen == nil {
		b.seen = map[xml.Name]struct{}{}
	}
	defer clear(b.seen)
	for _, a := range attrs {
		n := expanded(a.Name)
		if _, ok := b.seen[n]; ok {
			return twice(a)
		}
		b.seen[n] = struct{}{}
	}
	return nil
}

func qname(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Space + ":" + n.Local
}

func isSpace(b []byte) bool {
	for _, c := range b {
		switch c {
		case ' ', '\t', '\r', '\n':
		default:
			return false
		}
	}
	return true
}
