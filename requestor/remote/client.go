package remote

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/writer"
)

// Options are what a client needs to reach an agent: its credentials
// (a token, a client certificate, or both) and the certificates it
// trusts the agent's by.
type Options struct {
	// Token is the bearer token, as the agent's token file holds it.
	Token []byte
	// Certificate is the client certificate, for mutual TLS.
	Certificate *tls.Certificate
	// RootCAs are the certificates the agent's is checked against; nil
	// means the system's.
	RootCAs *x509.CertPool
	// DialContext, if set, makes the connections (tests use it).
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)
}

// LoadOptions reads the files a command line names: the token file
// (its content, blanks around it removed), the CA file (PEM certificates
// the agent's certificate is checked against, such as the one
// examples/agent writes with -ca-out) and, for mutual TLS, the client's
// certificate and key (PEM). Empty names are skipped; at least a token
// or a certificate is required.
func LoadOptions(tokenFile, caFile, certFile, keyFile string) (Options, error) {
	var o Options
	if tokenFile != "" {
		t, err := ReadTokenFile(tokenFile)
		if err != nil {
			return o, err
		}
		o.Token = t
	}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return o, fmt.Errorf("remote: CA file: %w", err)
		}
		o.RootCAs = x509.NewCertPool()
		if !o.RootCAs.AppendCertsFromPEM(pem) {
			return o, fmt.Errorf("remote: CA file %s holds no PEM certificate", caFile)
		}
	}
	if certFile != "" || keyFile != "" {
		c, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return o, fmt.Errorf("remote: client certificate: %w", err)
		}
		o.Certificate = &c
	}
	if o.Token == nil && o.Certificate == nil {
		return o, errors.New("remote: no credential: give a token file or a client certificate and key")
	}
	return o, nil
}

// ReadTokenFile reads a token: the file's content with the blanks (spaces,
// tabs, line ends) around it removed. It refuses a token shorter than
// MinTokenLength bytes or with characters other than printable ASCII.
func ReadTokenFile(name string) ([]byte, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("remote: token file: %w", err)
	}
	b = bytes.TrimSpace(b)
	if err := checkToken(b); err != nil {
		return nil, fmt.Errorf("remote: token file %s: %w", name, err)
	}
	return b, nil
}

// Client is a connection to an agent, from which sessions are opened.
// It is safe for concurrent use.
type Client struct {
	base  string // https://HOST:PORT
	hc    *http.Client
	token string
}

// Dial returns a client of the agent at addr (HOST:PORT) and checks, with
// one request, that the agent accepts the credentials: when it does not,
// the error matches ErrUnauthorized.
func Dial(ctx context.Context, addr string, o Options) (*Client, error) {
	if o.Token == nil && o.Certificate == nil {
		return nil, errors.New("remote: no credential: give a token or a client certificate")
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS13, MaxVersion: tls.VersionTLS13, RootCAs: o.RootCAs, NextProtos: []string{"http/1.1"}}
	if o.Certificate != nil {
		tc.Certificates = []tls.Certificate{*o.Certificate}
	}
	tr := &http.Transport{
		TLSClientConfig:     tc,
		DialContext:         o.DialContext,
		TLSHandshakeTimeout: 30 * time.Second,
		MaxIdleConnsPerHost: 4,
		IdleConnTimeout:     90 * time.Second,
		ForceAttemptHTTP2:   false,
		TLSNextProto:        map[string]func(string, *tls.Conn) http.RoundTripper{},
	}
	if tr.DialContext == nil {
		tr.DialContext = (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 15 * time.Second}).DialContext
	}
	c := &Client{base: "https://" + addr, hc: &http.Client{Transport: tr}}
	if o.Token != nil {
		c.token = "Bearer " + string(o.Token)
	}
	var who struct {
		Client string `json:"client"`
	}
	if err := c.do(ctx, http.MethodGet, "/v1/whoami", nil, nil, &who); err != nil {
		c.Close()
		return nil, fmt.Errorf("remote: agent %s: %w", addr, err)
	}
	return c, nil
}

// Close closes the client's idle connections. Sessions still open keep
// working; close them first.
func (c *Client) Close() { c.hc.CloseIdleConnections() }

