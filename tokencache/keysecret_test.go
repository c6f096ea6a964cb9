package tokencache_test

import (
	"bufio"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache/tokencachetest"
)

// oldPublicHashKey is the constant that keyed every key's hash before
// issue 20: public, in the source.
const oldPublicHashKey = "oauthkit/tokencache/key/v1"

// fleetSecret is a KeySecret for the tests: 29 bytes.
const fleetSecret = "fleet-secret-0123456789abcdef"

// schoolParts is a WebUntis school's client-credentials key, with a weak
// password.
func schoolParts() tokencache.KeyParts {
	return tokencache.KeyParts{
		Vendor: "webuntis", Endpoint: "https://api.webuntis.com/WebUntis/api/sso/v3/4711/token",
		Tenant: "4711", ClientID: "app", Flow: "client_credentials", Credential: "Schule2024!",
	}
}

// guessCredential is the auditor's attack: the key's readable parts and
// a public hash key give the HMAC input but for the credential, so each
// word of a list is one HMAC to test. It returns the word that reproduces
// key, or "". (KeyParts without characters that Key escapes.)
func guessCredential(key string, p tokencache.KeyParts, hashKey string, words []string) string {
	cut := strings.LastIndexByte(key, '|') + 1
	prefix, hash := key[:cut], key[cut:]
	input := prefix + p.Endpoint + "|" + p.User + "|"
	for _, s := range p.Scopes {
		input += s + ","
	}
	input += "|"
	for _, w := range words {
		mac := hmac.New(sha256.New, []byte(hashKey))
		mac.Write([]byte(input + w))
		if base64.RawURLEncoding.EncodeToString(mac.Sum(nil)[:12]) == hash {
			return w
		}
	}
	return ""
}

// TestKeyIsNoPasswordOracle: a key made with the default settings — by
// Key, or by Cache.Key on a Cache without a Store — cannot be reproduced
// from a guessed password with the public constant that keyed every hash
// before, as the auditor did with a five-word list. The attack itself is
// checked to work on a key hashed with that constant.
func TestKeyIsNoPasswordOracle(t *testing.T) {
	words := []string{"Sommer2023", "Passwort1", "Schule2024!", "Winter2025", "untis123"}
	p := schoolParts()

	old := p
	old.HashKey = []byte(oldPublicHashKey)
	require.True(t, guessCredential(tokencache.Key(old), p, oldPublicHashKey, words) == p.Credential,
		"the attack finds the password in a key hashed with the public constant")

	cacheKey, err := tokencache.New(tokencache.Config{}).Key(p)
	require.NoError(t, err)
	for name, key := range map[string]string{"Key": tokencache.Key(p), "Cache.Key": cacheKey} {
		assert.True(t, guessCredential(key, p, oldPublicHashKey, words) == "", "%s: the password was recovered from the key with the public constant", name)
		assert.True(t, strings.HasPrefix(key, "v1|webuntis|4711|app|client_credentials|"), "%s: the readable parts stay", name)
	}
}

// keyHelperEnv makes the test binary, run by TestDefaultKeyDiffersBetweenProcesses,
// print its default keys and exit.
const keyHelperEnv = "TOKENCACHE_TEST_PRINT_DEFAULT_KEYS"

// TestDefaultKeyDiffersBetweenProcesses: the default hash key is drawn per
// process, so another process — a replica, a restart, an attacker's —
// computes another key for the same KeyParts, by Key and by Cache.Key on a
// Cache without a Store; within one process, keys are stable.
func TestDefaultKeyDiffersBetweenProcesses(t *testing.T) {
	p := schoolParts()
	cacheKey, err := tokencache.New(tokencache.Config{}).Key(p)
	require.NoError(t, err)
	if os.Getenv(keyHelperEnv) != "" {
		os.Stdout.WriteString("key=" + tokencache.Key(p) + "\ncache-key=" + cacheKey + "\n")
		return
	}
	assert.Equal(t, tokencache.Key(p), tokencache.Key(p), "stable within a process")
	assert.Equal(t, tokencache.Key(p), cacheKey, "Cache.Key without a Store or secret is Key")

	other := map[string]string{}
	for range 2 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestDefaultKeyDiffersBetweenProcesses$", "-test.count=1")
		cmd.Env = append(os.Environ(), keyHelperEnv+"=1")
		out, err := cmd.Output()
		require.NoError(t, err, "the helper process")
		sc := bufio.NewScanner(strings.NewReader(string(out)))
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), "="); ok && (k == "key" || k == "cache-key") {
				assert.NotEqual(t, tokencache.Key(p), v, "%s: another process computed this process's key", k)
				assert.NotEqual(t, other[k], v, "%s: two other processes computed the same key", k)
				other[k] = v
			}
		}
		require.Len(t, other, 2, "the helper printed both keys")
	}
}

