package writer

import (
	"runtime"
	"slices"
	"strings"
	"sync"
	"weak"
)

// componentIndex finds a Metadata's components by key, and its file sets
// by path and specification, for the builder: declaring n components and
// adding their files costs O(n), where looking each up in Components
// would cost O(n²) (30,000 components took 14 s).
//
// It is kept beside the Metadata, in indexes, rather than in it, so that
// Metadata stays a plain value that go-cmp compares and a program copies
// (a copy has its own index, built when first needed). The index follows
// Components as the builder and programs change it: components appended
// are indexed on the next lookup, and a slice that shrank or was replaced
// is indexed again. A component found whose key changed through its
// pointer makes the index be rebuilt; what it cannot see is a component
// given, through its pointer or by replacing an element of the slice, the
// key of one being declared, which Validate, checking the whole document,
// refuses at Identify.
type componentIndex struct {
	comps []*ComponentInfo       // Components as last indexed: same array, same length
	byKey map[ComponentKey]int   // the first component with each key, by position in comps
	files map[fileSetKey]fileRef // nil until a file set is looked up
}

// fileSetKey is a file set as AddAlternateLocationMapping matches one:
// path and specification in any case, and recursion.
type fileSetKey struct {
	path, spec string
	recursive  bool
}

func fileSetKeyOf(f FileSpec) fileSetKey {
	return fileSetKey{strings.ToLower(f.Path), strings.ToLower(f.Spec), f.Recursive}
}

// fileRef is where a file set was: the list of a component and the
// position in it.
type fileRef struct {
	c    *ComponentInfo
	list int // 0 Files, 1 DatabaseFiles, 2 LogFiles
	i    int
}

func (r fileRef) get() (FileSpec, bool) {
	list := r.c.fileLists()[r.list]
	if r.i >= len(list) {
		return FileSpec{}, false
	}
	return list[r.i], true
}

func (c *ComponentInfo) fileLists() [3][]FileSpec {
	return [3][]FileSpec{c.Files, c.DatabaseFiles, c.LogFiles}
}

// indexes holds each Metadata's index, by a weak pointer: an index goes
// with its Metadata when the collector takes it.
var indexes sync.Map // weak.Pointer[Metadata] -> *componentIndex

// index returns md's index, brought up to date with md.Components.
func (md *Metadata) index() *componentIndex {
	p := weak.Make(md)
	v, ok := indexes.Load(p)
	if !ok {
		var loaded bool
		if v, loaded = indexes.LoadOrStore(p, &componentIndex{}); !loaded {
			runtime.AddCleanup(md, func(p weak.Pointer[Metadata]) { indexes.Delete(p) }, p)
		}
	}
	ix := v.(*componentIndex)
	ix.follow(md.Components)
	return ix
}

// follow indexes the components appended to comps since the last call,
// or all of them when the slice shrank or holds others (an array grown by
// append holds the same, and is compared, not indexed again).
func (ix *componentIndex) follow(comps []*ComponentInfo) {
	from := len(ix.comps)
	if len(comps) < from || (from > 0 && &comps[0] != &ix.comps[0] && !slices.Equal(comps[:from], ix.comps)) {
		from = 0
		clear(ix.byKey)
	}
	if ix.byKey == nil {
		ix.byKey = make(map[ComponentKey]int, len(comps))
	}
	for i := from; i < len(comps); i++ {
		if c := comps[i]; c != nil {
			if _, ok := ix.byKey[c.Key()]; !ok {
				ix.byKey[c.Key()] = i
			}
		}
	}
	ix.comps = comps
}

// component returns the component with key, or nil when the index has
// none.
func (ix *componentIndex) component(key ComponentKey) *ComponentInfo {
	i, ok := ix.byKey[key]
	if !ok {
		return nil
	}
	if c := ix.comps[i]; c != nil && c.Key() == key {
		return c
	}
	// Changed through its pointer since it was indexed.
	comps := ix.comps
	ix.comps = nil
	clear(ix.byKey)
	ix.follow(comps)
	if i, ok := ix.byKey[key]; ok {
		return ix.comps[i]
	}
	return nil
}

// addFile records file set f, just added to list of c, when file sets
// are indexed.
func (ix *componentIndex) addFile(c *ComponentInfo, list int, f FileSpec) {
	if ix.files == nil {
		return
	}
	k := fileSetKeyOf(f)
	if _, ok := ix.files[k]; !ok {
		ix.files[k] = fileRef{c, list, len(c.fileLists()[list]) - 1}
	}
}

// hasFileSet reports whether a component has file set f (path and
// specification in any case, and recursion). A file set the index does
// not hold, or no longer holds where it was, is looked for in all the
// components, indexing them again: the cost of a file set added directly
// to a component's lists, or of a mapping of no file set, which is an
// error.
func (ix *componentIndex) hasFileSet(f FileSpec) bool {
	same := func(g FileSpec) bool {
		return strings.EqualFold(g.Path, f.Path) && strings.EqualFold(g.Spec, f.Spec) && g.Recursive == f.Recursive
	}
	if r, ok := ix.files[fileSetKeyOf(f)]; ok && ix.component(r.c.Key()) == r.c {
		if g, ok := r.get(); ok && same(g) {
			return true
		}
	}
	ix.files = map[fileSetKey]fileRef{}
	found := false
	for _, c := range ix.comps {
		if c == nil {
			continue
		}
		for list, files := range c.fileLists() {
			for i, g := range files {
				k := fileSetKeyOf(g)
				if _, ok := ix.files[k]; !ok {
					ix.files[k] = fileRef{c, list, i}
				}
				found = found || same(g)
			}
		}
	}
	return found
}
