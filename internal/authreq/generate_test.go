package authreq

import (
	"crypto/sha256"
	"encoding/base64"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestStateAndNonceAreFreshAndURLSafe(t *testing.T) {
	seen := map[string]bool{}
	urlSafe := regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)
	for range 1000 {
		for _, v := range []string{State(), Nonce()} {
			assert.Regexp(t, urlSafe, v)
			assert.False(t, seen[v], "repeated value")
			seen[v] = true
		}
	}
}

func TestDefaultPKCEIsS256(t *testing.T) {
	v, c := DefaultPKCE.Verifier()
	assert.Regexp(t, `^[A-Za-z0-9_-]{43}$`, v)
	sum := sha256.Sum256([]byte(v))
	assert.Equal(t, base64.RawURLEncoding.EncodeToString(sum[:]), c)
}

func TestAlphanumericPlainPKCE(t *testing.T) {
	p := PKCE{Method: Plain, Alphabet: Alphanumeric, Length: 64}
	counts := map[rune]int{}
	for range 2000 {
		v, c := p.Verifier()
		assert.Equal(t, v, c, "plain: the challenge is the verifier")
		assert.Regexp(t, `^[A-Za-z0-9]{64}$`, v)
		for _, r := range v {
			counts[r]++
		}
	}
	// 128,000 draws over 62 characters: each is expected ~2065 times. A
	// biased draw (modulo without rejection) would push the first 8 characters
	// to ~2580.
	assert.Len(t, counts, 62)
	for r, n := range counts {
		assert.InDelta(t, 2065, n, 300, "character %q", r)
	}
}
