package requestor

import (
	"errors"
	"log/slog"
	"time"

	"github.com/vsskit/vss"
)

// Windows is a Requestor over the real Volume Shadow Copy Service, through
// its COM API (IVssBackupComponents from vssapi.dll), with the
// capabilities beyond Requestor that IVssBackupComponents also has here:
// restores (Restorer), listing shadow copies (Querier), the writer
// metadata documents as XML (MetadataSaver), choosing the writers
// (WriterChooser), and incremental and differential backups
// (IncrementalBackuper).
// NewWindows returns one; it works on windows/amd64 and windows/arm64.
//
// Tools should not need this type: they type-assert the capability they
// use (r.(requestor.Restorer)), which other sessions can provide as well.
type Windows interface {
	Requestor
	Restorer
	Querier
	MetadataSaver
	WriterChooser
	IncrementalBackuper
}

// WindowsOptions configures a Windows requestor session. The zero value
// is a plain backup session with VSS choosing providers.
type WindowsOptions struct {
	// Provider is the provider AddToSnapshotSet asks for when its caller
	// passes vss.NilID; NilID lets VSS choose (hardware, then software,
	// then the system provider).
	Provider vss.ID

	// IncludeWriterClasses, when not empty, limits the backup to the
	// writers of these classes (EnableWriterClasses);
	// ExcludeWriterClasses leaves those writers out (DisableWriterClasses).
	// Both apply at GatherWriterMetadata.
	IncludeWriterClasses []vss.ID
	ExcludeWriterClasses []vss.ID

	// Timeouts bound each long VSS call, and Close; a zero field means its
	// default.
	Timeouts PhaseTimeouts

	// AcceptHostCOMSecurity lets a session start in a process whose COM
	// security was set before (CoInitializeSecurity returned
	// RPC_E_TOO_LATE: the host program, or a library it uses, set it),
	// keeping the host's settings. By default such a session fails with
	// an error carrying RPC_E_TOO_LATE (0x80010119), because with settings
	// other than those Microsoft's "Security Considerations for
	// Requestors" recommends (which NewWindows sets when it is first),
	// the VSS service and writers running under other accounts may be
	// refused when they call back: writers then go missing from the
	// backup, and the event log shows event 8194. Set it when the host's
	// settings allow those calls.
	AcceptHostCOMSecurity bool

	// Logger, if set, receives every call and return of the session as a
	// log/slog record, with the message and attributes a simulated
	// session's Logger gets for the same call (see CallRecord.Log).
	Logger *slog.Logger
	// OnRecord, if set, is called with every call and return of the
	// session as it happens, as coordinator.Config.OnRecord is with a
	// simulated session's records, whose call records convert to the
	// same CallRecords. It runs under the session's trace lock: it must
	// not call the session.
	OnRecord func(CallRecord)
}

// ErrLinkNotFollowed is the error, inside an *fs.PathError, of opening a
// link in a shadow copy that a Windows session's SnapshotFS reads, or a
// path through one. A symbolic link, a junction or a mount point is
// reported as a link (fs.ModeSymlink from Stat, Lstat and ReadDir, its
// target from fs.ReadLink) and never followed: its target may lie outside
// the shadow copy (an absolute target names the live volume), and
// following it would put live data into a point-in-time backup.
var ErrLinkNotFollowed = errors.New("a link in a shadow copy is not followed")

// PhaseTimeouts bound the phases of a backup on real VSS. When one runs
// out, the operation is cancelled (IVssAsync::Cancel) and the call fails
// with an error wrapping context.DeadlineExceeded.
type PhaseTimeouts struct {
	GatherMetadata time.Duration // GatherWriterMetadata; default 5 minutes
	Prepare        time.Duration // PrepareForBackup; default 5 minutes
	Snapshot       time.Duration // DoSnapshotSet; default 10 minutes
	Complete       time.Duration // GatherWriterStatus, BackupComplete, PreRestore, PostRestore; default 10 minutes
	// Close bounds Close: cancelling a call under way, AbortBackup,
	// releasing the session. Past it, Close returns an error and leaves
	// the session's COM thread to finish on its own. Default 1 minute.
	Close time.Duration
}

// withDefaults fills the zero fields.
func (t PhaseTimeouts) withDefaults() PhaseTimeouts {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&t.GatherMetadata, 5*time.Minute)
	def(&t.Prepare, 5*time.Minute)
	def(&t.Snapshot, 10*time.Minute)
	def(&t.Complete, 10*time.Minute)
	def(&t.Close, time.Minute)
	return t
}

// unsupportedArch is the error NewWindows returns in a program built for
// a 32-bit architecture (GOARCH 386 or arm). Microsoft supports native
// 32-bit requestors on 32-bit Windows but not 32-bit requestors under
// WOW64 on 64-bit Windows ("Supported Configurations and Restrictions",
// usage-conventions); this library implements the 64-bit COM calling
// convention and structure layouts only, so it serves neither.
func unsupportedArch(goarch string, wow64 bool) error {
	if wow64 {
		return vss.Errorf(vss.ErrNotImpl, "requestor.NewWindows",
			"this is a 32-bit program (windows/%s) running under WOW64 on 64-bit Windows, where VSS does not support requestors: build with GOARCH=amd64 or GOARCH=arm64", goarch)
	}
	return vss.Errorf(vss.ErrNotImpl, "requestor.NewWindows",
		"this library's VSS requestor supports 64-bit Windows only (windows/amd64, windows/arm64); this is windows/%s on 32-bit Windows, "+
			"where VSS itself serves native 32-bit requestors but this library does not implement the 32-bit COM calling convention", goarch)
}
