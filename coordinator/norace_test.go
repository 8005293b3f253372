//go:build !race

package coordinator_test

// raceEnabled is false without the race detector: the loops run their
// full count.
const raceEnabled = false
