package vsstest_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/coordinator"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/simulate"
	"github.com/vsskit/vss/writer"
)

// tracedBackup runs a backup of C:\ with a front-end writer "App" and a
// back-end writer "DB" (with opts), and returns the closed session.
func tracedBackup(t *testing.T, opts ...simulate.WriterOption) *coordinator.Session {
	t.Helper()
	c := simulate.NewVolume(`C:\`)
	vols := simulate.NewVolumeSet(c)
	s, _, err := simulate.NewSession(simulate.Config{Seed: 7, Volumes: vols,
		Writers: []writer.Writer{
			simulate.NewWriter("App", simulate.WithLevel(vss.AppFrontEnd)),
			simulate.NewWriter("DB", append([]simulate.WriterOption{simulate.WithLevel(vss.AppBackEnd)}, opts...)...),
		},
		Providers: []provider.Provider{simulate.NewSoftwareProvider(vols)}})
	require.NoError(t, err)
	_, _ = requestor.Backup(context.Background(), s, requestor.Plan{Volumes: []string{`C:\`}})
	require.NoError(t, s.Close())
	return s
}

func TestTraceAssertions(t *testing.T) {
	s := tracedBackup(t)
	trace := s.Trace()

	// Front end freezes first, thaws last.
	require.NoError(t, simulate.HappenedBefore(trace, simulate.WriterEvent("App", writer.EventFreeze), simulate.WriterEvent("DB", writer.EventFreeze)))
	require.NoError(t, simulate.HappenedBefore(trace, simulate.WriterEvent("DB", writer.EventThaw), simulate.WriterEvent("App", writer.EventThaw)))
	require.NoError(t, simulate.HappenedBefore(trace, simulate.ProviderCall("vss simulated software provider", "CommitSnapshots"), simulate.WriterEvent("DB", writer.EventThaw)))
	err := simulate.HappenedBefore(trace, simulate.WriterEvent("DB", writer.EventFreeze), simulate.WriterEvent("App", writer.EventFreeze))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `event writer "App" Freeze happened before event writer "DB" Freeze`)
	assert.ErrorContains(t, simulate.HappenedBefore(trace, simulate.WriterEvent("Nobody", writer.EventFreeze), simulate.Match{}),
		`no record matches event writer "Nobody" Freeze`)

	require.NoError(t, simulate.SameSequence(trace, simulate.Match{Kind: coordinator.RecWriterEvent, Actor: `writer "DB"`}, []string{
		`writer "DB": Identify`, `writer "DB": PrepareBackup`, `writer "DB": PrepareSnapshot`, `writer "DB": Freeze`,
		`writer "DB": Thaw`, `writer "DB": PostSnapshot`, `writer "DB": BackupComplete`, `writer "DB": BackupShutdown`,
	}))
	err = simulate.SameSequence(trace, simulate.WriterResult("DB", writer.EventFreeze), []string{`writer "DB": Freeze -> failed`})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "(-want +got)")
	assert.Contains(t, err.Error(), "`writer \"DB\": Freeze -> failed`")
	assert.Contains(t, err.Error(), "`writer \"DB\": Freeze -> ok`")

	require.NoError(t, simulate.NoWriterFrozen(trace))
	require.NoError(t, simulate.WriterEndedIn(s, "DB", vss.WriterStable))
	assert.ErrorContains(t, simulate.WriterEndedIn(s, "DB", vss.WriterFailedAtFreeze), `writer "DB" ended in VSS_WS_STABLE, want VSS_WS_FAILED_AT_FREEZE`)
	assert.ErrorContains(t, simulate.WriterEndedIn(s, "Nobody", vss.WriterStable), `no writer named "Nobody"`)
	assert.Len(t, simulate.Find(trace, simulate.RequestorCall("DoSnapshotSet")), 1)
}

func TestTraceAssertionsOnFailure(t *testing.T) {
	s := tracedBackup(t, simulate.On(writer.EventFreeze, simulate.Behavior{Err: vss.ErrWriterRetryable}))
	trace := s.Trace()
	require.NoError(t, simulate.NoWriterFrozen(trace), "a writer that failed Freeze receives Abort")
	require.NoError(t, simulate.HappenedBefore(trace, simulate.WriterResult("DB", writer.EventFreeze), simulate.WriterEvent("DB", writer.EventAbort)))
	require.NoError(t, simulate.WriterEndedIn(s, "DB", vss.WriterFailedAtFreeze))
	assert.ErrorContains(t, simulate.WriterEndedIn(s, "DB", vss.WriterStable), "(failure VSS_E_WRITERERROR_RETRYABLE)")
}

// TestNoWriterFrozenCatches feeds NoWriterFrozen a trace in which a
// writer received Freeze and nothing after it.
func TestNoWriterFrozenCatches(t *testing.T) {
	trace := []coordinator.Record{
		{Seq: 1, Kind: coordinator.RecWriterEvent, Actor: `writer "A"`, What: "Freeze"},
		{Seq: 2, Kind: coordinator.RecWriterEvent, Actor: `writer "B"`, What: "Freeze"},
		{Seq: 3, Kind: coordinator.RecWriterEvent, Actor: `writer "B"`, What: "Abort"},
	}
	err := simulate.NoWriterFrozen(trace)
	require.Error(t, err)
	assert.Equal(t, "trace: 1 writer(s) left frozen:\n  writer \"A\": Freeze sent at #1 (+0.000s), then neither Thaw nor Abort", err.Error())
}

// ExampleHappenedBefore checks the level order of a backup with the
// trace assertions: the front-end writer freezes before the back end.
func ExampleHappenedBefore() {
	c := simulate.NewVolume(`C:\`)
	vols := simulate.NewVolumeSet(c)
	s, _, _ := simulate.NewSession(simulate.Config{Seed: 1, Volumes: vols,
		Writers: []writer.Writer{
			simulate.NewWriter("DB", simulate.WithLevel(vss.AppBackEnd)),
			simulate.NewWriter("App", simulate.WithLevel(vss.AppFrontEnd)),
		},
		Providers: []provider.Provider{simulate.NewSoftwareProvider(vols)}})
	_, _ = requestor.Backup(context.Background(), s, requestor.Plan{Volumes: []string{`C:\`}})
	_ = s.Close()
	trace := s.Trace()

	fmt.Println(simulate.HappenedBefore(trace, simulate.WriterEvent("App", writer.EventFreeze), simulate.WriterEvent("DB", writer.EventFreeze)))
	fmt.Println(simulate.NoWriterFrozen(trace))
	fmt.Println(simulate.WriterEndedIn(s, "DB", vss.WriterStable))
	fmt.Println(simulate.Sequence(trace, simulate.WriterResult("DB", writer.EventThaw)))
	// Output:
	// <nil>
	// <nil>
	// <nil>
	// [writer "DB": Thaw -> ok]
}
