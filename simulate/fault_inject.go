package simulate

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/writer"
)

// injector applies the faults of a plan and remembers which fired.
type injector struct {
	plan   Plan
	cancel func() // ends the requestor's context, for FaultCancel

	mu    sync.Mutex
	fired []Fault
}

// errInjected is the error of a FaultError without an HRESULT.
var errInjected = errors.New("injected fault")

// apply runs the faults planned for actor at site, before (after == false)
// or after the participant's own work. stop means the participant must
// return err at once.
func (in *injector) apply(ctx context.Context, actor, site string, after bool) (stop bool, err error) {
	if in == nil {
		return false, nil
	}
	for _, f := range in.plan.at(actor, site) {
		if f.After != after {
			continue
		}
		in.mu.Lock()
		in.fired = append(in.fired, f)
		in.mu.Unlock()
		switch f.Kind {
		case FaultError:
			if f.Code == 0 {
				return true, fmt.Errorf("%s at %s: %w", actor, site, errInjected)
			}
			return true, vss.Errorf(f.Code, site, "injected fault at %s", actor)
		case FaultDelay:
			Spend(ctx, f.Delay)
		case FaultHang:
			Hang(ctx)
			return true, ctx.Err()
		case FaultPanic:
			panic(fmt.Sprintf("injected panic at %s %s", actor, site))
		case FaultCancel:
			if in.cancel != nil {
				in.cancel()
			}
		}
	}
	return false, nil
}

// Fired returns the faults that fired, in order.
func (in *injector) Fired() []Fault {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]Fault(nil), in.fired...)
}

// faultyWriter injects a plan's faults into any writer's events, before or
// after the writer's own handler runs; the writer's optional handlers keep
// their meaning. It is the hooks of a hooked writer.
type faultyWriter struct {
	inner writer.Writer
	in    *injector
	actor string
}

// InjectWriter returns w with the faults of plan that name it
// (WriterActor(w.Info().Name)) injected into its events. cancel, if not
// nil, is what FaultCancel calls.
func InjectWriter(w writer.Writer, plan Plan, cancel func()) writer.Writer {
	return hooked{&faultyWriter{inner: w, in: &injector{plan: plan, cancel: cancel}, actor: WriterActor(w.Info().Name)}}
}

func (f *faultyWriter) Info() writer.Info { return f.inner.Info() }

func (f *faultyWriter) event(ctx context.Context, e *writer.Event) error {
	site := e.Kind.String()
	if stop, err := f.in.apply(ctx, f.actor, site, false); stop {
		return err
	}
	if err := writer.Deliver(ctx, f.inner, e); err != nil {
		return err
	}
	_, err := f.in.apply(ctx, f.actor, site, true)
	return err
}

func (f *faultyWriter) identify(ctx context.Context, md *writer.Metadata) error {
	site := writer.EventIdentify.String()
	if stop, err := f.in.apply(ctx, f.actor, site, false); stop {
		return err
	}
	if id, ok := f.inner.(writer.Identifier); ok {
		if err := id.OnIdentify(ctx, md); err != nil {
			return err
		}
	}
	_, err := f.in.apply(ctx, f.actor, site, true)
	return err
}

var _ eventHooks = (*faultyWriter)(nil)
