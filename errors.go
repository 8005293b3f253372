package vss

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// HRESULT is a COM result code. A failure HRESULT is an error: the VSS
// error codes below are HRESULT constants, and every error this module
// returns for a VSS condition wraps one of them, so that
//
//	errors.Is(err, vss.ErrBadState)
//
// works the same against real VSS and against the simulator. Explain says
// what a code means for a backup: the steps it arises in, its usual causes
// and what a tool should do, from the same table that Name and Error print.
type HRESULT uint32

// Success codes, named like the failures: the VSS name without its
// S_ or VSS_S_ prefix. Name prints the VSS name.
const (
	OK             HRESULT = 0x00000000 // S_OK: success
	False          HRESULT = 0x00000001 // S_FALSE: success, with a negative answer
	AsyncPending   HRESULT = 0x00042309 // VSS_S_ASYNC_PENDING: IVssAsync: the operation is still running
	AsyncFinished  HRESULT = 0x0004230A // VSS_S_ASYNC_FINISHED: IVssAsync: the operation finished
	AsyncCancelled HRESULT = 0x0004230B // VSS_S_ASYNC_CANCELLED: IVssAsync: the operation was cancelled
)

// Generic COM failures.
const (
	ErrNotImpl       HRESULT = 0x80004001 // E_NOTIMPL: the call is not implemented (Wine's vssapi.dll answers this)
	ErrFail          HRESULT = 0x80004005 // E_FAIL: unspecified failure
	ErrAccessDenied  HRESULT = 0x80070005 // E_ACCESSDENIED: the caller is not an administrator or backup operator
	ErrOutOfMemory   HRESULT = 0x8007000E // E_OUTOFMEMORY
	ErrInvalidArg    HRESULT = 0x80070057 // E_INVALIDARG: a parameter is not valid
	ErrUnexpectedCOM HRESULT = 0x8000FFFF // E_UNEXPECTED: catastrophic failure
	// ErrAbort is COM's code for an operation that was aborted: a
	// requestor.Backup whose context ended fails with it (the VSS call it
	// interrupted reports AsyncCancelled, which is a success code).
	ErrAbort HRESULT = 0x80004004 // E_ABORT: the operation was aborted
)

