// Package explore is the harness that tests the VSS coordinator itself, in
// the manner of etcd's rafttest: it runs whole backups on a simulated
// machine (package simulate) with faults injected, and checks after every
// run the protocol's invariants from the outside, from the trace, the
// participants and the shadow copies.
//
// A Scenario describes a machine: volumes, writers, providers and the
// applications that write to the volumes while the backup runs.
// Scenario.Run runs a backup from a seed with a fault plan and returns the
// Run with every Violation of an invariant (Invariants lists them: Freeze
// in level order, Thaw or Abort for every frozen writer, commit only when
// every writer is frozen or failed, the shadow copy equal to the volume at
// the commit instant, no lost or early write, no leaked shadow copy, ...).
//
// ExploreSingleFaults runs every single fault point of a scenario; Sweep
// runs random seeds with random plans, checks that a seed replays to the
// same trace, and counts the facts it reached ("writer timed out",
// "commit failed", ...), so a sweep that never reached a fault does not
// pass silently. A violation is shrunk to the shortest plan and printed as
// a line to paste into a test:
//
//	explore.Replay(t, explore.ThreeWriterScenario(), 4242, `writer "Front" Thaw hang`)
//
// Replay fails when the plan breaks an invariant, names a participant the
// scenario does not have, or holds a fault that never fires.
package explore
