package redisstore

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"
)

// TestSpecial: special finds a quote, a backslash, a control or a non-ASCII
// byte at any of the eight places, beside any other bytes, and nothing else.
func TestSpecial(t *testing.T) {
	isSpecial := func(c byte) bool { return c < 0x20 || c >= 0x80 || c == '"' || c == '\\' }
	naive := func(b []byte) bool {
		for _, c := range b {
			if isSpecial(c) {
				return true
			}
		}
		return false
	}
	var b [8]byte
	for _, fill := range []byte{' ', '!', '#', '[', ']', '~', 'a'} {
		for at := range b {
			for c := range 256 {
				for k := range b {
					b[k] = fill
				}
				b[at] = byte(c)
				if got := special(binary.LittleEndian.Uint64(b[:])); got != isSpecial(byte(c)) {
					t.Fatalf("special(%q) = %v", b[:], got)
				}
			}
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 1_000_000 {
		for k := range b {
			b[k] = byte(r.IntN(256))
			if r.IntN(4) > 0 {
				b[k] = byte(0x20 + r.IntN(0x60)) // mostly printable
			}
		}
		if got := special(binary.LittleEndian.Uint64(b[:])); got != naive(b[:]) {
			t.Fatalf("special(%q) = %v", b[:], got)
		}
	}
}
