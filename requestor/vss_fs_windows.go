//go:build windows && (amd64 || arm64)

package requestor

import (
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
	"sync"
	"unsafe"

	"golang.org/x/sys/windows"
)

// deviceFS reads a shadow copy through its device object, for example
// \\?\GLOBALROOT\Device\HarddiskVolumeShadowCopy12\ (kept with its trailing
// backslash, which names the root directory rather than the device).
//
// It never follows a link. Every file is opened with
// FILE_FLAG_OPEN_REPARSE_POINT and FILE_FLAG_BACKUP_SEMANTICS (with
// SeBackupPrivilege, files whose ACLs deny the user are read too); a
// reparse point that names another file (a symbolic link, a junction, a
// mount point: a name-surrogate reparse tag) is reported as a link,
// fs.ModeSymlink, by Stat, Lstat and ReadDir, its target is returned by
// ReadLink, and opening it, or a path through it, fails with
// ErrLinkNotFollowed: an absolute target inside the shadow copy (C:\data)
// names the live volume, and following it would read live data into a
// point-in-time backup. Other reparse points (deduplicated files, cloud
// files) hold their own data and are read as files.
//
// os.DirFS is not used: it follows links, and it would open the root as
// `...ShadowCopy12\.`, which Windows does not resolve in a \\?\ path.
type deviceFS struct {
	root string // the device path with its trailing backslash
	mu   sync.Mutex
	dirs map[string]bool // directories known not to be links, by fs.FS name
}

func newDeviceFS(device string) *deviceFS {
	return &deviceFS{root: volumeName(device), dirs: map[string]bool{".": true}}
}

