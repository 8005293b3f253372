package simulate

import (
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"math/rand/v2"
	"time"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/coordinator"
	"github.com/vsskit/vss/internal/inline"
)

// epoch is Epoch's instant.
var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Epoch returns the virtual time at which every Loop starts: a fixed
// instant (2026-01-01 00:00 UTC), so that traces and shadow copy creation
// times are the same on every machine.
func Epoch() time.Time { return epoch }

// ErrStalled is reported when the session waits for something that can
// never happen: nothing is scheduled and no deadline is set (a participant
// hangs where the protocol has no timeout).
var ErrStalled = errors.New("simulate: nothing left to happen; the session waits for a participant that hangs with no deadline")

// Loop is the simulator's coordinator.Runtime: a single-threaded event loop
// in virtual time. Work handed to it with Go runs when the session next
// waits, one piece at a time, in an order drawn from the seed; its answer
// is delivered after the virtual time the participant spent (see Spend),
// plus a seeded jitter of up to Jitter. Wait jumps the clock to the next
// answer or deadline; Sleep lets time pass between a requestor's calls.
// The Loop itself is the runtime of one session; sessions that share a
// loop (several requestors on one computer, see Computer) each run on a
// Lane of it. A Loop must be used by one goroutine.
type Loop struct {
	// Every piece of work runs within Wait, on its caller's goroutine:
	// nothing is left running when a session's call returns (see
	// coordinator.Session.Close).
	inlineMark

	now     time.Time     // Epoch + elapsed
	elapsed time.Duration // the virtual time since Epoch: the events' clock
	rng     Source
	jitter  time.Duration
	queued  []queuedOp
	spare   []queuedOp // the other queue buffer: work may queue more work
	order   []int32    // the seeded order of a batch of queued work
	events  eventHeap
	slots   []slot  // what the events deliver, by eventAt.slot
	free    []int32 // slots not in use
	seq     uint64
	mctx    meterCtx // the context work runs under (runQueued)
	depth   int      // runQueued calls in progress: work may call a session that waits
	// own is the loop's own lane (the session that runs on the Loop
	// itself); lanes holds it first, then every Lane made with Lane.
	own     lane
	lanes   []*lane
	laneBuf [1]*lane

	lastDeadline time.Time     // the last deadline Wait was given
	lastDue      time.Duration // and on the events' clock

	// First room for the queues, the order, the events and their slots:
	// enough for a backup with a few writers, in the loop's own memory.
	queuedBuf [2][3]queuedOp
	orderBuf  [4]int32
	eventBuf  [8]eventAt
	slotBuf   [4]slot
	freeBuf   [6]int32
}

type queuedOp struct {
	op   coordinator.Op
	run  func(ctx context.Context, o coordinator.Op) coordinator.Completion
	lane int32 // the lane whose session asked for it
}

// lane is what the loop keeps of one session's work: the answers it waits
// for, the tokens it cancelled, and the answers that became due while
// another session waited (or the loop slept), kept for its next Wait.
type lane struct {
	answers int             // its answers scheduled or in mail, cancelled ones included
	gone    map[uint64]bool // cancelled tokens; made at the first Cancel
	mail    []mailed
	closed  bool
}

// mailed is an answer due at a virtual time (since Epoch) that its
// session has not taken yet.
type mailed struct {
	at time.Duration
	c  coordinator.Completion
}

// Source is the loop's one source of choices: every random decision of a
// run comes from it. *rand.ChaCha8 is one; BytesSource replays the bytes
// of a fuzzer.
type Source interface {
	Uint64() uint64
	Read(p []byte) (int, error)
}

// NewLoopFrom returns a loop at Epoch whose choices come from src.
func NewLoopFrom(src Source) *Loop {
	l := &Loop{now: epoch, rng: src}
	l.laneBuf[0] = &l.own
	l.lanes = l.laneBuf[:]
	l.queued, l.spare, l.order = l.queuedBuf[0][:0], l.queuedBuf[1][:0], l.orderBuf[:0]
	l.events, l.slots, l.free = l.eventBuf[:0], l.slotBuf[:0], l.freeBuf[:0]
	return l
}

// NewLoop returns a loop at Epoch whose choices come from seed.
func NewLoop(seed uint64) *Loop {
	var s [32]byte
	for i := range 4 {
		v := seed ^ uint64(i)*0x9e3779b97f4a7c15
		for j := range 8 {
			s[i*8+j] = byte(v >> (8 * j))
		}
	}
	return NewLoopFrom(rand.NewChaCha8(s))
}

// BytesSource is a Source that hands out the bytes it holds, then a
// stream seeded from them: it lets go test -fuzz drive every choice of a
// run, and the same bytes always give the same choices.
type BytesSource struct {
	b    []byte
	rest *rand.ChaCha8
}

