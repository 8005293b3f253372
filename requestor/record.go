package requestor

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/vsskit/vss"
)

// CallRecord is one requestor call, or its return, as a session's trace
// records it: the part of a backup's trace that every session can see,
// whatever is behind it. A coordinator session (the simulator, or VSS run
// in process) traces much more (writer events, provider calls, the
// decisions of VSS) as coordinator.Record, whose call and return records
// convert to and from CallRecord (coordinator.Record.CallRecord,
// coordinator.RecordOfCall); the Windows requestor, which sees only its
// own side of the COM API, traces its calls as CallRecords
// (WindowsOptions.OnRecord). The same calls make the same CallRecords on
// both, so a real session's log reads like a simulated one.
//
// CallRecord lives here, not in package coordinator, because coordinator
// imports requestor: the Windows requestor could not name a coordinator
// type.
type CallRecord struct {
	// Seq numbers the session's records, 1, 2, ... in the order they
	// happened. A coordinator session numbers all its records, so its
	// call records, converted, keep their gaps.
	Seq int
	// At is the time since the session started (virtual in the
	// simulator).
	At time.Duration
	// Step is the step of the backup, 1 to 11, the call belongs to
	// (CallStep), or, for AbortBackup and calls outside the eleven steps,
	// the step of the session when it was made.
	Step int
	// Return is false for the record of a call beginning, true for the
	// record of its return, which carries Err and Code.
	Return bool
	// Call is the name of the Requestor method (or capability method)
	// called, for example "PrepareForBackup", as coordinator.CallKind
	// prints it.
	Call string
	Err  error       // the call's failure; nil on success and on a call's beginning
	Code vss.HRESULT // vss.CodeOf(Err): vss.OK on success
}

// Kind returns "call" or "return", as trace lines and logs name the
// record's kind (coordinator.RecCall, coordinator.RecReturn).
func (r CallRecord) Kind() string {
	if r.Return {
		return "return"
	}
	return "call"
}

// Outcome returns what trace lines print after the arrow: "ok" or the
// error for a return, empty for a call beginning.
func (r CallRecord) Outcome() string {
	switch {
	case !r.Return:
		return ""
	case r.Err != nil:
		return r.Err.Error()
	}
	return "ok"
}

// Line prints the record without its step and time, as
// coordinator.Record.Line prints a call record, for example
//
//	requestor: PrepareForBackup -> ok
func (r CallRecord) Line() string {
	var b strings.Builder
	b.WriteString("requestor: ")
	b.WriteString(r.Call)
	if o := r.Outcome(); o != "" {
		b.WriteString(" -> ")
		b.WriteString(o)
	}
	return b.String()
}

// String prints the record as one line, as coordinator.Record.String
// does, for example
//
//	[step 3] +0.120s requestor: PrepareForBackup -> ok
func (r CallRecord) String() string {
	return fmt.Sprintf("[step %d] +%.3fs %s", r.Step, r.At.Seconds(), r.Line())
}

// Log writes the record to logger as a log/slog record at level Info,
// with the message and attributes a coordinator session's Logger gets for
// the same record: the call's name, then seq, step, at, kind, actor
// ("requestor") and outcome.
func (r CallRecord) Log(ctx context.Context, logger *slog.Logger) {
	logger.LogAttrs(ctx, slog.LevelInfo, r.Call,
		slog.Int("seq", r.Seq), slog.Int("step", r.Step), slog.Duration("at", r.At),
		slog.String("kind", r.Kind()), slog.String("actor", "requestor"), slog.String("outcome", r.Outcome()))
}

// callSteps is CallStep's table: the calls that belong to one step of the
// backup, numbered as package coordinator's documentation lists them. It
// is the one table of the calls' steps: coordinator sessions number their
// trace records from it too.
var callSteps = map[string]int{
	"InitializeForBackup": 1, "SetContext": 1, "SetBackupState": 1, "GatherWriterMetadata": 1,
	"EnableWriterClasses": 1, "DisableWriterClasses": 1, "DisableWriterInstances": 1,
	"StartSnapshotSet": 2, "AddToSnapshotSet": 2,
	"PrepareForBackup": 3,
	"WriterMetadata":   4, "WriterMetadataXML": 4, "AddComponent": 4,
	"SetPreviousBackupStamp": 4, "SetBackupOptions": 4,
	"DoSnapshotSet":      5,
	"GatherWriterStatus": 10, "WriterStatus": 10, "GetSnapshotProperties": 10, "SnapshotFS": 10,
	"SetBackupSucceeded": 11, "BackupComplete": 11, "SaveAsXML": 11, "DeleteSnapshots": 11, "Close": 11,
}

// CallStep returns the step of the backup, 1 to 11, that the requestor
// call named call belongs to (its Requestor method name), as traces
// number it; 0 for AbortBackup, which belongs to whatever step it
// interrupts, and for calls outside the eleven steps (restore, Query),
// which a trace records at the step the session is in.
func CallStep(call string) int { return callSteps[call] }

// callTrace makes a session's CallRecords and hands them to its logger
// and OnRecord function. Records are made and handed over under its lock,
// in the order of Seq.
type callTrace struct {
	mu       sync.Mutex
	start    time.Time
	seq      int
	step     int // the step the session is in: that of the last call begun
	logger   *slog.Logger
	onRecord func(CallRecord)
}

// newCallTrace returns a trace for a session starting now, or nil (which
// records nothing) when there is neither a logger nor an OnRecord.
func newCallTrace(logger *slog.Logger, onRecord func(CallRecord)) *callTrace {
	if logger == nil && onRecord == nil {
		return nil
	}
	return &callTrace{start: time.Now(), logger: logger, onRecord: onRecord}
}

// begin records call beginning and returns its step. A call refused
// because another is under way (refused) does not move the session to its
// step.
func (t *callTrace) begin(call string, refused bool) int {
	if t == nil {
		return 0
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	step := CallStep(call)
	if step == 0 {
		step = t.step
	} else if !refused {
		t.step = step
	}
	t.add(CallRecord{Step: step, Call: call})
	return step
}

// end records the return of call, begun at step, with err. A
// DoSnapshotSet that succeeded returns at step 9, the writers thawed, and
// leaves the session there, as a coordinator session's trace has it; one
// that failed returns at step 5 (a coordinator session knows the step it
// failed in, 5 to 9; a session that sees only the COM API does not).
func (t *callTrace) end(call string, step int, err error) {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if call == "DoSnapshotSet" && err == nil {
		step, t.step = 9, 9
	}
	t.add(CallRecord{Step: step, Return: true, Call: call, Err: err, Code: vss.CodeOf(err)})
}

func (t *callTrace) add(r CallRecord) {
	t.seq++
	r.Seq, r.At = t.seq, time.Since(t.start)
	if t.onRecord != nil {
		t.onRecord(r)
	}
	if t.logger != nil {
		r.Log(context.Background(), t.logger)
	}
}
