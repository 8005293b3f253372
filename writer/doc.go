// Package writer is the writer side of the Volume Shadow Copy Service: the
// events of CVssWriter as a Go interface, a writer's identity, its writer
// metadata document, and what a writer sees of the backup in progress.
//
// # Events
//
// VSS sends a writer one event at a time for each step of a backup:
//
//	Identify         step 1: declare the writer and its components (OnIdentify)
//	PrepareBackup    step 3: get ready; the selected components are known
//	PrepareSnapshot  step 6: make the data consistent; the volumes are known
//	Freeze           step 6: stop writing to the volumes, front end first
//	Thaw             step 9: resume writing, system level first
//	PostSnapshot     step 9: the shadow copies exist
//	BackupComplete   step 11: the requestor has stored the data
//	BackupShutdown   the backup session ended, whatever its outcome
//	Abort            any time after PrepareBackup, until PostSnapshot
//
// Restore has PreRestore and PostRestore.
//
// # Required and optional handlers
//
// As in CVssWriter, the handlers around the freeze are required:
// OnPrepareSnapshot, OnFreeze, OnThaw and OnAbort make up the Writer
// interface. The others are optional interfaces, checked with a type
// assertion the way net/http checks for http.Flusher: a writer that does
// not implement BackupPreparer succeeds at PrepareBackup, one that does not
// implement Identifier declares only its identity, and so on, which are
// CVssWriter's defaults. Optional interfaces keep a minimal writer four
// methods long and let a writer grow without embedding a base type whose
// methods could silently shadow a misspelt handler.
//
// # Errors and failures
//
// A handler fails its event by returning an error. To choose the failure
// that GatherWriterStatus reports, return (or wrap) one of the
// vss.ErrWriter* codes, for example vss.ErrWriterRetryable; any other error
// counts as vss.ErrWriterNonRetryable, and so does a panic, which is caught
// (this library's rule; Microsoft documents no code for them).
// A failure never fails the requestor's call by itself: the writer's state
// becomes the matching vss.WriterFailedAt* state and the requestor decides.
//
// A handler may instead record its failure and return nil, as a CVssWriter
// handler calls SetWriterFailure and returns TRUE to veto ("Writer Errors
// and Vetoes"): Event.SetWriterFailure, or Event.SetWriterFailureEx with
// the application's own code and a message for the requestor. It fails the
// event all the same, with the code recorded, which also wins over a
// returned error. Component.SetFailure fails one component
// (IVssComponentEx2::SetFailure); a writer that does so also records
// vss.ErrWriterPartialFailure with SetWriterFailureEx.
//
// # Concurrency and time
//
// Each writer receives its events one at a time, in protocol order, except
// Abort: when a handler's deadline passes (a Freeze longer than the
// writer's freeze timeout, for example), its context is cancelled and Abort
// is delivered at once, possibly while the late handler is still running.
// Handlers must therefore return promptly when their context is done, and
// OnAbort must tolerate being called more than once and without a Freeze.
// Different writers receive the same event concurrently, as separate
// processes would.
//
// # Document limits
//
// ParseMetadata reads a document another process wrote, and refuses,
// before building anything, one over these limits, which are this
// library's choices (Windows documents none):
//
//	size        32 MiB (33,554,432 bytes), as stored
//	depth       64 nested elements
//	elements    500,000
//	attributes  2,000,000, all elements together, namespace declarations included
//
// The largest real document known, the System Writer's on Windows Server
// 2012, is 2.2 MB, 4 deep, with 19,001 elements and 57,024 attributes. A
// document within the limits is read in linear time and memory (a 32 MiB
// one in under 1 s and under 7 times its size in heap). The error
// matches vss.ErrInvalidXMLDocument and names the limit. A document must
// also be well-formed XML: one root element (WRITER_METADATA, in its
// namespace or in none), each attribute once, namespace prefixes
// declared, UTF-16 without lone surrogates, no document type
// declaration; and, as Validate requires, each component declared once.
// Metadata.XML refuses to write what ParseMetadata would refuse to read.
package writer
