package unisignin_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
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
		for _, v := range []any{h.v, h.ptr} {
			var buf bytes.Buffer
			slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "v", v)
			require.NotContains(t, buf.String(), "!ERROR", "%s logs as JSON", h.name)
			for _, want := range h.want {
				require.Contains(t, buf.String(), want, "%s logs through its LogValue", h.name)
			}
		}
	}
	require.Contains(t, fmt.Sprint(cfg), "oauthkit-web", "a Config names its client")
	require.Contains(t, fmt.Sprint(*app), "app", "a Provider names its flow")
}
