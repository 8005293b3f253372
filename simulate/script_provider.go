package simulate

import (
	"context"
	"io/fs"
	"time"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/provider"
)

// ProviderFault is what a ScriptedProvider does at one of its methods, named
// as in provider.Provider ("CommitSnapshots", "EndPrepareSnapshots", ...).
type ProviderFault struct {
	// Method is the provider method the fault applies to.
	Method string
	// Cost is the virtual time the call takes (see Spend).
	Cost time.Duration
	// Err, if set, is returned instead of calling the wrapped provider.
	Err error
	// Hang makes the call never answer.
	Hang bool
	// Panic, if not nil, is the value the call panics with.
	Panic any
}

// ScriptedProvider wraps a provider and injects faults at chosen methods:
// extra virtual time, an error, a hang or a panic. Methods without a fault
// pass straight through.
type ScriptedProvider struct {
	provider.Provider
	faults map[string]ProviderFault
}

// NewScriptedProvider wraps p with faults.
func NewScriptedProvider(p provider.Provider, faults ...ProviderFault) *ScriptedProvider {
	s := &ScriptedProvider{Provider: p, faults: map[string]ProviderFault{}}
	for _, f := range faults {
		s.faults[f.Method] = f
	}
	return s
}

// fault applies the fault of method, if any; it reports whether the call
// must stop with err.
func (s *ScriptedProvider) fault(ctx context.Context, method string) (bool, error) {
	f, ok := s.faults[method]
	if !ok {
		return false, nil
	}
	if f.Panic != nil {
		panic(f.Panic)
	}
	Spend(ctx, f.Cost)
	if f.Hang {
		Hang(ctx)
		return true, ctx.Err()
	}
	if f.Err != nil {
		return true, f.Err
	}
	return false, nil
}

// IsVolumeSupported implements provider.Provider.
func (s *ScriptedProvider) IsVolumeSupported(ctx context.Context, v string, sc vss.SnapshotContext) (bool, error) {
	if stop, err := s.fault(ctx, "IsVolumeSupported"); stop {
		return false, err
	}
	return s.Provider.IsVolumeSupported(ctx, v, sc)
}

// BeginPrepareSnapshot implements provider.Provider.
func (s *ScriptedProvider) BeginPrepareSnapshot(ctx context.Context, set, snap vss.ID, v string, sc vss.SnapshotContext) error {
	if stop, err := s.fault(ctx, "BeginPrepareSnapshot"); stop {
		return err
	}
	return s.Provider.BeginPrepareSnapshot(ctx, set, snap, v, sc)
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
	if stop, err := s.fault(ctx, "PostCommitSnapshots"); stop {
		return err
	}
	return s.Provider.PostCommitSnapshots(ctx, set, n)
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
	if stop, err := s.fault(ctx, method); stop {
		return err
	}
	return f(ctx, set)
}

// SnapshotFS implements provider.FSOpener when the wrapped provider does.
func (s *ScriptedProvider) SnapshotFS(ctx context.Context, id vss.ID) (fs.FS, error) {
	if stop, err := s.fault(ctx, "SnapshotFS"); stop {
		return nil, err
	}
	if o, ok := s.Provider.(provider.FSOpener); ok {
		return o.SnapshotFS(ctx, id)
	}
	return nil, vss.Errorf(vss.ErrNotSupported, "SnapshotFS", "provider %q cannot open shadow copies in process", s.Info().Name)
}

var _ provider.FSOpener = (*ScriptedProvider)(nil)
