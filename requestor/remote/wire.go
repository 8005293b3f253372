package remote

import (
	"context"
	"errors"
	"io/fs"
	"time"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/writer"
)

// Header names of the protocol.
const (
	// headerCall numbers a requestor call within its session, so that a
	// client can cancel a call it gave up (see the package documentation).
	headerCall = "Vss-Call"
	// headerTimeout carries the remaining time of the call's context, in
	// milliseconds: the agent applies the same deadline.
	headerTimeout = "Vss-Timeout-Ms"
)

// The capabilities a session may have beyond requestor.Requestor, as the
// agent names them when it opens a session (Session.Capabilities).
const (
	CapRestore      = "restore"       // requestor.Restorer
	CapQuery        = "query"         // requestor.Querier
	CapMetadata     = "metadata-xml"  // requestor.MetadataSaver
	CapWriterChoice = "writer-choice" // requestor.WriterChooser
	CapIncremental  = "incremental"   // requestor.IncrementalBackuper
	CapExclusions   = "exclusions"    // requestor.ExclusionReporter
	// CapRestoreTarget says the agent has somewhere to put restored files
	// for the session (AgentConfig.RestoreTarget): Session.Target writes
	// there.
	CapRestoreTarget = "restore-target"
)

// capabilitiesOf lists the capabilities r has.
func capabilitiesOf(r requestor.Requestor) []string {
	var caps []string
	add := func(ok bool, name string) {
		if ok {
			caps = append(caps, name)
		}
	}
	_, ok := r.(requestor.Restorer)
	add(ok, CapRestore)
	_, ok = r.(requestor.Querier)
	add(ok, CapQuery)
	_, ok = r.(requestor.MetadataSaver)
	add(ok, CapMetadata)
	_, ok = r.(requestor.WriterChooser)
	add(ok, CapWriterChoice)
	_, ok = r.(requestor.IncrementalBackuper)
	add(ok, CapIncremental)
	_, ok = r.(requestor.ExclusionReporter)
	add(ok, CapExclusions)
	return caps
}

// sessionInfo answers POST /v1/sessions.
type sessionInfo struct {
	ID           string   `json:"id"`
	LeaseMillis  int64    `json:"lease_ms"`
	Capabilities []string `json:"capabilities"`
}

// callArgs are the arguments of every requestor call; each call reads the
// fields it takes and ignores the others.
type callArgs struct {
	BCD        string                 `json:"bcd,omitempty"`
	Context    vss.SnapshotContext    `json:"context,omitempty"`
	State      *requestor.BackupState `json:"state,omitempty"`
	Volume     string                 `json:"volume,omitempty"`
	ID         vss.ID                 `json:"id"`
	Provider   vss.ID                 `json:"provider"`
	Instance   vss.ID                 `json:"instance"`
	Class      vss.ID                 `json:"class"`
	Key        writer.ComponentKey    `json:"key"`
	Flag       bool                   `json:"flag,omitempty"` // succeeded, selected, additional
	ObjectType provider.ObjectType    `json:"object_type,omitempty"`
	// IDs are the writer classes or instances of the WriterChooser calls.
	IDs []vss.ID `json:"ids,omitempty"`
	// Text is a stamp (SetPreviousBackupStamp) or options
	// (SetBackupOptions, SetRestoreOptions).
	Text              string                `json:"text,omitempty"`
	SubLogicalPath    string                `json:"sub_logical_path,omitempty"`
	SubName           string                `json:"sub_name,omitempty"`
	Files             *writer.FileSpec      `json:"files,omitempty"` // AddNewTarget, AddAlternativeLocationMapping
	FileRestoreStatus vss.FileRestoreStatus `json:"file_restore_status,omitempty"`
	RestoreType       vss.RestoreType       `json:"restore_type,omitempty"`
}

// callResult is the answer of every requestor call; each call sets the
// fields it returns.
type callResult struct {
	ID        vss.ID                   `json:"id"`
	Documents []string                 `json:"documents,omitempty"`
	Document  string                   `json:"document,omitempty"`
	Writers   []requestor.WriterStatus `json:"writers,omitempty"`
	Snapshot  *provider.Snapshot       `json:"snapshot,omitempty"`
	Snapshots []provider.Snapshot      `json:"snapshots,omitempty"`
	Count     int                      `json:"count,omitempty"`
	// Components are the writers' parts of the document
	// (WriterComponents).
	Components []*requestor.WriterComponents `json:"components,omitempty"`
	Exclusions []requestor.Exclusion         `json:"exclusions,omitempty"`
}

// fileInfo is an fs.FileInfo on the wire (stat, and each entry of a
// directory listing).
type fileInfo struct {
	Name    string      `json:"name"`
	Size    int64       `json:"size"`
	Mode    fs.FileMode `json:"mode"`
	ModTime time.Time   `json:"mtime"`
}