// NewBytesSource returns a source over b.
func NewBytesSource(b []byte) *BytesSource {
	return &BytesSource{b: b, rest: rand.NewChaCha8(sha256.Sum256(b))}
}

// Read fills p from the bytes left, then from the seeded stream; it never
// fails.
func (s *BytesSource) Read(p []byte) (int, error) {
	n := copy(p, s.b)
	s.b = s.b[n:]
	_, _ = s.rest.Read(p[n:])
	return len(p), nil
}

// Uint64 returns the next eight bytes, little-endian.
func (s *BytesSource) Uint64() uint64 {
	var b [8]byte
	s.Read(b[:])
	var v uint64
	for i := 7; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	return v
}

// SetJitter makes every answer arrive up to j later than the participant's
// own cost, by a seeded amount, so that seeds explore different timings.
func (l *Loop) SetJitter(j time.Duration) { l.jitter = j }

// Rand returns the loop's choice source: every random decision of a run
// must come from it (IDs included) for the seed to reproduce the run.
func (l *Loop) Rand() Source { return l.rng }

// Now returns the virtual time.
func (l *Loop) Now() time.Time { return l.now }

// Elapsed returns the virtual time since Epoch.
func (l *Loop) Elapsed() time.Duration { return l.elapsed }

// Advance moves the virtual clock forward by d, as if nothing happened
// meanwhile; it never moves backwards.
func (l *Loop) Advance(d time.Duration) {
	if d > 0 {
		l.moveTo(l.elapsed + d)
	}
}

// moveTo sets the clock to Epoch + d.
func (l *Loop) moveTo(d time.Duration) {
	l.elapsed, l.now = d, epoch.Add(d)
}

// Go queues run(ctx, o); it runs when the session next waits.
func (l *Loop) Go(o coordinator.Op, run func(ctx context.Context, o coordinator.Op) coordinator.Completion) {
	l.goOn(0, o, run)
}

// goOn queues run(ctx, o) for the session of lane id.
func (l *Loop) goOn(id int32, o coordinator.Op, run func(ctx context.Context, o coordinator.Op) coordinator.Completion) {
	if ln := l.lanes[id]; ln.closed {
		// Nothing starts once the lane is closed: the Op fails at once.
		i := l.slot()
		l.slots[i].fn, l.slots[i].lane = nil, id
		l.slots[i].c = coordinator.Completion{Token: o.Token, Err: vss.Errorf(vss.ErrBadState, "simulate", "the session's lane of the loop is closed")}
		l.seq++
		ln.answers++
		l.events.push(l.elapsed, l.seq, i)
		return
	}
	if l.queued == nil {
		l.queued = make([]queuedOp, 0, 4) // a stage's writers or providers
	}
	// Filled in place: a queuedOp built aside and appended is copied 16
	// bytes at a time while its last field is still being stored, a stall.
	n := len(l.queued)
	if n == cap(l.queued) {
		l.queued = append(l.queued, queuedOp{})
	} else {
		l.queued = l.queued[:n+1]
	}
	q := &l.queued[n]
	q.op, q.run, q.lane = o, run, id
}

// Cancel drops the answer of the work named token.
func (l *Loop) Cancel(token uint64) { l.cancelOn(0, token) }

// cancelOn drops the answer of lane id's work named token.
func (l *Loop) cancelOn(id int32, token uint64) {
	ln := l.lanes[id]
	if ln.gone == nil {
		ln.gone = map[uint64]bool{}
	}
	ln.gone[token] = true
}

// Wait runs the queued work, then advances virtual time event by event:
// callbacks scheduled with At and After run as their time comes; the first
// answer due no later than the deadline is returned, with the clock at its
// time; if the deadline comes first, the clock stops there and Wait
// reports it. With no answer to wait for and no deadline, Wait returns
// ErrStalled: callbacks alone never end a wait. Answers to other sessions
// on the loop (their Lanes) that fall due meanwhile are kept for them.
func (l *Loop) Wait(ctx context.Context, deadline time.Time, hasDeadline bool) (coordinator.Completion, bool, error) {
	return l.waitOn(0, ctx, deadline, hasDeadline)
}

