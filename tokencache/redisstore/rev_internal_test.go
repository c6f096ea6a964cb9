package redisstore

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit/internal/redistest"
)

// revisionValues are values of every shape a token's entry may hold, named;
// s seals.
func revisionValues(t *testing.T, s *Store) map[string]string {
	t.Helper()
	small, err := s.encode("k", &oauth2.Token{AccessToken: "at", RefreshToken: "rt", Expiry: time.Now().Add(time.Hour)})
	require.NoError(t, err)
	big, err := s.encode("k", &oauth2.Token{AccessToken: strings.Repeat("eyJ0eXAiOiJKV1QifQ", 100), Expiry: time.Now().Add(time.Hour)})
	require.NoError(t, err)
	binary := make([]byte, 60)
	for i := range binary {
		binary[i] = byte(i * 37)
	}
	return map[string]string{
		"sealed":                 small,
		"sealed, 2 KiB":          big,
		"sealed, resealed":       must(s.encode("k", &oauth2.Token{AccessToken: "at", RefreshToken: "rt", Expiry: time.Now().Add(time.Hour)})),
		"sealed tag, 49 bytes":   tagSealed + strings.Repeat("A", 44),
		"sealed tag, 50 bytes":   tagSealed + strings.Repeat("A", 45),
		"sealed tag, binary":     tagSealed + string(binary),
		"plaintext":              `ot1p.{"a":"at"}`,
		"empty":                  "",
		"other, 100 bytes":       strings.Repeat("x", 100),
		"other, binary":          string(binary),
		"sealed tag, 2 KiB junk": tagSealed + strings.Repeat("-", 2048),
	}
}

func must(v string, err error) string {
	if err != nil {
		panic(err)
	}
	return v
}

// TestRevisionAgreesWithScript: for a value of any shape, the revision Get
// returns is the one casScript computes: a write with it replaces the value,
// a write with another value's revision does not.
func TestRevisionAgreesWithScript(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	s, err := New(Config{Client: rdb, Keys: [][]byte{goldenKey()}, Prefix: redistest.Prefix()})
	require.NoError(t, err)
	ctx := context.Background()
	name := s.name("k", 't')
	values := revisionValues(t, s)
	revs := map[string]string{}
	for what, v := range values {
		require.NoError(t, rdb.Set(ctx, name, v, time.Hour).Err())
		st, _ := s.Get(ctx, "k") // most are unreadable: only the revision counts
		require.NotEmpty(t, st.Rev, what)
		revs[what] = st.Rev
	}
	for what, v := range values {
		for other, rev := range revs {
			if other == what {
				continue
			}
			require.NoError(t, rdb.Set(ctx, name, v, time.Hour).Err())
			ok, err := s.CompareAndSwap(ctx, "k", rev, &oauth2.Token{AccessToken: "new"}, time.Hour)
			require.NoError(t, err)
			assert.False(t, ok, "%s is not replaced with the revision of %s", what, other)
		}
		ok, err := s.CompareAndSwap(ctx, "k", revs[what], &oauth2.Token{AccessToken: "new"}, time.Hour)
		require.NoError(t, err)
		assert.True(t, ok, "%s is replaced with its own revision", what)
	}
}

// TestRevisionReadsHeadAndTail: the revision of a sealed value is read from
// its length, its first characters (version, key id, nonce) and its last
// (the GCM tag), never by hashing all of it (issue 24: that was more than
// the rest of the opening); every other value's is its SHA-1.
func TestRevisionReadsHeadAndTail(t *testing.T) {
	sealer, err := New(Config{Client: redistest.Client(t, "127.0.0.1:1"), Keys: [][]byte{goldenKey()}})
	require.NoError(t, err)
	rev := func(v string) string { return string(appendRev(nil, v)) }
	for what, v := range revisionValues(t, sealer) {
		t.Run(what, func(t *testing.T) {
			if len(v) < 50 || !strings.HasPrefix(v, tagSealed) {
				sum := sha1.Sum([]byte(v))
				assert.True(t, hex.EncodeToString(sum[:]) == rev(v), "SHA-1, as redis.sha1hex")
				return
			}
			at := func(i int, c byte) string { b := []byte(v); b[i] ^= c; return string(b) }
			if len(v) > 50 {
				assert.True(t, rev(v) == rev(at(len(v)/2, 1)), "a character in the middle is not read")
			}
			assert.False(t, rev(v) == rev(at(5, 1)), "the head is read")
			assert.False(t, rev(v) == rev(at(len(v)-1, 1)), "the tag is read")
			assert.False(t, rev(v) == rev(v[:len(v)/2]+"A"+v[len(v)/2:]), "the length is read")
			assert.LessOrEqual(t, len(rev(v)), 52)
		})
	}
}
