package simulate

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"time"
)

// Errors of the simulated applications' consistency checks. They are
// wrapped with the record or transaction they concern, so errors.Is finds
// them.
var (
	// ErrTornRecord means a shadow copy holds part of a multi-block record
	// (or of a transaction) and not the rest: the copy is crash consistent,
	// not application consistent.
	ErrTornRecord = errors.New("torn record")
	// ErrLostWrite means an application's acknowledged write is missing
	// from its live volume, or a request it accepted was never carried out.
	ErrLostWrite = errors.New("lost write")
)

// AppConfig tunes the workload of a simulated application. Every time in
// it is virtual; the Loop's choice source draws each actual gap, so a seed
// decides when each write lands and what it holds.
type AppConfig struct {
	// Dir is the directory on the volume that holds the application's
	// files; "app" when empty.
	Dir string
	// Requests is how many requests (records, or transactions) the
	// application's clients issue in a run; 24 when zero.
	Requests int
	// Interval bounds the virtual time between two client requests: each
	// gap is drawn between 1 ms and Interval (300 ms when zero).
	Interval time.Duration
	// WriteGap bounds the virtual time between two writes of one record:
	// each gap is drawn between 1 ms and WriteGap (30 ms when zero).
	WriteGap time.Duration
	// Blocks is how many BlockSize blocks a record spans, at least 2
	// (2 when zero or less).
	Blocks int
	// Bug gives a transactional application a deliberate bug, for tests
	// that prove a checker catches a writer that does not quiesce its
	// application; AppCorrect (zero) means none.
	Bug AppBug
}

// AppBug is a deliberate bug of a simulated transactional application.
type AppBug int

// The deliberate bugs.
const (
	// AppCorrect: the application freezes and resumes properly.
	AppCorrect AppBug = iota
	// AppBugNoQueue: Freeze neither finishes the transaction in flight nor
	// queues new ones; writes go on while frozen, so shadow copies tear.
	AppBugNoQueue
	// AppBugDropQueue: Thaw and Abort forget the queued transactions, so
	// acknowledged-to-be-done requests are lost.
	AppBugDropQueue
)

func (c AppConfig) withDefaults() AppConfig {
	if c.Dir == "" {
		c.Dir = "app"
	}
	if c.Requests <= 0 {
		c.Requests = 24
	}
	if c.Interval <= 0 {
		c.Interval = 300 * time.Millisecond
	}
	if c.WriteGap <= 0 {
		c.WriteGap = 30 * time.Millisecond
	}
	if c.Blocks < 2 {
		c.Blocks = 2
	}
	return c
}

// AppStats counts what a simulated application did.
type AppStats struct {
	Requests     int // requests the clients issued
	Acknowledged int // requests whose writes all reached the volume
	Queued       int // requests waiting for the application to thaw
	// QueuedWhileFrozen counts requests that waited in the freeze queue
	// at some point.
	QueuedWhileFrozen int
	Writes            int // writes submitted to the volume
	HeldWrites        int // writes submitted while VSS held the volume's writes
	LateWrites        int // held writes that completed before the hold ended (must be 0)
}

// appTxn is one client request: a record of cfg.Blocks blocks, plus a
// commit record for a transactional application.
type appTxn struct {
	id        int
	nonce     uint64
	submitted int // writes submitted so far
	done      int // writes completed so far
	acked     bool
	queuedAt  bool // it waited in the freeze queue
}

// appWrite is one write in the order the application submitted it, for the
// checker's model of what a shadow copy must hold.
type appWrite struct {
	txn, part  int
	heldSubmit bool          // the volume's writes were held when it was submitted
	heldDone   bool          // ... and when it completed
	seq        int           // order in which it was applied; 0 until then
	at         time.Duration // virtual time (since Epoch) at which it was applied
}

