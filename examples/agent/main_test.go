package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/requestor/remote"
)

const token = "7c1f0b8e2d4a96f3c5e8a1b07d2f4e6a9c3b5d8f"

// startAgent runs the command with args and returns the address it
// listens on; the agent stops, and its exit status is checked, when the
// test ends.
func startAgent(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	var stderr bytes.Buffer
	done := make(chan int, 1)
	go func() {
		code := runMain(ctx, args, pw, &stderr)
		pw.CloseWithError(io.EOF)
		done <- code
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		cancel()
		t.Fatalf("no first line (exit %d): %v; stderr: %s", <-done, err, stderr.String())
	}
	m := regexp.MustCompile(`^listening on (127\.0\.0\.1:\d+)\n$`).FindStringSubmatch(line)
	require.NotNil(t, m, "first line %q", line)
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	t.Cleanup(func() {
		cancel()
		require.Equal(t, 0, <-done)
	})
	return m[1]
}

// files writes name=content pairs into a temporary directory and returns
// their paths.
func files(t *testing.T, kv ...string) []string {
	dir := t.TempDir()
	var out []string
	for i := 0; i < len(kv); i += 2 {
		p := filepath.Join(dir, kv[i])
		require.NoError(t, os.WriteFile(p, []byte(kv[i+1]), 0o600))
		out = append(out, p)
	}
	return out
}

// backUp runs a backup of C:\ through the agent and returns the files it
// read.
func backUp(t *testing.T, addr string, o remote.Options) map[string][]byte {
	t.Helper()
	ctx := context.Background()
	c, err := remote.Dial(ctx, addr, o)
	require.NoError(t, err)
	defer c.Close()
	r, err := c.NewSession(ctx)
	require.NoError(t, err)
	defer r.Close()
	got := map[string][]byte{}
	_, err = requestor.Backup(ctx, r, requestor.Plan{
		Volumes: []string{`C:\`},
		Copy: func(ctx context.Context, src *requestor.CopySource) error {
			snaps := src.Snapshots
			return fs.WalkDir(snaps[0].FS, ".", func(name string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return err
				}
				got[name], err = fs.ReadFile(snaps[0].FS, name)
				return err
			})
		},
	})
	require.NoError(t, err)
	require.NoError(t, r.Close())
	return got
}

func TestRefusesToStartWithoutCredentials(t *testing.T) {
	var stderr bytes.Buffer
	ca := filepath.Join(t.TempDir(), "ca.pem")
	code := runMain(context.Background(), []string{"-simulate", "-listen", "127.0.0.1:0", "-ca-out", ca}, io.Discard, &stderr)
	require.Equal(t, 2, code)
	require.Contains(t, stderr.String(), "no credential")
	require.NoFileExists(t, ca)
}

func TestRefusesToServeVSSWhereThereIsNone(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows has VSS")
	}
	var stderr bytes.Buffer
	tok := files(t, "token", token)
	code := runMain(context.Background(), []string{"-listen", "127.0.0.1:0", "-token-file", tok[0], "-ca-out", filepath.Join(t.TempDir(), "ca.pem")}, io.Discard, &stderr)
	require.Equal(t, 2, code)
	require.Contains(t, stderr.String(), "needs Windows")
}

func TestRefusesAShortToken(t *testing.T) {
	var stderr bytes.Buffer
	tok := files(t, "token", "too short\n")
	code := runMain(context.Background(), []string{"-simulate", "-listen", "127.0.0.1:0", "-token-file", tok[0], "-ca-out", filepath.Join(t.TempDir(), "ca.pem")}, io.Discard, &stderr)
	require.Equal(t, 1, code)
	require.Contains(t, stderr.String(), "at least 32 bytes")
}

// The agent with a token and a self-signed certificate serves a backup of
// its simulated machine, and refuses a wrong token.
func TestServesASimulatedMachineWithAToken(t *testing.T) {
	tok := files(t, "token", token+"\n")
	ca := filepath.Join(t.TempDir(), "ca.pem")
	addr := startAgent(t, "-simulate", "-listen", "127.0.0.1:0", "-token-file", tok[0], "-ca-out", ca)

	o, err := remote.LoadOptions(tok[0], ca, "", "")
	require.NoError(t, err)
	got := backUp(t, addr, o)
	require.Equal(t, machineFiles["Users/ann/Documents/report.txt"], string(got["Users/ann/Documents/report.txt"]))
	orders := 0
	for name := range got {
		if strings.HasPrefix(name, "ProgramData/Orders/") {
			orders++
		}
	}
	require.Positive(t, orders, "the orders database is in the backup")

	wrong := files(t, "token", strings.Repeat("w", 40))
	o, err = remote.LoadOptions(wrong[0], ca, "", "")
	require.NoError(t, err)
	_, err = remote.Dial(context.Background(), addr, o)
	require.ErrorIs(t, err, remote.ErrUnauthorized)
	require.Contains(t, err.Error(), "the agent refused the credentials")
}

// With -cert, -key and -client-ca the agent serves its own certificate
// and pins the client's: mutual TLS.
func TestServesOverMutualTLS(t *testing.T) {
	serverCert, serverPEM, err := remote.SelfSigned([]string{"127.0.0.1"}, time.Hour, x509.ExtKeyUsageServerAuth)
	require.NoError(t, err)
	clientCert, clientPEM, err := remote.SelfSigned(nil, time.Hour, x509.ExtKeyUsageClientAuth)
	require.NoError(t, err)
	p := files(t, "agent.crt", string(serverPEM), "agent.key", keyPEM(t, serverCert),
		"client.crt", string(clientPEM), "client.key", keyPEM(t, clientCert))
	addr := startAgent(t, "-simulate", "-listen", "127.0.0.1:0", "-cert", p[0], "-key", p[1], "-client-ca", p[2])

	o, err := remote.LoadOptions("", p[0], p[2], p[3])
	require.NoError(t, err)
	got := backUp(t, addr, o)
	require.Contains(t, got, "Users/ann/Documents/todo.txt")

	other, _, err := remote.SelfSigned(nil, time.Hour, x509.ExtKeyUsageClientAuth)
	require.NoError(t, err)
	o.Certificate = &other
	_, err = remote.Dial(context.Background(), addr, o)
	require.ErrorIs(t, err, remote.ErrUnauthorized)
}

// keyPEM is the PEM form of a certificate's private key.
func keyPEM(t *testing.T, c tls.Certificate) string {
	der, err := x509.MarshalECPrivateKey(c.PrivateKey.(*ecdsa.PrivateKey))
	require.NoError(t, err)
	return string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}))
}
