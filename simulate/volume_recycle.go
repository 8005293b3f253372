package simulate

import "sync"

// Blocks replaced by copy-on-write are kept for the snapshots that still
// read them and recycled once the last of those is released, as a shadow
// copy's diff area is freed when the shadow copy is deleted. The
// bookkeeping follows the dead lists of snapshotting file systems: a block
// killed while snapshot N is the newest goes on N's dead list; when N is
// released, each of its dead blocks moves to the previous live snapshot if
// that one already existed when the block was written, and is free
// otherwise. Each release costs the number of blocks copied, never the
// size of the volume.

// blockPool holds freed blocks for any volume to use again; the garbage
// collector empties it when memory is needed elsewhere. A block taken
// from it is always overwritten in full or cleared, so nothing passes
// from one volume to another.
var blockPool = sync.Pool{New: func() any { return new([BlockSize]byte) }}

// deadBlock is a block gone from the live volume that snapshots may read.
type deadBlock struct {
	b    *[BlockSize]byte
	born uint64 // generation it was written in
}

// newBlock returns a block for writing, recycled if one is free; zero
// says whether its contents must be zeros (otherwise the caller
// overwrites all of it).
func (v *Volume) newBlock(zero bool) *[BlockSize]byte {
	b := blockPool.Get().(*[BlockSize]byte)
	if zero {
		clear(b[:])
	}
	return b
}

// kill records that block b, written in generation born and shared with
// the newest live snapshot, left the live volume; v.mu is held.
func (v *Volume) kill(b *[BlockSize]byte, born uint64) {
	if n := len(v.live); n > 0 {
		newest := v.live[n-1]
		newest.dead = append(newest.dead, deadBlock{b: b, born: born})
	}
}

// forget drops released snapshot s from the live list, hands its dead
// blocks to the previous live snapshot or frees them, and lowers the
// generation below which writes must copy; v.mu is held.
func (v *Volume) forget(s *VolumeSnapshot) {
	i := 0
	for i < len(v.live) && v.live[i] != s {
		i++
	}
	if i == len(v.live) {
		return
	}
	var prev *VolumeSnapshot
	if i > 0 {
		prev = v.live[i-1]
	}
	for _, d := range s.dead {
		switch {
		case prev != nil && d.born <= prev.gen:
			prev.dead = append(prev.dead, d)
		default:
			blockPool.Put(d.b)
			v.stats.BlocksFreed++
		}
	}
	s.dead = nil
	v.live = append(v.live[:i], v.live[i+1:]...)
	v.shared = 0
	if n := len(v.live); n > 0 {
		v.shared = v.live[n-1].gen
	}
}

// Discard returns every block of the volume to a pool that volumes written
// later draw from, and leaves it empty, as a fresh volume. Only a volume no
// one reads again may be discarded, such as a scenario's volumes once its
// run is checked: a run builds new volumes, and handing their blocks to the
// next run spares most of what it allocates. With a snapshot still live it does nothing,
// as the snapshot shares the blocks.
func (v *Volume) Discard() {
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.live) > 0 || v.held {
		return
	}
	var walk func(n *inode)
	walk = func(n *inode) {
		for _, e := range n.entries {
			walk(e)
		}
		recycleBlocks(n.data.root)
	}
	walk(v.root)
	v.root = &inode{gen: v.gen, ino: v.newIno(), dir: true, mod: v.clock(), entries: map[string]*inode{}}
}

// recycleBlocks puts the blocks under n into blockPool.
func recycleBlocks(n *bnode) {
	if n == nil {
		return
	}
	for _, k := range n.kids {
		recycleBlocks(k)
	}
	for i, b := range n.blks {
		if b != nil {
			blockPool.Put(b)
			n.blks[i] = nil
		}
	}
}
