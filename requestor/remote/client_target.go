package remote

import (
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/requestor"
)

// AgentTarget is the requestor.Target on the agent's machine: what
// Session.Target returns, where requestor.Restore run over the remote
// Session puts files back (the agent's AgentConfig.RestoreTarget). Each
// call is a request to the agent, which checks the volume and path as it
// checks a read's (ErrPathRefused: no .., no absolute path, no device or
// stream name; a link's target must stay on its volume) and refuses a
// file over its AgentConfig.MaxRestoreFile (ErrTooLarge). WriteFile
// streams the file's bytes as it reads them, never holding the file
// whole; when reading them fails the agent sees the body cut short and
// writes nothing at the path. Calls end when the session is closed.
type AgentTarget struct{ s *Session }

var _ requestor.Target = (*AgentTarget)(nil)

// Target returns the restore target of the session on the agent. When
// the agent has none for the session (Has(CapRestoreTarget) is false),
// its calls fail with vss.ErrNotSupported.
func (s *Session) Target() *AgentTarget { return &AgentTarget{s: s} }

// request sends a target request and returns the answer, or the agent's
// refusal as an *fs.PathError.
func (t *AgentTarget) request(method, endpoint, volume, name string, q url.Values, body io.Reader) (*http.Response, error) {
	op := endpoint
	if op == "file" {
		op = "write"
	}
	if !t.s.Has(CapRestoreTarget) {
		return nil, vss.Errorf(vss.ErrNotSupported, "restore", "the agent has no restore target for this session")
	}
	if q == nil {
		q = url.Values{}
	}
	q.Set("volume", volume)
	q.Set("path", name)
	return t.s.fileRequest(method, op, name, t.s.path+"/target/"+endpoint+"?"+q.Encode(), nil, body)
}

// done reads the rest of an answer and closes it.
func done(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
}

// Exists implements requestor.Target.
func (t *AgentTarget) Exists(volume, name string) (bool, error) {
	resp, err := t.request(http.MethodGet, "exists", volume, name, nil, nil)
	if err != nil {
		return false, err
	}
	defer done(resp)
	var ans struct {
		Exists bool `json:"exists"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&ans); err != nil {
		return false, &fs.PathError{Op: "exists", Path: name, Err: fmt.Errorf("%w: %v", ErrProtocol, err)}
	}
	return ans.Exists, nil
}

// MkdirAll implements requestor.Target.
func (t *AgentTarget) MkdirAll(volume, name string) error {
	resp, err := t.request(http.MethodPost, "mkdir", volume, name, nil, nil)
	if err == nil {
		done(resp)
	}
	return err
}

// WriteFile implements requestor.Target: r's bytes stream to the agent
// as they are read (chunked), never held whole.
func (t *AgentTarget) WriteFile(volume, name string, r io.Reader, mode fs.FileMode, modTime time.Time) error {
	q := url.Values{"mode": {strconv.FormatUint(uint64(mode.Perm()), 8)}}
	if !modTime.IsZero() {
		q.Set("mtime", modTime.Format(time.RFC3339Nano))
	}
	resp, err := t.request(http.MethodPut, "file", volume, name, q, readerOnly{r})
	if err == nil {
		done(resp)
	}
	return err
}

// Symlink implements requestor.Target.
func (t *AgentTarget) Symlink(volume, name, link string) error {
	resp, err := t.request(http.MethodPost, "symlink", volume, name, url.Values{"link": {link}}, nil)
	if err == nil {
		done(resp)
	}
	return err
}

// readerOnly hides everything of a reader but Read, so that its length
// is unknown and the request body streams.
type readerOnly struct{ r io.Reader }

func (o readerOnly) Read(p []byte) (int, error) { return o.r.Read(p) }