// TestCacheKeyOnSharedStore: caches sharing a Store compute the same key
// for a tenant exactly when they share a KeySecret (or HashKey), and then
// share its token; a Cache with a Store but no secret refuses to make keys,
// rather than make keys of its process alone and silently share nothing.
func TestCacheKeyOnSharedStore(t *testing.T) {
	clock := tokencachetest.NewClock(t0)
	store := newMapStore(clock)
	replica := func(secret string) *tokencache.Cache {
		c := tokencache.New(tokencache.Config{Store: store, KeySecret: oauthkit.Secret(secret), Clock: clock})
		t.Cleanup(func() { c.Close() })
		return c
	}
	p := schoolParts()
	mustKey := func(c *tokencache.Cache, p tokencache.KeyParts) string {
		t.Helper()
		k, err := c.Key(p)
		require.NoError(t, err)
		return k
	}

	a, b := replica(fleetSecret), replica(fleetSecret)
	keyA, keyB := mustKey(a, p), mustKey(b, p)
	assert.Equal(t, keyA, keyB, "replicas with one KeySecret compute one key")
	assert.NotEqual(t, tokencache.Key(p), keyA, "not the key of this process")
	// Keys are stable across versions of the program for one secret: the
	// hash, computed apart from this code, as in TestKeyStable.
	stable := p
	stable.Endpoint, stable.Tenant, stable.ClientID, stable.Credential = "https://example.webuntis.com/WebUntis/api/sso/token", "school-42", "client-1", "correct horse battery staple"
	stable.Scopes = []string{"openid", "roster.read"}
	assert.Equal(t, "v1|webuntis|school-42|client-1|client_credentials|sOL_L-Xx_oYeT_Dh", mustKey(a, stable))

	up := &upstream{clock: clock, life: life}
	tokA, err := a.Token(context.Background(), keyA, up.fetch)
	require.NoError(t, err)
	tokB, err := b.Token(context.Background(), keyB, up.fetch)
	require.NoError(t, err)
	assert.Equal(t, tokA.AccessToken, tokB.AccessToken, "B adopted A's token from the Store")
	assert.EqualValues(t, 1, up.calls.Load(), "one fetch for the two replicas")

	other := mustKey(replica("another-secret-0123456789"), p)
	assert.NotEqual(t, keyA, other, "another KeySecret, another key")

	withHashKey := p
	withHashKey.HashKey = []byte(fleetSecret)
	assert.Equal(t, keyA, mustKey(replica(""), withHashKey), "KeyParts.HashKey serves as the secret")
	assert.Equal(t, keyA, tokencache.Key(withHashKey), "Key with that HashKey agrees")
	withHashKey.HashKey = []byte("another-secret-0123456789")
	assert.Equal(t, other, mustKey(a, withHashKey), "HashKey overrides KeySecret")

	_, err = replica("").Key(p)
	require.ErrorIs(t, err, tokencache.ErrKeySecretRequired, "a Store without a secret")
	_, err = replica("short-secret").Key(p)
	require.ErrorIs(t, err, tokencache.ErrKeySecretTooShort)
	short := p
	short.HashKey = []byte("short")
	_, err = a.Key(short)
	require.ErrorIs(t, err, tokencache.ErrKeySecretTooShort)
	assert.NotContains(t, err.Error(), "short\"")

	// Without a Store, a secret still makes keys another process reproduces.
	c := tokencache.New(tokencache.Config{KeySecret: fleetSecret})
	assert.Equal(t, keyA, mustKey(c, p))
}
