package vsstest_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine they started is
// still running when they end.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// TestWriterSuiteBlockedForever leaves these blocked for good, on
		// purpose: a writer whose Freeze never returns, the rule's session
		// close waiting for it and the synctest bubble they were in.
		goleak.IgnoreAnyFunction("github.com/vsskit/vss/simulate/vsstest.(*stuckWriter).OnFreeze"),
		goleak.IgnoreAnyFunction("github.com/vsskit/vss/simulate/vsstest.ruleFreezeWithinTimeout"),
		goleak.IgnoreTopFunction("testing/synctest.testingSynctestTest"))
}
