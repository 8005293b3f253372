package simulate

import "io/fs"

// VolumeSnapshot is a point-in-time copy of a Volume, what a provider's
// shadow copy holds. It reads, through io/fs, exactly the volume as it was
// when Volume.Snapshot was called, whatever is written afterwards. It
// shares every block with the volume until the volume writes that block.
type VolumeSnapshot struct {
	v        *Volume
	root     *inode
	gen      uint64
	released bool        // guarded by v.mu
	dead     []deadBlock // blocks only snapshots hold, killed while this was the newest
}

var (
	_ fs.ReadFileFS = (*VolumeSnapshot)(nil)
	_ fs.StatFS     = (*VolumeSnapshot)(nil)
	_ fs.ReadDirFS  = (*VolumeSnapshot)(nil)
)

// Snapshot takes a point-in-time copy of the volume in O(1) time,
// whatever its size: nothing is copied now; later writes copy what they
// change. It may be taken while writes are held (that is when VSS
// commits): writes queued by the hold are not in it.
func (v *Volume) Snapshot() *VolumeSnapshot {
	v.mu.Lock()
	defer v.mu.Unlock()
	s := &VolumeSnapshot{v: v, root: v.root, gen: v.gen}
	v.live = append(v.live, s)
	v.shared = v.gen
	v.gen++
	v.stats.Snapshots++
	return s
}

// Volume returns the volume the snapshot copies.
func (s *VolumeSnapshot) Volume() *Volume { return s.v }

// FS returns the snapshot's contents as a file system rooted at the root
// of the volume.
func (s *VolumeSnapshot) FS() fs.FS { return fsView{v: s.v, snap: s} }

// Open opens a file or directory of the snapshot.
func (s *VolumeSnapshot) Open(name string) (fs.File, error) {
	return fsView{v: s.v, snap: s}.Open(name)
}

// ReadFile returns the contents of a file of the snapshot.
func (s *VolumeSnapshot) ReadFile(name string) ([]byte, error) {
	return fsView{v: s.v, snap: s}.ReadFile(name)
}

// Stat describes a file or directory of the snapshot.
func (s *VolumeSnapshot) Stat(name string) (fs.FileInfo, error) {
	return fsView{v: s.v, snap: s}.Stat(name)
}

// ReadDir lists a directory of the snapshot, sorted by name.
func (s *VolumeSnapshot) ReadDir(name string) ([]fs.DirEntry, error) {
	return fsView{v: s.v, snap: s}.ReadDir(name)
}

// Release frees the snapshot, as deleting a shadow copy frees its
// copy-on-write storage: later reads fail with fs.ErrClosed, and the
// volume stops copying blocks for it. Release is idempotent.
func (s *VolumeSnapshot) Release() {
	v := s.v
	v.mu.Lock()
	defer v.mu.Unlock()
	if s.released {
		return
	}
	s.released = true
	s.root = nil
	v.forget(s)
}

// Released reports whether Release was called.
func (s *VolumeSnapshot) Released() bool {
	s.v.mu.RLock()
	defer s.v.mu.RUnlock()
	return s.released
}

// LiveSnapshots returns how many snapshots of the volume are not yet
// released: after a backup that deleted its shadow copies it is zero, and
// anything else is a leaked shadow copy.
func (v *Volume) LiveSnapshots() int {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return len(v.live)
}
