package remote_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/coordinator"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/requestor/remote"
)

// sessionID returns the agent's ID of a client session.
func sessionID(t *testing.T, r requestor.Requestor) string {
	t.Helper()
	s, ok := r.(interface{ ID() string })
	require.True(t, ok)
	return s.ID()
}

// The agent refuses every request that comes with no credentials or
// wrong ones, whatever it asks for, and makes no requestor call for it:
// the session a good client opened has an empty trace afterwards, and no
// other session was opened.
func TestAgentRefusesMissingAndWrongCredentials(t *testing.T) {
	ta := startAgent(t, simpleMachine, remote.AgentConfig{})
	c := ta.dial(t, remote.Options{})
	r, local := ta.session(t, c)
	id := sessionID(t, r)
	session := local.(*coordinator.Session)

	wrong := []string{
		"",
		"Bearer " + strings.Repeat("x", len(testToken)),
		"Bearer " + string(testToken[:len(testToken)-1]),
		"Bearer " + string(testToken) + "x",
		"Basic " + string(testToken),
		string(testToken),
	}
	requests := []struct{ method, path string }{
		{http.MethodPost, "/v1/sessions"},
		{http.MethodGet, "/v1/whoami"},
		{http.MethodPost, "/v1/sessions/" + id + "/calls/InitializeForBackup"},
		{http.MethodPost, "/v1/sessions/" + id + "/calls/AbortBackup"},
		{http.MethodPost, "/v1/sessions/" + id + "/lease"},
		{http.MethodGet, "/v1/sessions/" + id + "/snapshots/" + vss.NilID.String() + "/file?path=data/file.txt"},
		{http.MethodDelete, "/v1/sessions/" + id},
		{http.MethodGet, "/v1/no-such-endpoint"},
	}
	for _, auth := range wrong {
		for _, rq := range requests {
			status := ta.rawRequest(t, rq.method, rq.path, auth, []byte(`{}`), nil)
			require.Equal(t, http.StatusUnauthorized, status, "%s %s with %q", rq.method, rq.path, auth)
		}
	}
	require.EqualValues(t, 1, ta.opened.Load(), "no session opened for a refused request")
	require.Empty(t, session.Trace(), "no requestor call made for a refused request")
	require.Equal(t, 1, ta.agent.Sessions())

	// The same requests with the token do reach the session.
	require.NoError(t, r.InitializeForBackup(context.Background(), ""))
	require.NotEmpty(t, session.Trace())

	// Dial checks the credentials.
	_, err := remote.Dial(context.Background(), ta.addr, remote.Options{Token: []byte(strings.Repeat("y", 40)), RootCAs: ta.roots})
	require.ErrorIs(t, err, remote.ErrUnauthorized)
	require.Contains(t, err.Error(), "refused the credentials")

	// Every request is logged with the client's identity.
	logs := ta.logs.String()
	require.Contains(t, logs, "client=- ")
	require.Contains(t, logs, "status=401")
	require.Contains(t, logs, "client=token:backup-server")
}

// The health check answers without credentials and says nothing but ok.
func TestHealthCheckRevealsNothing(t *testing.T) {
	ta := startAgent(t, simpleMachine, remote.AgentConfig{})
	tr := &http.Transport{TLSClientConfig: ta.dialTLS()}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Get("https://" + ta.addr + "/v1/health")
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "ok\n", string(body))
	require.Empty(t, resp.Header.Get("Server"))
	require.Zero(t, ta.opened.Load())
}

