//go:build race

package explore

// raceSeeds bounds the sweep under the race detector, which makes each
// run about ten times slower; the parallel sweep still runs seeds on
// every CPU, so the detector sees runs side by side.
const raceSeeds = 2000
