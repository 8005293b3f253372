package xmldoc

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/vsskit/vss"
)

// Parse decodes b, checks the limits and parses it into the tree it
// returns, whose root is the document's root element. A document that is
// not well-formed XML, or has no root, is a VSS_E_CORRUPT_XML_DOCUMENT or
// VSS_E_INVALID_XML_DOCUMENT *Error (see Error for which).
//
// The tree is made of vss.XMLElement values, the form models keep an
// element they do not know in, so that keeping one costs no copy. An
// element's Text is its text that is not only white space: the pieces
// between its child elements joined, comments and processing instructions
// being no boundary. Comments, processing instructions and the XML
// declaration are not kept; no model reads them.
//
// Parse reads XML 1.0 as the documents use it: elements, attributes,
// text, the five predefined entities and character references, CDATA
// sections, comments, processing instructions. Line ends are normalized
// to LF in text and attribute values, as encoding/xml does (which this
// library read with before); literal white space in attribute values is
// kept as it is, as encoding/xml keeps it. A document type declaration is
// refused: VSS documents have none, and entities it would declare are a
// way to make a small document big.
func Parse(b []byte) (*vss.XMLElement, Encoding, error) {
	text, enc, err := Decode(b)
	if err != nil {
		return nil, enc, err
	}
	children, err := scan(text)
	if err != nil {
		return nil, enc, err
	}
	p := parser{t: text, children: children}
	root, err := p.parse()
	if err != nil {
		return nil, enc, err
	}
	return root, enc, nil
}

// scan passes over the markup once and refuses a document over the
// depth, element or attribute limits before the parser allocates for it:
// all it keeps is the number of child elements of each element, in
// document order (4 bytes an element), which it returns for the parser
// to size each element's list of children once. It counts what the
// parser would find in a well-formed document; in one that is not, it
// may count more, never less, and the parser refuses the document anyway.
func scan(t []byte) ([]int32, error) {
	depth, elements, attrs := 0, 0, 0
	var open [MaxDepth]int   // offset of each open element's start tag
	var parent [MaxDepth]int // index of each open element, in document order
	// Sized once: at most an element a '<', and no more than the limit.
	children := make([]int32, 0, min(bytes.Count(t, []byte("<")), MaxElements)+1)
	for i := 0; i < len(t); i++ {
		if t[i] != '<' {
			next := bytes.IndexByte(t[i:], '<')
			if next < 0 {
				break
			}
			i += next
		}
		var c byte
		if i+1 < len(t) {
			c = t[i+1]
		}
		switch {
		case c == '!' && bytes.HasPrefix(t[i:], []byte("<!--")):
			i = skipTo(t, i+4, "-->")
		case c == '!' && bytes.HasPrefix(t[i:], []byte("<![CDATA[")):
			i = skipTo(t, i+9, "]]>")
		case c == '?':
			i = skipTo(t, i+2, "?>")
		case c == '!':
			i = skipTo(t, i+2, ">")
		case c == '/':
			if depth > 0 {
				depth--
			}
			i = skipTo(t, i+2, ">")
		default:
			end, selfClosed, n := tagEnd(t, i)
			if elements == MaxElements {
				return nil, Invalid("", "", "more than %d elements, this library's limit", MaxElements)
			}
			if attrs += n; attrs > MaxAttributes {
				return nil, Invalid("", "", "more than %d attributes, this library's limit", MaxAttributes)
			}
			if depth > 0 {
				children[parent[depth-1]]++
			}
			children = append(children, 0)
			if !selfClosed {
				if depth == MaxDepth {
					var names []string
					for _, at := range open[:4] {
						names = append(names, tagName(t[at+1:]))
					}
					return nil, Invalid(strings.Join(names, "/")+"/...", "", "elements nested more than %d deep, this library's limit", MaxDepth)
				}
				open[depth] = i
				parent[depth] = elements
				depth++
			}
			elements++
			i = end
		}
	}
	return children, nil
}

