//go:build windows && (amd64 || arm64)

package requestor_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/coordinator"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/simulate"
	"github.com/vsskit/vss/writer"
)

// traceCalls makes the same calls on any session: a backup of C:\ by
// hand, with two calls that fail (a second SetContext, a second
// StartSnapshotSet), then Close.
func traceCalls(t *testing.T, r requestor.Requestor) {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(r.InitializeForBackup(ctx, ""))
	must(r.SetContext(ctx, vss.ContextBackup))
	if err := r.SetContext(ctx, vss.ContextBackup); vss.CodeOf(err) != vss.ErrBadState {
		t.Errorf("a second SetContext = %v, want VSS_E_BAD_STATE", err)
	}
	must(r.SetBackupState(ctx, requestor.BackupState{Type: vss.BackupCopy}))
	must(r.GatherWriterMetadata(ctx))
	_, err := r.WriterMetadata(ctx)
	must(err)
	_, err = r.StartSnapshotSet(ctx)
	must(err)
	snap, err := r.AddToSnapshotSet(ctx, `C:\`, vss.NilID)
	must(err)
	must(r.PrepareForBackup(ctx))
	must(r.DoSnapshotSet(ctx))
	if _, err := r.StartSnapshotSet(ctx); err == nil {
		t.Error("a second StartSnapshotSet succeeded")
	}
	must(r.GatherWriterStatus(ctx))
	_, err = r.WriterStatus(ctx)
	must(err)
	_, err = r.GetSnapshotProperties(ctx, snap)
	must(err)
	_, err = r.SnapshotFS(ctx, snap)
	must(err)
	must(r.BackupComplete(ctx))
	must(r.Close())
}

// abortCalls makes the same calls on any session: a backup of C:\
// aborted after PrepareForBackup, a DoSnapshotSet that the abort makes
// fail, an AbortBackup with nothing under way, then Close.
func abortCalls(t *testing.T, r requestor.Requestor) {
	t.Helper()
	ctx := context.Background()
	prepare(t, r)
	if err := r.AbortBackup(ctx); err != nil {
		t.Fatal(err)
	}
	if err := r.DoSnapshotSet(ctx); err == nil {
		t.Error("DoSnapshotSet after AbortBackup succeeded")
	}
	if err := r.AbortBackup(ctx); err != nil {
		t.Errorf("AbortBackup with nothing under way = %v, want it ignored", err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
}

// simulatedWorld is the world of newWorld as a plain simulated session.
func simulatedWorld(t *testing.T, cfg simulate.Config) *coordinator.Session {
	t.Helper()
	vol := simulate.NewVolume(`C:\`)
	if err := vol.WriteFile("orders.db", []byte("order 1001")); err != nil {
		t.Fatal(err)
	}
	vols := simulate.NewVolumeSet(vol)
	cfg.Writers = []writer.Writer{simulate.NewScriptedWriter("Orders")}
	cfg.Providers = []provider.Provider{simulate.NewSystemProvider(vols)}
	cfg.Volumes = vols
	s, _, err := simulate.NewSession(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// shape is what two sessions' records of the same calls have in common:
// everything but the numbering, the time and the error's wording.
func shape(c requestor.CallRecord) string {
	return fmt.Sprintf("[step %d] %s %s %v", c.Step, c.Kind(), c.Call, c.Code)
}

// TestWindowsTraceMatchesSimulated: the same calls on a Windows session
// (through the fake COM objects) and on a simulated session make the same
// call records: the same calls and returns, in the same order, at the
// same steps, with the same HRESULTs; and the Windows session's Logger
// gets a log record per record, as a simulated session's does.
func TestWindowsTraceMatchesSimulated(t *testing.T) {
	for _, tc := range []struct {
		name  string
		calls func(*testing.T, requestor.Requestor)
		n     int // records
	}{{"backup", traceCalls, 34}, {"abort", abortCalls, 20}} {
		t.Run(tc.name, func(t *testing.T) { compareTraces(t, tc.calls, tc.n) })
	}
}

// compareTraces makes calls on a simulated and a Windows session and
// compares their records, of which there must be n.
func compareTraces(t *testing.T, calls func(*testing.T, requestor.Requestor), n int) {
	var simulated []requestor.CallRecord
	sim := simulatedWorld(t, simulate.Config{OnRecord: func(r coordinator.Record) {
		if c, ok := r.CallRecord(); ok {
			simulated = append(simulated, c)
		}
	}})
	calls(t, sim)

	var windows []requestor.CallRecord
	var log bytes.Buffer
	w := newWorld(t, simulate.NewScriptedWriter("Orders"))
	r := w.open(t, requestor.WindowsOptions{
		OnRecord: func(c requestor.CallRecord) { windows = append(windows, c) },
		Logger:   slog.New(slog.NewJSONHandler(&log, nil)),
	})
	calls(t, r)

	var want, got []string
	for _, c := range simulated {
		want = append(want, shape(c))
	}
	for i, c := range windows {
		got = append(got, shape(c))
		if c.Seq != i+1 {
			t.Errorf("record %d has Seq %d", i, c.Seq)
		}
		if _, err := coordinator.RecordOfCall(c); err != nil {
			t.Errorf("%v does not convert to a coordinator.Record: %v", c, err)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("the Windows session recorded\n%s\nthe simulated one\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(got) != n {
		t.Errorf("%d records, want %d", len(got), n)
	}

	lines := strings.Split(strings.TrimSpace(log.String()), "\n")
	if len(lines) != len(windows) {
		t.Fatalf("%d log records for %d trace records", len(lines), len(windows))
	}
	for i, line := range lines {
		var l struct {
			Msg, Kind, Actor, Outcome string
			Seq, Step                 int
		}
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatal(err)
		}
		c := windows[i]
		if l.Msg != c.Call || l.Seq != c.Seq || l.Step != c.Step || l.Kind != c.Kind() || l.Actor != "requestor" || l.Outcome != c.Outcome() {
			t.Errorf("log record %s for %v", line, c)
		}
	}
}
