package coordinator

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/writer"
)

// The call-order rules Microsoft documents for IVssBackupComponents, one
// test each.

// StartSnapshotSet "must be called before IVssBackupComponents::PrepareForBackup
// during backup operations"; a call out of sequence fails with
// VSS_E_BAD_STATE.
//
// /work/shared/reference/sdkapi/vsbackup/nf-vsbackup-ivssbackupcomponents-startsnapshotset.md
// https://learn.microsoft.com/windows/win32/api/vsbackup/nf-vsbackup-ivssbackupcomponents-startsnapshotset
// /work/shared/reference/sdkapi/vsbackup/nf-vsbackup-ivssbackupcomponents-prepareforbackup.md
// https://learn.microsoft.com/windows/win32/api/vsbackup/nf-vsbackup-ivssbackupcomponents-prepareforbackup
func TestRuleStartSnapshotSetBeforePrepareForBackup(t *testing.T) {
	s := newStepper(t, infos(vss.AppFrontEnd), []provider.Info{sysProvider})
	for _, k := range []CallKind{CallInitializeForBackup, CallSetBackupState, CallGatherWriterMetadata} {
		require.NoError(t, s.call(Call{Kind: k}).Err, k)
	}
	assert.ErrorIs(t, s.call(Call{Kind: CallPrepareForBackup}).Err, vss.ErrBadState)
	assert.Equal(t, PhaseMetadataGathered, s.m.Phase(), "the refused call changes nothing")
	assert.Empty(t, s.writerEvents()[1:], "no PrepareBackup event was sent")
	require.NoError(t, s.call(Call{Kind: CallStartSnapshotSet}).Err)
	require.NoError(t, s.call(Call{Kind: CallPrepareForBackup}).Err)
	assert.Equal(t, PhaseBackupPrepared, s.m.Phase())
}

