package coordinator

import (
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/internal/inline"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/writer"
)

// WriteHolder flushes and holds writes on volumes while the providers
// commit (VSS's IOCTL_VOLSNAP_FLUSH_AND_HOLD_WRITES), and releases them. The
// simulator's volumes implement it; without one, the session holds nothing.
//
// Both calls are bounded by the hold window (Config.HoldTimeout), after
// which their context is cancelled. A HoldWrites that fails must leave
// nothing held. One that does not answer in time may have taken effect, so
// ReleaseWrites follows all the same; if it then finds nothing held, its
// error is not reported.
type WriteHolder interface {
	HoldWrites(ctx context.Context, volumes []string) error
	ReleaseWrites(ctx context.Context, volumes []string) error
}

// Config describes the participants of a session and how it runs. A
// session of a Service (Service.NewSession) leaves Writers, Providers and
// Volumes empty: they are the service's.
type Config struct {
	// Writers are the writers subscribed to VSS; each receives the events
	// of the backup. Instance IDs must be unique.
	Writers []writer.Writer
	// Providers are the registered snapshot providers. IDs must be unique.
	Providers []provider.Provider
	// Volumes, if set, holds writes during the commit.
	Volumes WriteHolder
	// Runtime runs writer events and provider calls. Nil means the
	// goroutine runtime over Clock.
	Runtime Runtime
	// Clock is the clock of the default runtime; nil means SystemClock.
	Clock Clock
	// IDs is the source of random bytes for snapshot set and snapshot IDs;
	// nil means crypto/rand.
	IDs io.Reader
	// HoldTimeout is the flush-and-hold window (DefaultHoldTimeout if zero).
	// VSS's window is fixed at 10 s; changing it is this library's knob for tests.
	HoldTimeout time.Duration
	// EventTimeout bounds writer events other than Freeze
	// (DefaultEventTimeout if zero).
	EventTimeout time.Duration
	// ProviderTimeout bounds provider calls other than CommitSnapshots
	// (DefaultProviderTimeout if zero).
	ProviderTimeout time.Duration
	// Logger, if set, receives every trace record as a log/slog record.
	Logger *slog.Logger
	// OnRecord, if set, is called with every trace record as it happens,
	// under the session's lock: it must not call the session.
	OnRecord func(Record)
}

// Session is one backup session with the VSS service run in process: it
// implements requestor.Requestor by feeding a Machine and carrying out the
// work it asks for on the configured Runtime. It is one requestor's
// backup components object on a computer's Service, shared with other
// sessions (Service.NewSession) or its own (New).
//
// Calls are serialized by the protocol: while one call is in progress
// (DoSnapshotSet, say), another call from any goroutine is answered at
// once with vss.ErrSnapshotSetInProgress or vss.ErrBadState. Close may be
// called at any time and from any number of goroutines: it runs once (see
// Close).
type Session struct {
	svc   *Service // the computer's VSS service: own, or shared with other sessions
	own   Service  // the service of a session made with New
	cfg   Config
	rt    Runtime
	trace *Trace
	runOp func(ctx context.Context, o Op) Completion // s.runner(), made once

	mu        sync.Mutex
	m         *Machine
	busy      bool          // a call is being driven
	holdsSet  bool          // the service's one set in creation is this session's (see claimSet)
	closeWait chan struct{} // made by Close while a call is driven; closed when it returns
	// closing is set by the first Close, and closed, with closeErr its
	// result, once it is done. closeDone is made by a Close that waits for
	// the first one, and closed by the first one when it is done.
	closing   bool
	closeDone chan struct{}
	closed    bool
	closeErr  error

	// The context calls are driven under: derived from the requestor's
	// context, so that Close can cancel a call in progress, and kept from
	// call to call while the requestor passes the same one (a backup makes
	// some thirty calls with one context).
	callCtx    context.Context
	callParent context.Context
	callStop   context.CancelFunc

	// The Ops whose writer or provider is being called, for Close to name
	// those it abandons: a slot each, free when its token is zero. A
	// runtime that runs every Op within its Wait (the simulator's) leaves
	// none running when Close gets there: its Ops are not kept (track is
	// false).
	track   bool
	runMu   sync.Mutex
	running []runningOp
}

// runningOp is an Op being carried out, as Close names it.
type runningOp struct {
	token    uint64
	kind     OpKind
	writer   int
	event    writer.EventKind
	provider int
	method   provider.Method
	volumes  []string
}

