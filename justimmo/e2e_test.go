package justimmo_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/justimmo"
	"github.com/seed-e8f4a5f7/oauthkit/justimmo/justimmotest"
	"github.com/seed-e8f4a5f7/oauthkit/oauthkittest"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache/tokencachetest"
)

func newFake(t *testing.T) (*justimmotest.Server, *justimmo.Provider, *tokencachetest.Clock) {
	t.Helper()
	clock := tokencachetest.NewClock(testNow)
	srv := justimmotest.NewServer(justimmotest.Options{Now: clock.Now})
	t.Cleanup(srv.Close)
	p, err := justimmo.New(srv.Config())
	require.NoError(t, err)
	return srv, p, clock
}

// login runs AuthCodeURL and the browser, and returns the AuthRequest and
// the callback query.
func login(t *testing.T, srv *justimmotest.Server, p *justimmo.Provider) (*oauthkit.AuthRequest, url.Values) {
	t.Helper()
	ar, err := p.AuthCodeURL(context.Background())
	require.NoError(t, err)
	cb, err := srv.Authorize(context.Background(), ar.URL)
	require.NoError(t, err)
	return ar, cb.Query()
}

func TestLoginEndToEnd(t *testing.T) {
	srv, p, _ := newFake(t)
	ctx := context.Background()
	ar, q := login(t, srv, p)
	assert.Equal(t, ar.State, q.Get("state"))

	l, err := oauthkit.Complete(ctx, p, ar, q)
	require.NoError(t, err)
	assert.Equal(t, "justimmo", l.Provider)
	assert.Equal(t, "1234", l.UserInfo.Subject)
	assert.Equal(t, map[string]any{"id": 1234.0, "tenant": map[string]any{"id": 5678.0}}, l.UserInfo.Raw)
	assert.Equal(t, testNow.Add(24*time.Hour), l.Token.Expiry, "access tokens live a day")
	assert.NotEmpty(t, l.Token.RefreshToken)

	u, err := p.User(ctx, l.Token)
	require.NoError(t, err)
	assert.Equal(t, &justimmo.User{ID: "1234", TenantID: "5678"}, u)
	assert.Equal(t, 1, srv.Requests(justimmotest.EndpointToken))
	assert.Equal(t, 2, srv.Requests(justimmotest.EndpointCurrentUser))
}

func TestDeniedLogin(t *testing.T) {
	srv, p, _ := newFake(t)
	ctx := context.Background()
	ar, err := p.AuthCodeURL(ctx)
	require.NoError(t, err)
	cb, err := srv.Deny(ctx, ar.URL)
	require.NoError(t, err)

	check := func(t *testing.T, err error) {
		t.Helper()
		require.ErrorIs(t, err, oauthkit.ErrAccessDenied)
		var e *oauthkit.Error
		require.ErrorAs(t, err, &e)
		assert.Equal(t, "authorize", e.Op)
		assert.Equal(t, "The resource owner or authorization server denied the request.", e.Message)
		assert.Equal(t, "The user denied the request", e.Hint)
		assert.Empty(t, e.Description)
		assert.False(t, oauthkit.NeedsLogin(err))
	}
	t.Run("with state", func(t *testing.T) {
		_, err := oauthkit.Complete(ctx, p, ar, cb.Query())
		check(t, err)
	})
	t.Run("without state, as documented", func(t *testing.T) {
		// The vendor's example, verbatim
		// (https://api-docs.justimmo.at/partner/oauth.html):
		// redirect_uri?error=access_denied&message=The+resource+owner+or+authorization+server+denied+the+request.&hint=The+user+denied+the+request
		q, err := url.ParseQuery("error=access_denied&message=The+resource+owner+or+authorization+server+denied+the+request.&hint=The+user+denied+the+request")
		require.NoError(t, err)
		fresh, err := p.AuthCodeURL(ctx)
		require.NoError(t, err)
		_, err = oauthkit.Complete(ctx, p, fresh, q)
		check(t, err)
	})
	assert.Equal(t, 0, srv.Requests(justimmotest.EndpointToken))
}

func TestExpiredCode(t *testing.T) {
	srv, p, clock := newFake(t)
	ar, q := login(t, srv, p)
	// docs/vendors/justimmo.md#authorization-code: the code expires after one
	// minute.
	clock.Advance(61 * time.Second)

	_, err := oauthkit.Complete(context.Background(), p, ar, q)
	require.ErrorIs(t, err, oauthkit.ErrInvalidRequest)
	var e *oauthkit.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, 400, e.StatusCode)
	assert.Equal(t, invalidRequestMessage, e.Message)
	assert.Equal(t, "Authorization code has expired", e.Hint)
	assert.Contains(t, e.Advice, "one minute")
	assert.False(t, oauthkit.NeedsLogin(err))
}

func TestCodeWithinTheMinute(t *testing.T) {
	srv, p, clock := newFake(t)
	ar, q := login(t, srv, p)
	clock.Advance(59 * time.Second)
	_, err := oauthkit.Complete(context.Background(), p, ar, q)
	require.NoError(t, err)
}

