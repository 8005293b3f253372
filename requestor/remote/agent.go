package remote

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/requestor"
)

// DefaultLease is how long the agent keeps a session whose client has
// gone silent: a client renews its lease every third of it, and every
// request renews it too. When DefaultLease passes with no request from
// the client, the agent cancels the call in progress, aborts the backup
// (AbortBackup), deletes the shadow copy sets the session started and did
// not complete, and closes the session. Microsoft documents no such
// figure; 30 s is this library's choice.
const DefaultLease = 30 * time.Second

// errClosedByClient is why the calls of a session its client closed are
// cancelled.
var errClosedByClient = errors.New("the client closed the session")

// DefaultMaxSessions is how many sessions an agent runs at once unless
// AgentConfig.MaxSessions says otherwise.
const DefaultMaxSessions = 4

// DefaultMaxRequestBody bounds the body of a request that carries no
// backup components document: 64 KiB.
const DefaultMaxRequestBody = 64 << 10

// DefaultMaxDocumentBody bounds the body of InitializeForBackup and
// InitializeForRestore, which carry a backup components document: twice
// the 32 MiB requestor.ParseBackupDocument accepts (JSON may escape every
// quote), plus 64 KiB.
const DefaultMaxDocumentBody = 2*(32<<20) + 64<<10

// Token is a bearer token the agent accepts, and the name the agent logs
// its holder by.
type Token struct {
	Name   string
	Secret []byte // at least MinTokenLength bytes, printable ASCII
}

// MinTokenLength is the shortest token an agent accepts: 32 bytes.
const MinTokenLength = 32

// Clock is the agent's source of time, for leases. The system clock is
// the default; tests pass their own to move time by hand.
type Clock interface {
	Now() time.Time
	// AfterFunc calls f, on a goroutine of its own, once d has passed;
	// stop cancels the call if it has not happened yet.
	AfterFunc(d time.Duration, f func()) (stop func() bool)
}

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }
func (systemClock) AfterFunc(d time.Duration, f func()) func() bool {
	return time.AfterFunc(d, f).Stop
}

// AgentConfig configures an Agent. NewSession and at least one credential
// (a Token or a ClientCert) are required.
type AgentConfig struct {
	// NewSession opens the requestor session a client drives: on a
	// protected Windows machine requestor.NewWindows, on any other a
	// simulated machine's session. ctx bounds the opening only. The
	// session's capabilities (requestor.Restorer, Querier, MetadataSaver)
	// are offered to the client.
	NewSession func(ctx context.Context) (requestor.Requestor, error)
	// RestoreTarget, if set, says where a session's restore puts files
	// back on this machine: it is called once for every session, just
	// after NewSession, with the session NewSession returned, and the
	// target it returns lives as long as the session (closed at its end
	// when it is an io.Closer). On a simulated machine it is the
	// machine's volumes (simulate.NewVolumeTarget); on Windows a
	// requestor.DirTarget, at each volume's root or in a directory. The
	// target must refuse a path, symbolic links included, that leads out
	// of it, as DirTarget does (os.Root); the agent checks every name
	// first as it checks a read's. Nil, or a nil target, means the
	// session has none: the client's Target fails with
	// vss.ErrNotSupported, so a remote restore is refused.
	RestoreTarget func(ctx context.Context, session requestor.Requestor) (requestor.Target, error)
	// MaxRestoreFile bounds the size of one file written through the
	// restore target (DefaultMaxRestoreFile if zero).
	MaxRestoreFile int64
	// Tokens are the bearer tokens the agent accepts, compared in
	// constant time.
	Tokens []Token
	// ClientCerts are the client certificates the agent accepts over
	// mutual TLS, pinned: a client is known by presenting one of them,
	// byte for byte, within its validity period, and proving it holds its
	// key (the TLS handshake does).
	ClientCerts []*x509.Certificate
	// MaxSessions is how many sessions run at once (DefaultMaxSessions if
	// zero). One client has one session at a time.
	MaxSessions int
	// Lease is how long a silent client's session lives (DefaultLease if
	// zero).
	Lease time.Duration
	// MaxRequestBody bounds request bodies that carry no document
	// (DefaultMaxRequestBody if zero).
	MaxRequestBody int64
	// MaxDocumentBody bounds the bodies of the calls that carry a backup
	// components document (DefaultMaxDocumentBody if zero).
	MaxDocumentBody int64
	// Logger receives one record per request, with the client's identity,
	// and one per session opened and ended; nil discards them.
	Logger *slog.Logger
	// Clock is the source of time for leases; nil means the system clock.
	Clock Clock
	// OnSessionEnd, if set, is called once for every session that ends,
	// after its clean-up.
	OnSessionEnd func(SessionEnd)
}

