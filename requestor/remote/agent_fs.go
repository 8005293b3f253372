package remote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vsskit/vss"
)

// ErrPathRefused means the agent refused to read a path because it could
// lead out of the shadow copy: it is not a valid fs.FS path (.., an
// absolute path, an empty element), it names a device, a stream or
// another volume the way Windows reads names (\, :, CON, NUL, COM1...),
// or one of its elements is a link or another special file. It crosses the
// wire inside an *fs.PathError that also matches fs.ErrPermission.
var ErrPathRefused = errors.New("path refused: it could lead out of the shadow copy")

// checkedCap bounds how many checked paths a snapshot remembers; past it
// the memory starts again.
const checkedCap = 1 << 16

// snapshotFS is a shadow copy's contents as the agent serves them: every
// path is checked before it is read (checkPath), and the paths found good
// are remembered, as a shadow copy does not change.
type snapshotFS struct {
	fsys    fs.FS
	mu      sync.Mutex
	checked map[string]bool // path -> is a directory
}

func newSnapshotFS(fsys fs.FS) *snapshotFS {
	return &snapshotFS{fsys: fsys, checked: map[string]bool{}}
}

// refuse returns the error of a refused path.
func refuse(op, name, why string) error {
	return &fs.PathError{Op: op, Path: name, Err: fmt.Errorf("%w: %s (%w)", ErrPathRefused, why, fs.ErrPermission)}
}

// validName checks name as a path inside the shadow copy: a valid fs.FS
// path, none of whose elements Windows would read as a device, a stream,
// a drive or a separator.
func validName(op, name string) error {
	if !fs.ValidPath(name) {
		return refuse(op, name, "not a relative path inside the volume")
	}
	if name == "." {
		return nil
	}
	for elem := range strings.SplitSeq(name, "/") {
		if strings.ContainsAny(elem, "\\:*?\"<>|") {
			return refuse(op, name, "a name with \\ : * ? \" < > or |")
		}
		for _, c := range elem {
			if c < ' ' {
				return refuse(op, name, "a name with a control character")
			}
		}
		if strings.HasSuffix(elem, ".") || strings.HasSuffix(elem, " ") {
			return refuse(op, name, "a name ending in a dot or a space")
		}
		if isDeviceName(elem) {
			return refuse(op, name, "a Windows device name")
		}
	}
	return nil
}

// isDeviceName reports whether Windows reads elem as a device (CON,
// PRN, AUX, NUL, COM1-9, LPT1-9, with any extension).
func isDeviceName(elem string) bool {
	base, _, _ := strings.Cut(elem, ".")
	base = strings.ToUpper(strings.TrimRight(base, " "))
	switch base {
	case "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", "CLOCK$":
		return true
	}
	if len(base) >= 4 && (strings.HasPrefix(base, "COM") || strings.HasPrefix(base, "LPT")) {
		switch base[3:] {
		case "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "¹", "²", "³":
			return true
		}
	}
	return false
}

// check refuses a path that could lead out of the shadow copy: an invalid
// name (validName), or one whose elements are not all directories, the
// last a directory or a regular file: a link (symbolic link, junction,
// other reparse point), device or pipe is never followed. An element that
// does not exist is fs.ErrNotExist. Elements are examined with Lstat when
// the file system has it (fs.ReadLinkFS, as os.DirFS), otherwise through
// their directory's listing, whose entries give the type of the entry
// itself.
func (sf *snapshotFS) check(op, name string) error {
	if err := validName(op, name); err != nil {
		return err
	}
	if name == "." {
		return nil
	}
	elems := strings.Split(name, "/")
	for i := range elems {
		p := strings.Join(elems[:i+1], "/")
		sf.mu.Lock()
		isDir, ok := sf.checked[p]
		sf.mu.Unlock()
		if !ok {
			mode, err := sf.lmode(p)
			if err != nil {
				return &fs.PathError{Op: op, Path: name, Err: unwrapPathError(err)}
			}
			if !mode.IsDir() && !mode.IsRegular() {
				return refuse(op, name, fmt.Sprintf("%s is not a directory or a regular file (%v)", p, mode.Type()))
			}
			isDir = mode.IsDir()
			sf.mu.Lock()
			if len(sf.checked) >= checkedCap {
				clear(sf.checked)
			}
			sf.checked[p] = isDir
			sf.mu.Unlock()
		}
		if !isDir && i < len(elems)-1 {
			return &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
		}
	}
	return nil
}