// VSS failures (vsserror.h).
const (
	ErrBadState                        HRESULT = 0x80042301 // VSS_E_BAD_STATE: the call is out of order
	ErrUnexpected                      HRESULT = 0x80042302 // VSS_E_UNEXPECTED: an unexpected error inside VSS
	ErrProviderAlreadyRegistered       HRESULT = 0x80042303 // VSS_E_PROVIDER_ALREADY_REGISTERED
	ErrProviderNotRegistered           HRESULT = 0x80042304 // VSS_E_PROVIDER_NOT_REGISTERED
	ErrProviderVeto                    HRESULT = 0x80042306 // VSS_E_PROVIDER_VETO: the provider refused
	ErrProviderInUse                   HRESULT = 0x80042307 // VSS_E_PROVIDER_IN_USE
	ErrObjectNotFound                  HRESULT = 0x80042308 // VSS_E_OBJECT_NOT_FOUND: no such writer, snapshot or set
	ErrVolumeNotSupported              HRESULT = 0x8004230C // VSS_E_VOLUME_NOT_SUPPORTED: no provider supports the volume
	ErrObjectAlreadyExists             HRESULT = 0x8004230D // VSS_E_OBJECT_ALREADY_EXISTS: for example the volume is already in the set
	ErrVolumeNotSupportedByProvider    HRESULT = 0x8004230E // VSS_E_VOLUME_NOT_SUPPORTED_BY_PROVIDER
	ErrUnexpectedProviderError         HRESULT = 0x8004230F // VSS_E_UNEXPECTED_PROVIDER_ERROR
	ErrCorruptXMLDocument              HRESULT = 0x80042310 // VSS_E_CORRUPT_XML_DOCUMENT
	ErrInvalidXMLDocument              HRESULT = 0x80042311 // VSS_E_INVALID_XML_DOCUMENT
	ErrMaximumNumberOfVolumesReached   HRESULT = 0x80042312 // VSS_E_MAXIMUM_NUMBER_OF_VOLUMES_REACHED: more than 64 volumes in a set
	ErrFlushWritesTimeout              HRESULT = 0x80042313 // VSS_E_FLUSH_WRITES_TIMEOUT: the commit did not finish within the 10 s hold
	ErrHoldWritesTimeout               HRESULT = 0x80042314 // VSS_E_HOLD_WRITES_TIMEOUT
	ErrUnexpectedWriterError           HRESULT = 0x80042315 // VSS_E_UNEXPECTED_WRITER_ERROR
	ErrSnapshotSetInProgress           HRESULT = 0x80042316 // VSS_E_SNAPSHOT_SET_IN_PROGRESS: another set is being created
	ErrMaximumNumberOfSnapshotsReached HRESULT = 0x80042317 // VSS_E_MAXIMUM_NUMBER_OF_SNAPSHOTS_REACHED
	ErrWriterInfrastructure            HRESULT = 0x80042318 // VSS_E_WRITER_INFRASTRUCTURE
	ErrWriterNotResponding             HRESULT = 0x80042319 // VSS_E_WRITER_NOT_RESPONDING
	ErrWriterAlreadySubscribed         HRESULT = 0x8004231A // VSS_E_WRITER_ALREADY_SUBSCRIBED
	ErrUnsupportedContext              HRESULT = 0x8004231B // VSS_E_UNSUPPORTED_CONTEXT
	ErrVolumeInUse                     HRESULT = 0x8004231D // VSS_E_VOLUME_IN_USE
	ErrInsufficientStorage             HRESULT = 0x8004231F // VSS_E_INSUFFICIENT_STORAGE
	ErrNotSupported                    HRESULT = 0x8004232F // VSS_E_NOT_SUPPORTED
	ErrWriterStatusNotAvailable        HRESULT = 0x80042409 // VSS_E_WRITER_STATUS_NOT_AVAILABLE
)

// Writer failures. A writer fails an event by returning one of these
// (possibly wrapped); it chooses the failure GatherWriterStatus reports.
// Any other error counts as ErrWriterNonRetryable.
const (
	ErrWriterInconsistentSnapshot HRESULT = 0x800423F0 // VSS_E_WRITERERROR_INCONSISTENTSNAPSHOT: the shadow copy holds inconsistent data
	ErrWriterOutOfResources       HRESULT = 0x800423F1 // VSS_E_WRITERERROR_OUTOFRESOURCES
	ErrWriterTimeout              HRESULT = 0x800423F2 // VSS_E_WRITERERROR_TIMEOUT: the writer was frozen too long
	ErrWriterRetryable            HRESULT = 0x800423F3 // VSS_E_WRITERERROR_RETRYABLE: try the backup again
	ErrWriterNonRetryable         HRESULT = 0x800423F4 // VSS_E_WRITERERROR_NONRETRYABLE
	ErrWriterRecoveryFailed       HRESULT = 0x800423F5 // VSS_E_WRITERERROR_RECOVERY_FAILED
	ErrWriterPartialFailure       HRESULT = 0x80042336 // VSS_E_WRITERERROR_PARTIAL_FAILURE
)

// Name returns the symbolic name, for example "VSS_E_BAD_STATE", or the
// hex value for a code this package does not know.
func (h HRESULT) Name() string {
	if i, ok := hresults[h]; ok {
		return i.name
	}
	return fmt.Sprintf("HRESULT(0x%08X)", uint32(h))
}

// Failed reports whether h is a failure code (its severity bit is set), as
// the FAILED macro does.
func (h HRESULT) Failed() bool { return h&0x80000000 != 0 }

