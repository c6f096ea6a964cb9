package webuntis_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis/webuntistest"
)

func TestLoginEndToEnd(t *testing.T) {
	srv := webuntistest.NewServer(webuntistest.Options{})
	defer srv.Close()
	srv.SetUser(webuntistest.User{Subject: "untis-42"})
	p, err := webuntis.New(srv.Config())
	require.NoError(t, err)
	ctx := context.Background()

	ar, err := p.AuthCodeURL(ctx)
	require.NoError(t, err)
	cb, err := srv.Authorize(ctx, ar.URL)
	require.NoError(t, err)

	login, err := oauthkit.Complete(ctx, p, ar, cb.Query())
	require.NoError(t, err)
	assert.Equal(t, "untis-42", login.UserInfo.Subject)
	assert.Equal(t, "untis-42", login.IDToken.Subject)
	assert.Equal(t, srv.Issuer(), login.IDToken.Issuer)
	assert.NotEmpty(t, login.Token.AccessToken)
}

func TestClientCredentialsEndToEnd(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	srv := webuntistest.NewServer(webuntistest.Options{Now: clock, Tenant: webuntistest.Tenant{Password: "p+/=:%&word"}})
	defer srv.Close()
	p, err := webuntis.New(srv.Config())
	require.NoError(t, err)

	tok, err := p.ClientCredentials(context.Background())
	require.NoError(t, err)
	assert.Equal(t, now.Add(180*time.Second), tok.Expiry)
	assert.Equal(t, "Bearer", tok.TokenType)

	cfg := srv.Config()
	cfg.Password = cfg.ClientSecret // the documented mistake
	wrong, err := webuntis.New(cfg)
	require.NoError(t, err)
	_, err = wrong.ClientCredentials(context.Background())
	require.ErrorIs(t, err, oauthkit.ErrInvalidGrant)
	var e *oauthkit.Error
	require.True(t, errors.As(err, &e))
	assert.Contains(t, e.Advice, "platform password")
	t.Log(err)
}
