package licensespringtest_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit/internal/providertest"
	"github.com/seed-e8f4a5f7/oauthkit/licensespring/licensespringtest"
)

// A test shared key with characters that escaping changes.
const leakSharedKey = "shared/KEY+7f3a=&<x>"

// TestSecretHoldersRedactAsValues: the licensespring.Config the fake hands
// out prints and logs without the shared key, as a value, as a pointer and
// nested, in every encoding.
func TestSecretHoldersRedactAsValues(t *testing.T) {
	srv := licensespringtest.NewServer(licensespringtest.Options{SharedKey: leakSharedKey})
	defer srv.Close()
	cfg := srv.Config()
	providertest.Rendered(t, "Config()", cfg, nil, leakSharedKey)
	providertest.Rendered(t, "*Config()", &cfg, nil, leakSharedKey)
}

// TestFixturesPrintTheirTestKeys lists the fake's own types that print the
// test keys they hold: plain fixtures, printed on purpose so that a failing
// test shows what the fake was given. Never give the fake a real key. A type
// that starts or stops printing them must be moved in this list.
func TestFixturesPrintTheirTestKeys(t *testing.T) {
	srv := licensespringtest.NewServer(licensespringtest.Options{SharedKey: leakSharedKey})
	defer srv.Close()
	opts := srv.Options()
	user := licensespringtest.User{Subject: "s", Email: "e@example.com"}
	activation := licensespringtest.Activation{Product: "p", HardwareID: "hw", Grant: "code"}
	for _, h := range []struct {
		name       string
		v          any
		printsKeys bool
	}{
		{"Options", opts, true},
		{"*Options", &opts, true},
		{"*Server", srv, true},            // its Options, printed by %+v and slog's text handler
		{"User", user, false},             // no key
		{"Activation", activation, false}, // what was activated, not how
	} {
		leaks := providertest.RenderedLeaks(h.name, h.v, nil, leakSharedKey)
		require.Equal(t, h.printsKeys, len(leaks) > 0, "%s prints its test keys: %d renderings", h.name, len(leaks))
	}
}
