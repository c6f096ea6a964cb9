package openid_test

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"math/big"
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
