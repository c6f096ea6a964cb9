package licensespringtest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
)

// jwtParts decodes a compact JWT's header and claims without verifying it.
func jwtParts(t *testing.T, raw string) (header, claims map[string]any) {
	t.Helper()
	parts := strings.Split(raw, ".")
	require.Len(t, parts, 3)
	for i, dst := range []*map[string]any{&header, &claims} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(b, dst))
	}
	return header, claims
}

func TestLogoutTokenClaims(t *testing.T) {
	srv := NewServer(Options{Now: func() time.Time { return now }})
	defer srv.Close()
	header, c := jwtParts(t, srv.LogoutToken("u-1", "s-1"))
	assert.Equal(t, "logout+jwt", header["typ"])
	assert.Equal(t, "RS256", header["alg"])
	assert.Equal(t, srv.Issuer(), c["iss"])
	assert.Equal(t, "license-users", c["aud"])
	assert.Equal(t, "u-1", c["sub"])
	assert.Equal(t, "s-1", c["sid"])
	assert.NotEmpty(t, c["jti"])
	assert.EqualValues(t, now.Unix(), c["iat"])
	assert.EqualValues(t, now.Add(logoutTokenLifetime).Unix(), c["exp"])
	assert.Equal(t, map[string]any{oauthkit.BackchannelLogoutEvent: map[string]any{}}, c["events"])
	assert.NotContains(t, c, "nonce")

	_, c = jwtParts(t, srv.LogoutToken("", "s-1"))
	assert.NotContains(t, c, "sub")

	for f := FlawWrongAudience; f <= FlawForeignKey; f++ {
		assert.NotPanics(t, func() { srv.BrokenLogoutToken("u-1", "s-1", f) })
	}
	header, _ = jwtParts(t, srv.BrokenLogoutToken("u-1", "s-1", FlawTypeAccessToken))
	assert.Equal(t, "at+jwt", header["typ"])
	old := NewServer(Options{LogoutTokenType: "JWT"})
	defer old.Close()
	header, _ = jwtParts(t, old.LogoutToken("u-1", "s-1"))
	assert.Equal(t, "JWT", header["typ"], "Keycloak 24's logout token")
	_, c = jwtParts(t, srv.BrokenLogoutToken("u-1", "s-1", FlawNonce))
	assert.Contains(t, c, "nonce")
}

func TestBackchannelLogoutPostsTheForm(t *testing.T) {
	srv := NewServer(Options{})
	defer srv.Close()
	type seen struct{ method, contentType, token string }
	got := make(chan seen, 1)
	var status atomic.Int32
	status.Store(http.StatusOK)
	rp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		got <- seen{r.Method, r.Header.Get("Content-Type"), r.PostForm.Get("logout_token")}
		w.WriteHeader(int(status.Load()))
	}))
	defer rp.Close()

	raw := srv.LogoutToken("u-1", "s-1")
	require.NoError(t, srv.BackchannelLogout(context.Background(), rp.URL+"/bcl", raw))
	assert.Equal(t, seen{http.MethodPost, "application/x-www-form-urlencoded", raw}, <-got)

	status.Store(http.StatusBadRequest)
	err := srv.BackchannelLogout(context.Background(), rp.URL+"/bcl", raw)
	<-got
	require.ErrorContains(t, err, "HTTP 400")
	assert.NotContains(t, err.Error(), raw)
}
