package webuntistest_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis/webuntistest"
)

// TestPartlyFilledTenantGetsDocumentedDefaults: each zero field of a Tenant
// gets the default its doc names, alone, in NewServer and AddTenant alike;
// AddTenant refuses a tenant without an ID.
func TestPartlyFilledTenantGetsDocumentedDefaults(t *testing.T) {
	srv := webuntistest.NewServer(webuntistest.Options{Tenant: webuntistest.Tenant{ClientID: "mine", Password: "pw"}})
	defer srv.Close()
	got := srv.Tenant()
	assert.Equal(t, "1234", got.ID)
	assert.Equal(t, "mine", got.ClientID)
	assert.Equal(t, "pw", got.Password)
	assert.NotEmpty(t, got.ClientSecret)
	assert.NotEqual(t, got.Password, got.ClientSecret)
	assert.Equal(t, []string{"http://127.0.0.1/auth/webuntis/callback"}, got.RedirectURLs)

	srv.AddTenant(webuntistest.Tenant{ID: "42"})
	cfg := srv.Config()
	cfg.Tenant, cfg.ClientID = "42", "oauthkit-demo"
	// The generated secret is not known here; the authorize step shows the
	// defaults took: the client id and the redirect URL are registered.
	p, err := webuntis.New(cfg)
	require.NoError(t, err)
	ar, err := p.AuthCodeURL(context.Background())
	require.NoError(t, err)
	cb, err := srv.Authorize(context.Background(), ar.URL)
	require.NoError(t, err)
	assert.True(t, cb.Query().Has("code"), "tenant 42 has the default client id and redirect URL")
	_, err = oauthkit.Complete(context.Background(), p, ar, cb.Query())
	assert.ErrorIs(t, err, oauthkit.ErrInvalidClient, "tenant 42 got a secret of its own")

	assert.PanicsWithValue(t, "webuntistest: AddTenant: Tenant.ID is required", func() { srv.AddTenant(webuntistest.Tenant{ClientID: "x"}) })
}
