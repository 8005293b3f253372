package remote_test

import (
	"context"

	"github.com/vsskit/vss"

	"github.com/vsskit/vss/coordinator"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/simulate"
	"github.com/vsskit/vss/writer"
)

// simpleMachine is a session on a small simulated machine: C:\ with one
// file, one writer, the system provider, in virtual time.
func simpleMachine() (requestor.Requestor, error) {
	vol := simulate.NewVolume(`C:\`)
	if err := vol.MkdirAll("data"); err != nil {
		return nil, err
	}
	if err := vol.WriteFile("data/file.txt", []byte("hello\n")); err != nil {
		return nil, err
	}
	vols := simulate.NewVolumeSet(vol)
	s, _, err := simulate.NewSession(simulate.Config{
		Seed:      1,
		Writers:   []writer.Writer{simulate.NewScriptedWriter("Orders")},
		Providers: []provider.Provider{simulate.NewSystemProvider(vols)},
		Volumes:   vols,
	})
	return s, err
}

// freezingMachine is a machine on the coordinator's goroutine runtime
// whose writer, once frozen, stays frozen until VSS gives up on it: a
// DoSnapshotSet that is in progress for as long as a test needs.
type freezingMachine struct {
	vol     *simulate.Volume
	prov    *simulate.SystemProvider
	w       *simulate.ScriptedWriter
	frozen  chan struct{} // a value when the writer enters Freeze
	aborted chan struct{} // a value when it receives Abort
	s       *coordinator.Session
}

func newFreezingMachine() (*freezingMachine, error) {
	m := &freezingMachine{vol: simulate.NewVolume(`C:\`), frozen: make(chan struct{}, 4), aborted: make(chan struct{}, 4)}
	if err := m.vol.WriteFile("file.txt", []byte("data")); err != nil {
		return nil, err
	}
	vols := simulate.NewVolumeSet(m.vol)
	m.prov = simulate.NewSystemProvider(vols)
	signal := func(ch chan struct{}) func(context.Context, *writer.Event) {
		return func(context.Context, *writer.Event) {
			select {
			case ch <- struct{}{}:
			default:
			}
		}
	}
	m.w = simulate.NewScriptedWriter("Orders",
		simulate.On(writer.EventFreeze, simulate.Behavior{Do: signal(m.frozen), Hang: true}),
		simulate.On(writer.EventAbort, simulate.Behavior{Do: signal(m.aborted)}))
	s, err := coordinator.New(coordinator.Config{Writers: []writer.Writer{m.w}, Providers: []provider.Provider{m.prov}, Volumes: vols})
	if err != nil {
		return nil, err
	}
	m.s = s
	return m, nil
}

// prepare takes r, a session of the machine, to the eve of DoSnapshotSet.
func prepare(ctx context.Context, r requestor.Requestor) error {
	_, err := prepareSnapshot(ctx, r)
	return err
}

// prepareSnapshot is prepare, and returns the ID the snapshot of C:\ will
// have.
func prepareSnapshot(ctx context.Context, r requestor.Requestor) (vss.ID, error) {
	var snap vss.ID
	for _, f := range []func() error{
		func() error { return r.InitializeForBackup(ctx, "") },
		func() error { return r.SetBackupState(ctx, requestor.BackupState{}) },
		func() error { return r.GatherWriterMetadata(ctx) },
		func() error { _, err := r.StartSnapshotSet(ctx); return err },
		func() (err error) { snap, err = r.AddToSnapshotSet(ctx, `C:\`, vss.NilID); return err },
		func() error { return r.PrepareForBackup(ctx) },
	} {
		if err := f(); err != nil {
			return vss.NilID, err
		}
	}
	return snap, nil
}