// waitOn is Wait for the session of lane id.
func (l *Loop) waitOn(id int32, ctx context.Context, deadline time.Time, hasDeadline bool) (coordinator.Completion, bool, error) {
	ln := l.lanes[id]
	var due time.Duration // the deadline on the events' clock
	if hasDeadline {
		if deadline != l.lastDeadline { // a session asks with the same deadline again and again
			l.lastDeadline, l.lastDue = deadline, deadline.Sub(epoch)
		}
		due = l.lastDue
	}
	for {
		l.runQueued()
		if ctx != nil && ctx.Err() != nil {
			return coordinator.Completion{}, true, ctx.Err()
		}
		if len(ln.mail) > 0 && (!hasDeadline || ln.mail[0].at <= due) {
			// Due while another session waited: delivered first, in order.
			m := ln.mail[0]
			ln.mail = ln.mail[1:]
			ln.answers--
			if len(ln.gone) > 0 && ln.gone[m.c.Token] {
				delete(ln.gone, m.c.Token)
				continue
			}
			return m.c, true, nil
		}
		if ln.answers == 0 && !hasDeadline {
			return coordinator.Completion{}, true, ErrStalled
		}
		if len(l.events) == 0 || (hasDeadline && l.events[0].at > due) {
			if deadline.After(l.now) {
				l.elapsed, l.now = due, deadline
			}
			return coordinator.Completion{}, false, nil
		}
		next := l.events.pop()
		if next.at > l.elapsed {
			l.moveTo(next.at)
		}
		s := &l.slots[next.slot]
		if s.fn != nil {
			fn := s.fn
			l.release(next.slot)
			fn()
			continue
		}
		if s.lane != id {
			l.keep(next)
			continue
		}
		ln.answers--
		if len(ln.gone) > 0 && ln.gone[s.c.Token] {
			delete(ln.gone, s.c.Token)
			l.release(next.slot)
			continue
		}
		c := s.c
		l.release(next.slot)
		return c, true, nil
	}
}

// keep puts the answer e delivers in its lane's mail, for the session's
// next Wait, unless the lane was closed or the work cancelled since.
func (l *Loop) keep(e eventAt) {
	s := &l.slots[e.slot]
	ln := l.lanes[s.lane]
	switch {
	case ln.closed:
	case len(ln.gone) > 0 && ln.gone[s.c.Token]:
		delete(ln.gone, s.c.Token)
		ln.answers--
	default:
		ln.mail = append(ln.mail, mailed{at: e.at, c: s.c})
	}
	l.release(e.slot)
}

// Sleep lets d of virtual time pass: the queued work runs, then the
// callbacks and answers due until now+d, in time order (answers are kept
// for the sessions that wait for them), and the clock stops at now+d. If
// ctx ends first (a callback cancels it, say), Sleep returns ctx's error
// with the clock where it was then. It is coordinator.Session.Sleep for a
// session on the loop: a requestor's pause between calls, during which the
// rest of the simulated world goes on.
func (l *Loop) Sleep(ctx context.Context, d time.Duration) error {
	if ctx == nil {
		ctx = context.Background()
	}
	due := l.elapsed + max(d, 0)
	for {
		l.runQueued()
		if err := ctx.Err(); err != nil {
			return err
		}
		if len(l.events) == 0 || l.events[0].at > due {
			if due > l.elapsed {
				l.moveTo(due)
			}
			return nil
		}
		next := l.events.pop()
		if next.at > l.elapsed {
			l.moveTo(next.at)
		}
		if s := &l.slots[next.slot]; s.fn != nil {
			fn := s.fn
			l.release(next.slot)
			fn()
			continue
		}
		l.keep(next)
	}
}

// At schedules f to run at virtual time t (or at once, if t has passed),
// on the loop, while a session waits. Simulated applications use it to
// write to volumes as time passes.
func (l *Loop) At(t time.Time, f func()) {
	at := l.elapsed
	if t.After(l.now) {
		at = t.Sub(epoch)
	}
	i := l.slot()
	l.slots[i].fn = f
	l.seq++
	l.events.push(at, l.seq, i)
}

// After schedules f to run d from now; see At.
func (l *Loop) After(d time.Duration, f func()) { l.At(l.now.Add(d), f) }

// Close drops everything still scheduled, the work of every Lane
// included: it is the Close of the session that runs on the loop itself,
// which is the whole simulation. (Sessions that share a loop run on
// Lanes, whose Close drops their own work only.) The loop runs no
// goroutine, so nothing is left running.
func (l *Loop) Close() {
	l.queued = nil
	l.events = nil
	l.slots, l.free = nil, nil
	for _, ln := range l.lanes {
		ln.answers, ln.mail = 0, nil
		clear(ln.gone)
	}
}

// slot returns a free slot for an event to deliver.
func (l *Loop) slot() int32 {
	if n := len(l.free); n > 0 {
		i := l.free[n-1]
		l.free = l.free[:n-1]
		return i
	}
	if l.slots == nil {
		l.slots, l.free = make([]slot, 0, 8), make([]int32, 0, 8)
	}
	l.slots = append(l.slots, slot{})
	return int32(len(l.slots) - 1)
}