// SessionEnd says how a session ended.
type SessionEnd struct {
	ID     string // the session's ID
	Client string // the client's identity
	// Reason is nil when the client closed the session, ErrLeaseExpired
	// when its lease expired, http.ErrServerClosed when the agent closed.
	Reason error
	// Err joins what failed in the clean-up (AbortBackup, DeleteSnapshots,
	// Close); nil when nothing did.
	Err error
}

// Agent serves requestor sessions to remote clients over HTTPS: it is the
// client agent of the seed's remote configuration, run on the protected
// machine. It is an http.Handler; Server returns an http.Server that
// serves it over TLS 1.3 only. Close ends every session.
type Agent struct {
	cfg    AgentConfig
	log    *slog.Logger
	clock  Clock
	tokens [][sha256.Size]byte
	names  []string
	certs  [][sha256.Size]byte
	mux    *http.ServeMux

	mu       sync.Mutex
	sessions map[string]*agentSession // by ID
	byClient map[string]*agentSession
	closed   bool
	ending   sync.WaitGroup // sessions being ended
}

// NewAgent returns an agent. It refuses a configuration with no
// credential, a token shorter than MinTokenLength or with characters an
// HTTP header cannot carry, and no NewSession.
func NewAgent(cfg AgentConfig) (*Agent, error) {
	if cfg.NewSession == nil {
		return nil, errors.New("remote agent: AgentConfig.NewSession is required")
	}
	if len(cfg.Tokens) == 0 && len(cfg.ClientCerts) == 0 {
		return nil, errors.New("remote agent: no credential: give a token or a client certificate")
	}
	a := &Agent{cfg: cfg, log: cfg.Logger, clock: cfg.Clock,
		sessions: map[string]*agentSession{}, byClient: map[string]*agentSession{}}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if a.clock == nil {
		a.clock = systemClock{}
	}
	if a.cfg.MaxSessions <= 0 {
		a.cfg.MaxSessions = DefaultMaxSessions
	}
	if a.cfg.Lease <= 0 {
		a.cfg.Lease = DefaultLease
	}
	if a.cfg.MaxRequestBody <= 0 {
		a.cfg.MaxRequestBody = DefaultMaxRequestBody
	}
	if a.cfg.MaxDocumentBody <= 0 {
		a.cfg.MaxDocumentBody = DefaultMaxDocumentBody
	}
	if a.cfg.MaxRestoreFile <= 0 {
		a.cfg.MaxRestoreFile = DefaultMaxRestoreFile
	}
	for i, t := range cfg.Tokens {
		if err := checkToken(t.Secret); err != nil {
			return nil, fmt.Errorf("remote agent: token %d: %w", i+1, err)
		}
		name := t.Name
		if name == "" {
			name = "token" + strconv.Itoa(i+1)
		}
		a.tokens = append(a.tokens, sha256.Sum256(t.Secret))
		a.names = append(a.names, "token:"+name)
	}
	for _, c := range cfg.ClientCerts {
		a.certs = append(a.certs, sha256.Sum256(c.Raw))
	}
	a.routes()
	return a, nil
}

// checkToken refuses a token that is too short or that an HTTP header
// cannot carry as it is.
func checkToken(t []byte) error {
	if len(t) < MinTokenLength {
		return fmt.Errorf("a token must be at least %d bytes, this one has %d", MinTokenLength, len(t))
	}
	for _, c := range t {
		if c <= ' ' || c >= 0x7f {
			return errors.New("a token must be printable ASCII without spaces")
		}
	}
	return nil
}

// TLSConfig returns the agent's TLS configuration around its certificate:
// TLS 1.3 only, HTTP/1.1, and a client certificate requested when the
// agent pins client certificates.
func (a *Agent) TLSConfig(cert tls.Certificate) *tls.Config {
	c := &tls.Config{
		MinVersion:   tls.VersionTLS13,
		MaxVersion:   tls.VersionTLS13,
		Certificates: []tls.Certificate{cert},
		NextProtos:   []string{"http/1.1"},
	}
	if len(a.certs) > 0 {
		// The chain is not verified: the certificate itself is pinned.
		c.ClientAuth = tls.RequestClientCert
	}
	return c
}

