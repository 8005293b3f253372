package remote

import (
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
	"github.com/vsskit/vss/requestor"
)

// DefaultMaxRestoreFile bounds the size of one file a client restores
// through the agent (AgentConfig.MaxRestoreFile): 64 GiB. Microsoft
// documents no such figure; it is this library's choice, a bound on what
// one request may write.
const DefaultMaxRestoreFile int64 = 64 << 30

// agentTarget is the place a session's restore writes to on the agent
// (AgentConfig.RestoreTarget): every name is checked as a read's is, and
// the Target's calls are made one at a time, as its contract asks.
type agentTarget struct {
	mu sync.Mutex
	t  requestor.Target
}

// targetVolume checks the volume a target call names: a volume name as
// Windows or the simulator prints it (C:\, \\?\Volume{GUID}\), which the
// Target itself then looks up.
func targetVolume(op, volume string) error {
	if volume == "" || len(volume) > 1024 {
		return &fs.PathError{Op: op, Path: volume, Err: fmt.Errorf("%w: no volume, or a name too long (%w)", ErrPathRefused, fs.ErrInvalid)}
	}
	for _, c := range volume {
		if c < ' ' {
			return refuse(op, volume, "a volume name with a control character")
		}
	}
	return nil
}

// checkLink refuses a symbolic link's target that is not a relative,
// slash-separated path staying on its volume once resolved from the
// link's directory.
func checkLink(name, link string) error {
	if link == "" || path.IsAbs(link) || strings.ContainsAny(link, "\\:") {
		return refuse("symlink", name, "a link that is not a relative slash-separated path")
	}
	to := path.Join(path.Dir(name), link)
	if to == ".." || strings.HasPrefix(to, "../") {
		return refuse("symlink", name, "a link leading off its volume")
	}
	return validName("symlink", to)
}

// target returns the session's target and the volume and path a target
// request names, both checked; it answers the error itself when they
// are refused.
func (s *agentSession) targetRequest(w http.ResponseWriter, r *http.Request, op string) (*agentTarget, string, string, bool) {
	if s.target == nil {
		writeError(w, http.StatusNotImplemented, vss.Errorf(vss.ErrNotSupported, "restore", "the agent has no restore target for this session"))
		return nil, "", "", false
	}
	q := r.URL.Query()
	volume, name := q.Get("volume"), q.Get("path")
	err := targetVolume(op, volume)
	if err == nil {
		err = validName(op, name)
	}
	if err == nil && name == "." && op != "exists" && op != "mkdir" {
		err = refuse(op, name, "the volume's root is no file")
	}
	if err != nil {
		writeError(w, fsStatus(err), err)
		return nil, "", "", false
	}
	return s.target, volume, name, true
}

// targetExists answers whether something is at the path: GET
// .../target/exists?volume=V&path=P.
func (a *Agent) targetExists(w http.ResponseWriter, r *http.Request, s *agentSession) {
	t, volume, name, ok := s.targetRequest(w, r, "exists")
	if !ok {
		return
	}
	t.mu.Lock()
	found, err := t.t.Exists(volume, name)
	t.mu.Unlock()
	if err != nil {
		writeError(w, fsStatus(err), err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Exists bool `json:"exists"`
	}{found})
}

// targetMkdir makes a directory and its parents: POST
// .../target/mkdir?volume=V&path=P.
func (a *Agent) targetMkdir(w http.ResponseWriter, r *http.Request, s *agentSession) {
	t, volume, name, ok := s.targetRequest(w, r, "mkdir")
	if !ok {
		return
	}
	t.mu.Lock()
	err := t.t.MkdirAll(volume, name)
	t.mu.Unlock()
	answerTarget(w, err)
}

// targetSymlink makes a symbolic link: POST
// .../target/symlink?volume=V&path=P&link=L.
func (a *Agent) targetSymlink(w http.ResponseWriter, r *http.Request, s *agentSession) {
	t, volume, name, ok := s.targetRequest(w, r, "symlink")
	if !ok {
		return
	}
	if err := checkLink(name, r.URL.Query().Get("link")); err != nil {
		writeError(w, fsStatus(err), err)
		return
	}
	t.mu.Lock()
	err := t.t.Symlink(volume, name, r.URL.Query().Get("link"))
	t.mu.Unlock()
	answerTarget(w, err)
}

// targetWriteFile writes a file from the request's body, streamed to the
// Target as it arrives, never whole in memory: PUT
// .../target/file?volume=V&path=P&mode=M&mtime=T. A body over
// AgentConfig.MaxRestoreFile, or one cut short (the client's read
// failed), fails the write, and the Target leaves nothing at the path.
func (a *Agent) targetWriteFile(w http.ResponseWriter, r *http.Request, s *agentSession) {
	t, volume, name, ok := s.targetRequest(w, r, "write")
	if !ok {
		return
	}
	q := r.URL.Query()
	mode, err := strconv.ParseUint(q.Get("mode"), 8, 32)
	if err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("%w: file mode %q", ErrProtocol, q.Get("mode")))
		return
	}
	var mtime time.Time
	if m := q.Get("mtime"); m != "" {
		if mtime, err = time.Parse(time.RFC3339Nano, m); err != nil {
			writeError(w, http.StatusBadRequest, fmt.Errorf("%w: file time %q", ErrProtocol, m))
			return
		}
	}
	body := &ctxReader{ctx: s.ctx, r: http.MaxBytesReader(w, r.Body, a.cfg.MaxRestoreFile)}
	t.mu.Lock()
	err = t.t.WriteFile(volume, name, body, fs.FileMode(mode)&fs.ModePerm, mtime)
	t.mu.Unlock()
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		writeError(w, http.StatusRequestEntityTooLarge, &fs.PathError{Op: "write", Path: name,
			Err: fmt.Errorf("%w: a file of more than %d bytes", ErrTooLarge, a.cfg.MaxRestoreFile)})
		return
	}
	answerTarget(w, err)
}

// answerTarget answers a target call's error, or 204.
func answerTarget(w http.ResponseWriter, err error) {
	if err != nil {
		writeError(w, fsStatus(err), err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// closeTarget closes the session's target when it is an io.Closer
// (requestor.DirTarget is).
func (s *agentSession) closeTarget() error {
	if s.target == nil {
		return nil
	}
	if c, ok := s.target.t.(io.Closer); ok {
		return c.Close()
	}
	return nil
}
