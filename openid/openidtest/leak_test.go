package openidtest_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/seed-e8f4a5f7/oauthkit/internal/providertest"
	"github.com/seed-e8f4a5f7/oauthkit/openid/openidtest"
)

// A test credential with characters that escaping changes.
const leakClientSecret = "client/SECRET+7f3a=&<x>"

func leakOptions() openidtest.Options {
	return openidtest.Options{Apps: []openidtest.App{{ID: "client", Secret: leakClientSecret}}}
}

// TestSecretHoldersRedactAsValues: the openid.Config the fake hands out
// prints and logs without the client secret, as a value, as a pointer and
// nested, in every encoding.
func TestSecretHoldersRedactAsValues(t *testing.T) {
	srv := openidtest.NewServer(leakOptions())
	defer srv.Close()
	cfg := srv.Config("client")
	for name, v := range map[string]any{"Config()": cfg, "*Config()": &cfg} {
		providertest.Rendered(t, name, v, nil, leakClientSecret)
	}
}

// TestFixturesPrintTheirTestKeys lists the fake's own types that print the
// test credentials they hold: plain fixtures, printed on purpose so that a
// failing test shows what the fake was given. Never give the fake a real
// credential.
func TestFixturesPrintTheirTestKeys(t *testing.T) {
	opts := leakOptions()
	app := opts.Apps[0]
	for _, h := range []struct {
		name string
		v    any
	}{{"App", app}, {"*App", &app}, {"Options", opts}} {
		assert.NotEmpty(t, providertest.RenderedLeaks(h.name, h.v, nil, leakClientSecret), "%s prints its test secret", h.name)
	}
}
