package web_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/providertest"
	"github.com/seed-e8f4a5f7/oauthkit/web"
)

// Secrets with characters that escaping changes (/, +, =, &, <), so an
// escaped leak is not missed; the cookie key is 32 bytes.
const (
	leakCookieKey = "cookie/KEY+0123456789abcdef=&<x>"
	leakAccess    = "access/TOKEN+4d5e=&<z>"
	leakRefresh   = "refresh/TOKEN+6f70=&<w>"
	leakIDToken   = "eyJhbGciOiJSUzI1NiJ9.id+token/body.sig&<v>"
)

// TestSecretHoldersRedactAsValues: a Config printed its cookie keys (and a
// Handler, which keeps its Config, did too), a StoredTokens its raw ID
// token (and a MemoryTokenStore every session's), and a Session value, or
// a Session logged as a value, its ID, the TokenStore key: Session's
// LogValue was on the pointer only and it had no Format. Every one of them
// prints (every fmt verb) and logs (slog's JSON and text handlers) without
// a key, a token or the session ID, as a value, as a pointer and nested in
// a struct, in every encoding.
func TestSecretHoldersRedactAsValues(t *testing.T) {
	key := []byte(leakCookieKey)
	require.Len(t, key, 32)
	store := web.NewMemoryTokenStore()
	cfg := web.Config{Providers: []oauthkit.Provider{stubIDP{"a", "https://app.example/auth/a/callback"}}, Keys: [][]byte{key}, Tokens: store}
	h, err := web.New(cfg)
	require.NoError(t, err)
	tok := (&oauth2.Token{AccessToken: leakAccess, RefreshToken: leakRefresh, TokenType: "Bearer", Expiry: time.Now().Add(time.Hour)}).
		WithExtra(map[string]any{"id_token": leakIDToken})
	s, _, err := web.StartSession(h, httptest.NewRequest("GET", "https://app.example/auth/a/callback", nil), "",
		&oauthkit.Login{Provider: "a", Token: tok, UserInfo: oauthkit.UserInfo{Subject: "u1"}})
	require.NoError(t, err)
	stored, err := store.Load(context.Background(), s.ID)
	require.NoError(t, err)
	require.Equal(t, leakIDToken, stored.IDToken, "the store keeps the raw ID token")

	// A Session marshals with its ID and a StoredTokens with its tokens:
	// the one is the session cookie's content, the other what a TokenStore
	// of one's own may keep. slog's JSON handler marshals a struct holding
	// one without asking for its LogValue (see web/format.go); every other
	// rendering is checked.
	asJSON := []string{providertest.NestedJSON, providertest.NestedJSONPointer}
	secrets := append(providertest.Bytes(key), leakAccess, leakRefresh, leakIDToken, s.ID)
	for _, tt := range []struct {
		name string
		v    any
		skip []string
	}{
		{"Config", cfg, nil},
		{"*Config", &cfg, nil},
		{"*Handler", h, nil},
		{"*MemoryTokenStore", store, nil},
		{"StoredTokens", *stored, asJSON},
		{"*StoredTokens", stored, asJSON},
		{"Session", *s, asJSON},
		{"*Session", s, asJSON},
	} {
		t.Run(tt.name, func(t *testing.T) {
			providertest.Rendered(t, tt.name, tt.v, tt.skip, secrets...)
		})
	}

	// The redacted forms still say what they describe, and slog's JSON
	// handler logs each through its LogValue (a Config, holding funcs, used
	// to fail there).
	for _, tt := range []struct {
		name   string
		v, ptr any
		want   []string
	}{
		{"Config", cfg, &cfg, []string{`"providers":["a"]`, `"keys":"[redacted]"`, `"base_path":""`}},
		{"Handler", h, h, []string{`"providers":["a"]`, `"keys":"[redacted]"`, `"base_path":"/auth"`, `"tokens":"*web.MemoryTokenStore"`}},
		{"MemoryTokenStore", store, store, []string{`"len":1`}},
		{"StoredTokens", *stored, stored, []string{`"access_token":"[redacted]"`, `"id_token":"[redacted]"`, `"refs":2`}}, // its user, and its user's sessions without sid
		{"Session", *s, s, []string{`"subject":"u1"`, `"provider":"a"`}},
	} {
		providertest.LogsAsJSON(t, tt.name, tt.want, tt.v, tt.ptr)
	}
	for _, tt := range []struct {
		v    any
		want string
	}{
		{h, `Providers:["a"]`},
		{store, "Len:1"},
		{*stored, `RefreshToken:"[redacted]"`},
		{*s, `Subject:"u1"`},
	} {
		require.Contains(t, fmt.Sprint(tt.v), tt.want, "%T says what it describes", tt.v)
	}
	require.Contains(t, fmt.Sprint(cfg), `Keys:[redacted]`, "a Config says it has keys")
	require.Contains(t, fmt.Sprint(web.Config{}), `Keys:[]`, "a Config says it has none")
}