// path maps a slash-separated fs.FS name to a path under the device,
// refusing names that would leave it.
func (d *deviceFS) path(op, name string) (string, error) {
	if !fs.ValidPath(name) || strings.ContainsAny(name, `\:`) {
		return "", &fs.PathError{Op: op, Path: name, Err: fs.ErrInvalid}
	}
	if name == "." {
		return d.root, nil
	}
	return d.root + strings.ReplaceAll(name, "/", `\`), nil
}

// fileAttributeTagInfo is FILE_ATTRIBUTE_TAG_INFO.
type fileAttributeTagInfo struct {
	FileAttributes uint32
	ReparseTag     uint32
}

// isLinkTag reports whether a reparse tag names another file (its
// name-surrogate bit is set: symbolic links, junctions and mount points),
// as opposed to a file that keeps its data behind a filter (dedup, cloud).
func isLinkTag(tag uint32) bool { return tag&0x20000000 != 0 }

// openNoFollow opens p without following a link at its last component: the
// handle of the link itself when it is one (link true).
func openNoFollow(p string, access uint32) (h windows.Handle, link bool, err error) {
	u, err := windows.UTF16PtrFromString(p)
	if err != nil {
		return 0, false, err
	}
	flags := uint32(windows.FILE_FLAG_BACKUP_SEMANTICS | windows.FILE_FLAG_OPEN_REPARSE_POINT)
	h, err = windows.CreateFile(u, access, windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE,
		nil, windows.OPEN_EXISTING, flags, 0)
	if err != nil {
		return 0, false, err
	}
	var info fileAttributeTagInfo
	if err := windows.GetFileInformationByHandleEx(h, windows.FileAttributeTagInfo, (*byte)(unsafe.Pointer(&info)), uint32(unsafe.Sizeof(info))); err != nil {
		windows.CloseHandle(h)
		return 0, false, err
	}
	if info.FileAttributes&windows.FILE_ATTRIBUTE_REPARSE_POINT == 0 || isLinkTag(info.ReparseTag) {
		return h, info.FileAttributes&windows.FILE_ATTRIBUTE_REPARSE_POINT != 0, nil
	}
	// A reparse point holding data of its own: open the data.
	windows.CloseHandle(h)
	h, err = windows.CreateFile(u, access, windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE,
		nil, windows.OPEN_EXISTING, windows.FILE_FLAG_BACKUP_SEMANTICS, 0)
	return h, false, err
}

// parents checks that no directory on the way to name is a link.
func (d *deviceFS) parents(op, name string) error {
	for i := 0; i < len(name); i++ {
		if name[i] != '/' {
			continue
		}
		dir := name[:i]
		d.mu.Lock()
		ok := d.dirs[dir]
		d.mu.Unlock()
		if ok {
			continue
		}
		p, _ := d.path(op, dir)
		h, link, err := openNoFollow(p, windows.FILE_READ_ATTRIBUTES)
		if err != nil {
			return &fs.PathError{Op: op, Path: name, Err: err}
		}
		windows.CloseHandle(h)
		if link {
			return &fs.PathError{Op: op, Path: name, Err: ErrLinkNotFollowed}
		}
		d.mu.Lock()
		d.dirs[dir] = true
		d.mu.Unlock()
	}
	return nil
}

// handle opens name for access, the link itself if it is one.
func (d *deviceFS) handle(op, name string, access uint32) (windows.Handle, bool, error) {
	p, err := d.path(op, name)
	if err != nil {
		return 0, false, err
	}
	if err := d.parents(op, name); err != nil {
		return 0, false, err
	}
	h, link, err := openNoFollow(p, access)
	if err != nil {
		return 0, false, &fs.PathError{Op: op, Path: name, Err: err}
	}
	return h, link, nil
}

// Open implements fs.FS. A link is not opened: the error wraps
// ErrLinkNotFollowed.
func (d *deviceFS) Open(name string) (fs.File, error) {
	h, link, err := d.handle("open", name, windows.GENERIC_READ)
	if err != nil {
		return nil, err
	}
	if link {
		windows.CloseHandle(h)
		return nil, &fs.PathError{Op: "open", Path: name, Err: ErrLinkNotFollowed}
	}
	return &deviceFile{File: os.NewFile(uintptr(h), name), fsys: d, name: name}, nil
}

// Stat implements fs.StatFS. Unlike os.Stat it does not follow a link:
// it describes the link, as Lstat does.
func (d *deviceFS) Stat(name string) (fs.FileInfo, error) { return d.lstat("stat", name) }

// Lstat implements fs.ReadLinkFS: a link is described as a link
// (fs.ModeSymlink).
func (d *deviceFS) Lstat(name string) (fs.FileInfo, error) { return d.lstat("lstat", name) }

func (d *deviceFS) lstat(op, name string) (fs.FileInfo, error) {
	h, link, err := d.handle(op, name, windows.FILE_READ_ATTRIBUTES)
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(h), name)
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, &fs.PathError{Op: op, Path: name, Err: unwrapPath(err)}
	}
	return infoOf(fi, link), nil
}

// ReadLink implements fs.ReadLinkFS: the target of a link as Windows
// stores it (for example C:\data or ..\data), not followed.
func (d *deviceFS) ReadLink(name string) (string, error) {
	p, err := d.path("readlink", name)
	if err != nil {
		return "", err
	}
	if err := d.parents("readlink", name); err != nil {
		return "", err
	}
	t, err := os.Readlink(p)
	if err != nil {
		return "", &fs.PathError{Op: "readlink", Path: name, Err: unwrapPath(err)}
	}
	return t, nil
}

// ReadDir implements fs.ReadDirFS: the entries sorted by name, links
// reported as links.
func (d *deviceFS) ReadDir(name string) ([]fs.DirEntry, error) {
	f, err := d.Open(name)
	if err != nil {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: unwrapPath(err)}
	}
	defer f.Close()
	es, err := f.(*deviceFile).ReadDir(-1)
	slices.SortFunc(es, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return es, err
}

// ReadFile implements fs.ReadFileFS.
func (d *deviceFS) ReadFile(name string) ([]byte, error) {
	f, err := d.Open(name)
	if err != nil {
		return nil, &fs.PathError{Op: "readfile", Path: name, Err: unwrapPath(err)}
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		return nil, &fs.PathError{Op: "readfile", Path: name, Err: unwrapPath(err)}
	}
	return b, nil
}

// deviceFile is a file or directory of a deviceFS.
type deviceFile struct {
	*os.File
	fsys *deviceFS
	name string
}

// ReadDir implements fs.ReadDirFile, reporting links as links.
func (f *deviceFile) ReadDir(n int) ([]fs.DirEntry, error) {
	es, err := f.File.ReadDir(n)
	for i, e := range es {
		if e.Type()&fs.ModeIrregular == 0 {
			continue
		}
		// Junctions and mount points come as irregular files: ask the
		// entry itself whether it is a link.
		full := e.Name()
		if f.name != "." {
			full = f.name + "/" + e.Name()
		}
		if fi, lerr := f.fsys.Lstat(full); lerr == nil {
			es[i] = fs.FileInfoToDirEntry(fi)
		}
	}
	if err != nil && err != io.EOF {
		err = &fs.PathError{Op: "readdir", Path: f.name, Err: unwrapPath(err)}
	}
	return es, err
}

// infoOf is fi, as a link when link is true (Go reports junctions and
// mount points as irregular files).
func infoOf(fi fs.FileInfo, link bool) fs.FileInfo {
	if !link || fi.Mode()&fs.ModeSymlink != 0 {
		return fi
	}
	return linkInfo{fi}
}

// linkInfo describes a link whose FileInfo did not say so.
type linkInfo struct{ fs.FileInfo }

func (l linkInfo) Mode() fs.FileMode { return l.FileInfo.Mode()&fs.ModePerm | fs.ModeSymlink }
func (l linkInfo) IsDir() bool       { return false }

// unwrapPath drops the os layer's *PathError, whose path is the device
// path, so that errors name the file as the caller did.
func unwrapPath(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err
	}
	return err
}
