package coordinator

// reintroduced puts back, for this package's tests only, two bugs of the
// goroutine runtime that are fixed, so that the tests can show that the
// stress harness finds them. The tests set it (export_test.go) while no
// session runs; the library never does.
var reintroduced struct {
	// doubleClose: a second Close runs Close again, alongside the first,
	// instead of waiting for it and returning its result.
	doubleClose bool
	// lateHold: an aborted DoSnapshotSet stops awaiting a hold of writes
	// in flight, so a hold that takes effect after a cancellation is never
	// released.
	lateHold bool
}
