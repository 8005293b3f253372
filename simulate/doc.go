// Package simulate is an in-memory, deterministic world in which to run the
// VSS protocol: writers and providers that live in the test process, a
// single-threaded event loop in virtual time, and one seeded source of
// every random choice. It is to the coordinator what testing/fstest and
// net/http/httptest are to their packages: fakes that are real enough to
// trust in your own tests.
//
// # Virtual time
//
// Loop is a coordinator.Runtime. It runs the writer events and provider
// calls of a session one at a time, in an order drawn from the seed, and
// jumps the clock straight to the next thing that happens. A simulated
// participant says how long it takes with Spend and that it never returns
// with Hang; its Go code itself takes no virtual time. A ten-writer Freeze
// where each writer spends 5 s therefore takes 5 s of virtual time, as ten
// processes would, and no wall-clock time at all.
//
// Same seed, same run: the loop never reads the wall clock or global
// randomness, so a seed reproduces a trace byte for byte.
//
// # Several requestors on one computer
//
// Computer is one simulated computer that several requestors use at
// once: a coordinator.Service (its writers, providers and volumes) on one
// Loop, each requestor's session on a Lane of the loop. Only one snapshot
// set is created at a time on the computer: another session's
// StartSnapshotSet fails with VSS_E_SNAPSHOT_SET_IN_PROGRESS until the
// set's DoSnapshotSet returns or its backup is aborted. Sessions may call
// each other from writers, providers and callbacks scheduled with
// Loop.After (a second requestor that gives its set up at a virtual
// time), and Session.Sleep lets virtual time pass between a requestor's
// attempts; the run stays single-threaded and seeded.
//
// # Participants
//
// ScriptedWriter is a scriptable writer: for each event it can take
// virtual time, fail with any error, hang, panic or run a hook.
// SystemProvider (VSS's in-box copy-on-write provider) and
// HardwareProvider shadow copy the Volumes of a VolumeSet.
//
// Writers with real blocking code (channels, timers, goroutines) need real
// concurrency: run them with the coordinator's default goroutine runtime,
// inside a testing/synctest bubble for virtual time.
//
// # Data that changes
//
// Volume is an in-memory volume with a file namespace and copy-on-write
// snapshots read through io/fs; while VSS holds its writes every write is
// held, never failed, and applied at the release in the order issued
// (Submit completes then, Do waits for it, the plain write methods return
// at once). TransactionalApp, fronted by an
// AppWriter, and UnawareApp write to volumes while a backup runs, and
// check their own consistency in a shadow copy. An AppLog is an application log
// that its writer (WithAppLog) truncates after a full or log backup,
// never after a copy; a writer made WithExcludeFromSnapshot deletes the
// files it excludes from its shadow copies at PostSnapshot.
//
// # Faults
//
// A Plan of Faults (printable, parseable, checked against the writer
// events, provider methods and requestor calls) injects failures into
// writers, providers and the requestor:
//
//	writer "Front" Freeze error(VSS_E_WRITERERROR_RETRYABLE)
//	provider "vss simulated system provider" CommitSnapshots delay(11s)
//	requestor PrepareForBackup abort
//
// An Injector applies one plan to every participant it wraps and tells
// which faults fired; it wraps through writer.Intercept and
// provider.Intercept, so a wrapped participant keeps exactly its optional
// handlers and capabilities.
//
// # Audiences
//
// This package is the world, and imports no testing package, so a tool
// may link it. The conformance suites for your writers and providers and
// the trace assertions are in package simulate/vsstest; the harness that
// tests the coordinator (scenarios, invariants, exploration, sweeps,
// replay) is in package simulate/explore.
package simulate
