// Package coordinator is the Volume Shadow Copy Service itself, run in
// process: the backup protocol between one requestor, the writers and the
// providers, with the ordering, failure and timeout rules of VSS.
//
// It has two layers, in the manner of etcd's raft:
//
//   - Machine is the protocol as a pure state machine. It knows the phase
//     of the session (the table in phase.go lists which calls each phase
//     accepts), the state of every writer, the snapshot set, and what it is
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
// # The rules it keeps
//
// Calls out of order fail with vss.ErrBadState; only one snapshot set is
// created at a time (vss.ErrSnapshotSetInProgress); a set holds at most 64
// volumes, each with the provider VSS prefers (hardware, software, system).
// Writers of one event run concurrently; Freeze goes front end, back end,
// system, and Thaw the reverse; the providers commit only when every writer
// is frozen or failed, while writes are held, within 10 s
// (vss.ErrFlushWritesTimeout otherwise). A writer's failure never fails a
// call by itself: it shows in GatherWriterStatus, and a failure or timeout
// at Freeze or Thaw sends that writer Abort at once. A provider's failure
// after PrepareForSnapshot fails DoSnapshotSet, aborts the writers and
// leaves no shadow copy of the set. When a call returns, no writer is
// frozen. Every step is recorded in a Trace with its seed step number.
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
