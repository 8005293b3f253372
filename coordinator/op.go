package coordinator

import (
	"io/fs"
	"time"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/writer"
)

// OpKind says what an Op asks the driver to do.
type OpKind int

// The kinds of work the state machine hands to its driver.
const (
	// OpWriterEvent delivers Op.Event to writer Op.Writer.
	OpWriterEvent OpKind = iota + 1
	// OpProvider calls Op.Method on provider Op.Provider.
	OpProvider
	// OpHoldWrites flushes and holds writes on Op.Volumes.
	OpHoldWrites
	// OpReleaseWrites releases the writes held on Op.Volumes.
	OpReleaseWrites
)

// Op is one piece of work the state machine asks its driver to carry out:
// deliver a writer event, call a provider, hold or release writes. The
// driver runs it (possibly concurrently with other Ops) and reports the
// outcome with Machine.Complete, quoting Token. An Op that the machine
// cancels (Output.Cancel) is no longer awaited; the driver cancels the
// context it runs under and drops its completion.
type Op struct {
	Token    uint64
	Kind     OpKind
	Writer   int             // OpWriterEvent: index into the session's writers
	Event    *writer.Event   // OpWriterEvent: the writer's own copy of the event
	Provider int             // OpProvider: index into the session's providers
	Method   provider.Method // OpProvider
	SetID    vss.ID          // OpProvider
	// SnapshotID is the snapshot of BeginPrepareSnapshot,
	// GetSnapshotProperties, SnapshotFS and DeleteSnapshots (ObjectSnapshot),
	// or the set of DeleteSnapshots (ObjectSnapshotSet).
	SnapshotID vss.ID
	Object     provider.ObjectType // OpProvider DeleteSnapshots
	Volume     string              // OpProvider IsVolumeSupported, BeginPrepareSnapshot
	Context    vss.SnapshotContext // OpProvider IsVolumeSupported, BeginPrepareSnapshot
	Count      int                 // OpProvider PostCommitSnapshots
	Volumes    []string            // OpHoldWrites, OpReleaseWrites
}

// Completion is the outcome of an Op, fed back with Machine.Complete.
type Completion struct {
	Token     uint64
	Err       error
	Supported bool               // IsVolumeSupported
	Metadata  *writer.Metadata   // Identify
	Event     *writer.Event      // writer events: the event as the writer left it (components it updated)
	Snapshot  *provider.Snapshot // GetSnapshotProperties: the properties, when it succeeded
	FS        fs.FS              // SnapshotFS
	Count     int                // DeleteSnapshots
}

// Output is what the machine asks of its driver after an input: Ops to
// start, Ops to cancel, and, once the current call is finished, its Reply.
// The machine reuses the memory of Start and Reply: they are valid until
// the machine's next input, so a driver acts on them (or copies them)
// first.
type Output struct {
	Start  []Op
	Cancel []uint64
	Reply  *Reply
}

// op is the machine's record of an Op it awaits: what it needs of the Op
// to take its outcome, in a third of its size.
type op struct {
	token    uint64
	due      time.Duration // when it times out, counted from the session's start; zero: never
	kind     OpKind
	writer   int              // OpWriterEvent
	event    writer.EventKind // OpWriterEvent
	provider int              // OpProvider
	method   provider.Method  // OpProvider
	volume   string           // OpProvider
	barrier  bool             // the current stage waits for it
}

// writes reports whether the Op holds or releases writes: work whose
// outcome the machine must learn even when it gives up on the rest.
func (o *op) writes() bool { return o.kind == OpHoldWrites || o.kind == OpReleaseWrites }
