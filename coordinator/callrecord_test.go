package coordinator_test

import (
	"bytes"
	"context"
	"log/slog"
	"reflect"
	"strings"
	"testing"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/coordinator"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/simulate"
	"github.com/vsskit/vss/writer"
)

// noTime drops the time from log records, so that two logs compare.
func noTime(_ []string, a slog.Attr) slog.Attr {
	if a.Key == slog.TimeKey {
		return slog.Attr{}
	}
	return a
}

// TestCallRecordsConvertBothWays: a session's call and return records
// convert to requestor.CallRecords and back unchanged, its other records
// do not convert, and a CallRecord logs exactly what the session's Logger
// wrote for the same record.
func TestCallRecordsConvertBothWays(t *testing.T) {
	var sessionLog bytes.Buffer
	var records []coordinator.Record
	vol := simulate.NewVolume(`C:\`)
	vols := simulate.NewVolumeSet(vol)
	s, _, err := simulate.NewSession(simulate.Config{
		Writers:   []writer.Writer{simulate.NewScriptedWriter("Orders")},
		Providers: []provider.Provider{simulate.NewSystemProvider(vols)},
		Volumes:   vols,
		Logger:    slog.New(slog.NewJSONHandler(&sessionLog, &slog.HandlerOptions{ReplaceAttr: noTime})),
		OnRecord:  func(r coordinator.Record) { records = append(records, r) },
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := requestor.Backup(ctx, s, requestor.Plan{Volumes: []string{`C:\`}}); err != nil {
		t.Fatal(err)
	}
	if err := s.DoSnapshotSet(ctx); vss.CodeOf(err) != vss.ErrBadState {
		t.Fatalf("DoSnapshotSet after the backup = %v, want VSS_E_BAD_STATE", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	var callLog bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&callLog, &slog.HandlerOptions{ReplaceAttr: noTime}))
	calls, failed := 0, 0
	for _, r := range records {
		c, ok := r.CallRecord()
		if ok != (r.Kind == coordinator.RecCall || r.Kind == coordinator.RecReturn) {
			t.Errorf("%v converts: %v", r, ok)
		}
		if !ok {
			continue
		}
		calls++
		if c.Err != nil {
			failed++
		}
		back, err := coordinator.RecordOfCall(c)
		if err != nil || !reflect.DeepEqual(back, r) {
			t.Errorf("%v came back as %v, %v", r, back, err)
		}
		if c.String() != r.String() || c.Line() != r.Line() || c.Outcome() != r.Outcome() || c.Kind() != r.Kind.String() {
			t.Errorf("the CallRecord prints %q, the Record %q", c, r)
		}
		c.Log(ctx, logger)
	}
	if calls < 20 || failed != 1 {
		t.Fatalf("%d call records, %d failed; want a whole backup and one failure", calls, failed)
	}
	var want []string
	for _, line := range strings.Split(strings.TrimSpace(sessionLog.String()), "\n") {
		if strings.Contains(line, `"kind":"call"`) || strings.Contains(line, `"kind":"return"`) {
			want = append(want, line)
		}
	}
	if got := strings.Split(strings.TrimSpace(callLog.String()), "\n"); !reflect.DeepEqual(got, want) {
		t.Errorf("CallRecord.Log wrote\n%s\nthe session's Logger\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if _, err := coordinator.RecordOfCall(requestor.CallRecord{Call: "Query"}); err == nil {
		t.Error("RecordOfCall accepted a call sessions do not answer")
	}
}
