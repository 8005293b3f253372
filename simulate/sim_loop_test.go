package simulate

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/coordinator"
	"github.com/vsskit/vss/internal/inline"
)

// The loop runs work only within Wait, on the goroutine that waits, and
// says so to the coordinator, which then keeps no list of the Ops running
// for Close; the goroutine runtime does not, and a runtime that wraps the
// loop does not either.
func TestLoopRunsWorkWithinWait(t *testing.T) {
	l := NewLoop(1)
	ran := false
	l.Go(coordinator.Op{Token: 1}, func(context.Context, coordinator.Op) coordinator.Completion {
		ran = true // on this goroutine: no race
		return coordinator.Completion{}
	})
	assert.False(t, ran, "Go only queues")
	_, ok, err := l.Wait(context.Background(), time.Time{}, false)
	require.NoError(t, err)
	assert.True(t, ok)
	assert.True(t, ran)
	assert.True(t, inline.Is(l))
	rt := coordinator.NewGoroutineRuntime(nil)
	defer rt.Close()
	assert.False(t, inline.Is(rt))
	assert.False(t, inline.Is(struct{ coordinator.Runtime }{l}))
}

func TestLoopRunsCallbacksAndAnswersInTimeOrder(t *testing.T) {
	l := NewLoop(7)
	var got []string
	l.After(3*time.Second, func() { got = append(got, "cb@3s") })
	l.After(1*time.Second, func() { got = append(got, "cb@1s") })
	l.Go(coordinator.Op{Token: 1}, func(ctx context.Context, o coordinator.Op) coordinator.Completion {
		Spend(ctx, 2*time.Second)
		return coordinator.Completion{}
	})
	c, ok, err := l.Wait(nil, time.Time{}, false)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, uint64(1), c.Token)
	assert.Equal(t, 2*time.Second, l.Elapsed())
	assert.Equal(t, []string{"cb@1s"}, got)

	// Nothing to answer and no deadline: stalled, even with a callback due.
	_, _, err = l.Wait(nil, time.Time{}, false)
	assert.ErrorIs(t, err, ErrStalled)

	// A deadline lets time pass, running the callback on the way.
	_, ok, err = l.Wait(nil, epoch.Add(5*time.Second), true)
	require.NoError(t, err)
	assert.False(t, ok)
	assert.Equal(t, 5*time.Second, l.Elapsed())
	assert.Equal(t, []string{"cb@1s", "cb@3s"}, got)
}

func TestLoopDropsCancelledAnswersAndHangs(t *testing.T) {
	l := NewLoop(1)
	l.Go(coordinator.Op{Token: 1}, func(ctx context.Context, o coordinator.Op) coordinator.Completion {
		Hang(ctx)
		return coordinator.Completion{}
	})
	l.Go(coordinator.Op{Token: 2}, func(ctx context.Context, o coordinator.Op) coordinator.Completion {
		Spend(ctx, time.Second)
		return coordinator.Completion{}
	})
	l.runQueued()
	l.Cancel(2)
	_, ok, err := l.Wait(nil, epoch.Add(10*time.Second), true)
	require.NoError(t, err)
	assert.False(t, ok, "the hung op never answers and the cancelled one is dropped")
	assert.Equal(t, 10*time.Second, l.Elapsed())
}

func TestLoopCancelledContextEndsTheWait(t *testing.T) {
	l := NewLoop(1)
	ctx, cancel := context.WithCancel(context.Background())
	l.After(time.Second, cancel)
	l.Go(coordinator.Op{Token: 1}, func(ctx context.Context, o coordinator.Op) coordinator.Completion {
		Spend(ctx, time.Minute)
		return coordinator.Completion{}
	})
	_, _, err := l.Wait(ctx, time.Time{}, false)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, time.Second, l.Elapsed())
}

// A scripted writer's IDs derive from its name alone, whichever names
// were derived before: the cache of the last ones only spares the work.
func TestScriptedWriterIDsDeriveFromTheName(t *testing.T) {
	want := func(name string) (vss.ID, vss.ID) { return nameID("class:" + name), nameID("instance:" + name) }
	for round := range 3 {
		for i := range 100 {
			name := fmt.Sprintf("W%d", i*(round+1)%37)
			info := NewScriptedWriter(name).Info()
			class, instance := want(name)
			assert.Equal(t, class, info.ClassID, name)
			assert.Equal(t, instance, info.InstanceID, name)
		}
	}
	a, b := NewScriptedWriter("Front").Info(), NewScriptedWriter("Back").Info()
	assert.NotEqual(t, a.ClassID, b.ClassID)
	assert.NotEqual(t, a.ClassID, a.InstanceID)
}
