//go:build !race

package explore

// raceSeeds is 0 without the race detector: the sweep runs its full count.
const raceSeeds = 0