// do sends a request with a JSON body (in, unless nil) and decodes a JSON
// answer into out (unless nil). A refusal is the agent's error, rebuilt
// (wireError.decode).
func (c *Client) do(ctx context.Context, method, path string, hdr http.Header, in, out any) error {
	resp, err := c.send(ctx, method, path, hdr, in)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		return readError(resp)
	}
	if out == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("%w: answer to %s %s: %v", ErrProtocol, method, path, err)
	}
	return nil
}

func (c *Client) send(ctx context.Context, method, path string, hdr http.Header, in any) (*http.Response, error) {
	var body io.Reader
	if in != nil {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(in); err != nil {
			return nil, err
		}
		body = &buf
		hdr = hdr.Clone()
		if hdr == nil {
			hdr = http.Header{}
		}
		hdr.Set("Content-Type", "application/json")
	}
	return c.sendBody(ctx, method, path, hdr, body)
}

// sendBody sends a request with body as it is (nil for none), streamed:
// a body of unknown length goes chunked.
func (c *Client) sendBody(ctx context.Context, method, path string, hdr http.Header, body io.Reader) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return nil, err
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	if c.token != "" {
		req.Header.Set("Authorization", c.token)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, context.Cause(ctx)
		}
		return nil, err
	}
	return resp, nil
}

// readError rebuilds the agent's error from a refusal.
func readError(resp *http.Response) error {
	we, err := readWireError(resp)
	if err != nil {
		return err
	}
	return we.decode()
}

func readWireError(resp *http.Response) (*wireError, error) {
	var we wireError
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&we); err != nil || we.Message == "" {
		return nil, fmt.Errorf("%w: HTTP %s with no error the protocol knows", ErrProtocol, resp.Status)
	}
	return &we, nil
}

// NewSession opens a requestor session on the agent. It implements every
// capability (requestor.Restorer, Querier, MetadataSaver, WriterChooser,
// IncrementalBackuper, ExclusionReporter); Capabilities says which the
// agent's session has, and a call of one it lacks fails with
// vss.ErrNotSupported. It keeps its lease on the agent alive until Close.
// Close it: until then the agent keeps the session, and this client
// cannot open another.
func (c *Client) NewSession(ctx context.Context) (*Session, error) {
	var info sessionInfo
	if err := c.do(ctx, http.MethodPost, "/v1/sessions", nil, struct{}{}, &info); err != nil {
		return nil, fmt.Errorf("remote: opening a session: %w", err)
	}
	lease := time.Duration(info.LeaseMillis) * time.Millisecond
	if info.ID == "" || lease <= 0 {
		return nil, fmt.Errorf("%w: session %q with a lease of %v", ErrProtocol, info.ID, lease)
	}
	s := &Session{c: c, path: "/v1/sessions/" + info.ID, lease: lease, renewed: make(chan struct{}), caps: info.Capabilities}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	go s.renew()
	return s, nil
}

// Session is a requestor session on an agent: the requestor.Requestor
// that NewSession returns, with every capability the protocol carries
// (see Capabilities). Its calls run on the agent; a call's context crosses the wire:
// its deadline applies there, and when it ends the call is cancelled on
// the agent (the connection closes, and the next call waits until the
// agent has cancelled it).
type Session struct {
	c       *Client
	path    string // /v1/sessions/ID
	lease   time.Duration
	ctx     context.Context // ends at Close: reads and renewals stop
	cancel  context.CancelFunc
	seq     atomic.Uint64
	renewed chan struct{} // closed when renew returns
	caps    []string      // of the agent's session

	mu        sync.Mutex
	abandoned []uint64 // calls whose context ended before their answer
	gone      error    // why the agent no longer has the session

	closeOnce sync.Once
	closeErr  error
}

// renew renews the lease every third of it, until Close or until the
// agent says the session is gone.
func (s *Session) renew() {
	defer close(s.renewed)
	t := time.NewTicker(s.lease / 3)
	defer t.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(s.ctx, s.lease/3)
		err := s.c.do(ctx, http.MethodPost, s.path+"/lease", nil, struct{}{}, nil)
		cancel()
		if errors.Is(err, ErrNoSession) {
			s.mu.Lock()
			s.gone = err
			s.mu.Unlock()
			return
		}
	}
}

