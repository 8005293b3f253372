package xmldoc

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/beevik/etree"

	"github.com/vsskit/vss"
)

// ElementOf copies e, with its attributes, text and children, into the
// public form a model keeps for an element it does not know.
func ElementOf(e *etree.Element) vss.XMLElement {
	n := vss.XMLElement{Space: e.Space, Tag: e.Tag}
	if len(e.Attr) > 0 {
		n.Attrs = make([]vss.XMLAttr, len(e.Attr))
		for i, a := range e.Attr {
			n.Attrs[i] = vss.XMLAttr{Space: a.Space, Key: a.Key, Value: a.Value}
		}
	}
	for _, t := range e.Child {
		switch t := t.(type) {
		case *etree.Element:
			n.Children = append(n.Children, ElementOf(t))
		case *etree.CharData:
			if strings.TrimSpace(t.Data) != "" {
				n.Text += t.Data
			}
		}
	}
	return n
}

// Build adds n under parent, as the last child, and returns it: the
// reverse of ElementOf.
func Build(parent *etree.Element, n vss.XMLElement) *etree.Element {
	e := parent.CreateElement(n.Tag)
	e.Space = n.Space
	for _, a := range n.Attrs {
		e.Attr = append(e.Attr, etree.Attr{Space: a.Space, Key: a.Key, Value: a.Value})
	}
	if n.Text != "" {
		e.CreateText(n.Text)
	}
	for _, c := range n.Children {
		Build(e, c)
	}
	return e
}

// Elem reads one element of a document: its known attributes with typed
// conversions, collecting the first error (which names the element and
// the attribute), and the attributes and child elements it was not asked
// for, which the model keeps.
type Elem struct {
	E      *etree.Element
	parent *Elem
	n      int          // the element is the n-th (from 1) of its tag under parent
	used   uint64       // attributes read, the first 64
	more   map[int]bool // attributes read, beyond 64
	err    error
}

// Open starts reading the root element e.
func Open(e *etree.Element) *Elem {
	return &Elem{E: e, n: 1}
}

// Open starts reading child element c, the n-th (from 1) of its tag.
func (x *Elem) Open(c *etree.Element, n int) *Elem {
	return &Elem{E: c, parent: x, n: n}
}

// Path returns the element's path from the root, with the position of an
// element that is not the first of its tag:
// "WRITER_METADATA/BACKUP_LOCATIONS/FILE_GROUP[3]". It is built only when
// an error needs it.
func (x *Elem) Path() string {
	name := x.E.Tag
	if x.n > 1 {
		name = fmt.Sprintf("%s[%d]", name, x.n)
	}
	if x.parent == nil {
		return name
	}
	return x.parent.Path() + "/" + name
}

// Invalid returns a VSS_E_INVALID_XML_DOCUMENT error at this element.
func (x *Elem) Invalid(attr, format string, args ...any) *Error {
	return Invalid(x.Path(), attr, format, args...)
}

// Fail records a problem with attribute attr (empty: the element).
func (x *Elem) Fail(attr, format string, args ...any) {
	if x.err == nil {
		x.err = x.Invalid(attr, format, args...)
	}
}

// SetErr records err unless an error is already recorded.
func (x *Elem) SetErr(err error) {
	if x.err == nil && err != nil {
		x.err = err
	}
}

// Err returns the first problem found.
func (x *Elem) Err() error { return x.err }

// Lookup returns attribute key (no namespace prefix) and whether it is
// there, and marks it read.
func (x *Elem) Lookup(key string) (string, bool) {
	for i := range x.E.Attr {
		a := &x.E.Attr[i]
		if a.Key == key && a.Space == "" {
			x.mark(i)
			return a.Value, true
		}
	}
	return "", false
}

func (x *Elem) mark(i int) {
	if i < 64 {
		x.used |= 1 << i
		return
	}
	if x.more == nil {
		x.more = map[int]bool{}
	}
	x.more[i] = true
}

func (x *Elem) read(i int) bool {
	if i < 64 {
		return x.used&(1<<i) != 0
	}
	return x.more[i]
}

// Str returns attribute key, "" when absent.
func (x *Elem) Str(key string) string {
	v, _ := x.Lookup(key)
	return v
}

// Required returns attribute key and records an error when it is absent.
func (x *Elem) Required(key string) string {
	v, ok := x.Lookup(key)
	if !ok {
		x.Fail(key, "missing")
	}
	return v
}

// Bool reads a "yes"/"no" attribute (also "true"/"false", "1"/"0"); absent
// is false.
func (x *Elem) Bool(key string) bool {
	v, ok := x.Lookup(key)
	if !ok {
		return false
	}
	switch strings.ToLower(v) {
	case "yes", "true", "1":
		return true
	case "no", "false", "0":
		return false
	}
	x.Fail(key, "%q is not yes or no", v)
	return false
}

// ID reads a GUID attribute, in any case, with or without braces; absent
// is vss.NilID, unless required.
func (x *Elem) ID(key string, required bool) vss.ID {
	v, ok := x.Lookup(key)
	if !ok {
		if required {
			x.Fail(key, "missing")
		}
		return vss.NilID
	}
	id, err := vss.ParseID(v)
	if err != nil {
		x.Fail(key, "%q is not a GUID", v)
	}
	return id
}

