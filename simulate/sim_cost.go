package simulate

import (
	"context"
	"time"
)

type meterKey struct{}

// meter collects the virtual cost of one writer event or provider call.
type meter struct {
	cost time.Duration
	hang bool
}

// meterCtx is the context a Loop runs work under: it carries the meter
// without the allocations of context.WithValue. The work has returned by
// the time its answer is scheduled, so it is never cancelled.
type meterCtx struct {
	context.Context
	m meter
}

// Value returns the meter for meterKey.
func (c *meterCtx) Value(key any) any {
	if key == (meterKey{}) {
		return &c.m
	}
	return c.Context.Value(key)
}

// Spend declares that the participant handling ctx takes d to do its work.
// Under the simulator's Loop, it charges d of virtual time and returns at
// once; anywhere else (the goroutine runtime, a testing/synctest bubble) it
// waits d on a real timer, or until ctx is done.
func Spend(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	if m, ok := ctx.Value(meterKey{}).(*meter); ok {
		m.cost += d
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// spendVirtual charges d of virtual time to the participant handling ctx
// when it runs under the Loop, and does nothing elsewhere: a simulated
// cost that must not slow a direct call or a test on the goroutine runtime
// by real time.
func spendVirtual(ctx context.Context, d time.Duration) {
	if m, ok := ctx.Value(meterKey{}).(*meter); ok && d > 0 {
		m.cost += d
	}
}

// Hang declares that the participant handling ctx never answers. Under the
// Loop its answer is never delivered, so the coordinator's deadline must
// deal with it; anywhere else Hang blocks until ctx is done.
func Hang(ctx context.Context) {
	if m, ok := ctx.Value(meterKey{}).(*meter); ok {
		m.hang = true
		return
	}
	<-ctx.Done()
}
