package vsstest_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/simulate"
	"github.com/vsskit/vss/simulate/vsstest"
)

// The simulated providers pass the provider suite, with several seeds.
func TestProviderSuiteSoftware(t *testing.T) {
	vsstest.TestProvider(t, func(env vsstest.ProviderEnv) provider.Provider {
		return simulate.NewSystemProvider(env.Volumes)
	}, vsstest.ProviderTestOptions{Seeds: 3, StrictShould: true})
}

func TestProviderSuiteHardware(t *testing.T) {
	vsstest.TestProvider(t, func(env vsstest.ProviderEnv) provider.Provider {
		return simulate.NewHardwareProvider(env.Volumes, simulate.WithSupportedVolumes(`D:\`))
	}, vsstest.ProviderTestOptions{Seeds: 3, StrictShould: true})
}

// brokenProvider wraps the software provider and breaks one rule.
type brokenProvider struct {
	*simulate.SystemProvider
	env   vsstest.ProviderEnv
	kind  string
	calls int
}

func (b *brokenProvider) Info() provider.Info {
	info := b.SystemProvider.Info()
	if b.kind == "nil id" {
		info.ID = vss.NilID
	}
	return info
}

func (b *brokenProvider) IsVolumeSupported(ctx context.Context, v string, sc vss.SnapshotContext) (bool, error) {
	b.calls++
	if b.kind == "flaky support" && b.calls%2 == 0 {
		return false, nil
	}
	return b.SystemProvider.IsVolumeSupported(ctx, v, sc)
}

// BeginPrepareSnapshot, for "waits for abort", refuses a new set while
// one it began is unfinished: it waits for an AbortSnapshots VSS never
// sends for a set abandoned before DoSnapshotSet.
func (b *brokenProvider) BeginPrepareSnapshot(ctx context.Context, set, snap vss.ID, v string, sc vss.SnapshotContext) error {
	if b.kind == "waits for abort" {
		all, _ := b.SystemProvider.Query(ctx)
		for _, s := range all {
			if s.SetID != set && s.State == vss.SnapshotPreparing {
				return vss.Errorf(vss.ErrSnapshotSetInProgress, "BeginPrepareSnapshot", "set %v is still being prepared", s.SetID)
			}
		}
	}
	return b.SystemProvider.BeginPrepareSnapshot(ctx, set, snap, v, sc)
}

func (b *brokenProvider) CommitSnapshots(ctx context.Context, set vss.ID) error {
	if b.kind == "no order" {
		_ = b.SystemProvider.CommitSnapshots(ctx, set)
		return nil
	}
	return b.SystemProvider.CommitSnapshots(ctx, set)
}

func (b *brokenProvider) PostFinalCommitSnapshots(ctx context.Context, set vss.ID) error {
	if b.kind == "stops short" {
		return nil // never reaches VSS_SS_CREATED
	}
	return b.SystemProvider.PostFinalCommitSnapshots(ctx, set)
}

func (b *brokenProvider) AbortSnapshots(ctx context.Context, set vss.ID) error {
	if b.kind == "abort keeps" {
		return nil
	}
	return b.SystemProvider.AbortSnapshots(ctx, set)
}

func (b *brokenProvider) DeleteSnapshots(ctx context.Context, id vss.ID, kind provider.ObjectType) (int, error) {
	n, err := b.SystemProvider.DeleteSnapshots(ctx, id, kind)
	if b.kind == "delete miscounts" && err == nil {
		n++
	}
	return n, err
}

func (b *brokenProvider) SnapshotFS(ctx context.Context, id vss.ID) (fs.FS, error) {
	if b.kind == "live view" {
		if _, err := b.SystemProvider.SnapshotFS(ctx, id); err != nil {
			return nil, err
		}
		return b.env.C.FS(), nil // the live volume, not the shadow copy
	}
	return b.SystemProvider.SnapshotFS(ctx, id)
}

// TestProviderSuiteCatchesEveryRule breaks each provider rule and checks
// the suite reports it.
func TestProviderSuiteCatchesEveryRule(t *testing.T) {
	cases := []struct {
		rule, kind, want string
	}{
		{"Info/Identity", "nil id", "MUST Info/Identity at Info: the provider ID is nil"},
		{"IsVolumeSupported/Stable", "flaky support", `MUST IsVolumeSupported/Stable at IsVolumeSupported: asked about C:\ again (call 2), the provider answered false`},
		{"Commit/Sequence", "stops short", `MUST Commit/Sequence at GetSnapshotProperties: the shadow copy of C:\ is VSS_SS_PREFINALCOMMITTED after PostFinalCommitSnapshots, want VSS_SS_CREATED`},
		{"Commit/PointInTime", "live view", `MUST Commit/PointInTime at CommitSnapshots: the shadow copy of C:\ is not the volume at the commit instant: file data/f`},
		{"Commit/OutOfOrder", "no order", "SHOULD Commit/OutOfOrder at CommitSnapshots: CommitSnapshots straight after BeginPrepareSnapshot returned <nil>, want VSS_E_BAD_STATE"},
		{"Abort/Releases", "abort keeps", "MUST Abort/Releases at AbortSnapshots: after it, Query lists 2 shadow copies of the aborted set (<nil>) (after BeginPrepareSnapshot)"},
		{"Abort/Abandoned", "waits for abort", `MUST Abort/Abandoned at BeginPrepareSnapshot: BeginPrepareSnapshot of a new set on C:\, after a set abandoned before DoSnapshotSet, failed: `},
		{"Delete/Works", "delete miscounts", "MUST Delete/Works at DeleteSnapshots: deleting one shadow copy returned 2, <nil>; want 1, nil"},
		{"Backup/Succeeds", "slow commit", "MUST Backup/Succeeds: the backup failed: "},
	}
	var broken []string
	for _, c := range cases {
		broken = append(broken, c.rule)
	}
	assertEveryRuleBroken(t, vsstest.ProviderRules(), broken)
	for _, c := range cases {
		t.Run(c.rule, func(t *testing.T) {
			ft := &fakeT{name: "TestMyProvider"}
			vsstest.TestProvider(ft, func(env vsstest.ProviderEnv) provider.Provider {
				var opts []simulate.ProviderOption
				if c.kind == "slow commit" {
					opts = append(opts, simulate.WithCommitCost(20*time.Second))
				}
				return &brokenProvider{SystemProvider: simulate.NewSystemProvider(env.Volumes, opts...), env: env, kind: c.kind}
			}, vsstest.ProviderTestOptions{StrictShould: true})
			found := false
			for _, e := range ft.errors {
				found = found || strings.HasPrefix(e, c.want)
			}
			require.True(t, found, "no report starts with %q; got:\n%s", c.want, strings.Join(ft.errors, "\n"))
		})
	}
}

func TestCheckProvider(t *testing.T) {
	require.NoError(t, vsstest.CheckProvider(func(env vsstest.ProviderEnv) provider.Provider {
		return simulate.NewSystemProvider(env.Volumes)
	}, vsstest.ProviderTestOptions{}))
	err := vsstest.CheckProvider(func(env vsstest.ProviderEnv) provider.Provider {
		return &brokenProvider{SystemProvider: simulate.NewSystemProvider(env.Volumes), env: env, kind: "abort keeps"}
	}, vsstest.ProviderTestOptions{Skip: []string{"Backup"}})
	var ce *vsstest.CheckError
	require.True(t, errors.As(err, &ce), "%v", err)
	for _, b := range ce.Breaches {
		assert.Equal(t, "Abort/Releases", b.Rule.Name)
	}
}

// ExampleCheckProvider checks the simulated hardware provider, limited to
// D:\, against the provider rules outside go test.
func ExampleCheckProvider() {
	err := vsstest.CheckProvider(func(env vsstest.ProviderEnv) provider.Provider {
		return simulate.NewHardwareProvider(env.Volumes, simulate.WithSupportedVolumes(`D:\`))
	}, vsstest.ProviderTestOptions{Seeds: 2})
	fmt.Println("breaches:", err)
	// Output: breaches: <nil>
}

// TestCheckProviderErrorsUnwrap: a verdict of CheckProvider unwraps to
// its breaches and their causes, as CheckWriter's does; provider
// breaches list no writer events.
func TestCheckProviderErrorsUnwrap(t *testing.T) {
	broken := func(kind string, opts ...simulate.ProviderOption) func(env vsstest.ProviderEnv) provider.Provider {
		return func(env vsstest.ProviderEnv) provider.Provider {
			return &brokenProvider{SystemProvider: simulate.NewSystemProvider(env.Volumes, opts...), env: env, kind: kind}
		}
	}
	t.Run("Backup/Succeeds", func(t *testing.T) {
		// A commit longer than the flush-and-hold window fails the
		// backup with VSS_E_FLUSH_WRITES_TIMEOUT.
		err := vsstest.CheckProvider(broken("slow commit", simulate.WithCommitCost(20*time.Second)),
			vsstest.ProviderTestOptions{Skip: []string{"Info", "IsVolumeSupported", "Commit", "Abort", "Delete"}})
		assert.ErrorIs(t, err, vss.ErrFlushWritesTimeout)
		var b *vsstest.Breach
		require.ErrorAs(t, err, &b)
		assert.Equal(t, "Backup/Succeeds", b.Rule.Name)
		assert.ErrorIs(t, b, vss.ErrFlushWritesTimeout)
		var be *requestor.BackupError
		require.ErrorAs(t, b, &be, "the requestor's failed backup is behind the breach")
		assert.Equal(t, "DoSnapshotSet", be.Step)
		assert.Empty(t, b.Seen)
	})
	t.Run("Abort/Releases", func(t *testing.T) {
		err := vsstest.CheckProvider(broken("abort keeps"), vsstest.ProviderTestOptions{Skip: []string{"Backup"}})
		var b *vsstest.Breach
		require.ErrorAs(t, err, &b)
		assert.Equal(t, "Abort/Releases", b.Rule.Name)
		assert.Equal(t, "AbortSnapshots", b.At)
		// AbortSnapshots answered no error: the cause is the breach's
		// message, noted with the point of the sequence it was at.
		assert.Equal(t, b.What, errors.Unwrap(b).Error())
		assert.Contains(t, b.What, "(after BeginPrepareSnapshot)")
	})
}
