package simulate

import (
	"context"
	"time"

	"github.com/vsskit/vss/coordinator"
)

// Lane is one session's share of a Loop, for simulating several
// requestors on one computer (coordinator.Service): a coordinator.Runtime
// whose work runs on the loop, in the loop's seeded order and virtual
// time, and whose answers go to its own session only. An answer that falls
// due while another session waits, or while the loop sleeps, is kept and
// delivered at the lane's next Wait; callbacks scheduled with At and After
// run whichever session waits. Close drops the lane's work and nothing
// else.
//
// Sessions on lanes of one loop may call each other from their writers,
// providers and scheduled callbacks (a requestor's StartSnapshotSet from
// another's Freeze handler, AbortBackup at a virtual time): the caller's
// goroutine runs the callee's wait, as everything on a loop runs on one
// goroutine. A Lane, like its Loop, must be used by one goroutine.
type Lane struct {
	inlineMark
	l  *Loop
	id int32
}

// Lane returns a new lane of the loop, for one more session.
func (l *Loop) Lane() *Lane {
	l.lanes = append(l.lanes, &lane{})
	return &Lane{l: l, id: int32(len(l.lanes) - 1)}
}

// Loop returns the loop the lane belongs to.
func (r *Lane) Loop() *Loop { return r.l }

// Now returns the loop's virtual time.
func (r *Lane) Now() time.Time { return r.l.now }

// Go queues run(ctx, o) on the loop for this lane's session.
func (r *Lane) Go(o coordinator.Op, run func(ctx context.Context, o coordinator.Op) coordinator.Completion) {
	r.l.goOn(r.id, o, run)
}

// Cancel drops the answer of the lane's work named token.
func (r *Lane) Cancel(token uint64) { r.l.cancelOn(r.id, token) }

// Wait is Loop.Wait for this lane's session: it returns the lane's next
// answer, kept ones first.
func (r *Lane) Wait(ctx context.Context, deadline time.Time, hasDeadline bool) (coordinator.Completion, bool, error) {
	return r.l.waitOn(r.id, ctx, deadline, hasDeadline)
}

// Sleep is Loop.Sleep: the whole loop moves on by d.
func (r *Lane) Sleep(ctx context.Context, d time.Duration) error { return r.l.Sleep(ctx, d) }

// Close drops the lane's queued work and answers; later work fails at
// once with VSS_E_BAD_STATE. The rest of the loop goes on.
func (r *Lane) Close() {
	ln := r.l.lanes[r.id]
	ln.closed = true
	ln.answers, ln.mail = 0, nil
	clear(ln.gone)
}

var _ coordinator.Runtime = (*Lane)(nil)
