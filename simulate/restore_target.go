package simulate

import (
	"errors"
	"io"
	"io/fs"
	"path"
	"strings"
	"time"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/requestor"
)

// VolumeTarget is a requestor.Target over simulated volumes: Restore puts
// the files of volume V back on the Volume of that name (letter case and
// a trailing backslash aside), for example a fresh volume standing for
// the disk a backup is restored onto. A file is written under a
// temporary name and renamed over its place once its content was read
// whole, so a stored file that fails its check leaves nothing behind.
// Simulated volumes have no symbolic links: Symlink fails with
// vss.ErrNotSupported, and so does a volume the target does not hold.
type VolumeTarget struct {
	vols []*Volume
	buf  []byte // WriteFile's, kept from file to file
}

// NewVolumeTarget returns a target over vols.
func NewVolumeTarget(vols ...*Volume) *VolumeTarget { return &VolumeTarget{vols: vols} }

var _ requestor.Target = (*VolumeTarget)(nil)

// volume returns the volume named name.
func (t *VolumeTarget) volume(name string) (*Volume, error) {
	for _, v := range t.vols {
		if strings.EqualFold(strings.TrimRight(v.Name(), `\/`), strings.TrimRight(name, `\/`)) {
			return v, nil
		}
	}
	return nil, vss.Errorf(vss.ErrNotSupported, "restore", "the simulated restore target has no volume %s", name)
}

// Exists implements requestor.Target.
func (t *VolumeTarget) Exists(volume, name string) (bool, error) {
	v, err := t.volume(volume)
	if err != nil {
		return false, err
	}
	_, err = fs.Stat(v.FS(), name)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

// MkdirAll implements requestor.Target.
func (t *VolumeTarget) MkdirAll(volume, name string) error {
	v, err := t.volume(volume)
	if err != nil {
		return err
	}
	return v.MkdirAll(name)
}

// restoreChunk is how much of a file VolumeTarget writes at once.
const restoreChunk = 64 << 10

// WriteFile implements requestor.Target; the file's mode and time are
// not kept (a simulated volume has none of its own to give).
func (t *VolumeTarget) WriteFile(volume, name string, r io.Reader, _ fs.FileMode, _ time.Time) error {
	v, err := t.volume(volume)
	if err != nil {
		return err
	}
	if !fs.ValidPath(name) || name == "." {
		return &fs.PathError{Op: "restore", Path: name, Err: fs.ErrInvalid}
	}
	if dir := path.Dir(name); dir != "." {
		if err := v.MkdirAll(dir); err != nil {
			return err
		}
	}
	tmp := path.Join(path.Dir(name), "."+path.Base(name)+".vss-restore")
	if err := v.WriteFile(tmp, nil); err != nil {
		return err
	}
	if t.buf == nil {
		t.buf = make([]byte, restoreChunk)
	}
	buf := t.buf
	var off int64
	for {
		n, rerr := io.ReadFull(r, buf)
		if n > 0 {
			if err := v.WriteAt(tmp, off, buf[:n]); err != nil {
				_ = v.Remove(tmp)
				return err
			}
			off += int64(n)
		}
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			break
		}
		if rerr != nil {
			_ = v.Remove(tmp)
			return rerr
		}
	}
	return v.Rename(tmp, name)
}

// Symlink implements requestor.Target: simulated volumes hold no links.
func (t *VolumeTarget) Symlink(volume, name, link string) error {
	return vss.Errorf(vss.ErrNotSupported, "restore", "%s: a simulated volume holds no symbolic link", name)
}
