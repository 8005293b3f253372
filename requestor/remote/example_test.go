package remote_test

import (
	"context"
	"crypto/x509"
	"fmt"
	"io/fs"
	"net"
	"time"

	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/requestor/remote"
)

// An agent serves a simulated machine on 127.0.0.1; a client dials it with
// the token and the agent's certificate, and requestor.Backup runs over
// the remote session as it would locally, reading the shadow copy through
// the agent.
func ExampleDial() {
	// On the protected machine: the agent.
	token := []byte("0123456789abcdef0123456789abcdef")
	agent, err := remote.NewAgent(remote.AgentConfig{
		NewSession: func(context.Context) (requestor.Requestor, error) { return simpleMachine() },
		Tokens:     []remote.Token{{Name: "backup-server", Secret: token}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	cert, certPEM, err := remote.SelfSigned([]string{"127.0.0.1"}, time.Hour, x509.ExtKeyUsageServerAuth)
	if err != nil {
		fmt.Println(err)
		return
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := agent.Server(cert)
	go srv.ServeTLS(ln, "", "")
	defer func() { srv.Close(); agent.Close() }()

	// On the backup server: the client.
	ctx := context.Background()
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(certPEM)
	c, err := remote.Dial(ctx, ln.Addr().String(), remote.Options{Token: token, RootCAs: roots})
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