// call runs one requestor call on the agent.
func (s *Session) call(ctx context.Context, method string, args *callArgs) (*callResult, error) {
	if err := s.cancelAbandoned(ctx); err != nil {
		return nil, fmt.Errorf("%s: %w", method, err)
	}
	seq := s.seq.Add(1)
	hdr := http.Header{headerCall: {strconv.FormatUint(seq, 10)}}
	if d, ok := ctx.Deadline(); ok {
		hdr.Set(headerTimeout, strconv.FormatInt(max(time.Until(d).Milliseconds(), 0), 10))
	}
	if args == nil {
		args = &callArgs{}
	}
	var res callResult
	err := s.c.do(ctx, http.MethodPost, s.path+"/calls/"+method, hdr, args, &res)
	if err != nil && ctx.Err() != nil {
		// Given up: the agent cancels it when it sees the connection
		// close; the next call makes sure of it first.
		s.mu.Lock()
		s.abandoned = append(s.abandoned, seq)
		s.mu.Unlock()
		return nil, fmt.Errorf("%s: %w", method, context.Cause(ctx))
	}
	if err != nil {
		s.mu.Lock()
		gone := s.gone
		s.mu.Unlock()
		if gone != nil && !errors.Is(err, ErrNoSession) {
			err = errors.Join(err, gone)
		}
		return nil, err
	}
	return &res, nil
}

// cancelAbandoned has the agent cancel the calls given up earlier, and
// waits until they have returned there.
func (s *Session) cancelAbandoned(ctx context.Context) error {
	s.mu.Lock()
	calls := s.abandoned
	s.abandoned = nil
	s.mu.Unlock()
	for i, seq := range calls {
		err := s.c.do(ctx, http.MethodPost, s.path+"/cancel", nil, struct {
			Call uint64 `json:"call"`
		}{seq}, nil)
		if err != nil {
			s.mu.Lock()
			s.abandoned = append(calls[i:], s.abandoned...)
			s.mu.Unlock()
			return err
		}
	}
	return nil
}

// InitializeForBackup implements requestor.Requestor.
func (s *Session) InitializeForBackup(ctx context.Context, bcdXML string) error {
	_, err := s.call(ctx, "InitializeForBackup", &callArgs{BCD: bcdXML})
	return err
}

// SetContext implements requestor.Requestor.
func (s *Session) SetContext(ctx context.Context, sc vss.SnapshotContext) error {
	_, err := s.call(ctx, "SetContext", &callArgs{Context: sc})
	return err
}

// SetBackupState implements requestor.Requestor.
func (s *Session) SetBackupState(ctx context.Context, st requestor.BackupState) error {
	_, err := s.call(ctx, "SetBackupState", &callArgs{State: &st})
	return err
}

// GatherWriterMetadata implements requestor.Requestor.
func (s *Session) GatherWriterMetadata(ctx context.Context) error {
	_, err := s.call(ctx, "GatherWriterMetadata", nil)
	return err
}

// WriterMetadata implements requestor.Requestor: the agent sends each
// writer metadata document as XML, read back here.
func (s *Session) WriterMetadata(ctx context.Context) ([]*writer.Metadata, error) {
	res, err := s.call(ctx, "WriterMetadata", nil)
	if err != nil {
		return nil, err
	}
	md := make([]*writer.Metadata, len(res.Documents))
	for i, doc := range res.Documents {
		if md[i], err = writer.ParseMetadata([]byte(doc)); err != nil {
			return nil, fmt.Errorf("WriterMetadata: document %d from the agent: %w", i+1, err)
		}
	}
	return md, nil
}

// StartSnapshotSet implements requestor.Requestor.
func (s *Session) StartSnapshotSet(ctx context.Context) (vss.ID, error) {
	res, err := s.call(ctx, "StartSnapshotSet", nil)
	if err != nil {
		return vss.NilID, err
	}
	return res.ID, nil
}

// AddToSnapshotSet implements requestor.Requestor.
func (s *Session) AddToSnapshotSet(ctx context.Context, volume string, providerID vss.ID) (vss.ID, error) {
	res, err := s.call(ctx, "AddToSnapshotSet", &callArgs{Volume: volume, Provider: providerID})
	if err != nil {
		return vss.NilID, err
	}
	return res.ID, nil
}

// AddComponent implements requestor.Requestor.
func (s *Session) AddComponent(ctx context.Context, instance, class vss.ID, key writer.ComponentKey) error {
	_, err := s.call(ctx, "AddComponent", &callArgs{Instance: instance, Class: class, Key: key})
	return err
}

