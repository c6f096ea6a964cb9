package unisignin_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/oauthkittest"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache/tokencachetest"
	"github.com/seed-e8f4a5f7/oauthkit/unisignin"
	"github.com/seed-e8f4a5f7/oauthkit/unisignin/unisignintest"
)

var versions = []int{7, 8, 9}

func newFake(t *testing.T, version int) (*unisignintest.Server, *tokencachetest.Clock) {
	t.Helper()
	clock := tokencachetest.NewClock(testNow)
	srv := unisignintest.NewServer(unisignintest.Options{
		Now:           clock.Now,
		LeagueVersion: version,
		Users: []unisignintest.User{{
			ID: 42, Email: "ada@example.com", Password: "correct horse+battery",
			FirstName: "Ada", LastName: "Lovelace", Extra: map[string]any{"plan": "pro"},
		}},
	})
	t.Cleanup(srv.Close)
	return srv, clock
}

func mustNew(t *testing.T, cfg unisignin.Config) *unisignin.Provider {
	t.Helper()
	p, err := unisignin.New(cfg)
	require.NoError(t, err)
	return p
}

func TestWebLoginEndToEnd(t *testing.T) {
	srv, _ := newFake(t, 8)
	p := mustNew(t, srv.Config())
	ctx := context.Background()

	ar, err := p.AuthCodeURL(ctx)
	require.NoError(t, err)
	cb, err := srv.Authorize(ctx, ar.URL)
	require.NoError(t, err)
	assert.Equal(t, "http://127.0.0.1/auth/unisignin/callback", cb.Scheme+"://"+cb.Host+cb.Path)

	login, err := oauthkit.Complete(ctx, p, ar, cb.Query())
	require.NoError(t, err)
	assert.Equal(t, "unisignin", login.Provider)
	assert.Equal(t, "42", login.UserInfo.Subject)
	assert.Equal(t, "ada@example.com", login.UserInfo.Email)
	assert.Equal(t, "Ada Lovelace", login.UserInfo.Name)
	assert.Equal(t, "pro", login.UserInfo.Raw["plan"])
	assert.Nil(t, login.IDToken)
	assert.NotEmpty(t, login.Token.RefreshToken)
	assert.Equal(t, testNow.Add(3599*time.Second), login.Token.Expiry)
	assert.Equal(t, 1, srv.Requests(unisignintest.EndpointToken))
	assert.Equal(t, 1, srv.Requests(unisignintest.EndpointUser))

	_, err = oauthkit.Complete(ctx, p, ar, cb.Query())
	require.ErrorIs(t, err, oauthkit.ErrStateMismatch, "a callback works once")
	assert.Equal(t, 1, srv.Requests(unisignintest.EndpointToken))
}

func TestAppLoginEndToEnd(t *testing.T) {
	srv, _ := newFake(t, 8)
	p := mustNew(t, srv.PublicConfig())
	require.True(t, p.IsApp())
	ctx := context.Background()

	ar, err := p.AuthCodeURL(ctx)
	require.NoError(t, err)
	cb, err := srv.Authorize(ctx, ar.URL)
	require.NoError(t, err)
	assert.Equal(t, "com.example.oauthkit", cb.Scheme, "the app's URL scheme")

	login, err := oauthkit.Complete(ctx, p, ar, cb.Query())
	require.NoError(t, err)
	assert.Equal(t, "42", login.UserInfo.Subject)

	// The app refreshes without a secret, too.
	tok, err := p.Refresh(ctx, login.Token.RefreshToken)
	require.NoError(t, err)
	assert.NotEqual(t, login.Token.RefreshToken, tok.RefreshToken)
}

func TestAppLoginWithWrongVerifier(t *testing.T) {
	srv, _ := newFake(t, 8)
	p := mustNew(t, srv.PublicConfig())
	ctx := context.Background()
	ar, err := p.AuthCodeURL(ctx)
	require.NoError(t, err)
	cb, err := srv.Authorize(ctx, ar.URL)
	require.NoError(t, err)

	other, err := p.AuthCodeURL(ctx) // another login's verifier
	require.NoError(t, err)
	ar.CodeVerifier = other.CodeVerifier
	_, err = oauthkit.Complete(ctx, p, ar, cb.Query())
	var e *oauthkit.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "invalid_grant", e.Code)
	assert.Equal(t, "Failed to verify `code_verifier`.", e.Hint)
	assert.Contains(t, e.Advice, "letters and digits")
}

