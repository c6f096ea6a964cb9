package seal

import (
	"encoding/base64"
	"encoding/binary"
)

// encoding is the sealed values' encoding: base64url without padding,
// strict, so that there is one encoding per value and no character can
// change unnoticed.
var encoding = base64.RawURLEncoding.Strict()

// quads maps a character to its 6 bits at each of the four places of a
// group of four characters (the first the highest), or, for a character
// outside the alphabet, to a value with bits above the 24 a group fills.
var quads = func() (q [4][256]uint32) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for p := range q {
		for c := range q[p] {
			q[p][c] = 1 << 24
		}
		for v, c := range []byte(alphabet) {
			q[p][c] = uint32(v) << (18 - 6*p)
		}
	}
	return q
}()

// decode decodes src into dst, which has room for
// encoding.DecodedLen(len(src)) bytes, as encoding.Decode does: the same
// bytes, and an error for the same values. Whole groups of four characters
// it decodes by table, four lookups a group; the last one to three
// characters, and a value with any character outside the alphabet (which
// encoding/base64 skips if it is a newline), encoding/base64 decodes.
// encoding/base64's own loop was half of opening a sealed token (issue 24).
func decode(dst []byte, src string) (int, error) {
	n, i := 0, 0
	for ; len(src)-i >= 8 && len(dst)-n >= 8; i, n = i+8, n+6 {
		s := src[i : i+8]
		v := quads[0][s[0]] | quads[1][s[1]] | quads[2][s[2]] | quads[3][s[3]]
		w := quads[0][s[4]] | quads[1][s[5]] | quads[2][s[6]] | quads[3][s[7]]
		if (v|w)>>24 != 0 {
			return encoding.Decode(dst, []byte(src))
		}
		binary.BigEndian.PutUint64(dst[n:], uint64(v)<<40|uint64(w)<<16) // 6 bytes and 2 the next groups overwrite
	}
	for ; len(src)-i >= 4 && len(dst)-n >= 3; i, n = i+4, n+3 {
		s, d := src[i:i+4], dst[n:n+3]
		v := quads[0][s[0]] | quads[1][s[1]] | quads[2][s[2]] | quads[3][s[3]]
		if v>>24 != 0 {
			return encoding.Decode(dst, []byte(src))
		}
		d[0], d[1], d[2] = byte(v>>16), byte(v>>8), byte(v)
	}
	if i < len(src) {
		m, err := encoding.Decode(dst[n:], []byte(src[i:]))
		if err != nil {
			return encoding.Decode(dst, []byte(src)) // the error for the whole value
		}
		n += m
	}
	return n, nil
}
