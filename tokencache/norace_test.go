//go:build !race

package tokencache_test

const raceEnabled = false
