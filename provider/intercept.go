package provider

import (
	"context"
	"io/fs"

	"github.com/vsskit/vss"
)

// Call is one method call on its way to a provider, as an Interceptor sees
// it: the method and its arguments. Only the arguments of the method are
// set.
type Call struct {
	Method     Method
	SetID      vss.ID              // the creation calls, AbortSnapshots
	SnapshotID vss.ID              // BeginPrepareSnapshot, GetSnapshotProperties, SnapshotFS; DeleteSnapshots' ID
	Volume     string              // IsVolumeSupported, BeginPrepareSnapshot
	Context    vss.SnapshotContext // IsVolumeSupported, BeginPrepareSnapshot
	Count      int                 // PostCommitSnapshots
	Object     ObjectType          // DeleteSnapshots
}

// Interceptor sits between VSS and a provider. It is called with every
// call of the wrapped provider, optional capabilities included, and
// decides what happens: next performs the call on the wrapped provider
// (whose results reach VSS once the interceptor returns nil). An
// interceptor that returns an error without calling next fails the call
// without the provider seeing it; one that returns next's error passes the
// provider's failure on.
type Interceptor func(ctx context.Context, c Call, next func(ctx context.Context) error) error

// Intercept returns a provider that passes every call to p through f: the
// one way this module puts code between VSS and a provider (fault
// injection, recording). It has exactly p's capabilities: SnapshotFS and
// Supports see through it to p, so no optional capability of p is hidden
// or invented. Info is not intercepted.
func Intercept(p Provider, f Interceptor) Provider {
	return &intercepted{inner: p, f: f}
}

// Wrapper is implemented by providers that wrap another, as Intercept's
// do: Unwrap returns the wrapped provider. Supports and SnapshotFS follow
// it.
type Wrapper interface {
	Unwrap() Provider
}

type intercepted struct {
	inner Provider
	f     Interceptor
}

func (p *intercepted) Unwrap() Provider { return p.inner }

func (p *intercepted) Info() Info { return p.inner.Info() }

func (p *intercepted) IsVolumeSupported(ctx context.Context, volume string, sc vss.SnapshotContext) (ok bool, err error) {
	err = p.f(ctx, Call{Method: MethodIsVolumeSupported, Volume: volume, Context: sc}, func(ctx context.Context) (err error) {
		ok, err = p.inner.IsVolumeSupported(ctx, volume, sc)
		return err
	})
	return ok && err == nil, err
}

func (p *intercepted) BeginPrepareSnapshot(ctx context.Context, setID, snapshotID vss.ID, volume string, sc vss.SnapshotContext) error {
	return p.f(ctx, Call{Method: MethodBeginPrepareSnapshot, SetID: setID, SnapshotID: snapshotID, Volume: volume, Context: sc},
		func(ctx context.Context) error {
			return p.inner.BeginPrepareSnapshot(ctx, setID, snapshotID, volume, sc)
		})
}

// set intercepts a method that takes only the set's ID.
func (p *intercepted) set(ctx context.Context, m Method, setID vss.ID, call func(context.Context, vss.ID) error) error {
	return p.f(ctx, Call{Method: m, SetID: setID}, func(ctx context.Context) error { return call(ctx, setID) })
}

func (p *intercepted) EndPrepareSnapshots(ctx context.Context, setID vss.ID) error {
	return p.set(ctx, MethodEndPrepareSnapshots, setID, p.inner.EndPrepareSnapshots)
}

func (p *intercepted) PreCommitSnapshots(ctx context.Context, setID vss.ID) error {
	return p.set(ctx, MethodPreCommitSnapshots, setID, p.inner.PreCommitSnapshots)
}

func (p *intercepted) CommitSnapshots(ctx context.Context, setID vss.ID) error {
	return p.set(ctx, MethodCommitSnapshots, setID, p.inner.CommitSnapshots)
}

func (p *intercepted) PostCommitSnapshots(ctx context.Context, setID vss.ID, count int) error {
	return p.f(ctx, Call{Method: MethodPostCommitSnapshots, SetID: setID, Count: count},
		func(ctx context.Context) error { return p.inner.PostCommitSnapshots(ctx, setID, count) })
}

func (p *intercepted) PreFinalCommitSnapshots(ctx context.Context, setID vss.ID) error {
	return p.set(ctx, MethodPreFinalCommitSnapshots, setID, p.inner.PreFinalCommitSnapshots)
}

func (p *intercepted) PostFinalCommitSnapshots(ctx context.Context, setID vss.ID) error {
	return p.set(ctx, MethodPostFinalCommitSnapshots, setID, p.inner.PostFinalCommitSnapshots)
}

func (p *intercepted) AbortSnapshots(ctx context.Context, setID vss.ID) error {
	return p.set(ctx, MethodAbortSnapshots, setID, p.inner.AbortSnapshots)
}

func (p *intercepted) GetSnapshotProperties(ctx context.Context, id vss.ID) (snap Snapshot, err error) {
	err = p.f(ctx, Call{Method: MethodGetSnapshotProperties, SnapshotID: id}, func(ctx context.Context) (err error) {
		snap, err = p.inner.GetSnapshotProperties(ctx, id)
		return err
	})
	return snap, err
}

func (p *intercepted) Query(ctx context.Context) (snaps []Snapshot, err error) {
	err = p.f(ctx, Call{Method: MethodQuery}, func(ctx context.Context) (err error) {
		snaps, err = p.inner.Query(ctx)
		return err
	})
	return snaps, err
}

func (p *intercepted) DeleteSnapshots(ctx context.Context, id vss.ID, kind ObjectType) (n int, err error) {
	err = p.f(ctx, Call{Method: MethodDeleteSnapshots, SnapshotID: id, Object: kind}, func(ctx context.Context) (err error) {
		n, err = p.inner.DeleteSnapshots(ctx, id, kind)
		return err
	})
	return n, err
}

// Supports reports whether p, seen through any Wrapper, has method m: true
// for the methods of Provider, and for an optional capability's method
// when the innermost provider implements it.
func Supports(p Provider, m Method) bool {
	for {
		if w, ok := p.(Wrapper); ok {
			p = w.Unwrap()
			continue
		}
		switch m {
		case MethodSnapshotFS:
			_, ok := p.(FSOpener)
			return ok
		}
		return m > 0 && int(m) < len(methodNames)
	}
}

// SnapshotFS opens a shadow copy of p in process (FSOpener), through any
// interceptors around p. A provider that cannot fails with an error
// wrapping vss.ErrNotSupported.
func SnapshotFS(ctx context.Context, p Provider, snapshotID vss.ID) (fsys fs.FS, err error) {
	switch w := p.(type) {
	case *intercepted:
		err = w.f(ctx, Call{Method: MethodSnapshotFS, SnapshotID: snapshotID}, func(ctx context.Context) (err error) {
			fsys, err = SnapshotFS(ctx, w.inner, snapshotID)
			return err
		})
		return fsys, err
	case FSOpener:
		return w.SnapshotFS(ctx, snapshotID)
	case Wrapper:
		return SnapshotFS(ctx, w.Unwrap(), snapshotID)
	}
	return nil, vss.Errorf(vss.ErrNotSupported, "SnapshotFS", "provider %q cannot open shadow copies in process", p.Info().Name)
}