// appEngine is the workload both applications share: clients issue
// requests at seeded times, the application writes each as a chain of
// block writes with seeded gaps, through Volume.Submit (so VSS's hold
// delays them), and acknowledges a request when its last write completed.
type appEngine struct {
	vol   *Volume
	cfg   AppConfig
	steps int  // writes per request
	log   bool // a commit record ends each request (transactional)
	data  string
	clog  string

	loop    *Loop
	txns    []*appTxn
	queue   []*appTxn // issued, not started
	cur     *appTxn   // the request being written, one write at a time
	epoch   uint64    // a change invalidates the scheduled next write
	stopped bool
	gate    bool // new requests wait in the queue (frozen)
	frozen  bool // the writer received Freeze and neither Thaw nor Abort since
	applied int  // writes applied so far
	writes  []appWrite
	// rdata and rclog are readFiles' buffers.
	rdata, rclog []byte
	stats        AppStats
	buf          []byte // the write being built
	chk          []byte // a block being checked

	// check is the application's own consistency check of its files in a
	// shadow copy (TransactionalApp's or UnawareApp's).
	check func(data, clog []byte) error
}

func newAppEngine(vol *Volume, cfg AppConfig, log bool) *appEngine {
	cfg = cfg.withDefaults()
	e := &appEngine{vol: vol, cfg: cfg, steps: cfg.Blocks, log: log,
		data: path.Join(cfg.Dir, "data.db"), clog: path.Join(cfg.Dir, "commit.log"), buf: make([]byte, BlockSize)}
	if log {
		e.steps++
	}
	if n := cfg.Requests; n > 0 && n <= 1024 { // sized once when the number of requests is known
		e.txns = make([]*appTxn, 0, n)
		e.writes = make([]appWrite, 0, n*e.steps)
	}
	return e
}

// Start starts the application's clients on the loop: from now on, while
// a session waits on the loop, requests arrive and the application writes
// them to its volume. Start creates the application's directory first.
func (e *appEngine) Start(loop *Loop) {
	e.loop = loop
	e.vol.Submit(MkdirAllOp(e.cfg.Dir), nil)
	e.scheduleArrival()
}

// Volume returns the volume the application writes to.
func (e *appEngine) Volume() *Volume { return e.vol }

// Stats returns what the application did so far.
func (e *appEngine) Stats() AppStats {
	s := e.stats
	s.Queued = len(e.queue)
	return s
}

// draw returns a seeded gap between 1 ms and max.
func (e *appEngine) draw(max time.Duration) time.Duration {
	ms := uint64(max / time.Millisecond)
	if ms < 1 {
		ms = 1
	}
	return time.Duration(1+e.loop.Rand().Uint64()%ms) * time.Millisecond
}

func (e *appEngine) scheduleArrival() {
	if e.stopped || e.loop == nil || len(e.txns) >= e.cfg.Requests {
		return
	}
	e.loop.After(e.draw(e.cfg.Interval), e.arrive)
}

// arrive is a client request arriving.
func (e *appEngine) arrive() {
	if e.stopped {
		return
	}
	t := &appTxn{id: len(e.txns), nonce: e.loop.Rand().Uint64()}
	e.txns = append(e.txns, t)
	e.stats.Requests++
	if e.gate {
		t.queuedAt = true
		e.stats.QueuedWhileFrozen++
	}
	e.queue = append(e.queue, t)
	e.scheduleArrival()
	e.pump()
}

// pump starts the next queued request if the application is idle and may
// write.
func (e *appEngine) pump() {
	if e.cur != nil || e.gate || len(e.queue) == 0 {
		return
	}
	e.cur = e.queue[0]
	e.queue = e.queue[1:]
	e.submit(e.cur)
}

// submit issues the next write of t.
func (e *appEngine) submit(t *appTxn) {
	k := t.submitted
	t.submitted++
	var w Write
	if k < e.cfg.Blocks {
		fillBlock(e.buf, t.id, k, e.cfg.Blocks, t.nonce)
		w = WriteAtOp(e.data, e.blockOffset(t.id, k), e.buf)
	} else {
		fillCommit(e.buf[:commitSize], t.id, e.cfg.Blocks, t.nonce)
		w = WriteAtOp(e.clog, int64(t.id)*commitSize, e.buf[:commitSize])
	}
	idx := len(e.writes)
	held := e.vol.Held()
	e.writes = append(e.writes, appWrite{txn: t.id, part: k, heldSubmit: held})
	e.stats.Writes++
	if held {
		e.stats.HeldWrites++
	}
	e.vol.Submit(w, func(err error) { e.completed(t, k, idx, err) })
}

