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
	"github.com/vsskit/vss/simulate/vsstest"
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
			simulate.NewScriptedWriter("App", simulate.WithLevel(vss.AppFrontEnd)),
			simulate.NewScriptedWriter("DB", append([]simulate.WriterOption{simulate.WithLevel(vss.AppBackEnd)}, opts...)...),
		},
		Providers: []provider.Provider{simulate.NewSystemProvider(vols)}})
	require.NoError(t, err)
	_, _ = requestor.Backup(context.Background(), s, requestor.Plan{Volumes: []string{`C:\`}})
	require.NoError(t, s.Close())
	return s
}

func TestTraceAssertions(t *testing.T) {
	s := tracedBackup(t)
	trace := s.Trace()

	// Front end freezes first, thaws last.
	require.NoError(t, vsstest.HappenedBefore(trace, vsstest.WriterEvent("App", writer.EventFreeze), vsstest.WriterEvent("DB", writer.EventFreeze)))
	require.NoError(t, vsstest.HappenedBefore(trace, vsstest.WriterEvent("DB", writer.EventThaw), vsstest.WriterEvent("App", writer.EventThaw)))
	require.NoError(t, vsstest.HappenedBefore(trace, vsstest.ProviderCall(simulate.NewSystemProvider(nil).Info().Name, provider.MethodCommitSnapshots), vsstest.WriterEvent("DB", writer.EventThaw)))
	err := vsstest.HappenedBefore(trace, vsstest.WriterEvent("DB", writer.EventFreeze), vsstest.WriterEvent("App", writer.EventFreeze))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `event writer "App" Freeze happened before event writer "DB" Freeze`)
	assert.ErrorContains(t, vsstest.HappenedBefore(trace, vsstest.WriterEvent("Nobody", writer.EventFreeze), vsstest.Match{}),
		`no record matches event writer "Nobody" Freeze`)

	require.NoError(t, vsstest.SameSequence(trace, vsstest.Match{Kind: coordinator.RecWriterEvent, Actor: coordinator.ActorWriter, Name: "DB"}, []string{
		`writer "DB": Identify`, `writer "DB": PrepareBackup`, `writer "DB": PrepareSnapshot`, `writer "DB": Freeze`,
		`writer "DB": Thaw`, `writer "DB": PostSnapshot`, `writer "DB": BackupComplete`, `writer "DB": BackupShutdown`,
	}))
	err = vsstest.SameSequence(trace, vsstest.WriterResult("DB", writer.EventFreeze), []string{`writer "DB": Freeze -> failed`})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "(-want +got)")
	assert.Contains(t, err.Error(), "`writer \"DB\": Freeze -> failed`")
	assert.Contains(t, err.Error(), "`writer \"DB\": Freeze -> ok`")

	require.NoError(t, vsstest.NoWriterFrozen(trace))
	require.NoError(t, vsstest.WriterEndedIn(s, "DB", vss.WriterStable))
	assert.ErrorContains(t, vsstest.WriterEndedIn(s, "DB", vss.WriterFailedAtFreeze), `writer "DB" ended in VSS_WS_STABLE, want VSS_WS_FAILED_AT_FREEZE`)
	assert.ErrorContains(t, vsstest.WriterEndedIn(s, "Nobody", vss.WriterStable), `no writer named "Nobody"`)
	assert.Len(t, vsstest.Find(trace, vsstest.RequestorCall(coordinator.CallDoSnapshotSet)), 1)
}

func TestTraceAssertionsOnFailure(t *testing.T) {
	s := tracedBackup(t, simulate.On(writer.EventFreeze, simulate.Behavior{Err: vss.ErrWriterRetryable}))
	trace := s.Trace()
	require.NoError(t, vsstest.NoWriterFrozen(trace), "a writer that failed Freeze receives Abort")
	require.NoError(t, vsstest.HappenedBefore(trace, vsstest.WriterResult("DB", writer.EventFreeze), vsstest.WriterEvent("DB", writer.EventAbort)))
	require.NoError(t, vsstest.WriterEndedIn(s, "DB", vss.WriterFailedAtFreeze))
	assert.ErrorContains(t, vsstest.WriterEndedIn(s, "DB", vss.WriterStable), "(failure VSS_E_WRITERERROR_RETRYABLE)")
}

// TestTraceAssertionsFindAnyName: the assertions compare names as they
// are, so a writer whose name needs quoting in a trace line is found by
// every one of them.
func TestTraceAssertionsFindAnyName(t *testing.T) {
	const say = `Say "hi"`
	c := simulate.NewVolume(`C:\`)
	vols := simulate.NewVolumeSet(c)
	s, _, err := simulate.NewSession(simulate.Config{Seed: 3, Volumes: vols,
		Writers: []writer.Writer{
			simulate.NewScriptedWriter(say, simulate.WithLevel(vss.AppFrontEnd), simulate.On(writer.EventThaw, simulate.Behavior{Err: vss.ErrWriterRetryable})),
			simulate.NewScriptedWriter("DB", simulate.WithLevel(vss.AppBackEnd)),
		},
		Providers: []provider.Provider{simulate.NewSystemProvider(vols)}})
	require.NoError(t, err)
	_, _ = requestor.Backup(context.Background(), s, requestor.Plan{Volumes: []string{`C:\`}, IgnoreWriterFailures: []vss.ID{}})
	require.NoError(t, s.Close())
	trace := s.Trace()

	assert.Len(t, vsstest.Find(trace, vsstest.WriterEvent(say, writer.EventFreeze)), 1)
	assert.Len(t, vsstest.Find(trace, vsstest.Match{Actor: coordinator.ActorWriter, Name: say, Outcome: vsstest.Failed}), 1)
	require.NoError(t, vsstest.HappenedBefore(trace, vsstest.WriterEvent(say, writer.EventFreeze), vsstest.WriterEvent("DB", writer.EventFreeze)))
	require.NoError(t, vsstest.HappenedBefore(trace, vsstest.WriterResult(say, writer.EventThaw), vsstest.WriterEvent(say, writer.EventAbort)))
	require.NoError(t, vsstest.SameSequence(trace, vsstest.Match{Kind: coordinator.RecWriterEvent, Name: say, Event: writer.EventFreeze},
		[]string{`writer "Say \"hi\"": Freeze`}))
	require.NoError(t, vsstest.NoWriterFrozen(trace))
	require.NoError(t, vsstest.WriterEndedIn(s, say, vss.WriterFailedAtThaw))
}

// TestNoWriterFrozenCatches feeds NoWriterFrozen a trace in which a
// writer received Freeze and nothing after it.
func TestNoWriterFrozenCatches(t *testing.T) {
	trace := []coordinator.Record{
		{Seq: 1, Kind: coordinator.RecWriterEvent, Actor: coordinator.Actor{Kind: coordinator.ActorWriter, Name: "A"}, Event: writer.EventFreeze},
		{Seq: 2, Kind: coordinator.RecWriterEvent, Actor: coordinator.Actor{Kind: coordinator.ActorWriter, Index: 1, Name: "B"}, Event: writer.EventFreeze},
		{Seq: 3, Kind: coordinator.RecWriterEvent, Actor: coordinator.Actor{Kind: coordinator.ActorWriter, Index: 1, Name: "B"}, Event: writer.EventAbort},
	}
	err := vsstest.NoWriterFrozen(trace)
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
			simulate.NewScriptedWriter("DB", simulate.WithLevel(vss.AppBackEnd)),
			simulate.NewScriptedWriter("App", simulate.WithLevel(vss.AppFrontEnd)),
		},
		Providers: []provider.Provider{simulate.NewSystemProvider(vols)}})
	_, _ = requestor.Backup(context.Background(), s, requestor.Plan{Volumes: []string{`C:\`}})
	_ = s.Close()
	trace := s.Trace()

	fmt.Println(vsstest.HappenedBefore(trace, vsstest.WriterEvent("App", writer.EventFreeze), vsstest.WriterEvent("DB", writer.EventFreeze)))
	fmt.Println(vsstest.NoWriterFrozen(trace))
	fmt.Println(vsstest.WriterEndedIn(s, "DB", vss.WriterStable))
	fmt.Println(vsstest.Sequence(trace, vsstest.WriterResult("DB", writer.EventThaw)))
	// Output:
	// <nil>
	// <nil>
	// <nil>
	// [writer "DB": Thaw -> ok]
}