var (
	_ requestor.Requestor           = (*Session)(nil)
	_ requestor.IncrementalBackuper = (*Session)(nil)
)

// New returns a session in PhaseNew over the configured writers and
// providers, on a service of its own: the computer has no other
// requestor. Sessions that share a computer are opened with
// Service.NewSession.
func New(cfg Config) (*Session, error) {
	s := &Session{}
	if err := s.own.init(ServiceConfig{Writers: cfg.Writers, Providers: cfg.Providers, Volumes: cfg.Volumes}, "coordinator.New"); err != nil {
		return nil, err
	}
	s.open(&s.own, cfg)
	return s, nil
}

// open makes s a session of svc, running as cfg says.
func (s *Session) open(svc *Service, cfg Config) {
	cfg.Writers, cfg.Providers, cfg.Volumes = svc.writers, svc.providers, svc.volumes
	if cfg.Runtime == nil {
		cfg.Runtime = NewGoroutineRuntime(cfg.Clock)
	}
	if cfg.IDs == nil {
		cfg.IDs = rand.Reader
	}
	s.svc, s.cfg, s.rt, s.trace = svc, cfg, cfg.Runtime, NewTrace(cfg.Logger)
	s.track = !inline.Is(cfg.Runtime)
	s.trace.OnRecord(cfg.OnRecord)
	s.runOp = s.runner()
	s.m = NewMachine(MachineConfig{Writers: svc.winfos, Providers: svc.pinfos, IDs: cfg.IDs, Start: s.rt.Now(),
		HoldTimeout: cfg.HoldTimeout, EventTimeout: cfg.EventTimeout, ProviderTimeout: cfg.ProviderTimeout, Trace: s.trace})
}

// firstWithID returns the index of the first of n participants whose ID
// (id(i)) is want, or -1: by scanning while they are few, with the map
// byID (made by the caller when they are many) otherwise.
func firstWithID(n int, id func(int) vss.ID, byID map[vss.ID]int, want vss.ID) int {
	if byID != nil {
		if j, ok := byID[want]; ok {
			return j
		}
		return -1
	}
	for j := range n {
		if id(j) == want {
			return j
		}
	}
	return -1
}

// Trace returns the records of the session so far.
func (s *Session) Trace() []Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.trace.Records()
}

// TraceString prints the session's trace, one record per line.
func (s *Session) TraceString() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.trace.String()
}

// Phase returns the session's phase.
func (s *Session) Phase() Phase {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m.Phase()
}

// Frozen returns the names of the writers frozen right now. Outside a
// DoSnapshotSet in progress it is always empty.
func (s *Session) Frozen() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var names []string
	for _, i := range s.m.Frozen() {
		names = append(names, s.m.cfg.Writers[i].Name)
	}
	return names
}

// WriterState returns the state and failure VSS holds for the writer
// named name, as GatherWriterStatus would report them; it also works
// after Close, for tests. ok is false if no writer has that name.
func (s *Session) WriterState(name string) (state vss.WriterState, failure vss.HRESULT, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, w := range s.m.cfg.Writers {
		if w.Name == name {
			state, failure = s.m.WriterState(i)
			return state, failure, true
		}
	}
	return 0, vss.OK, false
}

// do runs one call to its reply, into r, driving the machine when the
// call needs writers or providers. Every machine input is made under s.mu,
// and the reply is copied before the lock is released (the machine reuses
// its memory); Ops are carried out without the lock, so that writers and
// providers may call the session back. Once Close has begun, calls are
// refused until it is done, and then answered by the closed machine.
func (s *Session) do(ctx context.Context, c *Call, r *Reply) {
	if ctx == nil {
		ctx = context.Background()
	}
	s.mu.Lock()
	if s.closing && !s.closed {
		out := s.m.refuse(s.rt.Now(), c, vss.ErrBadState, "Close is in progress")
		*r = *out.Reply
		s.mu.Unlock()
		return
	}
	if c.Kind == CallStartSnapshotSet && !s.claimSet(c, r) {
		s.mu.Unlock()
		return
	}
	s.drive(ctx, c, r)
}

