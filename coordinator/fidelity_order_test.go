package coordinator

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/provider"
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