func TestRefreshRotationAndExpiry(t *testing.T) {
	srv, p, clock := newFake(t)
	ctx := context.Background()
	ar, q := login(t, srv, p)
	l, err := oauthkit.Complete(ctx, p, ar, q)
	require.NoError(t, err)

	clock.Advance(25 * time.Hour) // the access token has expired
	_, err = p.User(ctx, l.Token)
	require.Error(t, err)

	next, err := p.Refresh(ctx, l.Token.RefreshToken)
	require.NoError(t, err)
	assert.NotEqual(t, l.Token.RefreshToken, next.RefreshToken)
	assert.Equal(t, "revoked", srv.RefreshTokenState(l.Token.RefreshToken))
	u, err := p.User(ctx, next)
	require.NoError(t, err)
	assert.Equal(t, "1234", u.ID)

	// The used one: league 7's invalidRefreshToken, HTTP 401.
	_, err = p.Refresh(ctx, l.Token.RefreshToken)
	require.True(t, oauthkit.NeedsLogin(err), "%v", err)
	var e *oauthkit.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, 401, e.StatusCode)
	assert.Equal(t, "Token has been revoked", e.Hint)

	// A month later the new one has expired: the documented answer.
	clock.Advance(31 * 24 * time.Hour)
	_, err = p.Refresh(ctx, next.RefreshToken)
	require.True(t, oauthkit.NeedsLogin(err), "%v", err)
	require.ErrorAs(t, err, &e)
	assert.Equal(t, 400, e.StatusCode)
	assert.Equal(t, "invalid_request", e.Code)
	assert.Equal(t, invalidRequestMessage, e.Message)
	assert.Equal(t, "Refresh token has expired", e.Hint)
	assert.Contains(t, e.Advice, "one month")
}

func TestClientCredentialsEndToEnd(t *testing.T) {
	srv, p, _ := newFake(t)
	ctx := context.Background()
	tok, err := p.ClientCredentials(ctx)
	require.NoError(t, err)
	assert.Equal(t, "Bearer", tok.TokenType)
	assert.Empty(t, tok.RefreshToken, "no refresh token for client credentials")
	assert.Equal(t, testNow.Add(2678400*time.Second), tok.Expiry)

	// It acts for no user.
	_, err = p.User(ctx, tok)
	var e *oauthkit.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, 403, e.StatusCode)
	assert.Equal(t, "access_denied", e.Code)
	_ = srv
}

func TestWrongClientSecret(t *testing.T) {
	srv, _, _ := newFake(t)
	cfg := srv.Config()
	cfg.ClientSecret = "not-the-secret"
	p, err := justimmo.New(cfg)
	require.NoError(t, err)
	_, err = p.ClientCredentials(context.Background())
	require.ErrorIs(t, err, oauthkit.ErrInvalidClient)
	var e *oauthkit.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, 401, e.StatusCode)
	assert.Equal(t, "Client authentication failed", e.Message)
	assert.Empty(t, e.Hint)
	assert.Contains(t, e.Advice, "form body")
	assert.NotContains(t, err.Error(), "not-the-secret")
}

func TestReplayedCode(t *testing.T) {
	srv, p, _ := newFake(t)
	ctx := context.Background()
	ar, q := login(t, srv, p)
	stored := *ar // a copy kept before the login was used, as a store might
	_, err := oauthkit.Complete(ctx, p, ar, q)
	require.NoError(t, err)
	_, err = p.Exchange(ctx, q.Get("code"), ar)
	require.ErrorIs(t, err, oauthkit.ErrAuthRequestUsed, "the used AuthRequest is refused before any request")
	_, err = p.Exchange(ctx, q.Get("code"), &stored)
	var e *oauthkit.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "Authorization code has been revoked", e.Hint)
	assert.NotContains(t, err.Error(), q.Get("code"))
}

func TestTokenEndpointOutage(t *testing.T) {
	srv, p, _ := newFake(t)
	srv.InjectFault(justimmotest.EndpointToken, oauthkittest.Fault{Status: 502, Body: "<html><body>Bad Gateway</body></html>", Times: 1})
	tok, err := p.ClientCredentials(context.Background())
	require.NoError(t, err, "a 502 is retried")
	assert.NotEmpty(t, tok.AccessToken)
	assert.Equal(t, 2, srv.Requests(justimmotest.EndpointToken))

	// An exchange is not: the code may have been spent.
	ar, q := login(t, srv, p)
	srv.InjectFault(justimmotest.EndpointToken, oauthkittest.Fault{Status: 502, Body: "<html><body>Bad Gateway</body></html>", Times: 1})
	_, err = oauthkit.Complete(context.Background(), p, ar, q)
	var e *oauthkit.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, 502, e.StatusCode)
	assert.Equal(t, "Bad Gateway", e.Body)
	assert.Equal(t, 3, srv.Requests(justimmotest.EndpointToken))
}
