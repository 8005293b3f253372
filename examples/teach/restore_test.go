package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vsskit/vss/coordinator"
	"github.com/vsskit/vss/simulate/vsstest"
	"github.com/vsskit/vss/writer"
)

// The restore scenario narrates a restore session: the requestor loads
// the stored document, Orders DB gets PreRestore, the files are put back,
// Orders DB gets PostRestore, the writers' status is read; no writer gets
// Abort, and the application works again on the restored data.
// Microsoft: "Overview of Processing a Restore Under VSS".
func TestRestoreScenarioNarratesARestore(t *testing.T) {
	out, res := runScenario(t, "restore")
	require.Empty(t, res.failed)
	order := []vsstest.Match{
		{Kind: coordinator.RecCall, Call: coordinator.CallInitializeForRestore},
		vsstest.WriterEvent(ordersWriter, writer.EventPreRestore),
		{Kind: coordinator.RecCall, Call: coordinator.CallSetFileRestoreStatus},
		vsstest.WriterEvent(ordersWriter, writer.EventPostRestore),
		{Kind: coordinator.RecCall, Call: coordinator.CallGatherWriterStatus},
	}
	last := -1
	for _, m := range order {
		found := -1
		for i, r := range res.trace {
			if i > last && len(vsstest.Find([]coordinator.Record{r}, m)) == 1 {
				found = i
				break
			}
		}
		require.Greater(t, found, last, "%+v comes after the previous step", m)
		last = found
	}
	assert.Empty(t, find(res.trace, vsstest.Match{Kind: coordinator.RecWriterEvent, Event: writer.EventAbort}), "a restore sends no Abort")
	assert.Empty(t, find(res.trace, vsstest.WriterEvent(weblogWriter, writer.EventPreRestore)), "Web Log has no component selected")
	has(t, out, `puts back C:\orders\data.db`)
	has(t, out, `puts back C:\orders\commit.log`)
	has(t, out, "reported component Shop\\orders as VSS_RS_ALL")
	has(t, out, "as many as the shadow copy held")
	has(t, out, "its data is consistent, and nothing it acknowledged is lost")
}
