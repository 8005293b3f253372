package writer_test

import (
	"fmt"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/writer"
)

// A handler vetoes the shadow copy as CVssWriter handlers do: it records
// the failure, with its application's code and a message for the
// requestor, fails one component, and returns nil. VSS reads what it
// recorded once the handler returns.
func ExampleEvent_SetWriterFailureEx() {
	e := &writer.Event{Kind: writer.EventPostSnapshot,
		Components: []*writer.Component{{Type: vss.ComponentDatabase, Name: "orders"}}}

	// In OnPostSnapshot:
	_ = e.Components[0].SetFailure(vss.ErrWriterRetryable, 0x80070020, "orders.mdf is locked")
	_ = e.SetWriterFailureEx(vss.ErrWriterPartialFailure, 0x80004005, "1 of 1 databases not prepared")

	fmt.Println(*e.Failure)
	fmt.Println(e.Components[0].Key(), *e.Components[0].Failure)
	// Output:
	// VSS_E_WRITERERROR_PARTIAL_FAILURE (application 0x80004005: 1 of 1 databases not prepared)
	// orders VSS_E_WRITERERROR_RETRYABLE (application 0x80070020: orders.mdf is locked)
}