// An agent that pins a client certificate accepts that client over
// mutual TLS, and refuses another certificate, and no certificate.
func TestAgentPinsClientCertificates(t *testing.T) {
	good, _, err := remote.SelfSigned(nil, time.Hour, x509.ExtKeyUsageClientAuth)
	require.NoError(t, err)
	other, _, err := remote.SelfSigned(nil, time.Hour, x509.ExtKeyUsageClientAuth)
	require.NoError(t, err)
	ta := startAgent(t, simpleMachine, remote.AgentConfig{ClientCerts: []*x509.Certificate{good.Leaf}, Clock: realClock{}})

	c := ta.dial(t, remote.Options{Certificate: &good})
	r, _ := ta.session(t, c)
	require.NoError(t, r.InitializeForBackup(context.Background(), ""))

	_, err = remote.Dial(context.Background(), ta.addr, remote.Options{Certificate: &other, RootCAs: ta.roots})
	require.ErrorIs(t, err, remote.ErrUnauthorized)
	require.Equal(t, http.StatusUnauthorized, ta.rawRequest(t, http.MethodPost, "/v1/sessions", "", nil, nil))
	require.Equal(t, http.StatusUnauthorized, ta.rawRequest(t, http.MethodPost, "/v1/sessions", "Bearer "+string(testToken), nil, &other))
	require.EqualValues(t, 1, ta.opened.Load())
	require.Contains(t, ta.logs.String(), `client="cert:vss client:`)
}

// realClock is the system clock, for the certificates' validity.
type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }
func (realClock) AfterFunc(d time.Duration, f func()) func() bool {
	return time.AfterFunc(d, f).Stop
}

// An agent needs a credential, and a token long enough.
func TestAgentNeedsCredentials(t *testing.T) {
	_, err := remote.NewAgent(remote.AgentConfig{NewSession: func(context.Context) (requestor.Requestor, error) { return simpleMachine() }})
	require.ErrorContains(t, err, "no credential")
	_, err = remote.NewAgent(remote.AgentConfig{NewSession: func(context.Context) (requestor.Requestor, error) { return simpleMachine() },
		Tokens: []remote.Token{{Secret: []byte("short")}}})
	require.ErrorContains(t, err, "at least 32 bytes")
}

// linkedSession is a session whose shadow copies read as a directory of
// the test's, which holds links out of it.
type linkedSession struct {
	requestor.Requestor
	dir string
}

func (l linkedSession) SnapshotFS(ctx context.Context, id vss.ID) (fs.FS, error) {
	if _, err := l.Requestor.SnapshotFS(ctx, id); err != nil {
		return nil, err
	}
	return os.DirFS(l.dir), nil
}

