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
	"github.com/seed-e8f4a5f7/oauthkit/justimmo/justimmotest"
)

// A client secret with characters that escaping changes (/, +, =, &, <),
// so an escaped leak is not missed.
const leakClientSecret = "client/SECRET+7f3a=&<x>"

// TestSecretHoldersRedactAsValues: every exported type of the package that
// holds a credential or token prints (every fmt verb) and logs (slog's JSON
// and text handlers) without it, as a value, as a pointer and nested in a
// struct, in every encoding. Config had no LogValue, so slog's JSON handler
// failed on its func field instead of logging it; Provider had none either
// and logged as {}.
func TestSecretHoldersRedactAsValues(t *testing.T) {
	srv := justimmotest.NewServer(justimmotest.Options{App: justimmotest.App{
		ID: "oauthkit-demo", Secret: leakClientSecret, RedirectURLs: []string{"http://127.0.0.1/callback"},
	}})
	defer srv.Close()
	cfg := srv.Config()
	p, err := justimmo.New(cfg)
	require.NoError(t, err)

	// A client-credentials token and a login, which the Provider's cache
	// then holds.
	ctx := context.Background()
	cc, err := p.Token(ctx)
	require.NoError(t, err)
	ar, err := p.AuthCodeURL(ctx)
	require.NoError(t, err)
	cb, err := srv.Authorize(ctx, ar.URL)
	require.NoError(t, err)
	login, err := oauthkit.Complete(ctx, p, ar, cb.Query())
	require.NoError(t, err)
	_, err = p.UserTokenSource("1234", login.Token).Token()
	require.NoError(t, err)
	user, err := p.User(ctx, login.Token)
	require.NoError(t, err)

	secrets := []string{leakClientSecret, cc.AccessToken, login.Token.AccessToken, login.Token.RefreshToken,
		cb.Query().Get("code"), ar.CodeVerifier}
	for _, h := range []struct {
		name string
		v    any
	}{
		{"Config", cfg},
		{"*Config", &cfg},
		{"Provider", *p},
		{"*Provider", p},
		{"User", *user},
		{"*User", user},
	} {
		providertest.Rendered(t, h.name, h.v, nil, secrets...)
	}

	// The redacted forms still say what they describe, and slog's JSON
	// handler logs each through its LogValue.
	for _, h := range []struct {
		name   string
		v, ptr any
		want   []string
	}{
		{"Config", cfg, &cfg, []string{`"client_id":"oauthkit-demo"`, `"client_secret":"[redacted]"`}},
		{"Provider", *p, p, []string{`"client_id":"oauthkit-demo"`, `"provider":"justimmo"`}},
	} {
		providertest.LogsAsJSON(t, h.name, h.want, h.v, h.ptr)
	}
	require.Contains(t, fmt.Sprint(cfg), "oauthkit-demo", "a Config names its client")
}

// TestProviderClientRefusesCrossHostRedirect: an API that answers 302 to
// another host does not get the client-credentials token sent there —
// whether the client's CheckRedirect or, with CheckRedirect cleared, the
// transport stops it — and the error wraps oauthkit.ErrCrossOriginRedirect;
// a redirect within the API's host is followed, with the token.
func TestProviderClientRefusesCrossHostRedirect(t *testing.T) {
	srv := justimmotest.NewServer(justimmotest.Options{})
	defer srv.Close()
	p, err := justimmo.New(srv.Config())
	require.NoError(t, err)
	providertest.ClientRefusesCrossHostRedirect(t, p)
}

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