// Server returns an http.Server that serves the agent over TLS with cert
// (TLSConfig): call its ServeTLS(listener, "", ""). Shut it down, then
// Close the agent.
func (a *Agent) Server(cert tls.Certificate) *http.Server {
	return &http.Server{
		Handler:           a,
		TLSConfig:         a.TLSConfig(cert),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		// HTTP/1.1 only: a cancelled call closes its connection, which
		// the agent sees at once.
		TLSNextProto: map[string]func(*http.Server, *tls.Conn, http.Handler){},
		ErrorLog:     slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
}

// Close ends every session as an expired lease does (the call in progress
// is cancelled, the backup aborted, its sets deleted, the session closed)
// and refuses new ones. It waits for the clean-up.
func (a *Agent) Close() error {
	a.mu.Lock()
	a.closed = true
	var all []*agentSession
	for _, s := range a.sessions {
		all = append(all, s)
	}
	a.mu.Unlock()
	for _, s := range all {
		a.end(s, http.ErrServerClosed)
	}
	a.ending.Wait()
	return nil
}

// Sessions returns how many sessions are open.
func (a *Agent) Sessions() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.sessions)
}

// identityKey is the context key of the client's identity.
type identityKey struct{}

// identity returns the client identity authenticated for r.
func identity(r *http.Request) string { s, _ := r.Context().Value(identityKey{}).(string); return s }

// authenticate returns the identity of the client that sent r, or "" when
// its credentials are missing or wrong. A pinned client certificate wins
// over a token.
func (a *Agent) authenticate(r *http.Request) string {
	if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 && len(a.certs) > 0 {
		leaf := r.TLS.PeerCertificates[0]
		sum := sha256.Sum256(leaf.Raw)
		now := a.clock.Now()
		for _, pin := range a.certs {
			if subtle.ConstantTimeCompare(sum[:], pin[:]) == 1 && !now.Before(leaf.NotBefore) && !now.After(leaf.NotAfter) {
				return "cert:" + leaf.Subject.CommonName + ":" + hex.EncodeToString(sum[:6])
			}
		}
	}
	auth := r.Header.Get("Authorization")
	const bearer = "Bearer "
	if len(a.tokens) == 0 || len(auth) <= len(bearer) || auth[:len(bearer)] != bearer {
		return ""
	}
	sum := sha256.Sum256([]byte(auth[len(bearer):]))
	found := -1
	for i, t := range a.tokens { // every token compared, in constant time
		if subtle.ConstantTimeCompare(sum[:], t[:]) == 1 {
			found = i
		}
	}
	if found < 0 {
		return ""
	}
	return a.names[found]
}

// ServeHTTP implements http.Handler: it logs every request, with the
// client's identity, and refuses every request other than the health
// check whose credentials are missing or wrong, before routing it.
func (a *Agent) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	lw := &loggingWriter{ResponseWriter: w, status: http.StatusOK}
	client := "-"
	defer func() {
		a.log.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("client", client), slog.String("remote", r.RemoteAddr),
			slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.Int("status", lw.status), slog.Int64("bytes", lw.bytes),
			slog.Duration("duration", time.Since(start)))
	}()
	if r.Method == http.MethodGet && r.URL.Path == "/v1/health" {
		lw.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(lw, "ok\n")
		return
	}
	id := a.authenticate(r)
	if id == "" {
		lw.Header().Set("WWW-Authenticate", `Bearer realm="vss agent"`)
		writeError(lw, http.StatusUnauthorized, ErrUnauthorized)
		return
	}
	client = id
	a.mux.ServeHTTP(lw, r.WithContext(context.WithValue(r.Context(), identityKey{}, id)))
}