// Uint reads an unsigned decimal attribute (32 bits); absent is 0.
func (x *Elem) Uint(key string) uint32 {
	v, ok := x.Lookup(key)
	if !ok {
		return 0
	}
	n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 32)
	if err != nil {
		x.Fail(key, "%q is not an unsigned 32-bit number", v)
	}
	return uint32(n)
}

// Token reads an attribute whose value is one of table's keys; absent is
// the zero value.
func Token[T ~int32](x *Elem, key string, table map[string]T) T {
	v, ok := x.Lookup(key)
	if !ok {
		return 0
	}
	t, ok := table[v]
	if !ok {
		for k, kv := range table {
			if strings.EqualFold(k, v) {
				t, ok = kv, true
				break
			}
		}
	}
	if !ok {
		x.Fail(key, "%q is not one of %s", v, strings.Join(keys(table), ", "))
	}
	return t
}

func keys[T ~int32](table map[string]T) []string {
	out := make([]string, 0, len(table))
	byValue := map[T]string{}
	for k, v := range table {
		if old, ok := byValue[v]; !ok || k < old {
			byValue[v] = k
		}
	}
	for _, k := range byValue {
		out = append(out, k)
	}
	// Stable order for messages.
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

// Rest returns the attributes not read, for the model to keep. The
// namespace declaration of a known element (xmlns) is read by the model
// and not returned unless keepNS.
func (x *Elem) Rest(keepNS bool) []vss.XMLAttr {
	var out []vss.XMLAttr
	for i, a := range x.E.Attr {
		if x.read(i) {
			continue
		}
		if !keepNS && a.Space == "" && a.Key == "xmlns" {
			continue
		}
		out = append(out, vss.XMLAttr{Space: a.Space, Key: a.Key, Value: a.Value})
	}
	return out
}

// Children calls f for each child element, opened for reading; f returns
// false when it does not know the tag, and the child is kept in unknown.
func (x *Elem) Children(unknown *[]vss.XMLElement, f func(c *Elem) bool) {
	type count struct {
		tag string
		n   int
	}
	var counts []count
	for _, t := range x.E.Child {
		c, ok := t.(*etree.Element)
		if !ok {
			continue
		}
		n := 1
		for i := range counts {
			if counts[i].tag == c.Tag {
				counts[i].n++
				n = counts[i].n
				break
			}
		}
		if n == 1 {
			counts = append(counts, count{c.Tag, 1})
		}
		if !f(x.Open(c, n)) {
			*unknown = append(*unknown, ElementOf(c))
		}
	}
}

// Out builds an element of a document being written.
type Out struct{ E *etree.Element }

// NewRoot starts a document whose root is tag in namespace ns.
func NewRoot(tag, ns string) Out {
	e := etree.NewElement(tag)
	if ns != "" {
		e.CreateAttr("xmlns", ns)
	}
	return Out{e}
}

// Child adds a child element.
func (o Out) Child(tag string) Out { return Out{o.E.CreateElement(tag)} }

// Set sets an attribute.
func (o Out) Set(key, value string) { o.E.Attr = append(o.E.Attr, etree.Attr{Key: key, Value: value}) }

// SetNonEmpty sets an attribute unless value is empty.
func (o Out) SetNonEmpty(key, value string) {
	if value != "" {
		o.Set(key, value)
	}
}

// SetBool sets a "yes"/"no" attribute.
func (o Out) SetBool(key string, v bool) {
	if v {
		o.Set(key, "yes")
	} else {
		o.Set(key, "no")
	}
}

// SetUint sets a decimal attribute.
func (o Out) SetUint(key string, v uint32) { o.Set(key, strconv.FormatUint(uint64(v), 10)) }

// SetID sets a GUID attribute in the documents' form (lower case, no
// braces).
func (o Out) SetID(key string, id vss.ID) { o.Set(key, id.XMLString()) }

// Unknown writes back what the model did not know: attrs after the
// attributes already set, elements after the children already added.
func (o Out) Unknown(attrs []vss.XMLAttr, elements []vss.XMLElement) {
	for _, a := range attrs {
		o.E.Attr = append(o.E.Attr, etree.Attr{Space: a.Space, Key: a.Key, Value: a.Value})
	}
	for _, n := range elements {
		Build(o.E, n)
	}
}

// TokenOf returns the document token for v in table (the first in
// alphabetical order when several map to v), and false when none does.
func TokenOf[T ~int32](table map[string]T, v T) (string, bool) {
	best, found := "", false
	for k, t := range table {
		if t == v && (!found || k < best) {
			best, found = k, true
		}
	}
	return best, found
}

// TokensOf returns TokenOf for every value of table, to look up instead of
// searching the table.
func TokensOf[T ~int32](table map[string]T) map[T]string {
	out := make(map[T]string, len(table))
	for _, v := range table {
		out[v], _ = TokenOf(table, v)
	}
	return out
}

// WrongRoot is the error for a document whose root is not want. It
// recognises diskshadow's manifest, which people often take for a VSS
// document.
func WrongRoot(root *etree.Element, want, kind string) *Error {
	if root.Tag == "Manifest" {
		return Invalid(root.Tag, "", "this is a diskshadow manifest (diskshadow's index of the documents it stored with a backup), not %s; its BackupComponents and Writer elements name the files that are", kind)
	}
	return Invalid(root.Tag, "", "the root element is <%s>; %s has <%s>", root.Tag, kind, want)
}
