package coordinator

import (
	"context"
	"sync"
	"time"

	"github.com/vsskit/vss"
)

// Clock is the source of time for the goroutine runtime. The coordinator
// never reads the time package's clock directly: SystemClock does, and
// tests may pass their own. Inside a testing/synctest bubble SystemClock
// is virtual too.
type Clock interface {
	Now() time.Time
	// NewTimer returns a timer that fires once after d.
	NewTimer(d time.Duration) Timer
}

// Timer is a one-shot timer of a Clock.
type Timer interface {
	C() <-chan time.Time
	Stop() bool
}

// SystemClock is the real clock of the time package.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// NewTimer returns a time.Timer.
func (SystemClock) NewTimer(d time.Duration) Timer { return sysTimer{time.NewTimer(d)} }

type sysTimer struct{ t *time.Timer }

func (t sysTimer) C() <-chan time.Time { return t.t.C }
func (t sysTimer) Stop() bool          { return t.t.Stop() }

// CloseGracePeriod is how long the goroutine runtime's Close waits for
// the writer handlers and provider calls still running once their contexts
// are cancelled: 5 s. A handler that ignores its context and is still
// running then is abandoned (its goroutine is left to finish on its own)
// and Session.Close reports it. Microsoft documents no such figure; the
// grace period is this library's rule.
const CloseGracePeriod = 5 * time.Second

// Runtime carries out the Ops of a session's state machine: it decides when
// and on which goroutine each runs, and what time it is. The goroutine
// runtime (the default) runs each Op on its own goroutine against a Clock,
// as real writers and providers need; the simulator supplies a runtime
// that runs them one at a time in seeded order and virtual time.
//
// A session calls Go, Cancel and Wait from one goroutine at a time, and
// Close once, when no call is in progress.
type Runtime interface {
	// Now returns the current time.
	Now() time.Time
	// Go runs run(ctx, o). The context is cancelled by Cancel(o.Token) and
	// by Close. The Completion is reported by Wait, with o.Token.
	Go(o Op, run func(ctx context.Context, o Op) Completion)
	// Cancel cancels the context of the Op named token, if it still runs.
	Cancel(token uint64)
	// Wait returns the next Completion. If hasDeadline is set and the
	// deadline passes first, it returns ok == false. If ctx (which may be
	// nil) ends first, it returns ctx's error. A runtime that knows nothing
	// can complete any more (a simulator with nothing scheduled) returns an
	// error too, and the session then abandons what it awaited.
	Wait(ctx context.Context, deadline time.Time, hasDeadline bool) (c Completion, ok bool, err error)
	// Sleep waits d on the runtime's clock, or until ctx ends, when it
	// returns ctx's error. It is Session.Sleep: a requestor's wait between
	// calls (a retry's back-off), never made while the session drives a
	// call. A runtime in virtual time runs meanwhile what is due until
	// then, other sessions' work included.
	Sleep(ctx context.Context, d time.Duration) error
	// Close cancels every Op still running and waits for them to return,
	// for a bounded time: the goroutine runtime waits at most
	// CloseGracePeriod and abandons what is still running then.
	Close()
}

// goRuntime runs each Op on its own goroutine.
type goRuntime struct {
	clock   Clock
	grace   time.Duration
	mu      sync.Mutex
	queue   []Completion
	notify  chan struct{}
	cancels map[uint64]context.CancelFunc // the Ops running, by token
	closed  bool
	drained chan struct{} // closed by the last Op to return after Close
}

// NewGoroutineRuntime returns the runtime a Session uses by default: every
// writer event and provider call runs on a goroutine of its own, and time
// comes from clock (SystemClock if nil). Its Close waits at most
// CloseGracePeriod for handlers that ignore their cancellation.
func NewGoroutineRuntime(clock Clock) Runtime {
	if clock == nil {
		clock = SystemClock{}
	}
	return &goRuntime{clock: clock, grace: CloseGracePeriod, notify: make(chan struct{}, 1),
		cancels: map[uint64]context.CancelFunc{}}
}

func (r *goRuntime) Now() time.Time { return r.clock.Now() }

func (r *goRuntime) Go(o Op, run func(ctx context.Context, o Op) Completion) {
	token := o.Token
	ctx, cancel := context.WithCancel(context.Background())
	r.mu.Lock()
	if r.closed {
		// Nothing starts once the runtime is closed: the Op fails at once.
		r.mu.Unlock()
		cancel()
		r.complete(Completion{Token: token, Err: vss.Errorf(vss.ErrBadState, "coordinator", "the session's runtime is closed")})
		return
	}
	r.cancels[token] = cancel
	r.mu.Unlock()
	go func() {
		c := run(ctx, o)
		c.Token = token
		cancel()
		r.mu.Lock()
		delete(r.cancels, token)
		if r.closed && len(r.cancels) == 0 && r.drained != nil {
			close(r.drained)
			r.drained = nil
		}
		r.mu.Unlock()
		r.complete(c)
	}()
}

// complete queues c for Wait.
func (r *goRuntime) complete(c Completion) {
	r.mu.Lock()
	r.queue = append(r.queue, c)
	r.mu.Unlock()
	select {
	case r.notify <- struct{}{}:
	default:
	}
}

func (r *goRuntime) Cancel(token uint64) {
	r.mu.Lock()
	cancel := r.cancels[token]
	r.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}

func (r *goRuntime) Wait(ctx context.Context, deadline time.Time, hasDeadline bool) (Completion, bool, error) {
	var timer Timer
	var timeout <-chan time.Time
	if hasDeadline {
		d := deadline.Sub(r.clock.Now())
		if d <= 0 {
			d = 0
		}
		timer = r.clock.NewTimer(d)
		defer timer.Stop()
		timeout = timer.C()
	}
	var done <-chan struct{}
	if ctx != nil {
		done = ctx.Done()
	}
	for {
		r.mu.Lock()
		if len(r.queue) > 0 {
			c := r.queue[0]
			r.queue = r.queue[1:]
			r.mu.Unlock()
			return c, true, nil
		}
		r.mu.Unlock()
		select {
		case <-r.notify:
		case <-timeout:
			return Completion{}, false, nil
		case <-done:
			return Completion{}, true, ctx.Err()
		}
	}
}

// Sleep waits d on a timer of the runtime's clock, or until ctx ends.
func (r *goRuntime) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d <= 0 {
		return nil
	}
	t := r.clock.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C():
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close cancels every Op still running and waits for them, at most the
// grace period; it may be called more than once.
func (r *goRuntime) Close() {
	r.mu.Lock()
	r.closed = true
	for _, cancel := range r.cancels {
		cancel()
	}
	if len(r.cancels) == 0 {
		r.mu.Unlock()
		return
	}
	if r.drained == nil {
		r.drained = make(chan struct{})
	}
	drained := r.drained
	r.mu.Unlock()
	timer := r.clock.NewTimer(r.grace)
	defer timer.Stop()
	select {
	case <-drained:
	case <-timer.C():
	}
}
