package webuntis_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/providertest"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis/webuntistest"
)

// Credentials with characters that escaping changes (/, +, =, &, <), so
// an escaped leak is not missed.
const (
	leakClientSecret = "client/SECRET+7f3a=&<x>"
	leakPassword     = "platform/PASS+9c1e=&<y>"
)

// TestSecretHoldersRedactAsValues: every exported type of the package that
// holds a credential or token prints (every fmt verb) and logs (slog's JSON
// and text handlers) without it, as a value, as a pointer and nested in a
// struct, in every encoding. Config and Credentials had no LogValue (and
// Credentials' was on the pointer only), so a Config logged with slog's
// JSON handler failed on its func field and a Credentials value skipped
// its LogValue.
func TestSecretHoldersRedactAsValues(t *testing.T) {
	srv := webuntistest.NewServer(webuntistest.Options{Tenant: webuntistest.Tenant{
		ClientSecret: leakClientSecret, Password: leakPassword,
	}})
	defer srv.Close()
	cfg := srv.Config()
	p, err := webuntis.New(cfg)
	require.NoError(t, err)
	tok, err := p.Token(context.Background()) // the Provider's cache now holds a token
	require.NoError(t, err)

	creds, err := webuntis.ParseWebhookBody(srv.WebhookBody(webuntis.EventReset))
	require.NoError(t, err)
	require.Equal(t, oauthkit.Secret(leakPassword), creds.Password, "the fake sends the tenant's password")
	fromCreds := creds.Config()

	secrets := []string{leakClientSecret, leakPassword, tok.AccessToken}
	for _, h := range []struct {
		name string
		v    any
	}{
		{"Config", cfg},
		{"*Config", &cfg},
		{"Config from Credentials", fromCreds},
		{"Provider", *p},
		{"*Provider", p},
		{"Credentials", *creds},
		{"*Credentials", creds},
	} {
		providertest.Rendered(t, h.name, h.v, nil, secrets...)
	}

	// The redacted forms still say what they describe, and slog's JSON
	// handler logs each through its LogValue (it used to fail on Config's
	// func field, and skip Credentials' pointer-receiver LogValue).
	for _, h := range []struct {
		name   string
		v, ptr any
		want   []string
	}{
		{"Config", cfg, &cfg, []string{`"tenant":"` + cfg.Tenant, `"client_secret":"[redacted]"`}},
		{"Provider", *p, p, []string{`"tenant":"` + cfg.Tenant}},
		{"Credentials", *creds, creds, []string{`"tenant":"` + creds.TenantID, `"event":"RESET"`}},
	} {
		providertest.LogsAsJSON(t, h.name, h.want, h.v, h.ptr)
	}
	require.Contains(t, fmt.Sprint(cfg), cfg.ClientID, "a Config names its client")
	require.Contains(t, fmt.Sprint(*p), cfg.Tenant, "a Provider names its tenant")
	require.Contains(t, fmt.Sprint(*creds), creds.TenantID, "a Credentials names its tenant")
}