// drive runs c on the machine to its reply, into r. It is called with
// s.mu held and releases it.
func (s *Session) drive(ctx context.Context, c *Call, r *Reply) {
	var out Output
	s.m.call(s.rt.Now(), c)
	s.m.takeInto(&out)
	if out.Reply != nil {
		*r = *out.Reply
		s.syncSet()
		s.mu.Unlock()
		s.execute(&out)
		return
	}
	waitCtx := s.driveUnder(ctx)
	s.busy = true
	driving := true
	defer func() {
		if driving { // a panic went through: Close must not wait for the call
			s.mu.Lock()
			s.idle()
			s.mu.Unlock()
		}
	}()
	// The next deadline is taken with each input, under the same lock:
	// nothing else changes the machine while the call is driven (a call
	// from another goroutine is answered without touching it).
	deadline, has := s.m.NextDeadline()
	s.mu.Unlock()

	for {
		s.execute(&out)
		comp, ok, err := s.rt.Wait(waitCtx, deadline, has)
		s.mu.Lock()
		switch {
		case err != nil && waitCtx == nil:
			// Nothing awaited can complete any more: give up on it.
			out = s.m.Abandon(s.rt.Now(), err)
		case err != nil:
			waitCtx = nil // cancelled once; now wait for the abort to finish
			out = s.m.Cancel(s.rt.Now(), err)
		case !ok:
			out = s.m.Tick(s.rt.Now())
		default:
			s.m.complete(s.rt.Now(), &comp)
			s.m.takeInto(&out)
		}
		if out.Reply != nil {
			*r = *out.Reply
			if len(out.Start) > 0 || len(out.Cancel) > 0 { // seldom: work to start or cancel first
				s.mu.Unlock()
				s.execute(&out)
				s.mu.Lock()
			}
			s.idle()
			s.syncSet()
			driving = false
			s.mu.Unlock()
			return
		}
		deadline, has = s.m.NextDeadline()
		s.mu.Unlock()
	}
}

// driveUnder returns the context to drive a call under: one derived from
// ctx that Close can cancel, the same as the previous call's if ctx is
// too. It runs under s.mu.
func (s *Session) driveUnder(ctx context.Context) context.Context {
	if ctx != s.callParent || s.callCtx.Err() != nil {
		if s.callStop != nil {
			s.callStop()
		}
		s.callParent = ctx
		s.callCtx, s.callStop = context.WithCancel(ctx)
	}
	return s.callCtx
}

// idle marks the end of the call being driven, for a Close waiting on it.
// It runs under s.mu.
func (s *Session) idle() {
	s.busy = false
	if s.closeWait != nil {
		close(s.closeWait)
		s.closeWait = nil
	}
}

// execute starts and cancels what the machine asked for.
func (s *Session) execute(out *Output) {
	for _, t := range out.Cancel {
		s.rt.Cancel(t)
	}
	for i := range out.Start {
		s.rt.Go(out.Start[i], s.runOp)
	}
}

// runner returns the function that carries out one Op against the real
// participants, as a Runtime runs it. Its body is the function's own, not
// a call to a method: the Completion is built where it is returned. An Op
// cancelled before it starts is not carried out: a writer never receives
// an event that VSS gave up on before delivering it.
func (s *Session) runner() func(ctx context.Context, o Op) Completion {
	return func(ctx context.Context, o Op) (c Completion) {
		if err := ctx.Err(); err != nil {
			return Completion{Err: err}
		}
		if s.track {
			s.runs(&o)
			defer s.ran(o.Token)
		}
		switch o.Kind {
		case OpWriterEvent:
			w := s.cfg.Writers[o.Writer]
			if o.Event.Kind == writer.EventIdentify {
				md, err := writer.Identify(ctx, w)
				return Completion{Metadata: md, Err: err}
			}
			return Completion{Event: o.Event, Err: writer.Deliver(ctx, w, o.Event)}
		case OpProvider:
			defer func() {
				if r := recover(); r != nil {
					c = Completion{Err: vss.Errorf(vss.ErrUnexpectedProviderError, o.Method.String(), "provider panicked: %v", r)}
				}
			}()
			return callProvider(ctx, s.cfg.Providers[o.Provider], &o)
		case OpHoldWrites:
			if s.cfg.Volumes != nil {
				return Completion{Err: s.cfg.Volumes.HoldWrites(ctx, o.Volumes)}
			}
		case OpReleaseWrites:
			if s.cfg.Volumes != nil {
				return Completion{Err: s.cfg.Volumes.ReleaseWrites(ctx, o.Volumes)}
			}
		}
		return Completion{}
	}
}

