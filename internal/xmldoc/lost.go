package xmldoc

import (
	"fmt"
	"sort"
	"strings"

	"github.com/vsskit/vss"
)

// Lost compares a document with the same document written back and lists
// every element and attribute of the original that the copy lacks. An
// element counts by its path of tags, an attribute by its element's path,
// its name and its value; GUIDs compare in any case and with or without
// braces, and attributes the writer added (defaults made explicit) are
// not losses. Nil means nothing was lost.
func Lost(original, written []byte) ([]string, error) {
	a, _, err := Parse(original)
	if err != nil {
		return nil, err
	}
	b, _, err := Parse(written)
	if err != nil {
		return nil, err
	}
	have := map[string]int{}
	count(b, "", have)
	want := map[string]int{}
	count(a, "", want)
	var lost []string
	for k, n := range want {
		if have[k] < n {
			lost = append(lost, fmt.Sprintf("%s (%d of %d)", k, n-have[k], n))
		}
	}
	sort.Strings(lost)
	return lost, nil
}

func count(e *vss.XMLElement, parent string, into map[string]int) {
	path := parent + "/" + e.Tag
	into["element "+path]++
	for _, a := range e.Attrs {
		v := a.Value
		if id, err := vss.ParseID(v); err == nil {
			v = id.XMLString()
		}
		if strings.EqualFold(v, "yes") || strings.EqualFold(v, "no") {
			v = strings.ToLower(v)
		}
		key := a.Key
		if a.Space != "" {
			key = a.Space + ":" + key
		}
		into[fmt.Sprintf("attribute %s@%s=%q", path, key, v)]++
	}
	for i := range e.Children {
		count(&e.Children[i], path, into)
	}
}
