package justimmotest_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit/internal/providertest"
	"github.com/seed-e8f4a5f7/oauthkit/justimmo/justimmotest"
)

// A test client secret with characters that escaping changes.
const leakClientSecret = "client/SECRET+7f3a=&<x>"

func leakOptions() justimmotest.Options {
	return justimmotest.Options{App: justimmotest.App{ID: "c", Secret: leakClientSecret, RedirectURLs: []string{"http://127.0.0.1/callback"}}}
}

// TestSecretHoldersRedactAsValues: the justimmo.Config the fake hands out
// prints and logs without the client secret, as a value, as a pointer and
// nested, in every encoding.
func TestSecretHoldersRedactAsValues(t *testing.T) {
	srv := justimmotest.NewServer(leakOptions())
	defer srv.Close()
	cfg := srv.Config()
	providertest.Rendered(t, "Config()", cfg, nil, leakClientSecret)
	providertest.Rendered(t, "*Config()", &cfg, nil, leakClientSecret)
}

// TestFixturesPrintTheirTestKeys lists the fake's own types that print the
// test credentials they hold: plain fixtures, printed on purpose so that a
// failing test shows what the fake was given. Never give the fake a real
// credential. A type that starts or stops printing them must be moved in
// this list.
func TestFixturesPrintTheirTestKeys(t *testing.T) {
	opts := leakOptions()
	srv := justimmotest.NewServer(opts)
	defer srv.Close()
	client, user := opts.App, justimmotest.User{ID: 1, TenantID: 2}
	for _, h := range []struct {
		name       string
		v          any
		printsKeys bool
	}{
		{"App", client, true},
		{"*App", &client, true},
		{"Options", opts, true},
		{"*Options", &opts, true},
		{"*Server", srv, true}, // its App, printed by %+v and slog's text handler
		{"User", user, false},  // ids only
	} {
		leaks := providertest.RenderedLeaks(h.name, h.v, nil, leakClientSecret)
		require.Equal(t, h.printsKeys, len(leaks) > 0, "%s prints its test keys: %d renderings", h.name, len(leaks))
	}
}