// runs notes that o is being carried out, in a free slot.
func (s *Session) runs(o *Op) {
	s.runMu.Lock()
	var r *runningOp
	for i := range s.running {
		if s.running[i].token == 0 {
			r = &s.running[i]
			break
		}
	}
	if r == nil {
		s.running, r = push1(s.running)
	}
	r.token, r.kind, r.writer, r.provider, r.method, r.volumes = o.Token, o.Kind, o.Writer, o.Provider, o.Method, o.Volumes
	r.event = 0
	if o.Event != nil {
		r.event = o.Event.Kind
	}
	s.runMu.Unlock()
}

// ran frees the slot of the Op named token, which returned.
func (s *Session) ran(token uint64) {
	s.runMu.Lock()
	for i := range s.running {
		if s.running[i].token == token {
			s.running[i] = runningOp{}
			break
		}
	}
	s.runMu.Unlock()
}

// callProvider makes one provider call.
func callProvider(ctx context.Context, p provider.Provider, o *Op) Completion {
	var c Completion
	switch o.Method {
	case provider.MethodIsVolumeSupported:
		c.Supported, c.Err = p.IsVolumeSupported(ctx, o.Volume, o.Context)
	case provider.MethodBeginPrepareSnapshot:
		c.Err = p.BeginPrepareSnapshot(ctx, o.SetID, o.SnapshotID, o.Volume, o.Context)
	case provider.MethodEndPrepareSnapshots:
		c.Err = p.EndPrepareSnapshots(ctx, o.SetID)
	case provider.MethodPreCommitSnapshots:
		c.Err = p.PreCommitSnapshots(ctx, o.SetID)
	case provider.MethodCommitSnapshots:
		c.Err = p.CommitSnapshots(ctx, o.SetID)
	case provider.MethodPostCommitSnapshots:
		c.Err = p.PostCommitSnapshots(ctx, o.SetID, o.Count)
	case provider.MethodPreFinalCommitSnapshots:
		c.Err = p.PreFinalCommitSnapshots(ctx, o.SetID)
	case provider.MethodPostFinalCommitSnapshots:
		c.Err = p.PostFinalCommitSnapshots(ctx, o.SetID)
	case provider.MethodAbortSnapshots:
		c.Err = p.AbortSnapshots(ctx, o.SetID)
	case provider.MethodGetSnapshotProperties:
		var snap provider.Snapshot
		if snap, c.Err = p.GetSnapshotProperties(ctx, o.SnapshotID); c.Err == nil {
			c.Snapshot = &snap
		}
	case provider.MethodSnapshotFS:
		c.FS, c.Err = provider.SnapshotFS(ctx, p, o.SnapshotID)
	case provider.MethodDeleteSnapshots:
		c.Count, c.Err = p.DeleteSnapshots(ctx, o.SnapshotID, o.Object)
	default:
		c.Err = fmt.Errorf("coordinator: unknown provider call %v", o.Method)
	}
	return c
}

// Sleep waits d on the session's own clock, as a requestor waits between
// attempts (after VSS_E_SNAPSHOT_SET_IN_PROGRESS, say), and returns nil; if
// ctx ends first it returns ctx's error at once. With the goroutine
// runtime it waits on a timer of the configured Clock (real time, or a
// testing/synctest bubble's); in the simulator the virtual clock moves on
// by d while the loop runs what is due meanwhile: applications' writes,
// callbacks scheduled with Loop.After, other sessions' work. Sleep is not
// a VSS call: it changes nothing in the session and may be called in any
// phase, after Close too.
func (s *Session) Sleep(ctx context.Context, d time.Duration) error {
	if ctx == nil {
		ctx = context.Background()
	}
	return s.rt.Sleep(ctx, d)
}

// InitializeForBackup implements requestor.Requestor.
func (s *Session) InitializeForBackup(ctx context.Context, bcdXML string) error {
	var r Reply
	s.do(ctx, &Call{Kind: CallInitializeForBackup, BCDXML: bcdXML}, &r)
	return r.Err
}

// SetContext implements requestor.Requestor.
func (s *Session) SetContext(ctx context.Context, sc vss.SnapshotContext) error {
	var r Reply
	s.do(ctx, &Call{Kind: CallSetContext, Context: sc}, &r)
	return r.Err
}

// SetBackupState implements requestor.Requestor.
func (s *Session) SetBackupState(ctx context.Context, st requestor.BackupState) error {
	var r Reply
	s.do(ctx, &Call{Kind: CallSetBackupState, BackupState: st}, &r)
	return r.Err
}

