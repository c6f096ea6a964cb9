package webuntistest_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit/internal/providertest"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis/webuntistest"
)

// Test credentials with characters that escaping changes.
const (
	leakClientSecret = "client/SECRET+7f3a=&<x>"
	leakPassword     = "platform/PASS+9c1e=&<y>"
)

// TestSecretHoldersRedactAsValues: the webuntis.Config the fake hands out
// holds the tenant's credentials and prints and logs without them, as a
// value, as a pointer and nested, in every encoding.
func TestSecretHoldersRedactAsValues(t *testing.T) {
	srv := webuntistest.NewServer(webuntistest.Options{Tenant: webuntistest.Tenant{ClientSecret: leakClientSecret, Password: leakPassword}})
	defer srv.Close()
	cfg := srv.Config()
	providertest.Rendered(t, "Config()", cfg, nil, leakClientSecret, leakPassword)
	providertest.Rendered(t, "*Config()", &cfg, nil, leakClientSecret, leakPassword)
}

// TestFixturesPrintTheirTestKeys lists the fake's own types that print the
// test credentials they hold: plain fixtures, printed on purpose so that a
// failing test shows what the fake was given. Never give the fake a real
// credential. A type that starts or stops printing them must be moved in
// this list (and the report of the change must say so).
func TestFixturesPrintTheirTestKeys(t *testing.T) {
	tenant := webuntistest.Tenant{ID: "1234", ClientID: "c", ClientSecret: leakClientSecret, Password: leakPassword}
	opts := webuntistest.Options{Tenant: tenant}
	srv := webuntistest.NewServer(opts)
	defer srv.Close()
	for _, h := range []struct {
		name       string
		v          any
		printsKeys bool
	}{
		{"Tenant", tenant, true},
		{"*Tenant", &tenant, true},
		{"Options", opts, true},
		{"*Options", &opts, true},
		{"*Server", srv, true}, // its tenants map, printed by %+v and slog's text handler
	} {
		leaks := providertest.RenderedLeaks(h.name, h.v, nil, leakClientSecret, leakPassword)
		require.Equal(t, h.printsKeys, len(leaks) > 0, "%s prints its test keys: %d renderings", h.name, len(leaks))
	}
}
