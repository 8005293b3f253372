package simulate

import (
	"context"
	"crypto/sha256"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/writer"
)

// Behavior is what a scripted Writer does when it receives one event. The
// zero Behavior succeeds at once.
type Behavior struct {
	// Cost is the virtual time the handler takes (see Spend).
	Cost time.Duration
	// Err, if set, is returned: use a vss.ErrWriter* code to choose the
	// failure VSS reports.
	Err error
	// Hang makes the handler never answer (see Hang).
	Hang bool
	// Panic, if not nil, is the value the handler panics with.
	Panic any
	// Do, if set, runs first, with the event; a test can call back into the
	// session from it, or cancel a context.
	Do func(ctx context.Context, e *writer.Event)
	// Times limits the behaviour to the first Times deliveries of the event;
	// later ones succeed at once. Zero means every delivery.
	Times int
}

// WriterOption configures a scripted Writer.
type WriterOption func(*ScriptedWriter)

// WithLevel sets the writer's application level (front end by default).
func WithLevel(l vss.AppLevel) WriterOption { return func(w *ScriptedWriter) { w.info.Level = l } }

// WithFreezeTimeout sets the writer's freeze timeout (60 s by default).
func WithFreezeTimeout(d time.Duration) WriterOption {
	return func(w *ScriptedWriter) { w.info.FreezeTimeout = d }
}

// WithUsage sets the writer's usage and source types.
func WithUsage(u vss.UsageType, s vss.SourceType) WriterOption {
	return func(w *ScriptedWriter) { w.info.Usage, w.info.Source = u, s }
}

// On scripts the writer's behaviour at one event.
func On(kind writer.EventKind, b Behavior) WriterOption {
	return func(w *ScriptedWriter) {
		if w.script == nil {
			w.script = map[writer.EventKind]Behavior{}
		}
		w.script[kind] = b
	}
}

// WithIdentify sets the writer's OnIdentify handler, to declare components.
func WithIdentify(f func(ctx context.Context, md *writer.Metadata) error) WriterOption {
	return func(w *ScriptedWriter) { w.identify = f }
}

// ScriptedWriter is a scriptable writer: it implements every optional writer
// interface, records the events it receives, tracks whether it is frozen,
// and does at each event what its script says (see Behavior). It is safe
// for concurrent use, so it also runs under the goroutine runtime.
type ScriptedWriter struct {
	info     writer.Info
	script   map[writer.EventKind]Behavior // nil until On
	identify func(ctx context.Context, md *writer.Metadata) error
	log      *AppLog    // the application log it keeps (WithAppLog), or nil
	exclude  *exclusion // what it excludes from shadow copies (WithExcludeFromSnapshot), or nil

	mu     sync.Mutex
	events []writer.EventKind
	frozen bool
	// What it received of each event: by kind for the events of the
	// protocol, in other for any other kind.
	seen  [numEventKinds]int
	last  [numEventKinds]*writer.Event
	other map[writer.EventKind]*received
}

// numEventKinds bounds the kinds of the protocol's events (writer.Events).
const numEventKinds = int(writer.EventPostRestore) + 1

// received is what a ScriptedWriter received of one kind of event.
type received struct {
	n    int
	last *writer.Event
}

// NewScriptedWriter returns a scripted front-end writer named name, whose class
// and instance IDs derive from the name, so that runs are reproducible.
func NewScriptedWriter(name string, opts ...WriterOption) *ScriptedWriter {
	class, instance := writerIDs(name)
	w := &ScriptedWriter{
		info: writer.Info{ClassID: class, InstanceID: instance, Name: name,
			Usage: vss.UsageUserData, Source: vss.SourceTransactedDB, Level: vss.AppFrontEnd},
	}
	for _, o := range opts {
		o(w)
	}
	return w
}

// writerIDs returns the class and instance IDs of the scripted writer
// named name: nameID of "class:" and "instance:" and the name. The last
// ones derived are kept, a few by name: simulations make writers of the
// same few names again and again (every backup of a benchmark or a
// sweep), and their two SHA-256 sums were a tenth of a simulated backup's
// instructions.
func writerIDs(name string) (class, instance vss.ID) {
	slot := &writerIDCache[nameSlot(name)]
	if ids := slot.Load(); ids != nil && ids.name == name {
		return ids.class, ids.instance
	}
	ids := &namedWriterIDs{name: name, class: nameID("class:" + name), instance: nameID("instance:" + name)}
	slot.Store(ids)
	return ids.class, ids.instance
}

// writerIDCache holds the IDs writerIDs derived last, by nameSlot.
var writerIDCache [16]atomic.Pointer[namedWriterIDs]

type namedWriterIDs struct {
	name            string
	class, instance vss.ID
}

// nameSlot spreads names over writerIDCache (FNV-1a).
func nameSlot(name string) int {
	h := uint32(2166136261)
	for i := 0; i < len(name); i++ {
		h = (h ^ uint32(name[i])) * 16777619
	}
	return int(h % uint32(len(writerIDCache)))
}

// nameID derives a stable GUID from a name.
func nameID(name string) vss.ID {
	sum := sha256.Sum256([]byte(name))
	var id vss.ID
	copy(id[:], sum[:16])
	id[6] = id[6]&0x0f | 0x50 // name-based
	id[8] = id[8]&0x3f | 0x80
	return id
}

// Info implements writer.Writer.
func (w *ScriptedWriter) Info() writer.Info { return w.info }

// Events returns the events the writer received, in order.
func (w *ScriptedWriter) Events() []writer.EventKind {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]writer.EventKind(nil), w.events...)
}