// PrepareForBackup implements requestor.Requestor.
func (s *Session) PrepareForBackup(ctx context.Context) error {
	_, err := s.call(ctx, "PrepareForBackup", nil)
	return err
}

// DoSnapshotSet implements requestor.Requestor.
func (s *Session) DoSnapshotSet(ctx context.Context) error {
	_, err := s.call(ctx, "DoSnapshotSet", nil)
	return err
}

// GatherWriterStatus implements requestor.Requestor.
func (s *Session) GatherWriterStatus(ctx context.Context) error {
	_, err := s.call(ctx, "GatherWriterStatus", nil)
	return err
}

// WriterStatus implements requestor.Requestor.
func (s *Session) WriterStatus(ctx context.Context) ([]requestor.WriterStatus, error) {
	res, err := s.call(ctx, "WriterStatus", nil)
	if err != nil {
		return nil, err
	}
	return res.Writers, nil
}

// GetSnapshotProperties implements requestor.Requestor.
func (s *Session) GetSnapshotProperties(ctx context.Context, id vss.ID) (provider.Snapshot, error) {
	res, err := s.call(ctx, "GetSnapshotProperties", &callArgs{ID: id})
	if err != nil {
		return provider.Snapshot{}, err
	}
	if res.Snapshot == nil {
		return provider.Snapshot{}, fmt.Errorf("%w: GetSnapshotProperties answered no snapshot", ErrProtocol)
	}
	return *res.Snapshot, nil
}

// SnapshotFS implements requestor.Requestor: the agent opens the shadow
// copy, and the file system returned reads it over the wire (see FS).
func (s *Session) SnapshotFS(ctx context.Context, id vss.ID) (fs.FS, error) {
	if _, err := s.call(ctx, "SnapshotFS", &callArgs{ID: id}); err != nil {
		return nil, err
	}
	return &FS{s: s, snap: "/snapshots/" + id.String()}, nil
}

// SetBackupSucceeded implements requestor.Requestor.
func (s *Session) SetBackupSucceeded(ctx context.Context, instance, class vss.ID, key writer.ComponentKey, ok bool) error {
	_, err := s.call(ctx, "SetBackupSucceeded", &callArgs{Instance: instance, Class: class, Key: key, Flag: ok})
	return err
}

// BackupComplete implements requestor.Requestor.
func (s *Session) BackupComplete(ctx context.Context) error {
	_, err := s.call(ctx, "BackupComplete", nil)
	return err
}

// AbortBackup implements requestor.Requestor.
func (s *Session) AbortBackup(ctx context.Context) error {
	_, err := s.call(ctx, "AbortBackup", nil)
	return err
}

// DeleteSnapshots implements requestor.Requestor.
func (s *Session) DeleteSnapshots(ctx context.Context, id vss.ID, kind provider.ObjectType) (int, error) {
	res, err := s.call(ctx, "DeleteSnapshots", &callArgs{ID: id, ObjectType: kind})
	if err != nil {
		return 0, err
	}
	return res.Count, nil
}

// SaveAsXML implements requestor.Requestor.
func (s *Session) SaveAsXML(ctx context.Context) (string, error) {
	res, err := s.call(ctx, "SaveAsXML", nil)
	if err != nil {
		return "", err
	}
	return res.Document, nil
}

// Close implements requestor.Requestor: it stops the lease and the reads
// of the session's shadow copies, and closes the session on the agent
// (the requestor session's Close there), waiting at most
// requestor.CleanupTimeout. It is safe to call more than once.
func (s *Session) Close() error {
	s.closeOnce.Do(func() {
		s.cancel()
		<-s.renewed
		ctx, cancel := context.WithTimeout(context.Background(), requestor.CleanupTimeout)
		defer cancel()
		err := s.c.do(ctx, http.MethodDelete, s.path, nil, nil, nil)
		if err != nil && !errors.Is(err, ErrNoSession) {
			s.closeErr = fmt.Errorf("Close: %w", err)
		}
	})
	return s.closeErr
}

// ID returns the session's ID on the agent, as the agent's log names it.
func (s *Session) ID() string { return strings.TrimPrefix(s.path, "/v1/sessions/") }

// String names the session, for logs.
func (s *Session) String() string { return "remote session " + s.ID() + " on " + s.c.base }