// loggingWriter records the status and size of a response.
type loggingWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *loggingWriter) WriteHeader(code int) { w.status = code; w.ResponseWriter.WriteHeader(code) }
func (w *loggingWriter) Write(p []byte) (int, error) {
	n, err := w.ResponseWriter.Write(p)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *loggingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (a *Agent) routes() {
	m := http.NewServeMux()
	m.HandleFunc("POST /v1/sessions", a.openSession)
	m.HandleFunc("GET /v1/whoami", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, struct {
			Client string `json:"client"`
		}{identity(r)})
	})
	m.HandleFunc("DELETE /v1/sessions/{id}", a.withSession(a.closeSession))
	m.HandleFunc("POST /v1/sessions/{id}/lease", a.withSession(func(w http.ResponseWriter, r *http.Request, s *agentSession) {
		w.WriteHeader(http.StatusNoContent)
	}))
	m.HandleFunc("POST /v1/sessions/{id}/cancel", a.withSession(a.cancelCall))
	m.HandleFunc("POST /v1/sessions/{id}/calls/{method}", a.withSession(a.call))
	m.HandleFunc("GET /v1/sessions/{id}/snapshots/{snap}/stat", a.withSession(a.stat))
	m.HandleFunc("GET /v1/sessions/{id}/snapshots/{snap}/dir", a.withSession(a.readDir))
	m.HandleFunc("GET /v1/sessions/{id}/snapshots/{snap}/file", a.withSession(a.readFile))
	m.HandleFunc("GET /v1/sessions/{id}/target/exists", a.withSession(a.targetExists))
	m.HandleFunc("POST /v1/sessions/{id}/target/mkdir", a.withSession(a.targetMkdir))
	m.HandleFunc("POST /v1/sessions/{id}/target/symlink", a.withSession(a.targetSymlink))
	m.HandleFunc("PUT /v1/sessions/{id}/target/file", a.withSession(a.targetWriteFile))
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, fmt.Errorf("%w: no endpoint %s %s", ErrProtocol, r.Method, r.URL.Path))
	})
	a.mux = m
}

// writeJSON answers v with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// writeError answers err, described for the wire, with status.
func writeError(w http.ResponseWriter, status int, err error) {
	writeJSON(w, status, encodeError(err))
}

// agentSession is one client's session on the agent.
type agentSession struct {
	id     string
	client string
	r      requestor.Requestor
	ctx    context.Context // ends when the session ends
	cancel context.CancelCauseFunc

	mu        sync.Mutex
	deadline  time.Time // of the lease
	stopLease func() bool
	ended     bool
	work      sync.WaitGroup          // calls and reads in progress
	calls     map[uint64]*runningCall // by the client's call number
	snapshots map[vss.ID]*snapshotFS  // opened by SnapshotFS
	target    *agentTarget            // where a restore writes; nil: nowhere
	sets      []vss.ID                // started by StartSnapshotSet
	completed bool                    // BackupComplete succeeded
}

// runningCall is a requestor call in progress on the agent.
type runningCall struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// openSession opens a session for the client: POST /v1/sessions.
func (a *Agent) openSession(w http.ResponseWriter, r *http.Request) {
	client := identity(r)
	a.mu.Lock()
	switch {
	case a.closed:
		a.mu.Unlock()
		writeError(w, http.StatusServiceUnavailable, http.ErrServerClosed)
		return
	case a.byClient[client] != nil:
		a.mu.Unlock()
		writeError(w, http.StatusConflict, ErrSessionBusy)
		return
	case len(a.sessions) >= a.cfg.MaxSessions:
		a.mu.Unlock()
		writeError(w, http.StatusServiceUnavailable, ErrSessionLimit)
		return
	}
	// The place is taken before the session is made, so that two
	// requests cannot both pass the checks.
	var raw [16]byte
	_, _ = rand.Read(raw[:])
	s := &agentSession{id: hex.EncodeToString(raw[:]), client: client,
		calls: map[uint64]*runningCall{}, snapshots: map[vss.ID]*snapshotFS{}}
	s.ctx, s.cancel = context.WithCancelCause(context.Background())
	a.sessions[s.id] = s
	a.byClient[client] = s
	a.mu.Unlock()

	req, err := a.cfg.NewSession(r.Context())
	if err == nil && req == nil {
		err = errors.New("remote agent: NewSession returned no session")
	}
	var target requestor.Target
	if err == nil && a.cfg.RestoreTarget != nil {
		if target, err = a.cfg.RestoreTarget(r.Context(), req); err != nil {
			_ = req.Close()
			err = fmt.Errorf("remote agent: restore target: %w", err)
		}
	}
	if err != nil {
		a.mu.Lock()
		delete(a.sessions, s.id)
		delete(a.byClient, client)
		a.mu.Unlock()
		a.log.Warn("session not opened", "client", client, "err", err)
		writeError(w, http.StatusUnprocessableEntity, err)
		return
	}
	s.mu.Lock()
	if s.ended { // the agent closed meanwhile
		s.mu.Unlock()
		_ = req.Close()
		if c, ok := target.(io.Closer); ok {
			_ = c.Close()
		}
		writeError(w, http.StatusServiceUnavailable, http.ErrServerClosed)
		return
	}
	s.r = req
	caps := capabilitiesOf(req)
	if target != nil {
		s.target = &agentTarget{t: target}
		caps = append(caps, CapRestoreTarget)
	}
	s.deadline = a.clock.Now().Add(a.cfg.Lease)
	s.stopLease = a.clock.AfterFunc(a.cfg.Lease, func() { a.checkLease(s) })
	s.mu.Unlock()
	a.log.Info("session opened", "client", client, "session", s.id)
	writeJSON(w, http.StatusCreated, sessionInfo{ID: s.id, LeaseMillis: a.cfg.Lease.Milliseconds(), Capabilities: caps})
}

