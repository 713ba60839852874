//go:build race

package feed_test

// raceEnabled: the race detector slows rendering several times over, so
// timing budgets are reported, not enforced.
const raceEnabled = true
