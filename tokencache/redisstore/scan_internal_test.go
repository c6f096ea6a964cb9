package redisstore

import (
	"encoding/binary"
	"math/rand/v2"
	"strings"
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
				if got := special(binary.LittleEndian.Uint64(b[:])) != 0; got != isSpecial(byte(c)) {
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
		if got := special(binary.LittleEndian.Uint64(b[:])) != 0; got != naive(b[:]) {
			t.Fatalf("special(%q) = %v", b[:], got)
		}
	}
}

// TestScanString: scanString ends a string at its first quote and refuses
// one with a backslash, a control or a non-ASCII byte before it, wherever
// it stands in the sixteen-byte rounds and the bytes after them.
func TestScanString(t *testing.T) {
	naive := func(p string, i int) (string, int, bool) {
		for j := i + 1; j < len(p); j++ {
			switch c := p[j]; {
			case c == '"':
				return p[i+1 : j], j + 1, true
			case c < 0x20 || c >= 0x80 || c == '\\':
				return "", 0, false
			}
		}
		return "", 0, false
	}
	for n := range 50 {
		for k := range n {
			for _, c := range []byte{'"', '\\', 0x1f, 0x00, 0x7f, 0x80, 0xff, 'a', '}'} {
				b := []byte(`"` + strings.Repeat("x", n) + `",`)
				b[1+k] = c
				for _, p := range []string{string(b), string(b[:len(b)-2])} {
					v, j, ok := scanString(p, 0)
					wv, wj, wok := naive(p, 0)
					if v != wv || j != wj || ok != wok {
						t.Fatalf("scanString(%q) = %q, %d, %v; want %q, %d, %v", p, v, j, ok, wv, wj, wok)
					}
				}
			}
		}
	}
}
