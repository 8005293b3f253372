package simulate

import (
	"io/fs"
	"time"
)

// The methods below audit a simulated application from outside, after or
// during a run: they let a harness (package explore's invariants, or a
// user's own) check that a shadow copy holds exactly what the application
// had written at the commit instant, and when each write reached the
// volume. Both TransactionalApp and UnawareApp have them.

// AppCut is an application's progress at one instant, taken with Cut: how
// many of its writes had reached the volume, and whether it was frozen.
type AppCut struct {
	Applied int  // writes applied to the volume so far
	Frozen  bool // the application was frozen (TransactionalApp.Freeze)
}

// Cut returns the application's progress now. Taken at the instant a
// provider commits (for example from a provider.Interceptor at
// CommitSnapshots), it says what the shadow copy must hold.
func (e *appEngine) Cut() AppCut { return AppCut{Applied: e.applied, Frozen: e.frozen} }

// SnapshotAudit is what AuditSnapshot found in a shadow copy of the
// application's volume.
type SnapshotAudit struct {
	// Exact is nil when the shadow copy holds exactly the writes applied
	// by the cut, byte for byte, and none applied after it or still held.
	Exact error
	// Consistent is the application's own check (CheckSnapshot): nil when
	// every record is whole. An UnawareApp's may fail with ErrTornRecord.
	Consistent error
}

// AuditSnapshot reads the application's files in fsys, a shadow copy of
// its volume taken at cut, once, and checks them both against the
// application's record of its writes and with its own consistency check.
// The error is a failure to read the files.
func (e *appEngine) AuditSnapshot(fsys fs.FS, cut AppCut) (SnapshotAudit, error) {
	data, clog, err := e.readFiles(fsys)
	if err != nil {
		return SnapshotAudit{}, err
	}
	return SnapshotAudit{Exact: e.checkCutData(data, clog, cut.Applied), Consistent: e.check(data, clog)}, nil
}

// AppliedWrite is one write of the application that reached its volume.
type AppliedWrite struct {
	Request int           // the request (record or transaction) it belongs to
	Part    int           // which of the request's writes: blocks, then the commit record
	At      time.Duration // virtual time since Epoch at which it was applied
}

// AppliedWrites lists the application's writes that reached the volume,
// in the order it submitted them.
func (e *appEngine) AppliedWrites() []AppliedWrite {
	var out []AppliedWrite
	for _, w := range e.writes {
		if w.seq > 0 {
			out = append(out, AppliedWrite{Request: w.txn, Part: w.part, At: w.at})
		}
	}
	return out
}

// Files returns the paths of the application's files on its volume.
func (e *appEngine) Files() []string {
	if e.log {
		return []string{e.data, e.clog}
	}
	return []string{e.data}
}

// Discard hands the application's read buffers to applications audited
// later, to spare allocations across many runs; the application must not
// be audited again.
func (e *appEngine) Discard() { e.releaseBuffers() }
