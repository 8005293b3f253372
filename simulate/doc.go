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
// # Participants
//
// Writer is a scriptable writer: for each event it can take virtual time,
// fail with any error, hang, panic or run a hook. Volumes and providers
// over them live in volume*.go and provider*.go.
//
// Writers with real blocking code (channels, timers, goroutines) need real
// concurrency: run them with the coordinator's default goroutine runtime,
// inside a testing/synctest bubble for virtual time.
//
// # Data that changes
//
// Volume is an in-memory volume with a file namespace and copy-on-write
// snapshots read through io/fs; while VSS holds its writes they queue
// (Submit, or Do from a goroutine). TransactionalApp, fronted by an
// AppWriter, and UnawareApp write to volumes while a backup runs, and
// check their own consistency in a shadow copy.
//
// # Faults and exploration
//
// A Plan of Faults (printable, parseable) injects failures into writers,
// providers and the requestor; Scenario.Run runs a backup with a plan and
// checks every invariant of the protocol; ExploreSingleFaults and Sweep
// search for violations and shrink them to a line to paste into a test.
//
// # Testing your own writers and providers
//
// TestWriter and TestProvider are conformance suites, in the manner of
// testing/fstest.TestFS: one call in an ordinary Go test checks a writer
// (or provider) against the rules of VSS and reports each breach with the
// seed and a command that reproduces it; CheckWriter and CheckProvider
// return the verdict as an error. HappenedBefore, SameSequence,
// NoWriterFrozen and WriterEndedIn check a session's trace in your own
// tests.
package simulate
