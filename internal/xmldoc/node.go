package xmldoc

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/beevik/etree"

	"github.com/vsskit/vss"
)

// Build adds n under parent, as the last child, and returns it: an
// element a model kept, written back.
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
	E       *vss.XMLElement
	parent  *Elem
	index   int          // the element is parent.E.Children[index]
	numbers []int32      // each child's number among those of its tag, from 1, once a path needs one
	used    uint64       // attributes read, the first 64
	more    map[int]bool // attributes read, beyond 64
	err     error
}

// Open starts reading the root element e.
func Open(e *vss.XMLElement) *Elem {
	return &Elem{E: e}
}

// Path returns the element's path from the root, with the position of an
// element that is not the first of its tag:
// "WRITER_METADATA/BACKUP_LOCATIONS/FILE_GROUP[3]". It is built only when
// an error needs it.
func (x *Elem) Path() string {
	if x.parent == nil {
		return x.E.Tag
	}
	name := x.E.Tag
	if n := x.parent.number(x.index); n > 1 {
		name = fmt.Sprintf("%s[%d]", name, n)
	}
	return x.parent.Path() + "/" + name
}

// number returns the number of child i among the children of its tag,
// from 1. The children are numbered all at once, the first time a path
// needs one: reading a document costs no numbering, and an error in each
// of many children costs one numbering.
func (x *Elem) number(i int) int {
	if x.numbers == nil {
		x.numbers = make([]int32, len(x.E.Children))
		seen := make(map[string]int32)
		for j := range x.E.Children {
			tag := x.E.Children[j].Tag
			seen[tag]++
			x.numbers[j] = seen[tag]
		}
	}
	return int(x.numbers[i])
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
	for i := range x.E.Attrs {
		a := &x.E.Attrs[i]
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
	for i, a := range x.E.Attrs {
		if x.read(i) {
			continue
		}
		if !keepNS && a.Space == "" && a.Key == "xmlns" {
			continue
		}
		out = append(out, a)
	}
	return out
}

// Children calls f for each child element, opened for reading; f returns
// false when it does not know the tag, and the child is kept in unknown.
// The *Elem f is given is valid during the call only: it is reused for
// the next child.
func (x *Elem) Children(unknown *[]vss.XMLElement, f func(c *Elem) bool) {
	var c Elem
	var kept []int32 // children f did not know
	for i := range x.E.Children {
		c = Elem{E: &x.E.Children[i], parent: x, index: i}
		if !f(&c) {
			kept = append(kept, int32(i))
		}
	}
	switch {
	case len(kept) == 0:
	case len(kept) == len(x.E.Children) && len(*unknown) == 0:
		// All of them: the list is the tree's own, which nothing else
		// holds.
		*unknown = x.E.Children
	default:
		*unknown = slices.Grow(*unknown, len(kept))
		for _, i := range kept {
			*unknown = append(*unknown, x.E.Children[i])
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

// CheckRoot checks that root is the root element of a document of kind:
// tag want, in namespace ns or, unprefixed, in none (as documents built by
// hand often are). A root in another namespace, the default one or a
// prefix's, is another document.
func CheckRoot(root *vss.XMLElement, want, ns, kind string) error {
	if root.Tag != want {
		return WrongRoot(root, want, kind)
	}
	uri := namespaceOf(root)
	switch {
	case uri == ns:
		return nil
	case root.Space != "":
		return Invalid(root.Tag, "", "the root element's prefix %s is bound to namespace %q; %s's root is <%s xmlns=%q>", root.Space, uri, kind, want, ns)
	case uri != "":
		return Invalid(root.Tag, "xmlns", "the root element is in namespace %q; %s's root is <%s xmlns=%q>", uri, kind, want, ns)
	}
	return nil
}

// namespaceOf returns the namespace of the root element e: the one its
// prefix, or its default namespace, is bound to by its own attributes.
func namespaceOf(e *vss.XMLElement) string {
	for _, a := range e.Attrs {
		if e.Space == "" && a.Space == "" && a.Key == "xmlns" || e.Space != "" && a.Space == "xmlns" && a.Key == e.Space {
			return a.Value
		}
	}
	return ""
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
func WrongRoot(root *vss.XMLElement, want, kind string) *Error {
	if root.Tag == "Manifest" {
		return Invalid(root.Tag, "", "this is a diskshadow manifest (diskshadow's index of the documents it stored with a backup), not %s; its BackupComponents and Writer elements name the files that are", kind)
	}
	return Invalid(root.Tag, "", "the root element is <%s>; %s has <%s>", root.Tag, kind, want)
}