// SetContext may come after GatherWriterMetadata, as Microsoft's sequence
// diagram of a backup draws it (GatherWriterMetadata, SetContext,
// AddComponent, StartSnapshotSet, AddToSnapshotSet), and it must come
// "prior to calling most VSS functions": once volumes are in the set,
// which the providers examined in the context then set, it fails with
// VSS_E_BAD_STATE.
//
// /work/shared/reference/vss-sequence.png
// /work/shared/reference/msdocs/overview-of-processing-a-backup-under-vss.md
// https://learn.microsoft.com/windows/win32/vss/overview-of-processing-a-backup-under-vss
// /work/shared/reference/sdkapi/vsbackup/nf-vsbackup-ivssbackupcomponents-setcontext.md
// https://learn.microsoft.com/windows/win32/api/vsbackup/nf-vsbackup-ivssbackupcomponents-setcontext
func TestRuleSetContextAfterGatherWriterMetadataUntilVolumesAreAdded(t *testing.T) {
	s := newStepper(t, infos(vss.AppFrontEnd), []provider.Info{sysProvider})
	for _, k := range []CallKind{CallInitializeForBackup, CallSetBackupState, CallGatherWriterMetadata} {
		require.NoError(t, s.call(Call{Kind: k}).Err, k)
	}
	require.NoError(t, s.call(Call{Kind: CallSetContext, Context: vss.ContextAppRollback}).Err, "SetContext after GatherWriterMetadata")
	require.NoError(t, s.call(Call{Kind: CallStartSnapshotSet}).Err)
	require.NoError(t, s.call(Call{Kind: CallAddToSnapshotSet, Volume: `C:\`}).Err)
	var ctx []vss.SnapshotContext
	for _, o := range s.started {
		if o.Kind == OpProvider && o.Method == provider.MethodBeginPrepareSnapshot {
			ctx = append(ctx, o.Context)
		}
	}
	assert.Equal(t, []vss.SnapshotContext{vss.ContextAppRollback}, ctx, "the provider prepared the volume in the context set")

	s = newStepper(t, infos(vss.AppFrontEnd), []provider.Info{sysProvider})
	for _, k := range []CallKind{CallInitializeForBackup, CallGatherWriterMetadata, CallStartSnapshotSet} {
		require.NoError(t, s.call(Call{Kind: k}).Err, k)
	}
	require.NoError(t, s.call(Call{Kind: CallAddToSnapshotSet, Volume: `C:\`}).Err)
	assert.ErrorIs(t, s.call(Call{Kind: CallSetContext, Context: vss.ContextAppRollback}).Err, vss.ErrBadState, "SetContext after AddToSnapshotSet")
	assert.Equal(t, vss.ContextBackup, s.m.sc, "the refused call changes nothing")
}

// "SetContext can be called only once": a second call fails with
// VSS_E_BAD_STATE (not called within the correct sequence), even with the
// same context, and leaves the context as the first call set it. A call
// that failed did not set it.
//
// /work/shared/reference/sdkapi/vsbackup/nf-vsbackup-ivssbackupcomponents-setcontext.md
// https://learn.microsoft.com/windows/win32/api/vsbackup/nf-vsbackup-ivssbackupcomponents-setcontext
func TestRuleSecondSetContextIsBadState(t *testing.T) {
	s := newStepper(t, infos(vss.AppFrontEnd), []provider.Info{sysProvider})
	require.NoError(t, s.call(Call{Kind: CallInitializeForBackup}).Err)
	assert.ErrorIs(t, s.call(Call{Kind: CallSetContext, Context: vss.ContextAll}).Err, vss.ErrInvalidArg)
	require.NoError(t, s.call(Call{Kind: CallSetContext, Context: vss.ContextAppRollback}).Err, "the failed call did not count")
	assert.ErrorIs(t, s.call(Call{Kind: CallSetContext, Context: vss.ContextAppRollback}).Err, vss.ErrBadState, "twice before GatherWriterMetadata")
	require.NoError(t, s.call(Call{Kind: CallGatherWriterMetadata}).Err)
	assert.ErrorIs(t, s.call(Call{Kind: CallSetContext, Context: vss.ContextBackup}).Err, vss.ErrBadState, "again after GatherWriterMetadata")
	assert.Equal(t, vss.ContextAppRollback, s.m.sc, "the first context stays")
}

// "Some writer components may not specify any affected volumes. In this
// case, it is acceptable for a snapshot set to be empty (that is, to
// contain no volumes)." DoSnapshotSet of an empty set runs the writer
// events of the creation sequence and calls no provider: no provider was
// given a volume. The DoSnapshotSet page lists no error for an empty set.
//
// /work/shared/reference/msdocs/shadow-copy-creation-details.md
// https://learn.microsoft.com/windows/win32/vss/shadow-copy-creation-details
// /work/shared/reference/sdkapi/vsbackup/nf-vsbackup-ivssbackupcomponents-dosnapshotset.md
// https://learn.microsoft.com/windows/win32/api/vsbackup/nf-vsbackup-ivssbackupcomponents-dosnapshotset
func TestRuleEmptySnapshotSetIsAccepted(t *testing.T) {
	s := newStepper(t, infos(vss.AppFrontEnd, vss.AppSystem), []provider.Info{sysProvider})
	s.toPrepared()
	s.started = nil
	require.NoError(t, s.call(Call{Kind: CallDoSnapshotSet}).Err)
	assert.Equal(t, PhaseSnapshotCreated, s.m.Phase())
	assert.Equal(t, []string{"A:PrepareSnapshot", "B:PrepareSnapshot", "A:Freeze", "B:Freeze", "B:Thaw", "A:Thaw",
		"A:PostSnapshot", "B:PostSnapshot"}, s.writerEvents())
	for _, o := range s.started {
		assert.Equal(t, OpWriterEvent, o.Kind, "only writer events: %+v", o)
	}
	for i := range 2 {
		st, _ := s.m.WriterState(i)
		assert.Equal(t, vss.WriterWaitingForBackupComplete, st, "writer %d", i)
	}
	require.NoError(t, s.call(Call{Kind: CallBackupComplete}).Err)
	require.NoError(t, s.call(Call{Kind: CallClose}).Err)
}

// Rule 12: AddComponent needs InitializeForBackup and
// GatherWriterMetadata first ("Before it calls AddComponent, a requester
// must have been initialized for backup by calling InitializeForBackup
// and GatherWriterMetadata"), and comes before StartSnapshotSet: "If a
// requester wants to select specific writer components, it must call
// IVssBackupComponents::AddComponent before calling StartSnapshotSet to
// create the shadow copy set" (Microsoft's "Shadow Copy Creation
// Details"). After StartSnapshotSet it fails with VSS_E_BAD_STATE, "not
// called within the correct sequence" (the AddComponent page).
//
// /work/shared/reference/sdkapi/vsbackup/nf-vsbackup-ivssbackupcomponents-addcomponent.md
// https://learn.microsoft.com/windows/win32/api/vsbackup/nf-vsbackup-ivssbackupcomponents-addcomponent
// /work/shared/reference/msdocs/shadow-copy-creation-details.md
// https://learn.microsoft.com/windows/win32/vss/shadow-copy-creation-details
func TestRuleAddComponentAfterGatherWriterMetadataBeforeStartSnapshotSet(t *testing.T) {
	ws := infos(vss.AppFrontEnd)
	s := newStepper(t, ws, []provider.Info{sysProvider})
	n := 0
	add := func() error { // a new component each time
		n++
		return s.call(Call{Kind: CallAddComponent, WriterID: ws[0].InstanceID, ClassID: ws[0].ClassID,
			Component: writer.ComponentKey{Name: "db" + string(rune('0'+n))}}).Err
	}
	require.NoError(t, s.call(Call{Kind: CallInitializeForBackup}).Err)
	require.NoError(t, s.call(Call{Kind: CallSetBackupState, BackupState: requestor.BackupState{SelectComponents: true}}).Err)
	assert.ErrorIs(t, add(), vss.ErrBadState, "before GatherWriterMetadata")
	require.NoError(t, s.call(Call{Kind: CallGatherWriterMetadata}).Err)
	require.NoError(t, add(), "after GatherWriterMetadata")
	require.NoError(t, add(), "a second component")
	require.NoError(t, s.call(Call{Kind: CallStartSnapshotSet}).Err)
	assert.ErrorIs(t, add(), vss.ErrBadState, "after StartSnapshotSet")
	require.NoError(t, s.call(Call{Kind: CallAddToSnapshotSet, Volume: `C:\`}).Err)
	require.NoError(t, s.call(Call{Kind: CallPrepareForBackup}).Err)
	assert.ErrorIs(t, add(), vss.ErrBadState, "after PrepareForBackup")
	require.NoError(t, s.call(Call{Kind: CallDoSnapshotSet}).Err)
	assert.ErrorIs(t, add(), vss.ErrBadState, "after DoSnapshotSet")
}