// skipTo returns the offset of the last byte of the first end at or
// after t[i], or len(t). Every end finishes with '>', which is looked for
// first.
func skipTo(t []byte, i int, end string) int {
	for {
		j := bytes.IndexByte(t[i:], '>')
		if j < 0 {
			return len(t)
		}
		i += j
		if i+1 >= len(end) && string(t[i+1-len(end):i+1]) == end {
			return i
		}
		i++
	}
}

// tagEnd finds the '>' closing the start tag at t[i], skipping quoted
// attribute values, and counts the tag's attributes by their '='.
func tagEnd(t []byte, i int) (end int, selfClosed bool, attrs int) {
	for j := i + 1; j < len(t); j++ {
		for j < len(t) && !inTag[t[j]] {
			j++
		}
		if j == len(t) {
			break
		}
		switch c := t[j]; c {
		case '"', '\'':
			q := bytes.IndexByte(t[j+1:], c)
			if q < 0 {
				return len(t), false, attrs
			}
			j += 1 + q
		case '=':
			attrs++
		case '>':
			return j, t[j-1] == '/', attrs
		}
	}
	return len(t), false, attrs
}

// inTag marks the bytes tagEnd stops at.
var inTag = [256]bool{'"': true, '\'': true, '=': true, '>': true}

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

// parser reads the text of a document into a tree, checking XML's
// well-formedness (and, through checker, what the tokens alone do not
// show: one root, no text outside it, each attribute once, namespace
// prefixes declared, the limits).
type parser struct {
	t        []byte
	i        int
	children []int32 // from scan: child elements of each element, in document order
	started  int     // elements started so far

	c      checker
	frames []frame // open elements, innermost last
	root   *vss.XMLElement
	piece  []byte // the innermost open element's text since its last child
	buf    []byte // scratch for values with references or line ends
	attrs  []vss.XMLAttr
	names  map[string]string // names seen, so that each is one string
}

// frame is an open element being built, and its text so far.
type frame struct {
	e    vss.XMLElement
	text []byte
}

// maxNames bounds the names interned: past it (a document of that many
// different names is one built to cost), each name is its own string.
const maxNames = 4096

func (p *parser) parse() (*vss.XMLElement, error) {
	p.names = make(map[string]string, 64)
	for p.i < len(p.t) {
		var err error
		if p.t[p.i] != '<' {
			err = p.text()
		} else {
			err = p.markup()
		}
		if err != nil {
			return nil, err
		}
	}
	if len(p.frames) > 0 {
		return nil, Corrupt(p.c.path(), "not well-formed XML: the document ends before this element is closed (truncated)")
	}
	if p.root == nil {
		return nil, Corrupt("", "no root element")
	}
	return p.root, nil
}

// syntax is a VSS_E_CORRUPT_XML_DOCUMENT error at the current position.
func (p *parser) syntax(format string, args ...any) error {
	line := 1 + bytes.Count(p.t[:min(p.i, len(p.t))], []byte("\n"))
	return Corrupt(p.c.path(), "not well-formed XML: line %d: %s", line, fmt.Sprintf(format, args...))
}

func (p *parser) eof() error { return p.syntax("unexpected EOF") }

func (p *parser) markup() error {
	rest := p.t[p.i:]
	switch {
	case len(rest) < 2:
		return p.eof()
	case rest[1] == '/':
		return p.endTag()
	case rest[1] == '?':
		return p.procInst()
	case bytes.HasPrefix(rest, []byte("<!--")):
		return p.comment()
	case bytes.HasPrefix(rest, []byte("<![CDATA[")):
		return p.cdata()
	case bytes.HasPrefix(rest, []byte("<!DOCTYPE")):
		return Invalid(p.c.path(), "", "a document type declaration (<!DOCTYPE>): VSS documents have none, and this library reads none")
	case rest[1] == '!':
		if len(rest) < 9 && (bytes.HasPrefix([]byte("<!--"), rest) || bytes.HasPrefix([]byte("<![CDATA["), rest)) {
			return p.eof()
		}
		return p.syntax("%q begins no comment, CDATA section or declaration", string(rest[:min(len(rest), 9)]))
	}
	return p.startTag()
}

