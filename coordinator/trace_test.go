package coordinator

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/writer"
)

func TestTraceRecordsPrintsAndLogs(t *testing.T) {
	var buf bytes.Buffer
	tr := NewTrace(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}})))
	var live []string
	tr.OnRecord(func(r Record) { live = append(live, r.String()) })
	sql := Actor{Kind: ActorWriter, Name: "SQL"}
	tr.add(&Record{At: 1250 * time.Millisecond, Step: 6, Kind: RecWriterEvent, Actor: sql, Event: writer.EventFreeze})
	tr.add(result(&Record{At: 1500 * time.Millisecond, Step: 6, Kind: RecWriterResult, Actor: sql, Event: writer.EventFreeze}, nil))
	want := "[step 6] +1.250s writer \"SQL\": Freeze\n[step 6] +1.500s writer \"SQL\": Freeze -> ok\n"
	assert.Equal(t, want, tr.String())
	assert.Equal(t, strings.Split(strings.TrimSuffix(want, "\n"), "\n"), live)
	recs := tr.Records()
	assert.Equal(t, []int{1, 2}, []int{recs[0].Seq, recs[1].Seq})
	assert.Contains(t, buf.String(), `level=INFO msg=Freeze seq=2 step=6 at=1.5s kind=result actor="writer \"SQL\"" outcome=ok`)
}

