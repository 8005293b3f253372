package remote_test

import (
	"bytes"
	"context"
	"errors"
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

// awareMachine is a simulated machine with a VSS-aware application
// writing to C:\ all along, its writer, the system provider, and a record
// of the application's progress at the instant the provider commits.
type awareMachine struct {
	vol *simulate.Volume
	app *simulate.TransactionalApp
	s   interface{ Close() error }

	mu       sync.Mutex
	cut      simulate.AppCut
	atCommit *simulate.VolumeSnapshot // the volume at the first commit
	commits  int
}

// newAwareMachine builds the machine (its writer declares one component,
// the application's files) and returns its session, on the
// simulator's loop in virtual time.
func newAwareMachine(seed uint64, files map[string][]byte) (*awareMachine, requestor.Requestor, error) {
	m := &awareMachine{vol: simulate.NewVolume(`C:\`)}
	for name, data := range files {
		if err := m.vol.MkdirAll(dirOf(name)); err != nil {
			return nil, nil, err
		}
		if err := m.vol.WriteFile(name, data); err != nil {
			return nil, nil, err
		}
	}
	m.app = simulate.NewTransactionalApp(m.vol, simulate.AppConfig{Dir: "orders", Requests: 5000, Interval: 50e6})
	vols := simulate.NewVolumeSet(m.vol)
	prov := provider.Intercept(simulate.NewSystemProvider(vols), func(ctx context.Context, c provider.Call, next func(context.Context) error) error {
		if c.Method == provider.MethodCommitSnapshots {
			m.mu.Lock()
			m.cut = m.app.Cut()
			if m.commits == 0 {
				m.atCommit = m.vol.Snapshot()
			}
			m.commits++
			m.mu.Unlock()
		}
		return next(ctx)
	})
	s, loop, err := simulate.NewSession(simulate.Config{
		Seed: seed,
		Writers: []writer.Writer{simulate.NewAppWriter(m.app, simulate.NewScriptedWriter("Orders",
			// One component, "orders", the application's files.
			simulate.WithIdentify(m.app.DeclareFiles),
			// Work that takes virtual time, while the application writes.
			simulate.On(writer.EventIdentify, simulate.Behavior{Cost: time.Second}),
			simulate.On(writer.EventPrepareBackup, simulate.Behavior{Cost: 2 * time.Second}),
			simulate.On(writer.EventFreeze, simulate.Behavior{Cost: 300 * time.Millisecond})))},
		Providers: []provider.Provider{prov},
		Volumes:   vols,
		Jitter:    10e6,
	})
	if err != nil {
		return nil, nil, err
	}
	m.app.Start(loop)
	m.s = s
	return m, s, nil
}

func dirOf(name string) string {
	i := bytes.LastIndexByte([]byte(name), '/')
	if i < 0 {
		return "."
	}
	return name[:i]
}

// sampleFiles are a few files besides the application's, one larger than
// the stream buffers.
func sampleFiles() map[string][]byte {
	big := make([]byte, 3<<20+123)
	for i := range big {
		big[i] = byte(i*7 + i>>12)
	}
	return map[string][]byte{
		"Users/ann/plan.txt":  []byte("Q3: ship the backup tool.\n"),
		"Users/ann/big.bin":   big,
		"Windows/empty.dat":   nil,
		"Windows/System32/ok": []byte("system"),
	}
}

// A backup through the agent on 127.0.0.1, while the aware application
// writes on the agent's simulated machine: requestor.Backup runs
// unchanged over the remote session, and what the client reads of the
// shadow copy equals the volume at the instant of the commit, byte for
// byte (the application's audit against its own record of writes), and
// every file equals the agent's own reading of the shadow copy.
func TestBackupThroughAgentEqualsVolumeAtCommit(t *testing.T) {
	var m *awareMachine
	ta := startAgent(t, func() (requestor.Requestor, error) {
		mm, s, err := newAwareMachine(11, sampleFiles())
		m = mm
		return s, err
	}, remote.AgentConfig{})
	c := ta.dial(t, remote.Options{})
	r, local := ta.session(t, c)

	var audit simulate.SnapshotAudit
	var copied int
	res, err := requestor.Backup(context.Background(), r, requestor.Plan{
		Volumes: []string{`C:\`},
		Copy: func(ctx context.Context, src *requestor.CopySource) error {
			snaps := src.Snapshots
			fsys := snaps[0].FS
			require.NotNil(t, fsys)
			m.mu.Lock()
			cut := m.cut
			m.mu.Unlock()
			var err error
			if audit, err = m.app.AuditSnapshot(fsys, cut); err != nil {
				return err
			}
			mine, err := local.SnapshotFS(ctx, snaps[0].Properties.ID)
			if err != nil {
				return err
			}
			copied, err = sameFiles(fsys, mine)
			return err
		},
	})
	require.NoError(t, err)
	require.NoError(t, audit.Exact, "the shadow copy read through the agent is the volume at the commit")
	require.NoError(t, audit.Consistent)
	require.Equal(t, 1, m.commits)
	require.True(t, m.cut.Frozen, "the application was frozen at the commit")
	require.Greater(t, m.cut.Applied, 0, "the application had written before the commit")
	t.Logf("writes at the commit: %d; files compared: %d", m.cut.Applied, copied)
	require.GreaterOrEqual(t, copied, 6)
	require.Len(t, res.Metadata, 1)
	require.Equal(t, "Orders", res.Metadata[0].Name)
	require.NotEmpty(t, res.BackupDocument)

	require.NoError(t, r.Close())
	e := ta.waitEnd(t)
	require.NoError(t, e.Reason)
	require.NoError(t, e.Err)
	// The application wrote after the commit too, and lost nothing.
	require.Greater(t, len(m.app.AppliedWrites()), m.cut.Applied, "the application went on writing after the commit")
	m.app.Settle()
	require.NoError(t, m.app.CheckLive(m.vol.FS()))
	m.atCommit.Release() // the test's own copy
	require.Zero(t, m.vol.LiveSnapshots(), "no shadow copy left")
}

// sameFiles compares every file of two file systems, reading a through
// its streams; it returns how many files it compared.
func sameFiles(a, b fs.FS) (int, error) {
	n := 0
	err := fs.WalkDir(b, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		want, err := fs.ReadFile(b, name)
		if err != nil {
			return err
		}
		f, err := a.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		var got bytes.Buffer
		if _, err := io.Copy(&got, f); err != nil {
			return err
		}
		if !bytes.Equal(got.Bytes(), want) {
			return fmt.Errorf("%s: %d bytes through the agent differ from the shadow copy's %d", name, got.Len(), len(want))
		}
		n++
		return nil
	})
	if err == nil && n == 0 {
		err = errors.New("no file compared")
	}
	return n, err
}
