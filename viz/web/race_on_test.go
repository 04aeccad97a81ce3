//go:build race

package web

// raceDetector: the race detector slows the simulated network several
// times over, so load tests send less.
const raceDetector = true
