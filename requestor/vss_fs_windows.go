//go:build windows && (amd64 || arm64)

package requestor

import (
	"io/fs"
	"os"
	"strings"
)

// deviceFS reads a shadow copy through its device object, for example
// \\?\GLOBALROOT\Device\HarddiskVolumeShadowCopy12\ (kept with its trailing
// backslash, which names the root directory rather than the device).
// os.DirFS would open the root as `...ShadowCopy12\.`, and in a \\?\ path
// Windows does not resolve ".", so the root is mapped here by hand. Files
// are opened by os.Open, which asks for backup semantics: with
// SeBackupPrivilege, files whose ACLs deny the user are read too.
type deviceFS string

func newDeviceFS(device string) deviceFS { return deviceFS(volumeName(device)) }

// path maps a slash-separated fs.FS name to a path under the device,
// refusing names that would leave it.
func (d deviceFS) path(op, name string) (string, error) {
	if !fs.ValidPath(name) || strings.ContainsAny(name, `\:`) {
		return "", &fs.PathError{Op: op, Path: name, Err: fs.ErrInvalid}
	}
	if name == "." {
		return string(d), nil
	}
	return string(d) + strings.ReplaceAll(name, "/", `\`), nil
}

// Open implements fs.FS.
func (d deviceFS) Open(name string) (fs.File, error) {
	p, err := d.path("open", name)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: unwrapPath(err)}
	}
	return f, nil
}

// Stat implements fs.StatFS.
func (d deviceFS) Stat(name string) (fs.FileInfo, error) {
	p, err := d.path("stat", name)
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(p)
	if err != nil {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: unwrapPath(err)}
	}
	return fi, nil
}

// ReadDir implements fs.ReadDirFS.
func (d deviceFS) ReadDir(name string) ([]fs.DirEntry, error) {
	p, err := d.path("readdir", name)
	if err != nil {
		return nil, err
	}
	es, err := os.ReadDir(p)
	if err != nil {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: unwrapPath(err)}
	}
	return es, nil
}

// ReadFile implements fs.ReadFileFS.
func (d deviceFS) ReadFile(name string) ([]byte, error) {
	p, err := d.path("readfile", name)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, &fs.PathError{Op: "readfile", Path: name, Err: unwrapPath(err)}
	}
	return b, nil
}

// unwrapPath drops the os layer's *PathError, whose path is the device
// path, so that errors name the file as the caller did.
func unwrapPath(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err
	}
	return err
}
