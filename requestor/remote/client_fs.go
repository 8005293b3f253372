package remote

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"sync/atomic"
	"time"
)

// FS is a shadow copy on the agent, read over the wire: what
// Session.SnapshotFS returns. It implements fs.StatFS and fs.ReadDirFS.
// Open asks the agent for the file's information; a file's contents are
// streamed as they are read, from the offset Read or Seek is at, and
// ReadAt asks for exactly the range it reads (HTTP Range), so a file is
// never held whole in memory. The agent checks every path (see
// ErrPathRefused). Reads end when the session is closed.
type FS struct {
	s    *Session
	snap string // /snapshots/ID
}

// url returns the endpoint of op (stat, dir, file) for name.
func (f *FS) url(op, name string) string {
	return f.s.path + f.snap + "/" + op + "?path=" + url.QueryEscape(name)
}

// get sends a GET for name and returns the answer, or the agent's error
// as an *fs.PathError of op.
func (f *FS) get(op, endpoint, name string, hdr http.Header) (*http.Response, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: op, Path: name, Err: fs.ErrInvalid}
	}
	return f.s.fileRequest(http.MethodGet, op, name, f.url(endpoint, name), hdr, nil)
}

// fileRequest sends a request about file name (a read of a shadow copy, a
// write to the restore target) within the session and returns the
// answer, or the agent's error as an *fs.PathError of op.
func (s *Session) fileRequest(method, op, name, path string, hdr http.Header, body io.Reader) (*http.Response, error) {
	resp, err := s.c.sendBody(s.ctx, method, path, hdr, body)
	if err != nil {
		if s.ctx.Err() != nil {
			err = fs.ErrClosed
		}
		return nil, &fs.PathError{Op: op, Path: name, Err: err}
	}
	if resp.StatusCode >= 300 {
		defer resp.Body.Close()
		return nil, readPathError(op, name, resp)
	}
	return resp, nil
}

// readPathError rebuilds the agent's refusal of a file operation as an
// *fs.PathError of op on name.
func readPathError(op, name string, resp *http.Response) error {
	we, err := readWireError(resp)
	if err != nil {
		return &fs.PathError{Op: op, Path: name, Err: err}
	}
	if we.Code != 0 {
		return &fs.PathError{Op: op, Path: name, Err: we.decode()}
	}
	cause := we.decode().(*remoteCause)
	if we.Detail != "" {
		cause.msg = we.Detail
	}
	return &fs.PathError{Op: op, Path: name, Err: cause}
}

// getJSON sends a GET for name and decodes its JSON answer into v.
func (f *FS) getJSON(op, endpoint, name string, v any) error {
	resp, err := f.get(op, endpoint, name, nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return &fs.PathError{Op: op, Path: name, Err: fmt.Errorf("%w: %v", ErrProtocol, err)}
	}
	return nil
}

// Open implements fs.FS.
func (f *FS) Open(name string) (fs.File, error) {
	var fi fileInfo
	if err := f.getJSON("open", "stat", name, &fi); err != nil {
		return nil, err
	}
	if fi.Mode.IsDir() {
		return &dir{fsys: f, name: name, info: fi}, nil
	}
	return &file{fsys: f, name: name, info: fi}, nil
}

// Stat implements fs.StatFS.
func (f *FS) Stat(name string) (fs.FileInfo, error) {
	var fi fileInfo
	if err := f.getJSON("stat", "stat", name, &fi); err != nil {
		return nil, err
	}
	return info(fi), nil
}

// ReadDir implements fs.ReadDirFS: the directory's entries, sorted by
// name.
func (f *FS) ReadDir(name string) ([]fs.DirEntry, error) {
	var list []fileInfo
	if err := f.getJSON("readdir", "dir", name, &list); err != nil {
		return nil, err
	}
	out := make([]fs.DirEntry, len(list))
	for i, fi := range list {
		out[i] = fs.FileInfoToDirEntry(info(fi))
	}
	return out, nil
}

// info is a fileInfo as an fs.FileInfo.
func info(fi fileInfo) fs.FileInfo { return wireInfo{fi} }

type wireInfo struct{ fi fileInfo }

func (i wireInfo) Name() string       { return i.fi.Name }
func (i wireInfo) Size() int64        { return i.fi.Size }
func (i wireInfo) Mode() fs.FileMode  { return i.fi.Mode }
func (i wireInfo) ModTime() time.Time { return i.fi.ModTime }
func (i wireInfo) IsDir() bool        { return i.fi.Mode.IsDir() }
func (i wireInfo) Sys() any           { return nil }

// file is a regular file of an FS. Read streams from the offset; ReadAt
// reads a range; both read on the agent as they go.
type file struct {
	fsys    *FS
	name    string
	info    fileInfo
	off     int64         // where Read reads next
	body    io.ReadCloser // the stream Read reads, at bodyOff
	bodyOff int64
	closed  atomic.Bool
}

func (f *file) Stat() (fs.FileInfo, error) { return info(f.info), nil }

