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

// minimal implements only the four required handlers.
type minimal struct{ got []writer.EventKind }

func (m *minimal) events() []writer.EventKind { return m.got }

func (m *minimal) Info() writer.Info { return writer.Info{Name: "minimal"} }
func (m *minimal) OnPrepareSnapshot(context.Context, *writer.Event) error {
	m.got = append(m.got, writer.EventPrepareSnapshot)
	return nil
}
func (m *minimal) OnFreeze(context.Context, *writer.Event) error {
	m.got = append(m.got, writer.EventFreeze)
	return nil
}
func (m *minimal) OnThaw(context.Context, *writer.Event) error {
	m.got = append(m.got, writer.EventThaw)
	return nil
}
func (m *minimal) OnAbort(context.Context, *writer.Event) error {
	m.got = append(m.got, writer.EventAbort)
	return nil
}

func TestDeliverUsesDefaultsForOptionalHandlers(t *testing.T) {
	w := &minimal{}
	ctx := context.Background()
	for _, k := range writer.Events() {
		if k == writer.EventIdentify {
			continue
		}
		assert.NoError(t, writer.Deliver(ctx, w, &writer.Event{Kind: k}), k.String())
	}
	assert.Equal(t, []writer.EventKind{writer.EventPrepareSnapshot, writer.EventFreeze, writer.EventThaw, writer.EventAbort}, w.got)
	md, err := writer.Identify(ctx, w)
	require.NoError(t, err)
	assert.Equal(t, "minimal", md.Name)
	assert.Error(t, writer.Deliver(ctx, w, &writer.Event{Kind: writer.EventIdentify}), "Identify without the document fails")
}

type panicky struct{ minimal }

func (p *panicky) OnFreeze(context.Context, *writer.Event) error { panic("frozen solid") }

func TestDeliverContainsPanics(t *testing.T) {
	err := writer.Deliver(context.Background(), &panicky{}, &writer.Event{Kind: writer.EventFreeze})
	var pe *writer.PanicError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "frozen solid", pe.Value)
	assert.NotEmpty(t, pe.Stack)
	assert.ErrorIs(t, err, vss.ErrWriterNonRetryable)
	assert.Equal(t, vss.ErrWriterNonRetryable, vss.WriterFailure(err))
}

func TestFailedStates(t *testing.T) {
	want := map[writer.EventKind]vss.WriterState{
		writer.EventIdentify: vss.WriterFailedAtIdentify, writer.EventPrepareBackup: vss.WriterFailedAtPrepareBackup,
		writer.EventPrepareSnapshot: vss.WriterFailedAtPrepareSnapshot, writer.EventFreeze: vss.WriterFailedAtFreeze,
		writer.EventThaw: vss.WriterFailedAtThaw, writer.EventPostSnapshot: vss.WriterFailedAtPostSnapshot,
		writer.EventBackupComplete: vss.WriterFailedAtBackupComplete, writer.EventBackupShutdown: vss.WriterFailedAtBackupShutdown,
		writer.EventPreRestore: vss.WriterFailedAtPreRestore, writer.EventPostRestore: vss.WriterFailedAtPostRestore,
		writer.EventAbort: vss.WriterStateUnknown,
	}
	for k, s := range want {
		assert.Equal(t, s, k.FailedState(), k.String())
	}
}

func TestEventCloneSharesNothing(t *testing.T) {
	e := &writer.Event{Kind: writer.EventPostSnapshot, Volumes: []string{`C:\`},
		Components: []*writer.Component{{Name: "db"}}, SnapshotDevices: map[string]string{`C:\`: "dev1"}}
	c := e.Clone()
	c.Volumes[0] = "X"
	c.Components[0].BackupStamp = "stamp"
	c.SnapshotDevices[`C:\`] = "other"
	assert.Equal(t, `C:\`, e.Volumes[0])
	assert.Empty(t, e.Components[0].BackupStamp)
	assert.Equal(t, "dev1", e.SnapshotDevices[`C:\`])
}

func TestInfoDefaults(t *testing.T) {
	assert.Equal(t, writer.DefaultFreezeTimeout, writer.Info{}.EffectiveFreezeTimeout())
	assert.Equal(t, vss.AppFrontEnd, writer.Info{Level: vss.AppAuto}.EffectiveLevel())
	assert.Equal(t, vss.AppSystem, writer.Info{Level: vss.AppSystem}.EffectiveLevel())
	assert.Equal(t, `a\b\c`, writer.ComponentKey{LogicalPath: `a\b`, Name: "c"}.String())
	assert.True(t, errors.Is(&writer.PanicError{}, vss.ErrWriterNonRetryable))
}