// GatherWriterMetadata implements requestor.Requestor.
func (s *Session) GatherWriterMetadata(ctx context.Context) error {
	var r Reply
	s.do(ctx, &Call{Kind: CallGatherWriterMetadata}, &r)
	return r.Err
}

// WriterMetadata implements requestor.Requestor.
func (s *Session) WriterMetadata(ctx context.Context) ([]*writer.Metadata, error) {
	var r Reply
	s.do(ctx, &Call{Kind: CallWriterMetadata}, &r)
	return r.Metadata, r.Err
}

// StartSnapshotSet implements requestor.Requestor.
func (s *Session) StartSnapshotSet(ctx context.Context) (vss.ID, error) {
	var r Reply
	s.do(ctx, &Call{Kind: CallStartSnapshotSet}, &r)
	return r.ID, r.Err
}

// AddToSnapshotSet implements requestor.Requestor.
func (s *Session) AddToSnapshotSet(ctx context.Context, volume string, providerID vss.ID) (vss.ID, error) {
	var r Reply
	s.do(ctx, &Call{Kind: CallAddToSnapshotSet, Volume: volume, ProviderID: providerID}, &r)
	return r.ID, r.Err
}

// AddComponent implements requestor.Requestor.
func (s *Session) AddComponent(ctx context.Context, instance, class vss.ID, key writer.ComponentKey) error {
	var r Reply
	s.do(ctx, &Call{Kind: CallAddComponent, WriterID: instance, ClassID: class, Component: key}, &r)
	return r.Err
}

// PrepareForBackup implements requestor.Requestor.
func (s *Session) PrepareForBackup(ctx context.Context) error {
	var r Reply
	s.do(ctx, &Call{Kind: CallPrepareForBackup}, &r)
	return r.Err
}

// DoSnapshotSet implements requestor.Requestor.
func (s *Session) DoSnapshotSet(ctx context.Context) error {
	var r Reply
	s.do(ctx, &Call{Kind: CallDoSnapshotSet}, &r)
	return r.Err
}

// GatherWriterStatus implements requestor.Requestor.
func (s *Session) GatherWriterStatus(ctx context.Context) error {
	var r Reply
	s.do(ctx, &Call{Kind: CallGatherWriterStatus}, &r)
	return r.Err
}

// WriterStatus implements requestor.Requestor.
func (s *Session) WriterStatus(ctx context.Context) ([]requestor.WriterStatus, error) {
	var r Reply
	s.do(ctx, &Call{Kind: CallWriterStatus}, &r)
	return r.Status, r.Err
}

// GetSnapshotProperties implements requestor.Requestor.
func (s *Session) GetSnapshotProperties(ctx context.Context, id vss.ID) (provider.Snapshot, error) {
	var r Reply
	s.do(ctx, &Call{Kind: CallGetSnapshotProperties, ID: id}, &r)
	if r.Snapshot == nil {
		return provider.Snapshot{}, r.Err
	}
	return *r.Snapshot, r.Err
}

// SnapshotFS implements requestor.Requestor.
func (s *Session) SnapshotFS(ctx context.Context, id vss.ID) (fs.FS, error) {
	var r Reply
	s.do(ctx, &Call{Kind: CallSnapshotFS, ID: id}, &r)
	return r.FS, r.Err
}

// SetBackupSucceeded implements requestor.Requestor.
func (s *Session) SetBackupSucceeded(ctx context.Context, instance, class vss.ID, key writer.ComponentKey, ok bool) error {
	var r Reply
	s.do(ctx, &Call{Kind: CallSetBackupSucceeded, WriterID: instance, ClassID: class, Component: key, Succeeded: ok}, &r)
	return r.Err
}

// BackupComplete implements requestor.Requestor.
func (s *Session) BackupComplete(ctx context.Context) error {
	var r Reply
	s.do(ctx, &Call{Kind: CallBackupComplete}, &r)
	return r.Err
}

// AbortBackup implements requestor.Requestor.
func (s *Session) AbortBackup(ctx context.Context) error {
	var r Reply
	s.do(ctx, &Call{Kind: CallAbortBackup}, &r)
	return r.Err
}