// open asks for the file from off to end (exclusive; -1 for its end).
func (f *file) open(op string, off, end int64) (io.ReadCloser, error) {
	hdr := http.Header{}
	if end < 0 {
		hdr.Set("Range", "bytes="+strconv.FormatInt(off, 10)+"-")
	} else {
		hdr.Set("Range", "bytes="+strconv.FormatInt(off, 10)+"-"+strconv.FormatInt(end-1, 10))
	}
	resp, err := f.fsys.get(op, "file", f.name, hdr)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusPartialContent {
		resp.Body.Close()
		return nil, &fs.PathError{Op: op, Path: f.name, Err: fmt.Errorf("%w: HTTP %s to a range", ErrProtocol, resp.Status)}
	}
	return resp.Body, nil
}

func (f *file) Read(p []byte) (int, error) {
	if f.closed.Load() {
		return 0, &fs.PathError{Op: "read", Path: f.name, Err: fs.ErrClosed}
	}
	if f.off >= f.info.Size {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	if f.body == nil || f.bodyOff != f.off {
		f.drop()
		body, err := f.open("read", f.off, -1)
		if err != nil {
			return 0, err
		}
		f.body, f.bodyOff = body, f.off
	}
	n, err := f.body.Read(p[:min(int64(len(p)), f.info.Size-f.off)])
	f.off += int64(n)
	f.bodyOff += int64(n)
	if err == io.EOF {
		f.drop()
		if f.off < f.info.Size {
			return n, &fs.PathError{Op: "read", Path: f.name, Err: io.ErrUnexpectedEOF}
		}
		err = nil
	}
	if err != nil {
		f.drop()
		if f.fsys.s.ctx.Err() != nil {
			err = fs.ErrClosed
		}
		return n, &fs.PathError{Op: "read", Path: f.name, Err: err}
	}
	return n, nil
}

// ReadAt implements io.ReaderAt: one ranged request per call. Calls may
// run concurrently.
func (f *file) ReadAt(p []byte, off int64) (int, error) {
	if f.closed.Load() {
		return 0, &fs.PathError{Op: "read", Path: f.name, Err: fs.ErrClosed}
	}
	if off < 0 {
		return 0, &fs.PathError{Op: "read", Path: f.name, Err: fs.ErrInvalid}
	}
	if off >= f.info.Size {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	end := min(off+int64(len(p)), f.info.Size)
	body, err := f.open("read", off, end)
	if err != nil {
		return 0, err
	}
	defer body.Close()
	n, err := io.ReadFull(body, p[:end-off])
	if err != nil {
		return n, &fs.PathError{Op: "read", Path: f.name, Err: err}
	}
	if end < off+int64(len(p)) {
		return n, io.EOF
	}
	return n, nil
}

// Seek implements io.Seeker; the next Read reads from the new offset.
func (f *file) Seek(offset int64, whence int) (int64, error) {
	if f.closed.Load() {
		return 0, &fs.PathError{Op: "seek", Path: f.name, Err: fs.ErrClosed}
	}
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += f.off
	case io.SeekEnd:
		offset += f.info.Size
	default:
		return 0, &fs.PathError{Op: "seek", Path: f.name, Err: fs.ErrInvalid}
	}
	if offset < 0 {
		return 0, &fs.PathError{Op: "seek", Path: f.name, Err: fs.ErrInvalid}
	}
	f.off = offset
	return offset, nil
}

func (f *file) drop() {
	if f.body != nil {
		f.body.Close()
		f.body = nil
	}
}

func (f *file) Close() error {
	if f.closed.Swap(true) {
		return &fs.PathError{Op: "close", Path: f.name, Err: fs.ErrClosed}
	}
	f.drop()
	return nil
}

// dir is a directory of an FS; its entries are fetched at the first
// ReadDir.
type dir struct {
	fsys    *FS
	name    string
	info    fileInfo
	entries []fs.DirEntry
	read    bool
	closed  bool
}

func (d *dir) Stat() (fs.FileInfo, error) { return info(d.info), nil }

func (d *dir) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.name, Err: errors.New("is a directory")}
}

func (d *dir) Close() error {
	if d.closed {
		return &fs.PathError{Op: "close", Path: d.name, Err: fs.ErrClosed}
	}
	d.closed = true
	return nil
}

// ReadDir implements fs.ReadDirFile.
func (d *dir) ReadDir(n int) ([]fs.DirEntry, error) {
	if d.closed {
		return nil, &fs.PathError{Op: "readdir", Path: d.name, Err: fs.ErrClosed}
	}
	if !d.read {
		es, err := d.fsys.ReadDir(d.name)
		if err != nil {
			return nil, err
		}
		d.entries, d.read = es, true
	}
	if n <= 0 {
		out := d.entries
		d.entries = nil
		return out, nil
	}
	if len(d.entries) == 0 {
		return nil, io.EOF
	}
	n = min(n, len(d.entries))
	out := d.entries[:n:n]
	d.entries = d.entries[n:]
	return out, nil
}
