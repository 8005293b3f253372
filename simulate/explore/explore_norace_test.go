//go:build !race

package simulate

// raceSeeds is 0 without the race detector: the sweep runs its full count.
const raceSeeds = 0
