package remote_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/requestor/remote"
	"github.com/vsskit/vss/writer"
)

// killSwitch makes a client's connections, and lets a test cut them:
// silently (a network partition: nothing sent or received any more, the
// connections stay open) or by closing them (the client process died).
type killSwitch struct {
	mu     sync.Mutex
	killed bool
	conns  []*killableConn
}

func (k *killSwitch) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.killed {
		return nil, errors.New("the client is dead")
	}
	c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	kc := &killableConn{Conn: c, k: k}
	k.conns = append(k.conns, kc)
	return kc, nil
}

func (k *killSwitch) isKilled() bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.killed
}

// silence cuts the client off without closing anything.
func (k *killSwitch) silence() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.killed = true
}

// kill closes every connection of the client, as its dying process would.
func (k *killSwitch) kill() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.killed = true
	for _, c := range k.conns {
		c.Conn.Close()
	}
}

// killableConn swallows what it would send and receive once its client
// is cut off.
type killableConn struct {
	net.Conn
	k *killSwitch
}

func (c *killableConn) Read(p []byte) (int, error) {
	for {
		n, err := c.Conn.Read(p)
		if err != nil || !c.k.isKilled() {
			return n, err
		}
	}
}

func (c *killableConn) Write(p []byte) (int, error) {
	if c.k.isKilled() {
		return len(p), nil
	}
	return c.Conn.Write(p)
}

// startFrozenBackup opens a session on an agent of freezing machines
// through a killable client and runs it to DoSnapshotSet, which it leaves
// in progress with the writer frozen. stop cancels the client's call and
// waits for it.
func startFrozenBackup(t *testing.T, ta *testAgent, m **freezingMachine, ks *killSwitch) (r requestor.Requestor, stop func() error) {
	t.Helper()
	c := ta.dial(t, remote.Options{DialContext: ks.dial})
	r, _ = ta.session(t, c)
	require.NoError(t, prepare(context.Background(), r))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.DoSnapshotSet(ctx) }()
	select {
	case <-(*m).frozen:
	case <-time.After(time.Minute):
		t.Fatal("the writer was never frozen")
	}
	require.True(t, (*m).w.Frozen())
	return r, func() error { cancel(); return <-done }
}

// A client that falls silent in the middle of DoSnapshotSet, its writer
// frozen, without closing its connection (a network partition, a frozen
// machine): the agent keeps the session for DefaultLease after the last
// request and not a moment longer, then cancels DoSnapshotSet, which
// thaws (aborts) the writer, deletes the set and closes the session: no
// writer frozen, no shadow copy left. Time is the agent's fake clock.
func TestSilentClientLosesItsSessionWhenTheLeaseExpires(t *testing.T) {
	var m *freezingMachine
	ta := startAgent(t, func() (requestor.Requestor, error) {
		var err error
		m, err = newFreezingMachine()
		if err != nil {
			return nil, err
		}
		return m.s, nil
	}, remote.AgentConfig{})
	ks := &killSwitch{}
	r, stop := startFrozenBackup(t, ta, &m, ks)

	ks.silence()
	ta.clock.Advance(remote.DefaultLease - time.Millisecond)
	require.Equal(t, 1, ta.agent.Sessions(), "the session lives until its lease expires")
	require.True(t, m.w.Frozen())

	ta.clock.Advance(time.Millisecond)
	e := ta.waitEnd(t)
	require.ErrorIs(t, e.Reason, remote.ErrLeaseExpired)
	require.NoError(t, e.Err, "the clean-up went well")
	require.False(t, m.w.Frozen(), "no writer is left frozen")
	require.GreaterOrEqual(t, m.w.Count(writer.EventAbort), 1, "the writer was aborted")
	require.Zero(t, m.vol.LiveSnapshots(), "no shadow copy is left")
	snaps, err := m.prov.Query(context.Background())
	require.NoError(t, err)
	require.Empty(t, snaps)
	require.Zero(t, ta.agent.Sessions())

	require.Error(t, stop())
	_ = r.Close() // the client is cut off: its Close cannot reach the agent
}

// A client whose process dies in the middle of DoSnapshotSet closes its
// connections: the agent cancels DoSnapshotSet at once (the writer is
// aborted before any lease passes), and the lease then ends the session.
func TestDeadClientsDoSnapshotSetIsAbortedAtOnce(t *testing.T) {
	var m *freezingMachine
	ta := startAgent(t, func() (requestor.Requestor, error) {
		var err error
		m, err = newFreezingMachine()
		if err != nil {
			return nil, err
		}
		return m.s, nil
	}, remote.AgentConfig{})
	ks := &killSwitch{}
	r, stop := startFrozenBackup(t, ta, &m, ks)

	ks.kill()
	select {
	case <-m.aborted:
	case <-time.After(time.Minute):
		t.Fatal("the writer was not aborted when the client died")
	}
	require.Equal(t, 1, ta.agent.Sessions(), "the session waits for its lease")
	ta.clock.Advance(remote.DefaultLease)
	e := ta.waitEnd(t)
	require.ErrorIs(t, e.Reason, remote.ErrLeaseExpired)
	require.NoError(t, e.Err)
	require.False(t, m.w.Frozen())
	require.Zero(t, m.vol.LiveSnapshots())

	require.Error(t, stop())
	_ = r.Close()
}

