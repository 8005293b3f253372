package coordinator

import (
	"context"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/writer"
)

// The rules of a backup's participants and providers that Microsoft
// documents, one test each.

// eventsOf lists the writer events writer name was sent, in order.
func (s *stepper) eventsOf(name string) []writer.EventKind {
	var evs []writer.EventKind
	for _, o := range s.started {
		if o.Kind == OpWriterEvent && s.m.cfg.Writers[o.Writer].Name == name {
			evs = append(evs, o.Event.Kind)
		}
	}
	return evs
}

// providerCalls lists the provider methods called, in order.
func (s *stepper) providerCalls() []provider.Method {
	var ms []provider.Method
	for _, o := range s.started {
		if o.Kind == OpProvider {
			ms = append(ms, o.Method)
		}
	}
	return ms
}

// "Writers with no components added to a requester's Backup Component
// Document prior to the generation of a PrepareForBackup event ... receive
// no events after this point and will not participate in the backup": in
// a component-mode backup with three writers of which one has a component
// selected, only that one sees PrepareBackup through PostSnapshot,
// BackupComplete and BackupShutdown; the others see Identify alone, are
// never frozen, and GatherWriterStatus still lists them (they answered
// Identify), Stable.
//
// /work/shared/reference/msdocs/working-with-selectability-and-logical-paths.md
// https://learn.microsoft.com/windows/win32/vss/working-with-selectability-and-logical-paths
func TestRuleComponentModeWriterWithoutComponentTakesNoPart(t *testing.T) {
	ws := infos(vss.AppFrontEnd, vss.AppBackEnd, vss.AppSystem)
	s := newStepper(t, ws, []provider.Info{sysProvider})
	require.NoError(t, s.call(Call{Kind: CallInitializeForBackup}).Err)
	require.NoError(t, s.call(Call{Kind: CallSetBackupState, BackupState: requestor.BackupState{SelectComponents: true}}).Err)
	require.NoError(t, s.call(Call{Kind: CallGatherWriterMetadata}).Err)
	require.NoError(t, s.call(Call{Kind: CallAddComponent, WriterID: ws[1].InstanceID, ClassID: ws[1].ClassID,
		Component: writer.ComponentKey{Name: "db"}}).Err)
	require.NoError(t, s.call(Call{Kind: CallStartSnapshotSet}).Err)
	require.NoError(t, s.call(Call{Kind: CallAddToSnapshotSet, Volume: `C:\`}).Err)
	for _, k := range []CallKind{CallPrepareForBackup, CallDoSnapshotSet, CallGatherWriterStatus, CallBackupComplete} {
		require.NoError(t, s.call(Call{Kind: k}).Err, k)
	}
	status := s.call(Call{Kind: CallWriterStatus}).Status
	require.NoError(t, s.call(Call{Kind: CallClose}).Err)

	assert.Equal(t, []writer.EventKind{writer.EventIdentify, writer.EventPrepareBackup, writer.EventPrepareSnapshot,
		writer.EventFreeze, writer.EventThaw, writer.EventPostSnapshot, writer.EventBackupComplete, writer.EventBackupShutdown},
		s.eventsOf("B"), "the writer with a component selected")
	for _, name := range []string{"A", "C"} {
		assert.Equal(t, []writer.EventKind{writer.EventIdentify}, s.eventsOf(name), "writer %s has no component selected", name)
	}
	require.Len(t, status, 3)
	for _, st := range status { // gathered after DoSnapshotSet
		want := vss.WriterStable
		if st.Name == "B" {
			want = vss.WriterWaitingForBackupComplete
		}
		assert.Equal(t, want, st.State, st.Name)
		assert.False(t, st.Failed(), st.Name)
	}
	var excluded []string
	for _, r := range s.m.cfg.Trace.Records() {
		if r.Decision == DecisionWriterExcluded {
			excluded = append(excluded, r.Actor.Name)
		}
	}
	assert.Equal(t, []string{"A", "C"}, excluded, "the trace says who was left out")
}

// EndPrepareSnapshots is the first call of DoSnapshotSet, before the
// writers' PrepareForSnapshot: Microsoft's sequence diagram of a backup
// draws DoSnapshotSet, EndPrepareSnapshots, OnPrepareSnapshot, and the
// creation process for providers has VSS set the LUN flags "immediately
// after EndPrepareSnapshots", before the writers are frozen. A provider
// failing it fails the set before any writer is asked to prepare.
//
// /work/shared/reference/vss-sequence.png
// /work/shared/reference/msdocs/the-shadow-copy-creation-process.md (step 4)
// https://learn.microsoft.com/windows/win32/vss/the-shadow-copy-creation-process
func TestRuleEndPrepareSnapshotsBeforePrepareForSnapshot(t *testing.T) {
	s := newStepper(t, infos(vss.AppFrontEnd, vss.AppSystem), []provider.Info{sysProvider})
	s.toPrepared(`C:\`)
	s.started = nil
	require.NoError(t, s.call(Call{Kind: CallDoSnapshotSet}).Err)
	require.NotEmpty(t, s.started)
	first := s.started[0]
	assert.Equal(t, OpProvider, first.Kind)
	assert.Equal(t, provider.MethodEndPrepareSnapshots, first.Method, "DoSnapshotSet begins with EndPrepareSnapshots")
	assert.Equal(t, []writer.EventKind{writer.EventPrepareSnapshot, writer.EventFreeze, writer.EventThaw, writer.EventPostSnapshot},
		s.eventsOf("A"))

	s = newStepper(t, infos(vss.AppFrontEnd), []provider.Info{sysProvider})
	s.respond = func(o Op) (Completion, bool) {
		if o.Kind == OpProvider && o.Method == provider.MethodEndPrepareSnapshots {
			return Completion{Err: vss.ErrProviderVeto}, true
		}
		return s.succeed(o)
	}
	s.toPrepared(`C:\`)
	s.started = nil
	assert.ErrorIs(t, s.call(Call{Kind: CallDoSnapshotSet}).Err, vss.ErrProviderVeto)
	assert.Equal(t, []writer.EventKind{writer.EventAbort}, s.eventsOf("A"), "no PrepareSnapshot: the writer is only aborted")
	assert.Equal(t, []provider.Method{provider.MethodEndPrepareSnapshots, provider.MethodAbortSnapshots}, s.providerCalls())
}

// "VSS will only call AbortSnapshots after the requester has called
// DoSnapshotSet, even if the shadow copy fails or is aborted before this
// point ... If a shadow copy is aborted or fails before this point, the
// provider is not given any indication until a new shadow copy is
// started." A set given up before DoSnapshotSet (AbortBackup, Close, a
// cancelled call) sends the providers nothing; a set whose DoSnapshotSet
// fails sends them AbortSnapshots.
//
// /work/shared/reference/msdocs/state-transitions-in-shadow-copy-providers.md
// https://learn.microsoft.com/windows/win32/vss/state-transitions-in-shadow-copy-providers
func TestRuleAbortSnapshotsOnlyAfterDoSnapshotSet(t *testing.T) {
	abandonedAt := func(t *testing.T, end func(s *stepper)) *stepper {
		s := newStepper(t, infos(vss.AppFrontEnd), []provider.Info{sysProvider})
		for _, k := range []CallKind{CallInitializeForBackup, CallSetBackupState, CallGatherWriterMetadata, CallStartSnapshotSet} {
			require.NoError(t, s.call(Call{Kind: k}).Err, k)
		}
		require.NoError(t, s.call(Call{Kind: CallAddToSnapshotSet, Volume: `C:\`}).Err)
		end(s)
		require.NoError(t, s.call(Call{Kind: CallClose}).Err)
		assert.NotContains(t, s.providerCalls(), provider.MethodAbortSnapshots)
		assert.True(t, slices.ContainsFunc(s.m.cfg.Trace.Records(), func(r Record) bool { return r.Decision == DecisionSetAbandoned }),
			"the trace shows the set abandoned")
		return s
	}
	t.Run("AbortBackup before PrepareForBackup", func(t *testing.T) {
		abandonedAt(t, func(s *stepper) { require.NoError(t, s.call(Call{Kind: CallAbortBackup}).Err) })
	})
	t.Run("AbortBackup after PrepareForBackup", func(t *testing.T) {
		s := abandonedAt(t, func(s *stepper) {
			require.NoError(t, s.call(Call{Kind: CallPrepareForBackup}).Err)
			require.NoError(t, s.call(Call{Kind: CallAbortBackup}).Err)
		})
		assert.Contains(t, s.eventsOf("A"), writer.EventAbort, "the writers still get Abort")
	})
	t.Run("Close", func(t *testing.T) { abandonedAt(t, func(*stepper) {}) })
	t.Run("cancelled PrepareForBackup", func(t *testing.T) {
		abandonedAt(t, func(s *stepper) {
			out := s.m.Call(s.now, Call{Kind: CallPrepareForBackup})
			require.Nil(t, out.Reply, "PrepareForBackup waits for its writer")
			s.open = append(s.open, out.Start...)
			s.started = append(s.started, out.Start...)
			assert.ErrorIs(t, s.run(s.m.Cancel(s.now, context.Canceled)).Err, vss.AsyncCancelled)
		})
	})
	t.Run("failed DoSnapshotSet", func(t *testing.T) {
		s := newStepper(t, infos(vss.AppFrontEnd), []provider.Info{sysProvider})
		s.respond = func(o Op) (Completion, bool) {
			if o.Kind == OpProvider && o.Method == provider.MethodCommitSnapshots {
				return Completion{Err: vss.ErrProviderVeto}, true
			}
			return s.succeed(o)
		}
		s.toPrepared(`C:\`)
		assert.ErrorIs(t, s.call(Call{Kind: CallDoSnapshotSet}).Err, vss.ErrProviderVeto)
		assert.Contains(t, s.providerCalls(), provider.MethodAbortSnapshots)
	})
}

// A shadow copy without writer participation (VSS_CTX_FILE_SHARE_BACKUP,
// VSS_CTX_NAS_ROLLBACK): "Requesters may call GatherWriterMetadata, but
// this is not required"; "If requesters call AddComponent,
// PrepareForBackup, or BackupComplete, an error will be returned" (the
// pages of those calls give VSS_E_BAD_STATE for a call out of sequence,
// and no other code fits); and VSS sends no PrepareForSnapshot, Freeze,
// Thaw or PostSnapshot. GatherWriterMetadata, if called, sends Identify,
// as its own page says it does.
//
// /work/shared/reference/msdocs/shadow-copy-creation-details.md
// https://learn.microsoft.com/windows/win32/vss/shadow-copy-creation-details
// /work/shared/reference/sdkapi/vsbackup/nf-vsbackup-ivssbackupcomponents-gatherwritermetadata.md
func TestRuleContextWithoutWritersSkipsTheWriters(t *testing.T) {
	for _, sc := range []vss.SnapshotContext{vss.ContextFileShareBackup, vss.ContextNASRollback} {
		t.Run(sc.String(), func(t *testing.T) {
			ws := infos(vss.AppFrontEnd)
			s := newStepper(t, ws, []provider.Info{sysProvider})
			require.NoError(t, s.call(Call{Kind: CallInitializeForBackup}).Err)
			require.NoError(t, s.call(Call{Kind: CallSetContext, Context: sc}).Err)
			require.NoError(t, s.call(Call{Kind: CallStartSnapshotSet}).Err, "no GatherWriterMetadata needed")
			require.NoError(t, s.call(Call{Kind: CallAddToSnapshotSet, Volume: `C:\`}).Err)
			require.NoError(t, s.call(Call{Kind: CallSetBackupState, BackupState: requestor.BackupState{SelectComponents: true}}).Err)
			assert.ErrorIs(t, s.call(Call{Kind: CallAddComponent, WriterID: ws[0].InstanceID,
				Component: writer.ComponentKey{Name: "db"}}).Err, vss.ErrBadState)
			assert.ErrorIs(t, s.call(Call{Kind: CallPrepareForBackup}).Err, vss.ErrBadState)
			require.NoError(t, s.call(Call{Kind: CallDoSnapshotSet}).Err, "DoSnapshotSet without PrepareForBackup")
			assert.Equal(t, PhaseSnapshotCreated, s.m.Phase())
			assert.ErrorIs(t, s.call(Call{Kind: CallBackupComplete}).Err, vss.ErrBadState)
			require.NoError(t, s.call(Call{Kind: CallClose}).Err)
			assert.Empty(t, s.writerEvents(), "no writer event at all")
			assert.Contains(t, s.providerCalls(), provider.MethodCommitSnapshots)
		})
	}
	t.Run("with GatherWriterMetadata", func(t *testing.T) {
		s := newStepper(t, infos(vss.AppFrontEnd), []provider.Info{sysProvider})
		require.NoError(t, s.call(Call{Kind: CallInitializeForBackup}).Err)
		require.NoError(t, s.call(Call{Kind: CallSetContext, Context: vss.ContextFileShareBackup}).Err)
		require.NoError(t, s.call(Call{Kind: CallGatherWriterMetadata}).Err)
		require.NoError(t, s.call(Call{Kind: CallStartSnapshotSet}).Err)
		require.NoError(t, s.call(Call{Kind: CallAddToSnapshotSet, Volume: `C:\`}).Err)
		require.NoError(t, s.call(Call{Kind: CallDoSnapshotSet}).Err)
		require.NoError(t, s.call(Call{Kind: CallClose}).Err)
		assert.Equal(t, []string{"A:Identify"}, s.writerEvents(), "Identify only")
	})
	t.Run("a context with writers still needs them", func(t *testing.T) {
		s := newStepper(t, infos(vss.AppFrontEnd), []provider.Info{sysProvider})
		require.NoError(t, s.call(Call{Kind: CallInitializeForBackup}).Err)
		assert.ErrorIs(t, s.call(Call{Kind: CallStartSnapshotSet}).Err, vss.ErrBadState, "GatherWriterMetadata first")
		require.NoError(t, s.call(Call{Kind: CallGatherWriterMetadata}).Err)
		require.NoError(t, s.call(Call{Kind: CallStartSnapshotSet}).Err)
		assert.ErrorIs(t, s.call(Call{Kind: CallDoSnapshotSet}).Err, vss.ErrBadState, "PrepareForBackup first")
	})
}

// "GetWriterStatus reports only the status of those writers whose
// metadata was provided to VSS by writers' Identify event handlers ...
// If a writer's implementation of CVssWriter::OnIdentify fails, that
// writer's metadata will not be part of the list ..., no status
// information will be available."
//
// /work/shared/reference/msdocs/determining-writer-status.md
// https://learn.microsoft.com/windows/win32/vss/determining-writer-status
func TestRuleGatherWriterStatusOmitsWritersThatFailedIdentify(t *testing.T) {
	s := newStepper(t, infos(vss.AppFrontEnd, vss.AppBackEnd), []provider.Info{sysProvider})
	s.respond = func(o Op) (Completion, bool) {
		if o.Kind == OpWriterEvent && o.Event.Kind == writer.EventIdentify && o.Writer == 0 {
			return Completion{Err: vss.ErrWriterRetryable}, true
		}
		return s.succeed(o)
	}
	s.toPrepared(`C:\`)
	require.NoError(t, s.call(Call{Kind: CallDoSnapshotSet}).Err)
	require.NoError(t, s.call(Call{Kind: CallGatherWriterStatus}).Err)
	status := s.call(Call{Kind: CallWriterStatus}).Status
	require.Len(t, status, 1)
	assert.Equal(t, "B", status[0].Name)
	assert.Len(t, s.call(Call{Kind: CallWriterMetadata}).Metadata, 1, "nor is its metadata listed")
	st, failure := s.m.WriterState(0)
	assert.Equal(t, vss.WriterFailedAtIdentify, st, "the machine still knows what became of it")
	assert.Equal(t, vss.ErrWriterRetryable, failure)
	assert.Equal(t, []string{"A:Identify"}, s.writerEvents()[:1])
	assert.NotContains(t, s.writerEvents(), "A:PrepareBackup", "and it takes no part")
}

// "Before PrepareForBackup can be called, SetBackupState must be called";
// "Applications must call SetBackupState prior to calling
// PrepareForBackup". Without it PrepareForBackup fails with
// VSS_E_BAD_STATE and sends no event.
//
// /work/shared/reference/sdkapi/vsbackup/nf-vsbackup-ivssbackupcomponents-prepareforbackup.md
// /work/shared/reference/sdkapi/vsbackup/nf-vsbackup-ivssbackupcomponents-setbackupstate.md
// https://learn.microsoft.com/windows/win32/api/vsbackup/nf-vsbackup-ivssbackupcomponents-prepareforbackup
func TestRulePrepareForBackupNeedsSetBackupState(t *testing.T) {
	s := newStepper(t, infos(vss.AppFrontEnd), []provider.Info{sysProvider})
	for _, k := range []CallKind{CallInitializeForBackup, CallGatherWriterMetadata, CallStartSnapshotSet} {
		require.NoError(t, s.call(Call{Kind: k}).Err, k)
	}
	assert.ErrorIs(t, s.call(Call{Kind: CallPrepareForBackup}).Err, vss.ErrBadState)
	assert.Equal(t, []string{"A:Identify"}, s.writerEvents(), "no PrepareBackup sent")
	require.NoError(t, s.call(Call{Kind: CallSetBackupState}).Err)
	require.NoError(t, s.call(Call{Kind: CallPrepareForBackup}).Err)
}

// EnableWriterClasses, DisableWriterClasses and DisableWriterInstances
// choose the writers before GatherWriterMetadata, as their pages say: the
// first EnableWriterClasses enables only the classes named (and cancels
// earlier DisableWriterClasses calls), DisableWriterClasses then takes
// classes away; without EnableWriterClasses, DisableWriterClasses disables
// the classes named; DisableWriterInstances disables one instance, not
// the others of its class; called after GatherWriterMetadata they have
// no effect; before InitializeForBackup they fail with VSS_E_BAD_STATE.
// A writer left out gets no event at all and is not listed by
// WriterMetadata or GatherWriterStatus.
//
// /work/shared/reference/sdkapi/vsbackup/nf-vsbackup-ivssbackupcomponents-enablewriterclasses.md
// /work/shared/reference/sdkapi/vsbackup/nf-vsbackup-ivssbackupcomponents-disablewriterclasses.md
// /work/shared/reference/sdkapi/vsbackup/nf-vsbackup-ivssbackupcomponents-disablewriterinstances.md
// https://learn.microsoft.com/windows/win32/api/vsbackup/nf-vsbackup-ivssbackupcomponents-enablewriterclasses
func TestRuleWriterClassesAndInstancesChooseTheWriters(t *testing.T) {
	ws := infos(vss.AppFrontEnd, vss.AppBackEnd, vss.AppSystem, vss.AppFrontEnd)
	ws[3].ClassID = ws[0].ClassID // D is a second instance of A's class
	class := func(i int) vss.ID { return ws[i].ClassID }
	run := func(t *testing.T, choose ...Call) (*stepper, []string) {
		s := newStepper(t, ws, []provider.Info{sysProvider})
		require.NoError(t, s.call(Call{Kind: CallInitializeForBackup}).Err)
		for _, c := range choose {
			require.NoError(t, s.call(c).Err, c.Kind)
		}
		s.initializedToPrepared(`C:\`)
		require.NoError(t, s.call(Call{Kind: CallDoSnapshotSet}).Err)
		require.NoError(t, s.call(Call{Kind: CallGatherWriterStatus}).Err)
		var listed []string
		for _, st := range s.call(Call{Kind: CallWriterStatus}).Status {
			listed = append(listed, st.Name)
		}
		require.NoError(t, s.call(Call{Kind: CallBackupComplete}).Err)
		require.NoError(t, s.call(Call{Kind: CallClose}).Err)
		return s, listed
	}
	took := func(s *stepper) []string {
		var names []string
		for _, w := range ws {
			if len(s.eventsOf(w.Name)) > 0 {
				names = append(names, w.Name)
			}
		}
		return names
	}
	t.Run("DisableWriterClasses", func(t *testing.T) {
		s, listed := run(t, Call{Kind: CallDisableWriterClasses, Writers: []vss.ID{class(1)}})
		assert.Equal(t, []string{"A", "C", "D"}, took(s), "B gets no event, not even Identify")
		assert.Equal(t, []string{"A", "C", "D"}, listed)
	})
	t.Run("EnableWriterClasses then DisableWriterClasses", func(t *testing.T) {
		s, listed := run(t, Call{Kind: CallEnableWriterClasses, Writers: []vss.ID{class(0), class(2)}},
			Call{Kind: CallEnableWriterClasses, Writers: []vss.ID{class(1)}},
			Call{Kind: CallDisableWriterClasses, Writers: []vss.ID{class(2)}})
		assert.Equal(t, []string{"A", "B", "D"}, took(s))
		assert.Equal(t, []string{"A", "B", "D"}, listed)
	})
	t.Run("EnableWriterClasses cancels DisableWriterClasses", func(t *testing.T) {
		s, _ := run(t, Call{Kind: CallDisableWriterClasses, Writers: []vss.ID{class(2)}},
			Call{Kind: CallEnableWriterClasses, Writers: []vss.ID{class(2)}})
		assert.Equal(t, []string{"C"}, took(s))
	})
	t.Run("DisableWriterInstances", func(t *testing.T) {
		s, listed := run(t, Call{Kind: CallDisableWriterInstances, Writers: []vss.ID{ws[0].InstanceID}})
		assert.Equal(t, []string{"B", "C", "D"}, took(s), "the other instance of A's class stays")
		assert.Equal(t, []string{"B", "C", "D"}, listed)
	})
	t.Run("after GatherWriterMetadata no effect", func(t *testing.T) {
		s := newStepper(t, ws, []provider.Info{sysProvider})
		require.NoError(t, s.call(Call{Kind: CallInitializeForBackup}).Err)
		require.NoError(t, s.call(Call{Kind: CallGatherWriterMetadata}).Err)
		require.NoError(t, s.call(Call{Kind: CallDisableWriterClasses, Writers: []vss.ID{class(1)}}).Err)
		require.NoError(t, s.call(Call{Kind: CallDisableWriterInstances, Writers: []vss.ID{ws[2].InstanceID}}).Err)
		s.initializedToPrepared(`C:\`)
		assert.Equal(t, []string{"A", "B", "C", "D"}, took(s))
		assert.Contains(t, s.eventsOf("B"), writer.EventPrepareBackup)
	})
	t.Run("an empty list", func(t *testing.T) {
		s := newStepper(t, ws, nil)
		require.NoError(t, s.call(Call{Kind: CallInitializeForBackup}).Err)
		assert.ErrorIs(t, s.call(Call{Kind: CallEnableWriterClasses}).Err, vss.ErrInvalidArg, "one or more identifiers")
	})
	t.Run("before InitializeForBackup", func(t *testing.T) {
		s := newStepper(t, ws, nil)
		for _, k := range []CallKind{CallEnableWriterClasses, CallDisableWriterClasses, CallDisableWriterInstances} {
			assert.ErrorIs(t, s.call(Call{Kind: k, Writers: []vss.ID{class(0)}}).Err, vss.ErrBadState, k)
		}
	})
}

// initializedToPrepared takes an initialized session to a prepared
// backup of volumes, as toPrepared does (GatherWriterMetadata only if it
// was not called yet).
func (s *stepper) initializedToPrepared(volumes ...string) {
	s.t.Helper()
	for _, k := range []CallKind{CallSetBackupState, CallGatherWriterMetadata, CallStartSnapshotSet} {
		if k == CallGatherWriterMetadata && s.m.Phase() != PhaseInitialized {
			continue
		}
		require.NoError(s.t, s.call(Call{Kind: k}).Err, k)
	}
	for _, v := range volumes {
		require.NoError(s.t, s.call(Call{Kind: CallAddToSnapshotSet, Volume: v}).Err)
	}
	require.NoError(s.t, s.call(Call{Kind: CallPrepareForBackup}).Err)
}

// A selected component whose files lie on a volume that is not in the
// snapshot set is left out at PrepareForBackup, and a writer left with no
// component takes no part, so that a backup never silently holds a
// component whose files were not shadow copied; the requestor reads what
// was left out and why from Exclusions, as diskshadow reports components
// "excluded". Microsoft does not document what VSS does with such a
// component: the exclusion is this library's rule. The writer that keeps
// a component sees only that one; its component set (components under
// it in the logical path) counts with it.
func TestRuleComponentOnAVolumeOutsideTheSetIsExcluded(t *testing.T) {
	ws := infos(vss.AppFrontEnd, vss.AppBackEnd)
	s := newStepper(t, ws, []provider.Info{sysProvider})
	s.respond = func(o Op) (Completion, bool) {
		if o.Kind != OpWriterEvent || o.Event.Kind != writer.EventIdentify {
			return s.succeed(o)
		}
		md := writer.NewMetadata(ws[o.Writer])
		add := func(path, name, dir string) {
			_, err := md.AddComponent(writer.ComponentInfo{Type: vss.ComponentFileGroup, LogicalPath: path, Name: name, Selectable: path == ""})
			require.NoError(t, err)
			require.NoError(t, md.AddFiles(path, name, writer.FileSpec{Path: dir, Spec: "*"}))
		}
		if o.Writer == 0 {
			add("", "db", `c:\data`)
			add("", "logs", `C:\logs`)
			add("logs", "archive", `D:\archive`) // in the component set of logs
		} else {
			add("", "mail", `D:\mail`)
		}
		return Completion{Metadata: md}, true
	}
	require.NoError(t, s.call(Call{Kind: CallInitializeForBackup}).Err)
	require.NoError(t, s.call(Call{Kind: CallSetBackupState, BackupState: requestor.BackupState{SelectComponents: true}}).Err)
	require.NoError(t, s.call(Call{Kind: CallGatherWriterMetadata}).Err)
	for _, c := range []struct {
		w    int
		name string
	}{{0, "db"}, {0, "logs"}, {1, "mail"}} {
		require.NoError(t, s.call(Call{Kind: CallAddComponent, WriterID: ws[c.w].InstanceID, ClassID: ws[c.w].ClassID,
			Component: writer.ComponentKey{Type: vss.ComponentFileGroup, Name: c.name}}).Err)
	}
	require.NoError(t, s.call(Call{Kind: CallStartSnapshotSet}).Err)
	require.NoError(t, s.call(Call{Kind: CallAddToSnapshotSet, Volume: `C:\`}).Err)
	require.NoError(t, s.call(Call{Kind: CallPrepareForBackup}).Err)

	var prepared []string
	for _, o := range s.started {
		if o.Kind == OpWriterEvent && o.Event.Kind == writer.EventPrepareBackup {
			for _, c := range o.Event.Components {
				prepared = append(prepared, s.m.cfg.Writers[o.Writer].Name+":"+c.Name)
			}
		}
	}
	assert.Equal(t, []string{"A:db"}, prepared, "A keeps db; logs (its archive on D:) and B's mail are left out")
	assert.Equal(t, []writer.EventKind{writer.EventIdentify}, s.eventsOf("B"), "B has no component left")
	got := s.m.Exclusions()
	require.Len(t, got, 3)
	assert.Equal(t, writer.ComponentKey{Type: vss.ComponentFileGroup, Name: "logs"}, got[0].Component)
	assert.Equal(t, `D:\`, got[0].Volume)
	assert.Equal(t, "A", got[0].Writer)
	assert.Equal(t, "mail", got[1].Component.Name)
	assert.Equal(t, "B", got[2].Writer)
	assert.Zero(t, got[2].Component, "the whole writer")
	assert.Contains(t, got[2].Reason, "outside the snapshot set")

	require.NoError(t, s.call(Call{Kind: CallDoSnapshotSet}).Err)
	assert.ErrorIs(t, s.call(Call{Kind: CallSetBackupSucceeded, WriterID: ws[0].InstanceID,
		Component: writer.ComponentKey{Type: vss.ComponentFileGroup, Name: "logs"}, Succeeded: true}).Err, vss.ErrObjectNotFound,
		"a component left out is not in the backup")
	require.NoError(t, s.call(Call{Kind: CallSetBackupSucceeded, WriterID: ws[0].InstanceID,
		Component: writer.ComponentKey{Type: vss.ComponentFileGroup, Name: "db"}, Succeeded: true}).Err)
}