// lmode returns the type of the file p names, not following a link.
func (sf *snapshotFS) lmode(p string) (fs.FileMode, error) {
	if l, ok := sf.fsys.(fs.ReadLinkFS); ok {
		fi, err := l.Lstat(p)
		if err != nil {
			return 0, err
		}
		return fi.Mode(), nil
	}
	entries, err := fs.ReadDir(sf.fsys, path.Dir(p))
	if err != nil {
		return 0, err
	}
	base := path.Base(p)
	for _, e := range entries {
		if e.Name() == base {
			return e.Type(), nil
		}
	}
	return 0, fs.ErrNotExist
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// snapshot returns the shadow copy the path names, which the client
// opened with SnapshotFS; it answers the error itself when there is none.
func (s *agentSession) snapshot(w http.ResponseWriter, r *http.Request) (*snapshotFS, string, bool) {
	id, err := vss.ParseID(r.PathValue("snap"))
	if err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("%w: snapshot ID: %v", ErrProtocol, err))
		return nil, "", false
	}
	s.mu.Lock()
	sf := s.snapshots[id]
	s.mu.Unlock()
	if sf == nil {
		writeError(w, http.StatusNotFound, vss.Errorf(vss.ErrObjectNotFound, "SnapshotFS", "shadow copy %v was not opened with SnapshotFS in this session", id))
		return nil, "", false
	}
	return sf, r.URL.Query().Get("path"), true
}

// fsStatus is the HTTP status of a file system error.
func fsStatus(err error) int {
	switch {
	case errors.Is(err, ErrPathRefused), errors.Is(err, fs.ErrPermission):
		return http.StatusForbidden
	case errors.Is(err, fs.ErrNotExist):
		return http.StatusNotFound
	case errors.Is(err, fs.ErrInvalid):
		return http.StatusBadRequest
	}
	return http.StatusUnprocessableEntity
}

// stat answers the FileInfo of a file or directory: GET
// .../snapshots/{snap}/stat?path=P.
func (a *Agent) stat(w http.ResponseWriter, r *http.Request, s *agentSession) {
	sf, name, ok := s.snapshot(w, r)
	if !ok {
		return
	}
	if err := sf.check("stat", name); err != nil {
		writeError(w, fsStatus(err), err)
		return
	}
	fi, err := fs.Stat(sf.fsys, name)
	if err != nil {
		writeError(w, fsStatus(err), err)
		return
	}
	writeJSON(w, http.StatusOK, toFileInfo(fi))
}

// readDir answers a directory's entries, sorted by name: GET
// .../snapshots/{snap}/dir?path=P.
func (a *Agent) readDir(w http.ResponseWriter, r *http.Request, s *agentSession) {
	sf, name, ok := s.snapshot(w, r)
	if !ok {
		return
	}
	if err := sf.check("readdir", name); err != nil {
		writeError(w, fsStatus(err), err)
		return
	}
	entries, err := fs.ReadDir(sf.fsys, name)
	if err != nil {
		writeError(w, fsStatus(err), err)
		return
	}
	out := make([]fileInfo, 0, len(entries))
	for _, e := range entries {
		fi, err := e.Info()
		if err != nil {
			writeError(w, fsStatus(err), &fs.PathError{Op: "readdir", Path: path.Join(name, e.Name()), Err: unwrapPathError(err)})
			return
		}
		out = append(out, toFileInfo(fi))
	}
	writeJSON(w, http.StatusOK, out)
}

// copyBuffers are the buffers readFile streams through: 64 KiB, four
// TLS records.
var copyBuffers = sync.Pool{New: func() any { b := make([]byte, 64<<10); return &b }}

