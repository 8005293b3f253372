// Package coordinator is the Volume Shadow Copy Service itself, run in
// process: the backup protocol between a requestor, the writers and the
// providers, with the ordering, failure and timeout rules of VSS.
//
// Service is the VSS service of one computer: its writers, providers and
// volumes, shared by every requestor's Session opened on it
// (Service.NewSession; New makes a session with a service of its own).
// It keeps the one rule that spans sessions: only one snapshot set is
// created at a time on a computer.
//
// It has two layers, in the manner of etcd's raft:
//
//   - Machine is the protocol as a pure state machine. It knows the phase
//     of the session, which decides the calls it accepts (Phase lists
//     them), the state of every writer, the snapshot set, and what it is
//     waiting for. It performs no I/O and reads no clock: time comes in
//     with every input and deadlines go out through NextDeadline. Every
//     transition can be tested by calling its methods.
//   - Session drives a Machine: it implements requestor.Requestor, runs the
//     writer events and provider calls the machine asks for on a Runtime,
//     and feeds back their outcomes, the passing of time and cancellation.
//     The default runtime uses goroutines and a Clock, for real writers
//     and providers; package simulate supplies one that runs everything in
//     a single thread, in virtual time, from a seed.
//
// The Machine's transitions are shown by golden transcripts in
// testdata/transcripts, in the manner of etcd's rafttest: scripts that
// drive a Machine through its exported API alone (a normal backup, a
// writer's veto, a freeze timeout, a hold timeout, AbortBackup,
// cancellation, a restore whose writer fails PreRestore), each followed
// by the trace records, the work started and cancelled and the replies it
// produced.
//
// # The rules it keeps
//
// Calls out of order fail with vss.ErrBadState; only one snapshot set is
// created at a time on a computer, whichever session creates it
// (vss.ErrSnapshotSetInProgress, from StartSnapshotSet until DoSnapshotSet
// returns or the backup is aborted or closed: see Service); a set holds
// at most 64 volumes, each with the provider VSS prefers (hardware,
// software, system).
// Writers of one event run concurrently; Freeze goes front end, back end,
// system, and Thaw the reverse; the providers commit only when every writer
// is frozen or failed, while writes are held, within 10 s
// (vss.ErrFlushWritesTimeout otherwise). A writer's failure never fails a
// call by itself: it shows in GatherWriterStatus, and a failure or timeout
// at Freeze or Thaw sends that writer Abort at once. A provider's failure
// in DoSnapshotSet (from EndPrepareSnapshots to PostFinalCommitSnapshots)
// fails it, aborts the writers and leaves no shadow copy of the set. When
// a call returns, no writer is frozen.
//
// Where Microsoft is silent the coordinator keeps rules of this library's
// own, named as such where they are made: Thaw in the reverse of the
// Freeze order (Microsoft documents only the Freeze order); a writer
// that does not answer an event other than Freeze within
// DefaultEventTimeout (five minutes) fails with
// vss.ErrWriterNotResponding; a writer aborted through no fault of its
// own returns to Stable with no failure; a writer's error that carries
// no VSS_E_WRITERERROR_* code, and a panic, count as
// vss.ErrWriterNonRetryable (vss.WriterFailure); a volume added twice to
// a set fails with vss.ErrObjectAlreadyExists; a component with files on
// a volume outside the set is left out (see "Who takes part"); and the
// 10 s flush-and-hold window, fixed in VSS ("not configurable", says
// Microsoft's sequence diagram), can be changed (Config.HoldTimeout) only
// so that tests can shorten or stretch it.
//
// A writer that records a failure (writer.Event.SetWriterFailure)
// and returns success has vetoed, and fails the event all the same, with
// the code it recorded; what a writer records in its components (backup
// stamps, partial and differenced files, a component's failure) goes into
// the backup components document at the events Microsoft allows it.
//
// # Steps
//
// Every step is recorded in a Trace. Each Record carries the step of the
// backup it belongs to, 1 to 11, numbered as in Microsoft's description of
// how a shadow copy is created; the calls, writer events, provider calls
// and work on the volumes of each step are:
//
//	1   InitializeForBackup, SetContext, SetBackupState,
//	    GatherWriterMetadata (Identify)
//	2   StartSnapshotSet, AddToSnapshotSet (IsVolumeSupported,
//	    BeginPrepareSnapshot)
//	3   PrepareForBackup (PrepareBackup)
//	4   WriterMetadata, AddComponent, SetPreviousBackupStamp,
//	    SetBackupOptions
//	5   DoSnapshotSet
//	6   EndPrepareSnapshots, PrepareSnapshot, Freeze
//	7   PreCommitSnapshots, flush and hold writes
//	8   CommitSnapshots, release writes, PostCommitSnapshots
//	9   Thaw, PreFinalCommitSnapshots, GetSnapshotProperties (the
//	    shadow copies' devices), PostSnapshot, PostFinalCommitSnapshots
//	10  GatherWriterStatus, WriterStatus, GetSnapshotProperties, SnapshotFS
//	11  SetBackupSucceeded, BackupComplete (BackupComplete), SaveAsXML,
//	    DeleteSnapshots, Close (BackupShutdown)
//
// AbortBackup belongs to the step it interrupts, and so do the Abort
// events and AbortSnapshots calls of an aborted set.
//
// # Call order
//
// Besides the calls each Phase accepts, the coordinator keeps the order
// Microsoft documents for IVssBackupComponents; a call out of it fails
// with vss.ErrBadState and changes nothing:
//
//   - PrepareForBackup needs a snapshot set: StartSnapshotSet must come
//     before it, and so must SetBackupState (Microsoft's PrepareForBackup
//     and SetBackupState pages).
//   - SetContext may come before or after GatherWriterMetadata (Microsoft's
//     sequence diagram calls it after), but not once a volume is in the
//     snapshot set: the providers examined the volume in the context set
//     then.
//   - SetContext succeeds only once in a session.
//
// # Who takes part
//
// A writer takes part in the backup once it answered Identify. In
// component mode a writer none of whose components was added before
// PrepareForBackup is excluded there: it gets no more events (Abort and
// BackupShutdown included) and is not frozen, as Microsoft's "Working
// with Selectability and Logical Paths" says; GatherWriterStatus still
// lists it, Stable. A writer that failed Identify takes no part and is
// not listed by GatherWriterStatus ("Determining Writer Status"). The
// trace records each exclusion (DecisionWriterExcluded) with its reason.
//
// In component mode, PrepareForBackup also leaves out every selected
// component with files on a volume that is not in the snapshot set (by
// the set's volumes at that moment: add volumes before it, as Microsoft's
// sequence does), and a writer left with no component takes no part.
// Microsoft does not say what VSS does with such a component; this
// library leaves it out so that a backup never silently lacks its files
// (DecisionComponentExcluded). Session.Exclusions
// (requestor.ExclusionReporter) lists every writer and component left out
// and why, as diskshadow reports them "excluded".
//
// In a context without writers (VSS_CTX_FILE_SHARE_BACKUP,
// VSS_CTX_NAS_ROLLBACK) GatherWriterMetadata is optional (it still sends
// Identify when called, as its page says), AddComponent,
// PrepareForBackup and BackupComplete fail with vss.ErrBadState, and
// DoSnapshotSet sends the writers nothing ("Shadow Copy Creation
// Details").
//
// # Providers
//
// DoSnapshotSet begins with EndPrepareSnapshots, before the writers'
// PrepareForSnapshot (Microsoft's sequence diagram, and step 4 of "The
// Shadow Copy Creation Process"). Providers get AbortSnapshots only for a
// set whose DoSnapshotSet was called; a set given up earlier (AbortBackup,
// Close, a cancelled call) is recorded as abandoned
// (DecisionSetAbandoned) and its providers are told nothing: they learn
// of it when BeginPrepareSnapshot starts the next set ("State
// Transitions in Shadow Copy Providers").
//
// A snapshot set may be empty: DoSnapshotSet with no volume added sends
// the writers their events (PrepareSnapshot, Freeze, Thaw, PostSnapshot)
// and calls no provider, as Microsoft's shadow copy creation details
// allow for writers whose components name no volume.
//
// # Restore
//
// A session whose first call is InitializeForRestore is a restore session
// (restore.go, the Restore phases): it answers the requestor.Restorer
// calls and no backup call. A writer's failure at PreRestore or
// PostRestore shows only in its status, no writer ever receives Abort,
// the writers' restore requirement decides which get the restore events,
// and after PostRestore the backup components document is read-only.
// Its trace records carry RestoreStep (0): a restore is none of the
// eleven steps of a backup.
//
// # Every wait is bounded
//
// Writers have their freeze window at Freeze and DefaultEventTimeout at
// the other events; providers have the 10 s hold window at
// CommitSnapshots and DefaultProviderTimeout at every other call; holding
// and releasing writes have the hold window. The clean-up of a failed or
// cancelled call (Abort to the writers, AbortSnapshots, releasing writes)
// and of Close (BackupShutdown, deleting auto-release sets) runs on
// contexts of its own, bounded the same way whatever became of the
// requestor's context, and its failures are joined to the error of the
// call that ran it. Once a hold of writes has started, every way out of
// DoSnapshotSet releases it, a hold that took effect after a cancellation
// included. Session.Close runs once, refusing other calls meanwhile, and
// abandons a handler that ignores its cancelled context after
// CloseGracePeriod, naming it in its error.
package coordinator
