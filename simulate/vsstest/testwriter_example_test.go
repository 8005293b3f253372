package vsstest_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/simulate/vsstest"
	"github.com/vsskit/vss/writer"
)

// slowFreezeWriter flushes its journal in OnFreeze, which takes longer
// than the freeze timeout it declares.
type slowFreezeWriter struct{}

func (slowFreezeWriter) Info() writer.Info {
	return writer.Info{ClassID: vss.MustParseID("{3f1e8c2a-6b7d-4a59-8e0c-9d2b4f6a1c37}"), Name: "Journal Writer",
		FreezeTimeout: 100 * time.Millisecond}
}
func (slowFreezeWriter) OnPrepareSnapshot(context.Context, *writer.Event) error { return nil }
func (slowFreezeWriter) OnFreeze(context.Context, *writer.Event) error {
	time.Sleep(500 * time.Millisecond) // the journal flush
	return nil
}
func (slowFreezeWriter) OnThaw(context.Context, *writer.Event) error  { return nil }
func (slowFreezeWriter) OnAbort(context.Context, *writer.Event) error { return nil }

// ExampleCheckWriter_errors reads a verdict with errors.Is and errors.As:
// VSS failed the writer with VSS_E_WRITERERROR_TIMEOUT because its Freeze
// outlasted the freeze timeout, and the breach names the rule, the event
// and what the writer had been sent. Only the rule in question is run.
func ExampleCheckWriter_errors() {
	var skip []string
	for _, r := range vsstest.WriterRules() {
		if r.Name != "Backup/FreezeWithinTimeout" {
			skip = append(skip, r.Name)
		}
	}
	err := vsstest.CheckWriter(func(vsstest.WriterEnv) writer.Writer { return slowFreezeWriter{} },
		vsstest.WriterTestOptions{Skip: skip})

	fmt.Println("timed out:", errors.Is(err, vss.ErrWriterTimeout))

	var b *vsstest.Breach
	if errors.As(err, &b) {
		fmt.Println("rule:", b.Rule.Name, "at", b.At)
		var failure *vss.Error // the failure as VSS recorded it
		if errors.As(b, &failure) {
			fmt.Println("VSS failed the writer at", failure.Op, "with", failure.Code.Name())
		}
		fmt.Print("the writer was sent:")
		for _, e := range b.Seen {
			fmt.Print(" ", e.Kind)
			if e.Kind == writer.EventFreeze {
				break
			}
		}
		fmt.Println()
	}
	// Output:
	// timed out: true
	// rule: Backup/FreezeWithinTimeout at Freeze
	// VSS failed the writer at Freeze with VSS_E_WRITERERROR_TIMEOUT
	// the writer was sent: Identify PrepareBackup PrepareSnapshot Freeze
}
