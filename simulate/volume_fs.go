package simulate

import (
	"io"
	"io/fs"
	"path"
	"slices"
	"time"
)

// fsView reads a volume through io/fs: the live volume (snap nil) or one
// of its snapshots. Every read takes the volume's read lock, so a view is
// safe to use while the volume is written.
type fsView struct {
	v    *Volume
	snap *VolumeSnapshot
}

var (
	_ fs.ReadFileFS = fsView{}
	_ fs.StatFS     = fsView{}
	_ fs.ReadDirFS  = fsView{}
)

// FS returns the live contents of the volume as a file system: reads see
// every write applied so far. Use Snapshot for a point-in-time view.
func (v *Volume) FS() fs.FS { return fsView{v: v} }

// rootLocked returns the root the view reads, with v.mu read-locked.
func (f fsView) rootLocked(op, name string) (*inode, error) {
	if f.snap == nil {
		return f.v.root, nil
	}
	if f.snap.released {
		return nil, &fs.PathError{Op: op, Path: name, Err: fs.ErrClosed}
	}
	return f.snap.root, nil
}

// find returns the node at name, checking that name is a valid io/fs path.
func (f fsView) find(op, name string) (*inode, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: op, Path: name, Err: fs.ErrInvalid}
	}
	root, err := f.rootLocked(op, name)
	if err != nil {
		return nil, err
	}
	return lookup(root, op, name)
}

// Open opens the named file or directory for reading.
func (f fsView) Open(name string) (fs.File, error) {
	f.v.mu.RLock()
	defer f.v.mu.RUnlock()
	n, err := f.find("open", name)
	if err != nil {
		return nil, err
	}
	if n.dir {
		return &dirFile{info: infoOf(name, n), entries: entriesOf(n)}, nil
	}
	return &file{view: f, node: n, name: name, ino: n.ino, info: infoOf(name, n)}, nil
}

// ReadFile returns the contents of the named file.
func (f fsView) ReadFile(name string) ([]byte, error) {
	f.v.mu.RLock()
	defer f.v.mu.RUnlock()
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "readfile", Path: name, Err: fs.ErrInvalid}
	}
	root, err := f.rootLocked("readfile", name)
	if err != nil {
		return nil, err
	}
	return readFile(root, "readfile", name)
}

// Stat describes the named file or directory.
func (f fsView) Stat(name string) (fs.FileInfo, error) {
	f.v.mu.RLock()
	defer f.v.mu.RUnlock()
	n, err := f.find("stat", name)
	if err != nil {
		return nil, err
	}
	return infoOf(name, n), nil
}

// ReadDir lists the named directory, sorted by name.
func (f fsView) ReadDir(name string) ([]fs.DirEntry, error) {
	f.v.mu.RLock()
	defer f.v.mu.RUnlock()
	n, err := f.find("readdir", name)
	if err != nil {
		return nil, err
	}
	if !n.dir {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: ErrNotDir}
	}
	return entriesOf(n), nil
}

// fileInfo describes a file or directory of a volume.
type fileInfo struct {
	name string
	size int64
	mode fs.FileMode
	mod  time.Time
}

func (i fileInfo) Name() string       { return i.name }
func (i fileInfo) Size() int64        { return i.size }
func (i fileInfo) Mode() fs.FileMode  { return i.mode }
func (i fileInfo) ModTime() time.Time { return i.mod }
func (i fileInfo) IsDir() bool        { return i.mode.IsDir() }
func (i fileInfo) Sys() any           { return nil }

func infoOf(name string, n *inode) fileInfo {
	if n.dir {
		return fileInfo{name: path.Base(name), mode: fs.ModeDir | 0o755, mod: n.mod}
	}
	return fileInfo{name: path.Base(name), size: n.size, mode: 0o644, mod: n.mod}
}

// entriesOf lists directory n, sorted by name (never in map order).
func entriesOf(n *inode) []fs.DirEntry {
	names := make([]string, 0, len(n.entries))
	for k := range n.entries {
		names = append(names, k)
	}
	slices.Sort(names)
	out := make([]fs.DirEntry, len(names))
	for i, k := range names {
		out[i] = fs.FileInfoToDirEntry(infoOf(k, n.entries[k]))
	}
	return out
}

