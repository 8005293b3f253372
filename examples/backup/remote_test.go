package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/requestor/media"
	"github.com/vsskit/vss/requestor/remote"
	"github.com/vsskit/vss/simulate"
)

const agentToken = "0123456789abcdef0123456789abcdef-agent"

// testAgent is a client agent served in process on 127.0.0.1, over TLS
// with a self-signed certificate, whose sessions run on the simulated
// machine of this command (newSimulatedSession); a restore session gets
// a fresh machine (newSimulatedRestoreSession), whose volume is its
// restore target.
type testAgent struct {
	addr, tokenFile, ca string

	mu        sync.Mutex
	restoring bool
	fresh     []*simulate.Volume // the last restore machine's volumes
}

func startTestAgent(t *testing.T) *testAgent {
	t.Helper()
	dir := t.TempDir()
	ta := &testAgent{tokenFile: filepath.Join(dir, "agent.token"), ca: filepath.Join(dir, "agent.pem")}
	agent, err := remote.NewAgent(remote.AgentConfig{
		Tokens: []remote.Token{{Name: "backup-server", Secret: []byte(agentToken)}},
		NewSession: func(context.Context) (requestor.Requestor, error) {
			ta.mu.Lock()
			defer ta.mu.Unlock()
			if !ta.restoring {
				return newSimulatedSession(`C:\`, 3)
			}
			s, vols, err := newSimulatedRestoreSession([]string{`C:\`})
			ta.fresh = vols
			return s, err
		},
		RestoreTarget: func(context.Context, requestor.Requestor) (requestor.Target, error) {
			ta.mu.Lock()
			defer ta.mu.Unlock()
			if !ta.restoring {
				return nil, nil
			}
			return simulate.NewVolumeTarget(ta.fresh...), nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	cert, certPEM, err := remote.SelfSigned([]string{"127.0.0.1"}, time.Hour, x509.ExtKeyUsageServerAuth)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ta.ca, certPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ta.tokenFile, []byte(agentToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ta.addr = ln.Addr().String()
	srv := agent.Server(cert)
	served := make(chan error, 1)
	go func() { served <- srv.ServeTLS(ln, "", "") }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		if err := agent.Close(); err != nil {
			t.Error(err)
		}
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			t.Error(err)
		}
	})
	return ta
}

// flags are the -remote command line flags for the agent.
func (ta *testAgent) flags() []string {
	return []string{"-remote", ta.addr, "-token-file", ta.tokenFile, "-ca", ta.ca}
}

// contents reads every entry of a backup archive: its files' bytes, and
// the type of the rest, by volume and path.
func contents(t *testing.T, name string) map[string]string {
	t.Helper()
	a, err := media.OpenFile(name)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	files, err := a.Files()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, f := range files {
		key := f.Volume + f.Path
		if !f.Mode.IsRegular() {
			out[key] = f.Mode.Type().String() + " " + f.Link
			continue
		}
		rc, err := a.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		_, err = b.ReadFrom(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		out[key] = b.String()
	}
	return out
}

// -remote backs up through a client agent: exit 0, and the archive holds
// the same files, byte for byte, as a local backup of the same machine;
// -restore with -remote puts them back on the agent's machine.
func TestRemoteBackupAndRestoreThroughAnAgent(t *testing.T) {
	ta := startTestAgent(t)
	dir := t.TempDir()
	local, remoteOut := filepath.Join(dir, "local.tar"), filepath.Join(dir, "remote.tar")
	var stdout, stderr bytes.Buffer
	if code := runMain(context.Background(), []string{"-simulate", "-simulate-files", "3", "-quiet", "-out", local}, &stdout, &stderr); code != 0 {
		t.Fatalf("local backup: exit %d: %s", code, stderr.String())
	}
	want := stdout.String()
	stdout.Reset()
	if code := runMain(context.Background(), append(ta.flags(), "-quiet", "-out", remoteOut), &stdout, &stderr); code != 0 {
		t.Fatalf("remote backup: exit %d: %s", code, stderr.String())
	}
	if got := strings.SplitN(stdout.String(), " from ", 2)[0]; got != strings.SplitN(want, " from ", 2)[0] {
		t.Errorf("remote backup says %q, a local one %q", got, want)
	}
	l, r := contents(t, local), contents(t, remoteOut)
	if len(l) != len(r) || len(l) < 10 {
		t.Errorf("the local archive holds %d entries, the remote one %d", len(l), len(r))
	}
	for k, v := range l {
		if r[k] != v {
			t.Errorf("%s differs between the local and the remote backup", k)
		}
	}

	ta.mu.Lock()
	ta.restoring = true
	ta.mu.Unlock()
	stdout.Reset()
	if code := runMain(context.Background(), append(ta.flags(), "-quiet", "-restore", remoteOut), &stdout, &stderr); code != 0 {
		t.Fatalf("remote restore: exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "through the agent at "+ta.addr) {
		t.Errorf("stdout: %q", stdout.String())
	}
	ta.mu.Lock()
	fresh := ta.fresh[0]
	ta.mu.Unlock()
	for name, data := range sampleFiles {
		got, err := fresh.ReadFile(name)
		if err != nil || string(got) != data {
			t.Errorf("%s on the agent's fresh volume: %d bytes, %v", name, len(got), err)
		}
	}
	name, data := generatedFile(1)
	if got, err := fresh.ReadFile(name); err != nil || !bytes.Equal(got, data) {
		t.Errorf("%s on the agent's fresh volume: %v", name, err)
	}
}

// A wrong token: the command exits non-zero with one line saying the
// agent refused the credentials, and writes nothing.
func TestRemoteBackupWithAWrongToken(t *testing.T) {
	ta := startTestAgent(t)
	wrong := filepath.Join(t.TempDir(), "wrong.token")
	if err := os.WriteFile(wrong, []byte(strings.Repeat("w", 40)), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "backup.tar")
	var stdout, stderr bytes.Buffer
	code := runMain(context.Background(), []string{"-remote", ta.addr, "-token-file", wrong, "-ca", ta.ca, "-out", out}, &stdout, &stderr)
	if code == 0 {
		t.Fatal("exit 0 with a wrong token")
	}
	lines := strings.Split(strings.TrimSuffix(stderr.String(), "\n"), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], "the agent refused the credentials") {
		t.Errorf("stderr %q, want one line saying the agent refused the credentials", stderr.String())
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("%s exists after a refused backup (%v)", out, err)
	}

	// A restore too.
	stored := filepath.Join(t.TempDir(), "stored.tar")
	if code := runMain(context.Background(), []string{"-simulate", "-quiet", "-out", stored}, io.Discard, io.Discard); code != 0 {
		t.Fatalf("local backup: exit %d", code)
	}
	stderr.Reset()
	code = runMain(context.Background(), []string{"-remote", ta.addr, "-token-file", wrong, "-ca", ta.ca, "-restore", stored}, &stdout, &stderr)
	if code == 0 || strings.Count(stderr.String(), "\n") != 1 || !strings.Contains(stderr.String(), "the agent refused the credentials") {
		t.Errorf("a restore with a wrong token: exit %d, stderr %q", code, stderr.String())
	}
}

// -remote's flags go together, and exclude -simulate and -to.
func TestRemoteFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-token-file", "t", "-out", "x.tar"},
		{"-remote", "h:1", "-out", "x.tar"},
		{"-remote", "h:1", "-token-file", "t", "-simulate", "-out", "x.tar"},
		{"-remote", "h:1", "-token-file", "t", "-restore", "x.tar", "-to", "d"},
	} {
		_, err := parse(args, &bytes.Buffer{})
		var ue usageError
		if !errors.As(err, &ue) {
			t.Errorf("%v: %v, want a usage error", args, err)
		}
	}
}
