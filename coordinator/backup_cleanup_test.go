package coordinator_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/writer"
)

// Once the requestor's context has expired, the clean-up of the failed
// backup still runs, on contexts of its own, and is bounded too: a
// provider stuck in DeleteSnapshots holds Backup for CleanupTimeout, not
// forever, and the failed clean-up is reported with the backup's error.
func TestBackupCleanUpAfterTheContextExpiredIsBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sp := &stuckProvider{stuck: map[provider.Method]int{provider.MethodEndPrepareSnapshots: 1, provider.MethodDeleteSnapshots: 1}}
		s, vols, sys, w := boundedWorld(t, sp, nil)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		start := time.Now()
		_, err := requestor.Backup(ctx, s, requestor.Plan{Volumes: []string{`C:\`}})
		assert.Equal(t, 30*time.Second+requestor.CleanupTimeout, time.Since(start))
		var be *requestor.BackupError
		require.ErrorAs(t, err, &be)
		assert.Equal(t, "DoSnapshotSet", be.Step)
		assert.ErrorIs(t, err, vss.AsyncCancelled)
		assert.Contains(t, err.Error(), "clean-up after the failed backup: DeleteSnapshots")
		assert.Equal(t, 1, w.Count(writer.EventAbort), "AbortBackup ran although ctx had expired")
		require.NoError(t, s.Close())
		assertNothingLeft(t, vols, sys, w)
	})
}
