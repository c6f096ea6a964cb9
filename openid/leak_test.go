package openid_test

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"math/big"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/providertest"
	"github.com/seed-e8f4a5f7/oauthkit/oauthkittest"
	"github.com/seed-e8f4a5f7/oauthkit/openid"
	"github.com/seed-e8f4a5f7/oauthkit/openid/openidtest"
)

// TestCredentialsNeverPrinted: a Config, a Provider and a ClientKey print
// and log without the client secret or the private key.
func TestCredentialsNeverPrinted(t *testing.T) {
	rk, _, _ := clientKeys()
	const secret = "SUPER-secret-client-secret-7f3a"
	der := x509.MarshalPKCS1PrivateKey(rk)
	keyParts := []string{
		rk.D.String(), rk.Primes[0].String(), new(big.Int).Set(rk.D).Text(16),
		base64.RawURLEncoding.EncodeToString(rk.D.Bytes()), base64.StdEncoding.EncodeToString(der)[:64],
	}
	cfg := openid.Config{Issuer: "https://idp.example", ClientID: "c", ClientSecret: oauthkit.Secret(secret),
		ClientKey: &openid.ClientKey{ID: "k", Signer: rk}, AuthMethod: openid.AuthPrivateKeyJWT}
	p, err := openid.New(cfg)
	require.NoError(t, err)
	secrets := append([]string{secret}, keyParts...)
	providertest.Rendered(t, "Config", cfg, nil, secrets...)
	providertest.Rendered(t, "Provider", p, nil, secrets...)
	providertest.Rendered(t, "ClientKey", *cfg.ClientKey, nil, secrets...)
}

// TestEndSessionAndDPoPRedact: an EndSession printed its URL, whose
// id_token_hint is the login's raw ID token, and a DPoP its key: an
// ed25519.PrivateKey byte by byte with every fmt verb, an *ecdsa or
// *rsa.PrivateKey's D in slog's JSON handler. Both print (every fmt verb)
// and log (slog's JSON and text handlers) without them, as a value, as a
// pointer and nested in a struct, in every encoding; an EndSession's URL
// field still holds the ID token, for the browser.
func TestEndSessionAndDPoPRedact(t *testing.T) {
	e := newEnv(t, openidtest.Options{}, nil)
	login, err := e.login(t)
	require.NoError(t, err)
	raw, _ := login.Token.Extra("id_token").(string)
	require.NotEmpty(t, raw)
	es, err := e.p.EndSessionURL(context.Background(), raw)
	require.NoError(t, err)
	u, err := url.Parse(es.URL)
	require.NoError(t, err)
	require.Equal(t, raw, u.Query().Get("id_token_hint"), "the URL itself carries the ID token")

	rk, ek, edk := clientKeys()
	eb, err := ek.Bytes() // the private scalar, as D held it
	require.NoError(t, err)
	ed := new(big.Int).SetBytes(eb)
	keyParts := append(providertest.Bytes(edk, edk.Seed()),
		rk.D.String(), rk.Primes[0].String(), rk.D.Text(16), base64.RawURLEncoding.EncodeToString(rk.D.Bytes()),
		ed.String(), ed.Text(16), base64.RawURLEncoding.EncodeToString(eb))

	// An EndSession's JSON is its URL whole, for an application's browser
	// code: slog's JSON handler marshals a struct holding one without
	// asking for its LogValue (see openid/format.go). Every other rendering
	// is checked.
	asJSON := []string{providertest.NestedJSON, providertest.NestedJSONPointer}
	for _, tt := range []struct {
		name    string
		v       any
		skip    []string
		secrets []string
		want    string // what it still shows
	}{
		{"EndSession", *es, asJSON, []string{raw, es.State}, "client_id=client"},
		{"*EndSession", es, asJSON, []string{raw, es.State}, "id_token_hint=[redacted]"},
		{"DPoP ed25519", openid.DPoP{Key: edk}, nil, keyParts, `KeyType:"ed25519.PrivateKey"`},
		{"*DPoP ed25519", &openid.DPoP{Key: edk}, nil, keyParts, "Key:[redacted]"},
		{"DPoP ecdsa", openid.DPoP{Key: ek, Algorithm: "ES256"}, nil, keyParts, `Algorithm:"ES256"`},
		{"DPoP rsa", openid.DPoP{Key: rk, Algorithm: "PS256"}, nil, keyParts, `KeyType:"*rsa.PrivateKey"`},
		{"Config with DPoP", openid.Config{Issuer: "https://idp.example", ClientID: "c", DPoP: &openid.DPoP{Key: edk}}, nil, keyParts, `ClientID:"c"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			providertest.Rendered(t, tt.name, tt.v, tt.skip, tt.secrets...)
			require.Contains(t, fmt.Sprint(tt.v), tt.want)
		})
	}
	providertest.LogsAsJSON(t, "EndSession", []string{`"url":"` + e.fake.URL, `id_token_hint=[redacted]`, `"state":"[redacted]"`}, *es, es)
	providertest.LogsAsJSON(t, "DPoP", []string{`"key":"[redacted]"`, `"key_type":"*ecdsa.PrivateKey"`}, openid.DPoP{Key: ek}, &openid.DPoP{Key: ek})
	require.Contains(t, fmt.Sprint(openid.DPoP{}), "Key:<nil>", "a DPoP without a key says so")
}

// TestErrorsHoldNoToken: the errors of revocation and introspection with a
// bad client credential name neither the token nor the credential.
func TestErrorsHoldNoToken(t *testing.T) {
	e := newEnv(t, openidtest.Options{}, func(c *openid.Config) { c.ClientSecret = "wrong-secret-value-123" })
	const tok = "access-token-value-that-must-not-show"
	err := e.p.RevokeToken(context.Background(), tok, "access_token")
	require.ErrorIs(t, err, oauthkit.ErrInvalidClient)
	providertest.Text(t, "revoke error", err.Error(), tok, "wrong-secret-value-123")
	_, err = e.p.Introspect(context.Background(), tok, "")
	require.ErrorIs(t, err, oauthkit.ErrInvalidClient)
	var oe *oauthkit.Error
	require.ErrorAs(t, err, &oe)
	require.Equal(t, openid.OpIntrospect, oe.Op)
	providertest.Text(t, "introspect error", err.Error(), tok, "wrong-secret-value-123")
}

// TestDeviceCodeNeverShown: a DeviceAuthorization prints and logs without
// its device code, and a server that echoes the code in an error does not
// get it into the error.
func TestDeviceCodeNeverShown(t *testing.T) {
	e, _ := deviceEnv(t, openidtest.Options{})
	da, err := e.p.DeviceAuthorization(context.Background())
	require.NoError(t, err)
	code := da.DeviceCode.Reveal()
	providertest.Rendered(t, "DeviceAuthorization", *da, nil, code)
	e.fake.InjectFault(openidtest.EndpointToken, oauthkittest.Fault{Status: 400,
		Body: `{"error":"invalid_grant","error_description":"device_code ` + code + ` is unknown"}`})
	_, err = e.p.PollDevice(context.Background(), da)
	require.ErrorIs(t, err, oauthkit.ErrInvalidGrant)
	providertest.Text(t, "poll error", err.Error(), code)
}
