package redisstore_test

import (
	"fmt"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit/internal/providertest"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache/redisstore"
)

// TestConfigsAndStoresRedactKeys: Config, SessionConfig and
// CredentialConfig printed their AES keys (and SessionConfig its NameKey)
// with every fmt verb and slog handler, and a SessionStore its NameKey,
// which it keeps. Every configuration and store of the package prints
// (every fmt verb) and logs (slog's JSON and text handlers) without a key
// or the Redis password, as a value, as a pointer and nested in a struct,
// in every encoding; nothing here talks to Redis.
func TestConfigsAndStoresRedactKeys(t *testing.T) {
	const redisPassword = "redis/PASS+5e6f=&<p>"
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", Password: redisPassword})
	t.Cleanup(func() { client.Close() })
	key, nameKey, credKey := []byte("token/KEY+0123456789abcdef=&<a>!"), []byte("name/KEY+0123456789abcdef=&<b>!!"), []byte("cred/KEY+0123456789abcdef=&<c>!!")

	cfg := redisstore.Config{Client: client, Keys: [][]byte{key}, Prefix: "app:"}
	store, err := redisstore.New(cfg)
	require.NoError(t, err)
	sessCfg := redisstore.SessionConfig{Client: client, Keys: [][]byte{key}, NameKey: nameKey}
	sessions, err := redisstore.NewSessionStore(sessCfg)
	require.NoError(t, err)
	credCfg := redisstore.CredentialConfig{Client: client, Keys: [][]byte{credKey}}
	creds, err := redisstore.NewCredentialStore(credCfg)
	require.NoError(t, err)

	secrets := append(providertest.Bytes(key, nameKey, credKey), redisPassword)
	for _, tt := range []struct {
		name string
		v    any
		want string // what it still shows
	}{
		{"Config", cfg, `Prefix:"app:"`},
		{"*Config", &cfg, "Keys:[redacted]"},
		{"*Store", store, `redisstore.Store{InsecurePlaintext:false Prefix:"app:" Timeout:250ms KeepRefreshToken:24h0m0s Client:*redis.Client Keys:[redacted]}`},
		{"Store", *store, "Keys:[redacted]"},
		{"SessionConfig", sessCfg, "NameKey:[redacted]"},
		{"*SessionConfig", &sessCfg, "Keys:[redacted]"},
		{"*SessionStore", sessions, `redisstore.SessionStore{Prefix:"oauthkit:sess:" Timeout:250ms Client:*redis.Client Keys:[redacted] NameKey:[redacted]}`},
		{"SessionStore", *sessions, "NameKey:[redacted]"},
		{"CredentialConfig", credCfg, "Keys:[redacted]"},
		{"*CredentialConfig", &credCfg, "Client:*redis.Client"},
		{"*CredentialStore", creds, `redisstore.CredentialStore{Prefix:"oauthkit:cred:" Timeout:250ms Client:*redis.Client Keys:[redacted]}`},
		{"CredentialStore", *creds, "Keys:[redacted]"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			providertest.Rendered(t, tt.name, tt.v, nil, secrets...)
			require.Contains(t, fmt.Sprint(tt.v), tt.want)
		})
	}
	providertest.LogsAsJSON(t, "Config", []string{`"prefix":"app:"`, `"keys":"[redacted]"`, `"client":"*redis.Client"`}, cfg, &cfg, store)
	providertest.LogsAsJSON(t, "SessionConfig", []string{`"keys":"[redacted]"`, `"name_key":"[redacted]"`}, sessCfg, sessions)
	providertest.LogsAsJSON(t, "CredentialConfig", []string{`"keys":"[redacted]"`}, credCfg, creds)
	require.Contains(t, fmt.Sprint(redisstore.Config{InsecurePlaintext: true}), "Keys:[]", "a Config says it has no keys")
}
