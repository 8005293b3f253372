package coordinator

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/writer"
)

// stepper drives a Machine by hand, without goroutines or clocks: it
// completes the Ops the machine starts, one at a time, with answers chosen
// by respond, and ticks time forward to the next deadline when nothing can
// be answered.
type stepper struct {
	t       *testing.T
	m       *Machine
	now     time.Time
	open    []Op
	started []Op
	// respond answers an Op; false leaves it unanswered (a hang).
	respond func(o Op) (Completion, bool)
}

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func TestMachineRefusesAnIDSourceThatRepeats(t *testing.T) {
	s := newStepper(t, nil, []provider.Info{sysProvider})
	s.m.cfg.IDs = bytes.NewReader(bytes.Repeat([]byte{7}, 1<<12))
	for _, c := range []CallKind{CallInitializeForBackup, CallGatherWriterMetadata, CallStartSnapshotSet} {
		require.NoError(t, s.call(Call{Kind: c}).Err)
	}
	err := s.call(Call{Kind: CallAddToSnapshotSet, Volume: `C:\`}).Err
	assert.ErrorIs(t, err, vss.ErrUnexpected, "the snapshot would get the set's ID")
	assert.Contains(t, err.Error(), "repeating")
}

func newStepper(t *testing.T, writers []writer.Info, providers []provider.Info) *stepper {
	s := &stepper{t: t, now: t0}
	s.m = NewMachine(MachineConfig{Writers: writers, Providers: providers,
		IDs: rand.NewChaCha8([32]byte{1}), Start: t0, Trace: NewTrace(nil)})
	s.respond = s.succeed
	return s
}

func (s *stepper) succeed(o Op) (Completion, bool) {
	switch o.Kind {
	case OpWriterEvent:
		if o.Event.Kind == writer.EventIdentify {
			return Completion{Metadata: writer.NewMetadata(s.m.cfg.Writers[o.Writer])}, true
		}
		return Completion{Event: o.Event}, true
	case OpProvider:
		switch o.Method {
		case provider.MethodIsVolumeSupported:
			return Completion{Supported: true}, true
		case provider.MethodGetSnapshotProperties:
			return Completion{Snapshot: &provider.Snapshot{ID: o.SnapshotID, DeviceObject: "dev:" + o.Volume}}, true
		case provider.MethodDeleteSnapshots:
			return Completion{Count: 1}, true
		}
	}
	return Completion{}, true
}

func (s *stepper) call(c Call) Reply {
	s.t.Helper()
	return s.run(s.m.Call(s.now, c))
}

func (s *stepper) run(out Output) Reply {
	s.t.Helper()
	for i := 0; i < 10000; i++ {
		s.open = append(s.open, out.Start...)
		s.started = append(s.started, out.Start...)
		for _, tok := range out.Cancel {
			for j, o := range s.open {
				if o.Token == tok {
					s.open = append(s.open[:j], s.open[j+1:]...)
					break
				}
			}
		}
		if out.Reply != nil {
			return *out.Reply
		}
		answered := false
		for j, o := range s.open {
			if c, ok := s.respond(o); ok {
				s.open = append(s.open[:j], s.open[j+1:]...)
				c.Token = o.Token
				out = s.m.Complete(s.now, c)
				answered = true
				break
			}
		}
		if !answered {
			d, ok := s.m.NextDeadline()
			require.True(s.t, ok, "machine waits with no deadline and nothing answerable")
			s.now = d
			out = s.m.Tick(s.now)
		}
	}
	s.t.Fatal("machine did not reply")
	return Reply{}
}

// eventsTo lists the writer events started, as "writer:event".
func (s *stepper) writerEvents() []string {
	var evs []string
	for _, o := range s.started {
		if o.Kind == OpWriterEvent {
			evs = append(evs, s.m.cfg.Writers[o.Writer].Name+":"+o.Event.Kind.String())
		}
	}
	return evs
}

func infos(levels ...vss.AppLevel) []writer.Info {
	var ws []writer.Info
	for i, l := range levels {
		ws = append(ws, writer.Info{Name: string(rune('A' + i)), Level: l,
			InstanceID: vss.ID{byte(i + 1)}, ClassID: vss.ID{0xc0, byte(i + 1)}})
	}
	return ws
}

var sysProvider = provider.Info{ID: vss.ID{0xaa}, Name: "system", Type: vss.ProviderSystem}

func (s *stepper) toPrepared(volumes ...string) {
	s.t.Helper()
	for _, c := range []Call{{Kind: CallInitializeForBackup}, {Kind: CallSetBackupState}, {Kind: CallGatherWriterMetadata},
		{Kind: CallStartSnapshotSet}} {
		require.NoError(s.t, s.call(c).Err, c.Kind)
	}
	for _, v := range volumes {
		require.NoError(s.t, s.call(Call{Kind: CallAddToSnapshotSet, Volume: v}).Err)
	}
	require.NoError(s.t, s.call(Call{Kind: CallPrepareForBackup}).Err)
}

func TestMachineOutOfOrderCallsAreBadState(t *testing.T) {
	s := newStepper(t, infos(vss.AppFrontEnd), []provider.Info{sysProvider})
	for _, k := range []CallKind{CallDoSnapshotSet, CallGatherWriterMetadata, CallPrepareForBackup, CallBackupComplete,
		CallStartSnapshotSet, CallSetContext} {
		assert.ErrorIs(t, s.call(Call{Kind: k}).Err, vss.ErrBadState, "%v before InitializeForBackup", k)
	}
	require.NoError(t, s.call(Call{Kind: CallInitializeForBackup}).Err)
	assert.ErrorIs(t, s.call(Call{Kind: CallInitializeForBackup}).Err, vss.ErrBadState, "a session is single use")
	assert.ErrorIs(t, s.call(Call{Kind: CallPrepareForBackup}).Err, vss.ErrBadState, "PrepareForBackup before GatherWriterMetadata")
	assert.ErrorIs(t, s.call(Call{Kind: CallWriterStatus}).Err, vss.ErrBadState)
	require.NoError(t, s.call(Call{Kind: CallGatherWriterMetadata}).Err)
	assert.ErrorIs(t, s.call(Call{Kind: CallDoSnapshotSet}).Err, vss.ErrBadState, "DoSnapshotSet before PrepareForBackup")
	assert.ErrorIs(t, s.call(Call{Kind: CallAddToSnapshotSet, Volume: `C:\`}).Err, vss.ErrBadState, "no set started")
	assert.ErrorIs(t, s.call(Call{Kind: CallPrepareForBackup}).Err, vss.ErrBadState, "no set started")
	require.NoError(t, s.call(Call{Kind: CallStartSnapshotSet}).Err)
	assert.ErrorIs(t, s.call(Call{Kind: CallPrepareForBackup}).Err, vss.ErrBadState, "no SetBackupState")
	require.NoError(t, s.call(Call{Kind: CallSetBackupState}).Err)
	require.NoError(t, s.call(Call{Kind: CallPrepareForBackup}).Err)
	assert.ErrorIs(t, s.call(Call{Kind: CallBackupComplete}).Err, vss.ErrBadState)
	assert.Equal(t, PhaseBackupPrepared, s.m.Phase())
}

func TestMachinePhaseTableRejectsEverythingAfterClose(t *testing.T) {
	s := newStepper(t, infos(vss.AppFrontEnd), []provider.Info{sysProvider})
	require.NoError(t, s.call(Call{Kind: CallInitializeForBackup}).Err)
	require.NoError(t, s.call(Call{Kind: CallClose}).Err)
	for _, k := range Calls() {
		if k == CallClose {
			continue
		}
		assert.ErrorIs(t, s.call(Call{Kind: k}).Err, vss.ErrBadState, k.String())
	}
	assert.NoError(t, s.call(Call{Kind: CallClose}).Err, "Close twice")
}

func TestMachineSetContextAndBackupStateValidate(t *testing.T) {
	s := newStepper(t, nil, nil)
	require.NoError(t, s.call(Call{Kind: CallInitializeForBackup}).Err)
	assert.ErrorIs(t, s.call(Call{Kind: CallSetContext, Context: 3}).Err, vss.ErrInvalidArg)
	assert.ErrorIs(t, s.call(Call{Kind: CallSetContext, Context: vss.ContextAll}).Err, vss.ErrInvalidArg)
	assert.NoError(t, s.call(Call{Kind: CallSetContext, Context: vss.ContextAppRollback}).Err)
	assert.ErrorIs(t, s.call(Call{Kind: CallSetBackupState, BackupState: requestor.BackupState{Type: 9}}).Err, vss.ErrInvalidArg)
}

func TestMachineProviderSelectionPrefersHardwareThenSoftwareThenSystem(t *testing.T) {
	provs := []provider.Info{
		{ID: vss.ID{1}, Name: "sys", Type: vss.ProviderSystem},
		{ID: vss.ID{2}, Name: "soft", Type: vss.ProviderSoftware},
		{ID: vss.ID{3}, Name: "hw", Type: vss.ProviderHardware},
	}
	cases := []struct {
		supported []bool
		want      string
	}{
		{[]bool{true, true, true}, "hw"},
		{[]bool{true, true, false}, "soft"},
		{[]bool{true, false, false}, "sys"},
		{[]bool{false, false, true}, "hw"},
	}
	for _, tc := range cases {
		s := newStepper(t, nil, provs)
		s.respond = func(o Op) (Completion, bool) {
			if o.Kind == OpProvider && o.Method == provider.MethodIsVolumeSupported {
				return Completion{Supported: tc.supported[o.Provider]}, true
			}
			return s.succeed(o)
		}
		s.toPrepared(`C:\`)
		var begin []string
		for _, o := range s.started {
			if o.Kind == OpProvider && o.Method == provider.MethodBeginPrepareSnapshot {
				begin = append(begin, provs[o.Provider].Name)
			}
		}
		assert.Equal(t, []string{tc.want}, begin, "supported %v", tc.supported)
	}
}

func TestMachineAddToSnapshotSetLimits(t *testing.T) {
	s := newStepper(t, nil, []provider.Info{sysProvider})
	for _, c := range []Call{{Kind: CallInitializeForBackup}, {Kind: CallGatherWriterMetadata}, {Kind: CallStartSnapshotSet}} {
		require.NoError(t, s.call(c).Err)
	}
	assert.ErrorIs(t, s.call(Call{Kind: CallStartSnapshotSet}).Err, vss.ErrSnapshotSetInProgress)
	for i := range MaxVolumesPerSet {
		require.NoError(t, s.call(Call{Kind: CallAddToSnapshotSet, Volume: volName(i)}).Err)
	}
	assert.ErrorIs(t, s.call(Call{Kind: CallAddToSnapshotSet, Volume: volName(64)}).Err, vss.ErrMaximumNumberOfVolumesReached)
	assert.ErrorIs(t, s.call(Call{Kind: CallAddToSnapshotSet, Volume: "v1"}).Err, vss.ErrMaximumNumberOfVolumesReached)

	s = newStepper(t, nil, []provider.Info{sysProvider})
	for _, c := range []Call{{Kind: CallInitializeForBackup}, {Kind: CallGatherWriterMetadata}, {Kind: CallStartSnapshotSet}} {
		require.NoError(t, s.call(c).Err)
	}
	require.NoError(t, s.call(Call{Kind: CallAddToSnapshotSet, Volume: `C:\`}).Err)
	assert.ErrorIs(t, s.call(Call{Kind: CallAddToSnapshotSet, Volume: `c:\`}).Err, vss.ErrObjectAlreadyExists)
	assert.ErrorIs(t, s.call(Call{Kind: CallAddToSnapshotSet, Volume: ""}).Err, vss.ErrInvalidArg)
	assert.ErrorIs(t, s.call(Call{Kind: CallAddToSnapshotSet, Volume: `D:\`, ProviderID: vss.ID{9}}).Err, vss.ErrProviderNotRegistered)
	s.respond = func(o Op) (Completion, bool) {
		if o.Kind == OpProvider && o.Method == provider.MethodIsVolumeSupported {
			return Completion{Supported: false}, true
		}
		return s.succeed(o)
	}
	assert.ErrorIs(t, s.call(Call{Kind: CallAddToSnapshotSet, Volume: `E:\`}).Err, vss.ErrVolumeNotSupported)
}

func volName(i int) string { return "v" + string(rune('0'+i/10)) + string(rune('0'+i%10)) }

func TestMachineCreationSequenceOrder(t *testing.T) {
	// Writers given system first on purpose: the order must come from levels.
	s := newStepper(t, infos(vss.AppSystem, vss.AppBackEnd, vss.AppFrontEnd), []provider.Info{sysProvider})
	s.toPrepared(`C:\`, `D:\`)
	s.started = nil
	require.NoError(t, s.call(Call{Kind: CallDoSnapshotSet}).Err)
	var seq []string
	for _, o := range s.started {
		switch o.Kind {
		case OpWriterEvent:
			if o.Event.Kind == writer.EventFreeze || o.Event.Kind == writer.EventThaw {
				seq = append(seq, s.m.cfg.Writers[o.Writer].Name+":"+o.Event.Kind.String())
			}
		case OpProvider:
			if o.Method != provider.MethodGetSnapshotProperties {
				seq = append(seq, o.Method.String())
			}
		case OpHoldWrites:
			seq = append(seq, "hold")
		case OpReleaseWrites:
			seq = append(seq, "release")
		}
	}
	assert.Equal(t, []string{"EndPrepareSnapshots", "C:Freeze", "B:Freeze", "A:Freeze", "PreCommitSnapshots", "hold",
		"CommitSnapshots", "release", "PostCommitSnapshots", "A:Thaw", "B:Thaw", "C:Thaw",
		"PreFinalCommitSnapshots", "PostFinalCommitSnapshots"}, seq)
	assert.Equal(t, PhaseSnapshotCreated, s.m.Phase())
	for i := range 3 {
		st, _ := s.m.WriterState(i)
		assert.Equal(t, vss.WriterWaitingForBackupComplete, st)
	}
	assert.Empty(t, s.m.Frozen())
}

func TestMachineFreezeWindowExpiresWithoutGoroutines(t *testing.T) {
	ws := infos(vss.AppFrontEnd, vss.AppBackEnd)
	ws[0].FreezeTimeout = 2 * time.Second
	s := newStepper(t, ws, []provider.Info{sysProvider})
	s.toPrepared(`C:\`)
	// Writer A never answers Freeze.
	s.respond = func(o Op) (Completion, bool) {
		if o.Kind == OpWriterEvent && o.Writer == 0 && o.Event.Kind == writer.EventFreeze {
			return Completion{}, false
		}
		return s.succeed(o)
	}
	r := s.call(Call{Kind: CallDoSnapshotSet})
	require.NoError(t, r.Err, "a writer's failure does not fail DoSnapshotSet")
	st, code := s.m.WriterState(0)
	assert.Equal(t, vss.WriterFailedAtFreeze, st)
	assert.Equal(t, vss.ErrWriterTimeout, code)
	assert.Equal(t, t0.Add(2*time.Second), s.now, "failed exactly at its freeze timeout")
	assert.Contains(t, s.writerEvents(), "A:Abort")
	assert.NotContains(t, s.writerEvents(), "A:Thaw")
	st, _ = s.m.WriterState(1)
	assert.Equal(t, vss.WriterWaitingForBackupComplete, st, "the other writer carried on")
	assert.Empty(t, s.m.Frozen())
}

func TestMachineCommitBeyondHoldWindowFailsSet(t *testing.T) {
	s := newStepper(t, infos(vss.AppFrontEnd), []provider.Info{sysProvider})
	s.toPrepared(`C:\`)
	s.respond = func(o Op) (Completion, bool) {
		if o.Kind == OpProvider && o.Method == provider.MethodCommitSnapshots {
			return Completion{}, false
		}
		return s.succeed(o)
	}
	r := s.call(Call{Kind: CallDoSnapshotSet})
	assert.ErrorIs(t, r.Err, vss.ErrFlushWritesTimeout)
	assert.Equal(t, t0.Add(DefaultHoldTimeout), s.now)
	var calls []string
	for _, o := range s.started {
		if o.Kind == OpProvider {
			calls = append(calls, o.Method.String())
		}
		if o.Kind == OpReleaseWrites {
			calls = append(calls, "release")
		}
	}
	assert.Subset(t, calls, []string{"release", "AbortSnapshots"})
	assert.Contains(t, s.writerEvents(), "A:Abort")
	assert.Equal(t, PhaseAborted, s.m.Phase())
	st, code := s.m.WriterState(0)
	assert.Equal(t, vss.WriterStable, st, "aborted through no fault of its own")
	assert.Equal(t, vss.OK, code)
}

func TestMachineCancelMidFreezeAbortsEveryFrozenWriter(t *testing.T) {
	s := newStepper(t, infos(vss.AppFrontEnd, vss.AppBackEnd), []provider.Info{sysProvider})
	s.toPrepared(`C:\`)
	out := s.m.Call(s.now, Call{Kind: CallDoSnapshotSet})
	// Answer everything up to B's Freeze, then cancel with B's Freeze pending.
	s.respond = func(o Op) (Completion, bool) {
		if o.Kind == OpWriterEvent && o.Writer == 1 && o.Event.Kind == writer.EventFreeze {
			return Completion{}, false
		}
		return s.succeed(o)
	}
	for range 50 {
		s.open = append(s.open, out.Start...)
		s.started = append(s.started, out.Start...)
		if len(s.open) == 1 && s.open[0].Writer == 1 && s.open[0].Event != nil && s.open[0].Event.Kind == writer.EventFreeze {
			break
		}
		c, _ := s.respond(s.open[0])
		c.Token = s.open[0].Token
		s.open = s.open[1:]
		out = s.m.Complete(s.now, c)
	}
	assert.ElementsMatch(t, []int{0, 1}, s.m.Frozen())
	r := s.run(s.m.Cancel(s.now, fmt.Errorf("operator pressed ^C: %w", context.Canceled)))
	assert.ErrorIs(t, r.Err, vss.AsyncCancelled)
	assert.Empty(t, s.m.Frozen())
	evs := s.writerEvents()
	assert.Contains(t, evs, "A:Abort")
	assert.Contains(t, evs, "B:Abort")
	assert.Equal(t, PhaseAborted, s.m.Phase())
}

// Every record about a writer carries the writer's state as
// GatherWriterStatus would report it then, and the records that open a
// window carry its length, so that a trace alone can be drawn and
// narrated.
func TestMachineRecordsCarryWriterStateAndWindows(t *testing.T) {
	ws := infos(vss.AppFrontEnd, vss.AppBackEnd)
	ws[1].FreezeTimeout = 2 * time.Second
	s := newStepper(t, ws, []provider.Info{sysProvider})
	s.toPrepared(`C:\`)
	// Writer B never answers Freeze: its window expires, it fails and gets
	// Abort; A goes on.
	s.respond = func(o Op) (Completion, bool) {
		if o.Kind == OpWriterEvent && o.Writer == 1 && o.Event.Kind == writer.EventFreeze {
			return Completion{}, false
		}
		return s.succeed(o)
	}
	require.NoError(t, s.call(Call{Kind: CallDoSnapshotSet}).Err)
	var got []string
	for _, r := range s.m.cfg.Trace.Records() {
		switch {
		case r.Actor.Kind == ActorWriter:
			assert.NotEqual(t, vss.WriterStateUnknown, r.State, "%v", r)
			if r.Kind == RecWriterEvent && r.Event == writer.EventFreeze {
				got = append(got, fmt.Sprintf("%s Freeze window %v", r.Actor.Name, r.Timeout))
			}
			if r.Event == writer.EventFreeze || r.Event == writer.EventThaw || r.Event == writer.EventAbort || r.Decision == DecisionWriterFailed {
				got = append(got, fmt.Sprintf("%s %s %v", r.Actor.Name, r.Line(), r.State))
			}
		case r.Decision == DecisionHoldWrites && !r.Result:
			got = append(got, fmt.Sprintf("hold window %v", r.Timeout))
		}
	}
	assert.Equal(t, []string{
		"A Freeze window 1m0s", `A writer "A": Freeze VSS_WS_WAITING_FOR_FREEZE`,
		`A writer "A": Freeze -> ok VSS_WS_WAITING_FOR_THAW`,
		"B Freeze window 2s", `B writer "B": Freeze VSS_WS_WAITING_FOR_FREEZE`,
		`B writer "B": VSS_WS_FAILED_AT_FREEZE -> VSS_E_WRITERERROR_TIMEOUT VSS_WS_FAILED_AT_FREEZE`,
		`B writer "B": Abort VSS_WS_FAILED_AT_FREEZE`,
		`B writer "B": Abort -> ok VSS_WS_FAILED_AT_FREEZE`,
		"hold window 10s",
		`A writer "A": Thaw VSS_WS_WAITING_FOR_THAW`,
		`A writer "A": Thaw -> ok VSS_WS_WAITING_FOR_POST_SNAPSHOT`,
	}, got)
}

// A hold of writes that takes effect after the requestor cancelled
// DoSnapshotSet (its answer arrives after the cancellation) is released:
// once a hold has started, every path out of DoSnapshotSet releases it.
func TestMachineCancelWhileHoldingWritesReleasesTheLateHold(t *testing.T) {
	for _, holdErr := range []error{nil, vss.ErrHoldWritesTimeout} {
		s := newStepper(t, infos(vss.AppFrontEnd), []provider.Info{sysProvider})
		s.toPrepared(`C:\`)
		// Answer everything until the hold of writes is started.
		s.respond = func(o Op) (Completion, bool) {
			if o.Kind == OpHoldWrites {
				return Completion{}, false
			}
			return s.succeed(o)
		}
		out := s.m.Call(s.now, Call{Kind: CallDoSnapshotSet})
		var hold Op
		for range 50 {
			s.open = append(s.open, out.Start...)
			s.started = append(s.started, out.Start...)
			if len(s.open) == 1 && s.open[0].Kind == OpHoldWrites {
				hold = s.open[0]
				break
			}
			c, _ := s.respond(s.open[0])
			c.Token = s.open[0].Token
			s.open = s.open[1:]
			out = s.m.Complete(s.now, c)
		}
		require.Equal(t, OpHoldWrites, hold.Kind, "the machine reached the hold")
		s.open = nil
		out = s.m.Cancel(s.now, context.Canceled)
		require.Nil(t, out.Reply, "the machine waits for the hold before it replies")
		assert.NotContains(t, out.Cancel, hold.Token, "the hold in flight is not given up")
		s.started = append(s.started, out.Start...)
		s.open = append(s.open, out.Start...)
		// The hold took effect (or failed) after the cancellation.
		s.respond = s.succeed
		r := s.run(s.m.Complete(s.now, Completion{Token: hold.Token, Err: holdErr}))
		assert.ErrorIs(t, r.Err, vss.AsyncCancelled)
		var releases int
		for _, o := range s.started {
			if o.Kind == OpReleaseWrites {
				releases++
			}
		}
		if holdErr == nil {
			assert.Equal(t, 1, releases, "the late hold is released")
		} else {
			assert.Zero(t, releases, "a hold that failed holds nothing to release")
		}
		assert.Contains(t, s.writerEvents(), "A:Abort")
		assert.Equal(t, PhaseAborted, s.m.Phase())
	}
}

// A driver that abandons the wait while writes are held (nothing it
// awaits can answer) still gets the writes released, once.
func TestMachineAbandonReleasesHeldWritesOnce(t *testing.T) {
	s := newStepper(t, infos(vss.AppFrontEnd), []provider.Info{sysProvider})
	s.toPrepared(`C:\`)
	s.respond = func(o Op) (Completion, bool) {
		if o.Kind == OpProvider && o.Method == provider.MethodCommitSnapshots {
			return Completion{}, false // the commit never answers
		}
		return s.succeed(o)
	}
	out := s.m.Call(s.now, Call{Kind: CallDoSnapshotSet})
	for range 50 {
		s.open = append(s.open, out.Start...)
		if len(s.open) == 1 && s.open[0].Kind == OpProvider && s.open[0].Method == provider.MethodCommitSnapshots {
			break
		}
		c, _ := s.respond(s.open[0])
		c.Token = s.open[0].Token
		s.open = s.open[1:]
		out = s.m.Complete(s.now, c)
	}
	s.open = nil
	out = s.m.Abandon(s.now, errors.New("the runtime can deliver nothing more"))
	require.Len(t, out.Start, 1)
	assert.Equal(t, OpReleaseWrites, out.Start[0].Kind)
	again := s.m.Abandon(s.now, errors.New("still nothing"))
	assert.Empty(t, again.Start, "the release is not retried")
	require.NotNil(t, again.Reply)
	assert.ErrorIs(t, again.Reply.Err, vss.ErrUnexpected)
	assert.Equal(t, PhaseAborted, s.m.Phase())
}
