package simulate

// BlockSize is the size of a simulated volume's blocks, the unit of
// copy-on-write: the first write to a block after a snapshot copies
// exactly this many bytes.
const BlockSize = 4096

// A file's blocks are kept in a radix tree with fan-out 64, so that making
// a file writable after a snapshot copies a few small nodes on the way to
// the block written, never the file's whole block list.
const (
	fanBits = 6
	fan     = 1 << fanBits
	fanMask = fan - 1
	// maxFileSize bounds a simulated file (1 TiB): more than memory holds,
	// but sparse files cost only the blocks written.
	maxFileSize = int64(1) << 40
)

// blockTree is a file's contents: block i is at the leaf reached through
// the base-64 digits of i. A nil block reads as zeros.
type blockTree struct {
	root   *bnode
	height int // 0 when empty; the tree addresses fan^height blocks
}

// bnode is a node of a blockTree: interior nodes have kids, leaves have
// blocks with the generation each block was written in.
type bnode struct {
	gen  uint64
	kids []*bnode
	blks []*[BlockSize]byte
	bgen []uint64
}

// block returns block i, or nil for a hole.
func (t *blockTree) block(i int64) *[BlockSize]byte {
	if t.height == 0 || i>>(fanBits*t.height) != 0 {
		return nil
	}
	n := t.root
	for h := t.height; h > 1; h-- {
		n = n.kids[(i>>(fanBits*(h-1)))&fanMask]
		if n == nil {
			return nil
		}
	}
	return n.blks[i&fanMask]
}

// ownNode returns n, or a writable copy of it if a snapshot may share it,
// or a new node if n is nil.
func (v *Volume) ownNode(n *bnode, leaf bool) *bnode {
	switch {
	case n == nil:
		n = &bnode{gen: v.gen}
		if leaf {
			n.blks, n.bgen = make([]*[BlockSize]byte, fan), make([]uint64, fan)
		} else {
			n.kids = make([]*bnode, fan)
		}
	case n.gen <= v.shared:
		c := &bnode{gen: v.gen}
		if leaf {
			c.blks, c.bgen = append([]*[BlockSize]byte(nil), n.blks...), append([]uint64(nil), n.bgen...)
		} else {
			c.kids = append([]*bnode(nil), n.kids...)
		}
		n = c
	}
	return n
}

// leaf returns the writable leaf that holds block i, growing the tree and
// copying shared nodes on the way.
func (v *Volume) leaf(t *blockTree, i int64) *bnode {
	for t.height == 0 || i>>(fanBits*t.height) != 0 {
		if t.root != nil {
			r := &bnode{gen: v.gen, kids: make([]*bnode, fan)}
			r.kids[0] = t.root
			t.root = r
		}
		t.height++
	}
	t.root = v.ownNode(t.root, t.height == 1)
	n := t.root
	for h := t.height; h > 1; h-- {
		k := (i >> (fanBits * (h - 1))) & fanMask
		n.kids[k] = v.ownNode(n.kids[k], h == 2)
		n = n.kids[k]
	}
	return n
}

// writeAt writes p at off of file f, which is writable; v.mu is held.
func (v *Volume) writeAt(f *inode, off int64, p []byte) {
	if len(p) == 0 {
		return
	}
	if end := off + int64(len(p)); end > f.size {
		f.size = end
	}
	for len(p) > 0 {
		i, bo := off/BlockSize, int(off%BlockSize)
		n := min(BlockSize-bo, len(p))
		l := v.leaf(&f.data, i)
		k := i & fanMask
		b := l.blks[k]
		switch {
		case b == nil:
			b = v.newBlock(n < BlockSize)
		case l.bgen[k] <= v.shared:
			// First write since a snapshot: copy the block once. A write
			// of the whole block needs none of the old bytes; a partial
			// one copies all of them, as one aligned 4 KiB copy is faster
			// on cold memory than the pieces the write leaves (measured:
			// 650 against 900 ns for 512 bytes into a 64 MiB file).
			nb := v.newBlock(false)
			if n < BlockSize {
				*nb = *b
			}
			v.kill(b, l.bgen[k])
			b = nb
			v.stats.BlocksCopied++
		}
		copy(b[bo:], p[:n])
		l.blks[k], l.bgen[k] = b, v.gen
		off, p = off+int64(n), p[n:]
	}
}

// truncate sets the size of file f, which is writable; bytes past the end
// of a file are always zero, so growing it needs no writes.
func (v *Volume) truncate(f *inode, size int64) {
	switch {
	case size >= f.size:
	case size == 0:
		f.data = blockTree{}
	default:
		if bo := size % BlockSize; bo != 0 && f.data.block(size/BlockSize) != nil {
			var zeros [BlockSize]byte
			v.writeAt(f, size, zeros[:BlockSize-bo])
		}
		if from := (size + BlockSize - 1) / BlockSize; from>>(fanBits*f.data.height) == 0 {
			f.data.root = v.prune(f.data.root, f.data.height, from)
		}
	}
	f.size = size
}

// prune drops the blocks from index from on in the subtree n of the
// given height, skipping holes, and returns n or its writable copy.
func (v *Volume) prune(n *bnode, height int, from int64) *bnode {
	if n == nil {
		return nil
	}
	n = v.ownNode(n, height == 1)
	if height == 1 {
		for k := from; k < fan; k++ {
			n.blks[k], n.bgen[k] = nil, v.gen
		}
		return n
	}
	span := int64(1) << (fanBits * (height - 1)) // blocks under one kid
	for k := from / span; k < fan; k++ {
		if n.kids[k] == nil {
			continue
		}
		if start := k * span; from <= start {
			n.kids[k] = nil
		} else {
			n.kids[k] = v.prune(n.kids[k], height-1, from-start)
		}
	}
	return n
}

// readAt reads from file f at off into p and returns how many bytes it
// read; it stops at the end of the file.
func readAt(f *inode, p []byte, off int64) int {
	if off >= f.size {
		return 0
	}
	if rest := f.size - off; int64(len(p)) > rest {
		p = p[:rest]
	}
	done := 0
	for done < len(p) {
		i, bo := off/BlockSize, int(off%BlockSize)
		var n int
		if b := f.data.block(i); b != nil {
			n = copy(p[done:], b[bo:])
		} else {
			n = min(BlockSize-bo, len(p)-done)
			clear(p[done : done+n])
		}
		done += n
		off += int64(n)
	}
	return done
}
