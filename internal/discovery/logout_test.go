package discovery

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/fakeidp"
)

// logoutClaims are a valid logout token's claims, as Keycloak sends them.
func logoutClaims(issuer string, now time.Time) map[string]any {
	return map[string]any{
		"iss": issuer, "aud": "client", "azp": "client", "sub": "user-1", "sid": "session-1",
		"jti": "jti-1", "iat": now.Unix(), "exp": now.Add(2 * time.Minute).Unix(),
		"events": map[string]any{oauthkit.BackchannelLogoutEvent: map[string]any{}},
		"typ":    "Logout",
	}
}

func TestLogoutVerifier(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	i := newIDP(t)
	i.doc["backchannel_logout_supported"] = true
	i.doc["backchannel_logout_session_supported"] = true
	md, err := i.discover(t)
	require.NoError(t, err)
	assert.True(t, md.BackchannelLogoutSupported)
	assert.True(t, md.BackchannelLogoutSessionSupported)
	v := md.LogoutVerifier("p", "client", func() time.Time { return now })
	key := fakeidp.SharedKey()
	other := fakeidp.NewKey(key.ID) // same kid, another key

	tests := []struct {
		name   string
		token  func(c map[string]any) string
		mutate func(c map[string]any)
		want   string // in the reason; "" for success
	}{
		{name: "valid, typ logout+jwt"},
		{name: "valid, typ application/logout+jwt", token: func(c map[string]any) string { return key.SignTyped("application/logout+jwt", c) }},
		{name: "valid, typ in upper case", token: func(c map[string]any) string { return key.SignTyped("Logout+JWT", c) }},
		{name: "valid, no typ", token: func(c map[string]any) string { return key.Sign(c) }},
		{name: "valid, typ JWT (Keycloak 24 and older)", token: func(c map[string]any) string { return key.SignTyped("JWT", c) }},
		{name: "valid, typ jwt in lower case", token: func(c map[string]any) string { return key.SignTyped("jwt", c) }},
		{name: "valid, typ application/jwt", token: func(c map[string]any) string { return key.SignTyped("application/jwt", c) }},
		{name: "valid, sub only", mutate: func(c map[string]any) { delete(c, "sid") }},
		{name: "valid, sid only", mutate: func(c map[string]any) { delete(c, "sub") }},
		{name: "valid, iat at the skew", mutate: func(c map[string]any) { c["iat"] = now.Add(MaxClockSkew).Unix() }},
		{name: "valid, iat at the age bound", mutate: func(c map[string]any) { c["iat"] = now.Add(-MaxLogoutTokenAge).Unix() }},
		{name: "valid, no azp", mutate: func(c map[string]any) { delete(c, "azp") }},
		{name: "valid, the event holds members", mutate: func(c map[string]any) {
			c["events"] = map[string]any{oauthkit.BackchannelLogoutEvent: map[string]any{"x": 1}, "https://other.example/event": "y"}
		}},

		{name: "wrong signature", token: func(c map[string]any) string { return other.SignTyped("logout+jwt", c) }, want: "signature"},
		{name: "unsigned", token: func(c map[string]any) string { return key.Unsigned(c) }, want: "signature"},
		{name: "HMAC with the public key", token: func(c map[string]any) string { return key.HMACWithPublicKey(c, false) }, want: "signature"},
		{name: "not a JWT", token: func(map[string]any) string { return "not.a.jwt" }, want: "signature"},
		{name: "other issuer", mutate: func(c map[string]any) { c["iss"] = "https://other.example" }, want: "iss"},
		{name: "wrong audience", mutate: func(c map[string]any) { c["aud"] = "other-client" }, want: "aud"},
		{name: "several audiences, azp another client", mutate: func(c map[string]any) { c["aud"] = []string{"client", "other"}; c["azp"] = "other" }, want: "azp"},
		{name: "several audiences, no azp", mutate: func(c map[string]any) { c["aud"] = []string{"client", "other"}; delete(c, "azp") }, want: "azp"},
		{name: "expired", mutate: func(c map[string]any) { c["exp"] = now.Add(-time.Second).Unix() }, want: "exp passed"},
		{name: "no exp", mutate: func(c map[string]any) { delete(c, "exp") }, want: "exp"},
		{name: "iat too old", mutate: func(c map[string]any) { c["iat"] = now.Add(-MaxLogoutTokenAge - time.Second).Unix() }, want: "iat is 10m1s old"},
		{name: "iat too far ahead", mutate: func(c map[string]any) { c["iat"] = now.Add(MaxClockSkew + time.Second).Unix() }, want: "ahead of the clock"},
		{name: "no iat", mutate: func(c map[string]any) { delete(c, "iat") }, want: "no iat"},
		{name: "iat null", mutate: func(c map[string]any) { c["iat"] = nil }, want: "no iat"},
		{name: "missing events", mutate: func(c map[string]any) { delete(c, "events") }, want: "events"},
		{name: "events not an object", mutate: func(c map[string]any) { c["events"] = []string{oauthkit.BackchannelLogoutEvent} }, want: "events"},
		{name: "events without the member", mutate: func(c map[string]any) { c["events"] = map[string]any{"https://other.example/event": map[string]any{}} }, want: "has no"},
		{name: "event member not an object", mutate: func(c map[string]any) { c["events"] = map[string]any{oauthkit.BackchannelLogoutEvent: "yes"} }, want: "not a JSON object"},
		{name: "event member null", mutate: func(c map[string]any) { c["events"] = map[string]any{oauthkit.BackchannelLogoutEvent: nil} }, want: "not a JSON object"},
		{name: "with nonce", mutate: func(c map[string]any) { c["nonce"] = "n" }, want: "nonce"},
		{name: "with an empty nonce", mutate: func(c map[string]any) { c["nonce"] = "" }, want: "nonce"},
		{name: "without sub and sid", mutate: func(c map[string]any) { delete(c, "sub"); delete(c, "sid") }, want: "neither sub nor sid"},
		{name: "sid not a string", mutate: func(c map[string]any) { c["sid"] = 7 }, want: "sid"},
		{name: "without jti", mutate: func(c map[string]any) { delete(c, "jti") }, want: "jti"},
		{name: "typ at+jwt (an access token)", token: func(c map[string]any) string { return key.SignTyped("at+jwt", c) }, want: "typ"},
		{name: "typ secevent+jwt", token: func(c map[string]any) string { return key.SignTyped("secevent+jwt", c) }, want: "typ"},
		{name: "typ JWT ID token offered as a logout token", token: func(map[string]any) string {
			return key.SignTyped("JWT", map[string]any{"iss": i.srv.URL, "aud": "client", "azp": "client", "sub": "user-1", "sid": "session-1",
				"nonce": "n", "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(), "jti": "j"})
		}, want: "events"},
		{name: "untyped ID token offered as a logout token", token: func(map[string]any) string {
			return key.Sign(map[string]any{"iss": i.srv.URL, "aud": "client", "sub": "user-1", "sid": "session-1",
				"nonce": "n", "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(), "jti": "j"})
		}, want: "events"},
		{name: "ID token with events added", token: func(c map[string]any) string {
			c["nonce"] = "n"
			return key.SignTyped("JWT", c)
		}, want: "nonce"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := logoutClaims(i.srv.URL, now)
			if tt.mutate != nil {
				tt.mutate(c)
			}
			sign := tt.token
			if sign == nil {
				sign = func(c map[string]any) string { return key.SignTyped("logout+jwt", c) }
			}
			raw := sign(c)
			lt, err := v.Verify(context.Background(), raw)
			if tt.want == "" {
				require.NoError(t, err)
				assert.Equal(t, i.srv.URL, lt.Issuer)
				assert.Equal(t, []string{"client"}, lt.Audience)
				assert.Equal(t, c["sub"] != nil, lt.Subject == "user-1")
				assert.Equal(t, c["sid"] != nil, lt.SessionID == "session-1")
				assert.Equal(t, "jti-1", lt.ID)
				assert.Equal(t, c["iat"], lt.IssuedAt.Unix())
				assert.Equal(t, now.Add(2*time.Minute).Unix(), lt.Expiry.Unix())
				return
			}
			require.ErrorIs(t, err, oauthkit.ErrInvalidLogoutToken)
			assert.ErrorContains(t, err, "p: verify logout token: ")
			assert.ErrorContains(t, err, tt.want)
			assertNoTokenIn(t, err.Error(), raw)
		})
	}
}

// assertNoTokenIn fails if msg holds raw or any of its parts.
func assertNoTokenIn(t *testing.T, msg, raw string) {
	t.Helper()
	for _, part := range append(strings.Split(raw, "."), raw) {
		if len(part) >= 8 && strings.Contains(msg, part) {
			t.Errorf("the error quotes the token (a part of %d characters)", len(part))
		}
	}
}

func TestLogoutVerifierKeySetOutageIsNotARefusal(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	i := newIDP(t)
	md, err := i.discover(t)
	require.NoError(t, err)
	i.jwksStatus.Store(503)
	v := md.LogoutVerifier("p", "client", func() time.Time { return now })
	_, err = v.Verify(context.Background(), fakeidp.SharedKey().SignTyped("logout+jwt", logoutClaims(i.srv.URL, now)))
	require.Error(t, err)
	assert.NotErrorIs(t, err, oauthkit.ErrInvalidLogoutToken, "an unreachable key set says nothing about the token")
	assert.ErrorContains(t, err, "fetching keys")
}

func TestLogoutVerifierHonoursContext(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	i := newIDP(t)
	md, err := i.discover(t)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = md.LogoutVerifier("p", "client", func() time.Time { return now }).
		Verify(ctx, fakeidp.SharedKey().SignTyped("logout+jwt", logoutClaims(i.srv.URL, now)))
	require.ErrorIs(t, err, context.Canceled)
}

func TestDiscoveryReadsRevocationEndpoint(t *testing.T) {
	i := newIDP(t)
	md, err := i.discover(t)
	require.NoError(t, err)
	assert.Empty(t, md.Endpoints.RevocationURL)
	assert.False(t, md.BackchannelLogoutSupported)

	i.doc["revocation_endpoint"] = i.srv.URL + "/revoke"
	md, err = i.discover(t)
	require.NoError(t, err)
	assert.Equal(t, i.srv.URL+"/revoke", md.Endpoints.RevocationURL)

	i.doc["revocation_endpoint"] = "http://idp.example/revoke"
	_, err = i.discover(t)
	require.ErrorIs(t, err, oauthkit.ErrMalformedResponse)
	assert.ErrorContains(t, err, "revocation_endpoint")
}
