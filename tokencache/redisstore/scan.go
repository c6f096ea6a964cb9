package redisstore

import (
	"encoding/binary"
	"strconv"
	"strings"
)

// scanWire decodes p, a stored token's JSON, if it is in the shape encode's
// json.Marshal of a [wireToken] writes: no space, the fields in declaration
// order ("a", then any of "t", "r", "e", "x", "i", "k"), each once, strings
// of printable ASCII without a quote or backslash (so without an escape),
// ExpiresIn an integer. It reports false for anything else, which
// encoding/json then decodes (or refuses): a value it accepts decodes to
// what encoding/json makes of it (FuzzScanWire holds it to that), and it
// reads p once, copying nothing but the expiry (on the stack).
//
// It exists because encoding/json's reflection was most of what the L2 hit
// spent decoding (issue 24); a token's strings are the substrings of p.
func scanWire(p string) (w wireToken, ok bool) {
	const order = "atrexik" // wireToken's JSON names, in declaration order
	if len(p) < 2 || p[0] != '{' || p[len(p)-1] != '}' {
		return wireToken{}, false
	}
	end := len(p) - 1 // the closing brace
	next := 0         // order[next:] may still come
	for i := 1; i < end; {
		if i > 1 {
			if p[i] != ',' {
				return wireToken{}, false
			}
			i++
		}
		// A name: one of order's letters, after the last one seen.
		if i+4 > end || p[i] != '"' || p[i+2] != '"' || p[i+3] != ':' {
			return wireToken{}, false
		}
		k := strings.IndexByte(order[next:], p[i+1])
		if k < 0 {
			return wireToken{}, false
		}
		name := order[next+k]
		next += k + 1
		i += 4
		if name == 'x' {
			n, j, ok := scanInt(p[:end], i)
			if !ok {
				return wireToken{}, false
			}
			w.ExpiresIn, i = n, j
			continue
		}
		v, j, ok := scanString(p[:end], i)
		if !ok {
			return wireToken{}, false
		}
		switch name {
		case 'a':
			w.AccessToken = v
		case 't':
			w.TokenType = v
		case 'r':
			w.RefreshToken = v
		case 'e':
			// time.Time's own UnmarshalJSON, given the quoted string as
			// encoding/json gives it, on a copy on the stack.
			var b [64]byte
			if j-i > len(b) || w.Expiry.UnmarshalJSON(b[:copy(b[:], p[i:j])]) != nil {
				return wireToken{}, false
			}
		case 'i':
			w.IDToken = v
		case 'k':
			w.DPoPJKT = v
		}
		i = j
	}
	return w, true
}

// scanString scans the string literal at p[i:]: its content and the index
// after its closing quote. Only printable ASCII other than a quote and a
// backslash may stand in it: no escapes, no control or non-ASCII bytes.
// It reads sixteen bytes at a time while none of them is special (an
// access token is most of a stored token, often a KiB or two), then byte
// by byte.
func scanString(p string, i int) (v string, j int, ok bool) {
	if i >= len(p) || p[i] != '"' {
		return "", 0, false
	}
	b := readOnlyBytes(p)
	for j = i + 1; j+16 <= len(b); j += 16 {
		w := b[j : j+16]
		if special(binary.LittleEndian.Uint64(w[:8]))|special(binary.LittleEndian.Uint64(w[8:])) != 0 {
			break
		}
	}
	for ; j < len(p); j++ {
		switch c := p[j]; {
		case c == '"':
			return p[i+1 : j], j + 1, true
		case c < 0x20 || c >= 0x80 || c == '\\':
			return "", 0, false
		}
	}
	return "", 0, false
}

// special is non-zero if and only if any of the eight bytes in x is a
// quote, a backslash, a control byte (< 0x20) or not ASCII (>= 0x80). Once
// no byte has its high bit set, (y - n*ones) &^ y has the high bit of some
// byte set if and only if a byte of y is below n (a borrow crosses into the
// next byte only from a byte that was below n).
func special(x uint64) uint64 {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	q, bs := x^'"'*ones, x^'\\'*ones
	return (x | (x-0x20*ones)&^x | (q-ones)&^q | (bs-ones)&^bs) & highs
}

// scanInt scans the JSON integer at p[i:] (-?(0|[1-9][0-9]*), no fraction
// or exponent) that fits an int64: its value and the index after it.
func scanInt(p string, i int) (n int64, j int, ok bool) {
	j = i
	if j < len(p) && p[j] == '-' {
		j++
	}
	digits := j
	for j < len(p) && '0' <= p[j] && p[j] <= '9' {
		j++
	}
	switch {
	case j == digits, p[digits] == '0' && j > digits+1: // none, or a leading zero
		return 0, 0, false
	case j < len(p) && p[j] != ',': // a fraction, an exponent, or garbage
		return 0, 0, false
	}
	n, err := strconv.ParseInt(p[i:j], 10, 64)
	if err != nil {
		return 0, 0, false
	}
	return n, j, true
}