// release makes slot i free. It is not emptied: what it held stays
// reachable until the slot is used again (a few answers at most), which
// spares the writes that clearing pointers costs while the collector
// marks. Whoever uses it again sets fn, or clears it for an answer.
func (l *Loop) release(i int32) {
	l.free = append(l.free, i)
}

// runQueued runs the queued work in a seeded order and schedules answers.
func (l *Loop) runQueued() {
	for len(l.queued) > 0 {
		batch := l.queued
		l.queued = l.spare[:0]
		if l.depth > 0 {
			// Work that called a session which waits: the outer batch
			// is still being run, and the spare buffer may be it.
			l.queued = nil
		}
		l.depth++
		// The order is shuffled, not the work: the same draws as
		// shuffling the batch itself give the same order.
		order := l.order[:0]
		l.order = nil // work that waits on the session runs a batch of its own
		for i := range batch {
			order = append(order, int32(i))
		}
		for i := len(order) - 1; i > 0; i-- { // Fisher-Yates from the seed
			j := int(l.rng.Uint64() % uint64(i+1))
			order[i], order[j] = order[j], order[i]
		}
		for _, k := range order {
			q := &batch[k]
			token := q.op.Token
			ln := l.lanes[q.lane]
			if ln.closed {
				continue
			}
			if len(ln.gone) > 0 && ln.gone[token] {
				delete(ln.gone, token)
				continue
			}
			// One context serves every run: runs are one at a time and a
			// run's context is valid for the call only, as the contexts of
			// writer events and provider calls are. Work run while other
			// work calls a session that waits has a context of its own.
			ctx := &l.mctx
			if l.depth > 1 {
				ctx = &meterCtx{}
			}
			ctx.Context, ctx.m = context.Background(), meter{}
			c := q.run(ctx, q.op)
			if ctx.m.hang {
				continue
			}
			cost := ctx.m.cost
			if l.jitter > 0 {
				cost += time.Duration(l.rng.Uint64() % uint64(l.jitter+1))
			}
			c.Token = token
			i := l.slot()
			if l.slots[i].fn != nil { // the slot held a callback before
				l.slots[i].fn = nil
			}
			l.slots[i].c, l.slots[i].lane = c, q.lane
			l.seq++
			ln.answers++
			l.events.push(l.elapsed+cost, l.seq, i)
		}
		l.depth--
		// The batch is not cleared: its ops stay reachable until the
		// buffer is filled again, which spares the writes that clearing
		// pointers costs while the collector marks.
		if l.depth == 0 {
			l.spare = batch[:0]
		}
		l.order = order
	}
}

// eventAt is an answer, or a callback, due at a virtual time (since
// Epoch); what it delivers is in the loop's slot.
type eventAt struct {
	at   time.Duration
	seq  uint64
	slot int32
}

// slot is what an event delivers: an answer, or a callback (fn) to run.
// A freed slot keeps what it held (see release); fn is nil in a slot
// that holds an answer.
type slot struct {
	c    coordinator.Completion
	fn   func()
	lane int32 // the lane an answer is for
}

// eventHeap is a binary min-heap of events by (at, seq). Its entries are
// small and hold no pointers: what they deliver stays in place, in the
// loop's slots, while the heap moves them.
type eventHeap []eventAt

func (h eventHeap) less(i, j int) bool {
	if h[i].at != h[j].at {
		return h[i].at < h[j].at
	}
	return h[i].seq < h[j].seq
}

func (h *eventHeap) push(at time.Duration, seq uint64, slot int32) {
	if *h == nil {
		*h = make(eventHeap, 0, 8)
	}
	n := len(*h)
	if n == cap(*h) {
		*h = append(*h, eventAt{})
	} else {
		*h = (*h)[:n+1]
	}
	e := &(*h)[n] // filled in place, as Go fills its queue
	e.at, e.seq, e.slot = at, seq, slot
	for i := len(*h) - 1; i > 0; {
		p := (i - 1) / 2
		if !h.less(i, p) {
			break
		}
		(*h)[i], (*h)[p] = (*h)[p], (*h)[i]
		i = p
	}
}

func (h *eventHeap) pop() eventAt {
	old := *h
	top := old[0]
	n := len(old) - 1
	old[0] = old[n]
	*h = old[:n]
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < n && h.less(l, m) {
			m = l
		}
		if r < n && h.less(r, m) {
			m = r
		}
		if m == i {
			break
		}
		(*h)[i], (*h)[m] = (*h)[m], (*h)[i]
		i = m
	}
	return top
}

var _ coordinator.Runtime = (*Loop)(nil)

type inlineMark = inline.Mark

// IDs returns a source of snapshot set and snapshot IDs drawn from the
// loop's seed, for coordinator.Config.IDs: the same seed gives the same
// IDs.
func (l *Loop) IDs() io.Reader { return idStream(l.rng) }
