package main

import (
	"errors"
	"io"
	"io/fs"
	"strings"
	"time"

	"github.com/vsskit/vss/requestor"
)

// rootTarget restores each volume's files at the root of that volume
// (-restore-in-place): a requestor.DirTarget over the volume's root
// directory, opened at its first use, which refuses any path leading
// out of it, links included (os.Root).
type rootTarget struct {
	dirs map[string]*requestor.DirTarget // by volume, upper case
}

func (t *rootTarget) dir(volume string) (*requestor.DirTarget, error) {
	key := strings.ToUpper(volume)
	if d := t.dirs[key]; d != nil {
		return d, nil
	}
	d, err := requestor.NewDirTarget(volume, true)
	if err != nil {
		return nil, err
	}
	t.dirs[key] = d
	return d, nil
}

// Exists implements requestor.Target.
func (t *rootTarget) Exists(volume, name string) (bool, error) {
	d, err := t.dir(volume)
	if err != nil {
		return false, err
	}
	return d.Exists(volume, name)
}

// MkdirAll implements requestor.Target.
func (t *rootTarget) MkdirAll(volume, name string) error {
	d, err := t.dir(volume)
	if err != nil {
		return err
	}
	return d.MkdirAll(volume, name)
}

// WriteFile implements requestor.Target.
func (t *rootTarget) WriteFile(volume, name string, r io.Reader, mode fs.FileMode, modTime time.Time) error {
	d, err := t.dir(volume)
	if err != nil {
		return err
	}
	return d.WriteFile(volume, name, r, mode, modTime)
}

// Symlink implements requestor.Target.
func (t *rootTarget) Symlink(volume, name, link string) error {
	d, err := t.dir(volume)
	if err != nil {
		return err
	}
	return d.Symlink(volume, name, link)
}

// Close closes the volumes' directories; the agent calls it when the
// session ends.
func (t *rootTarget) Close() error {
	var errs []error
	for _, d := range t.dirs {
		errs = append(errs, d.Close())
	}
	return errors.Join(errs...)
}