// checkLease ends the session if its lease has expired, or waits for the
// new deadline of a renewed one.
func (a *Agent) checkLease(s *agentSession) {
	s.mu.Lock()
	if s.ended {
		s.mu.Unlock()
		return
	}
	if left := s.deadline.Sub(a.clock.Now()); left > 0 {
		s.stopLease = a.clock.AfterFunc(left, func() { a.checkLease(s) })
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()
	a.log.Warn("lease expired: aborting the session", "client", s.client, "session", s.id)
	a.end(s, ErrLeaseExpired)
}

// withSession finds the client's session named in the path, renews its
// lease, and runs h inside it; the session does not end while h runs.
// Another client's session is as unknown as one that never existed.
func (a *Agent) withSession(h func(http.ResponseWriter, *http.Request, *agentSession)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		s := a.sessions[r.PathValue("id")]
		a.mu.Unlock()
		if s == nil || s.client != identity(r) {
			writeError(w, http.StatusNotFound, ErrNoSession)
			return
		}
		s.mu.Lock()
		if s.ended || s.r == nil {
			s.mu.Unlock()
			writeError(w, http.StatusNotFound, ErrNoSession)
			return
		}
		s.deadline = a.clock.Now().Add(a.cfg.Lease)
		s.work.Add(1)
		s.mu.Unlock()
		defer s.work.Done()
		h(w, r, s)
	}
}

