package unisignintest_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit/internal/providertest"
	"github.com/seed-e8f4a5f7/oauthkit/unisignin/unisignintest"
)

// Test credentials with characters that escaping changes.
const (
	leakClientSecret = "client/SECRET+7f3a=&<x>"
	leakPassword     = "user/PASS+9c1e=&<y>"
)

func leakOptions() unisignintest.Options {
	return unisignintest.Options{
		App:   unisignintest.App{ID: "web", Secret: leakClientSecret, RedirectURLs: []string{"http://127.0.0.1/callback"}},
		Users: []unisignintest.User{{ID: 1, Email: "ada@example.com", Password: leakPassword, FirstName: "Ada"}},
	}
}

// TestSecretHoldersRedactAsValues: the unisignin.Configs the fake hands out
// print and log without the client secret, as a value, as a pointer and
// nested, in every encoding.
func TestSecretHoldersRedactAsValues(t *testing.T) {
	srv := unisignintest.NewServer(leakOptions())
	defer srv.Close()
	cfg, app := srv.Config(), srv.PublicConfig()
	for name, v := range map[string]any{"Config()": cfg, "*Config()": &cfg, "AppConfig()": app, "*AppConfig()": &app} {
		providertest.Rendered(t, name, v, nil, leakClientSecret, leakPassword)
	}
}

// TestFixturesPrintTheirTestKeys lists the fake's own types that print the
// test credentials they hold: plain fixtures, printed on purpose so that a
// failing test shows what the fake was given. Never give the fake a real
// credential. A type that starts or stops printing them must be moved in
// this list.
func TestFixturesPrintTheirTestKeys(t *testing.T) {
	opts := leakOptions()
	srv := unisignintest.NewServer(opts)
	defer srv.Close()
	web, user := opts.App, opts.Users[0]
	for _, h := range []struct {
		name       string
		v          any
		printsKeys bool
	}{
		{"App", web, true},
		{"*App", &web, true},
		{"User", user, true},
		{"*User", &user, true},
		{"Options", opts, true},
		{"*Options", &opts, true},
		{"*Server", srv, true}, // its App and users, printed by %+v and slog's text handler
	} {
		leaks := providertest.RenderedLeaks(h.name, h.v, nil, leakClientSecret, leakPassword)
		require.Equal(t, h.printsKeys, len(leaks) > 0, "%s prints its test keys: %d renderings", h.name, len(leaks))
	}
}
