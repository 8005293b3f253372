package requestor

import (
	"time"

	"github.com/vsskit/vss"
)

// Windows is a Requestor over the real Volume Shadow Copy Service, through
// its COM API (IVssBackupComponents from vssapi.dll), with the
// capabilities beyond Requestor that IVssBackupComponents also has here:
// restores (Restorer), listing shadow copies (Querier), the writer
// metadata documents as XML (MetadataSaver) and choosing the writers
// (WriterChooser).
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

	// Timeouts bound each long VSS call; a zero field means its default.
	Timeouts PhaseTimeouts
}

// PhaseTimeouts bound the phases of a backup on real VSS. When one runs
// out, the operation is cancelled (IVssAsync::Cancel) and the call fails
// with an error wrapping context.DeadlineExceeded.
type PhaseTimeouts struct {
	GatherMetadata time.Duration // GatherWriterMetadata; default 5 minutes
	Prepare        time.Duration // PrepareForBackup; default 5 minutes
	Snapshot       time.Duration // DoSnapshotSet; default 10 minutes
	Complete       time.Duration // GatherWriterStatus, BackupComplete, PreRestore, PostRestore; default 10 minutes
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
	return t
}
