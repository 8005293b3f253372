package provider_test

import (
	"context"
	"errors"
	"io/fs"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/provider"
)

// plain implements Provider and nothing more, recording the calls it gets.
type plain struct{ got []provider.Method }

func (p *plain) note(m provider.Method) error { p.got = append(p.got, m); return nil }
func (p *plain) Info() provider.Info          { return provider.Info{Name: "plain"} }
func (p *plain) IsVolumeSupported(context.Context, string, vss.SnapshotContext) (bool, error) {
	return true, p.note(provider.MethodIsVolumeSupported)
}
func (p *plain) BeginPrepareSnapshot(context.Context, vss.ID, vss.ID, string, vss.SnapshotContext) error {
	return p.note(provider.MethodBeginPrepareSnapshot)
}
func (p *plain) EndPrepareSnapshots(context.Context, vss.ID) error {
	return p.note(provider.MethodEndPrepareSnapshots)
}
func (p *plain) PreCommitSnapshots(context.Context, vss.ID) error {
	return p.note(provider.MethodPreCommitSnapshots)
}
func (p *plain) CommitSnapshots(context.Context, vss.ID) error {
	return p.note(provider.MethodCommitSnapshots)
}
func (p *plain) PostCommitSnapshots(context.Context, vss.ID, int) error {
	return p.note(provider.MethodPostCommitSnapshots)
}
func (p *plain) PreFinalCommitSnapshots(context.Context, vss.ID) error {
	return p.note(provider.MethodPreFinalCommitSnapshots)
}
func (p *plain) PostFinalCommitSnapshots(context.Context, vss.ID) error {
	return p.note(provider.MethodPostFinalCommitSnapshots)
}
func (p *plain) AbortSnapshots(context.Context, vss.ID) error {
	return p.note(provider.MethodAbortSnapshots)
}
func (p *plain) GetSnapshotProperties(context.Context, vss.ID) (provider.Snapshot, error) {
	return provider.Snapshot{}, p.note(provider.MethodGetSnapshotProperties)
}
func (p *plain) Query(context.Context) ([]provider.Snapshot, error) {
	return nil, p.note(provider.MethodQuery)
}
func (p *plain) DeleteSnapshots(context.Context, vss.ID, provider.ObjectType) (int, error) {
	return 1, p.note(provider.MethodDeleteSnapshots)
}

// opener also opens shadow copies in process.
type opener struct{ plain }

func (o *opener) SnapshotFS(context.Context, vss.ID) (fs.FS, error) {
	return fstest.MapFS{"a": {Data: []byte("a")}}, o.note(provider.MethodSnapshotFS)
}

// call makes every call of m on p.
func call(ctx context.Context, p provider.Provider, m provider.Method) error {
	var id vss.ID
	var err error
	switch m {
	case provider.MethodIsVolumeSupported:
		_, err = p.IsVolumeSupported(ctx, `C:\`, vss.ContextBackup)
	case provider.MethodBeginPrepareSnapshot:
		err = p.BeginPrepareSnapshot(ctx, id, id, `C:\`, vss.ContextBackup)
	case provider.MethodEndPrepareSnapshots:
		err = p.EndPrepareSnapshots(ctx, id)
	case provider.MethodPreCommitSnapshots:
		err = p.PreCommitSnapshots(ctx, id)
	case provider.MethodCommitSnapshots:
		err = p.CommitSnapshots(ctx, id)
	case provider.MethodPostCommitSnapshots:
		err = p.PostCommitSnapshots(ctx, id, 1)
	case provider.MethodPreFinalCommitSnapshots:
		err = p.PreFinalCommitSnapshots(ctx, id)
	case provider.MethodPostFinalCommitSnapshots:
		err = p.PostFinalCommitSnapshots(ctx, id)
	case provider.MethodAbortSnapshots:
		err = p.AbortSnapshots(ctx, id)
	case provider.MethodGetSnapshotProperties:
		_, err = p.GetSnapshotProperties(ctx, id)
	case provider.MethodQuery:
		_, err = p.Query(ctx)
	case provider.MethodDeleteSnapshots:
		_, err = p.DeleteSnapshots(ctx, id, provider.ObjectSnapshotSet)
	case provider.MethodSnapshotFS:
		_, err = provider.SnapshotFS(ctx, p, id)
	}
	return err
}

// An intercepted provider has exactly the capabilities of the provider it
// wraps, through several layers, and the interceptor sees every call,
// optional capabilities included.
func TestInterceptKeepsExactlyTheWrappedCapabilities(t *testing.T) {
	ctx := context.Background()
	for _, inner := range []interface {
		provider.Provider
		calls() []provider.Method
	}{&plain{}, &opener{}} {
		var seen []provider.Method
		see := func(ctx context.Context, c provider.Call, next func(context.Context) error) error {
			seen = append(seen, c.Method)
			return next(ctx)
		}
		wrapped := provider.Intercept(provider.Intercept(inner, see), func(ctx context.Context, c provider.Call, next func(context.Context) error) error {
			return next(ctx)
		})
		assert.Equal(t, "plain", wrapped.Info().Name)
		var want []provider.Method
		for _, m := range provider.Methods() {
			assert.Equal(t, provider.Supports(inner, m), provider.Supports(wrapped, m), "%T %v", inner, m)
			err := call(ctx, wrapped, m)
			if provider.Supports(inner, m) {
				require.NoError(t, err, "%T %v", inner, m)
				want = append(want, m)
			} else {
				assert.ErrorIs(t, err, vss.ErrNotSupported, "%T %v", inner, m)
			}
		}
		assert.Equal(t, want, inner.calls(), "%T: the provider got exactly its calls", inner)
		assert.Equal(t, provider.Methods(), seen, "%T: the interceptor saw every call", inner)
	}
}

func (p *plain) calls() []provider.Method { return p.got }

// An interceptor can fail a call without the provider seeing it.
func TestInterceptorFailsACall(t *testing.T) {
	inner := &plain{}
	p := provider.Intercept(inner, func(ctx context.Context, c provider.Call, next func(context.Context) error) error {
		if c.Method == provider.MethodCommitSnapshots {
			return vss.ErrProviderVeto
		}
		return next(ctx)
	})
	ok, err := p.IsVolumeSupported(context.Background(), `C:\`, vss.ContextBackup)
	assert.True(t, ok)
	assert.NoError(t, err)
	assert.True(t, errors.Is(p.CommitSnapshots(context.Background(), vss.NilID), vss.ErrProviderVeto))
	assert.Equal(t, []provider.Method{provider.MethodIsVolumeSupported}, inner.got)
}

func TestMethodNames(t *testing.T) {
	for _, m := range provider.Methods() {
		back, err := provider.ParseMethod(m.String())
		require.NoError(t, err)
		assert.Equal(t, m, back)
	}
	_, err := provider.ParseMethod("Commit")
	assert.ErrorContains(t, err, `no method "Commit"; the methods are IsVolumeSupported, BeginPrepareSnapshot`)
	assert.True(t, provider.MethodCommitSnapshots.Creation())
	assert.False(t, provider.MethodBeginPrepareSnapshot.Creation())
	assert.False(t, provider.MethodAbortSnapshots.Creation())
}
