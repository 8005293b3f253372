package vsstest

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/vsskit/vss/simulate"
	"github.com/vsskit/vss/writer"
)

// The suite's recorder keeps exactly the handlers of the writer under
// test: the suite must see the writer as VSS would.
func TestRecorderHidesNoHandler(t *testing.T) {
	w := simulate.NewScriptedWriter("W")
	for _, inner := range []writer.Writer{w, struct{ writer.Writer }{w}} {
		rec := &recorder{w: inner}
		for _, k := range writer.Events() {
			assert.Equal(t, writer.Handles(inner, k), writer.Handles(rec.writer(), k), "%T %v", inner, k)
		}
	}
}
