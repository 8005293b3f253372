package simulate

import (
	"fmt"
	"io/fs"
	"strings"
)

// Write is one write request to a volume, as an application issues it:
// create or replace a file, write at an offset, truncate, rename, remove,
// make directories. Build one with WriteFileOp, WriteAtOp, TruncateOp,
// RenameOp, RemoveOp or MkdirAllOp and pass it to Volume.Submit, which
// queues it while VSS holds the volume's writes.
type Write struct {
	kind     writeKind
	path, to string
	off      int64
	size     int64
	data     []byte
}

type writeKind uint8

const (
	writeFile writeKind = iota + 1
	writeAt
	writeTruncate
	writeRename
	writeRemove
	writeMkdirAll
)

var writeKindNames = [...]string{"", "writefile", "writeat", "truncate", "rename", "remove", "mkdirall"}

// WriteFileOp creates the file at path, or replaces its contents, with data.
func WriteFileOp(path string, data []byte) Write {
	return Write{kind: writeFile, path: path, data: data}
}

// WriteAtOp writes data at offset off of the file at path, creating the
// file if it is missing and growing it if needed.
func WriteAtOp(path string, off int64, data []byte) Write {
	return Write{kind: writeAt, path: path, off: off, data: data}
}

// TruncateOp changes the size of the file at path.
func TruncateOp(path string, size int64) Write {
	return Write{kind: writeTruncate, path: path, size: size}
}

// RenameOp moves from to to, replacing a file or empty directory there.
func RenameOp(from, to string) Write { return Write{kind: writeRename, path: from, to: to} }

// RemoveOp removes a file or an empty directory.
func RemoveOp(path string) Write { return Write{kind: writeRemove, path: path} }

// MkdirAllOp creates a directory and any missing parents.
func MkdirAllOp(path string) Write { return Write{kind: writeMkdirAll, path: path} }

// Path returns the path the write changes (the source, for a rename).
func (w Write) Path() string { return w.path }

// String describes the write for traces, for example
// `writeat log.txt@4096+512`.
func (w Write) String() string {
	k := "invalid"
	if int(w.kind) < len(writeKindNames) && w.kind != 0 {
		k = writeKindNames[w.kind]
	}
	switch w.kind {
	case writeFile:
		return fmt.Sprintf("%s %s+%d", k, w.path, len(w.data))
	case writeAt:
		return fmt.Sprintf("%s %s@%d+%d", k, w.path, w.off, len(w.data))
	case writeTruncate:
		return fmt.Sprintf("%s %s@%d", k, w.path, w.size)
	case writeRename:
		return fmt.Sprintf("%s %s -> %s", k, w.path, w.to)
	}
	return k + " " + w.path
}

// The plain write methods below apply a write at once and return its
// result. While VSS holds the volume's writes (flush and hold) they never
// fail for that: the write is held, as Windows holds every write issued
// meanwhile, and applied at the release, in order with the other held
// writes; see Volume.HoldWrites.

// WriteFile creates the file at path or replaces its contents. Its parent
// directory must exist.
func (v *Volume) WriteFile(path string, data []byte) error { return v.direct(WriteFileOp(path, data)) }

// WriteAt writes data at offset off of the file at path, creating the file
// if it is missing.
func (v *Volume) WriteAt(path string, off int64, data []byte) error {
	return v.direct(WriteAtOp(path, off, data))
}

// Truncate changes the size of the file at path; growing it adds zeros.
func (v *Volume) Truncate(path string, size int64) error { return v.direct(TruncateOp(path, size)) }

// Rename moves a file or directory, replacing a file or an empty
// directory of the same kind at the target.
func (v *Volume) Rename(from, to string) error { return v.direct(RenameOp(from, to)) }

// Remove removes a file or an empty directory.
func (v *Volume) Remove(path string) error { return v.direct(RemoveOp(path)) }

// MkdirAll creates a directory and any missing parents; it is not an error
// if the directory exists.
func (v *Volume) MkdirAll(path string) error { return v.direct(MkdirAllOp(path)) }

// direct applies w now; while writes are held, it holds w for the release
// once its arguments are found valid.
func (v *Volume) direct(w Write) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.held {
		if err := w.valid(); err != nil {
			return err
		}
		v.hold(w, nil)
		return nil
	}
	return v.apply(w)
}

// valid returns the error apply would return for w whatever the volume
// holds: a path that is not a volume's, an offset or size out of range.
func (w Write) valid() error {
	op := w.op()
	if w.kind == 0 || int(w.kind) >= len(writeKindNames) {
		return &fs.PathError{Op: op, Path: w.path, Err: fs.ErrInvalid}
	}
	if _, err := cleanPath(op, w.path); err != nil {
		return err
	}
	if w.kind == writeRename {
		if _, err := cleanPath(op, w.to); err != nil {
			return err
		}
	}
	return w.validSize(op)
}

// validSize checks the offset and size of a file write.
func (w Write) validSize(op string) error {
	if (w.kind == writeAt && w.off < 0) || (w.kind == writeTruncate && w.size < 0) {
		return &fs.PathError{Op: op, Path: w.path, Err: fs.ErrInvalid}
	}
	if w.kind == writeAt && w.off > maxFileSize-int64(len(w.data)) || w.kind == writeTruncate && w.size > maxFileSize ||
		w.kind == writeFile && int64(len(w.data)) > maxFileSize {
		return &fs.PathError{Op: op, Path: w.path, Err: ErrFileTooLarge}
	}
	return nil
}