func TestCallbackWithWrongState(t *testing.T) {
	srv, _ := newFake(t, 8)
	p := mustNew(t, srv.Config())
	ctx := context.Background()
	ar, err := p.AuthCodeURL(ctx)
	require.NoError(t, err)
	cb, err := srv.Authorize(ctx, ar.URL)
	require.NoError(t, err)

	for name, q := range map[string]url.Values{
		"other state":    {"code": cb.Query()["code"], "state": {"x" + ar.State}},
		"no state":       {"code": cb.Query()["code"]},
		"repeated state": {"code": cb.Query()["code"], "state": {ar.State, ar.State}},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := oauthkit.Complete(ctx, p, ar, q)
			require.ErrorIs(t, err, oauthkit.ErrStateMismatch)
		})
	}
	assert.Equal(t, 0, srv.Requests(unisignintest.EndpointToken), "nothing exchanged")
}

func TestDeniedLogin(t *testing.T) {
	for _, v := range versions {
		t.Run(fmt.Sprintf("league %d", v), func(t *testing.T) {
			srv, _ := newFake(t, v)
			p := mustNew(t, srv.Config())
			ctx := context.Background()
			ar, err := p.AuthCodeURL(ctx)
			require.NoError(t, err)
			cb, err := srv.Deny(ctx, ar.URL)
			require.NoError(t, err)
			assert.Equal(t, ar.State, cb.Query().Get("state"), "league sends the state back with the error")

			_, err = oauthkit.Complete(ctx, p, ar, cb.Query())
			require.ErrorIs(t, err, oauthkit.ErrAccessDenied)
			var e *oauthkit.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, "authorize", e.Op)
			assert.Equal(t, "The user denied the request", e.Hint)
			denied := "The resource owner or authorization server denied the request."
			if v <= 7 {
				assert.Equal(t, denied, e.Message)
				assert.Empty(t, e.Description)
			} else {
				assert.Equal(t, denied, e.Description)
			}
			assert.Equal(t, 0, srv.Requests(unisignintest.EndpointToken))
		})
	}
}

func TestExpiredCode(t *testing.T) {
	for _, v := range versions {
		t.Run(fmt.Sprintf("league %d", v), func(t *testing.T) {
			srv, clock := newFake(t, v)
			p := mustNew(t, srv.Config())
			ctx := context.Background()
			// The login may take longer than the code lives, so that the
			// server's refusal is what is tested.
			ar, err := p.AuthCodeURL(ctx, oauthkit.WithMaxAge(time.Hour))
			require.NoError(t, err)
			cb, err := srv.Authorize(ctx, ar.URL)
			require.NoError(t, err)
			clock.Advance(11 * time.Minute)

			_, err = oauthkit.Complete(ctx, p, ar, cb.Query())
			var e *oauthkit.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, "exchange", e.Op)
			assert.Equal(t, "Authorization code has expired", e.Hint)
			assert.Contains(t, e.Advice, "exchange the code as soon as")
			if v <= 7 {
				assert.Equal(t, "invalid_request", e.Code)
			} else {
				assert.Equal(t, "invalid_grant", e.Code)
			}
			assert.False(t, oauthkit.NeedsLogin(err), "an exchange is not a refresh")
		})
	}
}

