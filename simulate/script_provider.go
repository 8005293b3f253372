package simulate

import (
	"context"
	"io/fs"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/provider"
)

// ScriptedProvider wraps a provider and injects faults at its methods:
// extra virtual time, an error, a hang or a panic, before or after the
// wrapped provider's own work. A Fault's Site names the method
// ("CommitSnapshots", "EndPrepareSnapshots", ...); methods without a fault
// pass straight through.
type ScriptedProvider struct {
	provider.Provider
	in    *injector
	actor string
}

// NewScriptedProvider wraps p with faults; their Actor is ignored (they
// all apply to p).
func NewScriptedProvider(p provider.Provider, faults ...Fault) *ScriptedProvider {
	return injectProvider(p, Plan(faults).forActor(ProviderActor(p.Info().Name)), nil)
}

// injectProvider wraps p with the faults of plan that name it.
func injectProvider(p provider.Provider, plan Plan, cancel func()) *ScriptedProvider {
	return &ScriptedProvider{Provider: p, in: &injector{plan: plan, cancel: cancel}, actor: ProviderActor(p.Info().Name)}
}

// forActor returns the plan with every fault's actor set to actor.
func (p Plan) forActor(actor string) Plan {
	out := make(Plan, len(p))
	for i, f := range p {
		f.Actor = actor
		out[i] = f
	}
	return out
}

// call runs one method between its before and after faults.
func (s *ScriptedProvider) call(ctx context.Context, method string, f func() error) error {
	if stop, err := s.in.apply(ctx, s.actor, method, false); stop {
		return err
	}
	if err := f(); err != nil {
		return err
	}
	_, err := s.in.apply(ctx, s.actor, method, true)
	return err
}

// IsVolumeSupported implements provider.Provider.
func (s *ScriptedProvider) IsVolumeSupported(ctx context.Context, v string, sc vss.SnapshotContext) (ok bool, err error) {
	err = s.call(ctx, "IsVolumeSupported", func() (err error) { ok, err = s.Provider.IsVolumeSupported(ctx, v, sc); return err })
	return ok && err == nil, err
}

// BeginPrepareSnapshot implements provider.Provider.
func (s *ScriptedProvider) BeginPrepareSnapshot(ctx context.Context, set, snap vss.ID, v string, sc vss.SnapshotContext) error {
	return s.call(ctx, "BeginPrepareSnapshot", func() error { return s.Provider.BeginPrepareSnapshot(ctx, set, snap, v, sc) })
}

// EndPrepareSnapshots implements provider.Provider.
func (s *ScriptedProvider) EndPrepareSnapshots(ctx context.Context, set vss.ID) error {
	return s.setCall(ctx, "EndPrepareSnapshots", set, s.Provider.EndPrepareSnapshots)
}

// PreCommitSnapshots implements provider.Provider.
func (s *ScriptedProvider) PreCommitSnapshots(ctx context.Context, set vss.ID) error {
	return s.setCall(ctx, "PreCommitSnapshots", set, s.Provider.PreCommitSnapshots)
}

// CommitSnapshots implements provider.Provider.
func (s *ScriptedProvider) CommitSnapshots(ctx context.Context, set vss.ID) error {
	return s.setCall(ctx, "CommitSnapshots", set, s.Provider.CommitSnapshots)
}

// PostCommitSnapshots implements provider.Provider.
func (s *ScriptedProvider) PostCommitSnapshots(ctx context.Context, set vss.ID, n int) error {
	return s.call(ctx, "PostCommitSnapshots", func() error { return s.Provider.PostCommitSnapshots(ctx, set, n) })
}

// PreFinalCommitSnapshots implements provider.Provider.
func (s *ScriptedProvider) PreFinalCommitSnapshots(ctx context.Context, set vss.ID) error {
	return s.setCall(ctx, "PreFinalCommitSnapshots", set, s.Provider.PreFinalCommitSnapshots)
}

// PostFinalCommitSnapshots implements provider.Provider.
func (s *ScriptedProvider) PostFinalCommitSnapshots(ctx context.Context, set vss.ID) error {
	return s.setCall(ctx, "PostFinalCommitSnapshots", set, s.Provider.PostFinalCommitSnapshots)
}

// AbortSnapshots implements provider.Provider.
func (s *ScriptedProvider) AbortSnapshots(ctx context.Context, set vss.ID) error {
	return s.setCall(ctx, "AbortSnapshots", set, s.Provider.AbortSnapshots)
}

func (s *ScriptedProvider) setCall(ctx context.Context, method string, set vss.ID, f func(context.Context, vss.ID) error) error {
	return s.call(ctx, method, func() error { return f(ctx, set) })
}

// GetSnapshotProperties implements provider.Provider.
func (s *ScriptedProvider) GetSnapshotProperties(ctx context.Context, id vss.ID) (snap provider.Snapshot, err error) {
	err = s.call(ctx, "GetSnapshotProperties", func() (err error) { snap, err = s.Provider.GetSnapshotProperties(ctx, id); return err })
	return snap, err
}

// DeleteSnapshots implements provider.Provider.
func (s *ScriptedProvider) DeleteSnapshots(ctx context.Context, id vss.ID, kind provider.ObjectType) (n int, err error) {
	err = s.call(ctx, "DeleteSnapshots", func() (err error) { n, err = s.Provider.DeleteSnapshots(ctx, id, kind); return err })
	return n, err
}

// SnapshotFS implements provider.FSOpener when the wrapped provider does.
func (s *ScriptedProvider) SnapshotFS(ctx context.Context, id vss.ID) (fsys fs.FS, err error) {
	o, ok := s.Provider.(provider.FSOpener)
	if !ok {
		return nil, vss.Errorf(vss.ErrNotSupported, "SnapshotFS", "provider %q cannot open shadow copies in process", s.Info().Name)
	}
	err = s.call(ctx, "SnapshotFS", func() (err error) { fsys, err = o.SnapshotFS(ctx, id); return err })
	return fsys, err
}

var _ provider.FSOpener = (*ScriptedProvider)(nil)