func toFileInfo(fi fs.FileInfo) fileInfo {
	return fileInfo{Name: fi.Name(), Size: fi.Size(), Mode: fi.Mode(), ModTime: fi.ModTime()}
}

// wireError is an error on the wire: the HRESULT it carries, the VSS call
// and detail when it is a *vss.Error, its text, and the other sentinels it
// matches (errors.Is), by name.
type wireError struct {
	Code    vss.HRESULT `json:"hresult,omitempty"`
	Op      string      `json:"op,omitempty"`
	Detail  string      `json:"detail,omitempty"`
	Message string      `json:"message"`
	Is      []string    `json:"is,omitempty"`
}

// Sentinels of the agent, which cross the wire as themselves.
var (
	// ErrUnauthorized means the agent refused the client's credentials
	// (none, a wrong token, a certificate it has not pinned). HTTP 401.
	ErrUnauthorized = errors.New("the agent refused the credentials")
	// ErrSessionBusy means the client already has a session open on the
	// agent: one session per client at a time. HTTP 409.
	ErrSessionBusy = errors.New("this client already has a session on the agent")
	// ErrSessionLimit means the agent runs as many sessions as it allows.
	// HTTP 503.
	ErrSessionLimit = errors.New("the agent runs as many sessions as it allows")
	// ErrNoSession means the session does not exist (any more): closed,
	// or aborted by the agent when its lease expired. HTTP 404.
	ErrNoSession = errors.New("no such session on the agent")
	// ErrTooLarge means a request body was over the agent's limit. HTTP 413.
	ErrTooLarge = errors.New("request body over the agent's limit")
	// ErrLeaseExpired means the agent aborted the session because the
	// client did not renew its lease in time.
	ErrLeaseExpired = errors.New("the client's lease expired: the agent aborted the session")
	// ErrProtocol means a message that does not follow this protocol.
	ErrProtocol = errors.New("remote protocol error")
)

// sentinels are the errors other than HRESULTs that cross the wire, by
// their wire names.
var sentinels = []struct {
	name string
	err  error
}{
	{"canceled", context.Canceled},
	{"deadline", context.DeadlineExceeded},
	{"not-exist", fs.ErrNotExist},
	{"exist", fs.ErrExist},
	{"permission", fs.ErrPermission},
	{"invalid", fs.ErrInvalid},
	{"closed", fs.ErrClosed},
	{"unauthorized", ErrUnauthorized},
	{"session-busy", ErrSessionBusy},
	{"session-limit", ErrSessionLimit},
	{"no-session", ErrNoSession},
	{"too-large", ErrTooLarge},
	{"lease-expired", ErrLeaseExpired},
	{"protocol", ErrProtocol},
	{"path-refused", ErrPathRefused},
}

// encodeError describes err for the wire.
func encodeError(err error) *wireError {
	we := &wireError{Message: err.Error()}
	if h := vss.CodeOf(err); h != vss.ErrFail || errors.Is(err, vss.ErrFail) {
		we.Code = h
		var ve *vss.Error
		if errors.As(err, &ve) {
			we.Op, we.Detail = ve.Op, ve.Detail
			if we.Detail == "" && ve.Err != nil {
				we.Detail = ve.Err.Error()
			}
		}
	}
	var pe *fs.PathError
	if we.Code == vss.OK && errors.As(err, &pe) {
		we.Op, we.Detail = pe.Op, pe.Err.Error()
	}
	for _, s := range sentinels {
		if errors.Is(err, s.err) {
			we.Is = append(we.Is, s.name)
		}
	}
	return we
}

// remoteCause is the cause of an error that crossed the wire: the agent's
// text, matching the sentinels the agent's error matched.
type remoteCause struct {
	msg  string
	errs []error
}

func (e *remoteCause) Error() string   { return e.msg }
func (e *remoteCause) Unwrap() []error { return e.errs }

// decode rebuilds the error: a *vss.Error with the same HRESULT, call and
// detail when the agent's error carried an HRESULT, so that errors.Is
// against the vss sentinels and errors.As to *vss.Error work as they
// would on the agent; otherwise an error with the agent's text. Both match
// the other sentinels the agent's error matched (context.Canceled,
// fs.ErrNotExist, ErrLeaseExpired...).
func (we *wireError) decode() error {
	cause := &remoteCause{msg: we.Message}
	for _, name := range we.Is {
		for _, s := range sentinels {
			if s.name == name {
				cause.errs = append(cause.errs, s.err)
			}
		}
	}
	if we.Code == vss.OK {
		return cause
	}
	detail := we.Detail
	if detail == "" && we.Op == "" {
		detail = we.Message
	}
	if detail != "" {
		cause.msg = detail
	}
	return &vss.Error{Op: we.Op, Code: we.Code, Detail: detail, Err: cause}
}