// completed is the volume's answer to write k of t.
func (e *appEngine) completed(t *appTxn, k, idx int, err error) {
	w := &e.writes[idx]
	w.heldDone = e.vol.Held()
	if w.heldSubmit && w.heldDone {
		e.stats.LateWrites++
	}
	if err != nil {
		return // never acknowledged: CheckLive reports it
	}
	e.applied++
	w.seq = e.applied
	if e.loop != nil {
		w.at = e.loop.Elapsed()
	}
	t.done++
	if t.done == e.steps {
		t.acked = true
		e.stats.Acknowledged++
		if e.cur == t {
			e.cur = nil
			e.pump()
		}
		return
	}
	if e.cur == t && t.submitted == k+1 && e.loop != nil {
		ep := e.epoch
		e.loop.After(e.draw(e.cfg.WriteGap), func() {
			if ep == e.epoch && e.cur == t && t.submitted < e.steps {
				e.submit(t)
			}
		})
	}
}

// finishCurrent submits every write the current request still owes, at
// once, and returns how many.
func (e *appEngine) finishCurrent() int {
	t := e.cur
	if t == nil {
		return 0
	}
	e.epoch++
	n := 0
	for t.submitted < e.steps {
		e.submit(t)
		n++
	}
	return n
}

// flushQueue writes every queued request at once, in order.
func (e *appEngine) flushQueue() {
	q := e.queue
	e.queue = nil
	for _, t := range q {
		for t.submitted < e.steps {
			e.submit(t)
		}
	}
}

// Settle ends the run of the application: clients issue no more requests,
// and, unless the application is frozen, the request being written and
// every queued one are written at once. After Settle, on a volume whose
// writes are not held, every request is acknowledged; CheckLive then
// proves that nothing was lost.
func (e *appEngine) Settle() {
	e.stopped = true
	if e.frozen && e.cfg.Bug != AppBugNoQueue {
		return
	}
	// Finishing the current request may start the next one (pump).
	for len(e.queue) > 0 || (e.cur != nil && e.cur.submitted < e.steps) {
		e.finishCurrent()
		e.flushQueue()
	}
}

// blockOffset is where block k of record id lives in the data file.
func (e *appEngine) blockOffset(id, k int) int64 {
	return (int64(id)*int64(e.cfg.Blocks) + int64(k)) * BlockSize
}

// CheckLive checks the live side of a backup, on fsys, usually
// Volume.FS of the application's volume: every request the application
// acknowledged is wholly on it (no lost write), and every request it
// accepted is acknowledged, waiting in its queue or being written (none
// forgotten). Errors wrap ErrLostWrite.
func (e *appEngine) CheckLive(fsys fs.FS) error {
	data, clog, err := e.readFiles(fsys)
	if err != nil {
		return err
	}
	inQueue := map[*appTxn]bool{}
	for _, t := range e.queue {
		inQueue[t] = true
	}
	var errs []error
	for _, t := range e.txns {
		switch {
		case t.acked:
			if p, commit, _ := e.recordState(data, clog, t.id); p != e.cfg.Blocks || (e.log && commit != t.nonce) {
				errs = append(errs, fmt.Errorf("request %d was acknowledged but %d of its %d blocks (commit record: %v) are on the volume: %w",
					t.id, p, e.cfg.Blocks, commit == t.nonce, ErrLostWrite))
			}
		case t.submitted > 0, inQueue[t]:
			// still in progress: its writes are held or it waits for the thaw
		default:
			errs = append(errs, fmt.Errorf("request %d was accepted and never written: %w", t.id, ErrLostWrite))
		}
	}
	return firstErrs(errs)
}

// Pending reports how many accepted requests are not yet acknowledged.
func (e *appEngine) Pending() int { return e.stats.Requests - e.stats.Acknowledged }

// firstErrs joins the first few errors of errs and says how many more.
func firstErrs(errs []error) error {
	const keep = 3
	if len(errs) > keep {
		more := fmt.Errorf("and %d more", len(errs)-keep)
		errs = append(errs[:keep:keep], more)
	}
	return errors.Join(errs...)
}