// DeleteSnapshots implements requestor.Requestor.
func (s *Session) DeleteSnapshots(ctx context.Context, id vss.ID, kind provider.ObjectType) (int, error) {
	var r Reply
	s.do(ctx, &Call{Kind: CallDeleteSnapshots, ID: id, Object: kind}, &r)
	return r.Count, r.Err
}

// SetPreviousBackupStamp implements requestor.IncrementalBackuper.
func (s *Session) SetPreviousBackupStamp(ctx context.Context, class vss.ID, key writer.ComponentKey, stamp string) error {
	var r Reply
	s.do(ctx, &Call{Kind: CallSetPreviousBackupStamp, ClassID: class, Component: key, Text: stamp}, &r)
	return r.Err
}

// SetBackupOptions implements requestor.IncrementalBackuper.
func (s *Session) SetBackupOptions(ctx context.Context, class vss.ID, key writer.ComponentKey, options string) error {
	var r Reply
	s.do(ctx, &Call{Kind: CallSetBackupOptions, ClassID: class, Component: key, Text: options}, &r)
	return r.Err
}

// SaveAsXML implements requestor.Requestor.
func (s *Session) SaveAsXML(ctx context.Context) (string, error) {
	var r Reply
	s.do(ctx, &Call{Kind: CallSaveAsXML}, &r)
	return r.XML, r.Err
}

// Close implements requestor.Requestor: it cancels a call in progress and
// waits for it, sends BackupShutdown to the writers, aborts a set still in
// creation, deletes the shadow copies of an auto-release context, and
// waits for every writer handler and provider call to return.
//
// Close runs once. From the moment it begins, other calls are refused with
// vss.ErrBadState; a second Close, from any goroutine, waits for the first
// and returns its result, as do later ones. Its error joins the failures
// of its clean-up (a provider that did not delete or abort shadow copies)
// with the handlers it had to abandon: every wait of Close is bounded, by
// the protocol's time-outs for the events and calls it makes and, for the
// handlers still running once cancelled, by the runtime's grace period
// (CloseGracePeriod for the goroutine runtime). A handler that ignores
// its context past that is abandoned, left to return on its own, and
// named in the error. Close must not be called from inside a writer or
// provider of the same session.
func (s *Session) Close() error {
	s.mu.Lock()
	if s.closing && !reintroduced.doubleClose {
		if s.closed {
			s.mu.Unlock()
			return s.closeErr
		}
		if s.closeDone == nil {
			s.closeDone = make(chan struct{})
		}
		done := s.closeDone
		s.mu.Unlock()
		<-done
		return s.closeErr
	}
	first := !s.closing
	s.closing = true
	if s.busy {
		if s.closeWait == nil {
			s.closeWait = make(chan struct{})
		}
		done := s.closeWait
		s.callStop()
		s.mu.Unlock()
		<-done
		s.mu.Lock()
	}
	var r Reply
	s.drive(context.Background(), &Call{Kind: CallClose}, &r)
	s.rt.Close()
	err := errors.Join(r.Err, s.abandoned())
	s.mu.Lock()
	if s.callStop != nil {
		s.callStop()
	}
	if first {
		s.closed, s.closeErr = true, err
		if s.closeDone != nil {
			close(s.closeDone)
		}
	}
	s.mu.Unlock()
	return err
}

// abandoned returns an error naming every writer handler and provider
// call still running after the runtime closed, or nil.
func (s *Session) abandoned() error {
	s.runMu.Lock()
	var ops []runningOp
	for _, o := range s.running {
		if o.token != 0 {
			ops = append(ops, o)
		}
	}
	s.runMu.Unlock()
	slices.SortFunc(ops, func(a, b runningOp) int { return cmp.Compare(a.token, b.token) })
	var errs []error
	const why = "still running after its cancellation and the runtime's grace period; abandoned"
	for _, o := range ops {
		switch o.kind {
		case OpWriterEvent:
			errs = append(errs, vss.Errorf(vss.ErrWriterNotResponding, "Close", "writer %q: %s handler %s",
				s.cfg.Writers[o.writer].Info().Name, o.event, why))
		case OpProvider:
			errs = append(errs, vss.Errorf(vss.ErrUnexpectedProviderError, "Close", "provider %q: %s %s",
				s.cfg.Providers[o.provider].Info().Name, o.method, why))
		default:
			errs = append(errs, vss.Errorf(vss.ErrUnexpected, "Close", "%s on %v: %s", o.kind, o.volumes, why))
		}
	}
	return errors.Join(errs...)
}
