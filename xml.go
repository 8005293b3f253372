package vss

// XMLElement is an element of a writer metadata document or a backup
// components document that package writer or package requestor does not
// model (a newer Windows' addition, a vendor's extension), kept as it was
// read so that the document is written back whole. It is a plain value:
// documents that hold one compare with go-cmp and copy safely, and a
// program may build one to add an element of its own to a document.
type XMLElement struct {
	// Space is the element's namespace prefix ("ms" in <ms:HINT>), empty
	// for an element without one.
	Space string `json:",omitempty"`
	// Tag is the element's name without its prefix.
	Tag string
	// Attrs are the element's attributes in document order, namespace
	// declarations (xmlns, xmlns:ms) included.
	Attrs []XMLAttr `json:",omitempty"`
	// Text is the element's character data, when it is not only white
	// space. Text between child elements is kept joined into one string,
	// and is written back before the children.
	Text string `json:",omitempty"`
	// Children are the element's child elements, in document order.
	Children []XMLElement `json:",omitempty"`
}

// XMLAttr is an attribute of a document element that package writer or
// package requestor does not model, kept as it was read.
type XMLAttr struct {
	// Space is the attribute's namespace prefix ("xmlns" in xmlns:ms),
	// empty for an attribute without one.
	Space string `json:",omitempty"`
	// Key is the attribute's name without its prefix.
	Key string
	// Value is the attribute's value, unescaped.
	Value string
}
