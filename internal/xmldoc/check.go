package xmldoc

import (
	"strings"

	"github.com/vsskit/vss"
)

// The namespaces XML reserves.
const (
	xmlNamespace   = "http://www.w3.org/XML/1998/namespace"
	xmlnsNamespace = "http://www.w3.org/2000/xmlns/"
)

// checker follows the elements of a document as they are opened and
// closed, read or written, and checks what XML requires beyond its
// syntax (XML Namespaces 1.0: names qualified, prefixes declared, each
// attribute once by name and by namespace) and this library's limits.
type checker struct {
	open     []string // local names of the open elements, for paths
	elements int
	attrs    int

	// Prefixes in scope: bound maps each to its namespace; undo records,
	// for each declaration, what it replaced, and undoAt where each open
	// element's declarations start in undo.
	bound  map[string]string
	undo   []binding
	undoAt []int

	seen map[attrName]struct{} // for elements with many attributes
}

type binding struct {
	prefix, uri string
	had         bool
}

// attrName is an attribute's name as compared for uniqueness: its
// namespace and local name, or, unprefixed, its name as written.
type attrName struct{ space, local string }

// path names the open elements, for an error.
func (c *checker) path() string { return strings.Join(c.open, "/") }

// enter opens an element named space:local with attributes attrs: it
// checks the limits, declares the prefixes the element declares and
// checks its names and attributes.
func (c *checker) enter(space, local string, attrs []vss.XMLAttr) error {
	if err := c.openElement(local, len(attrs)); err != nil {
		return err
	}
	return c.namespaces(space, local, attrs)
}

// openElement opens an element named local with n attributes, checking
// only the limits: enter without the names, for an element whose names
// are known to be right (see Direct).
func (c *checker) openElement(local string, n int) error {
	if len(c.open) == MaxDepth {
		return Invalid(c.path(), "", "elements nested more than %d deep, this library's limit", MaxDepth)
	}
	if c.elements++; c.elements > MaxElements {
		return Invalid("", "", "more than %d elements, this library's limit", MaxElements)
	}
	if c.attrs += n; c.attrs > MaxAttributes {
		return Invalid("", "", "more than %d attributes, this library's limit", MaxAttributes)
	}
	c.open = append(c.open, local)
	c.undoAt = append(c.undoAt, len(c.undo))
	return nil
}

// leave closes the innermost open element, and the scope of the prefixes
// it declared.
func (c *checker) leave() {
	at := c.undoAt[len(c.undoAt)-1]
	for i := len(c.undo) - 1; i >= at; i-- {
		u := c.undo[i]
		if u.had {
			c.bound[u.prefix] = u.uri
		} else {
			delete(c.bound, u.prefix)
		}
	}
	c.undo = c.undo[:at]
	c.undoAt = c.undoAt[:len(c.undoAt)-1]
	c.open = c.open[:len(c.open)-1]
}

// namespaces declares the prefixes an element declares in attrs, then
// checks that its names are qualified names with declared prefixes and
// that no attribute appears twice.
func (c *checker) namespaces(space, local string, attrs []vss.XMLAttr) error {
	for _, a := range attrs {
		if a.Space != "xmlns" {
			continue
		}
		p, uri := a.Key, a.Value
		switch {
		case p == "xmlns":
			return Invalid(c.path(), "xmlns:xmlns", "the prefix xmlns cannot be declared")
		case p == "xml" && uri != xmlNamespace, p != "xml" && uri == xmlNamespace:
			return Invalid(c.path(), "xmlns:"+p, "only the prefix xml is bound to %s, and it cannot be bound to anything else", xmlNamespace)
		case uri == xmlnsNamespace:
			return Invalid(c.path(), "xmlns:"+p, "no prefix may be bound to %s", xmlnsNamespace)
		case uri == "":
			return Invalid(c.path(), "xmlns:"+p, "a prefix cannot be bound to no namespace (an empty xmlns:%s)", p)
		}
		if c.bound == nil {
			c.bound = map[string]string{}
		}
		old, had := c.bound[p]
		c.undo = append(c.undo, binding{p, old, had})
		c.bound[p] = uri
	}
	if err := c.qualified(space, local, false); err != nil {
		return err
	}
	for _, a := range attrs {
		if err := c.qualified(a.Space, a.Key, true); err != nil {
			return err
		}
	}
	return c.unique(attrs)
}

// qualified checks that space:local is a qualified name (no colon in the
// local part, none at either end) with a declared prefix.
func (c *checker) qualified(space, local string, attr bool) error {
	at := ""
	if attr {
		at = qualified(space, local)
	}
	if strings.Contains(local, ":") {
		return Invalid(c.path(), at, "%q is not a qualified name (a prefix, one colon, a local name)", qualified(space, local))
	}
	switch space {
	case "", "xml":
		return nil
	case "xmlns":
		if attr {
			return nil
		}
		return Invalid(c.path(), "", "an element cannot have the prefix xmlns")
	}
	if _, ok := c.bound[space]; !ok {
		return Invalid(c.path(), at, "the namespace prefix %s is not declared (no xmlns:%s in scope)", space, space)
	}
	return nil
}

// unique refuses an attribute that appears twice: by the name as written
// or, for prefixed names, by namespace and local name.
func (c *checker) unique(attrs []vss.XMLAttr) error {
	name := func(a vss.XMLAttr) attrName {
		switch a.Space {
		case "", "xmlns":
			return attrName{"\x00" + a.Space, a.Key} // not a namespace: compared as written
		case "xml":
			return attrName{xmlNamespace, a.Key}
		}
		return attrName{c.bound[a.Space], a.Key}
	}
	twice := func(a vss.XMLAttr) error {
		return Invalid(c.path(), qualified(a.Space, a.Key), "the attribute appears twice: an element has each attribute once")
	}
	if len(attrs) <= 8 {
		for i := 1; i < len(attrs); i++ {
			for j := range i {
				if name(attrs[i]) == name(attrs[j]) {
					return twice(attrs[i])
				}
			}
		}
		return nil
	}
	if c.seen == nil {
		c.seen = map[attrName]struct{}{}
	}
	defer clear(c.seen)
	for _, a := range attrs {
		n := name(a)
		if _, ok := c.seen[n]; ok {
			return twice(a)
		}
		c.seen[n] = struct{}{}
	}
	return nil
}