// file is an open file of a volume. Reads of a snapshot's file see the
// snapshot. Reads of a live file follow the file at its path and see every
// write to it; once it is removed, renamed or replaced by another file,
// they fail with fs.ErrNotExist. (A live file never keeps old nodes: their
// blocks may be recycled once no snapshot needs them.)
type file struct {
	view   fsView
	node   *inode // a snapshot's file
	name   string // a live file's path
	ino    uint64 // and number
	info   fileInfo
	off    int64
	closed bool
}

// nodeLocked returns the node to read, with v.mu read-locked.
func (f *file) nodeLocked(op string) (*inode, error) {
	if f.view.snap != nil {
		if _, err := f.view.rootLocked(op, f.info.name); err != nil {
			return nil, err
		}
		return f.node, nil
	}
	n, err := lookup(f.view.v.root, op, f.name)
	if err != nil || n.dir || n.ino != f.ino {
		return nil, &fs.PathError{Op: op, Path: f.name, Err: fs.ErrNotExist}
	}
	return n, nil
}

func (f *file) Stat() (fs.FileInfo, error) {
	if f.closed {
		return nil, &fs.PathError{Op: "stat", Path: f.info.name, Err: fs.ErrClosed}
	}
	return f.info, nil
}

func (f *file) Read(p []byte) (int, error) {
	n, err := f.ReadAt(p, f.off)
	f.off += int64(n)
	if err == io.EOF && n > 0 {
		err = nil
	}
	return n, err
}

// ReadAt reads len(p) bytes at off, or fewer and io.EOF at the end.
func (f *file) ReadAt(p []byte, off int64) (int, error) {
	if f.closed {
		return 0, &fs.PathError{Op: "read", Path: f.info.name, Err: fs.ErrClosed}
	}
	if off < 0 {
		return 0, &fs.PathError{Op: "read", Path: f.info.name, Err: fs.ErrInvalid}
	}
	f.view.v.mu.RLock()
	defer f.view.v.mu.RUnlock()
	node, err := f.nodeLocked("read")
	if err != nil {
		return 0, err
	}
	n := readAt(node, p, off)
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// Seek sets the offset of the next Read.
func (f *file) Seek(offset int64, whence int) (int64, error) {
	if f.closed {
		return 0, &fs.PathError{Op: "seek", Path: f.info.name, Err: fs.ErrClosed}
	}
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += f.off
	case io.SeekEnd:
		f.view.v.mu.RLock()
		node, err := f.nodeLocked("seek")
		if err == nil {
			offset += node.size
		}
		f.view.v.mu.RUnlock()
		if err != nil {
			return 0, err
		}
	default:
		offset = -1
	}
	if offset < 0 {
		return 0, &fs.PathError{Op: "seek", Path: f.info.name, Err: fs.ErrInvalid}
	}
	f.off = offset
	return offset, nil
}

func (f *file) Close() error {
	if f.closed {
		return &fs.PathError{Op: "close", Path: f.info.name, Err: fs.ErrClosed}
	}
	f.closed = true
	return nil
}

// dirFile is an open directory; it lists the entries it had when opened.
type dirFile struct {
	info    fileInfo
	entries []fs.DirEntry
	pos     int
	closed  bool
}

func (d *dirFile) Stat() (fs.FileInfo, error) {
	if d.closed {
		return nil, &fs.PathError{Op: "stat", Path: d.info.name, Err: fs.ErrClosed}
	}
	return d.info, nil
}

func (d *dirFile) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.info.name, Err: ErrIsDir}
}

func (d *dirFile) Close() error {
	if d.closed {
		return &fs.PathError{Op: "close", Path: d.info.name, Err: fs.ErrClosed}
	}
	d.closed = true
	return nil
}

// ReadDir returns the next n entries (all remaining if n <= 0).
func (d *dirFile) ReadDir(n int) ([]fs.DirEntry, error) {
	if d.closed {
		return nil, &fs.PathError{Op: "readdir", Path: d.info.name, Err: fs.ErrClosed}
	}
	rest := d.entries[d.pos:]
	if n <= 0 {
		d.pos = len(d.entries)
		return slices.Clone(rest), nil
	}
	if len(rest) == 0 {
		return nil, io.EOF
	}
	n = min(n, len(rest))
	d.pos += n
	return slices.Clone(rest[:n]), nil
}
