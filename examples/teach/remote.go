package main

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"net"
	"time"

	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/requestor/remote"
)

// overAgent puts the session s behind a client agent on 127.0.0.1, as
// package requestor/remote serves a protected machine, and returns the
// session a backup server drives over the wire, with what shuts it all
// down: the client session (whose Close closes s on the agent), the
// server and the agent.
func overAgent(s requestor.Requestor) (requestor.Requestor, func() error, error) {
	var raw [24]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return nil, nil, err
	}
	token := []byte(hex.EncodeToString(raw[:]))
	agent, err := remote.NewAgent(remote.AgentConfig{
		NewSession: func(context.Context) (requestor.Requestor, error) { return s, nil },
		Tokens:     []remote.Token{{Name: "backup-server", Secret: token}},
	})
	if err != nil {
		return nil, nil, err
	}
	cert, certPEM, err := remote.SelfSigned([]string{"127.0.0.1"}, time.Hour, x509.ExtKeyUsageServerAuth)
	if err != nil {
		return nil, nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	srv := agent.Server(cert)
	served := make(chan error, 1)
	go func() { served <- srv.ServeTLS(ln, "", "") }()
	stopServer := func() error {
		err := srv.Close()
		<-served
		return errors.Join(err, agent.Close())
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(certPEM)
	ctx := context.Background()
	c, err := remote.Dial(ctx, ln.Addr().String(), remote.Options{Token: token, RootCAs: roots})
	if err != nil {
		return nil, nil, errors.Join(err, stopServer())
	}
	r, err := c.NewSession(ctx)
	if err != nil {
		c.Close()
		return nil, nil, errors.Join(err, stopServer())
	}
	return r, func() error {
		err := r.Close()
		c.Close()
		return errors.Join(err, stopServer())
	}, nil
}