func TestTraceStepsOfAFullBackupNeverGoBack(t *testing.T) {
	s := newStepper(t, infos(vss.AppFrontEnd, vss.AppBackEnd), []provider.Info{sysProvider})
	s.toPrepared(`C:\`)
	for _, k := range []CallKind{CallWriterMetadata, CallDoSnapshotSet, CallGatherWriterStatus, CallBackupComplete, CallClose} {
		assert.NoError(t, s.call(Call{Kind: k}).Err)
	}
	prev := 0
	for _, r := range s.m.cfg.Trace.Records() {
		assert.GreaterOrEqual(t, r.Step, prev, "%v", r)
		assert.True(t, r.Step >= 1 && r.Step <= 11, "%v", r)
		prev = r.Step
	}
	assert.Equal(t, 11, prev)
}

// Every record the machine emits prints from its typed fields, and a
// writer whose name needs quoting prints quoted, as Go quotes strings.
func TestTraceRecordTextComesFromFields(t *testing.T) {
	say := Actor{Kind: ActorWriter, Index: 2, Name: `Say "hi"`}
	cases := []struct {
		r    Record
		want string
	}{
		{Record{Kind: RecCall, Actor: requestorActor, Call: CallDoSnapshotSet}, "requestor: DoSnapshotSet"},
		{*result(&Record{Kind: RecReturn, Actor: requestorActor, Call: CallDoSnapshotSet}, nil), "requestor: DoSnapshotSet -> ok"},
		{Record{Kind: RecWriterEvent, Actor: say, Event: writer.EventFreeze}, `writer "Say \"hi\"": Freeze`},
		{*result(&Record{Kind: RecWriterResult, Actor: say, Event: writer.EventFreeze}, vss.ErrWriterRetryable),
			`writer "Say \"hi\"": Freeze -> failed: ` + vss.ErrWriterRetryable.Error()},
		{Record{Kind: RecState, Actor: say, Decision: DecisionWriterFailed, State: vss.WriterFailedAtFreeze, Code: vss.ErrWriterTimeout},
			`writer "Say \"hi\"": VSS_WS_FAILED_AT_FREEZE -> VSS_E_WRITERERROR_TIMEOUT`},
		{Record{Kind: RecState, Actor: say, Decision: DecisionFreezeTimeout, Timeout: time.Minute}, `writer "Say \"hi\"": freeze timeout -> frozen longer than 1m0s`},
		{Record{Kind: RecProviderCall, Actor: Actor{Kind: ActorProvider, Name: "sys"}, Method: provider.MethodIsVolumeSupported, Volume: `C:\`},
			`provider "sys": IsVolumeSupported C:\`},
		{*result(&Record{Kind: RecProviderResult, Actor: Actor{Kind: ActorProvider, Name: "sys"}, Method: provider.MethodIsVolumeSupported, Supported: true}, nil),
			`provider "sys": IsVolumeSupported -> supported=true`},
		{Record{Kind: RecWrites, Actor: vssActor, Decision: DecisionHoldWrites}, "vss: flush and hold writes"},
		{*result(&Record{Kind: RecWrites, Actor: vssActor, Decision: DecisionReleaseWrites}, nil), "vss: release writes -> ok"},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, c.r.Line())
	}
}

// The trace packs its records; every record comes back as it was added,
// including those that do not fit a packed entry.
func TestTraceKeepsEveryField(t *testing.T) {
	w := Actor{Kind: ActorWriter, Index: 0, Name: "W"}
	p := Actor{Kind: ActorProvider, Index: 0, Name: "P"}
	in := []Record{
		{At: time.Second, Step: 1, Kind: RecCall, Actor: requestorActor, Call: CallDoSnapshotSet},
		*result(&Record{Step: 6, Kind: RecWriterResult, Actor: w, Event: writer.EventFreeze}, vss.ErrWriterTimeout),
		*result(&Record{Step: 2, Kind: RecProviderResult, Actor: p, Method: provider.MethodIsVolumeSupported, Volume: `C:\`, Supported: true}, nil),
		{Step: 2, Kind: RecState, Actor: vssActor, Decision: DecisionSetStarted, SetID: vss.ID{1, 2, 3}},
		{Step: 2, Kind: RecState, Actor: vssActor, Decision: DecisionProviderChosen, Volume: `D:\`, Detail: "P"},
		{Step: 6, Kind: RecState, Actor: w, Decision: DecisionWriterFailed, State: vss.WriterFailedAtFreeze, Code: vss.ErrWriterTimeout},
		{Step: 6, Kind: RecState, Actor: w, Decision: DecisionFreezeTimeout, Timeout: time.Minute},
		*result(&Record{Step: 11, Kind: RecProviderResult, Actor: p, Method: provider.MethodDeleteSnapshots, Count: 2}, nil),
		// A writer's state, and windows: in the entry, and beside it.
		{Step: 6, Kind: RecWriterEvent, Actor: w, Event: writer.EventFreeze, State: vss.WriterWaitingForFreeze, Timeout: time.Minute},
		*result(&Record{Step: 6, Kind: RecWriterResult, Actor: w, Event: writer.EventFreeze, State: vss.WriterWaitingForThaw}, nil),
		{Step: 7, Kind: RecWrites, Actor: vssActor, Decision: DecisionHoldWrites, Timeout: 10 * time.Second},
		*result(&Record{Step: 9, Kind: RecWriterResult, Actor: w, Event: writer.EventThaw, State: vss.WriterFailedAtThaw,
			Timeout: 5 * time.Minute}, vss.ErrWriterNotResponding),
		{Step: 8, Kind: RecState, Actor: vssActor, Decision: DecisionTimedOut, Detail: "release writes"},
		{Step: 6, Kind: RecState, Actor: w, Decision: DecisionWriterFailed, State: vss.WriterState(99), Code: vss.ErrWriterTimeout},
		{Step: 6, Kind: RecState, Actor: w, Decision: DecisionWriterFailed, State: -1},
		// Records a packed entry cannot hold: another name at a known
		// index, an index out of order, numbers too large, two subjects.
		{Step: 3, Kind: RecWriterEvent, Actor: Actor{Kind: ActorWriter, Index: 0, Name: "Other"}, Event: writer.EventAbort},
		{Step: 3, Kind: RecWriterEvent, Actor: Actor{Kind: ActorWriter, Index: 7, Name: "Far"}, Event: writer.EventAbort},
		{Step: 3, Kind: RecWriterEvent, Actor: Actor{Kind: ActorWriter, Index: 1 << 16, Name: "Farther"}, Event: writer.EventAbort},
		{Step: 300, Kind: RecCall, Actor: requestorActor, Call: CallClose},
		{Step: 1, Kind: RecCall, Actor: requestorActor, Call: CallClose, Event: writer.EventThaw},
		{Step: 1, Kind: RecState, Actor: Actor{Kind: ActorVSS, Name: "named"}, Decision: DecisionCancel},
	}
	tr := NewTrace(nil)
	for i := range 100 { // more windows than the trace has first room for
		in = append(in, Record{Step: 6, Kind: RecState, Actor: w, Decision: DecisionFreezeTimeout, Timeout: time.Duration(i+1) * time.Second})
	}
	for i := range in {
		r := in[i]
		tr.add(&r)
		in[i].Seq = i + 1
	}
	assert.Equal(t, in, tr.Records())
	assert.Equal(t, len(in), tr.Len())
}
