// Package vsstest checks VSS writers and providers, and the traces of
// backup sessions, in ordinary Go tests: it is to writer.Writer and
// provider.Provider what testing/fstest is to io/fs.
//
// TestWriter and TestProvider are conformance suites in the manner of
// fstest.TestFS: one call checks a writer (or provider) against the rules
// of VSS, each rule a sub-test named after it (so -run and -skip work),
// MUST rules failing the test and SHOULD rules logged, each breach
// reported with the seed and a command that reproduces it. They run in
// testing/synctest bubbles, so virtual time passes at once. CheckWriter
// and CheckProvider return the same verdict as an error, outside go test.
//
// HappenedBefore, SameSequence, NoWriterFrozen, WriterEndedIn and Find
// check a session's trace (coordinator.Session.Trace) by the records'
// typed fields, selected with a Match; they return errors, for testify's
// require or plain testing alike.
package vsstest
