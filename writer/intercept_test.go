package writer_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/writer"
)

// full implements every optional handler and records what it was sent.
type full struct{ minimal }

func (f *full) OnIdentify(ctx context.Context, md *writer.Metadata) error {
	f.got = append(f.got, writer.EventIdentify)
	return nil
}
func (f *full) OnPrepareBackup(ctx context.Context, e *writer.Event) error  { return f.note(e) }
func (f *full) OnPostSnapshot(ctx context.Context, e *writer.Event) error   { return f.note(e) }
func (f *full) OnBackupComplete(ctx context.Context, e *writer.Event) error { return f.note(e) }
func (f *full) OnBackupShutdown(ctx context.Context, e *writer.Event) error { return f.note(e) }
func (f *full) OnPreRestore(ctx context.Context, e *writer.Event) error     { return f.note(e) }
func (f *full) OnPostRestore(ctx context.Context, e *writer.Event) error    { return f.note(e) }
func (f *full) note(e *writer.Event) error                                  { f.got = append(f.got, e.Kind); return nil }

// An intercepted writer has exactly the handlers of the writer it wraps,
// even through several layers: nothing hidden, nothing invented.
func TestInterceptKeepsExactlyTheWrappedHandlers(t *testing.T) {
	pass := func(ctx context.Context, e *writer.Event, next func(context.Context, *writer.Event) error) error {
		return next(ctx, e)
	}
	for _, inner := range []interface {
		writer.Writer
		events() []writer.EventKind
	}{&minimal{}, &full{}} {
		wrapped := writer.Intercept(writer.Intercept(inner, pass), pass)
		for _, k := range writer.Events() {
			assert.Equal(t, writer.Handles(inner, k), writer.Handles(wrapped, k), "%T %v", inner, k)
		}
		ctx := context.Background()
		_, err := writer.Identify(ctx, wrapped)
		require.NoError(t, err)
		for _, k := range writer.Events()[1:] {
			require.NoError(t, writer.Deliver(ctx, wrapped, &writer.Event{Kind: k}))
		}
		var want []writer.EventKind
		for _, k := range writer.Events() {
			if writer.Handles(inner, k) {
				want = append(want, k)
			}
		}
		assert.Equal(t, want, inner.events(), "%T", inner)
	}
}

// The interceptor sees every event, Identify with its document, and may
// fail one without the writer seeing it.
func TestInterceptSeesEveryEvent(t *testing.T) {
	inner := &minimal{}
	var seen []writer.EventKind
	w := writer.Intercept(inner, func(ctx context.Context, e *writer.Event, next func(context.Context, *writer.Event) error) error {
		seen = append(seen, e.Kind)
		if e.Kind == writer.EventIdentify {
			assert.NotNil(t, e.Metadata)
		}
		if e.Kind == writer.EventFreeze {
			return vss.ErrWriterRetryable
		}
		return next(ctx, e)
	})
	ctx := context.Background()
	_, err := writer.Identify(ctx, w)
	require.NoError(t, err)
	for _, k := range writer.Events()[1:] {
		err := writer.Deliver(ctx, w, &writer.Event{Kind: k})
		if k == writer.EventFreeze {
			assert.True(t, errors.Is(err, vss.ErrWriterRetryable))
		}
	}
	assert.Equal(t, writer.Events(), seen)
	assert.NotContains(t, inner.got, writer.EventFreeze)
	assert.Equal(t, "minimal", w.Info().Name)
}