// Error prints the name, the value and what the code means, for example
// "VSS_E_BAD_STATE (0x80042301): the call is not valid in the current state...".
func (h HRESULT) Error() string {
	if i, ok := hresults[h]; ok {
		return fmt.Sprintf("%s (0x%08X): %s", i.name, uint32(h), i.text)
	}
	return fmt.Sprintf("HRESULT 0x%08X", uint32(h))
}

// IsWriterError reports whether h is one of the VSS_E_WRITERERROR_* codes
// a writer may report as its failure.
func (h HRESULT) IsWriterError() bool {
	switch h {
	case ErrWriterInconsistentSnapshot, ErrWriterOutOfResources, ErrWriterTimeout, ErrWriterRetryable,
		ErrWriterNonRetryable, ErrWriterRecoveryFailed, ErrWriterPartialFailure:
		return true
	}
	return false
}

// Error is a VSS failure with context: which operation failed, the HRESULT
// it maps to, a detail for people and, when there is one, the underlying
// cause. errors.Is matches it against its Code and against Err.
type Error struct {
	Op     string  // the VSS call or event, for example "AddToSnapshotSet"
	Code   HRESULT // the HRESULT a COM caller would see
	Detail string  // what went wrong, for people; may be empty
	Err    error   // the underlying cause; may be nil
}

// Errorf returns an *Error for op with code and a formatted detail. If the
// detail's arguments include an error with %w, it becomes Err.
func Errorf(code HRESULT, op, format string, args ...any) *Error {
	e := fmt.Errorf(format, args...)
	return &Error{Op: op, Code: code, Detail: e.Error(), Err: errors.Unwrap(e)}
}

func (e *Error) Error() string {
	msg := e.Code.Error()
	if e.Op != "" {
		msg = e.Op + ": " + msg
	}
	if e.Detail != "" {
		msg += ": " + e.Detail
	} else if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the HRESULT and the cause, so errors.Is and errors.As see
// both.
func (e *Error) Unwrap() []error {
	if e.Err != nil {
		return []error{e.Code, e.Err}
	}
	return []error{e.Code}
}

// CodeOf returns the HRESULT carried by err: the first HRESULT found by
// errors.As, OK (S_OK) for a nil error, and ErrFail for an error that carries
// none.
func CodeOf(err error) HRESULT {
	if err == nil {
		return OK
	}
	var h HRESULT
	if errors.As(err, &h) {
		return h
	}
	return ErrFail
}

// WriterFailure maps the error a writer returned from an event to the
// writer failure VSS records: one of the VSS_E_WRITERERROR_* codes found in
// err, otherwise ErrWriterNonRetryable. A nil error gives OK (S_OK).
// Counting any other error (and a panic, which package writer catches) as
// non-retryable is this library's rule: a Go error carries no
// CVssWriter::SetWriterFailure code, and Microsoft documents none for it.
func WriterFailure(err error) HRESULT {
	if err == nil {
		return OK
	}
	if h := CodeOf(err); h.IsWriterError() {
		return h
	}
	return ErrWriterNonRetryable
}

// ParseHRESULT reads an HRESULT as Name prints it: a symbolic name
// ("VSS_E_BAD_STATE") or "HRESULT(0x80049999)"; a bare hexadecimal value
// ("0x80042301") is accepted too.
func ParseHRESULT(s string) (HRESULT, error) {
	for h, i := range hresults {
		if i.name == s {
			return h, nil
		}
	}
	hex := s
	if inner, ok := strings.CutPrefix(s, "HRESULT("); ok {
		hex = strings.TrimSuffix(inner, ")")
	}
	if h, ok := strings.CutPrefix(strings.ToLower(hex), "0x"); ok {
		if v, err := strconv.ParseUint(h, 16, 32); err == nil {
			return HRESULT(v), nil
		}
	}
	return 0, fmt.Errorf("vss: %q is neither an HRESULT name nor a hexadecimal value", s)
}