// Cancelling the client's context aborts the backup on the agent:
// requestor.Backup, cancelled while the writer is frozen, returns
// context.Canceled; by then DoSnapshotSet has been cancelled on the
// agent, the writer aborted, and Backup's clean-up (AbortBackup,
// DeleteSnapshots, over the wire) has succeeded.
func TestCancelledClientAbortsTheBackupOnTheAgent(t *testing.T) {
	var m *freezingMachine
	ta := startAgent(t, func() (requestor.Requestor, error) {
		var err error
		m, err = newFreezingMachine()
		if err != nil {
			return nil, err
		}
		return m.s, nil
	}, remote.AgentConfig{})
	c := ta.dial(t, remote.Options{})
	r, _ := ta.session(t, c)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-m.frozen:
			cancel()
		case <-ctx.Done():
		}
	}()
	_, err := requestor.Backup(ctx, r, requestor.Plan{Volumes: []string{`C:\`}})
	require.ErrorIs(t, err, context.Canceled)
	var be *requestor.BackupError
	require.ErrorAs(t, err, &be)
	require.Equal(t, "DoSnapshotSet", be.Step)
	require.NotContains(t, err.Error(), "clean-up", "the clean-up over the wire succeeded")
	require.False(t, m.w.Frozen())
	require.GreaterOrEqual(t, m.w.Count(writer.EventAbort), 1)
	require.Zero(t, m.vol.LiveSnapshots())
	require.NoError(t, r.Close())
	e := ta.waitEnd(t)
	require.NoError(t, e.Reason)
	require.NoError(t, e.Err)
}

// A call's deadline crosses the wire: the agent ends DoSnapshotSet when
// the client's deadline passes, and the writer is aborted.
func TestDeadlineCrossesTheWire(t *testing.T) {
	var m *freezingMachine
	ta := startAgent(t, func() (requestor.Requestor, error) {
		var err error
		m, err = newFreezingMachine()
		if err != nil {
			return nil, err
		}
		return m.s, nil
	}, remote.AgentConfig{})
	c := ta.dial(t, remote.Options{})
	r, _ := ta.session(t, c)
	require.NoError(t, prepare(context.Background(), r))
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	err := r.DoSnapshotSet(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	// The next call waits until the agent has cancelled DoSnapshotSet.
	require.NoError(t, r.AbortBackup(context.Background()))
	require.False(t, m.w.Frozen())
	require.Zero(t, m.vol.LiveSnapshots())
}

// Every request renews the lease, the lease endpoint included: a client
// that keeps talking keeps its session however long the backup takes.
func TestRequestsRenewTheLease(t *testing.T) {
	ta := startAgent(t, simpleMachine, remote.AgentConfig{Lease: time.Minute})
	c := ta.dial(t, remote.Options{})
	r, _ := ta.session(t, c)
	ctx := context.Background()
	ta.clock.Advance(time.Minute - time.Millisecond)
	require.NoError(t, r.InitializeForBackup(ctx, ""))
	ta.clock.Advance(time.Minute - time.Millisecond)
	require.Equal(t, http.StatusNoContent, ta.rawRequest(t, http.MethodPost, "/v1/sessions/"+sessionID(t, r)+"/lease", "Bearer "+string(testToken), []byte(`{}`), nil))
	ta.clock.Advance(time.Minute - time.Millisecond)
	require.Equal(t, 1, ta.agent.Sessions(), "renewed three times, the session lives")
	require.NoError(t, r.GatherWriterMetadata(ctx))
	ta.clock.Advance(time.Minute)
	e := ta.waitEnd(t)
	require.ErrorIs(t, e.Reason, remote.ErrLeaseExpired)
	require.ErrorIs(t, r.SetContext(ctx, 0), remote.ErrNoSession)
}

// Closing the agent ends its sessions as an expired lease does: the
// DoSnapshotSet in progress is aborted, no writer frozen, no shadow copy
// left.
func TestClosingTheAgentAbortsItsSessions(t *testing.T) {
	var m *freezingMachine
	ta := startAgent(t, func() (requestor.Requestor, error) {
		var err error
		m, err = newFreezingMachine()
		if err != nil {
			return nil, err
		}
		return m.s, nil
	}, remote.AgentConfig{})
	r, stop := startFrozenBackup(t, ta, &m, &killSwitch{})
	require.NoError(t, ta.agent.Close())
	e := ta.waitEnd(t)
	require.ErrorIs(t, e.Reason, http.ErrServerClosed)
	require.NoError(t, e.Err)
	require.False(t, m.w.Frozen())
	require.Zero(t, m.vol.LiveSnapshots())
	require.Error(t, stop())
	_ = r.Close()
}