// closeSession closes the session as the client asks: DELETE
// /v1/sessions/{id}, the requestor's Close.
func (a *Agent) closeSession(w http.ResponseWriter, r *http.Request, s *agentSession) {
	// The request is part of the session's work; end waits for the rest.
	s.work.Done()
	err := a.end(s, nil)
	s.work.Add(1)
	if err != nil {
		writeError(w, http.StatusUnprocessableEntity, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// end ends a session, once: it stops new requests, cancels the calls in
// progress and waits for them (at most requestor.CleanupTimeout), then,
// unless the client closed the session itself (reason nil), aborts the
// backup and deletes the sets the session started and did not complete;
// last it closes the requestor session. It returns the clean-up's errors.
func (a *Agent) end(s *agentSession, reason error) error {
	a.mu.Lock()
	if a.sessions[s.id] != s {
		a.mu.Unlock()
		return ErrNoSession
	}
	delete(a.sessions, s.id)
	delete(a.byClient, s.client)
	a.ending.Add(1)
	a.mu.Unlock()
	defer a.ending.Done()

	s.mu.Lock()
	s.ended = true
	if s.stopLease != nil {
		s.stopLease()
	}
	opened := s.r != nil
	s.mu.Unlock()
	cause := reason
	if cause == nil {
		cause = errClosedByClient
	}
	s.cancel(cause)
	if !opened { // still being opened: openSession closes it
		return nil
	}
	a.waitWork(s)
	var errs []error
	if reason != nil {
		errs = append(errs, s.abandon(context.WithoutCancel(s.ctx)))
	}
	if err := s.r.Close(); err != nil {
		errs = append(errs, fmt.Errorf("Close: %w", err))
	}
	if err := s.closeTarget(); err != nil {
		errs = append(errs, fmt.Errorf("closing the restore target: %w", err))
	}
	err := errors.Join(errs...)
	a.log.Info("session ended", "client", s.client, "session", s.id, "reason", reasonText(reason), "err", err)
	if a.cfg.OnSessionEnd != nil {
		a.cfg.OnSessionEnd(SessionEnd{ID: s.id, Client: s.client, Reason: reason, Err: err})
	}
	return err
}

func reasonText(reason error) string {
	if reason == nil {
		return "closed by the client"
	}
	return reason.Error()
}

// waitWork waits for the session's calls and reads to return, at most
// requestor.CleanupTimeout: Close then deals with a call that ignores
// its cancellation.
func (a *Agent) waitWork(s *agentSession) {
	done := make(chan struct{})
	go func() { s.work.Wait(); close(done) }()
	t := time.NewTimer(requestor.CleanupTimeout)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		a.log.Warn("a call ignores its cancellation; closing the session anyway", "session", s.id)
	}
}

// abandon cleans up after a client that is gone: AbortBackup, then
// DeleteSnapshots of every set the session started and did not complete,
// each bounded by requestor.CleanupTimeout, as requestor.Backup cleans up
// after a failure.
func (s *agentSession) abandon(ctx context.Context) error {
	s.mu.Lock()
	sets, completed := append([]vss.ID(nil), s.sets...), s.completed
	s.mu.Unlock()
	var errs []error
	call := func(name string, f func(ctx context.Context) error) {
		ctx, cancel := context.WithTimeout(ctx, requestor.CleanupTimeout)
		defer cancel()
		if err := f(ctx); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
		}
	}
	if len(sets) == 0 || completed {
		return nil
	}
	call("AbortBackup", func(ctx context.Context) error {
		err := s.r.AbortBackup(ctx)
		if errors.Is(err, vss.ErrBadState) {
			return nil // nothing was under way
		}
		return err
	})
	for _, set := range sets {
		call("DeleteSnapshots", func(ctx context.Context) error {
			_, err := s.r.DeleteSnapshots(ctx, set, objectSnapshotSet)
			if errors.Is(err, vss.ErrObjectNotFound) {
				return nil
			}
			return err
		})
	}
	return errors.Join(errs...)
}

// cancelCall cancels a call the client gave up and waits for it to
// return: POST /v1/sessions/{id}/cancel with {"call": N}.
func (a *Agent) cancelCall(w http.ResponseWriter, r *http.Request, s *agentSession) {
	var req struct {
		Call uint64 `json:"call"`
	}
	if !a.readBody(w, r, a.cfg.MaxRequestBody, &req) {
		return
	}
	s.mu.Lock()
	c := s.calls[req.Call]
	s.mu.Unlock()
	if c != nil {
		c.cancel()
		select {
		case <-c.done:
		case <-r.Context().Done():
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

// readBody decodes a JSON request body of at most limit bytes into v; it
// answers the error itself and returns false when it cannot.
func (a *Agent) readBody(w http.ResponseWriter, r *http.Request, limit int64, v any) bool {
	body := http.MaxBytesReader(w, r.Body, limit)
	dec := json.NewDecoder(body)
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, limit))
			return false
		}
		writeError(w, http.StatusBadRequest, fmt.Errorf("%w: request body: %v", ErrProtocol, err))
		return false
	}
	if _, err := io.Copy(io.Discard, body); err != nil {
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, limit))
		return false
	}
	return true
}

// call runs one requestor call: POST /v1/sessions/{id}/calls/{method}.
func (a *Agent) call(w http.ResponseWriter, r *http.Request, s *agentSession) {
	method := r.PathValue("method")
	c, ok := calls[method]
	if !ok {
		writeError(w, http.StatusNotFound, fmt.Errorf("%w: no call %q", ErrProtocol, method))
		return
	}
	limit := a.cfg.MaxRequestBody
	if c.document {
		limit = a.cfg.MaxDocumentBody
	}
	var args callArgs
	if !a.readBody(w, r, limit, &args) {
		return
	}
	seq, _ := strconv.ParseUint(r.Header.Get(headerCall), 10, 64)
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	if ms, err := strconv.ParseInt(r.Header.Get(headerTimeout), 10, 64); err == nil {
		var cancelT context.CancelFunc
		ctx, cancelT = context.WithTimeout(ctx, time.Duration(max(ms, 0))*time.Millisecond)
		defer cancelT()
	}
	// The session's end (an expired lease) cancels the call too.
	defer context.AfterFunc(s.ctx, cancel)()
	rc := &runningCall{cancel: cancel, done: make(chan struct{})}
	s.mu.Lock()
	s.calls[seq] = rc
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.calls, seq)
		s.mu.Unlock()
		close(rc.done)
	}()
	res, err := c.run(ctx, s, &args)
	if err != nil {
		if cause := context.Cause(s.ctx); cause != nil && ctx.Err() != nil {
			err = fmt.Errorf("%w (%w)", err, cause)
		}
		writeError(w, http.StatusUnprocessableEntity, err)
		return
	}
	if res == nil {
		res = &callResult{}
	}
	writeJSON(w, http.StatusOK, res)
}