func TestPasswordGrantAndRotation(t *testing.T) {
	for _, v := range versions {
		t.Run(fmt.Sprintf("league %d", v), func(t *testing.T) {
			srv, clock := newFake(t, v)
			p := mustNew(t, srv.PublicConfig())
			ctx := context.Background()

			first, err := p.PasswordToken(ctx, "ada@example.com", "correct horse+battery")
			require.NoError(t, err)
			u, err := p.User(ctx, first)
			require.NoError(t, err)
			assert.Equal(t, "42", u.ID)

			second, err := p.Refresh(ctx, first.RefreshToken)
			require.NoError(t, err)
			assert.NotEqual(t, first.RefreshToken, second.RefreshToken, "rotated")
			assert.NotEqual(t, first.AccessToken, second.AccessToken)
			assert.Equal(t, "revoked", srv.RefreshTokenState(first.RefreshToken))
			assert.Equal(t, "live", srv.RefreshTokenState(second.RefreshToken))

			_, err = p.User(ctx, first)
			require.Error(t, err, "the refresh revoked the old access token")

			// The old refresh token is dead: log in again.
			_, err = p.Refresh(ctx, first.RefreshToken)
			require.Error(t, err)
			assert.True(t, oauthkit.NeedsLogin(err), "%v", err)
			var e *oauthkit.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, "Token has been revoked", e.Hint)
			assert.Contains(t, e.Advice, "log in again")
			if v <= 7 {
				assert.Equal(t, 401, e.StatusCode)
				assert.Equal(t, "invalid_request", e.Code)
			} else {
				assert.Equal(t, 400, e.StatusCode)
				assert.Equal(t, "invalid_grant", e.Code)
			}

			// The new one works until it expires (one month).
			third, err := p.Refresh(ctx, second.RefreshToken)
			require.NoError(t, err)
			clock.Advance(32 * 24 * time.Hour)
			_, err = p.Refresh(ctx, third.RefreshToken)
			require.Error(t, err)
			assert.True(t, oauthkit.NeedsLogin(err), "%v", err)
			require.ErrorAs(t, err, &e)
			assert.Equal(t, "Token has expired", e.Hint)
		})
	}
}

func TestPasswordGrantWrongPassword(t *testing.T) {
	for _, v := range versions {
		t.Run(fmt.Sprintf("league %d", v), func(t *testing.T) {
			srv, _ := newFake(t, v)
			p := mustNew(t, srv.PublicConfig())
			_, err := p.PasswordToken(context.Background(), "ada@example.com", "wrong-password-123")
			var e *oauthkit.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, "password", e.Op)
			assert.Contains(t, e.Message+e.Description, "The user credentials were incorrect.")
			assert.Contains(t, e.Advice, "email")
			assert.NotContains(t, err.Error(), "wrong-password-123")
			assert.False(t, oauthkit.NeedsLogin(err))
			if v <= 7 {
				assert.Equal(t, "invalid_credentials", e.Code)
			} else {
				assert.ErrorIs(t, err, oauthkit.ErrInvalidGrant)
			}
		})
	}
}

func TestWrongClientSecret(t *testing.T) {
	srv, _ := newFake(t, 8)
	cfg := srv.Config()
	cfg.ClientSecret = "not-the-secret"
	p := mustNew(t, cfg)
	ctx := context.Background()
	ar, err := p.AuthCodeURL(ctx)
	require.NoError(t, err)
	cb, err := srv.Authorize(ctx, ar.URL)
	require.NoError(t, err)
	_, err = oauthkit.Complete(ctx, p, ar, cb.Query())
	require.ErrorIs(t, err, oauthkit.ErrInvalidClient)
	var e *oauthkit.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, 401, e.StatusCode)
	assert.Equal(t, "Client authentication failed", e.Description)
	assert.Contains(t, e.Advice, "dashboard")
}

func TestNoSession(t *testing.T) {
	srv, _ := newFake(t, 8)
	srv.SetUser(unisignintest.User{})
	p := mustNew(t, srv.Config())
	ar, err := p.AuthCodeURL(context.Background())
	require.NoError(t, err)
	_, err = srv.Authorize(context.Background(), ar.URL)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "200 OK")
}

func TestUserEndpointErrors(t *testing.T) {
	srv, _ := newFake(t, 8)
	p := mustNew(t, srv.PublicConfig())
	ctx := context.Background()
	tok, err := p.PasswordToken(ctx, "ada@example.com", "correct horse+battery")
	require.NoError(t, err)

	srv.InjectFault(unisignintest.EndpointUser, oauthkittest.Fault{Status: 503, Body: "<h1>maintenance</h1>", Times: 3})
	_, err = p.User(ctx, tok)
	var e *oauthkit.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, 503, e.StatusCode)
	assert.Equal(t, "maintenance", e.Body)
	assert.Equal(t, 3, srv.Requests(unisignintest.EndpointUser), "a GET is retried")

	u, err := p.User(ctx, tok)
	require.NoError(t, err)
	assert.Equal(t, "42", u.ID)

	// A token the server does not know.
	bad := *tok
	bad.AccessToken = strings.Repeat("x", 40)
	_, err = p.User(ctx, &bad)
	require.ErrorAs(t, err, &e)
	assert.Equal(t, 401, e.StatusCode)
	assert.Equal(t, "Unauthenticated.", e.Message)
}