// space skips white space and reports whether there was any.
func (p *parser) space() bool {
	from := p.i
	for p.i < len(p.t) && isSpaceByte(p.t[p.i]) {
		p.i++
	}
	return p.i > from
}

func isSpaceByte(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// name reads a name: the bytes encoding/xml takes for one (ASCII name
// characters, any non-ASCII byte), checked as an XML name. It returns
// the prefix and the local name when the name has one colon with
// something on each side, as encoding/xml splits names; any other colon
// stays in the local name, which the checker refuses.
func (p *parser) name(what string) (space, local string, err error) {
	from := p.i
	for p.i < len(p.t) && (isNameByte(p.t[p.i]) || p.t[p.i] >= utf8.RuneSelf) {
		p.i++
	}
	b := p.t[from:p.i]
	if len(b) == 0 {
		if p.i == len(p.t) {
			return "", "", p.eof()
		}
		return "", "", p.syntax("expected %s, found %q", what, p.t[p.i])
	}
	// Names seen before are XML names without a colon: all that is
	// interned is.
	if s, ok := p.names[string(b)]; ok {
		return "", s, nil
	}
	if !isXMLName(b) {
		return "", "", p.syntax("invalid XML name %q", string(b))
	}
	switch c := bytes.IndexByte(b, ':'); {
	case c < 0:
		return "", p.intern(b), nil
	case c > 0 && c < len(b)-1 && bytes.IndexByte(b[c+1:], ':') < 0 && isXMLName(b[c+1:]):
		return p.intern(b[:c]), p.intern(b[c+1:]), nil
	}
	// Not a qualified name: the checker refuses it.
	return "", string(b), nil
}

func (p *parser) intern(b []byte) string {
	if s, ok := p.names[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(p.names) < maxNames {
		p.names[s] = s
	}
	return s
}

func isNameByte(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' || c == ':' || c == '.' || c == '-'
}

func (p *parser) startTag() error {
	p.i++ // <
	space, local, err := p.name("an element name after <")
	if err != nil {
		return err
	}
	if len(p.frames) == 0 && p.root != nil {
		return Invalid(p.root.Tag, "", "a second root element <%s> after this one: a document has one", qualified(space, local))
	}
	attrs := p.attrs[:0]
	empty := false
	for {
		spaced := p.space()
		if p.i == len(p.t) {
			return p.eof()
		}
		if c := p.t[p.i]; c == '>' || c == '/' {
			if c == '/' {
				if p.i+1 == len(p.t) {
					return p.eof()
				}
				if p.t[p.i+1] != '>' {
					return p.syntax("expected /> in element")
				}
				p.i++
				empty = true
			}
			p.i++
			break
		}
		if !spaced {
			return p.syntax("expected white space before attribute %d of <%s>", len(attrs)+1, qualified(space, local))
		}
		aspace, key, err := p.name("an attribute name")
		if err != nil {
			return err
		}
		p.space()
		if p.i == len(p.t) {
			return p.eof()
		}
		if p.t[p.i] != '=' {
			return p.syntax("attribute %s without = in element", qualified(aspace, key))
		}
		p.i++
		p.space()
		value, err := p.attrValue()
		if err != nil {
			return err
		}
		attrs = append(attrs, vss.XMLAttr{Space: aspace, Key: key, Value: value})
	}
	p.attrs = attrs

	p.flush()
	if err := p.c.enter(space, local, attrs); err != nil {
		return err
	}
	e := vss.XMLElement{Space: space, Tag: local}
	if len(attrs) > 0 {
		e.Attrs = make([]vss.XMLAttr, len(attrs))
		copy(e.Attrs, attrs)
	}
	if p.started < len(p.children) && p.children[p.started] > 0 {
		e.Children = make([]vss.XMLElement, 0, p.children[p.started])
	}
	p.started++
	p.frames = append(p.frames, frame{e: e})
	if empty {
		p.close()
	}
	return nil
}

// attrValue reads a quoted attribute value.
func (p *parser) attrValue() (string, error) {
	if p.i == len(p.t) {
		return "", p.eof()
	}
	quote := p.t[p.i]
	if quote != '"' && quote != '\'' {
		return "", p.syntax("unquoted or missing attribute value in element")
	}
	p.i++
	from := p.i
	// Most values hold nothing to decode: one string of their bytes.
	for p.i < len(p.t) {
		c := p.t[p.i]
		if c == quote {
			s := string(p.t[from:p.i])
			p.i++
			return s, nil
		}
		if c == '&' || c == '<' || c == '\r' || c < 0x20 && c != '\t' && c != '\n' || c >= utf8.RuneSelf {
			break
		}
		p.i++
	}
	p.buf = append(p.buf[:0], p.t[from:p.i]...)
	for {
		if p.i == len(p.t) {
			return "", p.eof()
		}
		c := p.t[p.i]
		switch {
		case c == quote:
			p.i++
			return string(p.buf), nil
		case c == '<':
			return "", p.syntax("unescaped < inside quoted string")
		case c == '&':
			var err error
			if p.buf, err = p.reference(p.buf); err != nil {
				return "", err
			}
		default:
			var err error
			if p.buf, err = p.char(p.buf); err != nil {
				return "", err
			}
		}
	}
}

// char appends the character at p.i to buf, a line end normalized to LF,
// and refuses one XML does not allow.
func (p *parser) char(buf []byte) ([]byte, error) {
	c := p.t[p.i]
	switch {
	case c == '\r':
		p.i++
		if p.i < len(p.t) && p.t[p.i] == '\n' {
			p.i++
		}
		return append(buf, '\n'), nil
	case c >= 0x20 && c < utf8.RuneSelf, c == '\t', c == '\n':
		p.i++
		return append(buf, c), nil
	case c < 0x20:
		return buf, p.syntax("illegal character code %U", rune(c))
	}
	r, size := utf8.DecodeRune(p.t[p.i:])
	if r == utf8.RuneError && size == 1 {
		return buf, p.syntax("invalid UTF-8")
	}
	if !isChar(r) {
		return buf, p.syntax("illegal character code %U", r)
	}
	buf = append(buf, p.t[p.i:p.i+size]...)
	p.i += size
	return buf, nil
}

// isChar reports whether XML allows r (the Char production).
func isChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D || r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

// reference appends what the reference at p.i stands for to buf: one of
// the five predefined entities or a character reference.
func (p *parser) reference(buf []byte) ([]byte, error) {
	from := p.i
	j := p.i + 1
	for j < len(p.t) && j-from <= 32 && (isNameByte(p.t[j]) || p.t[j] == '#') {
		j++
	}
	if j == len(p.t) {
		return buf, p.eof()
	}
	if p.t[j] != ';' {
		return buf, p.syntax("invalid character entity %s (no semicolon)", p.t[from:j])
	}
	ref := p.t[from+1 : j]
	switch string(ref) {
	case "lt":
		buf = append(buf, '<')
	case "gt":
		buf = append(buf, '>')
	case "amp":
		buf = append(buf, '&')
	case "apos":
		buf = append(buf, '\'')
	case "quot":
		buf = append(buf, '"')
	default:
		r, ok := charRef(ref)
		if !ok {
			return buf, p.syntax("invalid character entity &%s;", ref)
		}
		if !isChar(r) {
			return buf, p.syntax("character reference &%s; is %U, which XML does not allow", ref, r)
		}
		buf = utf8.AppendRune(buf, r)
	}
	p.i = j + 1
	return buf, nil
}

// charRef reads the number of a character reference: #digits or #xhex.
func charRef(ref []byte) (rune, bool) {
	if len(ref) < 2 || ref[0] != '#' {
		return 0, false
	}
	digits, base := ref[1:], rune(10)
	if digits[0] == 'x' {
		digits, base = digits[1:], 16
	}
	if len(digits) == 0 {
		return 0, false
	}
	var r rune
	for _, d := range digits {
		var v rune
		switch {
		case '0' <= d && d <= '9':
			v = rune(d - '0')
		case base == 16 && 'a' <= d && d <= 'f':
			v = rune(d-'a') + 10
		case base == 16 && 'A' <= d && d <= 'F':
			v = rune(d-'A') + 10
		default:
			return 0, false
		}
		if r = r*base + v; r > utf8.MaxRune {
			return 0, false
		}
	}
	return r, true
}

// text reads character data up to the next '<', into the open element's
// text; outside the root it must be white space.
func (p *parser) text() error {
	if len(p.frames) == 0 {
		p.space()
		if p.i < len(p.t) && p.t[p.i] != '<' {
			return Invalid("", "", "text outside the root element: %.40q", p.t[p.i:min(len(p.t), p.i+40)])
		}
		return nil
	}
	for p.i < len(p.t) {
		from := p.i
		for p.i < len(p.t) {
			c := p.t[p.i]
			if c < 0x20 && c != '\t' && c != '\n' || c >= utf8.RuneSelf || c == '<' || c == '&' || c == ']' {
				break
			}
			p.i++
		}
		p.piece = append(p.piece, p.t[from:p.i]...)
		if p.i == len(p.t) {
			return nil
		}
		var err error
		switch c := p.t[p.i]; c {
		case '<':
			return nil
		case '&':
			p.piece, err = p.reference(p.piece)
		case ']':
			if bytes.HasPrefix(p.t[p.i:], []byte("]]>")) {
				return p.syntax("unescaped ]]> not in CDATA section")
			}
			p.piece = append(p.piece, c)
			p.i++
		default:
			p.piece, err = p.char(p.piece)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (p *parser) cdata() error {
	p.i += len("<![CDATA[")
	end := bytes.Index(p.t[p.i:], []byte("]]>"))
	if end < 0 {
		p.i = len(p.t)
		return p.syntax("unexpected EOF in CDATA section")
	}
	end += p.i
	if len(p.frames) == 0 {
		return Invalid(p.c.path(), "", "text outside the root element: a CDATA section")
	}
	var err error
	for p.i < end && err == nil {
		p.piece, err = p.char(p.piece)
	}
	p.i = end + len("]]>")
	return err
}

func (p *parser) comment() error {
	p.i += len("<!--")
	end := bytes.Index(p.t[p.i:], []byte("--"))
	if end < 0 {
		p.i = len(p.t)
		return p.eof()
	}
	end += p.i
	if end+2 >= len(p.t) {
		p.i = len(p.t)
		return p.eof()
	}
	if p.t[end+2] != '>' {
		p.i = end
		return p.syntax(`invalid sequence "--" not allowed in comments`)
	}
	if err := p.chars(end); err != nil {
		return err
	}
	p.i = end + len("-->")
	return nil
}

// chars checks that the text from p.i to end is characters XML allows.
func (p *parser) chars(end int) error {
	for p.i < end {
		c := p.t[p.i]
		if c >= 0x20 && c < utf8.RuneSelf || c == '\t' || c == '\n' || c == '\r' {
			p.i++
			continue
		}
		if _, err := p.char(nil); err != nil {
			return err
		}
	}
	return nil
}

func (p *parser) procInst() error {
	p.i += len("<?")
	_, target, err := p.name("a target name after <?")
	if err != nil {
		return err
	}
	spaced := p.space()
	end := bytes.Index(p.t[p.i:], []byte("?>"))
	if end < 0 {
		p.i = len(p.t)
		return p.eof()
	}
	end += p.i
	if !spaced && end > p.i {
		return p.syntax("expected white space after <?%s", target)
	}
	content := string(p.t[p.i:end])
	if err := p.chars(end); err != nil {
		return err
	}
	if target == "xml" {
		if v := procInst("version", content); v != "" && v != "1.0" {
			return Corrupt(p.c.path(), "not well-formed XML: unsupported version %q; only version 1.0 is supported", v)
		}
	}
	p.i = end + len("?>")
	return nil
}

// procInst returns the value of pseudo-attribute param in the content of
// a processing instruction.
func procInst(param, s string) string {
	param += "="
	for {
		i := strings.Index(s, param)
		if i < 0 {
			return ""
		}
		if i > 0 && !isSpaceByte(s[i-1]) {
			s = s[i+len(param):]
			continue
		}
		v := s[i+len(param):]
		if v == "" || v[0] != '"' && v[0] != '\'' {
			return ""
		}
		end := strings.IndexByte(v[1:], v[0])
		if end < 0 {
			return ""
		}
		return v[1 : 1+end]
	}
}

func (p *parser) endTag() error {
	p.i += len("</")
	space, local, err := p.name("an element name after </")
	if err != nil {
		return err
	}
	p.space()
	if p.i == len(p.t) {
		return p.eof()
	}
	if p.t[p.i] != '>' {
		return p.syntax("invalid characters between </%s and >", qualified(space, local))
	}
	p.i++
	if len(p.frames) == 0 {
		return Corrupt("", "not well-formed XML: </%s> closes no element", qualified(space, local))
	}
	e := &p.frames[len(p.frames)-1].e
	if e.Tag != local || e.Space != space {
		return Corrupt(p.c.path(), "not well-formed XML: <%s> closed by </%s>", qualified(e.Space, e.Tag), qualified(space, local))
	}
	p.flush()
	p.close()
	return nil
}

// flush adds the text read since the last tag to the innermost open
// element, unless it is only white space.
func (p *parser) flush() {
	if len(p.piece) == 0 {
		return
	}
	if !isSpace(p.piece) {
		f := &p.frames[len(p.frames)-1]
		f.text = append(f.text, p.piece...)
	}
	p.piece = p.piece[:0]
}

// close ends the innermost open element: it becomes the last child of
// its parent, or the root.
func (p *parser) close() {
	f := &p.frames[len(p.frames)-1]
	e := f.e
	if len(f.text) > 0 {
		e.Text = string(f.text)
	}
	*f = frame{}
	p.frames = p.frames[:len(p.frames)-1]
	p.c.leave()
	if len(p.frames) == 0 {
		p.root = new(vss.XMLElement)
		*p.root = e
		return
	}
	parent := &p.frames[len(p.frames)-1].e
	parent.Children = append(parent.Children, e)
}

func qualified(space, local string) string {
	if space == "" {
		return local
	}
	return space + ":" + local
}

func isSpace(b []byte) bool {
	for _, c := range b {
		if !isSpaceByte(c) {
			return false
		}
	}
	return true
}

// isXMLName reports whether b is an XML name (XML 1.0, fifth edition,
// the Name production): a NameStartChar, then NameChars.
func isXMLName(b []byte) bool {
	for i := 0; i < len(b); {
		r, size := rune(b[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && size == 1 {
				return false
			}
		}
		if !isNameStartChar(r) && (i == 0 || !isNameChar(r)) {
			return false
		}
		i += size
	}
	return len(b) > 0
}

func isNameStartChar(r rune) bool {
	switch {
	case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', r == '_', r == ':':
		return true
	case r < 0xC0:
		return false
	}
	return r <= 0xD6 || 0xD8 <= r && r <= 0xF6 || 0xF8 <= r && r <= 0x2FF ||
		0x370 <= r && r <= 0x37D || 0x37F <= r && r <= 0x1FFF || 0x200C <= r && r <= 0x200D ||
		0x2070 <= r && r <= 0x218F || 0x2C00 <= r && r <= 0x2FEF || 0x3001 <= r && r <= 0xD7FF ||
		0xF900 <= r && r <= 0xFDCF || 0xFDF0 <= r && r <= 0xFFFD || 0x10000 <= r && r <= 0xEFFFF
}

func isNameChar(r rune) bool {
	return '0' <= r && r <= '9' || r == '-' || r == '.' || r == 0xB7 ||
		0x300 <= r && r <= 0x36F || 0x203F <= r && r <= 0x2040
}
