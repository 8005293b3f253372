package remote_test

import (
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
	newSession := func() (requestor.Requestor, error) {
		s, _, err := simulate.NewSession(simulate.Config{
			Writers:   []writer.Writer{simulate.NewScriptedWriter("Orders")},
			Providers: []provider.Provider{simulate.NewSystemProvider(vols)},
			Volumes:   vols,
		})
		return s, err
	}

	b.Run("Agent", func(b *testing.B) {
		ta := startAgent(b, newSession, remote.AgentConfig{})
		c := ta.dial(b, remote.Options{})
		ctx := context.Background()
		b.SetBytes(benchVolumeSize)
		b.ReportAllocs()
		for b.Loop() {
			r, err := c.NewSession(ctx)
			require.NoError(b, err)
			<-ta.sessions // the agent's side, which the benchmark does not use
			var n int64
			_, err = requestor.Backup(ctx, r, requestor.Plan{
				Volumes: []string{`C:\`},
				Copy: func(ctx context.Context, snaps []requestor.VolumeSnapshot) error {
					n, err = copyAll(snaps[0].FS)
					return err
				},
			})
			require.NoError(b, err)
			require.NoError(b, r.Close())
			<-ta.ends
			require.EqualValues(b, benchVolumeSize, n)
		}
	})

	b.Run("TLSCopy", func(b *testing.B) {
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
				for range benchVolumeSize / benchFileSize {
					if _, err := conn.Write(data); err != nil {
						break
					}
				}
				conn.Close()
			}
		})
		b.Cleanup(func() { ln.Close(); wg.Wait() })
		b.SetBytes(benchVolumeSize)
		b.ReportAllocs()
		for b.Loop() {
			conn, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{MinVersion: tls.VersionTLS13, RootCAs: roots})
			require.NoError(b, err)
			n, err := io.Copy(io.Discard, conn)
			require.NoError(b, err)
			conn.Close()
			require.EqualValues(b, benchVolumeSize, n)
		}
	})
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
