package remote_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/requestor/remote"
)

// testToken is the token the test agents accept.
var testToken = []byte("0123456789abcdef0123456789abcdef-test")

// fakeClock is a Clock whose time moves only when the test says: the
// lease tests run in controlled time.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer
}

type fakeTimer struct {
	at      time.Time
	f       func()
	stopped bool
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) AfterFunc(d time.Duration, f func()) func() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{at: c.now.Add(d), f: f}
	c.timers = append(c.timers, t)
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		was := !t.stopped
		t.stopped = true
		return was
	}
}

// Advance moves the clock by d and starts, each on a goroutine of its
// own, the functions whose time has come.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	var due []func()
	keep := c.timers[:0]
	for _, t := range c.timers {
		switch {
		case t.stopped:
		case !t.at.After(c.now):
			t.stopped = true
			due = append(due, t.f)
		default:
			keep = append(keep, t)
		}
	}
	c.timers = keep
	c.mu.Unlock()
	for _, f := range due {
		go f()
	}
}

// testAgent is an agent serving on 127.0.0.1 with a self-signed
// certificate.
type testAgent struct {
	agent    *remote.Agent
	addr     string
	roots    *x509.CertPool
	clock    *fakeClock
	ends     chan remote.SessionEnd
	opened   atomic.Int32 // sessions NewSession opened
	logs     *syncBuffer
	sessions chan requestor.Requestor // every session opened, as NewSession returned it
}

// syncBuffer is a bytes.Buffer safe for the agent's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startAgent serves an agent whose sessions newSession opens; cfg may set
// the credentials and limits (a token when it sets none). The agent and
// its server stop when the test ends.
func startAgent(t testing.TB, newSession func() (requestor.Requestor, error), cfg remote.AgentConfig) *testAgent {
	t.Helper()
	ta := &testAgent{clock: newFakeClock(), ends: make(chan remote.SessionEnd, 16), logs: &syncBuffer{},
		sessions: make(chan requestor.Requestor, 16)}
	cfg.NewSession = func(ctx context.Context) (requestor.Requestor, error) {
		ta.opened.Add(1)
		r, err := newSession()
		if err == nil {
			ta.sessions <- r
		}
		return r, err
	}
	if cfg.Tokens == nil && cfg.ClientCerts == nil {
		cfg.Tokens = []remote.Token{{Name: "backup-server", Secret: testToken}}
	}
	if cfg.Clock == nil {
		cfg.Clock = ta.clock
	}
	cfg.Logger = slog.New(slog.NewTextHandler(ta.logs, nil))
	cfg.OnSessionEnd = func(e remote.SessionEnd) { ta.ends <- e }
	a, err := remote.NewAgent(cfg)
	require.NoError(t, err)
	ta.agent = a
	cert, certPEM, err := remote.SelfSigned([]string{"127.0.0.1"}, time.Hour, x509.ExtKeyUsageServerAuth)
	require.NoError(t, err)
	ta.roots = x509.NewCertPool()
	require.True(t, ta.roots.AppendCertsFromPEM(certPEM))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ta.addr = ln.Addr().String()
	srv := a.Server(cert)
	served := make(chan error, 1)
	go func() { served <- srv.ServeTLS(ln, "", "") }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		require.NoError(t, a.Close())
		require.ErrorIs(t, <-served, http.ErrServerClosed)
	})
	return ta
}

// dial returns a client of the agent with the test token.
func (ta *testAgent) dial(t testing.TB, o remote.Options) *remote.Client {
	t.Helper()
	if o.Token == nil && o.Certificate == nil {
		o.Token = testToken
	}
	o.RootCAs = ta.roots
	c, err := remote.Dial(context.Background(), ta.addr, o)
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return c
}

// session opens a session on the agent and returns it with the agent's
// side of it.
func (ta *testAgent) session(t testing.TB, c *remote.Client) (*remote.Session, requestor.Requestor) {
	t.Helper()
	r, err := c.NewSession(context.Background())
	require.NoError(t, err)
	t.Cleanup(func() { _ = r.Close() })
	select {
	case local := <-ta.sessions:
		return r, local
	default:
		t.Fatal("the agent opened no session")
		return nil, nil
	}
}

// waitEnd waits for the agent to end a session, at most a minute.
func (ta *testAgent) waitEnd(t testing.TB) remote.SessionEnd {
	t.Helper()
	select {
	case e := <-ta.ends:
		return e
	case <-time.After(time.Minute):
		t.Fatal("the agent did not end the session")
		return remote.SessionEnd{}
	}
}

// rawRequest sends a request straight to the agent, with the given
// Authorization header (none when empty) and body, and returns the
// status.
func (ta *testAgent) rawRequest(t testing.TB, method, path, auth string, body []byte, cert *tls.Certificate) int {
	t.Helper()
	tc := &tls.Config{RootCAs: ta.roots, MinVersion: tls.VersionTLS13}
	if cert != nil {
		tc.Certificates = []tls.Certificate{*cert}
	}
	tr := &http.Transport{TLSClientConfig: tc}
	defer tr.CloseIdleConnections()
	req, err := http.NewRequest(method, "https://"+ta.addr+path, bytes.NewReader(body))
	require.NoError(t, err)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		var opErr *net.OpError
		require.True(t, errors.As(err, &opErr), "request %s %s: %v", method, path, err)
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// dialTLS is the TLS configuration of a client that trusts the agent.
func (ta *testAgent) dialTLS() *tls.Config {
	return &tls.Config{RootCAs: ta.roots, MinVersion: tls.VersionTLS13}
}
