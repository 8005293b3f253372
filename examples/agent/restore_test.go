package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/requestor/media"
	"github.com/vsskit/vss/requestor/remote"
)

// A backup through the agent, stored in a backup archive, restored
// through the agent: with -restore-to DIR the files go back under DIR,
// a directory per volume.
func TestRestoresThroughTheAgentIntoADirectory(t *testing.T) {
	tok := files(t, "token", token)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	dir := t.TempDir()
	addr := startAgent(t, "-simulate", "-listen", "127.0.0.1:0", "-token-file", tok[0], "-ca-out", ca, "-restore-to", dir)
	o, err := remote.LoadOptions(tok[0], ca, "", "")
	require.NoError(t, err)
	ctx := context.Background()
	c, err := remote.Dial(ctx, addr, o)
	require.NoError(t, err)
	defer c.Close()

	r, err := c.NewSession(ctx)
	require.NoError(t, err)
	var archive bytes.Buffer
	mw := media.NewWriter(&archive)
	res, err := requestor.Backup(ctx, r, requestor.Plan{Volumes: []string{`C:\`}, Copy: mw.CopySnapshots})
	require.NoError(t, err)
	wmd, err := media.WriterMetadataXML(ctx, r, res)
	require.NoError(t, err)
	require.NoError(t, mw.Finish(res.BackupDocument, wmd))
	require.NoError(t, r.Close())

	a, err := media.Open(bytes.NewReader(archive.Bytes()), int64(archive.Len()))
	require.NoError(t, err)
	r, err = c.NewSession(ctx)
	require.NoError(t, err)
	defer r.Close()
	require.True(t, r.Has(remote.CapRestoreTarget))
	rres, err := requestor.Restore(ctx, r, a, requestor.RestorePlan{Target: r.Target()})
	require.NoError(t, err)
	require.Positive(t, rres.Files)
	for name, want := range machineFiles {
		got, err := os.ReadFile(filepath.Join(dir, "C", filepath.FromSlash(name)))
		require.NoError(t, err)
		require.Equal(t, want, string(got))
	}
}
