package remote_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"io/fs"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/requestor/remote"
	"github.com/vsskit/vss/simulate"
	"github.com/vsskit/vss/writer"
)

// benchVolumeSize is the size of the benchmark's volume: 256 MiB in 64
// files of 4 MiB.
const (
	benchVolumeSize = 256 << 20
	benchFileSize   = 4 << 20
)

// benchFile is the contents of every benchmark file.
func benchFile() []byte {
	b := make([]byte, benchFileSize)
	for i := range b {
		b[i] = byte(i*131 + i>>9)
	}
	return b
}

// BenchmarkRemoteBackup backs up a 256 MiB simulated volume through an
// agent on loopback, with requestor.Backup and a Copy that reads every
// file (io.Copy to io.Discard), against TLSCopy: a plain io.Copy of the
// same number of bytes over a loopback TLS 1.3 connection, in the same
// run. The goal is a ratio of 1.5 or less (see BENCHMARKS.md).
func BenchmarkRemoteBackup(b *testing.B) {
	vol := simulate.NewVolume(`C:\`)
	data := benchFile()
	require.NoError(b, vol.MkdirAll("data"))
	for i := range benchVolumeSize / benchFileSize {
		require.NoError(b, vol.WriteFile(fmt.Sprintf("data/file%02d.bin", i), data))
	}
	vols := simulate.NewVolumeSet(vol)
	all := bytes.Repeat(data, benchVolumeSize/benchFileSize)
	newSession := func() (requestor.Requestor, error) {
		s, _, err := simulate.NewSession(simulate.Config{
			Writers:   []writer.Writer{simulate.NewScriptedWriter("Orders")},
			Providers: []provider.Provider{simulate.NewSystemProvider(vols)},
			Volumes:   vols,
		})
		return s, err
	}

	b.Run("Agent", func(b *testing.B) {
		backup := agentBackup(b, newSession)
		b.SetBytes(benchVolumeSize)
		b.ReportAllocs()
		for b.Loop() {
			backup()
		}
	})
	b.Run("TLSCopy", func(b *testing.B) {
		cp := tlsCopy(b, all)
		b.SetBytes(benchVolumeSize)
		b.ReportAllocs()
		for b.Loop() {
			cp()
		}
	})
	// Ratio runs one of each per iteration, so that a change in the
	// machine's load weighs on both alike, and reports the agent's time
	// over the plain copy's.
	b.Run("Ratio", func(b *testing.B) {
		backup, cp := agentBackup(b, newSession), tlsCopy(b, all)
		var agent, plain time.Duration
		for b.Loop() {
			t0 := time.Now()
			backup()
			t1 := time.Now()
			cp()
			agent, plain = agent+t1.Sub(t0), plain+time.Since(t1)
		}
		b.ReportMetric(float64(agent)/float64(plain), "agent/tlscopy")
	})
}

// agentBackup serves newSession's machines from an agent on loopback and
// returns one backup of C:\ through it that reads every file.
func agentBackup(b *testing.B, newSession func() (requestor.Requestor, error)) func() {
	ta := startAgent(b, newSession, remote.AgentConfig{})
	c := ta.dial(b, remote.Options{})
	ctx := context.Background()
	return func() {
		r, err := c.NewSession(ctx)
		require.NoError(b, err)
		<-ta.sessions // the agent's side, which the benchmark does not use
		var n int64
		_, err = requestor.Backup(ctx, r, requestor.Plan{
			Volumes: []string{`C:\`},
			Copy: func(ctx context.Context, src *requestor.CopySource) error {
				snaps := src.Snapshots
				n, err = copyAll(snaps[0].FS)
				return err
			},
		})
		require.NoError(b, err)
		require.NoError(b, r.Close())
		<-ta.ends
		require.EqualValues(b, benchVolumeSize, n)
	}
}

// tlsCopy serves data, the volume's bytes held in one slice, on a
// loopback TLS 1.3 listener and returns one plain io.Copy of them to
// io.Discard over a new connection. The slice is as large as the volume,
// so that its bytes come from memory as the volume's do, not from a
// cache that a smaller slice sent over and over would stay in.
func tlsCopy(b *testing.B, data []byte) func() {
	cert, certPEM, err := remote.SelfSigned([]string{"127.0.0.1"}, time.Hour, x509.ExtKeyUsageServerAuth)
	require.NoError(b, err)
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(certPEM)
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{MinVersion: tls.VersionTLS13, Certificates: []tls.Certificate{cert}})
	require.NoError(b, err)
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			_, _ = io.Copy(conn, bytes.NewReader(data))
			conn.Close()
		}
	})
	b.Cleanup(func() { ln.Close(); wg.Wait() })
	return func() {
		conn, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{MinVersion: tls.VersionTLS13, RootCAs: roots})
		require.NoError(b, err)
		n, err := io.Copy(io.Discard, conn)
		require.NoError(b, err)
		conn.Close()
		require.EqualValues(b, benchVolumeSize, n)
	}
}

// copyAll reads every regular file of fsys and returns how many bytes it
// read.
func copyAll(fsys fs.FS) (int64, error) {
	var total int64
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		f, err := fsys.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		n, err := io.Copy(io.Discard, f)
		total += n
		return err
	})
	return total, err
}
