package requestor

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
	"sync"
	"time"
)

// Target is where Restore puts files back: a place per volume, in which
// paths are slash-separated and relative to the volume's root. Restore
// checks every path before it calls a Target (fs.ValidPath: no "..", no
// absolute path) and every symbolic link's target (relative, staying on
// its volume), so a Target receives only paths that stay inside it; the
// implementations here refuse an escape all the same. Calls are not
// made concurrently.
//
// DirTarget restores into a directory of the local file system; package
// simulate offers a Target over simulated volumes.
type Target interface {
	// Exists reports whether something is at name on volume, for the
	// restore method VSS_RME_RESTORE_IF_NOT_THERE.
	Exists(volume, name string) (bool, error)
	// MkdirAll makes directory name on volume and any missing parents.
	MkdirAll(volume, name string) error
	// WriteFile creates or replaces the file name on volume with what r
	// holds. When reading r fails (a stored file that does not match its
	// digest, say) nothing is left at name: a file there before keeps its
	// content.
	WriteFile(volume, name string, r io.Reader, mode fs.FileMode, modTime time.Time) error
	// Symlink makes name on volume a symbolic link to link, a relative
	// slash-separated path that stays on the volume.
	Symlink(volume, name, link string) error
}

// DirTarget is a Target in a directory of the local file system: the
// files of volume V go under Dir, in a directory named after V (its drive
// letter for `C:\`, "C"), or straight into Dir when Flat is set (for a
// backup of one volume). Every access goes through os.Root, which refuses
// any path, symbolic link included, that leads out of Dir.
type DirTarget struct {
	Dir  string
	Flat bool

	mu   sync.Mutex
	root *os.Root
}

// NewDirTarget returns a DirTarget for dir, which must exist.
func NewDirTarget(dir string, flat bool) (*DirTarget, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	return &DirTarget{Dir: dir, Flat: flat, root: root}, nil
}

// Close releases the directory.
func (t *DirTarget) Close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.root == nil {
		return nil
	}
	err := t.root.Close()
	t.root = nil
	return err
}

// VolumeDir returns the directory, relative to Dir, that holds volume's
// files: "" when Flat, else the volume's drive letter, or its name with
// every character other than a letter, digit, '-' or '_' made '_'.
func (t *DirTarget) VolumeDir(volume string) string {
	if t.Flat {
		return ""
	}
	v := strings.TrimRight(volume, `\/`)
	v = strings.TrimSuffix(v, ":")
	var b strings.Builder
	for _, r := range v {
		if r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "_"
	}
	return b.String()
}

// at returns the path of name on volume relative to Dir, refusing a name
// that is not a valid relative path.
func (t *DirTarget) at(volume, name string) (string, error) {
	if t.root == nil {
		return "", errors.New("requestor: the DirTarget is closed")
	}
	if !fs.ValidPath(name) {
		return "", fmt.Errorf("requestor: %q is not a path inside the restore target", name)
	}
	return path.Join(t.VolumeDir(volume), name), nil
}

// parent makes the directory that holds p.
func (t *DirTarget) parent(p string) error {
	if dir := path.Dir(p); dir != "." {
		return t.root.MkdirAll(dir, 0o755)
	}
	return nil
}

// Exists implements Target.
func (t *DirTarget) Exists(volume, name string) (bool, error) {
	p, err := t.at(volume, name)
	if err != nil {
		return false, err
	}
	_, err = t.root.Lstat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

// MkdirAll implements Target.
func (t *DirTarget) MkdirAll(volume, name string) error {
	p, err := t.at(volume, name)
	if err != nil {
		return err
	}
	return t.root.MkdirAll(p, 0o755)
}

// WriteFile implements Target: the content goes to a temporary file in
// the same directory, renamed over name once r has been read to its end.
func (t *DirTarget) WriteFile(volume, name string, r io.Reader, mode fs.FileMode, modTime time.Time) error {
	p, err := t.at(volume, name)
	if err != nil {
		return err
	}
	if err := t.parent(p); err != nil {
		return err
	}
	tmp := path.Join(path.Dir(p), "."+path.Base(p)+".vss-restore")
	perm := mode.Perm()
	if perm == 0 {
		perm = 0o644
	}
	f, err := t.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return err
	}
	_, err = io.Copy(f, r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && !modTime.IsZero() {
		err = t.root.Chtimes(tmp, modTime, modTime)
	}
	if err == nil {
		err = t.root.Rename(tmp, p)
	}
	if err != nil {
		_ = t.root.Remove(tmp)
		return err
	}
	return nil
}

// Symlink implements Target.
func (t *DirTarget) Symlink(volume, name, link string) error {
	p, err := t.at(volume, name)
	if err != nil {
		return err
	}
	if err := t.parent(p); err != nil {
		return err
	}
	_ = t.root.Remove(p) // a link replaces what was there
	return t.root.Symlink(link, p)
}
