//go:build !race

package oauthwire

const raceEnabled = false
