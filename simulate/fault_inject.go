package simulate

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/coordinator"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/writer"
)

// Injector applies the faults of one plan to the participants it wraps,
// and remembers which fired. One Injector serves a whole run, so that
// Fired and Unfired speak of the whole plan: wrap every writer (Writer),
// provider (Provider) and the requestor (Requestor) of the run with it.
// It puts itself between VSS and each participant through
// writer.Intercept and provider.Intercept, so a wrapped participant keeps
// exactly its optional handlers and capabilities.
type Injector struct {
	plan   Plan
	cancel func() // ends the requestor's context, for FaultCancel

	mu    sync.Mutex
	fired []Fault
}

// NewInjector returns an injector of plan. cancel, if not nil, is what a
// FaultCancel calls: it should end the context of the requestor's calls.
func NewInjector(plan Plan, cancel func()) *Injector {
	return &Injector{plan: plan, cancel: cancel}
}

// InjectWriter returns w with the faults of plan that name it
// (WriterActor(w.Info().Name)) injected into its events. cancel, if not
// nil, is what FaultCancel calls.
func InjectWriter(w writer.Writer, plan Plan, cancel func()) writer.Writer {
	return NewInjector(plan, cancel).Writer(w)
}

// InjectProvider returns p with the faults of plan that name it
// (ProviderActor(p.Info().Name)) injected into its methods: extra virtual
// time, an error, a hang or a panic, before or after p's own work. cancel,
// if not nil, is what FaultCancel calls.
func InjectProvider(p provider.Provider, plan Plan, cancel func()) provider.Provider {
	return NewInjector(plan, cancel).Provider(p)
}

// errInjected is the error of a FaultError without an HRESULT.
var errInjected = errors.New("injected fault")

// ErrGaveUp is what a requestor wrapped by Injector.Requestor returns when
// a FaultAbort makes it give up the backup.
var ErrGaveUp = errors.New("the requestor gave up the backup (injected fault)")

// apply runs the faults planned for actor at site, before (after == false)
// or after the participant's own work. stop means the participant must
// return err at once.
func (in *Injector) apply(ctx context.Context, actor coordinator.Actor, site string, after bool) (stop bool, err error) {
	for _, f := range in.plan.at(actor, site) {
		if f.After != after || f.Kind == FaultAbort {
			continue
		}
		in.note(f)
		switch f.Kind {
		case FaultError:
			if f.Code == 0 {
				return true, fmt.Errorf("%v at %s: %w", actor, site, errInjected)
			}
			return true, vss.Errorf(f.Code, site, "injected fault at %v", actor)
		case FaultDelay:
			Spend(ctx, f.Delay)
		case FaultHang:
			Hang(ctx)
			return true, ctx.Err()
		case FaultPanic:
			panic(fmt.Sprintf("injected panic at %v %s", actor, site))
		case FaultCancel:
			if in.cancel != nil {
				in.cancel()
			}
		}
	}
	return false, nil
}

func (in *Injector) note(f Fault) {
	in.mu.Lock()
	in.fired = append(in.fired, f)
	in.mu.Unlock()
}

// around runs next between the faults planned before and after it.
func (in *Injector) around(ctx context.Context, actor coordinator.Actor, site string, next func(context.Context) error) error {
	if stop, err := in.apply(ctx, actor, site, false); stop {
		return err
	}
	if err := next(ctx); err != nil {
		return err
	}
	_, err := in.apply(ctx, actor, site, true)
	return err
}

// Fired returns the faults that fired, in order (a fault that fires
// several times is listed each time).
func (in *Injector) Fired() []Fault {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]Fault(nil), in.fired...)
}

// Unfired returns the faults of the plan that never fired: a plan that
// names a site the run never reached, or a participant it does not have.
func (in *Injector) Unfired() []Fault {
	in.mu.Lock()
	defer in.mu.Unlock()
	var out []Fault
	for _, f := range in.plan {
		fired := false
		for _, g := range in.fired {
			if g == f {
				fired = true
				break
			}
		}
		if !fired {
			out = append(out, f)
		}
	}
	return out
}

// Writer returns w with the plan's faults for it (WriterActor of its name)
// injected into its events, Identify included.
func (in *Injector) Writer(w writer.Writer) writer.Writer {
	actor := WriterActor(w.Info().Name)
	return writer.Intercept(w, func(ctx context.Context, e *writer.Event, next func(context.Context, *writer.Event) error) error {
		return in.around(ctx, actor, e.Kind.String(), func(ctx context.Context) error { return next(ctx, e) })
	})
}

// Provider returns p with the plan's faults for it (ProviderActor of its
// name) injected into its methods.
func (in *Injector) Provider(p provider.Provider) provider.Provider {
	actor := ProviderActor(p.Info().Name)
	return provider.Intercept(p, func(ctx context.Context, c provider.Call, next func(context.Context) error) error {
		return in.around(ctx, actor, c.Method.String(), next)
	})
}

// Requestor returns r with the plan's requestor faults: after a call named
// by a FaultAbort's site (one of RequestorSites) succeeds, it calls
// AbortBackup and fails with an error wrapping ErrGaveUp, as a backup tool
// that gives up would.
func (in *Injector) Requestor(r requestor.Requestor) requestor.Requestor {
	return &faultyRequestor{Requestor: r, in: in}
}

// faultyRequestor is Injector.Requestor: it wraps the calls of
// requestorSites.
type faultyRequestor struct {
	requestor.Requestor
	in *Injector
}

func (r *faultyRequestor) after(call coordinator.CallKind, err error) error {
	if err != nil {
		return err
	}
	for _, f := range r.in.plan.at(RequestorActor(), call.String()) {
		if f.Kind == FaultAbort {
			r.in.note(f)
			_ = r.Requestor.AbortBackup(context.Background())
			return fmt.Errorf("after %v: %w", call, ErrGaveUp)
		}
	}
	return nil
}

func (r *faultyRequestor) InitializeForBackup(ctx context.Context, bcd string) error {
	return r.after(coordinator.CallInitializeForBackup, r.Requestor.InitializeForBackup(ctx, bcd))
}
func (r *faultyRequestor) GatherWriterMetadata(ctx context.Context) error {
	return r.after(coordinator.CallGatherWriterMetadata, r.Requestor.GatherWriterMetadata(ctx))
}
func (r *faultyRequestor) StartSnapshotSet(ctx context.Context) (vss.ID, error) {
	id, err := r.Requestor.StartSnapshotSet(ctx)
	return id, r.after(coordinator.CallStartSnapshotSet, err)
}
func (r *faultyRequestor) AddToSnapshotSet(ctx context.Context, v string, p vss.ID) (vss.ID, error) {
	id, err := r.Requestor.AddToSnapshotSet(ctx, v, p)
	return id, r.after(coordinator.CallAddToSnapshotSet, err)
}
func (r *faultyRequestor) PrepareForBackup(ctx context.Context) error {
	return r.after(coordinator.CallPrepareForBackup, r.Requestor.PrepareForBackup(ctx))
}
func (r *faultyRequestor) DoSnapshotSet(ctx context.Context) error {
	return r.after(coordinator.CallDoSnapshotSet, r.Requestor.DoSnapshotSet(ctx))
}
func (r *faultyRequestor) BackupComplete(ctx context.Context) error {
	return r.after(coordinator.CallBackupComplete, r.Requestor.BackupComplete(ctx))
}