// readFile streams a regular file, or the byte range the Range header
// asks for (one range: bytes=A-B or bytes=A-): GET
// .../snapshots/{snap}/file?path=P. The file is read as it is sent,
// never whole into memory.
func (a *Agent) readFile(w http.ResponseWriter, r *http.Request, s *agentSession) {
	sf, name, ok := s.snapshot(w, r)
	if !ok {
		return
	}
	if err := sf.check("open", name); err != nil {
		writeError(w, fsStatus(err), err)
		return
	}
	f, err := sf.fsys.Open(name)
	if err != nil {
		writeError(w, fsStatus(err), err)
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		writeError(w, fsStatus(err), err)
		return
	}
	if !fi.Mode().IsRegular() {
		writeError(w, http.StatusBadRequest, &fs.PathError{Op: "read", Path: name, Err: fmt.Errorf("not a regular file (%w)", fs.ErrInvalid)})
		return
	}
	size := fi.Size()
	start, n, partial, err := parseRange(r.Header.Get("Range"), size)
	if err != nil {
		w.Header().Set("Content-Range", "bytes */"+strconv.FormatInt(size, 10))
		writeError(w, http.StatusRequestedRangeNotSatisfiable, &fs.PathError{Op: "read", Path: name, Err: err})
		return
	}
	src, err := seekTo(f, start)
	if err != nil {
		writeError(w, fsStatus(err), &fs.PathError{Op: "read", Path: name, Err: unwrapPathError(err)})
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Length", strconv.FormatInt(n, 10))
	h.Set("Accept-Ranges", "bytes")
	status := http.StatusOK
	if partial {
		h.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", start, start+n-1, size))
		status = http.StatusPartialContent
	}
	w.WriteHeader(status)
	// When the session ends, a client that stopped reading must not hold
	// the stream, and the session's end, for as long as TCP takes to
	// give up: the write deadline passes at once.
	rc := http.NewResponseController(w)
	defer context.AfterFunc(s.ctx, func() { _ = rc.SetWriteDeadline(time.Now()) })()
	buf := copyBuffers.Get().(*[]byte)
	defer copyBuffers.Put(buf)
	// The response cannot carry an error once started: a failed read
	// cuts it short, which the client sees as a short body.
	_, _ = io.CopyBuffer(onlyWriter{w}, &ctxReader{ctx: s.ctx, r: io.LimitReader(src, n)}, *buf)
}

// onlyWriter hides the ResponseWriter's ReadFrom, so that CopyBuffer uses
// the pooled buffer.
type onlyWriter struct{ w io.Writer }

func (o onlyWriter) Write(p []byte) (int, error) { return o.w.Write(p) }

// ctxReader stops a read when ctx ends (the session ended).
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// parseRange reads a Range header of one range against a file of size
// bytes: where to start, how many bytes, and whether it was a range at
// all. A missing header is the whole file.
func parseRange(h string, size int64) (start, n int64, partial bool, err error) {
	if h == "" || size == 0 {
		return 0, size, false, nil
	}
	spec, ok := strings.CutPrefix(h, "bytes=")
	if !ok || strings.Contains(spec, ",") {
		return 0, 0, false, fmt.Errorf("range %q: one byte range is supported (%w)", h, fs.ErrInvalid)
	}
	first, last, ok := strings.Cut(spec, "-")
	if !ok || first == "" {
		return 0, 0, false, fmt.Errorf("range %q: a start offset is required (%w)", h, fs.ErrInvalid)
	}
	start, err = strconv.ParseInt(first, 10, 64)
	if err != nil || start < 0 || start >= size && size > 0 || start > size {
		return 0, 0, false, fmt.Errorf("range %q outside the file's %d bytes (%w)", h, size, fs.ErrInvalid)
	}
	end := size - 1
	if last != "" {
		if end, err = strconv.ParseInt(last, 10, 64); err != nil || end < start {
			return 0, 0, false, fmt.Errorf("range %q (%w)", h, fs.ErrInvalid)
		}
		end = min(end, size-1)
	}
	return start, end - start + 1, true, nil
}

// seekTo returns a reader of f from offset: through io.ReaderAt or
// io.Seeker when f has one, otherwise by reading past the start.
func seekTo(f fs.File, offset int64) (io.Reader, error) {
	if offset == 0 {
		return f, nil
	}
	if ra, ok := f.(io.ReaderAt); ok {
		return io.NewSectionReader(ra, offset, 1<<62), nil
	}
	if sk, ok := f.(io.Seeker); ok {
		_, err := sk.Seek(offset, io.SeekStart)
		return f, err
	}
	if _, err := io.CopyN(io.Discard, f, offset); err != nil {
		return nil, err
	}
	return f, nil
}