// No read escapes the shadow copy: .., absolute paths, Windows drive,
// stream and device names, and paths through a link are refused by the
// agent (HTTP 403), at every endpoint; a plain file is served.
func TestAgentRefusesPathsOutOfTheShadowCopy(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "data"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "data", "file.txt"), []byte("hello\n"), 0o644))
	require.NoError(t, os.Symlink("/etc", filepath.Join(dir, "etc")))
	require.NoError(t, os.Symlink("/etc/passwd", filepath.Join(dir, "data", "passwd")))
	require.NoError(t, os.Symlink("..", filepath.Join(dir, "data", "up")))

	ta := startAgent(t, func() (requestor.Requestor, error) {
		r, err := simpleMachine()
		return linkedSession{r, dir}, err
	}, remote.AgentConfig{})
	c := ta.dial(t, remote.Options{})
	r, _ := ta.session(t, c)
	ctx := context.Background()
	snap, err := prepareSnapshot(ctx, r)
	require.NoError(t, err)
	require.NoError(t, r.DoSnapshotSet(ctx))
	st, err := r.GetSnapshotProperties(ctx, snap)
	require.NoError(t, err)
	fsys, err := r.SnapshotFS(ctx, st.ID)
	require.NoError(t, err)

	base := "/v1/sessions/" + sessionID(t, r) + "/snapshots/" + st.ID.String() + "/"
	auth := "Bearer " + string(testToken)
	for _, p := range []string{
		"../../etc/passwd", "data/../../etc/passwd", "/etc/passwd", "C:/Windows/win.ini", `..\..\etc\passwd`,
		`C:\Windows`, "data/file.txt:stream", "NUL", "data/con.txt", "COM1", "data/file.txt.",
		"etc/passwd", "data/passwd", "data/up/data/file.txt", "data/up", "etc",
	} {
		for _, op := range []string{"file", "stat", "dir"} {
			status := ta.rawRequest(t, http.MethodGet, base+op+"?path="+urlQuery(p), auth, nil, nil)
			require.Equal(t, http.StatusForbidden, status, "%s %q", op, p)
		}
	}
	require.Equal(t, http.StatusOK, ta.rawRequest(t, http.MethodGet, base+"file?path=data/file.txt", auth, nil, nil))

	// Through the client: the refusal is an *fs.PathError matching
	// ErrPathRefused and fs.ErrPermission.
	_, err = fsys.Open("data/passwd")
	require.ErrorIs(t, err, remote.ErrPathRefused)
	require.ErrorIs(t, err, fs.ErrPermission)
	var pe *fs.PathError
	require.ErrorAs(t, err, &pe)
	require.Equal(t, "data/passwd", pe.Path)
	_, err = fs.ReadFile(fsys, "etc/passwd")
	require.ErrorIs(t, err, remote.ErrPathRefused)
	_, err = fsys.Open("../../etc/passwd")
	require.ErrorIs(t, err, fs.ErrInvalid, "the client refuses it before asking")
	b, err := fs.ReadFile(fsys, "data/file.txt")
	require.NoError(t, err)
	require.Equal(t, "hello\n", string(b))
	// A listing shows the link as a link; it is not followed.
	es, err := fs.ReadDir(fsys, "data")
	require.NoError(t, err)
	types := map[string]fs.FileMode{}
	for _, e := range es {
		types[e.Name()] = e.Type()
	}
	require.Equal(t, fs.ModeSymlink, types["passwd"])
	require.NoError(t, r.AbortBackup(ctx))
}

func urlQuery(s string) string {
	return strings.NewReplacer("%", "%25", "&", "%26", "+", "%2B", " ", "%20", "#", "%23", "?", "%3F", `\`, "%5C").Replace(s)
}

// Oversized request bodies are refused (HTTP 413) before any requestor
// call: a call's arguments over MaxRequestBody, a document over
// MaxDocumentBody (1 MiB here, to keep the test quick).
func TestAgentRefusesOversizedBodies(t *testing.T) {
	ta := startAgent(t, simpleMachine, remote.AgentConfig{MaxDocumentBody: 1 << 20})
	c := ta.dial(t, remote.Options{})
	r, local := ta.session(t, c)
	base := "/v1/sessions/" + sessionID(t, r) + "/calls/"
	auth := "Bearer " + string(testToken)

	big := []byte(`{"volume":"` + strings.Repeat("C", remote.DefaultMaxRequestBody) + `"}`)
	require.Equal(t, http.StatusRequestEntityTooLarge, ta.rawRequest(t, http.MethodPost, base+"AddToSnapshotSet", auth, big, nil))
	require.Equal(t, http.StatusRequestEntityTooLarge, ta.rawRequest(t, http.MethodPost, base+"SetContext", auth, big, nil))
	doc := bytes.Repeat([]byte("x"), 1<<20+1)
	copy(doc, `{"bcd":"`)
	require.Equal(t, http.StatusRequestEntityTooLarge, ta.rawRequest(t, http.MethodPost, base+"InitializeForBackup", auth, doc, nil))
	require.Empty(t, local.(*coordinator.Session).Trace(), "no requestor call made")
	// A document under its limit, over the other, passes the check (and
	// fails as a document).
	doc = append(append([]byte(`{"bcd":"<a>`), bytes.Repeat([]byte("x"), 2*remote.DefaultMaxRequestBody)...), `</a>"}`...)
	require.Equal(t, http.StatusUnprocessableEntity, ta.rawRequest(t, http.MethodPost, base+"InitializeForBackup", auth, doc, nil))
	require.NotEmpty(t, local.(*coordinator.Session).Trace())
}
