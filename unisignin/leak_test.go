package unisignin_test

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
	"github.com/seed-e8f4a5f7/oauthkit/unisignin"
	"github.com/seed-e8f4a5f7/oauthkit/unisignin/unisignintest"
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
	srv := unisignintest.NewServer(unisignintest.Options{App: unisignintest.App{
		ID: "oauthkit-web", Secret: leakClientSecret, RedirectURLs: []string{"http://127.0.0.1/callback"},
	}})
	defer srv.Close()
	cfg := srv.Config()
	appCfg := srv.PublicConfig()
	p, err := unisignin.New(cfg)
	require.NoError(t, err)
	app, err := unisignin.New(appCfg)
	require.NoError(t, err)

	// A login whose tokens the Provider's cache then holds.
	ctx := context.Background()
	ar, err := p.AuthCodeURL(ctx)
	require.NoError(t, err)
	cb, err := srv.Authorize(ctx, ar.URL)
	require.NoError(t, err)
	login, err := oauthkit.Complete(ctx, p, ar, cb.Query())
	require.NoError(t, err)
	_, err = p.UserTokenSource("ada", login.Token).Token()
	require.NoError(t, err)
	user, err := p.User(ctx, login.Token)
	require.NoError(t, err)

	secrets := []string{leakClientSecret, srv.Users()[0].Password, login.Token.AccessToken, login.Token.RefreshToken,
		cb.Query().Get("code"), ar.CodeVerifier}
	for _, h := range []struct {
		name string
		v    any
	}{
		{"Config", cfg},
		{"*Config", &cfg},
		{"Config (app)", appCfg},
		{"Provider", *p},
		{"*Provider", p},
		{"Provider (app)", *app},
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
		{"Config", cfg, &cfg, []string{`"client_id":"oauthkit-web"`, `"client_secret":"[redacted]"`}},
		{"Provider", *p, p, []string{`"client_id":"oauthkit-web"`, `"flow":"web"`}},
	} {
		providertest.LogsAsJSON(t, h.name, h.want, h.v, h.ptr)
	}
	require.Contains(t, fmt.Sprint(cfg), "oauthkit-web", "a Config names its client")
	require.Contains(t, fmt.Sprint(*app), "app", "a Provider names its flow")
}

func TestNoSecretsInOutput(t *testing.T) {
	const (
		secret   = "client-secret-Xy+/=:%&"
		password = "user-password-Zq+/=&"
		code     = "authorization-code-123"
		refresh  = "refresh-token-456"
		access   = "access-token-789"
	)
	ctx := context.Background()
	for _, html := range []bool{false, true} {
		t.Run(fmt.Sprintf("html=%v", html), func(t *testing.T) {
			p, rec := newStub(t, secret, fakeidp.EchoError(400, html))
			ar, err := p.AuthCodeURL(ctx)
			require.NoError(t, err)
			secrets := []string{secret, password, code, refresh, access, ar.CodeVerifier, ar.State,
				url.QueryEscape(secret), url.QueryEscape(password)}

			_, errExchange := p.Exchange(ctx, code, ar)
			_, errRefresh := p.Refresh(ctx, refresh)
			_, errPassword := p.PasswordToken(ctx, "ada@example.com", password)
			_, errUser := p.User(ctx, &oauth2.Token{AccessToken: access, RefreshToken: refresh})
			errs := []error{errExchange, errRefresh, errPassword, errUser}
			for _, err := range errs {
				require.Error(t, err)
				var e *oauthkit.Error
				require.ErrorAs(t, err, &e)
				asJSON, _ := json.Marshal(e)
				providertest.Formatted(t, []any{err, e, *e, string(asJSON)}, secrets...)
			}
			require.Len(t, rec.Requests(), 4, "every request reached the echo server")

			cfg := unisignin.Config{BaseURL: rec.URL, ClientID: "c", ClientSecret: secret}
			providertest.Formatted(t, []any{cfg, &cfg, p, *p, ar}, secrets...)
			var nilProvider *unisignin.Provider
			require.Equal(t, "<nil>", fmt.Sprint(nilProvider))
		})
	}
}

func TestNoSecretsInLoginOrFakeConfig(t *testing.T) {
	srv, _ := newFake(t, 8)
	p := mustNew(t, srv.Config())
	ctx := context.Background()
	ar, err := p.AuthCodeURL(ctx)
	require.NoError(t, err)
	cb, err := srv.Authorize(ctx, ar.URL)
	require.NoError(t, err)
	login, err := oauthkit.Complete(ctx, p, ar, cb.Query())
	require.NoError(t, err)

	secrets := []string{srv.App().Secret, login.Token.AccessToken, login.Token.RefreshToken, cb.Query().Get("code"), ar.CodeVerifier}
	providertest.Formatted(t, []any{login, srv.Config(), p, ar}, secrets...)

	// The same code again: the error names it only as [redacted].
	_, err = p.Exchange(ctx, cb.Query().Get("code"), ar)
	require.Error(t, err)
	providertest.Formatted(t, []any{err}, secrets...)

	// A wrong password never shows, not even in the fake's users.
	_, err = p.PasswordToken(ctx, "ada@example.com", "hunter2-wrong")
	require.Error(t, err)
	providertest.Formatted(t, []any{err}, "hunter2-wrong", srv.App().Secret)
	_ = unisignintest.EndpointToken
}
