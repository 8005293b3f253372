package xmldoc

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vsskit/vss"
)

// Direct writes what Write writes of the same elements, and refuses what
// Write refuses, with the same error: for elements with only a program's
// own names, deeper than Direct follows by itself, and with names from a
// document (prefixes declared or not, names twice, names that are none)
// anywhere in the tree.
func TestDirectIsWrite(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	pick := func(s ...string) string { return s[rng.IntN(len(s))] }
	type elem struct {
		tag, ns  string
		own      []string // own attribute names, each once
		unknown  []vss.XMLAttr
		children []*elem
	}
	var gen func(depth int) *elem
	gen = func(depth int) *elem {
		e := &elem{tag: pick("A", "B", "Comp")}
		if depth == 0 {
			e.ns = pick("", "urn:x")
		}
		for _, k := range []string{"a", "b", "c", "name"} {
			if rng.IntN(2) == 0 {
				e.own = append(e.own, k)
			}
		}
		if rng.IntN(6) == 0 {
			for range 1 + rng.IntN(3) {
				e.unknown = append(e.unknown, vss.XMLAttr{Space: pick("", "", "p", "xmlns", "xml", "q"),
					Key: pick("k", "p", "a", "name", "x:y", "1b", "xmlns", "z"), Value: pick("v", "", "urn:p", xmlNamespace)})
			}
		}
		if depth < 12 {
			for range rng.IntN(3) {
				e.children = append(e.children, gen(depth+1))
			}
		}
		return e
	}
	var build func(o Out, e *elem)
	build = func(o Out, e *elem) {
		for _, k := range e.own {
			o.Set(k, "v"+k)
		}
		o.Unknown(e.unknown, nil)
		for _, c := range e.children {
			build(o.Child(c.tag), c)
		}
	}
	var direct func(d *Direct, e *elem)
	direct = func(d *Direct, e *elem) {
		d.Start(e.tag, e.ns)
		for _, k := range e.own {
			d.Set(k, "v"+k)
		}
		d.SetUnknown(e.unknown)
		for _, c := range e.children {
			direct(d, c)
		}
		d.End(e.tag)
	}
	refused := 0
	for i := range 3000 {
		e := gen(0)
		root := NewRoot(e.tag, e.ns)
		build(root, e)
		want, werr := Write(root.E)
		d := NewDirect(0)
		direct(d, e)
		got, gerr := d.Result()
		require.Equal(t, werr, gerr, "tree %d", i)
		require.Equal(t, want, got, "tree %d", i)
		if werr != nil {
			refused++
		}
	}
	require.Greater(t, refused, 100, "trees refused")
	require.Less(t, refused, 2900, "trees written")
}
