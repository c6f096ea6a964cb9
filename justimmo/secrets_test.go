package justimmo_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/fakeidp"
	"github.com/seed-e8f4a5f7/oauthkit/internal/providertest"
	"github.com/seed-e8f4a5f7/oauthkit/justimmo"
)

func TestNoSecretsInOutput(t *testing.T) {
	const (
		code    = "authorization-code-123"
		refresh = "refresh-token-456"
		access  = "access-token-789"
	)
	ctx := context.Background()
	for _, html := range []bool{false, true} {
		t.Run(fmt.Sprintf("html=%v", html), func(t *testing.T) {
			echo := fakeidp.EchoError(400, html)
			p, auth, api := newStub(t, echo, echo)
			ar, err := p.AuthCodeURL(ctx)
			require.NoError(t, err)
			secrets := []string{testSecret, url.QueryEscape(testSecret), code, refresh, access, ar.CodeVerifier, ar.State}

			_, errExchange := p.Exchange(ctx, code, ar)
			_, errRefresh := p.Refresh(ctx, refresh)
			_, errCC := p.ClientCredentials(ctx)
			_, errUser := p.User(ctx, &oauth2.Token{AccessToken: access, RefreshToken: refresh})
			for _, err := range []error{errExchange, errRefresh, errCC, errUser} {
				var e *oauthkit.Error
				require.ErrorAs(t, err, &e)
				asJSON, _ := json.Marshal(e)
				providertest.Formatted(t, []any{err, e, *e, string(asJSON)}, secrets...)
			}
			require.Len(t, auth.Requests(), 3)
			require.Len(t, api.Requests(), 1)

			cfg := justimmo.Config{ClientID: testClientID, ClientSecret: testSecret}
			providertest.Formatted(t, []any{cfg, &cfg, p, *p, ar}, secrets...)
			var nilProvider *justimmo.Provider
			require.Equal(t, "<nil>", fmt.Sprint(nilProvider))
		})
	}
}

func TestNoSecretsAgainstTheFake(t *testing.T) {
	srv, p, _ := newFake(t)
	ctx := context.Background()
	ar, q := login(t, srv, p)
	l, err := oauthkit.Complete(ctx, p, ar, q)
	require.NoError(t, err)
	secrets := []string{srv.App().Secret, q.Get("code"), l.Token.AccessToken, l.Token.RefreshToken, ar.CodeVerifier}
	providertest.Formatted(t, []any{l, srv.Config(), p, ar}, secrets...)

	_, err = p.Exchange(ctx, q.Get("code"), ar) // replayed
	require.Error(t, err)
	_, err2 := p.Refresh(ctx, "not-"+l.Token.RefreshToken)
	require.Error(t, err2)
	providertest.Formatted(t, []any{err, err2}, secrets...)
}
