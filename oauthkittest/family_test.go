package oauthkittest_test

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/justimmo"
	"github.com/seed-e8f4a5f7/oauthkit/justimmo/justimmotest"
	"github.com/seed-e8f4a5f7/oauthkit/licensespring"
	"github.com/seed-e8f4a5f7/oauthkit/licensespring/licensespringtest"
	"github.com/seed-e8f4a5f7/oauthkit/unisignin"
	"github.com/seed-e8f4a5f7/oauthkit/unisignin/unisignintest"
	"github.com/seed-e8f4a5f7/oauthkit/web"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis/webuntistest"
)

// fake is one vendor's fake seen through what the four share.
type fake struct {
	// provider builds the vendor's Provider from Config (redirect "") or
	// from ConfigFor(redirect).
	provider func(t *testing.T, redirect string) oauthkit.Provider
}

// redirecter is what every vendor Provider reports of its redirect URL.
type redirecter interface{ RedirectURL() string }

// fakes starts each fake with o applied, for t.
func fakes(t *testing.T, loginPage bool) map[string]fake {
	t.Helper()
	must := func(p oauthkit.Provider, err error) oauthkit.Provider {
		t.Helper()
		require.NoError(t, err)
		return p
	}
	wu := webuntistest.NewServer(webuntistest.Options{LoginPage: loginPage})
	usi := unisignintest.NewServer(unisignintest.Options{LoginPage: loginPage})
	ji := justimmotest.NewServer(justimmotest.Options{LoginPage: loginPage})
	ls := licensespringtest.NewServer(licensespringtest.Options{LoginPage: loginPage})
	t.Cleanup(func() { wu.Close(); usi.Close(); ji.Close(); ls.Close() })
	return map[string]fake{
		"webuntis": {provider: func(t *testing.T, redirect string) oauthkit.Provider {
			cfg := wu.Config()
			if redirect != "" {
				cfg = wu.ConfigFor(redirect)
			}
			return must(webuntis.New(cfg))
		}},
		"unisignin": {provider: func(t *testing.T, redirect string) oauthkit.Provider {
			cfg := usi.Config()
			if redirect != "" {
				cfg = usi.ConfigFor(redirect)
			}
			return must(unisignin.New(cfg))
		}},
		"justimmo": {provider: func(t *testing.T, redirect string) oauthkit.Provider {
			cfg := ji.Config()
			if redirect != "" {
				cfg = ji.ConfigFor(redirect)
			}
			return must(justimmo.New(cfg))
		}},
		"licensespring": {provider: func(t *testing.T, redirect string) oauthkit.Provider {
			cfg := ls.Config()
			if redirect != "" {
				cfg = ls.ConfigFor(redirect)
			}
			return must(licensespring.New(cfg))
		}},
	}
}

// TestConfigRedirectIsWebCallback: each fake's Config names the callback
// of a package web handler at its default BasePath, so that
// web.New(fake.Config()) routes it; ConfigFor takes the application's
// callback on any loopback port and panics for a URL that is not
// registered.
func TestConfigRedirectIsWebCallback(t *testing.T) {
	for name, f := range fakes(t, false) {
		t.Run(name, func(t *testing.T) {
			p := f.provider(t, "")
			require.Equal(t, name, p.Name())
			u, err := url.Parse(p.(redirecter).RedirectURL())
			require.NoError(t, err)
			assert.Equal(t, "http", u.Scheme)
			assert.Equal(t, "127.0.0.1", u.Host)
			assert.Equal(t, web.DefaultBasePath+"/"+name+"/callback", u.Path)
			_, err = web.New(web.Config{Providers: []oauthkit.Provider{p}, Keys: [][]byte{make([]byte, 32)}})
			require.NoError(t, err)

			cb := "http://127.0.0.1:49152" + web.DefaultBasePath + "/" + name + "/callback"
			assert.Equal(t, cb, f.provider(t, cb).(redirecter).RedirectURL())
			for _, bad := range []string{
				"http://127.0.0.1:49152/callback",
				"http://localhost:49152" + web.DefaultBasePath + "/" + name + "/callback",
				"https://app.example" + web.DefaultBasePath + "/" + name + "/callback",
			} {
				assert.Panics(t, func() { f.provider(t, bad) }, bad)
			}
		})
	}
}
