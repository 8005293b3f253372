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
package simulate
