//go:build race

package oauthwire

const raceEnabled = true