// TestTenantsRedact: a *Tenants keeps its TenantsConfig in an unexported
// field, where fmt cannot ask the Secrets to redact themselves, so %v, %+v
// and %#v of one printed the template Config's client secret, password
// and cache key secret raw; and %s of a *MemoryCredentialStore printed
// every tenant's credentials (fmt prints a pointer it cannot format with
// %s by walking it). Tenants, TenantsConfig and MemoryCredentialStore
// print (every fmt verb) and log (slog's JSON and text handlers) without
// them, or the credentials of a tenant held, as a value, as a pointer and
// nested in a struct, in every encoding.
func TestTenantsRedact(t *testing.T) {
	const cacheKeySecret = "cache/KEY+SECRET=0123456789abcdef&<k>"
	untis := webuntistest.NewServer(webuntistest.Options{Tenant: webuntistest.Tenant{
		ClientSecret: leakClientSecret, Password: leakPassword,
	}})
	defer untis.Close()
	store := &webuntis.MemoryCredentialStore{}
	_, err := store.Put(context.Background(), &webuntis.Credentials{TenantID: untis.Tenant().ID, ClientID: untis.Tenant().ClientID,
		Secret: oauthkit.Secret(leakClientSecret), Password: oauthkit.Secret(leakPassword)})
	require.NoError(t, err)
	// A template Config holds no tenant's credentials in practice; this
	// one does, to see that none of them prints.
	cfg := webuntis.TenantsConfig{Credentials: store, Config: webuntis.Config{
		BaseURL: untis.URL, HTTPClient: untis.Client(), ClientSecret: leakClientSecret, Password: leakPassword, CacheKeySecret: cacheKeySecret,
	}}
	tenants, err := webuntis.NewTenants(cfg)
	require.NoError(t, err)
	p, err := tenants.Provider(context.Background(), untis.Tenant().ID)
	require.NoError(t, err)
	tok, err := p.Token(context.Background())
	require.NoError(t, err)

	secrets := []string{leakClientSecret, leakPassword, cacheKeySecret, tok.AccessToken}
	for _, tt := range []struct {
		name string
		v    any
	}{
		{"TenantsConfig", cfg},
		{"*TenantsConfig", &cfg},
		{"*Tenants", tenants},
		{"*MemoryCredentialStore", store},
	} {
		t.Run(tt.name, func(t *testing.T) {
			providertest.Rendered(t, tt.name, tt.v, nil, secrets...)
		})
	}
	providertest.LogsAsJSON(t, "TenantsConfig", []string{`"credentials":"*webuntis.MemoryCredentialStore"`, `"client_secret":"[redacted]"`}, cfg, &cfg)
	providertest.LogsAsJSON(t, "Tenants", []string{`"credentials":"*webuntis.MemoryCredentialStore"`, `"len":1`}, tenants)
	require.Contains(t, fmt.Sprint(tenants), "Len:1", "a Tenants says how many tenants it holds")
	require.Contains(t, fmt.Sprint(store), "Len:1", "a MemoryCredentialStore says how many tenants it holds")
	require.Contains(t, fmt.Sprint(tenants), "BaseURL:"+strconv.Quote(untis.URL), "a Tenants names its base URL")
}

// TestProviderClientRefusesCrossHostRedirect: an API that answers 302 to
// another host does not get the client-credentials token sent there —
// whether the client's CheckRedirect or, with CheckRedirect cleared, the
// transport stops it — and the error wraps oauthkit.ErrCrossOriginRedirect;
// a redirect within the API's host is followed, with the token.
func TestProviderClientRefusesCrossHostRedirect(t *testing.T) {
	srv := webuntistest.NewServer(webuntistest.Options{})
	defer srv.Close()
	p, err := webuntis.New(srv.Config())
	require.NoError(t, err)
	providertest.ClientRefusesCrossHostRedirect(t, p)
}

func TestNothingPrintsASecret(t *testing.T) {
	srv, _ := newFake(t)
	cfg := srv.Config()
	cfg.Password = password
	tenant := srv.Tenant()
	// State and nonce travel through the browser in clear and are not
	// secrets; the PKCE verifier is.
	secrets := []string{tenant.ClientSecret, tenant.Password, password}

	p := mustNew(t, cfg)
	ctx := context.Background()
	ar, err := p.AuthCodeURL(ctx)
	require.NoError(t, err)
	cb, err := srv.Authorize(ctx, ar.URL)
	require.NoError(t, err)
	login, err := oauthkit.Complete(ctx, p, ar, cb.Query())
	require.NoError(t, err)
	code := cb.Query().Get("code")
	secrets = append(secrets, code, login.Token.AccessToken, login.Token.Extra("id_token").(string), ar.CodeVerifier)

	// Errors from every path that handles a secret.
	var errs []error
	wrongSecret := cfg
	wrongSecret.Password = oauthkit.Secret(tenant.ClientSecret)
	_, err = mustNew(t, wrongSecret).ClientCredentials(ctx)
	errs = append(errs, err)
	_, err = p.Exchange(ctx, code, ar) // used code
	errs = append(errs, err)
	_, err = p.VerifyIDToken(ctx, login.Token.Extra("id_token").(string), "other-nonce")
	errs = append(errs, err)
	_, err = oauthkit.Complete(ctx, p, ar, cb.Query()) // replay
	errs = append(errs, err)
	for _, e := range errs {
		require.Error(t, e)
	}

	values := []any{cfg, &cfg, p, *p, ar, login, login.UserInfo}
	for _, e := range errs {
		values = append(values, e)
	}
	providertest.Formatted(t, values, secrets...)
}
