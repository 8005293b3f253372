package coordinator

// ReintroduceDoubleClose puts back the bug where two Close calls at once
// both ran Close (the second one cancelling the first one's clean-up and
// closing the runtime under it); the returned func removes it again.
func ReintroduceDoubleClose() (undo func()) {
	reintroduced.doubleClose = true
	return func() { reintroduced.doubleClose = false }
}

// ReintroduceIgnoredLateHold puts back the bug where a hold of writes
// answered after DoSnapshotSet was cancelled was ignored, and never
// released; the returned func removes it again.
func ReintroduceIgnoredLateHold() (undo func()) {
	reintroduced.lateHold = true
	return func() { reintroduced.lateHold = false }
}
