package main

import (
	"context"
	"fmt"

	"github.com/vsskit/vss/requestor/remote"
)

// remoteSession opens a session on the client agent -remote names, with
// the credentials of -token-file, -ca, -cert and -key: a
// requestor.Requestor (and Restorer) whose calls run on the protected
// machine, and the client, to close once the session is. An agent that
// refuses the credentials is an error that says so
// (remote.ErrUnauthorized).
func remoteSession(ctx context.Context, o options) (*remote.Session, *remote.Client, error) {
	opts, err := remote.LoadOptions(o.tokenFile, o.ca, o.cert, o.key)
	if err != nil {
		return nil, nil, err
	}
	c, err := remote.Dial(ctx, o.remote, opts)
	if err != nil {
		return nil, nil, err
	}
	s, err := c.NewSession(ctx)
	if err != nil {
		c.Close()
		return nil, nil, fmt.Errorf("agent %s: %w", o.remote, err)
	}
	return s, c, nil
}
