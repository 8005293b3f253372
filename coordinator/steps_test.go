package coordinator

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every step a record can carry is described, numbered as records number
// them, and nothing else is.
func TestStepsDescribeEveryRecordStep(t *testing.T) {
	all := Steps()
	require.Len(t, all, 11)
	for i, s := range all {
		assert.Equal(t, i+1, s.Number)
		assert.NotEmpty(t, s.Title)
		assert.NotEmpty(t, s.Text)
		got, ok := StepOf(s.Number)
		assert.True(t, ok)
		assert.Equal(t, s, got)
	}
	for _, n := range []int{0, 12, -1} {
		_, ok := StepOf(n)
		assert.False(t, ok, "step %d", n)
	}
	all[0].Title = "changed"
	assert.NotEqual(t, "changed", Steps()[0].Title, "Steps returns a copy")
}
