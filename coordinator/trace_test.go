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
	tr.Add(Record{At: 1250 * time.Millisecond, Step: 6, Kind: RecWriterEvent, Actor: `writer "SQL"`, What: "Freeze"})
	tr.Add(Record{At: 1500 * time.Millisecond, Step: 6, Kind: RecWriterResult, Actor: `writer "SQL"`, What: "Freeze", Outcome: "ok"})
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
