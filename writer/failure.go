package writer

import (
	"fmt"

	"github.com/vsskit/vss"
)

// Failure is a failure a writer records, rather than returns, while it
// handles an event: for the whole writer with Event.SetWriterFailure or
// Event.SetWriterFailureEx (CVssWriter::SetWriterFailure,
// CVssWriterEx2::SetWriterFailureEx), or for one component with
// Component.SetFailure (IVssComponentEx2::SetFailure). The requestor reads
// the writer's with GetWriterStatusEx and a component's with
// IVssComponentEx2::GetFailure.
type Failure struct {
	// Code is the failure VSS reports (hrWriter, or hr for a component):
	// one of the vss.ErrWriter* codes, or vss.OK when the writer records
	// only an application code and message.
	Code vss.HRESULT
	// Application is the application's own error code (hrApplication),
	// vss.OK when the writer gave none.
	Application vss.HRESULT
	// Message is the text the writer gives for people
	// (wszApplicationMessage), already localized; it may be empty.
	Message string
}

// Failed reports whether the failure is one: Code is not vss.OK.
func (f Failure) Failed() bool { return f.Code != vss.OK }

// String describes the failure for people, for example
// "VSS_E_WRITERERROR_RETRYABLE (application 0x80004005: disk busy)".
func (f Failure) String() string {
	s := f.Code.Name()
	switch {
	case f.Application != vss.OK && f.Message != "":
		s += fmt.Sprintf(" (application 0x%08X: %s)", uint32(f.Application), f.Message)
	case f.Application != vss.OK:
		s += fmt.Sprintf(" (application 0x%08X)", uint32(f.Application))
	case f.Message != "":
		s += " (" + f.Message + ")"
	}
	return s
}

// vetoCodes are the codes SetWriterFailure accepts (its page lists them).
func vetoCode(h vss.HRESULT) bool {
	switch h {
	case vss.ErrWriterInconsistentSnapshot, vss.ErrWriterNonRetryable, vss.ErrWriterOutOfResources,
		vss.ErrWriterRetryable, vss.ErrWriterTimeout:
		return true
	}
	return false
}

// SetWriterFailure records that the writer fails the event it is
// handling with code, one of vss.ErrWriterInconsistentSnapshot,
// ErrWriterNonRetryable, ErrWriterOutOfResources, ErrWriterRetryable or
// ErrWriterTimeout (CVssWriter::SetWriterFailure). It is how a writer
// vetoes a backup: Microsoft's "Writer Errors and Vetoes" has a handler
// call SetWriterFailure and return TRUE, so a handler that records a
// failure and returns nil fails the event all the same, as if it had
// returned code. A handler that records a failure and returns an error
// fails with the recorded code. Recording again replaces what was
// recorded. It fails with vss.ErrBadState at Identify (the page forbids
// it in OnIdentify) and vss.ErrInvalidArg for another code, recording
// nothing.
func (e *Event) SetWriterFailure(code vss.HRESULT) error {
	const op = "SetWriterFailure"
	if err := e.canRecordFailure(op); err != nil {
		return err
	}
	if !vetoCode(code) {
		return vss.Errorf(vss.ErrInvalidArg, op, "%v is not a writer failure SetWriterFailure accepts", code)
	}
	e.Failure = &Failure{Code: code}
	return nil
}

// SetWriterFailureEx records the writer's failure with an application
// error code and a message for the requestor to show
// (CVssWriterEx2::SetWriterFailureEx). code may be any code
// SetWriterFailure accepts, vss.OK (the writer succeeded, and reports
// only application and message), or vss.ErrWriterPartialFailure, which
// says that the writer failed some of its components, recorded with
// Component.SetFailure. A code other than vss.OK fails the event as
// SetWriterFailure's do. The same rules and errors as SetWriterFailure
// apply.
func (e *Event) SetWriterFailureEx(code, application vss.HRESULT, message string) error {
	const op = "SetWriterFailureEx"
	if err := e.canRecordFailure(op); err != nil {
		return err
	}
	if code != vss.OK && code != vss.ErrWriterPartialFailure && !vetoCode(code) {
		return vss.Errorf(vss.ErrInvalidArg, op, "%v is not a writer failure SetWriterFailureEx accepts", code)
	}
	e.Failure = &Failure{Code: code, Application: application, Message: message}
	return nil
}

func (e *Event) canRecordFailure(op string) error {
	if e.Kind == EventIdentify || e.Kind == 0 {
		return vss.Errorf(vss.ErrBadState, op, "not while handling %v: a writer records failures at the events after Identify", e.Kind)
	}
	return nil
}

// componentFailureCodes are the codes IVssComponentEx2::SetFailure accepts.
func componentFailureCode(h vss.HRESULT) bool { return h == vss.OK || vetoCode(h) }
