package xmldoc

import (
	"strings"

	"github.com/beevik/etree"

	"github.com/vsskit/vss"
)

// Write serializes root compactly, without an XML declaration, as Windows'
// SaveAsXML does. Attribute values and text are escaped canonically, so
// line breaks in them (the ASR Writer's captions have CR LF) survive any
// parser: a CR written as itself would be read back as LF.
//
// It refuses, with a VSS_E_INVALID_XML_DOCUMENT *Error, to write what
// Parse would refuse to read: a tree over the limits (the size is counted
// as it is written, which stops at MaxSize), an attribute twice in an
// element, a prefix not declared, a name that is not one. Such trees come
// from content a program added (Unknown elements and attributes) or from
// a document too big to read back.
func Write(root *etree.Element) (string, error) {
	if err := check(root); err != nil {
		return "", err
	}
	// Written straight into a strings.Builder: a document is a string in
	// the end, and etree's Document.WriteTo would add a buffer and a copy.
	var w limitWriter
	root.WriteTo(&w, &etree.WriteSettings{CanonicalAttrVal: true, CanonicalText: true})
	if w.over {
		return "", Invalid("", "", "the document would be more than %d bytes, this library's limit", MaxSize)
	}
	return w.b.String(), nil
}

// limitWriter writes into a strings.Builder until MaxSize bytes, and
// only notes that there were more.
type limitWriter struct {
	b    strings.Builder
	over bool
}

func (w *limitWriter) room(n int) bool {
	if w.over || w.b.Len()+n > MaxSize {
		w.over = true
		return false
	}
	return true
}

func (w *limitWriter) Write(p []byte) (int, error) {
	if w.room(len(p)) {
		w.b.Write(p)
	}
	return len(p), nil
}

func (w *limitWriter) WriteString(s string) (int, error) {
	if w.room(len(s)) {
		w.b.WriteString(s)
	}
	return len(s), nil
}

func (w *limitWriter) WriteByte(c byte) error {
	if w.room(1) {
		w.b.WriteByte(c)
	}
	return nil
}

// check walks a tree to be written with Parse's rules: depth, elements
// and attributes within the limits, names that are qualified names,
// prefixes declared, each attribute once.
func check(root *etree.Element) error {
	var c checker
	var attrs []vss.XMLAttr
	var walk func(e *etree.Element) error
	walk = func(e *etree.Element) error {
		attrs = attrs[:0]
		for _, a := range e.Attr {
			attrs = append(attrs, vss.XMLAttr{Space: a.Space, Key: a.Key, Value: a.Value})
		}
		if err := c.enter(e.Space, e.Tag, attrs); err != nil {
			return err
		}
		if !isNCName(e.Space, true) || !isNCName(e.Tag, false) {
			return Invalid(c.path(), "", "%q is not an XML name", e.FullTag())
		}
		for _, a := range e.Attr {
			if !isNCName(a.Space, true) || !isNCName(a.Key, false) {
				return Invalid(c.path(), a.FullKey(), "%q is not an XML name", a.FullKey())
			}
		}
		for _, t := range e.Child {
			if ch, ok := t.(*etree.Element); ok {
				if err := walk(ch); err != nil {
					return err
				}
			}
		}
		c.leave()
		return nil
	}
	return walk(root)
}

// isNCName reports whether s is an XML name without a colon (a prefix,
// or a local name); empty only for a prefix, which is optional.
func isNCName(s string, optional bool) bool {
	if s == "" {
		return optional
	}
	return !strings.Contains(s, ":") && isXMLName([]byte(s))
}
