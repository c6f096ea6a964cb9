package oauthkit_test

import (
	"context"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/licensespring"
	"github.com/seed-e8f4a5f7/oauthkit/licensespring/licensespringtest"
)

// TestCallbackIssuerIsChecked: RFC 9207 — a callback's iss must equal the
// provider's issuer, is required when the metadata promises it, and is
// refused from a provider that has none.
func TestCallbackIssuerIsChecked(t *testing.T) {
	tests := []struct {
		name     string
		issuer   string
		require  bool
		callback url.Values
		wantErr  error
	}{
		{"matching iss", stubIssuer, false, callback("code", "c", "state", "state-123", "iss", stubIssuer), nil},
		{"matching iss, required", stubIssuer, true, callback("code", "c", "state", "state-123", "iss", stubIssuer), nil},
		{"no iss, not required", stubIssuer, false, callback("code", "c", "state", "state-123"), nil},
		{"no iss, no issuer", "", false, callback("code", "c", "state", "state-123"), nil},
		{"wrong iss", stubIssuer, false, callback("code", "c", "state", "state-123", "iss", "https://evil.example"), oauthkit.ErrIssuerMismatch},
		{"iss with trailing slash", stubIssuer, false, callback("code", "c", "state", "state-123", "iss", stubIssuer+"/"), oauthkit.ErrIssuerMismatch},
		{"empty iss", stubIssuer, false, callback("code", "c", "state", "state-123", "iss", ""), oauthkit.ErrIssuerMismatch},
		{"repeated iss", stubIssuer, false, callback("code", "c", "state", "state-123", "iss", stubIssuer, "iss", "https://evil.example"), oauthkit.ErrIssuerMismatch},
		{"missing iss, required", stubIssuer, true, callback("code", "c", "state", "state-123"), oauthkit.ErrIssuerMismatch},
		{"iss from a provider without issuer", "", false, callback("code", "c", "state", "state-123", "iss", "https://evil.example"), oauthkit.ErrIssuerMismatch},
		{"error redirect with wrong iss", stubIssuer, false, callback("error", "access_denied", "state", "state-123", "iss", "https://evil.example"), oauthkit.ErrIssuerMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newStub()
			p.claims = goodClaims()
			ar, _ := p.AuthCodeURL(context.Background())
			ar.Issuer, ar.RequireIssuer = tt.issuer, tt.require
			ar = roundTrip(t, ar) // Issuer and RequireIssuer are stored
			ar.Now = stubClock
			_, err := oauthkit.Complete(context.Background(), p, ar, tt.callback)
			if tt.wantErr == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tt.wantErr)
			assert.Empty(t, p.exchanged, "nothing is exchanged for a callback from another issuer")
		})
	}
}

// TestLicenseSpringCallbackIssuer: the Keycloak fake sends iss in its
// redirect; the realm's issuer passes and any other is refused.
func TestLicenseSpringCallbackIssuer(t *testing.T) {
	ctx := context.Background()
	srv := licensespringtest.NewServer(licensespringtest.Options{})
	defer srv.Close()
	cfg := srv.Config()
	cfg.ResponseType = licensespring.ResponseTypeCode
	p, err := licensespring.New(cfg)
	require.NoError(t, err)

	ar, err := p.AuthCodeURL(ctx)
	require.NoError(t, err)
	assert.Equal(t, srv.Issuer(), ar.Issuer)
	cb, err := srv.Authorize(ctx, ar.URL)
	require.NoError(t, err)
	require.Equal(t, srv.Issuer(), cb.Query().Get("iss"), "the fake sends iss like Keycloak")
	_, err = oauthkit.Complete(ctx, p, ar, cb.Query())
	require.NoError(t, err)

	ar, err = p.AuthCodeURL(ctx)
	require.NoError(t, err)
	cb, err = srv.Authorize(ctx, ar.URL)
	require.NoError(t, err)
	q := cb.Query()
	q.Set("iss", "https://attacker.example/realms/user-portal")
	_, err = oauthkit.Complete(ctx, p, ar, q)
	require.ErrorIs(t, err, oauthkit.ErrIssuerMismatch)
}
