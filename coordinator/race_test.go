//go:build race

package coordinator_test

// raceEnabled scales the concurrency loops down under the race detector,
// which makes each run several times slower.
const raceEnabled = true
