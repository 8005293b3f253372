package vsstest

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/writer"
)

// stuckWriter's Freeze blocks forever on a channel, ignoring its context.
type stuckWriter struct{ never chan struct{} }

func (w *stuckWriter) Info() writer.Info {
	return writer.Info{ClassID: vss.MustParseID("{5b1c0f7e-8a44-4d7e-9a0b-2f6c3d1e9a10}"), Name: "Stuck Writer"}
}
func (w *stuckWriter) OnPrepareSnapshot(context.Context, *writer.Event) error { return nil }
func (w *stuckWriter) OnFreeze(context.Context, *writer.Event) error {
	<-w.never
	return nil
}
func (w *stuckWriter) OnThaw(context.Context, *writer.Event) error  { return nil }
func (w *stuckWriter) OnAbort(context.Context, *writer.Event) error { return nil }

// TestWriterSuiteBlockedForever: a handler that never returns leaves
// goroutines blocked when the rule's bubble ends; synctest's deadlock
// panic becomes a breach of the rule, not a crash of the test binary.
func TestWriterSuiteBlockedForever(t *testing.T) {
	s := newWriterSuite("TestStuck", func(WriterEnv) writer.Writer { return &stuckWriter{never: make(chan struct{})} }, WriterTestOptions{})
	var rule suiteRule
	for _, r := range s.rules() {
		if r.rule.Name == "Backup/FreezeWithinTimeout" {
			rule = r
		}
	}
	require.NotNil(t, rule.run)
	got, skip := s.runInBubble(t, rule, 1)
	assert.Empty(t, skip)
	var msgs []string
	for _, b := range got {
		msgs = append(msgs, b.String())
	}
	all := strings.Join(msgs, "\n")
	assert.Contains(t, all, "MUST Backup/FreezeWithinTimeout at Freeze: VSS failed the writer with VSS_E_WRITERERROR_TIMEOUT")
	assert.Contains(t, all, "MUST Backup/FreezeWithinTimeout: goroutines were left blocked forever when the rule ended (synctest: deadlock")
}
