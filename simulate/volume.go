package simulate

import (
	"errors"
	"io/fs"
	"path"
	"strings"
	"sync"
	"time"
)

// Errors of the simulated volumes. They travel inside *fs.PathError, so
// errors.Is finds them as it finds fs.ErrNotExist.
var (
	// ErrNotDir means a path element that must be a directory is a file.
	ErrNotDir = errors.New("not a directory")
	// ErrIsDir means a file operation named a directory.
	ErrIsDir = errors.New("is a directory")
	// ErrDirNotEmpty means Remove or Rename would drop a directory's contents.
	ErrDirNotEmpty = errors.New("directory not empty")
	// ErrFileTooLarge means a write or truncate would make a file larger
	// than a simulated volume allows (1 TiB), or that ReadFile was asked
	// for more than 2 GiB at once.
	ErrFileTooLarge = errors.New("file too large for a simulated volume")
)

// volumeEpoch is the modification time of files when no clock is given:
// the simulator never reads the wall clock.
var volumeEpoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Volume is a simulated disk volume: in-memory block storage (BlockSize
// blocks) under a file namespace, the thing VSS shadow copies. Its name is
// what requestors pass to AddToSnapshotSet, a drive such as `C:\` or a
// volume GUID path such as `\\?\Volume{...}\`.
//
// Paths inside a volume are relative to its root, with forward slashes as
// io/fs uses them ("dir/file.txt"); the write methods also accept
// backslashes and a leading separator. Names are case-sensitive. Files
// may be sparse and grow to 1 TiB; holes read as zeros and cost nothing.
//
// Snapshot takes a point-in-time copy in O(1) time. The first write to a
// block after a snapshot copies that block once, with the few small
// nodes on its way (the file's block tree and each directory of its path;
// a directory is copied whole, so its cost grows with its entries).
// HoldWrites and ReleaseWrites model VSS's flush and hold.
//
// A Volume is safe for use by several goroutines.
type Volume struct {
	name  string
	clock func() time.Time

	mu   sync.RWMutex
	root *inode
	// gen is the generation of nodes written now; nodes whose gen is at
	// most shared may be seen by a live snapshot and are copied before
	// they change.
	gen, shared uint64
	live        []*VolumeSnapshot // unreleased snapshots, oldest first
	inos        uint64            // file numbers handed out
	held        bool
	queue       []pendingWrite
	stats       VolumeStats
}

// VolumeStats counts what a volume's storage did, for tests and
// benchmarks of copy-on-write.
type VolumeStats struct {
	Snapshots    int // point-in-time copies taken
	BlocksCopied int // blocks copied because a snapshot shared them
	BlocksFreed  int // copied-away blocks freed when the last snapshot reading them was released
	QueuedWrites int // writes issued while held, by Submit or the plain write methods
	// FailedHeldWrites counts the writes held with no completion to
	// report to (the plain write methods', or Submit's with a nil one)
	// that failed when the release applied them.
	FailedHeldWrites int
}

// VolumeOption configures a Volume.
type VolumeOption func(*Volume)

// WithVolumeClock sets the clock that stamps file modification times,
// usually the simulation's virtual clock. Without it every file has a
// fixed time (2026-01-01 UTC).
func WithVolumeClock(now func() time.Time) VolumeOption {
	return func(v *Volume) {
		if now != nil {
			v.clock = now
		}
	}
}

// NewVolume returns an empty volume with the given name, for example `C:\`
// or `\\?\Volume{...}\`.
func NewVolume(name string, opts ...VolumeOption) *Volume {
	v := &Volume{name: name, clock: func() time.Time { return volumeEpoch }, gen: 1}
	for _, o := range opts {
		if o != nil {
			o(v)
		}
	}
	v.root = &inode{gen: v.gen, ino: v.newIno(), dir: true, mod: v.clock(), entries: map[string]*inode{}}
	return v
}

// Name returns the volume's name as VSS knows it (the original volume of
// its shadow copies).
func (v *Volume) Name() string { return v.name }

// Stats returns the volume's storage counters.
func (v *Volume) Stats() VolumeStats {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return v.stats
}

// inode is a file or a directory. Once a snapshot may share it (gen <=
// Volume.shared) it never changes again; writers change a copy.
type inode struct {
	gen     uint64
	ino     uint64 // the file's number: its copies share it, another file never has it
	dir     bool
	mod     time.Time
	size    int64             // file size in bytes
	data    blockTree         // file contents
	entries map[string]*inode // directory entries
}

// newIno returns a new file number; v.mu is held.
func (v *Volume) newIno() uint64 {
	v.inos++
	return v.inos
}

// clone returns a copy of n at generation gen that may be changed.
func (n *inode) clone(gen uint64) *inode {
	c := *n
	c.gen = gen
	if n.dir {
		c.entries = make(map[string]*inode, len(n.entries))
		for k, e := range n.entries {
			c.entries[k] = e
		}
	}
	return &c
}

// own returns n, or a writable copy of it if a snapshot may share it.
func (v *Volume) own(n *inode) *inode {
	if n.gen <= v.shared {
		return n.clone(v.gen)
	}
	return n
}

// cleanPath turns a caller's path into a valid io/fs path: "." for the
// root, slash-separated, no leading slash.
func cleanPath(op, p string) (string, error) {
	q := strings.ReplaceAll(p, `\`, "/")
	q = strings.TrimLeft(q, "/")
	if q == "" {
		return ".", nil
	}
	q = path.Clean(q)
	if !fs.ValidPath(q) {
		return "", &fs.PathError{Op: op, Path: p, Err: fs.ErrInvalid}
	}
	return q, nil
}

// eachElem calls f with each name of the clean path p, root first, until
// f returns false; the root itself has no names.
func eachElem(p string, f func(name string) bool) {
	for rest := p; rest != "." && rest != ""; {
		var e string
		e, rest, _ = strings.Cut(rest, "/")
		if !f(e) {
			return
		}
	}
}

// lookup finds the node at the clean path name below root, or returns
// the error for op.
func lookup(root *inode, op, name string) (*inode, error) {
	n := root
	var err error
	eachElem(name, func(e string) bool {
		if !n.dir {
			err = &fs.PathError{Op: op, Path: name, Err: ErrNotDir}
			return false
		}
		c, ok := n.entries[e]
		if !ok {
			err = &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
			return false
		}
		n = c
		return true
	})
	if err != nil {
		return nil, err
	}
	return n, nil
}

// ownDir returns the directory at the clean path dir, made writable along
// the whole path from the root; name is the caller's path, for errors.
func (v *Volume) ownDir(op, name, dir string) (*inode, error) {
	if v.root.gen <= v.shared {
		v.root = v.root.clone(v.gen)
	}
	d := v.root
	var err error
	eachElem(dir, func(e string) bool {
		c, ok := d.entries[e]
		switch {
		case !ok:
			err = &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
			return false
		case !c.dir:
			err = &fs.PathError{Op: op, Path: name, Err: ErrNotDir}
			return false
		case c.gen <= v.shared:
			c = c.clone(v.gen)
			d.entries[e] = c
		}
		d = c
		return true
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}
