// Package vss is the shared vocabulary of the Volume Shadow Copy Service
// protocol: identifiers (GUIDs), the enumerations of the VSS SDK with their
// numeric values, HRESULT errors, and the XML element (XMLElement) that
// the writer metadata and backup components documents keep when they do
// not model it.
//
// Everything else in the module builds on it: package writer (the
// CVssWriter side), package provider (the snapshot provider side), package
// requestor (the IVssBackupComponents side), package coordinator (the VSS
// service itself, as a state machine) and package simulate (an in-memory,
// deterministic world to run them in).
//
// Enumerations keep Microsoft's numeric values, so that the documents and
// COM calls of real VSS and the simulator agree. Errors are HRESULT values;
// compare with errors.Is against the exported sentinels:
//
//	if errors.Is(err, vss.ErrBadState) { ... }
package vss