func (w Write) op() string {
	if w.kind == 0 || int(w.kind) >= len(writeKindNames) {
		return "write"
	}
	return writeKindNames[w.kind]
}

// apply carries out w; v.mu is held.
func (v *Volume) apply(w Write) error {
	op := w.op()
	p, err := cleanPath(op, w.path)
	if err != nil {
		return err
	}
	switch w.kind {
	case writeFile, writeAt, writeTruncate:
		return v.applyFile(w, op, p)
	case writeRename:
		return v.applyRename(op, p, w)
	case writeRemove:
		return v.applyRemove(op, p)
	case writeMkdirAll:
		return v.applyMkdirAll(op, p)
	}
	return &fs.PathError{Op: op, Path: w.path, Err: fs.ErrInvalid}
}

// split returns the parent directory and the last name of a clean path;
// the root has no name.
func split(p string) (dir, name string) {
	if p == "." {
		return ".", ""
	}
	i := strings.LastIndexByte(p, '/')
	if i < 0 {
		return ".", p
	}
	return p[:i], p[i+1:]
}

func (v *Volume) applyFile(w Write, op, p string) error {
	if err := w.validSize(op); err != nil {
		return err
	}
	parent, name := split(p)
	if name == "" {
		return &fs.PathError{Op: op, Path: w.path, Err: ErrIsDir}
	}
	d, err := v.ownDir(op, w.path, parent)
	if err != nil {
		return err
	}
	f, ok := d.entries[name]
	switch {
	case ok && f.dir:
		return &fs.PathError{Op: op, Path: w.path, Err: ErrIsDir}
	case !ok && w.kind == writeTruncate:
		return &fs.PathError{Op: op, Path: w.path, Err: fs.ErrNotExist}
	case !ok:
		f = &inode{gen: v.gen, ino: v.newIno()}
	case w.kind == writeFile:
		// Replacing the contents keeps the file, as truncating it would.
		f = &inode{gen: v.gen, ino: f.ino}
	case f.gen <= v.shared:
		f = f.clone(v.gen)
	}
	f.mod = v.clock()
	if !ok {
		d.mod = f.mod // a new entry changes the directory
	}
	if d.entries[name] != f {
		d.entries[name] = f
	}
	switch w.kind {
	case writeTruncate:
		v.truncate(f, w.size)
	case writeFile:
		v.writeAt(f, 0, w.data)
	default:
		v.writeAt(f, w.off, w.data)
	}
	return nil
}

func (v *Volume) applyRename(op, p string, w Write) error {
	q, err := cleanPath(op, w.to)
	if err != nil {
		return err
	}
	fromDir, fromName := split(p)
	toDir, toName := split(q)
	if fromName == "" || toName == "" || strings.HasPrefix(q+"/", p+"/") && q != p {
		return &fs.PathError{Op: op, Path: w.path + " -> " + w.to, Err: fs.ErrInvalid}
	}
	src, err := v.ownDir(op, w.path, fromDir)
	if err != nil {
		return err
	}
	n, ok := src.entries[fromName]
	if !ok {
		return &fs.PathError{Op: op, Path: w.path, Err: fs.ErrNotExist}
	}
	if p == q {
		return nil
	}
	dst, err := v.ownDir(op, w.to, toDir)
	if err != nil {
		return err
	}
	if old, ok := dst.entries[toName]; ok {
		switch {
		case old.dir && !n.dir:
			return &fs.PathError{Op: op, Path: w.to, Err: ErrIsDir}
		case !old.dir && n.dir:
			return &fs.PathError{Op: op, Path: w.to, Err: ErrNotDir}
		case old.dir && len(old.entries) > 0:
			return &fs.PathError{Op: op, Path: w.to, Err: ErrDirNotEmpty}
		}
	}
	delete(src.entries, fromName)
	dst.entries[toName] = n
	src.mod, dst.mod = v.clock(), v.clock()
	return nil
}

func (v *Volume) applyRemove(op, p string) error {
	parent, name := split(p)
	if name == "" {
		return &fs.PathError{Op: op, Path: p, Err: fs.ErrInvalid}
	}
	d, err := v.ownDir(op, p, parent)
	if err != nil {
		return err
	}
	n, ok := d.entries[name]
	switch {
	case !ok:
		return &fs.PathError{Op: op, Path: p, Err: fs.ErrNotExist}
	case n.dir && len(n.entries) > 0:
		return &fs.PathError{Op: op, Path: p, Err: ErrDirNotEmpty}
	}
	delete(d.entries, name)
	d.mod = v.clock()
	return nil
}

func (v *Volume) applyMkdirAll(op, p string) error {
	v.root = v.own(v.root)
	d := v.root
	var err error
	eachElem(p, func(e string) bool {
		c, ok := d.entries[e]
		switch {
		case !ok:
			c = &inode{gen: v.gen, ino: v.newIno(), dir: true, mod: v.clock(), entries: map[string]*inode{}}
			d.mod = c.mod
		case !c.dir:
			err = &fs.PathError{Op: op, Path: p, Err: ErrNotDir}
			return false
		default:
			c = v.own(c)
		}
		d.entries[e] = c
		d = c
		return true
	})
	return err
}
