package simulate

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/coordinator"
	"github.com/vsskit/vss/internal/inline"
)

func spending(d time.Duration) func(ctx context.Context, o coordinator.Op) coordinator.Completion {
	return func(ctx context.Context, o coordinator.Op) coordinator.Completion {
		Spend(ctx, d)
		return coordinator.Completion{}
	}
}

// Each session on a loop gets its own answers: one that falls due while
// another session waits is kept for its own, and delivered first at its
// next Wait, unless its deadline came earlier. Both sessions may use the
// same tokens.
func TestLaneAnswersGoToTheirOwnSession(t *testing.T) {
	l := NewLoop(1)
	a, b := l.Lane(), l.Lane()
	assert.True(t, inline.Is(a))
	a.Go(coordinator.Op{Token: 1}, spending(time.Second))
	b.Go(coordinator.Op{Token: 1}, spending(3*time.Second))
	a.Go(coordinator.Op{Token: 2}, spending(2*time.Second))
	c, ok, err := b.Wait(context.Background(), time.Time{}, false)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, uint64(1), c.Token)
	assert.Equal(t, 3*time.Second, l.Elapsed(), "B's answer")

	// A's two answers came meanwhile, at 1 s and 2 s: a deadline at 1.5 s
	// delivers the first, then reports the deadline, passed.
	due := Epoch().Add(1500 * time.Millisecond)
	c, ok, err = a.Wait(context.Background(), due, true)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, uint64(1), c.Token)
	_, ok, err = a.Wait(context.Background(), due, true)
	require.NoError(t, err)
	assert.False(t, ok, "the deadline came before A's second answer")
	c, ok, err = a.Wait(context.Background(), time.Time{}, false)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, uint64(2), c.Token)
	assert.Equal(t, 3*time.Second, l.Elapsed(), "kept answers do not move the clock back")

	// Nothing more for B: stalled, though A still has work.
	a.Go(coordinator.Op{Token: 3}, spending(time.Second))
	a.Cancel(3)
	_, _, err = b.Wait(context.Background(), time.Time{}, false)
	assert.ErrorIs(t, err, ErrStalled)
	_, _, err = a.Wait(context.Background(), time.Time{}, false)
	assert.ErrorIs(t, err, ErrStalled, "A's cancelled work answers nobody")
}

// Work of one session may call another session that waits (a writer of
// requestor A calling requestor B): B's work runs within, on the same
// goroutine, and each piece of work is charged its own cost.
func TestLaneWorkMayWaitForAnotherLane(t *testing.T) {
	l := NewLoop(2)
	a, b := l.Lane(), l.Lane()
	a.Go(coordinator.Op{Token: 7}, func(ctx context.Context, o coordinator.Op) coordinator.Completion {
		Spend(ctx, time.Second)
		b.Go(coordinator.Op{Token: 7}, spending(5*time.Second))
		c, ok, err := b.Wait(context.Background(), time.Time{}, false)
		if err != nil || !ok || c.Token != 7 {
			t.Errorf("B's nested wait: %v %v %v", c.Token, ok, err)
		}
		Spend(ctx, 2*time.Second)
		return coordinator.Completion{}
	})
	c, ok, err := a.Wait(context.Background(), time.Time{}, false)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, uint64(7), c.Token)
	assert.Equal(t, 8*time.Second, l.Elapsed(), "A's 3 s after B's 5 s: B's wait did not reset A's cost")
}

// Closing a lane drops its work only; later work on it fails at once.
func TestLaneCloseDropsItsOwnWorkOnly(t *testing.T) {
	l := NewLoop(3)
	a, b := l.Lane(), l.Lane()
	a.Go(coordinator.Op{Token: 1}, spending(time.Second))
	b.Go(coordinator.Op{Token: 1}, spending(2*time.Second))
	ranCallback := false
	l.After(500*time.Millisecond, func() { ranCallback = true })
	a.Close()
	c, ok, err := b.Wait(context.Background(), time.Time{}, false)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, uint64(1), c.Token)
	assert.True(t, ranCallback)

	a.Go(coordinator.Op{Token: 2}, spending(time.Second))
	c, _, err = a.Wait(context.Background(), time.Time{}, false)
	require.NoError(t, err)
	assert.ErrorIs(t, c.Err, vss.ErrBadState)
}