// Count returns how many times the writer received an event.
func (w *ScriptedWriter) Count(kind writer.EventKind) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	if k := int(kind); k >= 0 && k < numEventKinds {
		return w.seen[k]
	}
	if r := w.other[kind]; r != nil {
		return r.n
	}
	return 0
}

// Frozen reports whether the writer's application is frozen: it entered
// OnFreeze and has received neither Thaw nor Abort since.
func (w *ScriptedWriter) Frozen() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.frozen
}

// LastEvent returns the last event of this kind the writer received, or nil.
func (w *ScriptedWriter) LastEvent(kind writer.EventKind) *writer.Event {
	w.mu.Lock()
	defer w.mu.Unlock()
	if k := int(kind); k >= 0 && k < numEventKinds {
		return w.last[k]
	}
	if r := w.other[kind]; r != nil {
		return r.last
	}
	return nil
}

func (w *ScriptedWriter) handle(ctx context.Context, e *writer.Event) error {
	w.mu.Lock()
	if w.events == nil {
		w.events = make([]writer.EventKind, 0, 8) // a backup's worth
	}
	w.events = append(w.events, e.Kind)
	var n int
	if k := int(e.Kind); k >= 0 && k < numEventKinds {
		w.seen[k]++
		n = w.seen[k]
		w.last[k] = e
	} else {
		if w.other == nil {
			w.other = map[writer.EventKind]*received{}
		}
		r := w.other[e.Kind]
		if r == nil {
			r = &received{}
			w.other[e.Kind] = r
		}
		r.n++
		r.last = e
		n = r.n
	}
	switch e.Kind {
	case writer.EventFreeze:
		w.frozen = true
	case writer.EventThaw, writer.EventAbort:
		w.frozen = false
	}
	b, ok := w.script[e.Kind]
	w.mu.Unlock()
	if !ok || (b.Times > 0 && n > b.Times) {
		return nil
	}
	if b.Do != nil {
		b.Do(ctx, e)
	}
	if b.Panic != nil {
		panic(b.Panic)
	}
	Spend(ctx, b.Cost)
	if b.Hang {
		Hang(ctx)
		return ctx.Err()
	}
	return b.Err
}

// OnIdentify implements writer.Identifier.
func (w *ScriptedWriter) OnIdentify(ctx context.Context, md *writer.Metadata) error {
	if err := w.handle(ctx, &writer.Event{Kind: writer.EventIdentify}); err != nil {
		return err
	}
	if w.identify != nil {
		if err := w.identify(ctx, md); err != nil {
			return err
		}
	}
	if w.exclude != nil {
		for _, f := range w.exclude.files {
			if err := md.AddExcludeFromSnapshot(f); err != nil {
				return err
			}
		}
	}
	return nil
}

// OnPrepareBackup implements writer.BackupPreparer.
func (w *ScriptedWriter) OnPrepareBackup(ctx context.Context, e *writer.Event) error {
	return w.handle(ctx, e)
}

// OnPrepareSnapshot implements writer.Writer.
func (w *ScriptedWriter) OnPrepareSnapshot(ctx context.Context, e *writer.Event) error {
	return w.handle(ctx, e)
}

// OnFreeze implements writer.Writer.
func (w *ScriptedWriter) OnFreeze(ctx context.Context, e *writer.Event) error {
	if err := w.handle(ctx, e); err != nil || w.log == nil {
		return err
	}
	return w.log.freeze()
}

// OnThaw implements writer.Writer.
func (w *ScriptedWriter) OnThaw(ctx context.Context, e *writer.Event) error { return w.handle(ctx, e) }

// OnAbort implements writer.Writer.
func (w *ScriptedWriter) OnAbort(ctx context.Context, e *writer.Event) error {
	if w.log != nil {
		w.log.abort()
	}
	return w.handle(ctx, e)
}

// OnPostSnapshot implements writer.PostSnapshotter.
func (w *ScriptedWriter) OnPostSnapshot(ctx context.Context, e *writer.Event) error {
	if err := w.handle(ctx, e); err != nil {
		return err
	}
	if w.exclude != nil {
		if _, err := ExcludeFromShadowCopies(w.exclude.vols, e, w.exclude.files); err != nil {
			return err
		}
	}
	if w.log != nil {
		w.log.stamp(e)
	}
	return nil
}

// OnBackupComplete implements writer.BackupCompleter.
func (w *ScriptedWriter) OnBackupComplete(ctx context.Context, e *writer.Event) error {
	if err := w.handle(ctx, e); err != nil || w.log == nil {
		return err
	}
	return w.log.backupComplete(e)
}

// OnBackupShutdown implements writer.BackupShutdowner.
func (w *ScriptedWriter) OnBackupShutdown(ctx context.Context, e *writer.Event) error {
	return w.handle(ctx, e)
}

// OnPreRestore implements writer.Restorer.
func (w *ScriptedWriter) OnPreRestore(ctx context.Context, e *writer.Event) error {
	return w.handle(ctx, e)
}

// OnPostRestore implements writer.Restorer.
func (w *ScriptedWriter) OnPostRestore(ctx context.Context, e *writer.Event) error {
	return w.handle(ctx, e)
}

var (
	_ writer.Writer           = (*ScriptedWriter)(nil)
	_ writer.Identifier       = (*ScriptedWriter)(nil)
	_ writer.BackupPreparer   = (*ScriptedWriter)(nil)
	_ writer.PostSnapshotter  = (*ScriptedWriter)(nil)
	_ writer.BackupCompleter  = (*ScriptedWriter)(nil)
	_ writer.BackupShutdowner = (*ScriptedWriter)(nil)
	_ writer.Restorer         = (*ScriptedWriter)(nil)
)
