package remote_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"fmt"
	"io/fs"
	"net"
	"time"

	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/requestor/media"
	"github.com/vsskit/vss/requestor/remote"
	"github.com/vsskit/vss/simulate"
)

// exampleToken is the examples' bearer token.
var exampleToken = []byte("0123456789abcdef0123456789abcdef")

// serveExample runs an agent with cfg (and the examples' token) on
// 127.0.0.1, and returns its address, the certificates to trust it by,
// and a function that stops it.
func serveExample(cfg remote.AgentConfig) (string, *x509.CertPool, func(), error) {
	cfg.Tokens = []remote.Token{{Name: "backup-server", Secret: exampleToken}}
	agent, err := remote.NewAgent(cfg)
	if err != nil {
		return "", nil, nil, err
	}
	cert, certPEM, err := remote.SelfSigned([]string{"127.0.0.1"}, time.Hour, x509.ExtKeyUsageServerAuth)
	if err != nil {
		return "", nil, nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, nil, err
	}
	srv := agent.Server(cert)
	go srv.ServeTLS(ln, "", "")
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(certPEM)
	return ln.Addr().String(), roots, func() { srv.Close(); agent.Close() }, nil
}

// An agent serves a simulated machine on 127.0.0.1; a client dials it with
// the token and the agent's certificate, and requestor.Backup runs over
// the remote session as it would locally, reading the shadow copy through
// the agent.
func ExampleDial() {
	// On the protected machine: the agent.
	addr, roots, stop, err := serveExample(remote.AgentConfig{
		NewSession: func(context.Context) (requestor.Requestor, error) { return simpleMachine() },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer stop()

	// On the backup server: the client.
	ctx := context.Background()
	c, err := remote.Dial(ctx, addr, remote.Options{Token: exampleToken, RootCAs: roots})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	r, err := c.NewSession(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer r.Close()
	_, err = requestor.Backup(ctx, r, requestor.Plan{
		Volumes: []string{`C:\`},
		Copy: func(ctx context.Context, src *requestor.CopySource) error {
			snaps := src.Snapshots
			b, err := fs.ReadFile(snaps[0].FS, "data/file.txt")
			fmt.Printf("data/file.txt: %q\n", b)
			return err
		},
	})
	fmt.Println("backup:", err)
	// Output:
	// data/file.txt: "hello\n"
	// backup: <nil>
}

// A backup through the agent is stored in a backup archive on the backup
// server, then restored through the agent: requestor.Restore writes to
// Session.Target, the agent's restore target, here a fresh simulated
// volume of the protected machine.
func ExampleSession_Target() {
	fresh := simulate.NewVolume(`C:\`)
	addr, roots, stop, err := serveExample(remote.AgentConfig{
		NewSession: func(context.Context) (requestor.Requestor, error) { return simpleMachine() },
		RestoreTarget: func(context.Context, requestor.Requestor) (requestor.Target, error) {
			return simulate.NewVolumeTarget(fresh), nil
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer stop()
	ctx := context.Background()
	c, err := remote.Dial(ctx, addr, remote.Options{Token: exampleToken, RootCAs: roots})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()

	// The backup, into an archive on the backup server.
	r, err := c.NewSession(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	var archive bytes.Buffer
	mw := media.NewWriter(&archive)
	res, err := requestor.Backup(ctx, r, requestor.Plan{Volumes: []string{`C:\`}, Copy: mw.CopySnapshots})
	if err == nil {
		var wmd []string
		if wmd, err = media.WriterMetadataXML(ctx, r, res); err == nil {
			err = mw.Finish(res.BackupDocument, wmd)
		}
	}
	r.Close()
	if err != nil {
		fmt.Println(err)
		return
	}

	// The restore, through the agent.
	a, err := media.Open(bytes.NewReader(archive.Bytes()), int64(archive.Len()))
	if err != nil {
		fmt.Println(err)
		return
	}
	r, err = c.NewSession(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer r.Close()
	rres, err := requestor.Restore(ctx, r, a, requestor.RestorePlan{Target: r.Target()})
	if err != nil {
		fmt.Println(err)
		return
	}
	b, err := fresh.ReadFile("data/file.txt")
	fmt.Printf("restored %d file; data/file.txt on the agent: %q %v\n", rres.Files, b, err)
	// Output:
	// restored 1 file; data/file.txt on the agent: "hello\n" <nil>
}
